/**
 * The Kubernetes minors AKS offers, read from Microsoft's release calendar, and the rules the stack derives from it:
 * which minors a Free/Standard cluster may run (community support), which need the Premium tier with the
 * AKSLongTermSupport plan (LTS only), and which auto-upgrade channel each plan gets.
 *
 * One table, one date read. Every rule is judged against the day of the run (`today`, lib/azure/datedSupport.ts), not the
 * day the table was read: a minor is refused once AKS's support for it under the chosen tier has ended (AKS no
 * longer creates clusters on it), and warned about within 30 days before. When AKS's calendar moves, update
 * `AKS_MINORS` and `AKS_VERSIONS_READ_ON` together (platform-contracts AKS-1, AKS-2, CONV-3).
 */
import { addDays, judgeSupport, todayUtc, WARN_DAYS_BEFORE_END, type DatedSupport } from "./datedSupport";

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

const minorsWith = (plan: SupportPlan, day: string) => AKS_MINORS.filter((m) => supportOn(m.minor, day) === plan).map((m) => m.minor);

/** Minors with community support on `day`: accepted on every tier. */
export function communityMinors(day: string): number[] {
    return minorsWith("community", day);
}
/** Minors past community support but within LTS on `day`: accepted only with `clusterTier` Premium. */
export function ltsOnlyMinors(day: string): number[] {
    return minorsWith("lts", day);
}

/** Minors with community support on the day the table was read (for the static docs; rules use `today`). */
export const COMMUNITY_MINORS: readonly number[] = communityMinors(AKS_VERSIONS_READ_ON);
/** Minors within LTS only on the day the table was read. */
export const LTS_ONLY_MINORS: readonly number[] = ltsOnlyMinors(AKS_VERSIONS_READ_ON);

/**
 * The lowest and highest minor the table held on the day it was read. `min` is the oldest API server a workload may
 * meet, so it is also the Pod Security Standards version the namespaces enforce (a label, so fixed by the table,
 * not by the day of the run).
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

/** What `kubernetesVersion` accepts on `today`, said once for the errors and the docs. */
export function kubernetesVersionAccepted(today: string): string {
    const lts = ltsOnlyMinors(today);
    return (
        `a Kubernetes version AKS supports today (${today}; calendar read ${AKS_VERSIONS_READ_ON}): ${list(communityMinors(today)) || "none"}` +
        (lts.length ? `, or with clusterTier "Premium" (long-term support) also ${list(lts)}` : "") +
        ', as MAJOR.MINOR or MAJOR.MINOR.PATCH (e.g. "1.35"), or unset for the default'
    );
}

/** The single-key check of `kubernetesVersion`: the syntax, and a minor in AKS's calendar (dates are cross-key). */
export function parseKubernetesVersion(raw: string): { value: string } | { accepted: string } {
    const minor = minorOf(raw);
    // Stryker disable next-line ConditionalExpression: equivalent: no row of AKS_MINORS has an undefined minor, so some() is false for it either way.
    return minor !== undefined && AKS_MINORS.some((m) => m.minor === minor)
        ? { value: raw }
        : {
              accepted:
                  `a Kubernetes minor in AKS's calendar (${list(AKS_MINORS.map((m) => m.minor))}, read ${AKS_VERSIONS_READ_ON}) ` +
                  'as MAJOR.MINOR or MAJOR.MINOR.PATCH (e.g. "1.35"), or unset for the default',
          };
}

/** The dated support of `minor` under `tier`, as a lib/azure/datedSupport.ts row; undefined for a minor not in the table. */
export function minorSupport(minor: number, tier: string): DatedSupport | undefined {
    const row = AKS_MINORS.find((m) => m.minor === minor);
    if (!row) return undefined;
    const lts = tier === "Premium";
    return {
        subject: `Kubernetes 1.${minor} on AKS (${lts ? "long-term support, clusterTier Premium" : "community support"})`,
        lastDay: lts ? row.ltsEnd : row.communityEnd,
        source: AKS_VERSIONS_SOURCE,
        readOn: AKS_VERSIONS_READ_ON,
        // After its end of life AKS no longer creates clusters on the minor (AKS-1); after creation the version is
        // ignored (clusterIgnoreChanges), so changing the key on an existing stack costs nothing.
        afterEnd: "refuse",
    };
}

/**
 * The cross-key check of `kubernetesVersion` against `clusterTier` on `today`: refused once AKS's support for the
 * minor under the tier has ended; an LTS-only minor needs the Premium tier (AKS: "Enabling LTS requires moving your
 * cluster to the Premium tier and explicitly selecting the LTS support plan", articles/aks/long-term-support.md;
 * AKS-2). Returns the problems in config/types.ts's ConfigProblem shape.
 */
export function kubernetesVersionProblems(
    c: { kubernetesVersion?: string; clusterTier: string },
    today: string,
): { key: string; value: string; accepted: string }[] {
    // Stryker disable next-line ConditionalExpression: equivalent: minorOf(undefined) is undefined too (the pattern does not match "undefined"); the guard is for the type checker.
    const minor = c.kubernetesVersion === undefined ? undefined : minorOf(c.kubernetesVersion);
    if (minor === undefined) return [];
    const plan = supportOn(minor, today);
    if (plan === "lts" && c.clusterTier !== "Premium") {
        return [
            {
                key: "kubernetesVersion",
                value: c.kubernetesVersion!,
                accepted:
                    `1.${minor} is past AKS community support on ${today} (long-term support only; ${judgeSupport(minorSupport(minor, c.clusterTier)!, today).message}): ` +
                    `set clusterTier to "Premium", or choose one of ${list(communityMinors(today))}`,
            },
        ];
    }
    const support = minorSupport(minor, c.clusterTier);
    const verdict = support && judgeSupport(support, today);
    if (verdict?.refuse) {
        return [{ key: "kubernetesVersion", value: c.kubernetesVersion!, accepted: `${kubernetesVersionAccepted(today)}: ${verdict.message}` }];
    }
    return [];
}

/**
 * A warning when the minor the cluster is created with (the configured one, or the default) has support under the
 * chosen tier ending within 30 days of `today` (after the end it is refused, {@link kubernetesVersionProblems}).
 */
export function kubernetesVersionWarnings(
    c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime?: string },
    today: string,
): string[] {
    const version = c.kubernetesVersion ?? (c.wasmRuntime ? creationKubernetesVersion({ ...c, wasmRuntime: c.wasmRuntime }, today) : undefined);
    // Stryker disable next-line ConditionalExpression: equivalent: minorOf(undefined) is undefined too (the pattern does not match "undefined"); the guard is for the type checker.
    const minor = version === undefined ? undefined : minorOf(version);
    const support = minor === undefined ? undefined : minorSupport(minor, c.clusterTier);
    const verdict = support && judgeSupport(support, today);
    if (!verdict?.message || verdict.refuse) return [];
    return [
        `kubernetesVersion=${version}${c.kubernetesVersion === undefined ? " (the default)" : ""}: ${verdict.message} ` +
            "Choose a newer minor (az aks upgrade after creation), or check the calendar again and update lib/azure/kubernetesVersions.ts.",
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
 * automatic minor upgrade past it would fail on that pool, and containerd 1.7 is not recommended past 1.35 (see
 * {@link SPINKUBE_MAX_MINOR}).
 */
export function versionPolicy(tier: string, options: { pinMinor?: boolean } = {}): VersionPolicy {
    if (tier === "Premium") return { supportPlan: "AKSLongTermSupport", upgradeChannel: "patch" };
    return { supportPlan: "KubernetesOfficial", upgradeChannel: options.pinMinor ? "patch" : "stable" };
}

/**
 * containerd's Kubernetes matrix: the Kubernetes minors each containerd line is recommended for (containerd
 * `RELEASES.md`@v2.3.4, "Kubernetes Support"; platform-contracts CONV-4). containerd 1.7 is listed up to 1.35
 * (1.7.28+), not for 1.36; 1.36 needs containerd 2.2 or 2.3.
 */
export const CONTAINERD_KUBERNETES_SOURCE = "containerd/containerd RELEASES.md@v2.3.4 (db88095), 'Kubernetes Support' table";
export const CONTAINERD_KUBERNETES_READ_ON = "2026-12-03";
export const CONTAINERD_KUBERNETES: Readonly<Record<string, readonly number[]>> = {
    "1.7": [32, 33, 34, 35],
    "2.0": [32, 33, 34],
    "2.1": [32, 33, 34, 35],
    "2.2": [35, 36],
    "2.3": [36],
};

/**
 * What a Wasm pool's node OS allows, as one value, so that a rule can be given another OS (a containerd-2 path) as a
 * parameter instead of being rewritten.
 */
export interface NodeRuntimeConstraint {
    /** For messages: "Ubuntu 22.04 (containerd 1.7)". */
    name: string;
    /** Why the Wasm pool runs this OS, for messages (with register ids). */
    why: string;
    /** The containerd line the OS image ships: a key of {@link CONTAINERD_KUBERNETES}. */
    containerd: string;
    /** The highest minor AKS offers the OS on. */
    aksMaxMinor: number;
    /** The highest minor AKS's long-term support allows with this OS. */
    ltsMaxMinor: number;
    /** AKS's support of the OS itself, dated. */
    osSupport: DatedSupport;
}

/**
 * The SpinKube Wasm pool today: runtime-class-manager (v0.2.0, and main in June 2026) registers the shim under
 * containerd 2's plugin only when the config file says `version = 3` (RCM-CD2); AKS's containerd-2 images (Ubuntu
 * 24.04, Azure Linux 3) write `version = 2` with containerd 2's plugin paths (OS-1), and containerd 2's migration then
 * drops RCM's runtime (CTD-MIG). So the Wasm pool runs `osSKU: Ubuntu2204` with containerd 1.7.34 (AgentBaker
 * components.json), which AKS offers on 1.25 to 1.36 and supports until 2027-06-30, and whose LTS ends at 1.32
 * (OS-2, articles/aks/upgrade-os-version.md read 2026-11-26).
 */
export const UBUNTU_2204_CONTAINERD_17: NodeRuntimeConstraint = {
    name: "Ubuntu 22.04 (containerd 1.7)",
    why:
        "the SpinKube Wasm pool runs Ubuntu 22.04 (containerd 1.7), because runtime-class-manager cannot register the " +
        "shim in the containerd 2 config AKS writes on Ubuntu 24.04 (docs/platform-contracts.md OS-1, RCM-CD2, CTD-MIG)",
    containerd: "1.7",
    aksMaxMinor: 36,
    ltsMaxMinor: 32,
    osSupport: {
        subject: "Ubuntu 22.04 node pools on AKS (the SpinKube Wasm pool's OS)",
        lastDay: "2027-06-30",
        source: "MicrosoftDocs/azure-aks-docs articles/aks/upgrade-os-version.md; Azure/AKS#5701 (images removed 2028-04-30)",
        readOn: "2026-12-03",
        // After retirement AKS creates no new Ubuntu 22.04 pool and patches none: a Wasm pool created or scaled then fails.
        afterEnd: "refuse",
    },
};

/** The highest minor a pool under `constraint` may run: AKS's offer of the OS and containerd's matrix, both. */
export function constraintMaxMinor(constraint: NodeRuntimeConstraint): number {
    return Math.min(constraint.aksMaxMinor, Math.max(...(CONTAINERD_KUBERNETES[constraint.containerd] ?? [0])));
}

/** The newest minor a SpinKube Wasm pool can run today: 1.35 (containerd 1.7 is not in containerd's matrix for 1.36). */
export const SPINKUBE_MAX_MINOR = constraintMaxMinor(UBUNTU_2204_CONTAINERD_17);
/** LTS on 1.33 or later needs Ubuntu 24.04 node pools (articles/aks/includes/ubuntu-22-04-retirement.md; OS-2). */
export const UBUNTU_2204_MAX_LTS_MINOR = UBUNTU_2204_CONTAINERD_17.ltsMaxMinor;

/**
 * The minors a Wasm pool under `constraint` can run on `today` under `tier`: in containerd's matrix for its
 * containerd line, offered by AKS with its OS, and supported by AKS on the day (LTS ones only on Premium).
 */
export function wasmPoolMinors(tier: string, today: string, constraint: NodeRuntimeConstraint = UBUNTU_2204_CONTAINERD_17): number[] {
    // Stryker disable next-line ArrayDeclaration: equivalent: for a containerd line the table lacks, a list holding a string includes no minor (a number), just as the empty list.
    const containerd = CONTAINERD_KUBERNETES[constraint.containerd] ?? [];
    const plan: SupportPlan = tier === "Premium" ? "lts" : "community";
    const max = tier === "Premium" ? Math.min(constraint.ltsMaxMinor, constraint.aksMaxMinor) : constraint.aksMaxMinor;
    return AKS_MINORS.map((m) => m.minor).filter((minor) => {
        if (!containerd.includes(minor) || minor > max) return false;
        const on = supportOn(minor, today);
        return plan === "lts" ? on !== undefined : on === "community";
    });
}

/** The cross-key check of the Wasm runtime against the version and the day: what the Wasm pool's OS can run. */
export function spinKubeVersionProblems(
    c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime: string },
    today: string = todayUtc(),
    constraint: NodeRuntimeConstraint = UBUNTU_2204_CONTAINERD_17,
): { key: string; value: string; accepted: string }[] {
    if (c.wasmRuntime !== "spinkube") return [];
    const os = judgeSupport(constraint.osSupport, today);
    if (os.refuse) {
        return [{ key: "wasmRuntime", value: c.wasmRuntime, accepted: `a runtime whose Wasm pool AKS still supports: ${constraint.why}, and ${os.message}` }];
    }
    // Stryker disable next-line ConditionalExpression: equivalent: minorOf(undefined) is undefined too (the pattern does not match "undefined"); the guard is for the type checker.
    const minor = c.kubernetesVersion === undefined ? undefined : minorOf(c.kubernetesVersion);
    if (minor === undefined) {
        if (wasmPoolMinors(c.clusterTier, today, constraint).length > 0) return [];
        return [
            {
                key: "kubernetesVersion",
                value: "",
                accepted:
                    `a minor a ${constraint.name} Wasm pool can run, but none is left on ${today} with clusterTier "${c.clusterTier}" ` +
                    `(containerd ${constraint.containerd} is recommended for ${list(CONTAINERD_KUBERNETES[constraint.containerd] ?? [])} by ${CONTAINERD_KUBERNETES_SOURCE}; AKS's calendar read ${AKS_VERSIONS_READ_ON}): ${constraint.why}`,
            },
        ];
    }
    // Stryker disable next-line ArrayDeclaration: equivalent: for a containerd line the table lacks, a list holding a string includes no minor (a number), just as the empty list.
    const containerd = CONTAINERD_KUBERNETES[constraint.containerd] ?? [];
    if (minor > constraint.aksMaxMinor || !containerd.includes(minor)) {
        return [
            {
                key: "kubernetesVersion",
                value: c.kubernetesVersion!,
                accepted:
                    `at most 1.${constraintMaxMinor(constraint)} with wasmRuntime "spinkube": ${constraint.why}, AKS offers Ubuntu 22.04 up to ` +
                    `1.${constraint.aksMaxMinor}, and containerd ${constraint.containerd} is recommended only for ${list(containerd)} (${CONTAINERD_KUBERNETES_SOURCE})`,
            },
        ];
    }
    if (c.clusterTier === "Premium" && minor > constraint.ltsMaxMinor) {
        return [
            {
                key: "kubernetesVersion",
                value: c.kubernetesVersion!,
                accepted: `at most 1.${constraint.ltsMaxMinor} with clusterTier "Premium" and wasmRuntime "spinkube": ${constraint.why}, and AKS's long-term support from 1.33 needs Ubuntu 24.04`,
            },
        ];
    }
    return [];
}

/** A warning within 30 days before the Wasm pool's OS loses AKS support (after that it is refused). */
export function spinKubeWarnings(c: { wasmRuntime: string }, today: string, constraint: NodeRuntimeConstraint = UBUNTU_2204_CONTAINERD_17): string[] {
    if (c.wasmRuntime !== "spinkube") return [];
    const os = judgeSupport(constraint.osSupport, today);
    return os.message && !os.refuse ? [`wasmRuntime=spinkube: ${os.message} Plan the move of the Wasm pool off ${constraint.name}.`] : [];
}

/**
 * The version the cluster is created with: the configured one; unset, AKS's default, except with SpinKube, where
 * AKS's default (1.36 and later) is past what the Wasm pool's containerd is recommended for. Then the newest minor
 * the pool can run on `today` is sent, preferring one whose support does not end within 30 days: 1.35 on
 * Free/Standard, 1.32 under long-term support (CONV-4). After creation the version is AKS's (the stack ignores its
 * drift), so a later change of this default changes nothing on an existing cluster.
 */
export function creationKubernetesVersion(
    c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime: string },
    today: string = todayUtc(),
    constraint: NodeRuntimeConstraint = UBUNTU_2204_CONTAINERD_17,
): string | undefined {
    if (c.kubernetesVersion !== undefined || c.wasmRuntime !== "spinkube") return c.kubernetesVersion;
    const minors = wasmPoolMinors(c.clusterTier, today, constraint);
    // In AKS_MINORS a newer minor never ends before an older one (under either plan), so whenever a minor lasts the
    // newest one does, and the newest lasting minor is the newest minor: the preference cannot change the choice with
    // this calendar (it is there for a calendar that breaks the order). Hence the equivalent mutants below.
    // Stryker disable next-line MethodExpression,ArrowFunction,ConditionalExpression,EqualityOperator: equivalent with AKS's calendar as read (see above); the killed `<` and `<=` are covered by this comment too.
    const lasting = minors.filter((m) => minorSupport(m, c.clusterTier)!.lastDay > addDays(today, WARN_DAYS_BEFORE_END));
    // Stryker disable next-line ConditionalExpression: equivalent when forced false (the newest of `minors` is the newest lasting one, see above); forced true it is killed (none lasting gives no version).
    const chosen = Math.max(...(lasting.length ? lasting : minors));
    return Number.isFinite(chosen) ? `1.${chosen}` : undefined;
}

/**
 * The kubectl release CI installs for a stack: the minor the cluster is created on (kubectl is supported within one
 * minor of the API server, Kubernetes version-skew policy; CONV-9). Unset, without SpinKube, AKS picks its default:
 * the newest community minor on the day is taken then. With SpinKube the cluster keeps its minor (patch channel).
 */
export function kubectlVersion(c: { kubernetesVersion?: string; clusterTier: string; wasmRuntime: string }, today: string = todayUtc()): string {
    return kubectlVersionFor(creationKubernetesVersion(c, today), today);
}

/** The kubectl release for a cluster created on `created` (undefined: AKS's default, the newest community minor). */
export function kubectlVersionFor(created: string | undefined, today: string = todayUtc()): string {
    // Stryker disable next-line ConditionalExpression: equivalent: minorOf(undefined) is undefined too (the pattern does not match "undefined"); the guard is for the type checker.
    const minor = (created === undefined ? undefined : minorOf(created)) ?? Math.max(...communityMinors(today));
    return `v1.${minor}.0`;
}
