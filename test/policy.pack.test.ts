/**
 * The policy pack beyond each policy's main verdict (test/policy.test.ts has those): what every policy tells the
 * person who hits it, the defaults the analyzer fills in from the config schemas, which resource types each policy
 * inspects, and the edges of the Wasm container rules. Verdicts and the resource named, not wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";
import {
    acrAdminUserDisabled,
    aksLocalAccountsDisabled,
} from "../policy/azurePolicies";
import {
    DEFAULT_IMAGE_PATTERN,
    DEFAULT_WASM_RUNTIME_CLASSES,
    imagesFromAcrByDigest,
    noPublicLoadBalancerServices,
    tlsOnExposedEndpoints,
    wasmWorkloadRuntimeClassAndLimits,
    wasmWorkloadStartsOnTheShim,
} from "../policy/kubernetesPolicies";
import { policies } from "../policy/policies";
import { containersOf, podSpecOf, usesSpinEntryPoint, WORKLOAD_TYPES } from "../policy/podSpec";
import { spinListenPort, wasmContainerProblems } from "../policy/wasmContainer";

const DIGEST = "sha256:" + "ab".repeat(32);
const PINNED = `acraksdev.azurecr.io/hello-wasm@${DIGEST}`;

/** The messages `policy` reports for one resource (through the pack's own evaluator). */
async function check(policy: ResourceValidationPolicy, type: string, props: Record<string, any>, options: Record<string, unknown> = {}): Promise<string[]> {
    const config = Object.keys(options).length > 0 ? { [policy.name]: { ...options } } : {};
    return (await evaluatePolicies([{ type, name: "subject", props }], config, [policy])).map((v) => v.message);
}

const pod = (spec: Record<string, any>) => ({ spec: { template: { spec } } });

describe("the pack tells whoever hits a policy what it guards and how to fix it", () => {
    it("gives every policy a name, a description, remediation steps and a severity", () => {
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
            assert.ok((p.description ?? "").length > 20, `${p.name}: description`);
            assert.ok((p.remediationSteps ?? "").length > 20, `${p.name}: remediation`);
            assert.ok(["low", "medium", "high", "critical"].includes(p.severity ?? ""), `${p.name}: severity ${p.severity}`);
        }
    });

    it("declares the defaults the analyzer fills in: the Spin runtime class and the ACR digest pattern", () => {
        for (const p of [wasmWorkloadRuntimeClassAndLimits, wasmWorkloadStartsOnTheShim]) {
            const prop = (p.configSchema?.properties as any).runtimeClassNames;
            assert.deepEqual([prop.type, prop.items, prop.default], ["array", { type: "string" }, ["wasmtime-spin-v2"]], p.name);
            assert.ok(prop.description.length > 0);
        }
        const image = (imagesFromAcrByDigest.configSchema?.properties as any).imagePattern;
        assert.deepEqual([image.type, image.default], ["string", DEFAULT_IMAGE_PATTERN]);
        assert.ok(image.description.length > 0);
        assert.deepEqual(DEFAULT_WASM_RUNTIME_CLASSES, ["wasmtime-spin-v2"]);
    });

    it("takes only ACR images pinned by a full sha256 digest by default", () => {
        const re = new RegExp(DEFAULT_IMAGE_PATTERN);
        assert.ok(re.test(PINNED));
        assert.ok(re.test(`acr1.azurecr.io/team/app@${DIGEST}`));
        for (const bad of [
            "acraksdev.azurecr.io/hello-wasm:1.0",
            `ACR.azurecr.io/app@${DIGEST}`,
            `acr.azurecr.io/app@sha256:${"ab".repeat(31)}`,
            `acr.azurecr.io/app@sha256:${"AB".repeat(32)}`,
            `docker.io/acr.azurecr.io/app@${DIGEST}`,
            `acr.azurecr.io/app@${DIGEST}x`,
            `acr.azurecr.io/@${DIGEST}`,
            `acr-x.azurecr.io/app@${DIGEST}`,
        ]) assert.ok(!re.test(bad), bad);
    });
});

describe("which resources each policy inspects", () => {
    it("inspects registries and clusters under the default module and explicit API versions only", async () => {
        const bad = { adminUserEnabled: true };
        for (const type of ["azure-native:containerregistry:Registry", "azure-native:containerregistry/v20250401:Registry", "azure-native:containerregistry/v2025preview:Registry"]) {
            assert.equal((await check(acrAdminUserDisabled, type, bad)).length, 1, type);
        }
        for (const type of ["xazure-native:containerregistry:Registry", "azure-native:containerregistry:RegistryX", "azure-native:containerregistry/V2025:Registry", "azure-native:containerregistry/:Registry", "azure-native:containerregistry:Webhook"]) {
            assert.deepEqual(await check(acrAdminUserDisabled, type, bad), [], type);
        }
        assert.equal((await check(aksLocalAccountsDisabled, "azure-native:containerservice/v20250801:ManagedCluster", {})).length, 1);
        for (const type of ["azure-native:containerservice:ManagedClusterX", "my:azure-native:containerservice:ManagedCluster"]) {
            assert.deepEqual(await check(aksLocalAccountsDisabled, type, {}), [], type);
        }
    });

    it("finds the pod spec of every workload kind, and of nothing else", () => {
        const spec = { containers: [{ name: "a" }] };
        const props: Record<string, any> = {
            "kubernetes:apps/v1:Deployment": pod(spec),
            "kubernetes:apps/v1:StatefulSet": pod(spec),
            "kubernetes:apps/v1:ReplicaSet": pod(spec),
            "kubernetes:apps/v1:DaemonSet": pod(spec),
            "kubernetes:batch/v1:Job": pod(spec),
            "kubernetes:batch/v1:CronJob": { spec: { jobTemplate: { spec: { template: { spec } } } } },
            "kubernetes:core/v1:Pod": { spec },
        };
        assert.deepEqual([...WORKLOAD_TYPES].sort(), Object.keys(props).sort());
        for (const [type, p] of Object.entries(props)) assert.deepEqual(podSpecOf(type, p), spec, type);
        assert.equal(podSpecOf("kubernetes:core/v1:Service", { spec }), undefined);
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", { spec: null }), undefined, "a spec not known yet");
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", {}), undefined);
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", { spec: { template: {} } }), undefined);
    });

    it("names init containers before containers, by index and name", () => {
        const where = containersOf({ initContainers: [{ name: "init" }], containers: [{ name: "app" }, {}] }).map((c) => c.where);
        assert.deepEqual(where, ["initContainers[0] 'init'", "containers[0] 'app'", "containers[1] '?'"]);
        assert.deepEqual(containersOf({}), []);
    });

    it("checks images in every workload kind, naming the kind and the container", async () => {
        const v = await check(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", pod({ containers: [{ name: "lt", image: "nginx:latest" }] }));
        assert.equal(v.length, 1);
        assert.match(v[0], /^Job 'subject': containers\[0\] 'lt' image 'nginx:latest' /);
        assert.deepEqual(await check(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", pod({ containers: [{ image: "nginx" }] }), { imagePattern: "^nginx$" }), [], "the configured pattern");
        assert.deepEqual(await check(imagesFromAcrByDigest, "kubernetes:core/v1:Service", { spec: { containers: [{ image: "nginx" }] } }), []);
    });

    it("inspects Gateways of v1 and v1beta1, and lists a Gateway's listeners", async () => {
        const http = { spec: { listeners: [{ name: "web", protocol: "HTTP" }, {}] } };
        for (const version of ["v1", "v1beta1"]) {
            const v = await check(tlsOnExposedEndpoints, `kubernetes:gateway.networking.k8s.io/${version}:Gateway`, http);
            assert.equal(v.length, 1, version);
            assert.match(v[0], /web:HTTP, \?:\?/);
        }
        assert.deepEqual(await check(tlsOnExposedEndpoints, "kubernetes:gateway.networking.k8s.io/v1alpha2:Gateway", http), []);
        assert.match((await check(tlsOnExposedEndpoints, "kubernetes:gateway.networking.k8s.io/v1:Gateway", { spec: {} }))[0], /listeners: none/);
        assert.equal((await check(tlsOnExposedEndpoints, "kubernetes:networking.k8s.io/v1:Ingress", { spec: { tls: [] } })).length, 1, "an empty tls list serves plain HTTP");
    });

    it("quotes the internal-LB annotation a public Service carries", async () => {
        const lb = (value: unknown) => ({ metadata: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": value } }, spec: { type: "LoadBalancer" } });
        assert.match((await check(noPublicLoadBalancerServices, "kubernetes:core/v1:Service", lb("False")))[0], /found 'False'/);
        assert.deepEqual(await check(noPublicLoadBalancerServices, "kubernetes:core/v1:Deployment", lb("false")), []);
    });
});

describe("Wasm workloads", () => {
    const limits = { limits: { cpu: "100m", memory: "128Mi" } };

    it("names the runtime class found, unset or another, and the classes accepted", async () => {
        const spin = { name: "app", image: PINNED, command: ["/"], resources: limits };
        const [unset] = await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", pod({ containers: [spin] }));
        assert.match(unset, /runtimeClassName is unset; set it to one of: wasmtime-spin-v2\./);
        const [other] = await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", pod({ runtimeClassName: "runc", containers: [spin] }), { runtimeClassNames: ["spin", "wasm"] });
        assert.match(other, /runtimeClassName is 'runc'; set it to one of: spin, wasm\./);
        assert.deepEqual(await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:StatefulSet", pod({ containers: [{ ...spin, resources: {} }] })), [], "Deployments only");
    });

    it("names each missing limit", async () => {
        const c = (resources: Record<string, any>) => pod({ runtimeClassName: "wasmtime-spin-v2", containers: [{ name: "app", image: PINNED, resources }] });
        assert.match((await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", c({})))[0], /has no cpu and memory limit; set resources\.limits\.cpu and resources\.limits\.memory\./);
        assert.match((await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", c({ limits: { cpu: "1" } })))[0], /has no memory limit/);
        assert.deepEqual(await check(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", c(limits)), []);
    });

    it("recognises the Spin entry point only as the command [\"/\"]", () => {
        assert.equal(usesSpinEntryPoint({ command: ["/"] }), true);
        for (const command of [undefined, [], ["/", "x"], ["/spin"], ["./"]]) assert.equal(usesSpinEntryPoint({ command } as any), false, JSON.stringify(command));
    });

    it("reads the listen port from SPIN_HTTP_LISTEN_ADDR, 80 without it, none when malformed", () => {
        const env = (value: string) => ({ env: [{ name: "OTHER", value: "x:1" }, { name: "SPIN_HTTP_LISTEN_ADDR", value }] });
        assert.equal(spinListenPort({}), 80);
        assert.equal(spinListenPort(env("0.0.0.0:8080")), 8080);
        assert.equal(spinListenPort(env("[::]:65535")), 65535);
        for (const bad of ["0.0.0.0", "0.0.0.0:", "0.0.0.0:123456", "0.0.0.0:80x", "0.0.0.0:http"]) assert.equal(spinListenPort(env(bad)), undefined, bad);
    });

    const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
    const listen = { env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:8080" }] };

    it("keeps the hardening: not privileged, seccomp RuntimeDefault or Localhost, set on the pod or the container", () => {
        assert.deepEqual(wasmContainerProblems({}, { ...listen, securityContext: hardened }), []);
        assert.deepEqual(wasmContainerProblems({}, { ...listen, securityContext: { ...hardened, seccompProfile: { type: "Localhost" } } }), []);
        assert.deepEqual(wasmContainerProblems({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, { ...listen, securityContext: { ...hardened, seccompProfile: undefined } }), []);
        assert.equal(wasmContainerProblems({}, { ...listen, securityContext: { ...hardened, privileged: true } }).length, 1);
        assert.match(wasmContainerProblems({}, { ...listen, securityContext: { ...hardened, seccompProfile: { type: "Unconfined" } } }).join(), /seccomp profile 'Unconfined'/);
        assert.equal(wasmContainerProblems({}, { ...listen, securityContext: { ...hardened, allowPrivilegeEscalation: undefined } }).length, 1, "unset is not false");
        assert.equal(wasmContainerProblems({}, { ...listen, securityContext: { ...hardened, capabilities: { drop: ["NET_RAW"] } } }).length, 1);
    });

    it("takes uid 0 as root and any other uid as non-root, the container's setting over the pod's", () => {
        const c = (securityContext: Record<string, any>) => ({ ...listen, securityContext: { ...hardened, ...securityContext } });
        assert.deepEqual(wasmContainerProblems({ securityContext: { runAsUser: 1000 } }, c({ runAsUser: 0 })), []);
        assert.match(wasmContainerProblems({ securityContext: { runAsUser: 0 } }, c({ runAsUser: 1 })).join(), /runs as uid 1\b/);
        assert.deepEqual(wasmContainerProblems({ securityContext: { runAsNonRoot: true } }, c({ runAsNonRoot: false })), []);
        assert.match(wasmContainerProblems({}, c({ runAsNonRoot: true, runAsUser: 0 })).join(), /runs as a non-root user/);
    });

    it("refuses a malformed listen address, and a port below 1024 without NET_BIND_SERVICE, but not 1024", () => {
        const at = (value: string, add: string[] = []) => wasmContainerProblems({}, { env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value }], securityContext: { ...hardened, capabilities: { drop: ["ALL"], add } } });
        assert.match(at("localhost").join(), /SPIN_HTTP_LISTEN_ADDR to something that is not <address>:<port>/);
        assert.equal(at("0.0.0.0:1023").length, 1);
        assert.deepEqual(at("0.0.0.0:1024"), []);
        assert.deepEqual(at("0.0.0.0:1023", ["NET_BIND_SERVICE"]), []);
        assert.match(at("0.0.0.0:8080", ["NET_BIND_SERVICE", "SYS_TIME"]).join(), /adds capabilities SYS_TIME \(/);
        assert.deepEqual(wasmContainerProblems({}, { env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:8080" }], ports: [], securityContext: hardened }), [], "no declared port: nothing to mismatch");
        assert.match(wasmContainerProblems({}, { ...listen, ports: [{ containerPort: 80 }, { containerPort: 81 }], securityContext: hardened }).join(), /declares containerPort 80, 81/);
    });
});

describe("pack config levels", () => {
    it("falls back to advisory for a policy without a level, and passes a policy its own options only", async () => {
        const noLevel = { ...acrAdminUserDisabled, enforcementLevel: undefined } as unknown as ResourceValidationPolicy;
        const [v] = await evaluatePolicies([{ type: "azure-native:containerregistry:Registry", name: "acr", props: { adminUserEnabled: true } }], {}, [noLevel]);
        assert.deepEqual([v.enforcementLevel, v.resource, v.policy], ["advisory", "azure-native:containerregistry:Registry::acr", "acr-admin-user-disabled"]);
        const seen: unknown[] = [];
        const probe: ResourceValidationPolicy = { name: "probe", description: "d", enforcementLevel: "mandatory", validateResource: (args) => void seen.push(args.getConfig()) };
        await evaluatePolicies([{ type: "t", name: "n", props: {} }], { probe: { enforcementLevel: "advisory", x: 1 }, other: { y: 2 } }, [probe]);
        await evaluatePolicies([{ type: "t", name: "n", props: {} }], { probe: "advisory" }, [probe]);
        assert.deepEqual(seen, [{ x: 1 }, {}]);
    });
});
