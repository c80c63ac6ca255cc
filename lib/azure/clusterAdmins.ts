/**
 * Who administers the cluster: fixed in config, never taken from whoever runs the program. A role assignment whose
 * principal came from `getClientConfig` flipped (a replacement in the plan) whenever CI, a colleague or a PR
 * identity ran `pulumi preview` (platform-contracts AZN-3).
 *
 * Three kinds of principal, one config key each, because ARM wants the `principalType` of each role assignment
 * (it skips the directory lookup that fails while a new identity replicates): service principals (CI's deploy
 * identity), users (a person deploying from a laptop) and Entra ID groups.
 */

/** The all-zero GUID the example stacks carry until a real object ID is set. */
export const PLACEHOLDER_PRINCIPAL_ID = "00000000-0000-0000-0000-000000000000";

/** The config keys that name cluster admins, and what each holds. */
export interface AdminConfig {
    clusterAdminPrincipalIds: string[];
    adminUserObjectIds: string[];
    adminGroupObjectIds: string[];
}

export type AdminKey = keyof AdminConfig;

/** Per key: the ARM `principalType` of its role assignments, and the command that prints an object ID for it. */
export const ADMIN_KEYS: Readonly<Record<AdminKey, { principalType: "ServicePrincipal" | "User" | "Group"; objectIdCommand: string; what: string }>> = {
    clusterAdminPrincipalIds: {
        principalType: "ServicePrincipal",
        what: "the service principal that runs `pulumi up` (e.g. CI's deploy identity)",
        objectIdCommand: "az ad sp show --id <client-id> --query id -o tsv",
    },
    adminUserObjectIds: {
        principalType: "User",
        what: "a person who runs `pulumi up` from a laptop",
        objectIdCommand: "az ad signed-in-user show --query id -o tsv",
    },
    adminGroupObjectIds: {
        principalType: "Group",
        what: "an Entra ID group whose members run `pulumi up`",
        objectIdCommand: "az ad group show -g <name> --query id -o tsv",
    },
};

const KEYS = Object.keys(ADMIN_KEYS) as AdminKey[];

const howToSet = (key: AdminKey) =>
    `${ADMIN_KEYS[key].what}: ${ADMIN_KEYS[key].objectIdCommand}, then pulumi config set --path '${key}[0]' <object-id>`;

/**
 * With Azure RBAC and local accounts disabled, an identity with no role on the cluster cannot apply a single
 * Kubernetes object, and ARM refuses a role assignment for a principal that does not exist (the placeholder): either
 * way `pulumi up` creates the cluster and then fails. config/parse.ts refuses these on `pulumi up` and warns in a preview
 * (platform-contracts AZN-3, CONV-1).
 */
export function clusterAdminProblems(c: AdminConfig): { key: string; value: string; accepted: string }[] {
    const problems: { key: string; value: string; accepted: string }[] = [];
    for (const key of KEYS) {
        if (c[key].includes(PLACEHOLDER_PRINCIPAL_ID)) {
            problems.push({
                key,
                value: JSON.stringify(c[key]),
                accepted:
                    `real object IDs, not the placeholder ${PLACEHOLDER_PRINCIPAL_ID} (ARM refuses a role assignment for a ` +
                    `principal that does not exist): the object ID of ${howToSet(key)}`,
            });
        }
    }
    const real = KEYS.some((key) => c[key].some((id) => id !== PLACEHOLDER_PRINCIPAL_ID));
    if (!real && problems.length === 0) {
        problems.push({
            key: "clusterAdminPrincipalIds",
            value: "[]",
            accepted:
                "the object ID of at least one cluster admin; without one the deployment cannot apply any Kubernetes " +
                `object. Set one of: clusterAdminPrincipalIds, ${howToSet("clusterAdminPrincipalIds")}; ` +
                `adminUserObjectIds, ${howToSet("adminUserObjectIds")}; adminGroupObjectIds, ${howToSet("adminGroupObjectIds")}`,
        });
    }
    return problems;
}

/** What a preview says instead of refusing: the same problems, as warnings (`pulumi up` would stop on them). */
export function clusterAdminWarnings(c: AdminConfig): string[] {
    return clusterAdminProblems(c).map(
        (p) => `${p.key} = ${p.value}: \`pulumi up\` will refuse this stack; set ${p.accepted}`,
    );
}
