/**
 * AksCluster, WasmNodePool, SpinKubeRuntime and ContainerRegistry under the Pulumi SDK's mocks: the resources
 * each registers and the properties a platform engineer relies on.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { installOfflineMocks, isSecretInput, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";
import { recordRegistrationOptions, type RegistrationOptions } from "./helpers/registrations";

let run: OfflineRun;
let options: Map<string, RegistrationOptions>;
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const DEPLOYER_SP = "22222222-2222-2222-2222-222222222222";
const ADMIN_GROUP = "11111111-1111-1111-1111-111111111111";
const ADMIN_USER = "33333333-3333-3333-3333-333333333333";
let mod: {
    aks: typeof import("../components/platform/aksCluster");
    pool: typeof import("../components/platform/wasmNodePool");
    spin: typeof import("../components/platform/spinKubeRuntime");
    acr: typeof import("../components/platform/containerRegistry");
    names: typeof import("../lib/azure/azureNames");
};
let cluster: InstanceType<typeof import("../components/platform/aksCluster").AksCluster>;

function only(type: string, name?: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, found ${found.map((r) => r.name).join(", ")}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    options = recordRegistrationOptions();
    mod = {
        aks: await import("../components/platform/aksCluster.js"),
        pool: await import("../components/platform/wasmNodePool.js"),
        spin: await import("../components/platform/spinKubeRuntime.js"),
        acr: await import("../components/platform/containerRegistry.js"),
        names: await import("../lib/azure/azureNames.js"),
    };
    cluster = new mod.aks.AksCluster("t", {
        location: "westeurope",
        systemVmSize: "Standard_D2s_v5",
        systemNodeCount: 1,
        systemNodeCountMax: 3,
        availabilityZones: ["1", "2", "3"],
        adminGroupObjectIds: [ADMIN_GROUP],
        clusterAdminPrincipalIds: [DEPLOYER_SP],
        adminUserObjectIds: [ADMIN_USER],
        subscriptionId: SUBSCRIPTION,
        enableWebAppRouting: true,
        tier: "Standard",
    });
    new mod.aks.AksCluster("lts", {
        location: "westeurope",
        kubernetesVersion: "1.32",
        systemVmSize: "Standard_D2s_v5",
        systemNodeCount: 1,
        clusterAdminPrincipalIds: [DEPLOYER_SP],
        subscriptionId: SUBSCRIPTION,
        ingressManagedOutside: true,
        tier: "Premium",
    });
    new mod.pool.WasmNodePool("spin", {
        resourceGroupName: cluster.resourceGroupName,
        clusterName: cluster.clusterName,
        runtime: "spinkube",
        nodeCount: 2,
        nodeCountMax: 5,
    });
    new mod.pool.WasmNodePool("cd2", {
        resourceGroupName: cluster.resourceGroupName,
        clusterName: cluster.clusterName,
        runtime: "spinkube",
        osSku: "AzureLinux",
        poolName: "wasmcd2",
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
        const aks = only("azure-native:containerservice:ManagedCluster", "t-aks");
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
        const aks = only("azure-native:containerservice:ManagedCluster", "t-aks").inputs;
        assert.equal(aks.disableLocalAccounts, true);
        assert.deepEqual(aks.aadProfile, {
            managed: true,
            enableAzureRBAC: true,
            adminGroupObjectIDs: ["11111111-1111-1111-1111-111111111111"],
        });
        assert.deepEqual(aks.identity, { type: "SystemAssigned" });
    });

    it("turns on OIDC issuer, workload identity, upgrade channels, CNI overlay with Cilium and the app routing add-on", () => {
        const aks = only("azure-native:containerservice:ManagedCluster", "t-aks").inputs;
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
        const windows = run.resources.filter((r) => r.type === "azure-native:containerservice:MaintenanceConfiguration" && r.name.startsWith("t-"));
        assert.deepEqual(windows.map((w) => w.inputs.configName).sort(), [
            "aksManagedAutoUpgradeSchedule",
            "aksManagedNodeOSUpgradeSchedule",
        ]);
    });

    it("grants AKS RBAC Cluster Admin to the configured service principal, user and group, each with its principalType", () => {
        const sp = only("azure-native:authorization:RoleAssignment", `t-admin-sp-${DEPLOYER_SP}`).inputs;
        const user = only("azure-native:authorization:RoleAssignment", `t-admin-user-${ADMIN_USER}`).inputs;
        const group = only("azure-native:authorization:RoleAssignment", `t-admin-group-${ADMIN_GROUP}`).inputs;
        for (const [ra, principal, type] of [[sp, DEPLOYER_SP, "ServicePrincipal"], [user, ADMIN_USER, "User"], [group, ADMIN_GROUP, "Group"]] as const) {
            assert.equal(ra.principalId, principal);
            assert.equal(ra.principalType, type);
            assert.equal(ra.scope, "t-aks-id");
            assert.equal(
                ra.roleDefinitionId,
                `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${mod.aks.AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
            );
            assert.equal(ra.roleAssignmentName, mod.names.roleAssignmentName("t-aks-id", principal, mod.aks.AKS_RBAC_CLUSTER_ADMIN_ROLE));
        }
        const admins = run.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.startsWith("t-admin-"));
        assert.equal(admins.length, 3, "one per configured principal, none for whoever runs the program");
    });

    it("never asks who runs the program", () => {
        assert.deepEqual(run.invokes.filter((i) => i.token === "azure-native:authorization:getClientConfig"), []);
    });

    it("builds the Kubernetes provider only after every admin role assignment and the proof of access", () => {
        const provider = options.get("pulumi:providers:kubernetes::t-k8s")!;
        const wait = options.get("command:local:Command::t-admin-access")!;
        for (const name of [`t-admin-sp-${DEPLOYER_SP}`, `t-admin-user-${ADMIN_USER}`, `t-admin-group-${ADMIN_GROUP}`]) {
            const urn = options.get(`azure-native:authorization:RoleAssignment::${name}`)!.urn;
            assert.ok(provider.dependencies.includes(urn), name);
            assert.ok(wait.dependencies.includes(urn), `the access wait starts after ${name}`);
        }
        assert.ok(provider.dependencies.includes(wait.urn), "the provider waits for kubectl auth can-i to say yes");
    });

    it("proves access with kubectl auth can-i, bounded, the kubeconfig on stdin only, again when the admins change", () => {
        const wait = only("command:local:Command", "t-admin-access").inputs;
        assert.match(wait.create, /auth can-i '\*' '\*' --all-namespaces/);
        assert.match(wait.create, /-ge 600 \]/, "bounded by ADMIN_ACCESS_WAIT.timeoutSeconds");
        assert.ok(isSecretInput(wait.stdin), "the kubeconfig is a secret on stdin");
        assert.doesNotMatch(JSON.stringify(wait.environment ?? {}), /kubeconfig|clusters:/);
        assert.equal(wait.triggers[1], `ServicePrincipal ${DEPLOYER_SP}, User ${ADMIN_USER}, Group ${ADMIN_GROUP}`);
    });

    it("Free/Standard: community support plan and the stable channel; the version AKS upgrades to is not sent back", () => {
        const aks = only("azure-native:containerservice:ManagedCluster", "t-aks").inputs;
        assert.equal(aks.supportPlan, "KubernetesOfficial");
        assert.equal(aks.autoUpgradeProfile.upgradeChannel, "stable");
        assert.deepEqual(options.get("azure-native:containerservice:ManagedCluster::t-aks")!.ignoreChanges, [
            "kubernetesVersion",
            "agentPoolProfiles[0].orchestratorVersion",
        ]);
    });

    it("Premium: long-term support plan, the patch channel (stays on its minor), and gateway mode's ingress left alone", () => {
        const aks = only("azure-native:containerservice:ManagedCluster", "lts-aks").inputs;
        assert.deepEqual(aks.sku, { name: "Base", tier: "Premium" });
        assert.equal(aks.supportPlan, "AKSLongTermSupport");
        assert.equal(aks.autoUpgradeProfile.upgradeChannel, "patch");
        assert.equal(aks.kubernetesVersion, "1.32");
        assert.deepEqual(options.get("azure-native:containerservice:ManagedCluster::lts-aks")!.ignoreChanges, [
            "kubernetesVersion",
            "agentPoolProfiles[0].orchestratorVersion",
            "ingressProfile",
        ]);
    });

    it("ignores nothing without an auto-upgrade channel and outside gateway mode", () => {
        assert.deepEqual(mod.aks.clusterIgnoreChanges({ upgradeChannel: "none", ingressManagedOutside: false }), []);
    });

    it("digests the cluster's declared shape, so a change of it is visible to the gateway enablement", async () => {
        const digest = await valueOf(cluster.specDigest);
        assert.match(digest!, /^[0-9a-f]{64}$/);
        const other = await valueOf(
            new mod.aks.AksCluster("t2", {
                location: "westeurope",
                systemVmSize: "Standard_D2s_v5",
                systemNodeCount: 2,
                clusterAdminPrincipalIds: [DEPLOYER_SP],
                subscriptionId: SUBSCRIPTION,
            }).specDigest,
        );
        assert.notEqual(other, digest);
    });

    it("keeps the kubeconfig secret and makes it non-interactive", async () => {
        assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
        const kubeconfig = parse((await valueOf(cluster.kubeconfig))!);
        const args: string[] = kubeconfig.users[0].user.exec.args;
        assert.deepEqual(args.slice(args.indexOf("--login"), args.indexOf("--login") + 2), ["--login", "azurecli"]);
        assert.ok(!args.includes("devicecode"));
        const provider = only("pulumi:providers:kubernetes", "t-k8s");
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

    it("the Wasm pool runs Ubuntu 22.04 (containerd 1.7) so runtime-class-manager can register the shim", () => {
        // RCM writes the runtime where containerd 2 drops it on AKS's Ubuntu 24.04 config (platform-contracts OS-1,
        // RCM-CD2, CTD-MIG); the legacy WasmWasi pool had AKS's own shim and keeps the default image.
        assert.equal(only("azure-native:containerservice:AgentPool", "spin-pool").inputs.osSKU, "Ubuntu2204");
        assert.equal(only("azure-native:containerservice:AgentPool", "wasi-pool").inputs.osSKU, "Ubuntu");
    });

    it("the SpinKube Wasm pool runs the configured OS image (wasmOsSku), e.g. Azure Linux 3 with containerd 2", () => {
        assert.equal(only("azure-native:containerservice:AgentPool", "cd2-pool").inputs.osSKU, "AzureLinux");
        assert.equal(mod.pool.wasmPoolOsSku("spinkube", "Ubuntu"), "Ubuntu");
        assert.equal(mod.pool.wasmPoolOsSku("wasmwasi", "AzureLinux"), "Ubuntu", "the WasmWasi pool ignores it");
    });

    it("keeps a SpinKube cluster on its minor (patch channel): containerd 1.7 on Ubuntu 22.04 is recommended up to 1.35", async () => {
        const { versionPolicy, SPINKUBE_MAX_MINOR } = await import("../lib/azure/kubernetesVersions.js");
        assert.equal(SPINKUBE_MAX_MINOR, 35);
        assert.deepEqual(versionPolicy("Standard", { pinMinor: true }), { supportPlan: "KubernetesOfficial", upgradeChannel: "patch" });
        assert.deepEqual(versionPolicy("Standard"), { supportPlan: "KubernetesOfficial", upgradeChannel: "stable" });
    });

    it("creates a SpinKube cluster on a minor its Ubuntu 22.04 Wasm pool can run when kubernetesVersion is unset", async () => {
        const { creationKubernetesVersion, UBUNTU_2204_CONTAINERD_17 } = await import("../lib/azure/kubernetesVersions.js");
        const today = "2026-12-03";
        // containerd 1.7 is recommended up to 1.35 (containerd RELEASES.md@v2.3.4; CONV-4): the newest minor it has.
        assert.equal(creationKubernetesVersion({ clusterTier: "Free", wasmRuntime: "spinkube" }, today), "1.35");
        assert.equal(creationKubernetesVersion({ clusterTier: "Premium", wasmRuntime: "spinkube" }, today), "1.32", "LTS from 1.33 needs Ubuntu 24.04");
        assert.equal(creationKubernetesVersion({ kubernetesVersion: "1.34", clusterTier: "Free", wasmRuntime: "spinkube" }, today), "1.34");
        // Within 30 days of 1.35's end, no minor lasts longer on this OS: still 1.35 (and a warning); past it, none.
        assert.equal(creationKubernetesVersion({ clusterTier: "Free", wasmRuntime: "spinkube" }, "2027-03-15"), "1.35");
        assert.equal(creationKubernetesVersion({ clusterTier: "Free", wasmRuntime: "spinkube" }, "2027-04-01"), undefined);
        // The rule takes the node OS as a parameter: a containerd-2 pool may run 1.36.
        const cd2 = { ...UBUNTU_2204_CONTAINERD_17, name: "containerd 2.3", containerd: "2.3", aksMaxMinor: 37, ltsMaxMinor: 37 };
        assert.equal(creationKubernetesVersion({ clusterTier: "Free", wasmRuntime: "spinkube" }, today, cd2), "1.36");
        assert.equal(creationKubernetesVersion({ clusterTier: "Free", wasmRuntime: "wasmwasi" }), undefined, "AKS's default");
    });

    it("leaves the pool's Kubernetes version to the cluster's auto-upgrade (no old version sent back)", () => {
        assert.deepEqual(options.get("azure-native:containerservice:AgentPool::spin-pool")!.ignoreChanges, ["orchestratorVersion"]);
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

    it("creates RuntimeClass wasmtime-spin-v2 whose scheduling places pods on the tainted pool, on nodes with the shim", () => {
        const rc = only("kubernetes:node.k8s.io/v1:RuntimeClass").inputs;
        assert.equal(rc.metadata.name, "wasmtime-spin-v2");
        assert.equal(rc.handler, "spin-v2");
        // RCM labels a node spin-v2=provisioned when its install Job completes (RCM-2): no Wasm pod lands before.
        assert.deepEqual(rc.scheduling.nodeSelector, { "aks-wasm/pool": "wasm", "spin-v2": "provisioned" });
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

    it("grants the kubelet identity Container Registry Repository Reader (AcrPull is not honoured in ABAC mode) as a ServicePrincipal under a deterministic GUID", () => {
        const ra = only("azure-native:authorization:RoleAssignment", "reg-kubelet-repository-reader").inputs;
        assert.equal(ra.principalId, "00000000-0000-0000-0000-00000000cafe");
        assert.equal(ra.principalType, "ServicePrincipal");
        assert.equal(ra.condition, undefined, "nodes pull every repository");
        assert.equal(
            ra.roleDefinitionId,
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/b93aa761-3e63-49ed-ac28-beffa264f7ac",
        );
        assert.match(ra.roleAssignmentName, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(ra.roleAssignmentName, mod.names.roleAssignmentName("reg-acr-id", ra.principalId, mod.acr.REPOSITORY_READER_ROLE));
    });

    it("switches the registry to ABAC repository permissions after the kubelet's Reader exists, idempotently", () => {
        const cmd = only("command:local:Command", "reg-abac-mode");
        assert.match(cmd.inputs.create, /az acr update --resource-group "\$RESOURCE_GROUP" --name "\$ACR_NAME" --role-assignment-mode rbac-abac/);
        assert.match(cmd.inputs.create, /if \[ "\$mode" = "AbacRepositoryPermissions" \]; then exit 0; fi/);
        assert.equal(cmd.inputs.update, cmd.inputs.create, "re-asserted when the registry's inputs change");
        const deps = options.get("command:local:Command::reg-abac-mode")!.dependencies;
        assert.ok(deps.includes(options.get("azure-native:authorization:RoleAssignment::reg-kubelet-repository-reader")!.urn), "after the kubelet's Reader: no pull is ever refused");
    });
});
