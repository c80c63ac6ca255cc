/**
 * The node pool reserved for Wasm: a separate User-mode Linux AgentPool, labelled and tainted so that only pods
 * that tolerate the taint (the Wasm workloads, through their RuntimeClass or explicit placement) land on it.
 *
 * `spinkube` (default) is an ordinary pool on which SpinKube installs containerd-shim-spin (see SpinKubeRuntime).
 * `wasmwasi` is the retired AKS preview (`workloadRuntime: WasmWasi`), kept as the documented legacy path: Azure
 * stopped creating such pools on 2025-05-05 (Azure/AKS#4770), and AKS release v20250720 removed the feature with
 * its WasmNodePoolPreview flag (Azure/AKS PR #5153, CHANGELOG). Whether registering the flag still succeeds is
 * unconfirmed; Azure refuses the pool either way, so `pulumi up` fails at the pool (config/warnings.ts warns).
 */
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as features from "@pulumi/azure-native/features";
import * as pulumi from "@pulumi/pulumi";
import type { WasmRuntime } from "../../config";
import type { WasmOsSku } from "../../lib/azure/wasmNodeOs";
import type { WasmPlacement } from "../../lib/kubernetes/workloadDefaults";

/** RuntimeClass name in both modes: SpinKube's convention, and what the AKS WasmWasi pool created. */
export const WASM_RUNTIME_CLASS = "wasmtime-spin-v2";
/** The label and taint that reserve the pool. (`kubernetes.azure.com/*` labels are reserved by AKS.) */
export const WASM_POOL_LABEL = { key: "aks-wasm/pool", value: "wasm" } as const;

export interface WasmNodePoolArgs {
    resourceGroupName: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /** Wasm runtime: `spinkube` (an ordinary pool for SpinKube) or `wasmwasi` (the retired AKS preview). */
    runtime: WasmRuntime;
    /**
     * OS image of a SpinKube pool (lib/azure/wasmNodeOs.ts); the WasmWasi pool always runs `Ubuntu`.
     * @default "Ubuntu2204"
     */
    osSku?: WasmOsSku;
    /** VM size. @default "Standard_D2s_v5" */
    vmSize?: string;
    /** Minimum (and initial) node count. @default 2 */
    nodeCount?: number;
    /** Autoscaler upper bound; equal to `nodeCount` turns the autoscaler off. @default nodeCount */
    nodeCountMax?: number;
    /** Availability zones; empty pins nothing. @default [] */
    availabilityZones?: string[];
    /** Pool name: at most 12 lower-case letters and digits. @default "wasm" */
    poolName?: string;
    /** Tags on the pool's nodes. @default {} */
    tags?: Record<string, string>;
}

export class WasmNodePool extends pulumi.ComponentResource {
    readonly poolName: pulumi.Output<string>;
    readonly runtimeClassName: string = WASM_RUNTIME_CLASS;
    /** What a workload needs to land on this pool. */
    readonly placement: WasmPlacement = wasmPlacement();

    constructor(name: string, args: WasmNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:WasmNodePool", name, {}, opts);
        const wasi = args.runtime === "wasmwasi";

        const featureFlag = wasi
            ? new features.SubscriptionFeatureRegistration(
                  `${name}-wasm-preview-flag`,
                  {
                      providerNamespace: "Microsoft.ContainerService",
                      featureName: "WasmNodePoolPreview",
                      properties: { state: "Registered" },
                  },
                  { parent: this },
              )
            : undefined;

        const pool = new containerservice.AgentPool(
            `${name}-pool`,
            { ...agentPoolArgs(args), resourceGroupName: args.resourceGroupName, resourceName: args.clusterName },
            { parent: this, dependsOn: featureFlag ? [featureFlag] : [], ignoreChanges: AGENT_POOL_IGNORE_CHANGES },
        );

        this.poolName = pool.name;
        this.registerOutputs({ poolName: this.poolName, runtimeClassName: this.runtimeClassName, placement: this.placement });
    }
}

/**
 * The cluster's auto-upgrade channel moves the pool's Kubernetes version (AKS upgrades the control plane and then
 * every pool); a later `pulumi up` must not send an older `orchestratorVersion` back (platform-contracts AKS-3).
 */
export const AGENT_POOL_IGNORE_CHANGES = ["orchestratorVersion"];

/** The AgentPool's shape, apart from where it goes. */
export function agentPoolArgs(
    args: WasmNodePoolArgs,
): Omit<containerservice.AgentPoolArgs, "resourceGroupName" | "resourceName"> {
    const count = args.nodeCount ?? 2;
    const max = args.nodeCountMax ?? count;
    const autoscale = max > count;
    return {
        agentPoolName: args.poolName ?? "wasm",
        mode: "User",
        osType: "Linux",
        osSKU: wasmPoolOsSku(args.runtime, args.osSku),
        vmSize: args.vmSize ?? "Standard_D2s_v5",
        count,
        enableAutoScaling: autoscale,
        minCount: autoscale ? count : undefined,
        maxCount: autoscale ? max : undefined,
        availabilityZones: args.availabilityZones?.length ? args.availabilityZones : undefined,
        nodeLabels: { [WASM_POOL_LABEL.key]: WASM_POOL_LABEL.value },
        nodeTaints: [`${WASM_POOL_LABEL.key}=${WASM_POOL_LABEL.value}:NoSchedule`],
        workloadRuntime: args.runtime === "wasmwasi" ? "WasmWasi" : "OCIContainer",
        upgradeSettings: { maxSurge: "33%" },
        tags: args.tags ?? {},
    };
}

/** Selector and toleration for the pool; the same in both runtime modes because the pool carries them. */
export function wasmPlacement(): WasmPlacement {
    return {
        runtimeClassName: WASM_RUNTIME_CLASS,
        nodeSelector: { [WASM_POOL_LABEL.key]: WASM_POOL_LABEL.value },
        tolerations: [{ key: WASM_POOL_LABEL.key, operator: "Equal", value: WASM_POOL_LABEL.value, effect: "NoSchedule" }],
    };
}

/**
 * The Wasm pool's OS image. SpinKube: the configured `wasmOsSku`, by default `Ubuntu2204` (containerd 1.7), where
 * runtime-class-manager registers the shim in the section containerd 1.7 reads. On AKS's containerd-2 images
 * (`Ubuntu` = 24.04 from Kubernetes 1.35, `AzureLinux` = Azure Linux 3) RCM writes it where containerd 2's migration
 * drops it (platform-contracts OS-1, RCM-CD2, CTD-MIG), so those images get the project's installer instead
 * (shimInstaller.ts; CD2-1 … CD2-9). The legacy WasmWasi pool keeps `Ubuntu` (AKS installed its own shim there).
 */
export function wasmPoolOsSku(runtime: WasmRuntime, osSku: WasmOsSku = "Ubuntu2204"): WasmOsSku {
    return runtime === "spinkube" ? osSku : "Ubuntu";
}
