/**
 * The `appTeams` config key: which Entra ID principals (an app team's deploy identity or group) may deploy Spin
 * apps into which namespaces of the platform. Each team is one string, `<object ID>=<namespace>[,<namespace>…]`,
 * settable with one `pulumi config set --path` line: typed `object` config arrived only in Pulumi CLI 3.186
 * (pulumi/pulumi #20129; the vendored schemas/pulumi-project.schema.json predates it), and strings work with any CLI:
 *
 *   pulumi config set --path 'appTeams[0]' '11111111-2222-3333-4444-555555555555=quotes,quotes-staging'
 */

/** One app team: a principal and the namespaces it may deploy into. */
export interface AppTeam {
    /** Entra ID object ID of the user, group or service principal (an app stack's deploy identity). */
    principalId: string;
    /** Namespaces the platform creates for the team and grants it "Azure Kubernetes Service RBAC Writer" in. */
    namespaces: string[];
}

/**
 * Namespaces no app team may be given: Kubernetes' and AKS's own, and the ones this platform installs into
 * (runtime-class-manager runs privileged installers there; app-routing-system and aks-istio-* hold the ingress
 * proxies). A team that held one could run pods beside the platform's, under its Pod Security exceptions. The
 * `<app>-gateway` namespaces of the stack's apps are refused too ({@link reservedNamespaceProblems}).
 */
export const RESERVED_NAMESPACES: readonly string[] = [
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",
    "app-routing-system",
    "aks-istio-system",
    "aks-istio-ingress",
    "aks-istio-egress",
    "runtime-class-manager",
    // The containerd-2 shim installer's privileged namespace (components/platform/shimInstaller.ts).
    "aks-wasm-shim-installer",
    // Not a namespace the platform runs, but a team namespace `<ns>` owns the registry repositories `<ns>/…`
    // (AppTeamAccess): `spinkube/…` holds the runtime's mirrored images (components/platform/runtimeImageMirror.ts).
    "spinkube",
];

/** Suffix of the namespace the platform creates beside each team namespace for the team's Gateways. */
export const TEAM_GATEWAY_SUFFIX = "-gateway";

/**
 * The namespace where an app team's Gateways (and the gateway proxies istiod deploys for them: GWNS-1) live, beside
 * the team namespace `namespace`: `<namespace>-gateway`. The platform creates it (AppTeamAccess) with its guard rails
 * and a Role for `gateways`; an app stack that does not create namespaces (`SpinApp` `createNamespace: false`) puts
 * its Gateway there. The same shape as the stack's own apps' `<app>-gateway`, so one name can never serve both.
 */
export function teamGatewayNamespace(namespace: string): string {
    return `${namespace}${TEAM_GATEWAY_SUFFIX}`;
}

/**
 * Per team namespace, the Gateway namespace the platform creates for it ({@link teamGatewayNamespace}), in the
 * order the teams name them; empty unless the platform creates them (`gatewayMode`, i.e. `ingressMode: gateway`).
 * Published as the outputs contract's `teamGatewayNamespaces` (since 1.4), so an app stack that does not create its
 * namespace learns, before it registers anything, whether its `<ns>-gateway` exists (lib/contract/platformContract.ts).
 */
export function teamGatewayNamespaces(teams: AppTeam[], gatewayMode: boolean): Record<string, string> {
    if (!gatewayMode) return {};
    return Object.fromEntries(appTeamNamespaces(teams).map((ns) => [ns, teamGatewayNamespace(ns)]));
}

/** Longest team namespace whose `<ns>-gateway` is still a DNS-1123 label (63 characters). */
export const MAX_TEAM_NAMESPACE_LENGTH = 63 - TEAM_GATEWAY_SUFFIX.length;

/** Kubernetes reserves the `kube-` prefix for its own namespaces. */
const RESERVED_PREFIX = "kube-";

/** Whether `namespace` is one the platform or Kubernetes reserves (without the stack's app names). */
export function isReservedNamespace(namespace: string): boolean {
    return RESERVED_NAMESPACES.includes(namespace) || namespace.startsWith(RESERVED_PREFIX);
}

/**
 * The namespaces reserved by the stack's own apps: each app's namespace (the app creates it) and its Gateway's
 * `<app>-gateway` namespace, where the gateway proxy runs (components/app/appExposure.ts `defaultGatewayNamespace`;
 * refused whatever the ingress mode, so that turning `gateway` mode on later cannot hand a team the proxy's namespace).
 */
export function appReservedNamespaces(apps: readonly string[]): Map<string, string> {
    const reserved = new Map<string, string>();
    for (const app of apps) {
        reserved.set(app, `the namespace of the stack's own app "${app}"`);
        reserved.set(`${app}-gateway`, `the Gateway namespace of the stack's app "${app}"`);
    }
    return reserved;
}

/** One message per team entry that claims a namespace of the stack's apps, naming the entry and the owner. */
export function reservedNamespaceProblems(teams: readonly AppTeam[], apps: readonly string[]): string[] {
    const reserved = appReservedNamespaces(apps);
    const problems: string[] = [];
    for (const team of teams) {
        for (const ns of team.namespaces) {
            const owner = reserved.get(ns);
            if (owner) problems.push(`entry "${team.principalId}=${team.namespaces.join(",")}": namespace "${ns}" is ${owner}`);
            // The platform creates `<ns>-gateway` for the team (AppTeamAccess): it must not be an app's namespace or its gateway's.
            const gatewayOwner = reserved.get(teamGatewayNamespace(ns));
            if (gatewayOwner) {
                problems.push(
                    `entry "${team.principalId}=${team.namespaces.join(",")}": the Gateway namespace "${teamGatewayNamespace(ns)}" of its namespace "${ns}" is ${gatewayOwner}`,
                );
            }
        }
    }
    return problems;
}

/**
 * One message per team namespace that is another entry's (or the same entry's) `<ns>-gateway`: the team holding it
 * would run its pods, with Writer, in the namespace where the other team's gateway proxy runs, and both would be
 * created twice. Names both entries.
 */
export function teamGatewayCollisionProblems(teams: readonly AppTeam[]): string[] {
    const entry = (t: AppTeam) => `"${t.principalId}=${t.namespaces.join(",")}"`;
    const gatewayOf = new Map<string, AppTeam>();
    for (const team of teams) for (const ns of team.namespaces) if (!gatewayOf.has(teamGatewayNamespace(ns))) gatewayOf.set(teamGatewayNamespace(ns), team);
    const problems: string[] = [];
    for (const team of teams) {
        for (const ns of team.namespaces) {
            const owner = gatewayOf.get(ns);
            if (owner) {
                const base = ns.slice(0, -TEAM_GATEWAY_SUFFIX.length);
                problems.push(`entry ${entry(team)}: namespace "${ns}" is the Gateway namespace the platform creates for namespace "${base}" of entry ${entry(owner)}`);
            }
        }
    }
    return problems;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const APP_TEAMS_ACCEPTED =
    'a list of "<Entra object ID>=<namespace>[,<namespace>...]" strings, one per principal (lower-case GUID; ' +
    `namespaces are DNS-1123 labels of at most ${MAX_TEAM_NAMESPACE_LENGTH} characters, not ${RESERVED_NAMESPACES.join(", ")}, not kube-*, ` +
    "not an app's own or <app>-gateway namespace, and not the <namespace>-gateway the platform creates for another team namespace)";

/** Parses one entry; returns the team, or what is wrong with it. */
export function parseAppTeam(entry: unknown): AppTeam | string {
    if (typeof entry !== "string") return `${JSON.stringify(entry)} is not a string`;
    const eq = entry.indexOf("=");
    if (eq < 0) return `${JSON.stringify(entry)} has no "="`;
    const principalId = entry.slice(0, eq);
    const namespaces = entry.slice(eq + 1).split(",");
    if (!GUID.test(principalId)) return `${JSON.stringify(principalId)} is not a lower-case object ID (GUID)`;
    for (const ns of namespaces) {
        if (!DNS_1123_LABEL.test(ns)) return `namespace ${JSON.stringify(ns)} of ${principalId} is not a DNS-1123 label`;
        if (isReservedNamespace(ns)) return `entry ${JSON.stringify(entry)}: namespace ${JSON.stringify(ns)} of ${principalId} is reserved for the platform or Kubernetes`;
        if (ns.length > MAX_TEAM_NAMESPACE_LENGTH) {
            return `entry ${JSON.stringify(entry)}: namespace ${JSON.stringify(ns)} of ${principalId} is longer than ${MAX_TEAM_NAMESPACE_LENGTH} characters (its Gateway namespace "${teamGatewayNamespace(ns)}" must be at most 63)`;
        }
        if (isReservedNamespace(teamGatewayNamespace(ns))) {
            return `entry ${JSON.stringify(entry)}: namespace ${JSON.stringify(ns)} of ${principalId} would get the Gateway namespace "${teamGatewayNamespace(ns)}", which is reserved for the platform or Kubernetes`;
        }
    }
    if (new Set(namespaces).size !== namespaces.length) return `${principalId} lists a namespace twice`;
    return { principalId, namespaces };
}

/** The config rule: raw JSON list in, teams out, or one message naming every bad entry. */
export function parseAppTeams(raw: string): { value: AppTeam[] } | { accepted: string } {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        return { accepted: APP_TEAMS_ACCEPTED };
    }
    if (!Array.isArray(parsed)) return { accepted: APP_TEAMS_ACCEPTED };
    const teams: AppTeam[] = [];
    const problems: string[] = [];
    for (const entry of parsed) {
        const team = parseAppTeam(entry);
        if (typeof team === "string") problems.push(team);
        else if (teams.some((t) => t.principalId === team.principalId)) problems.push(`${team.principalId} is listed twice`);
        else teams.push(team);
    }
    problems.push(...teamGatewayCollisionProblems(teams));
    return problems.length === 0 ? { value: teams } : { accepted: `${APP_TEAMS_ACCEPTED}; ${problems.join("; ")}` };
}

/** Every namespace of every team, once, in order of first mention. */
export function appTeamNamespaces(teams: AppTeam[]): string[] {
    return [...new Set(teams.flatMap((t) => t.namespaces))];
}
