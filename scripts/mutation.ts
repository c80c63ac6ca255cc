/**
 * `npm run mutation [-- <module>…] [--concurrency <n>] [--summary] [--survivors]`
 *
 * Mutation testing with StrykerJS (docs/mutation-testing.md). Each module named (all of them when none is) is
 * mutated in its own Stryker run against only its test files (scripts/mutationModules.ts), with Stryker's
 * command runner: `node --import tsx --test <files>` (Stryker has no node:test runner). Reports go to
 * `reports/mutation/<module>.html` and `.json`; a table of killed / survived / score per module ends the run.
 *   npm run mutation                          every module, one after the other
 *   npm run mutation -- capacityPlan policy   those two
 *   npm run mutation -- --summary             only the table, from the reports already written
 *   npm run mutation -- --survivors capacityPlan   the table and each surviving mutant (file:line, mutator, replacement)
 *
 * Exit codes: 0 every module reported reached 85 %; 1 one did not (or Stryker failed); 2 bad arguments.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Stryker as StrykerRun } from "@stryker-mutator/core" with { "resolution-mode": "import" };
import {
    allReachMinimum,
    formatScores,
    MINIMUM_SCORE,
    type MutationModule,
    type MutationReport,
    pickModules,
    readRepositoryFile,
    repositoryTestFiles,
    scoreReport,
    testFilesFor,
} from "./mutationModules";

type LogLevel = NonNullable<NonNullable<ConstructorParameters<typeof StrykerRun>[0]>["logLevel"]>;

const ROOT = resolve(__dirname, "..");
const REPORTS = join(ROOT, "reports", "mutation");

interface SurvivorReport {
    files: Record<string, { source: string; mutants: { status: string; mutatorName: string; replacement?: string; location: { start: { line: number } } }[] }>;
}

async function runModule(module: MutationModule, tests: string[], concurrency: number): Promise<void> {
    // Stryker's package is ESM only; a dynamic import keeps this CommonJS script loadable by tsx.
    const { Stryker } = await import("@stryker-mutator/core");
    // One process for all the module's test files (--test-isolation=none): about half the time per mutant of a
    // process per file. A module whose test files disturb each other in one process sets `isolate`.
    const isolation = module.isolate ? [] : ["--test-isolation=none"];
    const command = [JSON.stringify(process.execPath), "--import", "tsx", "--test", ...isolation, "--test-reporter=dot", ...tests].join(" ");
    console.log(`\n== ${module.name}: mutating ${module.mutate.join(", ")} against ${tests.join(" ")}`);
    const stryker = new Stryker({
        mutate: module.mutate,
        testRunner: "command",
        commandRunner: { command },
        coverageAnalysis: "off",
        concurrency,
        // A loaded machine (CI, or seven engineers on two cores) slows a run down; a spurious timeout would count
        // as a killed mutant, so the allowance is generous (it only costs time when a mutant really hangs).
        timeoutMS: 20000,
        timeoutFactor: 2,
        reporters: ["html", "json", "progress"],
        htmlReporter: { fileName: join(REPORTS, `${module.name}.html`) },
        jsonReporter: { fileName: join(REPORTS, `${module.name}.json`) },
        tempDirName: join(".stryker-tmp", module.name),
        ignorePatterns: ["/reports", "/docs", "/bench", "/.stryker-tmp"],
        thresholds: { high: 90, low: MINIMUM_SCORE, break: null },
        logLevel: "info" as LogLevel,
        fileLogLevel: "off" as LogLevel,
    });
    await stryker.runMutationTest();
}

function printSurvivors(module: string, report: SurvivorReport): void {
    for (const [file, { source, mutants }] of Object.entries(report.files)) {
        const lines = source.split("\n");
        for (const m of mutants.filter((x) => x.status === "Survived" || x.status === "NoCoverage")) {
            const line = m.location.start.line;
            console.log(`${module}  ${file}:${line}  ${m.mutatorName}  ${JSON.stringify(m.replacement ?? "")}  | ${lines[line - 1]?.trim()}`);
        }
    }
}

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            allowPositionals: true,
            options: {
                concurrency: { type: "string", default: "2" },
                summary: { type: "boolean", default: false },
                survivors: { type: "boolean", default: false },
            },
        });
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    const concurrency = Number(args.values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        console.error(`--concurrency ${args.values.concurrency}: a whole number ≥ 1 (1-2 on a shared machine)`);
        return 2;
    }
    let modules: MutationModule[];
    try {
        modules = pickModules(args.positionals);
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    mkdirSync(REPORTS, { recursive: true });
    const started = Date.now();
    const failed: string[] = [];
    if (!args.values.summary) {
        const allTests = repositoryTestFiles(ROOT);
        for (const module of modules) {
            // An old report must not pass for this run's if the run fails.
            rmSync(join(REPORTS, `${module.name}.json`), { force: true });
            const tests = testFilesFor(module, readRepositoryFile(ROOT), allTests);
            if (tests.length === 0) {
                console.error(`${module.name}: no test file imports it; nothing would kill its mutants`);
                failed.push(module.name);
                continue;
            }
            const t0 = Date.now();
            try {
                await runModule(module, tests, concurrency);
            } catch (e) {
                // Usually the dry run: the module's tests fail without any mutant. The other modules still run.
                console.error(`${module.name}: Stryker failed: ${(e as Error).message}`);
                failed.push(module.name);
            }
            console.log(`== ${module.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
    }
    const scores = [];
    for (const module of modules) {
        const file = join(REPORTS, `${module.name}.json`);
        if (!existsSync(file)) {
            console.error(`${module.name}: no report at ${file} (run npm run mutation -- ${module.name})`);
            continue;
        }
        const report = JSON.parse(readFileSync(file, "utf8")) as MutationReport & SurvivorReport;
        if (args.values.survivors) printSurvivors(module.name, report);
        scores.push(scoreReport(module.name, report));
    }
    console.log(`\n${formatScores(scores)}`);
    if (!args.values.summary) console.log(`\nmutation run: ${((Date.now() - started) / 1000).toFixed(0)} s, concurrency ${concurrency}`);
    if (failed.length > 0) console.error(`no score for: ${failed.join(", ")} (see above)`);
    return failed.length === 0 && scores.length === modules.length && allReachMinimum(scores) ? 0 : 1;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (e) => {
        console.error(e);
        process.exitCode = 1;
    },
);
