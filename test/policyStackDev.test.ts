/**
 * The program's dev stack, evaluated offline (SDK mocks, lib/offline/offline), passes the policy pack with policy/dev.json:
 * no mandatory violation, so the deploy workflow's `pulumi up --policy-pack policy` is not blocked. One stack per
 * file: the program module loads once per process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateStack, mapSecrets } from "../lib/offline/offline";
import { evaluatePolicies, type PackConfig } from "../policy/evaluate";

const ROOT = join(__dirname, "..");

test("dev stack: no mandatory violation under policy/dev.json; advisories only from prod-only policies", async () => {
    const evaluation = await evaluateStack({ projectDir: ROOT, stack: "dev" });
    const resources = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: mapSecrets(r.inputs, (v) => v) as Record<string, any> }));
    assert.ok(resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"), "the program registers Deployments");
    const config = JSON.parse(readFileSync(join(ROOT, "policy", "dev.json"), "utf8")) as PackConfig;
    const violations = await evaluatePolicies(resources, config);
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    assert.deepEqual(mandatory, []);
    for (const v of violations) assert.ok(v.policy in config, `${v.policy} relaxed by dev.json`);
});
