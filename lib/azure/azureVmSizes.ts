/**
 * Azure VM size names, read by Azure's naming convention (platform-contracts VM-1):
 *
 *     Standard_ [Family][Sub-family*][# of vCPUs][-Constrained vCPUs*][Additive features][_Accelerator*][_Version]
 *
 * Additive features are lower-case letters: a = AMD, p = Arm64 CPU, l = low memory, m = memory intensive,
 * t = tiny memory, s = premium storage, d = local disk, i = isolated, b = block storage performance.
 * Source: MicrosoftDocs/azure-compute-docs articles/virtual-machines/vm-naming-conventions.md (read 2026-11-26).
 *
 * Memory is not in the name, so a small table gives GiB per vCPU for the families this stack is likely to use
 * (VM-2); any other size is accepted with its memory unknown, and the capacity plan then says it cannot check
 * memory rather than guess.
 */

export interface VmSize {
    /** The name as given. */
    name: string;
    /** Family and sub-family letters, upper case: `D`, `E`, `DS`, `NC`, `B`. */
    family: string;
    /** vCPUs usable by the guest (the constrained count when there is one: `M8-2ms` has 2). */
    vcpus: number;
    /** Lower-case additive feature letters: `s`, `ps`, `pls`, `ads`. */
    features: string;
    /** Series version (`5` for `_v5`); 1 when the name has none. */
    version: number;
    /** Accelerator type (`A100`, `T4`), if any. */
    accelerator?: string;
    /** CPU architecture: `p` in the features means Arm64 (Ampere). */
    arch: "amd64" | "arm64";
    /** B-series: burstable CPU credits, not sustained vCPUs. */
    burstable: boolean;
    /** Memory in GiB, when the table knows the series; undefined otherwise. */
    memoryGiB?: number;
}

const VM_SIZE_NAME = /^Standard_([A-Z]+)([0-9]+)(?:-([0-9]+))?([a-z]*)(?:_([A-Z][A-Za-z0-9]*))?(?:_v([0-9]+))?$/;

/**
 * GiB of memory per vCPU by family and memory variant, from the series version each holds for (older D/DS v2
 * sizes number their memory-optimised sizes D11–D15 and are left out). Each row was read in the series' page of
 * MicrosoftDocs/azure-compute-docs articles/virtual-machines/sizes/ (2026-11-26; platform-contracts VM-2):
 * Dsv5 (D2s_v5: 2 vCPU, 8 GiB), Dlsv5 (D2ls_v5: 2 vCPU, 4 GiB), Esv5 (E2s_v5: 2 vCPU, 16 GiB),
 * Fsv2 (F2s_v2: 2 vCPU, 4 GiB). The `a` (AMD) and `p` (Arm64) variants of a series keep its ratio (Dasv5,
 * Dpsv5: 4 GiB per vCPU); `d` adds a disk, not memory.
 */
const GIB_PER_VCPU: Record<string, { gib: number; sinceVersion: number }> = {
    D: { gib: 4, sinceVersion: 3 },
    "D+l": { gib: 2, sinceVersion: 5 },
    E: { gib: 8, sinceVersion: 3 },
    F: { gib: 2, sinceVersion: 2 },
};

/** Parses a size name; undefined when it does not follow the convention. */
export function parseVmSize(name: string): VmSize | undefined {
    const m = VM_SIZE_NAME.exec(name);
    if (!m) return undefined;
    const [, family, vcpuText, constrained, features, accelerator, versionText] = m;
    const vcpus = Number(constrained ?? vcpuText);
    const version = versionText ? Number(versionText) : 1;
    if (vcpus < 1) return undefined;
    let perVcpu: number | undefined;
    if (!accelerator && !constrained) {
        // Stryker disable next-line StringLiteral: equivalent for the memory variants: `${family}+?` is a key no row has, as is "" (both give unknown memory).
        const key = features.includes("l") ? `${family}+l` : features.includes("m") || features.includes("t") ? `${family}+?` : family;
        const row = GIB_PER_VCPU[key];
        if (row && version >= row.sinceVersion) perVcpu = row.gib;
    }
    return {
        name,
        family,
        vcpus,
        features,
        version,
        accelerator,
        arch: features.includes("p") ? "arm64" : "amd64",
        burstable: family === "B",
        memoryGiB: perVcpu === undefined ? undefined : perVcpu * Number(vcpuText),
    };
}

/** What a pool must run, for checking a size against it. */
export interface PoolNeeds {
    /** `system` pools host kube-system; AKS sets stricter minimums there. */
    mode: "system" | "user";
    /** CPU architectures every image the pool runs is built for. */
    archs: readonly ("amd64" | "arm64")[];
    /** Why those architectures (named in the message). */
    archReason: string;
}

/**
 * Why AKS would refuse `size` for the pool, or why the pool's images cannot run on it; empty when fine.
 * AKS: user pools need ≥ 2 vCPUs and 2 GB, system pools ≥ 2 vCPUs and 4 GB and no B-series
 * (MicrosoftDocs/azure-aks-docs articles/aks/quotas-skus-regions.md "Restricted VM sizes", read 2026-11-26;
 * platform-contracts VM-3). use-system-pools.md says "at least 4 vCPUs" for system pools, but the same docs say
 * AKS's own default system size was Standard_DS2_v2 (2 vCPUs) until May 2025, so 2 is the enforced floor.
 */
export function vmSizeProblems(size: VmSize, needs: PoolNeeds): string[] {
    const problems: string[] = [];
    const minMemory = needs.mode === "system" ? 4 : 2;
    if (size.vcpus < 2) problems.push(`at least 2 vCPUs (AKS refuses smaller sizes for ${needs.mode} pools); ${size.name} has ${size.vcpus}`);
    // Stryker disable next-line ConditionalExpression: equivalent: with memory unknown the comparison is `undefined < n`, false; the guard is for the type checker.
    if (size.memoryGiB !== undefined && size.memoryGiB < minMemory) {
        problems.push(`at least ${minMemory} GiB of memory for a ${needs.mode} pool; ${size.name} has ${size.memoryGiB} GiB`);
    }
    if (needs.mode === "system" && size.burstable) problems.push("not a B-series (burstable) size: AKS does not support them for system pools");
    if (!needs.archs.includes(size.arch)) {
        problems.push(`an ${needs.archs.join(" or ")} size (${needs.archReason}); ${size.name} is ${size.arch} (the "p" in its name)`);
    }
    return problems;
}
