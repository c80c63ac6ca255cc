/**
 * scripts/mutationModules.ts: which tests `npm run mutation` runs against each module, and how the report is scored
 * (docs/mutation-testing.md). A module mutated against the wrong tests reports a score that means nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
    allReachMinimum,
    formatScores,
    MUTATION_MODULES,
    pickModules,
    readRepositoryFile,
    repositoryTestFiles,
    scoreReport,
    testFilesFor,
    type MutationModule,
} from "../scripts/mutationModules";

const root = join(__dirname, "..");

describe("mutation modules", () => {
    const module: MutationModule = { name: "m", mutate: ["lib/m.ts"], importedAs: /^\.\.\/lib\/m$/, alsoRun: ["test/extra.test.ts"], leaveOut: { "test/slow.test.ts": "slow" } };
    const files: Record<string, string> = {
        "test/a.test.ts": 'import { x } from "../lib/m";',
        "test/b.test.ts": 'const m = await import("../lib/m.js");',
        "test/c.test.ts": 'import { y } from "../lib/mm";\nimport { z } from "../lib/m/other";',
        "test/slow.test.ts": 'import { x } from "../lib/m";',
        "test/d.test.ts": "const m = require('../lib/m');",
    };

    it("runs the test files that import the module (static, dynamic or require), its alsoRun, not its leaveOut", () => {
        assert.deepEqual(testFilesFor(module, (f) => files[f], Object.keys(files)), ["test/a.test.ts", "test/b.test.ts", "test/d.test.ts", "test/extra.test.ts"]);
    });

    it("finds tests for every module in this repository, none of them left out by name only", () => {
        const tests = repositoryTestFiles(root);
        for (const m of MUTATION_MODULES) {
            const chosen = testFilesFor(m, readRepositoryFile(root), tests);
            assert.ok(chosen.length > 0, m.name);
            for (const f of chosen) assert.ok(tests.includes(f), `${m.name}: ${f} exists`);
            for (const f of Object.keys(m.leaveOut ?? {})) assert.ok(!chosen.includes(f), `${m.name} leaves out ${f}`);
        }
    });

    it("picks modules by name, all by default, and refuses an unknown name naming the known ones", () => {
        assert.equal(pickModules([]).length, MUTATION_MODULES.length);
        assert.deepEqual(pickModules(["policy", "config"]).map((m) => m.name), ["config", "policy"]);
        assert.throws(() => pickModules(["capacityplan"]), /unknown module\(s\) capacityplan; known: .*capacityPlan/);
    });
});

describe("mutation score", () => {
    const report = (...statuses: string[]) => ({ files: { "a.ts": { mutants: statuses.slice(0, 3).map((status) => ({ status })) }, "b.ts": { mutants: statuses.slice(3).map((status) => ({ status })) } } });

    it("counts killed and timed-out mutants as detected, over the valid ones", () => {
        const s = scoreReport("m", report("Killed", "Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "RuntimeError", "Ignored"));
        assert.deepEqual(s, { module: "m", killed: 2, timeout: 1, survived: 1, noCoverage: 1, notCounted: 3, score: 60 });
        assert.equal(scoreReport("m", report("Ignored")).score, null);
    });

    it("passes only when every module reaches 85 %", () => {
        const at = (score: number | null) => ({ module: "m", killed: 0, timeout: 0, survived: 0, noCoverage: 0, notCounted: 0, score });
        assert.equal(allReachMinimum([at(85), at(100)]), true);
        assert.equal(allReachMinimum([at(85), at(84.9)]), false);
        assert.equal(allReachMinimum([at(null)]), false, "a module without valid mutants mutated nothing");
    });

    it("prints one row per module with its score, marking those below 85 %", () => {
        const text = formatScores([scoreReport("capacityPlan", report("Killed", "Survived")), scoreReport("policy", report("Killed", "Killed", "Killed", "Killed", "Killed", "Killed", "Killed", "Killed", "Killed"))]);
        const [header, first, second] = text.split("\n");
        assert.match(header, /^module +killed +timeout +survived +no cover +not counted +score$/);
        assert.match(first, /^capacityPlan +1 +0 +1 +0 +0 +50\.0 % +< 85 %$/);
        assert.match(second, /^policy +9 +0 +0 +0 +0 +100\.0 %$/);
    });
});
