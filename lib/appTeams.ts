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

/** Namespaces no app team may be given: Kubernetes' and AKS's own, and the ones this platform installs into. */
export const RESERVED_NAMESPACES: readonly string[] = [
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",
    "app-routing-system",
    "aks-istio-system",
    "runtime-class-manager",
    // The containerd-2 shim installer's privileged namespace (components/platform/shimInstaller.ts).
    "aks-wasm-shim-installer",
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const APP_TEAMS_ACCEPTED =
    'a list of "<Entra object ID>=<namespace>[,<namespace>...]" strings, one per principal (lower-case GUID; ' +
    `namespaces are DNS-1123 labels, not ${RESERVED_NAMESPACES.join(", ")})`;

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
        if (RESERVED_NAMESPACES.includes(ns)) return `namespace ${JSON.stringify(ns)} of ${principalId} is reserved`;
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
    return problems.length === 0 ? { value: teams } : { accepted: `${APP_TEAMS_ACCEPTED}; ${problems.join("; ")}` };
}

/** Every namespace of every team, once, in order of first mention. */
export function appTeamNamespaces(teams: AppTeam[]): string[] {
    return [...new Set(teams.flatMap((t) => t.namespaces))];
}
