/**
 * Turns on the AKS application routing Gateway API implementation (GatewayClass `approuting-istio`) together
 * with the Managed Gateway API installation (AKS installs and upgrades the standard-channel Gateway API CRDs;
 * self-managed CRDs are unsupported with this implementation).
 *
 * Why a command and not the cluster resource: the ARM properties (`ingressProfile.gatewayAPI`,
 * `ingressProfile.webAppRouting.gatewayAPIImplementations.appRoutingIstio.mode`) arrived in API version
 * 2026-02-01, and @pulumi/azure-native 3.28's `containerservice.ManagedCluster` uses API 2025-09-01, whose input
 * types have only `webAppRouting.{enabled, dnsZoneResourceIds, nginx}`. So the stack runs the documented CLI:
 * `az aks update --enable-gateway-api --enable-app-routing-istio` (GA since AKS release v20260428; core Azure CLI,
 * no aks-preview extension, from azure-cli 2.86.0). Sources: blog.aks.azure.com/2026/03/18/app-routing-gateway-api,
 * learn.microsoft.com/azure/aks/app-routing-gateway-api.
 *
 * Requirements where `pulumi up` runs: `az` ≥ 2.86.0, logged in (`az login`, or OIDC in CI) with rights to update
 * the cluster. Not compatible with the Istio service mesh add-on on the same cluster.
 *
 * On delete it disables only the Istio implementation and leaves the managed CRDs: removing them would delete
 * every Gateway API object in the cluster, including ones this stack does not own.
 *
 * Races and tug-of-war (platform-contracts AKS-4, AZN-4):
 * - AKS refuses a cluster update while an agent pool operation runs ("OperationNotAllowed ... Another agentpool
 *   operation ... is in progress"), so the command waits for every resource that operates on the cluster
 *   (`after`: the ManagedCluster, its maintenance configurations, the Wasm AgentPool).
 * - The command sets `ingressProfile.gatewayAPI.installation=Standard` and
 *   `ingressProfile.webAppRouting.gatewayAPIImplementations.appRoutingIstio.mode=Enabled` (azure-cli 2.86.1,
 *   PR #33254/#33287) and leaves `webAppRouting.enabled` as it was. The ManagedCluster ignores `ingressProfile` in
 *   gateway mode; and because a PUT through API 2025-09-01 cannot carry those fields (whether AKS keeps them is
 *   unconfirmed), the command runs again after every change of the cluster's declared shape (`reassertOn`), and
 *   is idempotent: it updates only when the cluster does not already report both settings.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** Lowest azure-cli with `--enable-app-routing-istio` and `az aks approuting gateway istio` in core. */
export const MIN_AZURE_CLI = "2.86.0";
export const APP_ROUTING_GATEWAY_CLASS = "approuting-istio";

export interface AppRoutingGatewayApiArgs {
    /** Resource group of the cluster. */
    resourceGroupName: pulumi.Input<string>;
    /** Name of the AKS cluster. */
    clusterName: pulumi.Input<string>;
    /**
     * Values whose change re-runs the enable command (replacement), e.g. the cluster's resource ID, so a
     * re-created cluster gets it again. @default [] (runs once)
     */
    triggers?: pulumi.Input<unknown>[];
    /**
     * Resources whose operations must finish before the command runs: everything that creates or updates the
     * managed cluster or its agent pools. @default []
     */
    after?: pulumi.Input<pulumi.Resource>[];
    /**
     * A digest of the cluster's declared shape; when it changes (the stack updated the cluster), the command runs
     * again, after that update, to re-assert the settings. @default "" (runs once)
     */
    reassertOn?: pulumi.Input<string>;
}

/** Shell that fails with a clear message unless `az` is at least {@link MIN_AZURE_CLI}. */
export function azureCliVersionCheck(min = MIN_AZURE_CLI): string {
    return [
        'command -v az >/dev/null 2>&1 || { echo "AppRoutingGatewayApi needs the Azure CLI (az) >= ' + min + '" >&2; exit 1; }',
        `v=$(az version --query '"azure-cli"' -o tsv)`,
        `if [ "$(printf '%s\\n%s\\n' "${min}" "$v" | sort -V | head -n 1)" != "${min}" ]; then echo "AppRoutingGatewayApi needs azure-cli >= ${min} (found $v): az upgrade" >&2; exit 1; fi`,
    ].join("\n");
}

/** The bounds of the enablement: the whole wait for AKS's update, and the poll interval. */
export const GATEWAY_ENABLE_WAIT = { timeoutSeconds: 1200, pollSeconds: 15 } as const;

/** The longest the enablement can take: one deadline for both waits (a running operation, then the update), one poll. */
export function gatewayEnableWorstCaseSeconds(w: { timeoutSeconds: number; pollSeconds: number } = GATEWAY_ENABLE_WAIT): number {
    return w.timeoutSeconds + w.pollSeconds;
}

/** az's messages when the cluster (or its resource group) does not exist. */
const GONE = "ResourceNotFound|ResourceGroupNotFound|could not be found|was not found";
/** az's messages when it has no usable login. */
const LOGGED_OUT = "az login|AADSTS|No subscription found|expired|Please run";

/**
 * The create and delete scripts. Names come in through the environment (`$RESOURCE_GROUP`, `$CLUSTER`) and are
 * quoted, so no value is ever parsed as shell.
 *
 * Create is idempotent and bounded (CONV-7): when the cluster already reports both settings it does nothing; it first
 * waits for an operation already running on the cluster (a killed earlier run's update, an upgrade), then starts
 * `az aks update --no-wait` and polls until the cluster reports both settings and `Succeeded`, all within one
 * deadline of `timeoutSeconds`, and says what it waited for when it gives up. Killed at any step, the next run finds the
 * update done, running (waits for it) or never started (starts it).
 *
 * Delete disables the Istio implementation, and succeeds without doing anything when there is nothing left to undo
 * or nothing it could undo: the cluster is gone (a `pulumi destroy` that deleted it, a resource group removed by
 * hand), the implementation is already off, or az is missing or logged out, which it reports on stderr with the
 * command to run by hand. Blocking a `pulumi destroy` on az's session would leave the stack undeletable, and a
 * still-enabled implementation on a cluster that stays is a cost, not a breakage.
 */
export function gatewayApiCommands(wait: { timeoutSeconds: number; pollSeconds: number } = GATEWAY_ENABLE_WAIT): { create: string; delete: string } {
    const target = '--resource-group "$RESOURCE_GROUP" --name "$CLUSTER"';
    // az prints the SDK models' attributes in camelCase: gateway_api -> gatewayApi (azure-cli 2.86.1, AZN-4).
    const settings = "ingressProfile.gatewayApi.installation, ingressProfile.webAppRouting.gatewayApiImplementations.appRoutingIstio.mode";
    const enable = "az aks update --enable-gateway-api --enable-app-routing-istio";
    const disable = `az aks approuting gateway istio disable ${target}`;
    return {
        create: [
            "set -eu",
            azureCliVersionCheck(),
            `current() { az aks show ${target} --query "[${settings}]" --output tsv --only-show-errors | tr -s '[:space:]' ' ' | sed 's/ $//'; }`,
            `state() { az aks show ${target} --query provisioningState --output tsv --only-show-errors; }`,
            // until_done WHAT CONDITION: polls CONDITION (a shell function) until it holds; one deadline for the script.
            "w0=$(date +%s)",
            "until_done() {",
            '  until "$2"; do',
            '    s="$(state)"',
            '    case "$s" in Failed|Canceled) echo "AppRoutingGatewayApi: $1 ended $s on $CLUSTER: az aks show --resource-group $RESOURCE_GROUP --name $CLUSTER; then run pulumi up again" >&2; exit 1 ;; esac',
            `    if [ $(( $(date +%s) - w0 )) -ge ${wait.timeoutSeconds} ]; then`,
            `      echo "AppRoutingGatewayApi: waited ${wait.timeoutSeconds}s for $1 on $CLUSTER (provisioningState $s); check az aks show --resource-group $RESOURCE_GROUP --name $CLUSTER and the Activity log, then run pulumi up again" >&2`,
            "      exit 1",
            "    fi",
            `    sleep ${wait.pollSeconds}`,
            "  done",
            "}",
            'idle() { [ "$(state)" = Succeeded ]; }',
            'enabled() { [ "$(current)" = "Standard Enabled" ] && idle; }',
            'if [ "$(current)" = "Standard Enabled" ]; then exit 0; fi',
            'until_done "the operation already running on the cluster" idle',
            // That operation may have been a killed earlier run's update: then there is nothing left to do.
            'if [ "$(current)" = "Standard Enabled" ]; then exit 0; fi',
            `${enable} ${target} --no-wait --only-show-errors --output none`,
            `until_done "${enable}" enabled`,
        ].join("\n"),
        delete: [
            "set -eu",
            `manual="${disable} --yes"`,
            'if ! command -v az >/dev/null 2>&1; then echo "AppRoutingGatewayApi: no az here, so the app routing Istio implementation of $CLUSTER is left as it is; if the cluster stays, run: $manual" >&2; exit 0; fi',
            'err="$(mktemp)"',
            `trap 'rm -f "$err"' EXIT`,
            `if ! mode="$(az aks show ${target} --query ingressProfile.webAppRouting.gatewayApiImplementations.appRoutingIstio.mode --output tsv --only-show-errors 2>"$err")"; then`,
            `  if grep -Eq '${GONE}' "$err"; then echo "AppRoutingGatewayApi: cluster $CLUSTER is gone: nothing to undo" >&2; exit 0; fi`,
            `  if grep -Eqi '${LOGGED_OUT}' "$err"; then echo "AppRoutingGatewayApi: az is not logged in, so the app routing Istio implementation of $CLUSTER is left as it is; if the cluster stays, run: az login, then $manual" >&2; exit 0; fi`,
            '  cat "$err" >&2',
            "  exit 1",
            "fi",
            'if [ "$mode" != Enabled ]; then echo "AppRoutingGatewayApi: the app routing Istio implementation of $CLUSTER is already off: nothing to undo" >&2; exit 0; fi',
            azureCliVersionCheck(),
            // Some az versions ask for confirmation; without a terminal that prompt would fail the delete.
            `yes=""; if az aks approuting gateway istio disable --help 2>/dev/null | grep -q -- "--yes"; then yes="--yes"; fi`,
            `${disable} $yes --only-show-errors --output none`,
        ].join("\n"),
    };
}

export class AppRoutingGatewayApi extends pulumi.ComponentResource {
    /** GatewayClass a Gateway uses with this implementation. */
    readonly gatewayClassName = APP_ROUTING_GATEWAY_CLASS;
    /** The enabling command: make Gateway API objects depend on it. */
    readonly enablement: command.local.Command;

    constructor(name: string, args: AppRoutingGatewayApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AppRoutingGatewayApi", name, {}, opts);
        const scripts = gatewayApiCommands();
        this.enablement = new command.local.Command(
            `${name}-enable`,
            {
                create: scripts.create,
                // An update (the cluster's shape changed) re-asserts the settings with the same idempotent script.
                update: scripts.create,
                delete: scripts.delete,
                environment: {
                    RESOURCE_GROUP: args.resourceGroupName,
                    CLUSTER: args.clusterName,
                    CLUSTER_SPEC: args.reassertOn ?? "",
                },
                triggers: args.triggers ?? [],
            },
            { parent: this, dependsOn: args.after ?? [] },
        );
        this.registerOutputs({ gatewayClassName: this.gatewayClassName });
    }
}
