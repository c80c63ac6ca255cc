/**
 * pod-security-basics and namespace-pod-security-labels beyond test/policyTrust.test.ts: the pod's security context as
 * the fallback of each container's (as Kubernetes applies it), ephemeral containers, the runtime installers' named
 * exception and the options that move it, and the defaults every policy declares to the analyzer (the analyzer fills
 * a policy's options from its schema, so a default there is what a stack without a pack config gets). Verdicts, the
 * container named and counts, not wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";
import { DEFAULT_WASM_RUNTIME_CLASSES } from "../policy/kubernetesPolicies";
import { policies } from "../policy/policies";
import { DEFAULT_PRIVILEGED_NAMESPACES, DEFAULT_SPIN_RUNTIME_CLASSES, namespacePodSecurityLabels, podSecurityBasics, podSecurityProblems } from "../policy/podSecurityPolicies";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const restricted = { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const { runAsNonRoot: _nonRoot, ...restrictedButUser } = restricted;

async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, options?: Record<string, unknown>): Promise<string[]> {
    const config = options ? { [policy.name]: options } : {};
    return (await evaluatePolicies([{ type, name: "subject", props }], config, [policy])).map((v) => v.message);
}
const deployment = (spec: object, namespace?: string) => ({ metadata: namespace ? { namespace } : {}, spec: { template: { spec } } });

describe("pod-security-basics: who runs as root", () => {
    it("takes the pod's runAsNonRoot or runAsUser when the container sets neither, the container's when it does", () => {
        const c = (securityContext: object) => [{ name: "c", securityContext }];
        assert.deepEqual(podSecurityProblems({ securityContext: { runAsNonRoot: true }, containers: c(restrictedButUser) }), []);
        assert.deepEqual(podSecurityProblems({ securityContext: { runAsUser: 1000 }, containers: c(restrictedButUser) }), []);
        assert.equal(podSecurityProblems({ securityContext: { runAsUser: 0 }, containers: c(restrictedButUser) }).length, 1, "uid 0 on the pod");
        assert.equal(podSecurityProblems({ containers: c(restrictedButUser) }).length, 1, "neither set: may run as root");
        assert.equal(podSecurityProblems({ securityContext: { runAsNonRoot: true }, containers: c({ ...restrictedButUser, runAsUser: 0 }) }).length, 1, "the container's uid 0 wins");
        assert.deepEqual(podSecurityProblems({ securityContext: { runAsUser: 0 }, containers: c({ ...restrictedButUser, runAsUser: 1000 }) }), [], "the container's uid wins");
        assert.equal(podSecurityProblems({ containers: c({ ...restrictedButUser, runAsNonRoot: false }) }).length, 1);
    });

    it("reports each break once, and checks ephemeral containers too", () => {
        assert.deepEqual(podSecurityProblems({ containers: [{ name: "c", securityContext: restricted }], hostNetwork: false, hostPID: false, hostIPC: false, volumes: [{ name: "d" }] }), []);
        const ephemeral = podSecurityProblems({ containers: [{ name: "c", securityContext: restricted }], ephemeralContainers: [{ name: "debug", securityContext: { ...restricted, privileged: true } }] } as never);
        assert.equal(ephemeral.length, 1);
        assert.match(ephemeral[0], /ephemeralContainers\[0\] 'debug'/);
        assert.equal(podSecurityProblems({ containers: [{ name: "c", securityContext: { ...restricted, capabilities: { drop: ["ALL"], add: [] } } }] }).length, 0, "an empty add list adds nothing");
        assert.equal(podSecurityProblems({ containers: [{ name: "c" }] }).length, 3, "no security context: escalation, root, writable root");
    });

    it("lets the Spin runtime classes the options name run as root, others not", async () => {
        const spin = { runtimeClassName: "spin-x", containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false } }] };
        assert.equal((await violations(podSecurityBasics, DEPLOYMENT, deployment(spin))).length, 2, "not a default class: root and a writable root");
        assert.deepEqual(await violations(podSecurityBasics, DEPLOYMENT, deployment(spin), { spinRuntimeClassNames: ["spin-x"] }), []);
        assert.deepEqual(podSecurityProblems(spin, ["spin-x"]), []);
        assert.equal(podSecurityProblems({ ...spin, runtimeClassName: undefined }, ["spin-x"]).length, 2);
    });
});

describe("the runtime installers' namespaces", () => {
    const installer = { hostPID: true, containers: [{ name: "installer", securityContext: { privileged: true } }] };

    it("exempt a privileged installer pod in each named namespace, and nowhere else", async () => {
        for (const ns of DEFAULT_PRIVILEGED_NAMESPACES) assert.deepEqual(await violations(podSecurityBasics, DEPLOYMENT, deployment(installer, ns)), [], ns);
        assert.ok((await violations(podSecurityBasics, DEPLOYMENT, deployment(installer, "apps"))).length >= 2);
        assert.ok((await violations(podSecurityBasics, DEPLOYMENT, deployment(installer))).length >= 2, "no namespace");
    });

    it("move with the privilegedNamespaces option, for pods and for the namespaces' labels", async () => {
        const options = { privilegedNamespaces: ["installers"] };
        assert.deepEqual(await violations(podSecurityBasics, DEPLOYMENT, deployment(installer, "installers"), options), []);
        assert.ok((await violations(podSecurityBasics, DEPLOYMENT, deployment(installer, DEFAULT_PRIVILEGED_NAMESPACES[0]), options)).length >= 2);
        const ns = (name: string) => ({ metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } });
        assert.deepEqual(await violations(namespacePodSecurityLabels, "kubernetes:core/v1:Namespace", ns("installers"), options), []);
        assert.equal((await violations(namespacePodSecurityLabels, "kubernetes:core/v1:Namespace", ns(DEFAULT_PRIVILEGED_NAMESPACES[1]), options)).length, 1);
        assert.deepEqual(await violations(namespacePodSecurityLabels, "kubernetes:core/v1:Namespace", ns(DEFAULT_PRIVILEGED_NAMESPACES[1])), []);
    });

    it("are the runtime-class-manager's and the project's shim installer's", () => {
        assert.deepEqual(DEFAULT_PRIVILEGED_NAMESPACES, ["runtime-class-manager", "aks-wasm-shim-installer"]);
        assert.deepEqual(DEFAULT_SPIN_RUNTIME_CLASSES, ["wasmtime-spin-v2"]);
    });

    it("label checks look at Namespaces only, and name the namespace when its name is not set", async () => {
        const labelled = { metadata: { labels: { "pod-security.kubernetes.io/enforce": "privileged" } } };
        assert.deepEqual(await violations(namespacePodSecurityLabels, "kubernetes:core/v1:ConfigMap", labelled), []);
        const [v] = await violations(namespacePodSecurityLabels, "kubernetes:core/v1:Namespace", labelled);
        assert.match(v, /'subject'/);
        assert.match(v, /'privileged'/);
    });
});

describe("the defaults every policy declares to the analyzer", () => {
    it("declares each option as a typed array or string with a description and the default the code falls back to", () => {
        const expected: Record<string, Record<string, unknown>> = {
            "wasm-workload-runtime-class-and-limits": { runtimeClassNames: DEFAULT_WASM_RUNTIME_CLASSES },
            "wasm-workload-starts-on-the-shim": { runtimeClassNames: DEFAULT_WASM_RUNTIME_CLASSES },
            "pod-security-basics": { spinRuntimeClassNames: DEFAULT_SPIN_RUNTIME_CLASSES, privilegedNamespaces: DEFAULT_PRIVILEGED_NAMESPACES },
            "namespace-pod-security-labels": { privilegedNamespaces: DEFAULT_PRIVILEGED_NAMESPACES },
            "no-plain-http-beside-tls": { httpListenerNames: ["http"] },
        };
        for (const p of policies) {
            const properties = (p.configSchema?.properties ?? {}) as Record<string, any>;
            if (p.name === "images-from-acr-by-digest") continue; // a string pattern: test/policy.pack.test.ts
            assert.deepEqual(Object.keys(properties).sort(), Object.keys(expected[p.name] ?? {}).sort(), p.name);
            for (const [key, value] of Object.entries(expected[p.name] ?? {})) {
                const prop = properties[key];
                assert.deepEqual([prop.type, prop.items, prop.default], ["array", { type: "string" }, value], `${p.name}.${key}`);
                assert.ok(typeof prop.description === "string" && prop.description.length > 10, `${p.name}.${key}: description`);
            }
        }
    });
});
