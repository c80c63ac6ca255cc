/**
 * SpinKube on the Wasm pool: runtime-class-manager (RCM) installs containerd-shim-spin on the nodes a `Shim`
 * selects, and the RuntimeClass `wasmtime-spin-v2` routes pods to it.
 *
 * Why RCM rather than the kwasm operator: RCM is SpinKube's maintained successor (spinkube.dev, "Azure Kubernetes
 * Service"), verifies the shim tarball by sha256, and sets `SystemdCgroup`, without which pod CPU metrics stay
 * flat and an HPA is blind (containerd-shim-spin #180, RCM #386). Its installer Jobs are bound to a node by
 * `nodeName`, so they run on the tainted pool without a toleration.
 *
 * The RuntimeClass is created here, before the Shim, because RCM's own copy carries only a nodeSelector: ours
 * adds the toleration for the pool's taint. RCM then server-side-applies the same handler and selector on top;
 * equal values are shared, not conflicting, and our toleration stays.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config";
import type { WasmPlacement } from "../../lib/workloadDefaults";

/** Pinned versions; bump together and re-read the shim's release notes. */
export const SPINKUBE_VERSIONS = {
    /** oci://ghcr.io/spinframework/charts/runtime-class-manager; the chart pins its images to v0.2.0. */
    rcmChart: "0.2.0",
    /** containerd-shim-spin release and the sha256 of its tarballs (from RCM's sample Shim). */
    shim: "v0.23.0",
    shimSha256: {
        x86_64: "eec8df96fa3a4fe5dbc57ffb706461692c055299dd6d22dff9444863a2a12281",
        aarch64: "a923f08d91c110d2cda29fbc380273e6d0a97aa0bab455c55f613c8d5a8bfbe4",
    },
} as const;

/** The containerd runtime handler the shim registers. */
export const SPIN_HANDLER = "spin-v2";

export interface SpinKubeRuntimeArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** Placement of the Wasm pool: the RuntimeClass gets its selector and toleration. */
    placement: WasmPlacement;
    /** Namespace for runtime-class-manager. @default "runtime-class-manager" */
    namespace?: string;
    /** Resources that must exist first (the node pool). @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class SpinKubeRuntime extends pulumi.ComponentResource {
    readonly runtimeClassName: pulumi.Output<string>;
    /** The Shim resource; workloads depend on it so they roll out after the shim is requested. */
    readonly shim: k8s.apiextensions.CustomResource;

    constructor(name: string, args: SpinKubeRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:SpinKubeRuntime", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const nsName = args.namespace ?? "runtime-class-manager";

        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: nsName,
                    // The node installer runs privileged with hostPID to edit containerd's config: this namespace
                    // cannot be `restricted`. Nothing else runs here.
                    labels: { "pod-security.kubernetes.io/enforce": "privileged", "app.kubernetes.io/part-of": PROJECT },
                },
            },
            { ...o, dependsOn: args.dependsOn },
        );

        const rcm = new k8s.helm.v3.Release(
            `${name}-rcm`,
            {
                name: "runtime-class-manager",
                chart: "oci://ghcr.io/spinframework/charts/runtime-class-manager",
                version: SPINKUBE_VERSIONS.rcmChart,
                namespace: namespace.metadata.name,
                atomic: true,
                cleanupOnFail: true,
                values: {
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
            o,
        );

        const runtimeClass = new k8s.node.v1.RuntimeClass(
            `${name}-runtimeclass`,
            {
                metadata: { name: args.placement.runtimeClassName },
                handler: SPIN_HANDLER,
                scheduling: { nodeSelector: args.placement.nodeSelector, tolerations: args.placement.tolerations },
            },
            o,
        );

        this.shim = new k8s.apiextensions.CustomResource(
            `${name}-shim`,
            {
                apiVersion: "runtime.spinkube.dev/v1alpha1",
                kind: "Shim",
                metadata: { name: SPIN_HANDLER },
                spec: shimSpec(args.placement),
            },
            { ...o, dependsOn: [rcm, runtimeClass] },
        );

        this.runtimeClassName = runtimeClass.metadata.name;
        this.registerOutputs({ runtimeClassName: this.runtimeClassName });
    }
}

/** The Shim's spec: which nodes, which tarball (verified), which containerd options, which RuntimeClass. */
export function shimSpec(placement: WasmPlacement) {
    const release = `https://github.com/spinframework/containerd-shim-spin/releases/download/${SPINKUBE_VERSIONS.shim}`;
    return {
        nodeSelector: placement.nodeSelector,
        fetchStrategy: {
            platforms: (["x86_64", "aarch64"] as const).map((arch) => ({
                os: "linux",
                arch,
                location: `${release}/containerd-shim-spin-v2-linux-${arch}.tar.gz`,
                sha256: SPINKUBE_VERSIONS.shimSha256[arch],
            })),
        },
        containerdRuntimeOptions: { SystemdCgroup: "true" },
        runtimeClass: { name: placement.runtimeClassName, handler: SPIN_HANDLER },
        // RCM v0.2.0 implements only `recreate`; `rolling` is rejected ("rolling strategy not implemented yet").
        rolloutStrategy: { type: "recreate" },
    };
}
