/**
 * What `npm run mutation` mutates, against which tests, and how its report is summed up (docs/mutation-testing.md).
 *
 * Each module is the logic that decides whether a deploy proceeds or what it reports. It is mutated against only
 * the test files that import it (found by their `import … from "../<module>"` line, so a test file another
 * engineer adds is picked up without editing this table), plus the few named here that exercise it through
 * another module, minus the named slow end-to-end files (each with its reason): Stryker's command runner re-runs
 * the whole command for every mutant, so a 20 s file costs 20 s × every mutant.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface MutationModule {
    /** The name given on the command line (`npm run mutation -- capacityPlan`). */
    name: string;
    /** Files Stryker mutates, relative to the repository root. */
    mutate: string[];
    /** Import specifiers (as written in test/*.test.ts) whose importers are this module's tests. */
    importedAs: RegExp;
    /** Test files run as well although they do not import the module directly. */
    alsoRun?: string[];
    /** Test files that import the module but are left out, with the reason (besides {@link SLOW_TESTS}). */
    leaveOut?: Record<string, string>;
    /** Run each test file in its own process (node's default) instead of all in one. @default false */
    isolate?: boolean;
}

const UNDER_MOCKS = "registers components under the Pulumi SDK's mocks";
/** test/boundedRuns.test.ts is runDuration's own test; elsewhere its child process would cost ~10 s per mutant. */
const BOUNDED_RUNS_CHILD =
    "runs scripts/kubectl-version.ts in a child process (~10 s a run); the rules it reaches are pinned by the module's focused tests";

/**
 * Test files too slow to run once per mutant (seconds each on a quiet machine, several times that on a loaded
 * one), left out of every module's run. Each exercises the modules through the whole program or a component; the
 * modules' verdicts are pinned by the focused test files that do run. `npm test` still runs them all.
 */
export const SLOW_TESTS: Readonly<Record<string, string>> = {
    "test/stack.test.ts": "runs the whole Pulumi program under mocks (~25 s)",
    "test/measure.scaler.test.ts": "builds and runs the measurement program against a stand-in API server (~20 s)",
    "test/loadTest.test.ts": "runs the load-test component under mocks and the CLI against stand-in servers (~11 s)",
    "test/clusterAdmins.test.ts": "previews the program as two identities in child processes (~10 s)",
    "test/appTeams.test.ts": UNDER_MOCKS,
    "test/platform.test.ts": UNDER_MOCKS,
    "test/scaleMeasurement.test.ts": UNDER_MOCKS,
    "test/cluster.test.ts": UNDER_MOCKS,
    "test/policyStackDev.test.ts": "evaluates the policy pack against the whole dev stack under mocks",
    "test/policyStackProd.test.ts": "evaluates the policy pack against the whole prod stack under mocks",
    "test/placement.test.ts": "renders the whole dev stack in a child process (~9 s)",
    "test/componentPackage.test.ts": "packs the component package and installs it in a temporary project (~30 s)",
};

export const MUTATION_MODULES: readonly MutationModule[] = [
    {
        name: "config",
        mutate: ["config/*.ts"],
        importedAs: /^\.\.\/config(\/[a-zA-Z]+)?$/,
        leaveOut: {
            "test/boundedRuns.test.ts": BOUNDED_RUNS_CHILD,
            "test/layers.test.ts": "reads config/'s exports and the import graph, not a rule's verdict (~6 s a run)",
        },
    },
    {
        name: "kubernetesVersions",
        mutate: ["lib/azure/kubernetesVersions.ts"],
        importedAs: /^\.\.\/lib\/azure\/kubernetesVersions$/,
        alsoRun: ["test/config.test.ts"],
        leaveOut: { "test/boundedRuns.test.ts": BOUNDED_RUNS_CHILD },
    },
    {
        name: "datedSupport",
        // The dated judgement every support table goes through (AKS minors, Ubuntu 22.04, the NGINX add-on, WASI pools).
        mutate: ["lib/azure/datedSupport.ts"],
        importedAs: /^\.\.\/lib\/azure\/datedSupport$/,
        alsoRun: ["test/kubernetesVersions.rules.test.ts", "test/wasmNodeOs.test.ts"],
    },
    {
        name: "wasmNodeOs",
        // wasmOsSku: which limits apply (Ubuntu 22.04 only), its retirement refusal and warnings.
        mutate: ["lib/azure/wasmNodeOs.ts"],
        importedAs: /^\.\.\/lib\/azure\/wasmNodeOs$/,
    },
    {
        name: "runDuration",
        // Whether the deploy's worst-case waits fit the deploy job's timeout (a whole-config refusal).
        mutate: ["components/runDuration.ts"],
        importedAs: /^\.\.\/components\/runDuration$/,
    },
    {
        name: "capacityPlan",
        mutate: ["lib/azure/capacityPlan.ts"],
        importedAs: /^\.\.\/lib\/azure\/capacityPlan$/,
    },
    {
        name: "kubernetesQuantity",
        mutate: ["lib/kubernetes/kubernetesQuantity.ts"],
        importedAs: /^\.\.\/lib\/kubernetes\/kubernetesQuantity$/,
        alsoRun: ["test/config.test.ts", "test/capacityPlan.test.ts"],
    },
    {
        name: "azureVmSizes",
        mutate: ["lib/azure/azureVmSizes.ts"],
        importedAs: /^\.\.\/lib\/azure\/azureVmSizes$/,
    },
    {
        name: "loadTestResult",
        mutate: ["lib/results/loadTestResult.ts"],
        importedAs: /^\.\.\/lib\/results\/loadTestResult$/,
    },
    {
        name: "measurementResult",
        mutate: ["lib/results/measurementResult.ts"],
        importedAs: /^\.\.\/lib\/results\/measurementResult$/,
    },
    {
        name: "platformContract",
        mutate: ["lib/contract/platformContract.ts"],
        importedAs: /^\.\.\/lib\/contract\/platformContract$/,
    },
    {
        name: "policy",
        // index.ts only constructs the PolicyPack (which starts the analyzer server): nothing there decides a verdict.
        mutate: ["policy/*.ts", "!policy/index.ts"],
        importedAs: /^\.\.\/policy\//,
    },
];

/**
 * `import … from "x"`, `await import("x")` (a test that loads the module after installing mocks) and
 * `require("x")`; not a type position `import("x").T`, which runs nothing.
 */
const IMPORT = /(?:\bfrom\s+|\bawait\s+import\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;

/** The test files (`test/<name>.test.ts`) that import the module, plus its `alsoRun`, minus its `leaveOut` and {@link SLOW_TESTS}, sorted. */
export function testFilesFor(module: MutationModule, readTest: (file: string) => string, testFiles: readonly string[]): string[] {
    const chosen = new Set(module.alsoRun ?? []);
    for (const file of testFiles) {
        for (const [, specifier] of readTest(file).matchAll(IMPORT)) {
            if (module.importedAs.test(specifier.replace(/\.js$/, ""))) chosen.add(file);
        }
    }
    for (const file of [...Object.keys(module.leaveOut ?? {}), ...Object.keys(SLOW_TESTS)]) chosen.delete(file);
    return [...chosen].sort();
}

/** The repository's test files, as `test/<name>.test.ts`. */
export function repositoryTestFiles(root: string): string[] {
    return readdirSync(join(root, "test"))
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => `test/${f}`)
        .sort();
}

/** The modules the command-line names pick (all when none is given); throws naming the unknown ones. */
export function pickModules(names: readonly string[]): MutationModule[] {
    if (names.length === 0) return [...MUTATION_MODULES];
    const unknown = names.filter((n) => !MUTATION_MODULES.some((m) => m.name === n));
    if (unknown.length > 0) {
        throw new Error(`unknown module(s) ${unknown.join(", ")}; known: ${MUTATION_MODULES.map((m) => m.name).join(", ")}`);
    }
    return MUTATION_MODULES.filter((m) => names.includes(m.name));
}

/** The minimum share of mutants killed (killed + timed out) each module must reach (issue 23). */
export const MINIMUM_SCORE = 85;

/** One mutant in Stryker's mutation-testing-report-schema JSON (the fields read here). */
interface ReportMutant {
    status: string;
}

/** Stryker's JSON report (mutation-testing-report-schema): the fields read here. */
export interface MutationReport {
    files: Record<string, { mutants: ReportMutant[] }>;
}

export interface ModuleScore {
    module: string;
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    /** Mutants that could not run (CompileError, RuntimeError) or that a disable comment switched off (Ignored). */
    notCounted: number;
    /** (killed + timeout) / (killed + timeout + survived + noCoverage), in percent, or null without valid mutants. */
    score: number | null;
}

/** Sums a report the way Stryker's mutation score does: detected over valid mutants. */
export function scoreReport(module: string, report: MutationReport): ModuleScore {
    const s: ModuleScore = { module, killed: 0, timeout: 0, survived: 0, noCoverage: 0, notCounted: 0, score: null };
    for (const file of Object.values(report.files)) {
        for (const m of file.mutants) {
            if (m.status === "Killed") s.killed++;
            else if (m.status === "Timeout") s.timeout++;
            else if (m.status === "Survived") s.survived++;
            else if (m.status === "NoCoverage") s.noCoverage++;
            else s.notCounted++;
        }
    }
    const valid = s.killed + s.timeout + s.survived + s.noCoverage;
    if (valid > 0) s.score = (100 * (s.killed + s.timeout)) / valid;
    return s;
}

/** A plain-text table of the scores, one line per module, each marked below the minimum where it is. */
export function formatScores(scores: readonly ModuleScore[]): string {
    const rows = [["module", "killed", "timeout", "survived", "no cover", "not counted", "score"]];
    for (const s of scores) {
        const score = s.score === null ? "n/a" : `${s.score.toFixed(1)} %`;
        const flag = s.score !== null && s.score < MINIMUM_SCORE ? `  < ${MINIMUM_SCORE} %` : "";
        rows.push([s.module, `${s.killed}`, `${s.timeout}`, `${s.survived}`, `${s.noCoverage}`, `${s.notCounted}`, score + flag]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd()).join("\n");
}

/** True when every module reached the minimum (a module without valid mutants fails: it mutated nothing). */
export function allReachMinimum(scores: readonly ModuleScore[]): boolean {
    return scores.every((s) => s.score !== null && s.score >= MINIMUM_SCORE);
}

/** Reads a test file relative to the repository root. */
export function readRepositoryFile(root: string): (file: string) => string {
    return (file) => readFileSync(join(root, file), "utf8");
}
