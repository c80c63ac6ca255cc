/**
 * Platform on a containerd-2 Wasm pool (`wasmOsSku: AzureLinux`, experimental) under the SDK's mocks: it composes
 * the project's shim installer instead of runtime-class-manager, apps wait for the installer, and no Ubuntu 22.04
 * limit reaches the cluster (docs/wasm-runtime.md; platform-contracts CD2-12, CD2-13).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, type OfflineRun } from "../lib/offline/offline";

describe("Platform with wasmOsSku=AzureLinux", () => {
    let run: OfflineRun;
    let platform: InstanceType<typeof import("../components/platform/platform").Platform>;

    before(async () => {
        run = await installOfflineMocks({});
        const { configDefaults, PROJECT } = await import("../config/index.js");
        const { Platform } = await import("../components/platform/platform.js");
        platform = new Platform("platform", { ...configDefaults(), wasmOsSku: "AzureLinux", project: PROJECT, stack: "dev" });
        await settle();
    });

    it("composes the shim installer, and no runtime-class-manager", () => {
        assert.ok(platform.shimInstaller, "the installer is composed");
        assert.equal(platform.runtime?.shim, undefined);
        assert.equal(run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").length, 0);
        assert.equal(run.resources.filter((r) => r.type === "kubernetes:apps/v1:DaemonSet" && r.name === "shim-installer-ds").length, 1);
    });

    it("makes apps wait for the installer's DaemonSet (ready only where the shim is installed)", () => {
        // Compared by identity: a failing deepEqual would print the resources' whole object graphs.
        const waits = platform.describe().workloadDependsOn as unknown[];
        assert.ok(waits[0] === platform.shimInstaller!.daemonSet, "the installer's DaemonSet comes first");
        assert.ok(!waits.includes(platform.runtime?.shim) && waits.length === 2, `${waits.length} dependencies: the DaemonSet and the guard rails`);
    });

    it("sends no Ubuntu 22.04 version cap and no pinned channel to the cluster, and runs the pool on Azure Linux", () => {
        const aks = run.resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster")!.inputs;
        assert.equal(aks.kubernetesVersion, undefined, "AKS's default, not 1.36");
        assert.equal(aks.autoUpgradeProfile.upgradeChannel, "stable");
        const pool = run.resources.find((r) => r.type === "azure-native:containerservice:AgentPool")!.inputs;
        assert.equal(pool.osSKU, "AzureLinux");
    });
});
