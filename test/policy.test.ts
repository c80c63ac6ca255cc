/**
 * Each policy of the CrossGuard pack, called the way the analyzer calls it: `validateResource(args, reportViolation)`
 * with the resource's type and props. PolicyPack is never constructed (it would start the analyzer server).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
    DEFAULT_IMAGE_PATTERN,
    imagesFromAcrByDigest,
    noPublicLoadBalancerServices,
    tlsOnExposedEndpoints,
    wasmWorkloadRuntimeClassAndLimits,
    wasmWorkloadStartsOnTheShim,
} from "../policy/kubernetesPolicies";
import {
    acrAdminUserDisabled,
    acrAnonymousPullDisabled,
    aksAzureRbacEnabled,
    aksLocalAccountsDisabled,
} from "../policy/azurePolicies";
import { policies, PROD_ONLY_POLICY_NAMES } from "../policy/policies";

// The analyzer wraps props in a proxy that throws on unknown (preview) values and turns that error into an
// advisory "can't run during preview". The SDK does not export it in its typings; the test uses the same module
// so the preview case below is the real one, not a stand-in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    unknownStringValue: unknown;
    UnknownValueError: new (...args: any[]) => Error;
};

const DIGEST = "sha256:" + "ab".repeat(32);
const PINNED = `acraksdev.azurecr.io/hello-wasm@${DIGEST}`;

/** Runs a policy on one resource; returns the violation messages. */
async function validate(
    policy: ResourceValidationPolicy,
    type: string,
    props: Record<string, any>,
    config: Record<string, unknown> = {},
): Promise<string[]> {
    const violations: string[] = [];
    const args: ResourceValidationArgs = {
        type,
        props,
        urn: `urn:pulumi:dev::aks-wasm::${type}::subject`,
        name: "subject",
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable: ${reason}`);
        },
    };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const v of validations) await v(args, (message) => violations.push(message));
    return violations;
}

function deployment(podSpec: Record<string, any>): Record<string, any> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "hello-wasm", namespace: "apps" },
        spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: podSpec } },
    };
}

const limits = { limits: { cpu: "100m", memory: "128Mi" }, requests: { cpu: "10m", memory: "64Mi" } };
const spinContainer = { name: "app", image: PINNED, command: ["/"], resources: limits };

test("wasm workload: runtime class and limits set passes", async () => {
    const props = deployment({ runtimeClassName: "wasmtime-spin-v2", containers: [spinContainer] });
    assert.deepEqual(await validate(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", props), []);
});

test("wasm workload: Spin entry point without the runtime class is refused", async () => {
    const props = deployment({ containers: [spinContainer] });
    const v = await validate(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", props);
    assert.equal(v.length, 1);
    assert.match(v[0], /containers\[0\] 'app' uses the Spin entry point .* runtimeClassName is unset; set it to one of: wasmtime-spin-v2/);
});

test("wasm workload: missing limits are refused, naming the container and the resource", async () => {
    const props = deployment({
        runtimeClassName: "wasmtime-spin-v2",
        containers: [{ ...spinContainer, resources: { limits: { cpu: "100m" } } }, { name: "sidecar", image: PINNED }],
    });
    const v = await validate(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", props);
    assert.deepEqual(v, [
        "Deployment 'subject': containers[0] 'app' has no memory limit; set resources.limits.memory.",
        "Deployment 'subject': containers[1] 'sidecar' has no cpu and memory limit; set resources.limits.cpu and resources.limits.memory.",
    ]);
});

test("wasm workload: ordinary container Deployments are out of scope; runtime classes are configurable", async () => {
    const plain = deployment({ containers: [{ name: "web", image: PINNED }] });
    assert.deepEqual(await validate(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", plain), []);
    const kwasm = deployment({ runtimeClassName: "spin", containers: [{ ...spinContainer, resources: {} }] });
    const v = await validate(wasmWorkloadRuntimeClassAndLimits, "kubernetes:apps/v1:Deployment", kwasm, { runtimeClassNames: ["spin"] });
    assert.equal(v.length, 1);
    assert.match(v[0], /no cpu and memory limit/);
});

test("images: ACR image pinned by digest passes, in Deployments and Jobs", async () => {
    const props = deployment({ initContainers: [{ name: "init", image: PINNED }], containers: [{ name: "app", image: PINNED }] });
    assert.deepEqual(await validate(imagesFromAcrByDigest, "kubernetes:apps/v1:Deployment", props), []);
    const job = { spec: { template: { spec: { containers: [{ name: "load", image: PINNED }] } } } };
    assert.deepEqual(await validate(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job), []);
});

test("images: tags, other registries and init containers are refused", async () => {
    const tagged = deployment({ containers: [{ name: "app", image: "acraksdev.azurecr.io/hello-wasm:latest" }] });
    const v1 = await validate(imagesFromAcrByDigest, "kubernetes:apps/v1:Deployment", tagged);
    assert.equal(v1.length, 1);
    assert.match(v1[0], /^Deployment 'subject': containers\[0\] 'app' image 'acraksdev\.azurecr\.io\/hello-wasm:latest' does not match/);
    const job = { spec: { template: { spec: { initContainers: [{ name: "fetch", image: `ghcr.io/x/y@${DIGEST}` }], containers: [{ name: "load", image: PINNED }] } } } };
    const v2 = await validate(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", job);
    assert.equal(v2.length, 1);
    assert.match(v2[0], /^Job 'subject': initContainers\[0\] 'fetch' image 'ghcr\.io/);
    const cron = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } } } };
    assert.equal((await validate(imagesFromAcrByDigest, "kubernetes:batch/v1:CronJob", cron)).length, 1);
});

test("images: the pattern is configurable and the default is the documented one", async () => {
    assert.equal(DEFAULT_IMAGE_PATTERN, "^[a-z0-9]+\\.azurecr\\.io/.+@sha256:[0-9a-f]{64}$");
    const props = deployment({ containers: [{ name: "app", image: `mirror.example/x@${DIGEST}` }] });
    const config = { imagePattern: "^mirror\\.example/.+@sha256:[0-9a-f]{64}$" };
    assert.deepEqual(await validate(imagesFromAcrByDigest, "kubernetes:apps/v1:Deployment", props, config), []);
});

// The Wasm set of lib/kubernetes/workloadDefaults.ts and the listen env of components/app/spinWorkload.ts, as the stack sends them.
const wasmPod = {
    runtimeClassName: "wasmtime-spin-v2",
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
};
const wasmContainer = {
    ...spinContainer,
    env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:8080" }],
    ports: [{ name: "http-app", containerPort: 8080 }],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, privileged: false, capabilities: { drop: ["ALL"] } },
};
const shimCheck = (pod: Record<string, any>, container: Record<string, any>) =>
    validate(wasmWorkloadStartsOnTheShim, "kubernetes:apps/v1:Deployment", deployment({ ...pod, containers: [container] }));

test("wasm shim: the stack's Wasm context (uid 0, writable root, 8080, hardening kept) passes", async () => {
    assert.deepEqual(await shimCheck(wasmPod, wasmContainer), []);
    // The workload defaults are the same objects, so the policy and the component cannot drift apart silently.
    const defaults = await import("../lib/kubernetes/workloadDefaults.js");
    const fromDefaults = { ...wasmContainer, env: defaults.listenEnv(), securityContext: defaults.wasmContainerSecurityContext };
    assert.deepEqual(await shimCheck({ ...wasmPod, securityContext: defaults.wasmPodSecurityContext }, fromDefaults), []);
});

test("wasm shim: a read-only root filesystem is refused (the shim writes /.cache and /spin.json, SHIM-1/2)", async () => {
    const v = await shimCheck(wasmPod, { ...wasmContainer, securityContext: { ...wasmContainer.securityContext, readOnlyRootFilesystem: true } });
    assert.deepEqual(v, [
        "Deployment 'subject': containers[0] 'app' sets readOnlyRootFilesystem: true, but the shim writes /.cache and /spin.json into the root filesystem at start-up.",
    ]);
});

test("wasm shim: a non-root user is refused, at pod or container level (SHIM-4/5)", async () => {
    const restrictedPod = { ...wasmPod, securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } } };
    assert.match((await shimCheck(restrictedPod, wasmContainer)).join("\n"), /runs as uid 65532, but the shim writes into '\/' as the container's user/);
    const containerUser = { ...wasmContainer, securityContext: { ...wasmContainer.securityContext, runAsNonRoot: true } };
    assert.match((await shimCheck(wasmPod, containerUser)).join("\n"), /runs as a non-root user/);
});

test("wasm shim: the listen port needs no capability and matches the declared containerPort (SHIM-3)", async () => {
    // No SPIN_HTTP_LISTEN_ADDR: the shim's default 0.0.0.0:80, privileged without NET_BIND_SERVICE, undeclared.
    const noEnv = { ...wasmContainer, env: [] };
    assert.deepEqual(await shimCheck(wasmPod, noEnv), [
        "Deployment 'subject': containers[0] 'app' listens on port 80 without NET_BIND_SERVICE (containerd 1.7 refuses it); set SPIN_HTTP_LISTEN_ADDR to a port above 1023.",
        "Deployment 'subject': containers[0] 'app' listens on port 80 (SPIN_HTTP_LISTEN_ADDR) but declares containerPort 8080: probes and the Service would miss it.",
    ]);
    const mismatch = { ...wasmContainer, env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:9090" }] };
    assert.deepEqual(await shimCheck(wasmPod, mismatch), [
        "Deployment 'subject': containers[0] 'app' listens on port 9090 (SPIN_HTTP_LISTEN_ADDR) but declares containerPort 8080: probes and the Service would miss it.",
    ]);
    // Port 80 with NET_BIND_SERVICE (and nothing else added) is a valid choice.
    const port80 = {
        ...wasmContainer,
        env: [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:80" }],
        ports: [{ name: "http-app", containerPort: 80 }],
        securityContext: { ...wasmContainer.securityContext, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } },
    };
    assert.deepEqual(await shimCheck(wasmPod, port80), []);
});

test("wasm shim: the hardening that still holds is required (escalation, capabilities, seccomp)", async () => {
    const loose = { ...wasmContainer, securityContext: { readOnlyRootFilesystem: false, capabilities: { add: ["SYS_ADMIN"] } } };
    const podWithoutSeccomp = { ...wasmPod, securityContext: { runAsUser: 0 } };
    assert.deepEqual(await shimCheck(podWithoutSeccomp, loose), [
        "Deployment 'subject': containers[0] 'app' does not set allowPrivilegeEscalation: false.",
        "Deployment 'subject': containers[0] 'app' does not drop ALL capabilities.",
        "Deployment 'subject': containers[0] 'app' adds capabilities SYS_ADMIN (at most NET_BIND_SERVICE is ever needed).",
        "Deployment 'subject': containers[0] 'app' has seccomp profile unset; set RuntimeDefault.",
    ]);
});

test("wasm shim: ordinary container Deployments are not inspected", async () => {
    const plain = { name: "web", image: PINNED, resources: limits, securityContext: { readOnlyRootFilesystem: true } };
    assert.deepEqual(await validate(wasmWorkloadStartsOnTheShim, "kubernetes:apps/v1:Deployment", deployment({ containers: [plain] })), []);
});

test("images: an image not known yet (preview) is never reported as a violation", async () => {
    // Undefined: the program passed nothing resolvable yet.
    const undef = deployment({ containers: [{ name: "app" }] });
    assert.deepEqual(await validate(imagesFromAcrByDigest, "kubernetes:apps/v1:Deployment", undef), []);
    // Unknown through the analyzer's proxy: the SDK error the server turns into an advisory note.
    const unknown = proxy.unknownCheckingProxy(deployment({ containers: [{ name: "app", image: proxy.unknownStringValue }] }));
    const violations: string[] = [];
    await assert.rejects(
        validate(imagesFromAcrByDigest, "kubernetes:apps/v1:Deployment", unknown).then((v) => violations.push(...v)),
        (e: unknown) => e instanceof proxy.UnknownValueError,
    );
    assert.deepEqual(violations, []);
});

test("acr: admin user off passes; on is refused", async () => {
    const type = "azure-native:containerregistry:Registry";
    assert.deepEqual(await validate(acrAdminUserDisabled, type, { adminUserEnabled: false, sku: { name: "Standard" } }), []);
    assert.deepEqual(await validate(acrAdminUserDisabled, type, { sku: { name: "Standard" } }), []);
    assert.deepEqual(await validate(acrAdminUserDisabled, type, { adminUserEnabled: true }), [
        "Registry 'subject' has adminUserEnabled: true.",
    ]);
    // Explicit API-version modules are the same resource.
    assert.equal((await validate(acrAdminUserDisabled, "azure-native:containerregistry/v20250401:Registry", { adminUserEnabled: true })).length, 1);
});

test("acr: anonymous pull off passes; on is refused", async () => {
    const type = "azure-native:containerregistry:Registry";
    assert.deepEqual(await validate(acrAnonymousPullDisabled, type, { anonymousPullEnabled: false }), []);
    assert.deepEqual(await validate(acrAnonymousPullDisabled, type, { anonymousPullEnabled: true }), [
        "Registry 'subject' has anonymousPullEnabled: true.",
    ]);
});

test("aks: Azure RBAC on passes; off or unset is refused", async () => {
    const type = "azure-native:containerservice:ManagedCluster";
    assert.deepEqual(await validate(aksAzureRbacEnabled, type, { aadProfile: { managed: true, enableAzureRBAC: true } }), []);
    assert.deepEqual(await validate(aksAzureRbacEnabled, type, { aadProfile: { managed: true } }), [
        "ManagedCluster 'subject' does not set aadProfile.enableAzureRBAC: true.",
    ]);
    assert.equal((await validate(aksAzureRbacEnabled, type, {})).length, 1);
});

test("aks: local accounts disabled passes; otherwise refused", async () => {
    const type = "azure-native:containerservice:ManagedCluster";
    assert.deepEqual(await validate(aksLocalAccountsDisabled, type, { disableLocalAccounts: true }), []);
    assert.deepEqual(await validate(aksLocalAccountsDisabled, type, { disableLocalAccounts: false }), [
        "ManagedCluster 'subject' does not set disableLocalAccounts: true.",
    ]);
    // Other resource types are not inspected.
    assert.deepEqual(await validate(aksLocalAccountsDisabled, "azure-native:containerservice:AgentPool", {}), []);
});

test("services: ClusterIP and internal LoadBalancers pass; a public LoadBalancer is refused", async () => {
    const type = "kubernetes:core/v1:Service";
    assert.deepEqual(await validate(noPublicLoadBalancerServices, type, { spec: { type: "ClusterIP" } }), []);
    const internal = {
        metadata: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" } },
        spec: { type: "LoadBalancer" },
    };
    assert.deepEqual(await validate(noPublicLoadBalancerServices, type, internal), []);
    const v = await validate(noPublicLoadBalancerServices, type, { spec: { type: "LoadBalancer" } });
    assert.equal(v.length, 1);
    assert.match(v[0], /Service 'subject' is type LoadBalancer without service\.beta\.kubernetes\.io\/azure-load-balancer-internal: "true" \(found no annotation\)/);
    const falsy = { ...internal, metadata: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "false" } } };
    assert.equal((await validate(noPublicLoadBalancerServices, type, falsy)).length, 1);
});

test("tls: Ingress with spec.tls passes; without is refused", async () => {
    const type = "kubernetes:networking.k8s.io/v1:Ingress";
    const rules = [{ host: "app.example.com", http: { paths: [] } }];
    assert.deepEqual(await validate(tlsOnExposedEndpoints, type, { spec: { rules, tls: [{ hosts: ["app.example.com"], secretName: "tls" }] } }), []);
    assert.deepEqual(await validate(tlsOnExposedEndpoints, type, { spec: { rules } }), [
        "Ingress 'subject' has no spec.tls: it serves plain HTTP.",
    ]);
});

test("tls: Gateway with an HTTPS listener passes; HTTP-only is refused", async () => {
    const type = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
    const http = { name: "http", protocol: "HTTP", port: 80 };
    const https = { name: "https", protocol: "HTTPS", port: 443, tls: { certificateRefs: [{ name: "tls" }] } };
    assert.deepEqual(await validate(tlsOnExposedEndpoints, type, { spec: { gatewayClassName: "x", listeners: [http, https] } }), []);
    assert.deepEqual(await validate(tlsOnExposedEndpoints, type, { spec: { gatewayClassName: "x", listeners: [http] } }), [
        "Gateway 'subject' has no HTTPS listener (listeners: http:HTTP).",
    ]);
});

test("pack: policy names are unique and every policy is mandatory by default", () => {
    const names = policies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.length, 13);
    for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);
});

test("pack: dev.json relaxes exactly the prod-only policies, to advisory", () => {
    const dev = JSON.parse(readFileSync(join(__dirname, "..", "policy", "dev.json"), "utf8")) as Record<string, unknown>;
    const names = new Set(policies.map((p) => p.name));
    for (const key of Object.keys(dev)) assert.ok(names.has(key), `dev.json names unknown policy '${key}'`);
    assert.deepEqual(Object.keys(dev).sort(), [...PROD_ONLY_POLICY_NAMES].sort());
    for (const level of Object.values(dev)) assert.equal(level, "advisory");
});

test("evaluatePolicies applies pack config levels: per policy, then `all`, and skips disabled ones", async () => {
    const { evaluatePolicies } = await import("../policy/evaluate.js");
    const registry = { type: "azure-native:containerregistry:Registry", name: "acr", props: { adminUserEnabled: true, anonymousPullEnabled: true } };
    const levels = async (config: Record<string, any>) =>
        (await evaluatePolicies([registry], config)).map((v) => `${v.policy}=${v.enforcementLevel}`).sort();
    assert.deepEqual(await levels({}), ["acr-admin-user-disabled=mandatory", "acr-anonymous-pull-disabled=mandatory"]);
    assert.deepEqual(await levels({ all: "advisory", "acr-admin-user-disabled": { enforcementLevel: "mandatory" } }), [
        "acr-admin-user-disabled=mandatory",
        "acr-anonymous-pull-disabled=advisory",
    ]);
    assert.deepEqual(await levels({ "acr-anonymous-pull-disabled": "disabled" }), ["acr-admin-user-disabled=mandatory"]);
});
