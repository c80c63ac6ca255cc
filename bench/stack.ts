/**
 * How long the dev stack takes to evaluate offline (what a `pulumi preview` costs on the program's side), next
 * to the time just to load the SDK and provider modules it imports. Each sample is a fresh process, so module
 * caches do not flatter later runs; the median of a few samples is reported.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..");
const SAMPLES = 3;

const LOAD_MODULES = `
const t0 = process.hrtime.bigint();
for (const m of ["@pulumi/pulumi", "@pulumi/azure-native/authorization", "@pulumi/azure-native/containerservice",
  "@pulumi/azure-native/containerregistry", "@pulumi/azure-native/resources", "@pulumi/azure-native/features",
  "@pulumi/kubernetes", "@pulumi/command", "@pulumi/docker-build"]) require(m);
console.log(Number(process.hrtime.bigint() - t0) / 1e6);`;

const EVALUATE = `
const t0 = process.hrtime.bigint();
require("./lib/offline").evaluateStack({ projectDir: process.cwd(), stack: "dev" }).then((r) => {
  console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, resources: r.resources.length }));
  process.exit(0);
});`;

function sample(script: string): string {
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.trim().split("\n").pop()!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<Record<string, unknown>> {
    const load: number[] = [];
    const evaluate: number[] = [];
    let resources = 0;
    for (let i = 0; i < SAMPLES; i++) {
        load.push(Number(sample(LOAD_MODULES)));
        const e = JSON.parse(sample(EVALUATE));
        evaluate.push(e.ms);
        resources = e.resources;
    }
    const loadMs = median(load);
    const evaluateMs = median(evaluate);
    return {
        samples: SAMPLES,
        loadSdkAndProvidersMs: Math.round(loadMs),
        evaluateDevStackMs: Math.round(evaluateMs),
        programOwnMs: Math.round(evaluateMs - loadMs),
        evaluateToLoadRatio: Number((evaluateMs / loadMs).toFixed(2)),
        resources,
    };
}
