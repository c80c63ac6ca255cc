/**
 * Platform and SpinApp, the two composites, under the SDK's mocks: what they hand each other, and that moving the
 * components under them keeps an existing stack's URNs (an alias to the stack as parent, platform-contracts PUL-4).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, valueOf, type OfflineRun } from "../lib/offline/offline";
import { recordRegistrationOptions, type RegistrationOptions } from "./helpers/registrations";

const TEAM_GROUP = "1111aaaa-2222-3333-4444-555555555555";

describe("Platform and SpinApp", () => {
    let run: OfflineRun;
    let described: import("../lib/contract/platformContract").PlatformDescription;
    let options: Map<string, RegistrationOptions>;

    before(async () => {
        run = await installOfflineMocks({});
        options = recordRegistrationOptions();
        const { configDefaults, PROJECT } = await import("../config/index.js");
        const { Platform } = await import("../components/platform/platform.js");
        const { SpinApp } = await import("../components/app/spinApp.js");
        // hello-team's namespace is an app team's (appTeams), so the platform also makes its Gateway namespace.
        const config = { ...configDefaults(), ingressMode: "gateway" as const, appTeams: [{ principalId: TEAM_GROUP, namespaces: ["hello-team"] }] };
        const platform = new Platform("platform", { ...config, project: PROJECT, stack: "dev" });
        described = platform.describe({ loadTestImage: `mockacr.azurecr.io/loadtest@sha256:${"ab".repeat(32)}` });
        const app = new SpinApp("hello-wasm", {
            platform: { ...described, measureImage: `mockacr.azurecr.io/measure@sha256:${"cd".repeat(32)}` },
            appDir: path.resolve(__dirname, "..", "apps", "hello-wasm"),
            loadTest: {},
            measure: {},
            containerBaseline: { context: path.resolve(__dirname, ".."), dockerfile: path.resolve(__dirname, "..", "apps", "hello-wasm-container", "Dockerfile") },
        });
        // Into a namespace the platform made (an app team's): no Namespace resource carries the wait here.
        const team = new SpinApp("hello-team", {
            platform: described,
            appDir: path.resolve(__dirname, "..", "apps", "hello-wasm"),
            appName: "hello-team",
            createNamespace: false,
            containerBaseline: { context: path.resolve(__dirname, ".."), dockerfile: path.resolve(__dirname, "..", "apps", "hello-wasm-container", "Dockerfile") },
        });
        await valueOf(app.output);
        await valueOf(team.output);
        await settle();
    });

    const find = (type: string, name: string) => {
        const found = run.resources.filter((r) => r.type === type && r.name === name);
        assert.equal(found.length, 1, `one ${type} ${name}`);
        return found[0];
    };

    it("describes itself with the pool's placement, the exposure settings and what apps must wait for", () => {
        assert.equal(described.wasmPlacement.runtimeClassName, "wasmtime-spin-v2");
        assert.deepEqual(described.exposure, { mode: "gateway", ingressClassName: "webapprouting.kubernetes.azure.com", gatewayClassName: "approuting-istio" });
        assert.equal(described.workloadDependsOn.length, 2, "the SpinKube shim on every node (the reinstall command) and the admission guard rails");
        assert.equal(described.exposureDependsOn.length, 1, "the Gateway API enablement");
        assert.deepEqual(described.teamGatewayNamespaces, { "hello-team": "hello-team-gateway" }, "the team namespace's Gateway namespace (contract 1.4)");
    });

    it("keeps the URNs the components had as children of the stack", () => {
        for (const [type, name] of [
            ["aks-wasm:index:AksCluster", "aks-wasm"],
            ["aks-wasm:index:WasmNodePool", "wasm"],
            ["aks-wasm:index:ContainerRegistry", "registry"],
            ["aks-wasm:index:SpinKubeRuntime", "spinkube"],
            ["aks-wasm:index:AppRoutingGatewayApi", "gateway-api"],
            ["aks-wasm:index:SpinApplication", "hello-wasm"],
            ["aks-wasm:index:SpinWorkload", "hello-wasm"],
            ["aks-wasm:index:AppExposure", "hello-wasm"],
            ["aks-wasm:index:LoadTest", "hello-wasm-loadtest"],
        ]) {
            const r = find(type, name);
            assert.ok(r.parentUrn && !r.parentUrn.includes("pulumi:pulumi:Stack"), `${type} ${name} is parented by a composite`);
            assert.ok(r.aliases?.some((a) => a.spec?.noparent === true), `${type} ${name} carries an alias to the stack as parent`);
        }
    });

    it("every Kubernetes object goes through the provider that waits for the admins' access (kubectl auth can-i)", () => {
        const provider = options.get("pulumi:providers:kubernetes::aks-wasm-k8s")!;
        const wait = options.get("command:local:Command::aks-wasm-admin-access")!;
        assert.ok(provider.dependencies.includes(wait.urn), "the provider depends on the wait");
        const k8s = [...options.entries()].filter(([key]) => key.startsWith("kubernetes:"));
        assert.ok(k8s.length > 10, `${k8s.length} Kubernetes objects`);
        for (const [key, o] of k8s) assert.ok(o.provider.startsWith(`${provider.urn}::`), `${key} uses ${o.provider || "the default provider"}`);
    });

    it("the Spin workload, the container baseline beside it on the Wasm pool, the load test and the measurement run after the shim reinstall", () => {
        const reinstall = options.get("command:local:Command::spinkube-shim-reinstall")!.urn;
        const dependsOn = (key: string, urn: string) => {
            const seen = new Set<string>();
            const byUrn = new Map([...options.values()].map((o) => [o.urn, o]));
            const walk = (u: string): boolean => {
                if (u === urn) return true;
                if (seen.has(u)) return false;
                seen.add(u);
                return (byUrn.get(u)?.dependencies ?? []).some(walk);
            };
            const o = options.get(key);
            assert.ok(o, `${key} registered; have ${[...options.keys()].filter((k) => k.includes("Job") || k.includes("Deployment")).join(", ")}`);
            return o.dependencies.some(walk);
        };
        const jobs = [...options.keys()].filter((k) => k.startsWith("kubernetes:batch/v1:Job::"));
        assert.ok(jobs.some((k) => k.includes("loadtest")) && jobs.some((k) => k.includes("measure")), jobs.join(", "));
        const deployments = ["hello-wasm-deployment", "hello-wasm-measure-wasm-twin", "hello-wasm-container-deployment", "hello-wasm-measure-container-twin", "hello-team-deployment", "hello-team-container-deployment"];
        for (const key of [...deployments.map((d) => `kubernetes:apps/v1:Deployment::${d}`), ...jobs]) assert.ok(dependsOn(key, reinstall), `${key} waits for the reinstall`);
    });

    it("a team's app puts its Gateway into the Gateway namespace the platform made for the team, whose rights wait for the team Gateway policy", () => {
        const gateway = find("kubernetes:gateway.networking.k8s.io/v1:Gateway", "hello-team-gateway").inputs;
        const made = find("kubernetes:core/v1:Namespace", "app-teams-hello-team-gateway").inputs;
        assert.equal(gateway.metadata.namespace, made.metadata.name);
        assert.equal(made.metadata.name, "hello-team-gateway");
        assert.equal(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === "hello-team-gateway").length, 1, "the app does not create it too");
        // The stack's own app keeps its own gateway namespace, created by SpinApp as before.
        assert.equal(find("kubernetes:core/v1:Namespace", "hello-wasm-gateway-ns").inputs.metadata.name, "hello-wasm-gateway");

        const policyBinding = options.get("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding::guard-rails-aks-wasm-team-gateway-binding");
        assert.ok(policyBinding, "the team Gateway policy is bound in gateway mode with app teams");
        const rights = options.get("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::app-teams-hello-team-gateway-gateways-binding")!;
        assert.ok(rights.dependencies.includes(policyBinding.urn), "no team may create a Gateway before the policy holds");
    });
});
