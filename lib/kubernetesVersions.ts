/**
 * The Kubernetes minors AKS offers, read from Microsoft's release calendar, and the rules the stack derives from it:
 * which minors a Free/Standard cluster may run (community support), which need the Premium tier with the
 * AKSLongTermSupport plan (LTS only), and which auto-upgrade channel each plan gets.
 *
 * One table, one date. When AKS's calendar moves, update `AKS_MINORS` and `AKS_VERSIONS_READ_ON` together
 * (platform-contracts AKS-1, AKS-2).
 */

/** Where the table comes from (platform-contracts AKS-1). */
export const AKS_VERSIONS_SOURCE =
    "MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md@f988e7e8 (ms.date 08/05/2026): " +
    "'AKS Kubernetes release calendar' and 'LTS versions' tables";
/** The day the table was read and the accepted sets were fixed. */
export const AKS_VERSIONS_READ_ON = "2026-11-26";

/** One minor in AKS's calendar. Dates are the last day AKS supports it (a month alone means its last day). */
export interface AksMinor {
    minor: number;
    /** End of community support ("End of life" in the calendar). */
    communityEnd: string;
    /** End of long-term support ("LTS End of life"), on the Premium tier with AKSLongTermSupport. */
    ltsEnd: string;
}

/**
 * AKS's calendar as read on {@link AKS_VERSIONS_READ_ON}. "Unless an explicit date is provided, the End of Life
 * date is the last day of the specified month" (same document), so "Nov 2026" is 2026-11-30.
 */
export const AKS_MINORS: readonly AksMinor[] = [
    { minor: 31, communityEnd: "2025-11-01", ltsEnd: "2026-11-30" },
    { minor: 32, communityEnd: "2026-03-31", ltsEnd: "2027-03-31" },
    { minor: 33, communityEnd: "2026-07-31", ltsEnd: "2027-07-31" },
    { minor: 34, communityEnd: "2026-11-30", ltsEnd: "2027-11-30" },
    { minor: 35, communityEnd: "2027-03-31", ltsEnd: "2028-03-31" },
    { minor: 36, communityEnd: "2027-06-30", ltsEnd: "2028-06-30" },
    { minor: 37, communityEnd: "2027-10-31", ltsEnd: "2028-10-31" },
];

export type SupportPlan = "community" | "lts";

/** How AKS supports `minor` on `day` (YYYY-MM-DD): community, LTS only, or not at all. */
export function supportOn(minor: number, day: string): SupportPlan | undefined {
    const row = AKS_MINORS.find((m) => m.minor === minor);
    if (!row) return undefined;
    if (day <= row.communityEnd) return "community";
    if (day <= row.ltsEnd) return "lts";
    return undefined;
}

const minorsWith = (plan: SupportPlan) =>
    AKS_MINORS.filter((m) => supportOn(m.minor, AKS_VERSIONS_READ_ON) === plan).map((m) => m.minor);

/** Minors with community support on the read date: accepted on every tier. */
export const COMMUNITY_MINORS: readonly number[] = minorsWith("community");
/** Minors past community support but within LTS on the read date: accepted only with `clusterTier` Premium. */
export const LTS_ONLY_MINORS: readonly number[] = minorsWith("lts");

/**
 * The lowest and highest minor the stack accepts on any tier. `min` is the oldest API server a workload may meet,
 * so it is also the Pod Security Standards version the namespaces enforce.
 */
export const KUBERNETES_MINORS = {
    min: Math.min(...COMMUNITY_MINORS, ...LTS_ONLY_MINORS),
    max: Math.max(...COMMUNITY_MINORS, ...LTS_ONLY_MINORS),
} as const;

const VERSION = /^1\.([0-9]+)(\.[0-9]+)?$/;

/** The minor of `1.MINOR` or `1.MINOR.PATCH`, or undefined when the text is not such a version. */
export function minorOf(version: string): number | undefined {
    const m = VERSION.exec(version);
    return m ? Number(m[1]) : undefined;
}

const list = (minors: readonly number[]) => minors.map((m) => `1.${m}`).join(", ");

/** What `kubernetesVersion` accepts, said once for the error and the README. */
export const KUBERNETES_VERSION_ACCEPTED =
    `a Kubernetes version AKS supports (read ${AKS_VERSIONS_READ_ON}): ${list(COMMUNITY_MINORS)}` +
    (LTS_ONLY_MINORS.length ? `, or with clusterTier "Premium" (long-term support) also ${list(LTS_ONLY_MINORS)}` : "") +
    ', as MAJOR.MINOR or MAJOR.MINOR.PATCH (e.g. "1.35"), or unset for AKS\'s default';

/** The single-key check of `kubernetesVersion`: a version of a minor AKS supports on some tier. */
export function parseKubernetesVersion(raw: string): { value: string } | { accepted: string } {
    const minor = minorOf(raw);
    return minor !== undefined && (COMMUNITY_MINORS.includes(minor) || LTS_ONLY_MINORS.includes(minor))
        ? { value: raw }
        : { accepted: KUBERNETES_VERSION_ACCEPTED };
}

/**
 * The cross-key check: an LTS-only minor needs the Premium tier (AKS: "Enabling LTS requires moving your cluster to
 * the Premium tier and explicitly selecting the LTS support plan", articles/aks/long-term-support.md; AKS-2).
 * Returns the problem in config.ts's shape, or none.
 */
export function kubernetesVersionTierProblems(c: {
    kubernetesVersion?: string;
    clusterTier: string;
}): { key: string; value: string; accepted: string }[] {
    const minor = c.kubernetesVersion === undefined ? undefined : minorOf(c.kubernetesVersion);
    if (minor === undefined || !LTS_ONLY_MINORS.includes(minor) || c.clusterTier === "Premium") return [];
    return [
        {
            key: "kubernetesVersion",
            value: c.kubernetesVersion!,
            accepted:
                `1.${minor} is past AKS community support (long-term support only): set clusterTier to "Premium", ` +
                `or choose one of ${list(COMMUNITY_MINORS)}`,
        },
    ];
}

/**
 * A warning when the chosen minor's support under the chosen tier has ended or ends within 30 days of `today`
 * (the table's dates; `today` is a parameter so tests can fix it).
 */
export function kubernetesVersionWarnings(
    c: { kubernetesVersion?: string; clusterTier: string },
    today: string,
): string[] {
    const minor = c.kubernetesVersion === undefined ? undefined : minorOf(c.kubernetesVersion);
    const row = AKS_MINORS.find((m) => m.minor === minor);
    if (!row) return [];
    const end = c.clusterTier === "Premium" ? row.ltsEnd : row.communityEnd;
    const soon = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    if (end > soon) return [];
    return [
        `kubernetesVersion=${c.kubernetesVersion}: AKS ${c.clusterTier === "Premium" ? "long-term" : "community"} support ` +
            `for 1.${row.minor} ${end < today ? "ended" : "ends"} on ${end} (${AKS_VERSIONS_SOURCE}). ` +
            "Choose a newer minor, or check the calendar again and update lib/kubernetesVersions.ts.",
    ];
}

/** What each tier sets on the ManagedCluster for versions and upgrades. */
export interface VersionPolicy {
    /** `supportPlan` of the ManagedCluster (azure-native 3.28 enum KubernetesSupportPlan). */
    supportPlan: "KubernetesOfficial" | "AKSLongTermSupport";
    /**
     * Auto-upgrade channel. `stable` for community support (AKS baseline); `patch` under LTS, which keeps the
     * cluster on its LTS minor ("--auto-upgrade-channel patch ... while keeping the same minor version",
     * articles/aks/long-term-support.md; AKS-2). `stable` would move an LTS cluster to a newer minor.
     */
    upgradeChannel: "stable" | "patch";
}

/**
 * The version policy of a tier: Premium means long-term support. `pinMinor` keeps the cluster on its minor
 * (`patch`) whatever the tier: a SpinKube Wasm pool runs Ubuntu 22.04, which AKS offers only up to 1.36, so an
 * automatic minor upgrade past it would fail on that pool (see {@link SPINKUBE_MAX_MINOR}).
 */
export function versionPolicy(tier: string, options: { pinMinor?: boolean } = {}): VersionPolicy {
    if (tier === "Premium") return { supportPlan: "AKSLongTermSupport", upgradeChannel: "patch" };
    return { supportPlan: "KubernetesOfficial", upgradeChannel: options.pinMinor ? "patch" : "stable" };
}

/**
 * The newest minor a SpinKube Wasm pool can run. runtime-class-manager (v0.2.0, and main in June 2026) registers the
 * shim under containerd 2's plugin only when the config file says `version = 3` (RCM-CD2); AKS's containerd-2
 * images (Ubuntu 24.04, Azure Linux 3) write `version = 2` with containerd 2's plugin paths (OS-1), and containerd 2's
 * migration then drops RCM's runtime (CTD-MIG). So the Wasm pool runs `osSKU: Ubuntu2204` (containerd 1.7), which
 * AKS supports on 1.25 to 1.36 (OS-2, articles/aks/upgrade-os-version.md read 2026-11-26).
 */
export const SPINKUBE_MAX_MINOR = 36;
/** LTS on 1.33 or later needs Ubuntu 24.04 node pools (articles/aks/includes/ubuntu-22-04-retirement.md; OS-2). */
export const UBUNTU_2204_MAX_LTS_MINOR = 32;

/** The cross-key check of the Wasm runtime against the version: what an Ubuntu 22.04 Wasm pool can run. */
export function spinKubeVersionProblems(c: {
    kubernetesVersion?: string;
    clusterTier: string;
    wasmRuntime: string;
}): { key: string; value: string; accepted: string }[] {
    const minor = c.kubernetesVersion === undefined ? undefined : minorOf(c.kubernetesVersion);
    if (c.wasmRuntime !== "spinkube" || minor === undefined) return [];
    const why =
        "the SpinKube Wasm pool runs Ubuntu 22.04 (containerd 1.7), because runtime-class-manager cannot register the " +
        "shim in the containerd 2 config AKS writes on Ubuntu 24.04 (docs/platform-contracts.md OS-1, RCM-CD2, CTD-MIG)";
    if (minor > SPINKUBE_MAX_MINOR) {
        return [{ key: "kubernetesVersion", value: c.kubernetesVersion!, accepted: `at most 1.${SPINKUBE_MAX_MINOR} with wasmRuntime "spinkube": ${why}, and AKS offers Ubuntu 22.04 up to 1.${SPINKUBE_MAX_MINOR}` }];
    }
    if (c.clusterTier === "Premium" && minor > UBUNTU_2204_MAX_LTS_MINOR) {
        return [{ key: "kubernetesVersion", value: c.kubernetesVersion!, accepted: `at most 1.${UBUNTU_2204_MAX_LTS_MINOR} with clusterTier "Premium" and wasmRuntime "spinkube": ${why}, and AKS's long-term support from 1.33 needs Ubuntu 24.04` }];
    }
    return [];
}

/**
 * The version the cluster is created with: the configured one; unset, AKS's default, except with SpinKube, where
 * AKS's default will move past what an Ubuntu 22.04 Wasm pool can run (1.37 once 1.38 is GA), so the newest minor
 * it can run is sent instead: 1.36, or 1.32 under long-term support (OS-2). After creation the version is AKS's
 * (the stack ignores its drift).
 */
export function creationKubernetesVersion(c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime: string }): string | undefined {
    if (c.kubernetesVersion !== undefined || c.wasmRuntime !== "spinkube") return c.kubernetesVersion;
    return `1.${c.clusterTier === "Premium" ? UBUNTU_2204_MAX_LTS_MINOR : SPINKUBE_MAX_MINOR}`;
}
