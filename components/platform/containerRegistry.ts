/**
 * The stack's Azure Container Registry: no admin user, no anonymous pull, and repository permissions by ABAC
 * (role assignment mode "RBAC Registry + ABAC Repository Permissions", ARM `roleAssignmentMode:
 * AbacRepositoryPermissions`, az `--role-assignment-mode rbac-abac`; platform-contracts TRUST-4), so that an app
 * team's push right can be limited to its own repositories (AppTeamAccess).
 *
 * In that mode the legacy AcrPull/AcrPush/AcrDelete roles are not honoured (TRUST-4): the kubelet identity pulls
 * through "Container Registry Repository Reader" on the whole registry (no condition: nodes pull every app's
 * image), granted before the mode is switched so that no pull is ever refused.
 *
 * Why a command: @pulumi/azure-native 3.28's `containerregistry.Registry` uses API 2023-01-01-preview, which has no
 * `roleAssignmentMode` (TRUST-5); the property arrives in later API versions, reachable only through a locally
 * generated SDK (`pulumi package add`, which needs the CLI). So the stack runs `az acr update
 * --role-assignment-mode rbac-abac`, idempotently, after creation and again after every change of the registry's
 * declared inputs (a PUT through the older API cannot carry the property; whether ACR keeps it is unconfirmed).
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { AcrSku } from "../../config";
import { roleAssignmentName } from "../../lib/azure/azureNames";

/** Built-in role "Container Registry Repository Reader" (MicrosoftDocs azure-docs built-in-roles.md; TRUST-4). */
export const REPOSITORY_READER_ROLE = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
/** ARM's name of the ABAC repository permissions mode; az calls it `rbac-abac`. */
export const ABAC_ROLE_ASSIGNMENT_MODE = "AbacRepositoryPermissions";

/**
 * The idempotent script that switches the registry (`$RESOURCE_GROUP`, `$ACR_NAME`, from the environment, quoted)
 * to ABAC repository permissions; it changes nothing when the registry already reports the mode.
 */
export function abacModeScript(): string {
    const target = '--resource-group "$RESOURCE_GROUP" --name "$ACR_NAME"';
    return [
        "set -eu",
        'command -v az >/dev/null 2>&1 || { echo "ContainerRegistry needs the Azure CLI (az) to set the ABAC repository permissions mode" >&2; exit 1; }',
        `mode=$(az acr show ${target} --query roleAssignmentMode --output tsv --only-show-errors)`,
        `if [ "$mode" = "${ABAC_ROLE_ASSIGNMENT_MODE}" ]; then exit 0; fi`,
        `az acr update ${target} --role-assignment-mode rbac-abac --only-show-errors --output none`,
    ].join("\n");
}

export interface ContainerRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** Globally unique registry name, 5-50 lower-case alphanumerics. */
    registryName: pulumi.Input<string>;
    /**
     * SKU. Retention of untagged manifests needs `Premium` and is turned on when it is. Zone redundancy does not
     * depend on the SKU: Azure enables it for every registry (Basic, Standard, Premium) in regions with
     * availability zones (platform-contracts ACR-1).
     * @default "Basic"
     */
    sku?: AcrSku;
    /** Subscription of the registry (role definitions are addressed through it). */
    subscriptionId: pulumi.Input<string>;
    /** Object ID of the identity that pulls (the AKS kubelet identity): gets Container Registry Repository Reader. */
    pullerObjectId: pulumi.Input<string>;
    /**
     * Days to keep untagged manifests (Premium only).
     * @default 7
     */
    untaggedRetentionDays?: number;
    /** Tags on the registry. @default {} */
    tags?: Record<string, string>;
    /** Protect the registry from deletion. @default false */
    protect?: boolean;
}

export class ContainerRegistry extends pulumi.ComponentResource {
    readonly registryName: pulumi.Output<string>;
    readonly loginServer: pulumi.Output<string>;
    readonly registryId: pulumi.Output<string>;
    /** The command that switches the registry to ABAC repository permissions; pushes and team grants follow it. */
    readonly abacMode: command.local.Command;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:ContainerRegistry", name, {}, opts);
        const sku = args.sku ?? "Basic";
        const premium = sku === "Premium";

        const registry = new containerregistry.Registry(
            `${name}-acr`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                registryName: args.registryName,
                sku: { name: sku },
                adminUserEnabled: false,
                anonymousPullEnabled: false,
                // Only the property differs by SKU: ACR makes every registry in an AZ region zone-redundant and may still
                // report "Disabled" for Basic/Standard (ACR-1). Kept as created, since changing it would replace
                // the registry.
                zoneRedundancy: premium ? "Enabled" : "Disabled",
                policies: premium
                    ? { retentionPolicy: { status: "enabled", days: args.untaggedRetentionDays ?? 7 } }
                    : undefined,
                tags: args.tags ?? {},
            },
            { parent: this, protect: args.protect ?? false },
        );

        // principalType ServicePrincipal lets ARM skip the Entra ID lookup that fails while a freshly created
        // kubelet identity is still replicating.
        const kubeletReader = new authorization.RoleAssignment(
            `${name}-kubelet-repository-reader`,
            {
                scope: registry.id,
                principalId: args.pullerObjectId,
                principalType: "ServicePrincipal",
                roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${REPOSITORY_READER_ROLE}`,
                roleAssignmentName: pulumi
                    .all([registry.id, args.pullerObjectId])
                    .apply(([scope, principal]) => roleAssignmentName(scope, principal, REPOSITORY_READER_ROLE)),
            },
            { parent: this },
        );

        // After the Reader exists, so nodes never lose their pull right; again whenever the registry's declared
        // inputs change (REGISTRY_SPEC), since a PUT through API 2023-01-01-preview cannot carry the mode.
        this.abacMode = new command.local.Command(
            `${name}-abac-mode`,
            {
                create: abacModeScript(),
                update: abacModeScript(),
                environment: {
                    RESOURCE_GROUP: args.resourceGroupName,
                    ACR_NAME: registry.name,
                    REGISTRY_SPEC: pulumi.output({ sku, zoneRedundancy: premium, tags: args.tags ?? {}, days: args.untaggedRetentionDays ?? 7 })
                        .apply((spec) => createHash("sha256").update(JSON.stringify(spec)).digest("hex")),
                },
                triggers: [registry.id],
            },
            { parent: this, dependsOn: [registry, kubeletReader] },
        );

        this.registryName = registry.name;
        this.loginServer = registry.loginServer;
        this.registryId = registry.id;
        this.registerOutputs({ registryName: this.registryName, loginServer: this.loginServer });
    }
}
