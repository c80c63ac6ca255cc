/**
 * The AKS cluster: resource group, managed cluster with one minimal inline system pool, the configured cluster
 * admins, maintenance windows, and a Kubernetes provider built from a non-interactive, secret kubeconfig.
 */
import * as command from "@pulumi/command";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import type * as types from "@pulumi/azure-native/types";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { ClusterTier, KubeloginMode } from "../../config";
import { roleAssignmentName } from "../../lib/azure/azureNames";
import { ADMIN_KEYS } from "../../lib/azure/clusterAdmins";
import { KUBECONFIG_FROM_STDIN } from "../../lib/results/jobResult";
import { nonInteractiveKubeconfig } from "../../lib/kubernetes/kubeconfig";
import { versionPolicy } from "../../lib/azure/kubernetesVersions";

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin". */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

export interface AksClusterArgs {
    /** Azure region (programmatic name). */
    location: string;
    /**
     * An existing resource group to deploy into (created per environment in the one-time set-up, docs/ci-setup.md,
     * so that the deploy identity's rights end at it: platform-contracts TRUST-1). Empty: the component creates
     * its own group, as before this key existed.
     * @default ""
     */
    resourceGroupName?: string;
    /**
     * Kubernetes version at creation; undefined lets AKS pick its default. Afterwards the auto-upgrade channel owns
     * it: the stack ignores the drift instead of sending the old version back (see {@link clusterIgnoreChanges}).
     * @default undefined
     */
    kubernetesVersion?: string;
    /**
     * Pricing tier. `Standard` carries the financially backed uptime SLA (AKS baseline); `Free` suits dev;
     * `Premium` adds long-term support: `supportPlan: AKSLongTermSupport` and the `patch` upgrade channel.
     * @default "Free"
     */
    tier?: ClusterTier;
    /**
     * Keep the cluster on its Kubernetes minor (auto-upgrade channel `patch` instead of `stable`); minor upgrades are
     * then deliberate (`az aks upgrade`). The platform sets it with SpinKube, whose Ubuntu 22.04 Wasm pool (containerd
     * 1.7) runs up to 1.35 (lib/azure/kubernetesVersions.ts SPINKUBE_MAX_MINOR).
     * @default false
     */
    pinMinorVersion?: boolean;
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
     * Entra ID groups whose members become cluster admins: the cluster's `aadProfile.adminGroupObjectIDs` and, for
     * Azure RBAC, an "AKS RBAC Cluster Admin" role assignment each (principalType Group).
     * @default []
     */
    adminGroupObjectIds?: string[];
    /**
     * Object IDs of the service principals that become cluster admins (the identity that runs `pulumi up` in CI):
     * an "AKS RBAC Cluster Admin" role assignment each (principalType ServicePrincipal). Taken from config, never
     * from whoever runs the program, so a preview by another identity plans the same assignments.
     * @default []
     */
    clusterAdminPrincipalIds?: string[];
    /**
     * Object IDs of the Entra ID users who become cluster admins (a person deploying from a laptop): an "AKS RBAC
     * Cluster Admin" role assignment each (principalType User).
     * @default []
     */
    adminUserObjectIds?: string[];
    /**
     * How long the first Kubernetes call waits for the admin role assignments to reach the cluster (Azure RBAC takes
     * up to about 5 minutes, platform-contracts CONV-2), in seconds.
     * @default ADMIN_ACCESS_WAIT.timeoutSeconds (600)
     */
    adminAccessTimeoutSeconds?: number;
    /**
     * Subscription of the cluster: the built-in role definitions are addressed through it. Pass the provider's
     * subscription (it does not change with the identity that runs the program).
     */
    subscriptionId: pulumi.Input<string>;
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
    /**
     * The ingress profile is changed outside this resource (AppRoutingGatewayApi's `az aks update
     * --enable-gateway-api --enable-app-routing-istio`): the cluster ignores `ingressProfile` so no later update
     * plans a change to it (see {@link clusterIgnoreChanges}).
     * @default false
     */
    ingressManagedOutside?: boolean;
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
    /** Kubernetes provider for this cluster; ready once the admins' access is proven ({@link adminAccess}). */
    readonly provider: k8s.Provider;
    /**
     * The bounded wait until `kubectl auth can-i '*' '*' --all-namespaces` says yes for whoever runs `pulumi up`;
     * the provider depends on it, so every Kubernetes object does.
     */
    readonly adminAccess: command.local.Command;
    /**
     * Every resource whose create or update is an operation on the managed cluster (the cluster itself and its
     * maintenance configurations). Whatever else changes the cluster (an `az aks update`) must run after these.
     */
    readonly clusterOperations: pulumi.Resource[];
    /** sha256 of the ManagedCluster's declared inputs: changes exactly when the stack updates the cluster. */
    readonly specDigest: pulumi.Output<string>;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AksCluster", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags ?? {};

        const protect = { parent: this, protect: args.protect ?? false };
        const group = args.resourceGroupName
            ? { name: pulumi.output(args.resourceGroupName) }
            : new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags }, protect);
        const policy = versionPolicy(args.tier ?? "Free", { pinMinor: args.pinMinorVersion });

        const clusterArgs: containerservice.ManagedClusterArgs = {
            resourceGroupName: group.name,
            location: args.location,
            tags,
            dnsPrefix: name,
            kubernetesVersion: args.kubernetesVersion,
            sku: { name: "Base", tier: args.tier ?? "Free" },
            // LTS needs the Premium tier and this plan together (platform-contracts AKS-2).
            supportPlan: policy.supportPlan,
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
            autoUpgradeProfile: { upgradeChannel: policy.upgradeChannel, nodeOSUpgradeChannel: "NodeImage" },
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
        };
        const cluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            clusterArgs,
            {
                ...protect,
                ignoreChanges: clusterIgnoreChanges({
                    upgradeChannel: policy.upgradeChannel,
                    ingressManagedOutside: args.ingressManagedOutside ?? false,
                }),
            },
        );
        const operations: pulumi.Resource[] = [cluster];
        this.specDigest = pulumi
            .output(clusterArgs)
            .apply((resolved) => createHash("sha256").update(JSON.stringify(resolved)).digest("hex"));

        // Planned maintenance for both upgrade channels: Sunday night UTC, four hours (AKS baseline).
        for (const configName of ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
            const maintenance = new containerservice.MaintenanceConfiguration(
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
            operations.push(maintenance);
        }
        this.clusterOperations = operations;

        // With Azure RBAC and local accounts disabled, the identity that runs `pulumi up` needs a Kubernetes role on
        // the cluster before the provider below can apply anything. The admins come from config, never from
        // getClientConfig: a principal read from the running identity flips with CI vs a person (AZN-3).
        const admins = clusterAdminAssignments(args).map(
            (admin) =>
                new authorization.RoleAssignment(
                    admin.resourceName(name),
                    {
                        scope: cluster.id,
                        principalId: admin.principalId,
                        // A principal type lets ARM skip the directory lookup that fails while a new identity is
                        // still replicating.
                        principalType: admin.principalType,
                        roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
                        roleAssignmentName: cluster.id.apply((scope) =>
                            roleAssignmentName(scope, admin.principalId, AKS_RBAC_CLUSTER_ADMIN_ROLE),
                        ),
                    },
                    parent,
                ),
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
        // Azure RBAC reaches AKS minutes after ARM accepts the assignment (CONV-2): without this wait the first
        // manifest meets a 403. Every Kubernetes resource of the stack goes through the provider below, which waits
        // for it. It runs again when the cluster or its admins change (triggers), so a new admin is proven too.
        const timeoutSeconds = args.adminAccessTimeoutSeconds ?? ADMIN_ACCESS_WAIT.timeoutSeconds;
        const adminList = clusterAdminAssignments(args).map((a) => `${a.principalType} ${a.principalId}`).join(", ");
        this.adminAccess = new command.local.Command(
            `${name}-admin-access`,
            {
                create: adminAccessWaitScript({ timeoutSeconds, admins: adminList }),
                update: adminAccessWaitScript({ timeoutSeconds, admins: adminList }),
                stdin: this.kubeconfig,
                triggers: [cluster.id, adminList],
            },
            { parent: this, dependsOn: admins, additionalSecretOutputs: ["stdin"] },
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: [...admins, this.adminAccess] },
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

/** One cluster-admin role assignment: who, as what kind of principal, under which resource name. */
export interface ClusterAdmin {
    principalId: string;
    principalType: "ServicePrincipal" | "User" | "Group";
    /** The Pulumi resource name, keyed by the principal so that reordering the config replaces nothing. */
    resourceName(component: string): string;
}

/**
 * The cluster-admin assignments: one per configured service principal and one per admin group. Groups get the Azure
 * RBAC role too: with `enableAzureRBAC`, AKS documents authorization through Azure role assignments, and nothing in
 * its docs says `adminGroupObjectIDs` alone grants the Azure RBAC path (AKS-5, unconfirmed; the role makes it
 * certain).
 */
export function clusterAdminAssignments(
    args: Pick<AksClusterArgs, "clusterAdminPrincipalIds" | "adminUserObjectIds" | "adminGroupObjectIds">,
): ClusterAdmin[] {
    const of = (ids: string[] | undefined, key: keyof typeof ADMIN_KEYS, tag: string): ClusterAdmin[] =>
        (ids ?? []).map((id) => ({
            principalId: id.toLowerCase(),
            principalType: ADMIN_KEYS[key].principalType,
            resourceName: (c: string) => `${c}-admin-${tag}-${id.toLowerCase()}`,
        }));
    return [
        ...of(args.clusterAdminPrincipalIds, "clusterAdminPrincipalIds", "sp"),
        ...of(args.adminUserObjectIds, "adminUserObjectIds", "user"),
        ...of(args.adminGroupObjectIds, "adminGroupObjectIds", "group"),
    ];
}

/** The admin-access wait's bounds: the whole wait, one poll interval, one kubectl request. */
export const ADMIN_ACCESS_WAIT = { timeoutSeconds: 600, pollSeconds: 10, requestTimeoutSeconds: 20 } as const;

/** The longest the admin-access wait can take: its timeout, plus one last request and one poll interval. */
export function adminAccessWorstCaseSeconds(timeoutSeconds: number = ADMIN_ACCESS_WAIT.timeoutSeconds): number {
    return timeoutSeconds + ADMIN_ACCESS_WAIT.requestTimeoutSeconds + ADMIN_ACCESS_WAIT.pollSeconds;
}

/**
 * The admin-access wait (`sh -c`; kubeconfig on stdin into a private temporary file removed on any exit, like every
 * kubectl script of the stack). Asks `kubectl auth can-i '*' '*' --all-namespaces` (through kubelogin, with the
 * login of whoever runs `pulumi up`) until it answers `yes`, by the wall clock, at most `timeoutSeconds`; then
 * fails saying what it waited for, the last answer, and what to check. Nothing it does changes the cluster, so a
 * kill at any step leaves nothing behind but the temporary file, which the trap removes.
 */
export function adminAccessWaitScript(args: {
    timeoutSeconds: number;
    /** Who was granted (for the message). */
    admins: string;
    /** @default ADMIN_ACCESS_WAIT.pollSeconds */
    pollSeconds?: number;
}): string {
    const poll = args.pollSeconds ?? ADMIN_ACCESS_WAIT.pollSeconds;
    const admins = args.admins.replace(/[^A-Za-z0-9 ,-]/g, "");
    return [
        ...KUBECONFIG_FROM_STDIN,
        "start=$(date +%s)",
        "while :; do",
        `  answer="$(kubectl --kubeconfig "$kubeconfig" --request-timeout=${ADMIN_ACCESS_WAIT.requestTimeoutSeconds}s auth can-i '*' '*' --all-namespaces 2>&1)" || true`,
        `  if [ "$(printf '%s\\n' "$answer" | tail -n 1)" = yes ]; then echo "cluster admin access: kubectl auth can-i '*' '*' --all-namespaces says yes" >&2; exit 0; fi`,
        `  if [ $(( $(date +%s) - start )) -ge ${args.timeoutSeconds} ]; then`,
        `    echo "cluster admin access: waited ${args.timeoutSeconds}s for the AKS RBAC Cluster Admin role assignments (${admins}) to reach the cluster, and kubectl auth can-i '*' '*' --all-namespaces still answers:" >&2`,
        `    printf '  %s\\n' "$answer" >&2`,
        '    echo "Check: the identity running pulumi up is one of those principals or a member of the group (az account show; az ad signed-in-user show --query id -o tsv); kubelogin is on PATH and logged in the way kubeloginMode says (az login, or AAD_LOGIN_METHOD=workloadidentity in CI); Azure RBAC can take up to about 5 minutes to reach AKS, so run pulumi up again (docs/operations.md, A failed deploy)." >&2',
        "    exit 1",
        "  fi",
        `  sleep ${poll}`,
        "done",
    ].join("\n");
}

/**
 * What the ManagedCluster leaves to others after creation, as Pulumi `ignoreChanges` paths.
 *
 * - With an auto-upgrade channel, AKS moves the control plane and the pools (stable: newest patch of minor N-1;
 *   patch: newest patch of the same minor). A later `pulumi up` must not send the creation version back
 *   (pulumi-azure-native #2059 planned exactly that; AKS-3), so `kubernetesVersion` and the inline pool's
 *   `orchestratorVersion` are ignored.
 * - In gateway mode `az aks update --enable-gateway-api --enable-app-routing-istio` sets
 *   `ingressProfile.gatewayAPI` and `ingressProfile.webAppRouting.gatewayAPIImplementations` (azure-cli 2.86.1,
 *   AZN-4), fields this provider's API version (2025-09-01) cannot express; the cluster ignores `ingressProfile`
 *   so no update of the stack plans a change to it.
 */
export function clusterIgnoreChanges(o: { upgradeChannel: string; ingressManagedOutside: boolean }): string[] {
    const paths: string[] = [];
    if (o.upgradeChannel !== "none") paths.push("kubernetesVersion", "agentPoolProfiles[0].orchestratorVersion");
    if (o.ingressManagedOutside) paths.push("ingressProfile");
    return paths;
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
