/**
 * The stack's Azure Container Registry: no admin user, no anonymous pull, and AcrPull for the cluster's kubelet
 * identity, so nodes pull with their managed identity and nobody holds a registry password.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import type { AcrSku } from "../../config";
import { roleAssignmentName } from "../../lib/azureNames";

/** Built-in role "AcrPull". */
export const ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

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
    /** Object ID of the identity that pulls (the AKS kubelet identity). */
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
        new authorization.RoleAssignment(
            `${name}-kubelet-acrpull`,
            {
                scope: registry.id,
                principalId: args.pullerObjectId,
                principalType: "ServicePrincipal",
                roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
                roleAssignmentName: pulumi
                    .all([registry.id, args.pullerObjectId])
                    .apply(([scope, principal]) => roleAssignmentName(scope, principal, ACR_PULL_ROLE)),
            },
            { parent: this },
        );

        this.registryName = registry.name;
        this.loginServer = registry.loginServer;
        this.registryId = registry.id;
        this.registerOutputs({ registryName: this.registryName, loginServer: this.loginServer });
    }
}
