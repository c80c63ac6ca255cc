/**
 * AksCluster, WasmNodePool, SpinKubeRuntime and ContainerRegistry under the Pulumi SDK's mocks: the resources
 * each registers and the properties a platform engineer relies on.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { installOfflineMocks, isSecretInput, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline";

let run: OfflineRun;
let mod: {
    aks: typeof import("../components/platform/aksCluster");
    pool: typeof import("../components/platform/wasmNodePool");
    spin: typeof import("../components/platform/spinKubeRuntime");
    acr: typeof import("../components/platform/containerRegistry");
    names: typeof import("../lib/azureNames");
};
let cluster: InstanceType<typeof import("../components/platform/aksCluster").AksCluster>;

function only(type: string, name?: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, found ${found.map((r) => r.name).join(", ")}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    mod = {
        aks: await import("../components/platform/aksCluster.js"),
        pool: await import("../components/platform/wasmNodePool.js"),
        spin: await import("../components/platform/spinKubeRuntime.js"),
        acr: await import("../components/platform/containerRegistry.js"),
        names: await import("../lib/azureNames.js"),
    };
    cluster = new mod.aks.AksCluster("t", {
        location: "westeurope",
        systemVmSize: "Standard_D2s_v5",
        systemNodeCount: 1,
        systemNodeCountMax: 3,
        availabilityZones: ["1", "2", "3"],
        adminGroupObjectIds: ["11111111-1111-1111-1111-111111111111"],
        enableWebAppRouting: true,
        tier: "Standard",
    });
    new mod.pool.WasmNodePool("spin", {
        resourceGroupName: cluster.resourceGroupName,
        clusterName: cluster.clusterName,
        runtime: "spinkube",
        nodeCount: 2,
        nodeCountMax: 5,
    });
    new mod.pool.WasmNodePool("wasi", {
        resourceGroupName: cluster.resourceGroupName,
        clusterName: cluster.clusterName,
        runtime: "wasmwasi",
        poolName: "wasi",
    });
    new mod.spin.SpinKubeRuntime("spinkube", { provider: cluster.provider, placement: mod.pool.wasmPlacement() });
    new mod.acr.ContainerRegistry("reg", {
        resourceGroupName: cluster.resourceGroupName,
        location: "westeurope",
        registryName: "akswasmdev12345678",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        pullerObjectId: cluster.kubeletObjectId,
    });
    await settle();
});

describe("AksCluster", () => {
    it("registers one managed cluster with a single inline System pool", () => {
        const aks = only("azure-native:containerservice:ManagedCluster");
        assert.equal(aks.inputs.agentPoolProfiles.length, 1);
        const system = aks.inputs.agentPoolProfiles[0];
        assert.equal(system.mode, "System");
        assert.equal(system.count, 1);
        assert.equal(system.enableAutoScaling, true);
        assert.equal(system.minCount, 1);
        assert.equal(system.maxCount, 3);
        assert.deepEqual(system.availabilityZones, ["1", "2", "3"]);
    });

    it("uses Entra ID with Azure RBAC and no local accounts", () => {
        const aks = only("azure-native:containerservice:ManagedCluster").inputs;
        assert.equal(aks.disableLocalAccounts, true);
        assert.deepEqual(aks.aadProfile, {
            managed: true,
            enableAzureRBAC: true,
            adminGroupObjectIDs: ["11111111-1111-1111-1111-111111111111"],
        });
        assert.deepEqual(aks.identity, { type: "SystemAssigned" });
    });

    it("turns on OIDC issuer, workload identity, upgrade channels, CNI overlay with Cilium and the app routing add-on", () => {
        const aks = only("azure-native:containerservice:ManagedCluster").inputs;
        assert.equal(aks.oidcIssuerProfile.enabled, true);
        assert.equal(aks.securityProfile.workloadIdentity.enabled, true);
        assert.deepEqual(aks.autoUpgradeProfile, { upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" });
        assert.equal(aks.networkProfile.networkPlugin, "azure");
        assert.equal(aks.networkProfile.networkPluginMode, "overlay");
        assert.equal(aks.networkProfile.networkPolicy, "cilium");
        assert.equal(aks.ingressProfile.webAppRouting.enabled, true);
        assert.deepEqual(aks.sku, { name: "Base", tier: "Standard" });
    });

    it("schedules maintenance for both upgrade channels", () => {
        const windows = run.resources.filter((r) => r.type === "azure-native:containerservice:MaintenanceConfiguration");
        assert.deepEqual(windows.map((w) => w.inputs.configName).sort(), [
            "aksManagedAutoUpgradeSchedule",
            "aksManagedNodeOSUpgradeSchedule",
        ]);
    });

    it("grants the deployer AKS RBAC Cluster Admin under a deterministic name", () => {
        const ra = only("azure-native:authorization:RoleAssignment", "t-deployer-admin").inputs;
        assert.match(ra.roleDefinitionId, new RegExp(`${mod.aks.AKS_RBAC_CLUSTER_ADMIN_ROLE}$`));
        assert.equal(ra.principalId, "00000000-0000-0000-0000-00000000d3e1");
        assert.equal(
            ra.roleAssignmentName,
            mod.names.roleAssignmentName("t-aks-id", ra.principalId, mod.aks.AKS_RBAC_CLUSTER_ADMIN_ROLE),
        );
    });

    it("keeps the kubeconfig secret and makes it non-interactive", async () => {
        assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
        const kubeconfig = parse((await valueOf(cluster.kubeconfig))!);
        const args: string[] = kubeconfig.users[0].user.exec.args;
        assert.deepEqual(args.slice(args.indexOf("--login"), args.indexOf("--login") + 2), ["--login", "azurecli"]);
        assert.ok(!args.includes("devicecode"));
        const provider = only("pulumi:providers:kubernetes");
        assert.ok(isSecretInput(provider.inputs.kubeconfig), "the provider's kubeconfig input is a secret");
        assert.match(String(provider.inputs.kubeconfig.value), /--login\n\s+- azurecli/);
    });

    it("exposes the kubelet identity for AcrPull", async () => {
        assert.equal(await valueOf(cluster.kubeletObjectId), "00000000-0000-0000-0000-00000000cafe");
    });
});

describe("WasmNodePool", () => {
    it("spinkube: a separate User pool, labelled and tainted, autoscaled within bounds", () => {
        const pool = only("azure-native:containerservice:AgentPool", "spin-pool").inputs;
        assert.equal(pool.mode, "User");
        assert.equal(pool.osType, "Linux");
        assert.equal(pool.workloadRuntime, "OCIContainer");
        assert.deepEqual(pool.nodeLabels, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(pool.nodeTaints, ["aks-wasm/pool=wasm:NoSchedule"]);
        assert.equal(pool.vmSize, "Standard_D2s_v5");
        assert.deepEqual([pool.enableAutoScaling, pool.minCount, pool.maxCount], [true, 2, 5]);
        assert.equal(pool.resourceName, "t-aks");
    });

    it("wasmwasi: the retired WasmWasi runtime and its preview feature registration as code", () => {
        const pool = only("azure-native:containerservice:AgentPool", "wasi-pool").inputs;
        assert.equal(pool.workloadRuntime, "WasmWasi");
        assert.equal(pool.enableAutoScaling, false);
        const flags = run.resources.filter((r) => r.type === "azure-native:features:SubscriptionFeatureRegistration");
        assert.equal(flags.length, 1, "only the wasmwasi pool registers the feature");
        assert.equal(flags[0].inputs.featureName, "WasmNodePoolPreview");
        assert.equal(flags[0].inputs.providerNamespace, "Microsoft.ContainerService");
    });

    it("gives workloads a placement that matches the pool's label and taint", () => {
        const placement = mod.pool.wasmPlacement();
        assert.equal(placement.runtimeClassName, "wasmtime-spin-v2");
        assert.deepEqual(placement.nodeSelector, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(placement.tolerations, [{ key: "aks-wasm/pool", operator: "Equal", value: "wasm", effect: "NoSchedule" }]);
    });
});

describe("SpinKubeRuntime", () => {
    it("installs runtime-class-manager from its pinned OCI chart", () => {
        const rcm = only("kubernetes:helm.sh/v3:Release").inputs;
        assert.equal(rcm.chart, "oci://ghcr.io/spinframework/charts/runtime-class-manager");
        assert.equal(rcm.version, "0.2.0");
        assert.equal(rcm.atomic, true);
    });

    it("creates RuntimeClass wasmtime-spin-v2 whose scheduling places pods on the tainted pool", () => {
        const rc = only("kubernetes:node.k8s.io/v1:RuntimeClass").inputs;
        assert.equal(rc.metadata.name, "wasmtime-spin-v2");
        assert.equal(rc.handler, "spin-v2");
        assert.deepEqual(rc.scheduling.nodeSelector, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(rc.scheduling.tolerations, mod.pool.wasmPlacement().tolerations);
    });

    it("asks for the shim on the pool's nodes, verified by sha256, with SystemdCgroup", () => {
        const shim = only("kubernetes:runtime.spinkube.dev/v1alpha1:Shim").inputs;
        assert.equal(shim.metadata.name, "spin-v2");
        assert.deepEqual(shim.spec.nodeSelector, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(shim.spec.runtimeClass, { name: "wasmtime-spin-v2", handler: "spin-v2" });
        assert.equal(shim.spec.containerdRuntimeOptions.SystemdCgroup, "true");
        assert.equal(shim.spec.rolloutStrategy.type, "recreate", "RCM v0.2.0 implements only recreate");
        for (const p of shim.spec.fetchStrategy.platforms) {
            assert.match(p.sha256, /^[0-9a-f]{64}$/);
            assert.match(p.location, /^https:\/\/github\.com\/spinframework\/containerd-shim-spin\/releases\/download\/v0\.23\.0\//);
        }
    });

    it("runs the privileged node installer in its own privileged namespace, nowhere else", () => {
        const ns = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "spinkube-ns")!;
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
    });
});

describe("ContainerRegistry", () => {
    it("has no admin user and no anonymous pull", () => {
        const acr = only("azure-native:containerregistry:Registry").inputs;
        assert.equal(acr.adminUserEnabled, false);
        assert.equal(acr.anonymousPullEnabled, false);
        assert.deepEqual(acr.sku, { name: "Basic" });
    });

    it("grants the kubelet identity AcrPull as a ServicePrincipal under a deterministic GUID", () => {
        const ra = only("azure-native:authorization:RoleAssignment", "reg-kubelet-acrpull").inputs;
        assert.equal(ra.principalId, "00000000-0000-0000-0000-00000000cafe");
        assert.equal(ra.principalType, "ServicePrincipal");
        assert.equal(
            ra.roleDefinitionId,
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
        );
        assert.match(ra.roleAssignmentName, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(ra.roleAssignmentName, mod.names.roleAssignmentName("reg-acr-id", ra.principalId, mod.acr.ACR_PULL_ROLE));
    });
});
