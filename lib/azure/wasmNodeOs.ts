/**
 * The Wasm pool's OS image (`wasmOsSku`) and what follows from it: which containerd the nodes run, who installs
 * containerd-shim-spin there, and what Kubernetes versions and dates each image allows. Dated rules take `today`
 * (YYYY-MM-DD) as a parameter, so a run judges against its own date and tests fix it.
 *
 * - `Ubuntu2204` (default, the legacy path): Ubuntu 22.04, containerd 1.7.34; runtime-class-manager installs the
 *   shim (its section choice is right for containerd 1.7, RCM-6). AKS offers it on Kubernetes 1.25-1.36 (containerd 1.7 is in containerd's matrix up to 1.35, so the stack allows 1.35 at most) and
 *   supports it until 2027-06-30 (OS-2): the bridge, refused after that day.
 * - `Ubuntu` (24.04 with containerd 2.3.3 from Kubernetes 1.35) and `AzureLinux` (Azure Linux 3, containerd 2.2.4):
 *   AKS's current images (CD2-9). runtime-class-manager cannot register the shim there (RCM-CD2, CTD-MIG); the
 *   project's own installer does (components/platform/shimInstaller.ts). **Experimental**: every link is read in the
 *   sources, but none has run on a real AKS node yet (docs/wasm-runtime.md, "What a first cluster must show").
 */
import { todayUtc } from "./datedSupport";
import { creationKubernetesVersion, spinKubeVersionProblems, UBUNTU_2204_CONTAINERD_17 } from "./kubernetesVersions";

/** OS SKUs the stack accepts for the SpinKube Wasm pool (azure-native 3.28 `OSSKU` values). */
export const WASM_OS_SKUS = ["Ubuntu2204", "Ubuntu", "AzureLinux"] as const;
export type WasmOsSku = (typeof WASM_OS_SKUS)[number];

/**
 * The default: today's path, kept until a real cluster has shown the containerd-2 installer working (issue 20 item
 * 5). AKS itself recommends `Ubuntu` (24.04) for new pools.
 */
export const WASM_OS_SKU_DEFAULT: WasmOsSku = "Ubuntu2204";

/** The last day AKS supports Ubuntu 22.04 node images (articles/aks/includes/ubuntu-22-04-retirement.md; OS-2). */
export const UBUNTU_2204_RETIREMENT = UBUNTU_2204_CONTAINERD_17.osSupport.lastDay;

/** Days before {@link UBUNTU_2204_RETIREMENT} from which a run warns. */
export const UBUNTU_2204_WARN_DAYS = 90;

/** Who puts the shim on the pool's nodes. */
export type ShimInstallerKind = "runtime-class-manager" | "aks-wasm-daemonset";

/** What an OS SKU means for the shim. */
export interface WasmOsProfile {
    sku: WasmOsSku;
    /** The containerd line AgentBaker ships for it (parts/common/components.json@06836ee; CD2-9). */
    containerd: "1.7" | "2.2" | "2.3";
    installer: ShimInstallerKind;
    /** The path has not yet run on a real AKS node. */
    experimental: boolean;
}

export function wasmOsProfile(sku: WasmOsSku): WasmOsProfile {
    switch (sku) {
        case "Ubuntu2204":
            return { sku, containerd: "1.7", installer: "runtime-class-manager", experimental: false };
        case "Ubuntu":
            return { sku, containerd: "2.3", installer: "aks-wasm-daemonset", experimental: true };
        case "AzureLinux":
            return { sku, containerd: "2.2", installer: "aks-wasm-daemonset", experimental: true };
    }
}

/**
 * Whether the cluster must stay within what an Ubuntu 22.04 Wasm pool can run (Kubernetes ≤ 1.35, LTS ≤ 1.32, and
 * the minor pinned against auto-upgrade): only SpinKube on `Ubuntu2204`.
 */
export function limitedByUbuntu2204(c: { wasmRuntime: string; wasmOsSku: WasmOsSku }): boolean {
    return c.wasmRuntime === "spinkube" && c.wasmOsSku === "Ubuntu2204";
}

/** Whether the project's installer DaemonSet puts the shim on the Wasm pool (SpinKube on a containerd-2 image). */
export function usesShimInstaller(c: { wasmRuntime: string; wasmOsSku: WasmOsSku }): boolean {
    return c.wasmRuntime === "spinkube" && wasmOsProfile(c.wasmOsSku).installer === "aks-wasm-daemonset";
}

/**
 * The version the cluster is created with: only an Ubuntu 22.04 SpinKube pool holds it below AKS's default
 * (creationKubernetesVersion); otherwise the configured one, or AKS's default when unset. Platform sends it and CI's
 * kubectl follows it (scripts/kubectl-version.ts).
 */
export function clusterCreationVersion(
    c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime: string; wasmOsSku: WasmOsSku },
    today: string = todayUtc(),
): string | undefined {
    return limitedByUbuntu2204(c) ? creationKubernetesVersion(c, today) : c.kubernetesVersion;
}

/** Cross-key and dated problems of `wasmOsSku`, in config/types.ts's ConfigProblem shape. */
export function wasmOsProblems(
    c: { wasmRuntime: string; wasmOsSku: WasmOsSku; kubernetesVersion?: string; clusterTier: string },
    today: string,
): { key: string; value: string; accepted: string }[] {
    if (!limitedByUbuntu2204(c)) return [];
    if (today > UBUNTU_2204_RETIREMENT) {
        return [
            {
                key: "wasmOsSku",
                value: c.wasmOsSku,
                accepted:
                    `"Ubuntu" or "AzureLinux": AKS supported Ubuntu 22.04 node images until ${UBUNTU_2204_RETIREMENT} ` +
                    `(today is ${today}); the containerd-2 images get the shim from the project's installer (docs/wasm-runtime.md)`,
            },
        ];
    }
    // The Ubuntu 22.04 limits, with the way out that now exists.
    return spinKubeVersionProblems(c, today).map((p) => ({
        ...p,
        accepted: `${p.accepted}; or set wasmOsSku to "Ubuntu" or "AzureLinux" (containerd 2, the project's shim installer; experimental, docs/wasm-runtime.md)`,
    }));
}

/** Warnings about `wasmOsSku` on `today`: the bridge's end approaching, and the experimental path. */
export function wasmOsWarnings(c: { wasmRuntime: string; wasmOsSku: WasmOsSku }, today: string): string[] {
    if (c.wasmRuntime !== "spinkube") return [];
    const profile = wasmOsProfile(c.wasmOsSku);
    if (profile.experimental) {
        return [
            `wasmOsSku=${c.wasmOsSku} is experimental: containerd ${profile.containerd} gets containerd-shim-spin from the ` +
                "project's installer DaemonSet, whose every step is read in the sources but has not yet run on an AKS node. " +
                'Check the first cluster as docs/wasm-runtime.md ("What a first cluster must show") says.',
        ];
    }
    const warnFrom = new Date(Date.parse(`${UBUNTU_2204_RETIREMENT}T00:00:00Z`) - UBUNTU_2204_WARN_DAYS * 86_400_000).toISOString().slice(0, 10);
    if (today < warnFrom) return [];
    return [
        `wasmOsSku=Ubuntu2204: AKS supports Ubuntu 22.04 node images until ${UBUNTU_2204_RETIREMENT}; after that day the ` +
            'stack refuses it. Move the Wasm pool to "Ubuntu" or "AzureLinux" (docs/wasm-runtime.md, "Moving a pool to containerd 2").',
    ];
}

