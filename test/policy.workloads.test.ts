/**
 * The workload policies' scope beyond test/policy.test.ts: which Deployments and containers the shim rule inspects
 * and under which runtime classes, the runtime installers' images (any registry, but pinned by digest), and what an
 * Ingress's TLS must be to count. Verdicts and counts, not wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";
import { imagesFromAcrByDigest, tlsOnExposedEndpoints, wasmWorkloadRuntimeClassAndLimits, wasmWorkloadStartsOnTheShim, DIGEST_ONLY_NAMESPACES } from "../policy/kubernetesPolicies";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const DIGEST = "sha256:" + "ab".repeat(32);

async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, options?: Record<string, unknown>): Promise<string[]> {
    const config = options ? { [policy.name]: options } : {};
    return (await evaluatePolicies([{ type, name: "subject", props }], config, [policy])).map((v) => v.message);
}
const deployment = (spec: object, namespace?: string) => ({ metadata: namespace ? { namespace } : {}, spec: { template: { spec } } });

/** A container the shim could start, but for one thing: a read-only root (one problem). */
const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const readOnly = (name: string, command?: string[]) => ({ name, command, env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:8080" }], securityContext: { ...hardened, readOnlyRootFilesystem: true } });

describe("wasm-workload-starts-on-the-shim: what it inspects", () => {
    it("inspects every container under a Wasm runtime class, and only Spin entry points without one", async () => {
        assert.equal((await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, deployment({ runtimeClassName: "wasmtime-spin-v2", containers: [readOnly("a"), readOnly("b")] }))).length, 2);
        const mixed = await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, deployment({ containers: [readOnly("spin", ["/"]), readOnly("plain")] }));
        assert.equal(mixed.length, 1);
        assert.match(mixed[0], /'spin'/);
    });

    it("takes the Wasm runtime classes from its options", async () => {
        const spec = { runtimeClassName: "spin", containers: [readOnly("a")] };
        assert.deepEqual(await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, deployment(spec)), [], "not a default class");
        assert.equal((await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, deployment(spec), { runtimeClassNames: ["spin"] })).length, 1);
        assert.deepEqual(await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, deployment({ ...spec, runtimeClassName: "wasmtime-spin-v2" }), { runtimeClassNames: ["spin"] }), []);
    });

    it("looks at Deployments with a pod spec only", async () => {
        const spec = { runtimeClassName: "wasmtime-spin-v2", containers: [readOnly("a", ["/"])] };
        for (const type of ["kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job"]) {
            assert.deepEqual(await violations(wasmWorkloadStartsOnTheShim, type, deployment(spec)), [], type);
        }
        assert.deepEqual(await violations(wasmWorkloadStartsOnTheShim, DEPLOYMENT, { spec: {} }), []);
        assert.deepEqual(await violations(wasmWorkloadRuntimeClassAndLimits, DEPLOYMENT, { spec: {} }), []);
    });

    it("asks for the runtime class once per Deployment, and for limits on every container", async () => {
        const v = await violations(wasmWorkloadRuntimeClassAndLimits, DEPLOYMENT, deployment({ runtimeClassName: "runc", containers: [{ name: "a", command: ["/"] }, { name: "b", command: ["/"] }] }));
        assert.equal(v.length, 3, "one runtime class, two containers without limits");
        assert.match(v[0], /containers\[0\] 'a'.*'runc'/);
    });
});

describe("images in the runtime installers' namespaces", () => {
    const job = (image: string, namespace: string) => ({ metadata: { namespace }, spec: { template: { spec: { containers: [{ name: "installer", image }] } } } });

    it("in the containerd-2 installer's namespace may come from any registry, pinned by a full sha256 digest", async () => {
        for (const ns of DIGEST_ONLY_NAMESPACES) {
            assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(`ghcr.io/spinframework/installer@${DIGEST}`, ns)), [], ns);
        }
        for (const bad of ["ghcr.io/spinframework/installer:v0.2.0", `ghcr.io/x@sha256:${"ab".repeat(31)}`, `ghcr.io/x@${DIGEST} `, ` ghcr.io/x@${DIGEST}`, `@${DIGEST}`, `ghcr.io/x y@${DIGEST}`, `ghcr.io/x@y@${DIGEST}`, `ghcr.io/x@sha256:${"AB".repeat(32)}`]) {
            assert.equal((await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(bad, DIGEST_ONLY_NAMESPACES[0]))).length, 1, JSON.stringify(bad));
        }
    });

    it("in runtime-class-manager's namespace only from the stack's registry, by digest (its images are mirrored)", async () => {
        assert.equal((await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(`ghcr.io/spinframework/installer@${DIGEST}`, "runtime-class-manager"))).length, 1);
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(`acrx.azurecr.io/spinkube/node-installer@${DIGEST}`, "runtime-class-manager")), []);
    });

    it("elsewhere, only from the stack's registry pattern", async () => {
        assert.equal((await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(`ghcr.io/spinframework/installer@${DIGEST}`, "apps"))).length, 1);
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job(`acrx.azurecr.io/app@${DIGEST}`, "apps")), []);
    });
});

describe("tls-on-exposed-endpoints", () => {
    it("counts an Ingress's TLS only as a non-empty list", async () => {
        const ING = "kubernetes:networking.k8s.io/v1:Ingress";
        assert.equal((await violations(tlsOnExposedEndpoints, ING, { spec: { tls: {} } })).length, 1);
        assert.equal((await violations(tlsOnExposedEndpoints, ING, {})).length, 1);
        assert.deepEqual(await violations(tlsOnExposedEndpoints, ING, { spec: { tls: [{ hosts: ["a.example.com"] }] } }), []);
        assert.deepEqual(await violations(tlsOnExposedEndpoints, "kubernetes:core/v1:Service", { spec: {} }), []);
    });
});
