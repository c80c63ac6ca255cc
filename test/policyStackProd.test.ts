/**
 * The program's prod stack, evaluated offline (SDK mocks, lib/offline/offline), passes the whole policy pack as written
 * (every policy mandatory, no config), as the deploy workflow runs it. One stack per file: the program module loads
 * once per process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { evaluateStack, mapSecrets } from "../lib/offline/offline";
import { evaluatePolicies } from "../policy/evaluate";

const ROOT = join(__dirname, "..");

test("prod stack: no violation of any policy", async () => {
    const evaluation = await evaluateStack({ projectDir: ROOT, stack: "prod" });
    const resources = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: mapSecrets(r.inputs, (v) => v) as Record<string, any> }));
    // The resources the policies are about are really there, so "no violation" means something.
    for (const type of [
        "azure-native:containerservice:ManagedCluster",
        "azure-native:containerregistry:Registry",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
    ]) {
        assert.ok(resources.some((r) => r.type === type), `prod registers a ${type}`);
    }
    assert.deepEqual(await evaluatePolicies(resources), []);
});
