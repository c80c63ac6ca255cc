/**
 * How long the dev stack takes to evaluate offline (what a `pulumi preview` costs on the program's side), next
 * to the time just to load the SDK and provider modules it imports. Each sample is a fresh process, so module
 * caches do not flatter later runs; the median of a few samples is reported.
 *
 * Samples come in pairs (the floor, then the evaluation, one after the other), and the ratio is the median of the
 * pairs' ratios: on a machine other work shares, the load changes between samples, and a pair sees nearly the
 * same load. Each sample also reports its process's CPU time (`process.cpuUsage`, every thread of the process),
 * which waiting for a busy core does not inflate the way it inflates wall time.
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");
const SAMPLES = Number(process.env.BENCH_STACK_SAMPLES ?? 5);

/** The SDK and provider modules the program imports: the floor an evaluation cannot go below. */
export const SDK_MODULES = [
    "@pulumi/pulumi",
    "@pulumi/azure-native/authorization",
    "@pulumi/azure-native/containerservice",
    "@pulumi/azure-native/containerregistry",
    "@pulumi/azure-native/resources",
    "@pulumi/azure-native/features",
    "@pulumi/kubernetes",
    "@pulumi/command",
    "@pulumi/docker-build",
];

const MEASURE = `
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const done = (extra) => {
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000, ...extra }));
};`;

const LOAD_MODULES = `${MEASURE}
for (const m of ${JSON.stringify(SDK_MODULES)}) require(m);
done({});`;

const EVALUATE = `${MEASURE}
require("./lib/offline/offline").evaluateStack({ projectDir: process.cwd(), stack: "dev" }).then((r) => {
  done({ resources: r.resources.length });
  process.exit(0);
});`;

interface Sample {
    ms: number;
    cpuMs: number;
    resources?: number;
}

function sample(script: string): Sample {
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Number(x.toFixed(2));

export async function run(): Promise<Record<string, unknown>> {
    const load: Sample[] = [];
    const evaluate: Sample[] = [];
    const loadBefore = loadavg()[0];
    // One warm-up evaluation: tsx compiles changed TypeScript once and caches it; that is not the program's cost.
    sample(EVALUATE);
    for (let i = 0; i < SAMPLES; i++) {
        load.push(sample(LOAD_MODULES));
        evaluate.push(sample(EVALUATE));
    }
    const loadMs = median(load.map((s) => s.ms));
    const evaluateMs = median(evaluate.map((s) => s.ms));
    return {
        samples: SAMPLES,
        loadAverage: { before: round2(loadBefore), after: round2(loadavg()[0]) },
        loadSdkAndProvidersMs: Math.round(loadMs),
        evaluateDevStackMs: Math.round(evaluateMs),
        programOwnMs: Math.round(evaluateMs - loadMs),
        evaluateToLoadRatio: round2(evaluateMs / loadMs),
        pairedRatio: round2(median(load.map((l, i) => evaluate[i].ms / l.ms))),
        cpu: {
            loadSdkAndProvidersMs: Math.round(median(load.map((s) => s.cpuMs))),
            evaluateDevStackMs: Math.round(median(evaluate.map((s) => s.cpuMs))),
            pairedRatio: round2(median(load.map((l, i) => evaluate[i].cpuMs / l.cpuMs))),
        },
        resources: evaluate[0].resources,
    };
}
