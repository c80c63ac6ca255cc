/**
 * The platform: everything apps run on, one per environment. The AKS cluster, the Wasm pool and its runtime
 * (SpinKube on ordinary pools; AKS itself on the legacy WasmWasi pool), the registry, the Gateway API enablement
 * when apps are exposed through a Gateway, and the app teams' namespaces and rights.
 *
 * `describe()` gives the platform description an app needs (lib/contract/platformContract.ts); `outputs()` the platform's
 * part of the outputs contract (outputs.ts), which app stacks read through a StackReference.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { registryName } from "../../lib/azure/azureNames";
import { clusterCreationVersion, limitedByUbuntu2204, usesShimInstaller, wasmOsProfile } from "../../lib/azure/wasmNodeOs";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputInputs } from "../../outputs";
import type { PlatformDescription, PlatformRegistry } from "../../lib/contract/platformContract";
import { AksCluster } from "./aksCluster";
import { AppTeamAccess } from "./appTeamAccess";
import { ClusterGuardRails } from "./clusterGuardRails";
import { ContainerRegistry } from "./containerRegistry";
import { AppRoutingGatewayApi } from "./gatewayApi";
import { ShimInstaller } from "./shimInstaller";
import { RuntimeImageMirror } from "./runtimeImageMirror";
import { RCM_IMAGES, SPIN_HANDLER, SPINKUBE_VERSIONS, SpinKubeRuntime } from "./spinKubeRuntime";
import { WasmNodePool } from "./wasmNodePool";

/** The platform's keys of the stack config; config/ documents and validates each. */
export type PlatformArgs = Pick<
    StackConfig,
    | "location"
    | "resourceGroupName"
    | "kubernetesVersion"
    | "clusterTier"
    | "availabilityZones"
    | "adminGroupObjectIds"
    | "clusterAdminPrincipalIds"
    | "adminUserObjectIds"
    | "kubeloginMode"
    | "systemVmSize"
    | "systemNodeCount"
    | "systemNodeCountMax"
    | "wasmVmSize"
    | "wasmNodeCount"
    | "wasmNodeCountMax"
    | "wasmRuntime"
    | "wasmOsSku"
    | "acrSku"
    | "ingressMode"
    | "ingressClassName"
    | "gatewayClassName"
    | "appTeams"
    | "protect"
> & {
    /** Project name: names the cluster and the registry. */
    project: string;
    /** Stack name: part of the registry's globally unique name and of the tags. */
    stack: string;
};

/** The platform's part of the outputs contract (everything but `apps` and `loadTest`). */
export type PlatformOutputs = Omit<StackOutputInputs, "apps" | "loadTest">;

export class Platform extends pulumi.ComponentResource {
    readonly cluster: AksCluster;
    readonly pool: WasmNodePool;
    /** SpinKube on the Wasm pool; undefined on a WasmWasi pool, where AKS installs the shim itself. */
    readonly runtime?: SpinKubeRuntime;
    /** The project's shim installer, on a containerd-2 Wasm pool (`wasmOsSku` Ubuntu or AzureLinux). */
    readonly shimInstaller?: ShimInstaller;
    readonly registry: ContainerRegistry;
    /** The Gateway API enablement, in `gateway` mode. */
    readonly gatewayApi?: AppRoutingGatewayApi;
    readonly appTeams: AppTeamAccess;
    /** The admission policies of the namespaces the stack controls (root only on Spin, no metadata egress). */
    readonly guardRails: ClusterGuardRails;
    /** The registry as apps push to it. */
    readonly registryTarget: PlatformRegistry;
    private readonly args: PlatformArgs;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:Platform", name, {}, opts);
        this.args = args;
        const tags = { project: args.project, stack: args.stack };
        // These components were children of the stack before Platform existed; the alias keeps their URNs, so an
        // existing stack does not replace its cluster (platform-contracts PUL-4).
        const child = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        const client = authorization.getClientConfigOutput({ parent: this });

        this.cluster = new AksCluster(
            args.project,
            {
                location: args.location,
                // Only an Ubuntu 22.04 Wasm pool caps the cluster's minor (lib/azure/wasmNodeOs.ts; OS-2).
                resourceGroupName: args.resourceGroupName,
                kubernetesVersion: clusterCreationVersion(args),
                tier: args.clusterTier,
                pinMinorVersion: limitedByUbuntu2204(args),
                availabilityZones: args.availabilityZones,
                systemVmSize: args.systemVmSize,
                systemNodeCount: args.systemNodeCount,
                systemNodeCountMax: args.systemNodeCountMax,
                adminGroupObjectIds: args.adminGroupObjectIds,
                clusterAdminPrincipalIds: args.clusterAdminPrincipalIds,
                adminUserObjectIds: args.adminUserObjectIds,
                subscriptionId: client.subscriptionId,
                kubeloginMode: args.kubeloginMode,
                enableWebAppRouting: args.ingressMode === "ingress",
                ingressManagedOutside: args.ingressMode === "gateway",
                tags,
                protect: args.protect,
            },
            child,
        );
        const cluster = this.cluster;

        this.pool = new WasmNodePool(
            "wasm",
            {
                resourceGroupName: cluster.resourceGroupName,
                clusterName: cluster.clusterName,
                runtime: args.wasmRuntime,
                osSku: args.wasmOsSku,
                vmSize: args.wasmVmSize,
                nodeCount: args.wasmNodeCount,
                nodeCountMax: args.wasmNodeCountMax,
                availabilityZones: args.availabilityZones,
                tags,
            },
            child,
        );

        // On a WasmWasi pool AKS itself installs the shim and the RuntimeClass; SpinKube is needed only on ordinary pools.
        // Who installs containerd-shim-spin depends on the pool's containerd (lib/azure/wasmNodeOs.ts).
        this.shimInstaller = usesShimInstaller(args)
            ? new ShimInstaller(
                  "shim-installer",
                  { provider: cluster.provider, placement: this.pool.placement, release: SPINKUBE_VERSIONS, handler: SPIN_HANDLER, dependsOn: [this.pool] },
                  { parent: this },
              )
            : undefined;
        this.registry = new ContainerRegistry(
            "registry",
            {
                resourceGroupName: cluster.resourceGroupName,
                location: args.location,
                registryName: client.subscriptionId.apply((subscription) => registryName(args.project, args.stack, subscription)),
                subscriptionId: client.subscriptionId,
                sku: args.acrSku,
                pullerObjectId: cluster.kubeletObjectId,
                tags,
                protect: args.protect,
            },
            child,
        );
        this.registryTarget = { loginServer: this.registry.loginServer, name: this.registry.registryName, resourceId: this.registry.registryId };

        // runtime-class-manager's images come from the registry, pinned by the digest stored at their first import
        // (runtimeImageMirror.ts; issue 18 item 6). Only the RCM path runs them.
        const installer = wasmOsProfile(args.wasmOsSku).installer;
        const rcmImages =
            args.wasmRuntime === "spinkube" && installer === "runtime-class-manager"
                ? new RuntimeImageMirror(
                      "runtime-images",
                      { images: RCM_IMAGES, registryName: this.registry.registryName, loginServer: this.registry.loginServer, dependsOn: [this.registry.abacMode] },
                      child,
                  ).images
                : undefined;
        this.runtime =
            args.wasmRuntime === "spinkube"
                ? new SpinKubeRuntime(
                      "spinkube",
                      {
                          provider: cluster.provider,
                          placement: this.pool.placement,
                          installer,
                          images: rcmImages,
                          dependsOn: [this.pool],
                          kubeconfig: cluster.kubeconfig,
                      },
                      child,
                  )
                : undefined;

        this.gatewayApi =
            args.ingressMode === "gateway"
                ? new AppRoutingGatewayApi(
                      "gateway-api",
                      {
                          resourceGroupName: cluster.resourceGroupName,
                          clusterName: cluster.clusterName,
                          triggers: [cluster.clusterId],
                          // Never while AKS runs an operation on the cluster or a pool; again after the stack updates the cluster.
                          after: [...cluster.clusterOperations, this.pool],
                          reassertOn: cluster.specDigest,
                      },
                      child,
                  )
                : undefined;

        // App teams' Gateways (gateway mode) get their own admission policy (GWNS-2); none without teams.
        const teamGateways =
            args.ingressMode === "gateway" && args.appTeams.length > 0 ? { gatewayClassName: args.gatewayClassName, groups: args.appTeams.map((t) => t.principalId) } : undefined;
        this.guardRails = new ClusterGuardRails("guard-rails", { runtimeClassName: this.pool.runtimeClassName, provider: cluster.provider, teamGateways }, { parent: this });

        this.appTeams = new AppTeamAccess(
            "app-teams",
            {
                teams: args.appTeams,
                provider: cluster.provider,
                clusterId: cluster.clusterId,
                registryId: this.registry.registryId,
                registryReady: [this.registry.abacMode],
                subscriptionId: client.subscriptionId,
                gatewayNamespaces: args.ingressMode === "gateway",
                // A team may create Gateways only once their admission policy holds (GWNS-2).
                gatewayRightsAfter: [this.guardRails],
            },
            { parent: this },
        );

        this.registerOutputs({ clusterName: cluster.clusterName, acrLoginServer: this.registry.loginServer });
    }

    /** The platform as an app in this program sees it; `loadTestImage` is the load generator's pinned image. */
    describe(extra: { loadTestImage?: pulumi.Input<string> } = {}): PlatformDescription {
        return {
            contractVersion: OUTPUTS_CONTRACT_VERSION,
            registry: this.registryTarget,
            kubeconfig: this.cluster.kubeconfig,
            provider: this.cluster.provider,
            wasmPlacement: this.pool.placement,
            exposure: { mode: this.args.ingressMode, ingressClassName: this.args.ingressClassName, gatewayClassName: this.args.gatewayClassName },
            loadTestImage: extra.loadTestImage,
            teamGatewayNamespaces: this.appTeams.gatewayNamespaceByNamespace,
            // Apps wait until every Wasm node runs the current shim: the project's installer DaemonSet on a containerd-2
            // pool (ready only where the shim is installed, shimInstaller.ts), else SpinKubeRuntime.nodesReady (the
            // reinstall command: no node left cordoned); and for the guard rails, so admission and egress hold first.
            workloadDependsOn: [this.shimInstaller?.daemonSet ?? this.runtime?.nodesReady ?? this.pool, this.guardRails],
            exposureDependsOn: this.gatewayApi ? [this.gatewayApi] : [],
        };
    }

    /** The platform's outputs, for the stack's export (outputs.ts). */
    outputs(extra: { loadTestImage?: pulumi.Input<string> } = {}): PlatformOutputs {
        return {
            contractVersion: OUTPUTS_CONTRACT_VERSION,
            resourceGroupName: this.cluster.resourceGroupName,
            clusterName: this.cluster.clusterName,
            kubeconfig: this.cluster.kubeconfig,
            oidcIssuerUrl: this.cluster.oidcIssuerUrl,
            acrLoginServer: this.registry.loginServer,
            acrName: this.registry.registryName,
            acrResourceId: this.registry.registryId,
            wasmRuntime: this.args.wasmRuntime,
            wasmNodePoolName: this.pool.poolName,
            runtimeClassName: this.pool.runtimeClassName,
            wasmPlacement: this.pool.placement,
            ingressMode: this.args.ingressMode,
            ingressClassName: this.args.ingressClassName,
            gatewayClassName: this.args.gatewayClassName,
            loadTestImage: extra.loadTestImage,
            appTeams: this.appTeams.namespacesByPrincipal,
            teamGatewayNamespaces: this.appTeams.gatewayNamespaceByNamespace,
        };
    }
}
