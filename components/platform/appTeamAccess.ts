/**
 * Rights for app teams (config `appTeams`): for each team's namespaces, the namespace itself (the same Pod Security
 * labels as the stack's own app namespaces: `baseline` enforced for the Spin pods, `restricted` audited), and for
 * each team principal:
 * - "Container Registry Repository Writer" on the registry, with an ABAC condition that limits it to the team's own
 *   repositories (TRUST-4): for each of its namespaces `<ns>` the repositories `<ns>` (the Spin app, named after
 *   its namespace), `<ns>-container` (its container baseline) and everything under `<ns>/`. In the registry's ABAC
 *   mode (ContainerRegistry) the legacy AcrPush would not be honoured, and unconditioned it would reach every
 *   repository, the platform's and other teams';
 * - "Azure Kubernetes Service RBAC Writer" scoped to `<cluster ID>/namespaces/<namespace>` for each of its
 *   namespaces, and nothing cluster-wide (K8SRBAC-1). Writer covers what `SpinApp` deploys in ingress mode
 *   (Deployments, Services, PDBs, NetworkPolicies, HPAs, Jobs, Ingresses, pod logs) but cannot create namespaces
 *   or roles (K8SRBAC-2), which is why the platform creates the namespaces here;
 * - a Kubernetes Role and RoleBinding in each of its namespaces for the Gateway API objects an app stack's exposure
 *   creates there in `gateway` mode (HTTPRoutes; with TLS, the ReferenceGrant that lets its Gateway read the
 *   Secret): Writer's data actions name no `gateway.networking.k8s.io` resource, and Azure RBAC covers CRDs only
 *   through custom roles (SUP-5). The binding's subject is the principal as an Entra group (SUP-6).
 *
 * In `gateway` mode, also per team namespace `<ns>` the Gateway namespace `<ns>-gateway` (lib/kubernetes/appTeams.ts
 * `teamGatewayNamespace`), where the team's Gateways go and istiod runs their proxies (GWNS-1). The team can create
 * neither a namespace nor a Gateway with Writer, so the platform makes it, with the guard rails the stack's own
 * gateway namespaces get (components/app/appExposure.ts): Pod Security `baseline` enforced and `restricted` audited,
 * default-deny egress opened for the proxies to reach pods in the cluster (their backends, istiod) and nothing
 * outside it. The team gets no Azure role there, only a Role for exactly `gateways` (nothing it could run a pod,
 * read a Secret or open egress with), and ClusterGuardRails restricts what its Gateways may ask istiod for (GWNS-2).
 *
 * Role assignment names are deterministic GUIDs of (scope, principal, role), so a re-run or another deploy
 * identity never duplicates or flips them.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config";
import { appTeamNamespaces, teamGatewayNamespaces, type AppTeam } from "../../lib/kubernetes/appTeams";
import { roleAssignmentName } from "../../lib/azure/azureNames";
import { defaultDenyEgressSpec, inClusterEgressSpec } from "../../lib/kubernetes/egressPolicy";
import { POD_SECURITY_LABELS } from "../../lib/kubernetes/workloadDefaults";
import { GUARDED_NAMESPACE_LABELS, TEAM_GATEWAY_NAMESPACE_LABELS } from "../../lib/kubernetes/admissionPolicy";

/** Built-in role "Container Registry Repository Writer" (MicrosoftDocs azure-docs built-in-roles.md; TRUST-4). */
export const REPOSITORY_WRITER_ROLE = "2a1e307c-b015-4ebd-883e-5b7698a07328";
/** Built-in role "Azure Kubernetes Service RBAC Writer" (same source). */
export const AKS_RBAC_WRITER_ROLE = "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb";

export interface AppTeamAccessArgs {
    /** The teams, as `appTeams` parses them. */
    teams: AppTeam[];
    /** Provider of the cluster (creates the namespaces). */
    provider: k8s.Provider;
    /** ARM resource ID of the AKS cluster; namespace scopes hang below it. */
    clusterId: pulumi.Input<string>;
    /** ARM resource ID of the registry. */
    registryId: pulumi.Input<string>;
    /** Resources the registry grants wait for (the registry's switch to ABAC mode, without which a condition means nothing). @default [] */
    registryReady?: pulumi.Input<pulumi.Resource>[];
    /** Subscription the built-in role definitions are addressed through. */
    subscriptionId: pulumi.Input<string>;
    /**
     * Create each team namespace's Gateway namespace `<ns>-gateway` with its Role for `gateways`: the platform's
     * `ingressMode` is `gateway`. @default true
     */
    gatewayNamespaces?: boolean;
    /** What the team's Role for `gateways` waits for: the team Gateway admission policy (ClusterGuardRails). @default [] */
    gatewayRightsAfter?: pulumi.Input<pulumi.Resource>[];
}

/** Name of the Role and RoleBinding in each team Gateway namespace. */
export const TEAM_GATEWAYS_ROLE = "aks-wasm-app-team-gateways";
/**
 * What an app stack creates in its Gateway namespace `<ns>-gateway`: its Gateways, nothing else (the platform made
 * the namespace and its policies; istiod, not the team, creates the proxy's Deployment, Service, HPA and PDB).
 */
export const TEAM_GATEWAY_NAMESPACE_RESOURCES: readonly string[] = ["gateways"];

/** The scope of a namespace-scoped Azure RBAC for Kubernetes assignment. */
export function namespaceScope(clusterId: string, namespace: string): string {
    return `${clusterId}/namespaces/${namespace}`;
}

/** The Gateway API's group: its objects are CRDs, in no AKS built-in role (SUP-5). */
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
/**
 * What an app stack creates in its own namespace in `gateway` mode (components/app/appExposure.ts): HTTPRoutes (the
 * app's, and the HTTPS redirect), and with TLS one ReferenceGrant letting the Gateway's namespace read the TLS
 * Secret. The Gateway itself lives in the team's Gateway namespace `<ns>-gateway`, not here (see {@link teamGatewaysRole}).
 */
export const TEAM_GATEWAY_API_RESOURCES: readonly string[] = ["httproutes", "referencegrants"];
/** The verbs Pulumi's Kubernetes provider uses to create, read back, watch, update and delete them. */
export const TEAM_GATEWAY_API_VERBS: readonly string[] = ["get", "list", "watch", "create", "update", "patch", "delete"];
/** Name of the Role and RoleBinding in each team namespace. */
export const TEAM_ROUTES_ROLE = "aks-wasm-app-team-routes";

/** The Role in a team namespace: exactly {@link TEAM_GATEWAY_API_VERBS} on {@link TEAM_GATEWAY_API_RESOURCES}. */
export function teamRoutesRole(namespace: string) {
    return {
        metadata: { name: TEAM_ROUTES_ROLE, namespace, labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" } },
        rules: [{ apiGroups: [GATEWAY_API_GROUP], resources: [...TEAM_GATEWAY_API_RESOURCES], verbs: [...TEAM_GATEWAY_API_VERBS] }],
    };
}

/**
 * Its binding in the same namespace, to the team principals that hold the namespace, each as an Entra group: AKS
 * puts a caller's group object IDs in its Kubernetes groups (SUP-6). A user or service principal as `principalId`
 * gets Writer but not these rights: put it in a group and list the group.
 */
export function teamRoutesRoleBinding(namespace: string, principalIds: readonly string[]) {
    return {
        metadata: { name: TEAM_ROUTES_ROLE, namespace, labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: TEAM_ROUTES_ROLE },
        subjects: [...principalIds].sort().map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name })),
    };
}

/** The Role in a team Gateway namespace: exactly {@link TEAM_GATEWAY_API_VERBS} on {@link TEAM_GATEWAY_NAMESPACE_RESOURCES}. */
export function teamGatewaysRole(gatewayNamespace: string) {
    return {
        metadata: { name: TEAM_GATEWAYS_ROLE, namespace: gatewayNamespace, labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" } },
        rules: [{ apiGroups: [GATEWAY_API_GROUP], resources: [...TEAM_GATEWAY_NAMESPACE_RESOURCES], verbs: [...TEAM_GATEWAY_API_VERBS] }],
    };
}

/** Its binding, to the holders of the team namespace as Entra groups (SUP-6), as {@link teamRoutesRoleBinding}. */
export function teamGatewaysRoleBinding(gatewayNamespace: string, principalIds: readonly string[]) {
    const binding = teamRoutesRoleBinding(gatewayNamespace, principalIds);
    return { ...binding, metadata: { ...binding.metadata, name: TEAM_GATEWAYS_ROLE }, roleRef: { ...binding.roleRef, name: TEAM_GATEWAYS_ROLE } };
}

/** Labels of a team Gateway namespace: Pod Security as the stack's own gateway namespaces, and the Gateway rules' selector. */
export function teamGatewayNamespaceLabels(): Record<string, string> {
    return { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi", ...POD_SECURITY_LABELS, ...TEAM_GATEWAY_NAMESPACE_LABELS };
}

/** The repositories a team owns in the registry: per namespace `<ns>`, `<ns>-container`, and the prefix `<ns>/`. */
export function teamRepositories(namespaces: readonly string[]): { exact: string[]; prefixes: string[] } {
    return { exact: namespaces.flatMap((ns) => [ns, `${ns}-container`]), prefixes: namespaces.map((ns) => `${ns}/`) };
}

/** The repository data actions of "Container Registry Repository Writer" (TRUST-4): each must name a team repository. */
export const REPOSITORY_DATA_ACTIONS: readonly string[] = [
    "Microsoft.ContainerRegistry/registries/repositories/content/read",
    "Microsoft.ContainerRegistry/registries/repositories/content/write",
    "Microsoft.ContainerRegistry/registries/repositories/metadata/read",
    "Microsoft.ContainerRegistry/registries/repositories/metadata/write",
];

/**
 * ABAC condition (version 2.0) of a team's Writer assignment: any repository data action is allowed only on the
 * team's repositories; the `/` after a prefix keeps `quotes/` from matching `quotes-staging`'s repositories.
 */
export function teamRepositoryCondition(namespaces: readonly string[]): string {
    const { exact, prefixes } = teamRepositories(namespaces);
    const name = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
    const notActions = REPOSITORY_DATA_ACTIONS.map((a) => `!(ActionMatches{'${a}'})`).join(" AND ");
    const matches = [...exact.map((r) => `${name} StringEqualsIgnoreCase '${r}'`), ...prefixes.map((p) => `${name} StringStartsWithIgnoreCase '${p}'`)].join(" OR ");
    return `((${notActions}) OR (${matches}))`;
}

export class AppTeamAccess extends pulumi.ComponentResource {
    /** Per principal, the namespaces it may deploy into. */
    readonly namespacesByPrincipal: Record<string, string[]>;
    /** Per team namespace, the Gateway namespace created for it; empty unless `gatewayNamespaces` (contract 1.4 `teamGatewayNamespaces`). */
    readonly gatewayNamespaceByNamespace: Record<string, string>;

    constructor(name: string, args: AppTeamAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AppTeamAccess", name, {}, opts);
        const role = (id: string) => pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

        // One function names them for the resources and for the output app stacks check (contract 1.4).
        this.gatewayNamespaceByNamespace = teamGatewayNamespaces(args.teams, args.gatewayNamespaces ?? true);
        const namespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const ns of appTeamNamespaces(args.teams)) {
            namespaces[ns] = new k8s.core.v1.Namespace(
                `${name}-${ns}`,
                {
                    metadata: {
                        name: ns,
                        labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi", ...POD_SECURITY_LABELS, ...GUARDED_NAMESPACE_LABELS },
                    },
                },
                { parent: this, provider: args.provider },
            );
            // Default-deny egress but DNS (TRUST-8): the team opens what its own pods need with its own policies,
            // and the cluster refuses any policy that opens the metadata service (ClusterGuardRails).
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${ns}-default-deny-egress`,
                { metadata: { name: "default-deny-egress", namespace: namespaces[ns].metadata.name, labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" } }, spec: defaultDenyEgressSpec() },
                { parent: this, provider: args.provider },
            );
        }

        for (const ns of Object.keys(namespaces)) {
            const holders = args.teams.filter((t) => t.namespaces.includes(ns)).map((t) => t.principalId);
            const child = { parent: this, provider: args.provider, dependsOn: [namespaces[ns]] };
            const routes = new k8s.rbac.v1.Role(`${name}-${ns}-routes-role`, teamRoutesRole(ns), child);
            new k8s.rbac.v1.RoleBinding(`${name}-${ns}-routes-binding`, teamRoutesRoleBinding(ns, holders), { ...child, dependsOn: [routes] });
            const gatewayNs = this.gatewayNamespaceByNamespace[ns];
            if (gatewayNs !== undefined) this.gatewayNamespace(name, gatewayNs, holders, args.provider, args.gatewayRightsAfter ?? []);
        }

        for (const team of args.teams) {
            const short = team.principalId.slice(0, 8);
            new authorization.RoleAssignment(
                `${name}-${short}-repository-writer`,
                {
                    scope: args.registryId,
                    principalId: team.principalId,
                    roleDefinitionId: role(REPOSITORY_WRITER_ROLE),
                    condition: teamRepositoryCondition(team.namespaces),
                    conditionVersion: "2.0",
                    roleAssignmentName: pulumi.output(args.registryId).apply((scope) => roleAssignmentName(scope, team.principalId, REPOSITORY_WRITER_ROLE)),
                },
                { parent: this, dependsOn: args.registryReady ?? [] },
            );
            for (const ns of team.namespaces) {
                const scope = pulumi.output(args.clusterId).apply((id) => namespaceScope(id, ns));
                new authorization.RoleAssignment(
                    `${name}-${short}-${ns}-writer`,
                    {
                        scope,
                        principalId: team.principalId,
                        roleDefinitionId: role(AKS_RBAC_WRITER_ROLE),
                        roleAssignmentName: scope.apply((s) => roleAssignmentName(s, team.principalId, AKS_RBAC_WRITER_ROLE)),
                    },
                    // After the namespace: a Writer in a namespace that does not exist yet could create nothing there.
                    { parent: this, dependsOn: [namespaces[ns]] },
                );
            }
        }

        this.namespacesByPrincipal = Object.fromEntries(args.teams.map((t) => [t.principalId, t.namespaces]));
        this.registerOutputs({ namespacesByPrincipal: this.namespacesByPrincipal, gatewayNamespaceByNamespace: this.gatewayNamespaceByNamespace });
    }

    /** `<ns>-gateway`: the namespace, its egress fence and the holders' Role for `gateways` there. */
    private gatewayNamespace(name: string, gatewayNs: string, holders: string[], provider: k8s.Provider, rightsAfter: pulumi.Input<pulumi.Resource>[]): void {
        const o = { parent: this, provider };
        const namespace = new k8s.core.v1.Namespace(`${name}-${gatewayNs}`, { metadata: { name: gatewayNs, labels: teamGatewayNamespaceLabels() } }, o);
        const labels = { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" };
        // The proxies' egress as in the stack's own gateway namespaces (TRUST-8): DNS and pods in the cluster (the
        // team's pods, istiod); nothing outside it, never the metadata service.
        for (const [suffix, spec] of Object.entries({ "default-deny-egress": defaultDenyEgressSpec(), "in-cluster-egress": inClusterEgressSpec() })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${gatewayNs}-${suffix}`, { metadata: { name: suffix, namespace: namespace.metadata.name, labels }, spec }, o);
        }
        const child = { ...o, dependsOn: [namespace] };
        const role = new k8s.rbac.v1.Role(`${name}-${gatewayNs}-gateways-role`, teamGatewaysRole(gatewayNs), child);
        new k8s.rbac.v1.RoleBinding(`${name}-${gatewayNs}-gateways-binding`, teamGatewaysRoleBinding(gatewayNs, holders), { ...child, dependsOn: [role, ...rightsAfter] });
    }
}
