/**
 * examples/app-stack under the SDK's mocks: an app team's stack deploying its own Spin app (quotes) onto the
 * platform through the platform stack's outputs, with the `aks-wasm-app` package's SpinApp (here resolved to the
 * package's source; test/componentPackage.test.ts runs the packed package). The StackReference's outputs come from
 * the mock (a stand-in for the platform stack's state, as the engine would return it on read); everything else is
 * the real program.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { installOfflineMocks, isSecretInput, settle, valueOf, type RecordedResource } from "../lib/offline/offline";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "../outputs";
import { teamGatewayPolicy } from "../lib/kubernetes/admissionPolicy";
import { refusals } from "./helpers/admissionCel";

const TEAM = "11111111-2222-3333-4444-555555555555";

/** The platform stack's state: outputs, and which of them it marked secret. */
let referenced: { outputs: Record<string, unknown>; secretOutputNames: string[] };

/** A placement unlike the main stack's defaults, so the test proves it comes from the platform's outputs. */
const PLACEMENT = {
    runtimeClassName: "wasmtime-spin-v2",
    nodeSelector: { "aks-wasm/pool": "wasm-east" },
    tolerations: [{ key: "aks-wasm/pool", operator: "Equal" as const, value: "wasm-east", effect: "NoSchedule" as const }],
};
const LOADTEST_IMAGE = `acrplatformdev.azurecr.io/loadtest@sha256:${"cd".repeat(32)}`;

function platformOutputs(overrides: Partial<StackOutputs> = {}): StackOutputs {
    return {
        contractVersion: OUTPUTS_CONTRACT_VERSION,
        resourceGroupName: "rg-aks-wasm-dev",
        clusterName: "aks-wasm-dev",
        kubeconfig: "apiVersion: v1\nkind: Config\n# platform kubeconfig stand-in\n",
        oidcIssuerUrl: "https://mock.oic.prod-aks.azure.com/x/",
        acrLoginServer: "acrplatformdev.azurecr.io",
        acrName: "acrplatformdev",
        acrResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrplatformdev",
        wasmRuntime: "spinkube",
        wasmNodePoolName: "wasm",
        runtimeClassName: "wasmtime-spin-v2",
        wasmPlacement: PLACEMENT,
        ingressMode: "ingress",
        ingressClassName: "internal.example.com",
        gatewayClassName: "approuting-istio",
        loadTestImage: LOADTEST_IMAGE,
        appTeams: { "11111111-2222-3333-4444-555555555555": ["quotes"] },
        teamGatewayNamespaces: {},
        apps: {},
        ...overrides,
    };
}

const runPromise = installOfflineMocks({
    project: "quotes",
    stack: "dev",
    config: { platformStack: "organization/aks-wasm/dev" },
    overrides: (args) => (args.type === "pulumi:pulumi:StackReference" ? { ...referenced } : undefined),
});

/** Waits for the previous case's registrations to finish, then forgets them. */
async function freshRecord() {
    const run = await runPromise;
    await settle();
    run.resources.length = 0;
    return run;
}

async function deploy() {
    await runPromise;
    const { deployAppStack } = await import("../examples/app-stack/appStack.js");
    const out = deployAppStack();
    try {
        await outcome(out.app);
    } finally {
        await settle();
    }
    return out;
}

/**
 * An output's value, or its error. valueOf never settles on a failed output, and a contract error reaches an app
 * stack through the component's outputs; the SDK's own (internal) `promise()` carries the rejection.
 */
function outcome<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

const byType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

test("deploys its own app onto the platform: built, pushed to the platform's registry, on the Wasm pool, exposed, load-tested", async () => {
    referenced = { outputs: { ...platformOutputs() }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    const out = await deploy();
    assert.equal(await valueOf(out.platformContractVersion), OUTPUTS_CONTRACT_VERSION);

    const build = byType(run.resources, "command:local:Command").find((r) => r.name === "quotes-build-push");
    assert.ok(build, "the app is built and pushed");
    assert.equal(build.inputs.dir, "examples/app-stack/quotes");
    assert.equal(build.inputs.environment.ACR_LOGIN_SERVER, "acrplatformdev.azurecr.io");
    assert.equal(build.inputs.environment.ACR_NAME, "acrplatformdev");

    const deployment = byType(run.resources, "kubernetes:apps/v1:Deployment").find((r) => r.name === "quotes-deployment");
    assert.ok(deployment, "a Deployment for the app");
    assert.equal(deployment.inputs.metadata.namespace, "quotes");
    const pod = deployment.inputs.spec.template.spec;
    assert.equal(pod.runtimeClassName, PLACEMENT.runtimeClassName);
    assert.deepEqual(pod.nodeSelector, PLACEMENT.nodeSelector, "the platform's placement, not a default");
    assert.deepEqual(pod.tolerations, PLACEMENT.tolerations);
    assert.match(pod.containers[0].image, /^acrplatformdev\.azurecr\.io\/quotes@sha256:[0-9a-f]{64}$/);
    assert.equal(deployment.inputs.spec.replicas, 2);

    const ingress = byType(run.resources, "kubernetes:networking.k8s.io/v1:Ingress");
    assert.equal(ingress.length, 1);
    assert.equal(ingress[0].inputs.spec.ingressClassName, "internal.example.com", "the platform's IngressClass");

    const jobs = byType(run.resources, "kubernetes:batch/v1:Job");
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].inputs.metadata.namespace, "quotes");
    assert.equal(jobs[0].inputs.spec.template.spec.containers[0].image, LOADTEST_IMAGE, "the platform's load generator");

    const app = await valueOf(out.app);
    assert.equal(app?.serviceUrl, "http://quotes.quotes.svc.cluster.local");
});

test("registers no platform resource: no Azure resource, no runtime, not even its namespace", async () => {
    referenced = { outputs: { ...platformOutputs() }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    await deploy();
    const types = new Set(run.resources.map((r) => r.type));
    assert.deepEqual([...types].filter((t) => t.startsWith("azure-native:")), []);
    for (const platformOnly of [
        "aks-wasm:index:Platform",
        "aks-wasm:index:AksCluster",
        "aks-wasm:index:WasmNodePool",
        "aks-wasm:index:ContainerRegistry",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:runtime.spinkube.dev/v1alpha1:Shim",
        "kubernetes:node.k8s.io/v1:RuntimeClass",
        "kubernetes:core/v1:Namespace",
    ]) {
        assert.ok(!types.has(platformOnly), `${platformOnly} belongs to the platform stack`);
    }
    assert.ok(types.has("aks-wasm-app:index:SpinApp"), "the package's component");
    assert.ok(types.has("aks-wasm:index:SpinApp"), "the platform program's SpinApp, inside it");
});

test("keeps the URNs an app stack had before the package: the app and the Kubernetes provider alias their old places", async () => {
    referenced = { outputs: { ...platformOutputs() }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    await deploy();
    const inner = run.resources.find((r) => r.type === "aks-wasm:index:SpinApp" && r.name === "quotes");
    assert.ok(inner, "the platform program's SpinApp");
    assert.match(inner.parentUrn ?? "", /aks-wasm-app:index:SpinApp::quotes$/, "inside the package's component");
    assert.ok(inner.aliases?.some((a) => a.spec?.noparent === true), "aliased to the stack's root, where it was");
    // The provider: a changed URN would put every app resource under a "new" provider. (The StackReference is a
    // read, which the mock records without its options; it keeps no state that a new URN would lose.)
    const provider = run.resources.find((x) => x.type === "pulumi:providers:kubernetes");
    assert.equal(provider?.name, "quotes-platform");
    assert.match(provider?.parentUrn ?? "", /aks-wasm-app:index:SpinApp::quotes$/);
    assert.ok(
        provider?.aliases?.some((a) => a.spec?.noparent === true && (a.spec as { name?: string }).name === "platform"),
        'the provider is aliased to "platform" at the stack\'s root',
    );
    assert.equal(run.resources.find((x) => x.type === "pulumi:pulumi:StackReference")?.name, "quotes-platform");
});

test("on a default (gateway) platform: no Namespace, its Gateway in the <ns>-gateway the platform made, every object within the team's rights", async () => {
    referenced = { outputs: { ...platformOutputs({ ingressMode: "gateway", teamGatewayNamespaces: { quotes: "quotes-gateway" } }) }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    await deploy();
    assert.deepEqual(byType(run.resources, "kubernetes:core/v1:Namespace"), [], "namespace-scoped rights cannot create one");

    const gateways = byType(run.resources, "kubernetes:gateway.networking.k8s.io/v1:Gateway");
    assert.equal(gateways.length, 1);
    assert.equal(gateways[0].inputs.metadata.namespace, "quotes-gateway", "the platform's Gateway namespace for team namespace quotes (AppTeamAccess)");
    assert.equal(gateways[0].inputs.spec.gatewayClassName, "approuting-istio");
    // The platform's team Gateway admission policy (GWNS-2) admits it, from the team's group.
    const policy = teamGatewayPolicy("approuting-istio", [TEAM]);
    const request = { userInfo: { username: "quotes-ci", groups: [TEAM] } };
    assert.deepEqual(refusals(policy, { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", ...gateways[0].inputs }, request), []);
    assert.deepEqual(gateways[0].inputs.spec.listeners[0].allowedRoutes.namespaces.selector.matchLabels, { "kubernetes.io/metadata.name": "quotes" }, "routes from its own namespace only");

    const route = byType(run.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.name === "quotes-route");
    assert.ok(route);
    assert.equal(route.inputs.metadata.namespace, "quotes");
    assert.deepEqual(route.inputs.spec.parentRefs, [{ name: "quotes", namespace: "quotes-gateway", sectionName: "http" }]);

    // The app admits traffic from that Gateway's proxies only (istiod labels them with the Gateway's name).
    const netpol = byType(run.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.name === "quotes-netpol");
    assert.ok(netpol, "the app's ingress policy");
    assert.deepEqual(
        netpol.inputs.spec.ingress[0].from.filter((peer: { namespaceSelector?: unknown }) => peer.namespaceSelector !== undefined),
        [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "quotes-gateway" } },
                podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "quotes" } },
            },
        ],
        "from other namespaces, only that Gateway's proxies (the rest are the load test's pods in quotes)",
    );

    // The team's rights (docs/app-teams.md): Writer's kinds and the routes Role in quotes, the gateways Role in
    // quotes-gateway. An object outside them would fail at `pulumi up` with 403.
    const writer = /^kubernetes:(apps\/v1:Deployment|core\/v1:(Service|ServiceAccount|ConfigMap|Secret)|policy\/v1:PodDisruptionBudget|networking\.k8s\.io\/v1:(NetworkPolicy|Ingress)|autoscaling\/v2:HorizontalPodAutoscaler|batch\/v1:Job)$/;
    const objects = run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom);
    assert.ok(objects.length >= 8, `the app's objects are checked (${objects.map((o) => o.type).join(", ")})`);
    for (const r of objects) {
        const ns = r.inputs.metadata?.namespace;
        const kind = r.type.split(":")[2];
        const allowed =
            (ns === "quotes" && (writer.test(r.type) || ["HTTPRoute", "ReferenceGrant"].includes(kind))) || (ns === "quotes-gateway" && kind === "Gateway");
        assert.ok(allowed, `${r.type} ${r.name} in ${ns} is outside the team's rights`);
    }
});

test("a newer minor of the same major is accepted", async () => {
    const [major] = OUTPUTS_CONTRACT_VERSION.split(".");
    referenced = { outputs: { ...platformOutputs({ contractVersion: `${major}.99` }) }, secretOutputNames: ["kubeconfig"] };
    await freshRecord();
    const out = await deploy();
    assert.equal(await valueOf(out.platformContractVersion), `${major}.99`);
});

test("checks the app's spin.toml before anything, the platform's StackReference included: file, line and fix", async () => {
    referenced = { outputs: { ...platformOutputs() }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-appstack-"));
    writeFileSync(path.join(dir, "spin.toml"), 'spin_manifest_version = 2\n[application]\nname = "quotes"\n[[trigger.http]]\nroute = "/..."\ncomponent = "quotes"\n[component.quotes]\nsource = "dist/quotes.wasm"\nallowed_outbound_hosts = ["api.example.com"]\n');
    const { deployAppStack } = await import("../examples/app-stack/appStack.js");
    try {
        assert.throws(() => deployAppStack(dir), (e: Error) => {
            assert.match(e.message, /^SpinApp "quotes": invalid arguments:\n/);
            assert.match(e.message, /spin\.toml:9: \[component\.quotes\] allowed_outbound_hosts: "api\.example\.com" does not contain a scheme/);
            assert.match(e.message, /spin\.toml:\d+: \[component\.quotes\] source "dist\/quotes\.wasm" does not exist and there is no \[component\.quotes\.build\]/);
            return true;
        });
        await settle();
        assert.deepEqual(run.resources.map((r) => r.type), [], "nothing registered, not even the StackReference");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

// A refused platform (another contract major, a missing output, no load generator image) fails the run through
// Pulumi's handler of unhandled errors, which only a real run has: test/componentPackage.test.ts runs those cases
// the way `pulumi up` does.

test("keeps the kubeconfig secret, even when the platform stack did not mark it", async () => {
    referenced = { outputs: { ...platformOutputs() }, secretOutputNames: [] };
    const run = await freshRecord();
    const out = await deploy();
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.ok(provider, "a kubernetes provider is registered");
    assert.ok(isSecretInput(provider.inputs.kubeconfig), "the provider's kubeconfig arrives as a secret");
    assert.equal((provider.inputs.kubeconfig as { value: string }).value, platformOutputs().kubeconfig);
    const collect = byType(run.resources, "command:local:Command").find((r) => r.name.endsWith("-result"));
    assert.ok(collect && isSecretInput(collect.inputs.stdin), "the load test's kubectl gets it as a secret, on stdin");
    const app = await valueOf(out.app);
    assert.ok(!JSON.stringify({ ...out, app }).includes("kubeconfig stand-in"), "no output carries it");
});
