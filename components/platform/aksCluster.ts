/**
 * The AKS cluster: resource group, managed cluster with one minimal inline system pool, the deployer's access,
 * maintenance windows, and a Kubernetes provider built from a non-interactive, secret kubeconfig.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import type * as types from "@pulumi/azure-native/types";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterTier, KubeloginMode } from "../../config";
import { roleAssignmentName } from "../../lib/azureNames";
import { nonInteractiveKubeconfig } from "../../lib/kubeconfig";

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin". */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

export interface AksClusterArgs {
    /** Azure region (programmatic name). */
    location: string;
    /**
     * Kubernetes version; undefined lets AKS pick its default, and the `stable` auto-upgrade channel moves it.
     * @default undefined
     */
    kubernetesVersion?: string;
    /**
     * Pricing tier. `Standard` carries the financially backed uptime SLA (AKS baseline); `Free` suits dev.
     * @default "Free"
     */
    tier?: ClusterTier;
    /**
     * Availability zones of the system pool. Empty pins nothing (for regions without zones).
     * @default []
     */
    availabilityZones?: string[];
    /** VM size of the system pool. */
    systemVmSize: string;
    /** Minimum (and initial) node count of the system pool. */
    systemNodeCount: number;
    /**
     * Autoscaler upper bound of the system pool; equal to `systemNodeCount` turns the autoscaler off.
     * @default systemNodeCount
     */
    systemNodeCountMax?: number;
    /**
     * Entra ID groups whose members become cluster admins, in addition to the identity running `pulumi up`.
     * @default []
     */
    adminGroupObjectIds?: string[];
    /**
     * Non-interactive kubelogin mode written into the kubeconfig: `azurecli` (after `az login` or
     * azure/login in CI), `workloadidentity` (federated token in the environment) or `devicecode` (interactive).
     * @default "azurecli"
     */
    kubeloginMode?: KubeloginMode;
    /**
     * Enable the AKS application routing add-on (managed NGINX, IngressClass `webapprouting.kubernetes.azure.com`).
     * @default false
     */
    enableWebAppRouting?: boolean;
    /** Tags on every Azure resource. @default {} */
    tags?: Record<string, string>;
    /**
     * Protect the resource group and the cluster from deletion (`pulumi destroy` refuses until unprotected).
     * @default false
     */
    protect?: boolean;
}

/** The system pool's name; AKS Linux pool names are at most 12 lower-case letters and digits. */
export const SYSTEM_POOL_NAME = "system";

export class AksCluster extends pulumi.ComponentResource {
    readonly resourceGroupName: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    readonly clusterId: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Object ID of the kubelet identity (for AcrPull). */
    readonly kubeletObjectId: pulumi.Output<string>;
    /** Kubeconfig (kubelogin exec, non-interactive). Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Kubernetes provider for this cluster; ready once the deployer's admin role exists. */
    readonly provider: k8s.Provider;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AksCluster", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags ?? {};

        const protect = { parent: this, protect: args.protect ?? false };
        const group = new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags }, protect);

        const cluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName: group.name,
                location: args.location,
                tags,
                dnsPrefix: name,
                kubernetesVersion: args.kubernetesVersion,
                sku: { name: "Base", tier: args.tier ?? "Free" },
                identity: { type: "SystemAssigned" },
                // One minimal inline pool only: adding or editing inline pools later fails or touches every pool
                // (pulumi-azure-native #579, #2719, #4264); the Wasm pool is a separate AgentPool.
                agentPoolProfiles: [systemPoolProfile(args)],
                aadProfile: {
                    managed: true,
                    enableAzureRBAC: true,
                    adminGroupObjectIDs: args.adminGroupObjectIds ?? [],
                },
                disableLocalAccounts: true,
                enableRBAC: true,
                oidcIssuerProfile: { enabled: true },
                securityProfile: {
                    workloadIdentity: { enabled: true },
                    imageCleaner: { enabled: true, intervalHours: 168 },
                },
                autoUpgradeProfile: { upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" },
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    // Cilium enforces the NetworkPolicies that fence the Wasm app.
                    networkDataplane: "cilium",
                    networkPolicy: "cilium",
                    loadBalancerSku: "standard",
                    outboundType: "loadBalancer",
                },
                addonProfiles: { azurepolicy: { enabled: true } },
                ingressProfile: { webAppRouting: { enabled: args.enableWebAppRouting ?? false } },
            },
            protect,
        );

        // Planned maintenance for both upgrade channels: Sunday night UTC, four hours (AKS baseline).
        for (const configName of ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
            new containerservice.MaintenanceConfiguration(
                `${name}-${configName}`,
                {
                    resourceGroupName: group.name,
                    resourceName: cluster.name,
                    configName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
                        durationHours: 4,
                        startTime: "00:00",
                        utcOffset: "+00:00",
                    },
                },
                parent,
            );
        }

        // With Azure RBAC and no local accounts, whoever runs `pulumi up` needs a Kubernetes role on the
        // cluster before the provider below can apply anything.
        const deployer = authorization.getClientConfigOutput(parent);
        const deployerAdmin = new authorization.RoleAssignment(
            `${name}-deployer-admin`,
            {
                scope: cluster.id,
                principalId: deployer.objectId,
                roleDefinitionId: pulumi.interpolate`/subscriptions/${deployer.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
                roleAssignmentName: pulumi
                    .all([cluster.id, deployer.objectId])
                    .apply(([scope, principal]) => roleAssignmentName(scope, principal, AKS_RBAC_CLUSTER_ADMIN_ROLE)),
            },
            parent,
        );

        const credentials = containerservice.listManagedClusterUserCredentialsOutput(
            { resourceGroupName: group.name, resourceName: cluster.name, format: "exec" },
            parent,
        );
        const mode = args.kubeloginMode ?? "azurecli";
        this.kubeconfig = pulumi.secret(
            credentials.kubeconfigs.apply((k) =>
                nonInteractiveKubeconfig(Buffer.from(k[0].value, "base64").toString("utf8"), mode),
            ),
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: [deployerAdmin] },
        );

        this.resourceGroupName = group.name;
        this.clusterName = cluster.name;
        this.clusterId = cluster.id;
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.kubeletObjectId = cluster.identityProfile.apply((p) => {
            const objectId = p?.kubeletidentity?.objectId;
            if (!objectId && !pulumi.runtime.isDryRun()) throw new Error("AKS returned no kubelet identity");
            return objectId ?? "";
        });
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            clusterName: this.clusterName,
            oidcIssuerUrl: this.oidcIssuerUrl,
            kubeconfig: this.kubeconfig,
        });
    }
}

/** The inline system pool: small, zonal where zones are given, autoscaled when a maximum above the minimum is set. */
export function systemPoolProfile(args: AksClusterArgs): types.input.containerservice.ManagedClusterAgentPoolProfileArgs {
    const max = args.systemNodeCountMax ?? args.systemNodeCount;
    const autoscale = max > args.systemNodeCount;
    return {
        name: SYSTEM_POOL_NAME,
        mode: "System",
        osType: "Linux",
        osSKU: "Ubuntu",
        vmSize: args.systemVmSize,
        count: args.systemNodeCount,
        enableAutoScaling: autoscale,
        minCount: autoscale ? args.systemNodeCount : undefined,
        maxCount: autoscale ? max : undefined,
        availabilityZones: args.availabilityZones?.length ? args.availabilityZones : undefined,
        upgradeSettings: { maxSurge: "33%" },
    };
}
