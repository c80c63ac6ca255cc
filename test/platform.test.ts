/**
 * Platform and SpinApp, the two composites, under the SDK's mocks: what they hand each other, and that moving the
 * components under them keeps an existing stack's URNs (an alias to the stack as parent, platform-contracts PUL-4).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, valueOf, type OfflineRun } from "../lib/offline";

describe("Platform and SpinApp", () => {
    let run: OfflineRun;
    let described: import("../lib/platformContract").PlatformDescription;

    before(async () => {
        run = await installOfflineMocks({});
        const { configDefaults, PROJECT } = await import("../config.js");
        const { Platform } = await import("../components/platform/platform.js");
        const { SpinApp } = await import("../components/app/spinApp.js");
        const config = { ...configDefaults(), ingressMode: "gateway" as const };
        const platform = new Platform("platform", { ...config, project: PROJECT, stack: "dev" });
        described = platform.describe({ loadTestImage: `mockacr.azurecr.io/loadtest@sha256:${"ab".repeat(32)}` });
        const app = new SpinApp("hello-wasm", { platform: described, appDir: path.resolve(__dirname, "..", "apps", "hello-wasm"), loadTest: {} });
        await valueOf(app.output);
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
        assert.equal(described.workloadDependsOn.length, 2, "the SpinKube Shim and the admission guard rails");
        assert.equal(described.exposureDependsOn.length, 1, "the Gateway API enablement");
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
});
