/**
 * Who administers the cluster: fixed in config, never taken from whoever runs the program. A role assignment whose
 * principal came from `getClientConfig` flipped (a replacement in the plan) whenever CI, a colleague or a PR
 * identity ran `pulumi preview` (platform-contracts AZN-3).
 */

/** The all-zero GUID the example stacks carry until a real object ID is set. */
export const PLACEHOLDER_PRINCIPAL_ID = "00000000-0000-0000-0000-000000000000";

type AdminConfig = { clusterAdminPrincipalIds: string[]; adminGroupObjectIds: string[] };

/**
 * With Azure RBAC and local accounts disabled, an identity with no role on the cluster cannot apply a single
 * Kubernetes object, so `pulumi up` would create the cluster and then fail on its first manifest. Refuse that
 * up front, naming the keys.
 */
export function clusterAdminProblems(c: AdminConfig): { key: string; value: string; accepted: string }[] {
    if (c.clusterAdminPrincipalIds.length > 0 || c.adminGroupObjectIds.length > 0) return [];
    return [
        {
            key: "clusterAdminPrincipalIds",
            value: "[]",
            accepted:
                "the object ID of at least one service principal that runs `pulumi up` (e.g. the CI deploy identity: " +
                "az ad sp show --id <client-id> --query id -o tsv), or Entra ID groups in adminGroupObjectIds; " +
                "without a cluster admin the deployment cannot apply any Kubernetes object",
        },
    ];
}

/** A placeholder left in a stack file deploys a role assignment ARM refuses (no such principal): say so early. */
export function clusterAdminWarnings(c: AdminConfig): string[] {
    return c.clusterAdminPrincipalIds.includes(PLACEHOLDER_PRINCIPAL_ID)
        ? [
              `clusterAdminPrincipalIds holds the placeholder ${PLACEHOLDER_PRINCIPAL_ID}: replace it with the object ID ` +
                  "of the service principal that deploys this stack (pulumi config set --path 'clusterAdminPrincipalIds[0]' <object-id>); " +
                  "ARM refuses a role assignment for a principal that does not exist.",
          ]
        : [];
}
