/**
 * Gateway mode on the prod stack, evaluated offline: the `az aks update --enable-gateway-api
 * --enable-app-routing-istio` command never races an operation on the cluster or its pools, and no update of the
 * cluster plans a change to what the command enabled (platform-contracts AKS-4, AZN-4).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, readStackConfig, settle, type OfflineRun } from "../lib/offline/offline";
import { recordRegistrationOptions, type RegistrationOptions } from "./helpers/registrations";

const ROOT = join(__dirname, "..");
let evaluation: OfflineRun;
let options: Map<string, RegistrationOptions>;

before(async () => {
    // lib/offline/offline.ts's evaluateStack, with the option recorder installed between the mocks and the program.
    evaluation = await installOfflineMocks({ stack: "prod", config: readStackConfig(ROOT, "prod") });
    options = recordRegistrationOptions();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(ROOT, "index"));
    await settle();
});

function urnOf(type: string, name: string): string {
    const o = options.get(`${type}::${name}`);
    assert.ok(o, `no ${type} ${name} registered`);
    return o.urn;
}

describe("gateway mode (prod stack)", () => {
    it("enables the gateway only after the cluster, its maintenance configurations and the Wasm pool", () => {
        const deps = options.get("command:local:Command::gateway-api-enable")!.dependencies;
        for (const [type, name] of [
            ["azure-native:containerservice:ManagedCluster", "aks-wasm-aks"],
            ["azure-native:containerservice:MaintenanceConfiguration", "aks-wasm-aksManagedAutoUpgradeSchedule"],
            ["azure-native:containerservice:MaintenanceConfiguration", "aks-wasm-aksManagedNodeOSUpgradeSchedule"],
            ["azure-native:containerservice:AgentPool", "wasm-pool"],
        ]) {
            assert.ok(deps.includes(urnOf(type, name)), `the enable command does not wait for ${name}`);
        }
    });

    it("the cluster ignores the ingress profile the command changed, and the versions auto-upgrade moves", () => {
        assert.deepEqual(options.get("azure-native:containerservice:ManagedCluster::aks-wasm-aks")!.ignoreChanges, [
            "kubernetesVersion",
            "agentPoolProfiles[0].orchestratorVersion",
            "ingressProfile",
        ]);
        const aks = evaluation.resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster")!;
        assert.deepEqual(aks.inputs.ingressProfile, { webAppRouting: { enabled: false } }, "no managed NGINX in gateway mode");
    });

    it("re-runs the enablement when the cluster's declared shape changes", () => {
        const cmd = evaluation.resources.find((r) => r.type === "command:local:Command" && r.name === "gateway-api-enable")!;
        assert.match(cmd.inputs.environment.CLUSTER_SPEC, /^[0-9a-f]{64}$/);
        assert.equal(cmd.inputs.update, cmd.inputs.create);
    });
});

// The enable and delete scripts against a stand-in az, failed and killed at each step: test/faultInjection.test.ts.
