/**
 * .github/workflows/mutation.yml: mutation testing runs as its own job on pull requests that touch a mutated module
 * or its tests, and keeps its reports. (Pins, permissions and Node 24 are checked for every workflow in
 * test/workflows.test.ts.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { parse } from "yaml";
import { MUTATION_MODULES } from "../scripts/mutationModules";

const root = join(__dirname, "..");
const wf = parse(readFileSync(join(root, ".github", "workflows", "mutation.yml"), "utf8"));

/** GitHub's paths filter, for the patterns used here: `**` any path, `*` within one segment. */
const matches = (pattern: string, path: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*")}$`).test(path);

it("runs on pull requests that touch any mutated module, a test, or the runner", () => {
    const paths: string[] = wf.on.pull_request.paths;
    const covered = (file: string) => paths.some((p) => matches(p, file));
    for (const m of MUTATION_MODULES) {
        for (const pattern of m.mutate.filter((p) => !p.startsWith("!"))) {
            const file = pattern.replace("*", "kubernetesPolicies");
            assert.ok(covered(file), `${m.name}: ${file}`);
        }
    }
    for (const file of ["test/capacityPlan.refusals.test.ts", "scripts/mutation.ts", "scripts/mutationModules.ts", "package-lock.json"]) assert.ok(covered(file), file);
    assert.ok(!covered("README.md") && !covered("components/app/loadTest.ts"), "not on unrelated changes");
});

it("runs npm run mutation after npm ci, and keeps the reports even when a module is below the minimum", () => {
    const steps: { run?: string; uses?: string; if?: string; with?: Record<string, unknown> }[] = wf.jobs.mutation.steps;
    const ci = steps.findIndex((s) => s.run === "npm ci");
    const run = steps.findIndex((s) => /^npm run mutation\b/.test(s.run ?? ""));
    const upload = steps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@"));
    assert.ok(ci >= 0 && run > ci && upload > run, `${ci} < ${run} < ${upload}`);
    assert.equal(steps[upload].if, "always()");
    assert.equal(steps[upload].with?.path, "reports/mutation/");
    assert.ok(wf.jobs.mutation["timeout-minutes"] > 20, "longer than the PR test job, bounded");
    assert.deepEqual(wf.permissions, { contents: "read" });
    assert.equal(wf.jobs.mutation.permissions, undefined, "no more than read");
});
