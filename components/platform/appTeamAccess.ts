/**
 * Rights for app teams (config `appTeams`): for each team's namespaces, the namespace itself (the same Pod Security
 * labels as the stack's own app namespaces: `baseline` enforced for the Spin pods, `restricted` audited), and for
 * each team principal:
 * - "AcrPush" on the registry, to push its Spin apps (platform-contracts K8SRBAC-4);
 * - "Azure Kubernetes Service RBAC Writer" scoped to `<cluster ID>/namespaces/<namespace>` for each of its
 *   namespaces, and nothing cluster-wide (K8SRBAC-1). Writer covers what `SpinApp` deploys in ingress mode
 *   (Deployments, Services, PDBs, NetworkPolicies, HPAs, Jobs, Ingresses, pod logs) but cannot create namespaces
 *   or roles (K8SRBAC-2), which is why the platform creates the namespaces here.
 *
 * Role assignment names are deterministic GUIDs of (scope, principal, role), so a re-run or another deploy
 * identity never duplicates or flips them.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config";
import { appTeamNamespaces, type AppTeam } from "../../lib/appTeams";
import { roleAssignmentName } from "../../lib/azureNames";
import { POD_SECURITY_LABELS } from "../../lib/workloadDefaults";

/** Built-in role "AcrPush" (MicrosoftDocs/azure-docs built-in-roles/containers.md). */
export const ACR_PUSH_ROLE = "8311e382-0749-4cb8-b61a-304f252e45ec";
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
    /** Subscription the built-in role definitions are addressed through. */
    subscriptionId: pulumi.Input<string>;
}

/** The scope of a namespace-scoped Azure RBAC for Kubernetes assignment. */
export function namespaceScope(clusterId: string, namespace: string): string {
    return `${clusterId}/namespaces/${namespace}`;
}

export class AppTeamAccess extends pulumi.ComponentResource {
    /** Per principal, the namespaces it may deploy into. */
    readonly namespacesByPrincipal: Record<string, string[]>;

    constructor(name: string, args: AppTeamAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AppTeamAccess", name, {}, opts);
        const role = (id: string) => pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

        const namespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const ns of appTeamNamespaces(args.teams)) {
            namespaces[ns] = new k8s.core.v1.Namespace(
                `${name}-${ns}`,
                {
                    metadata: {
                        name: ns,
                        labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi", ...POD_SECURITY_LABELS },
                    },
                },
                { parent: this, provider: args.provider },
            );
        }

        for (const team of args.teams) {
            const short = team.principalId.slice(0, 8);
            new authorization.RoleAssignment(
                `${name}-${short}-acrpush`,
                {
                    scope: args.registryId,
                    principalId: team.principalId,
                    roleDefinitionId: role(ACR_PUSH_ROLE),
                    roleAssignmentName: pulumi.output(args.registryId).apply((scope) => roleAssignmentName(scope, team.principalId, ACR_PUSH_ROLE)),
                },
                { parent: this },
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
        this.registerOutputs({ namespacesByPrincipal: this.namespacesByPrincipal });
    }
}
