/**
 * The measurement program end to end (apps/measure: its CLI through tsx, and the esbuild bundle the image runs)
 * against a LOCAL STAND-IN for the Kubernetes API server (test/helpers/kubeApiStandIn.ts: node:http on
 * 127.0.0.1, only the endpoints the program uses, pods and metrics on a script; not Kubernetes). The stand-in
 * answers 403 to any call the Role of apps/measure/src/rbac.ts would refuse, so these runs also show the program
 * needs nothing beyond it. Each run takes a few seconds.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { MEASUREMENT_RESULT_PREFIX, parseMeasurementLine } from "../lib/results/measurementResult";
import { KubeApiStandIn, LOADTEST_JOB, NAMESPACE, SERVING_SELECTOR, TWIN, standInKubeconfig, type StandInScript } from "./helpers/kubeApiStandIn";

const root = resolve(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "measure-test-"));
const bundle = join(work, "measure.cjs");

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

interface Started {
    child: ChildProcess;
    done: Promise<Run>;
}

function start(command: string[], kubeconfig: string): Started {
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
    delete env.KUBERNETES_SERVICE_HOST;
    const child = spawn(process.execPath, command, { cwd: root, env });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const done = new Promise<Run>((ok, fail) => {
        child.on("error", fail);
        child.on("close", (code) => {
            clearTimeout(timer);
            ok({ code, stdout, stderr });
        });
    });
    return { child, done };
}

const viaTsx = (args: string[]) => ["--import", "tsx", join(root, "apps/measure/src/cli.ts"), ...args];
const viaBundle = (args: string[]) => [bundle, ...args];

async function withStandIn(script: Partial<StandInScript>, body: (api: KubeApiStandIn, kubeconfig: string) => Promise<void>): Promise<void> {
    const api = new KubeApiStandIn(script);
    const server = await api.start();
    const kubeconfig = join(work, `kubeconfig-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(kubeconfig, standInKubeconfig(server), { mode: 0o600 });
    try {
        await body(api, kubeconfig);
    } finally {
        await api.stop();
    }
}

/** The run's flags: these defaults, with `extra` (`--flag=value`) replacing a default of the same flag. */
function args(api: KubeApiStandIn, extra: string[] = []): string[] {
    const flag = (a: string) => a.split("=")[0];
    const defaults = [
        "--target=wasm", `--namespace=${NAMESPACE}`, `--twin=${TWIN}`, "--serving-deployment=hello-wasm", `--serving-selector=${SERVING_SELECTOR}`,
        "--replicas=3", "--rounds=2", `--port=${api.podPort}`, "--probe-interval-ms=20", "--probe-timeout-ms=200",
        "--sample-interval-seconds=0.2", "--settle-timeout-seconds=10", "--scale-out-timeout-seconds=10", "--scale-in-timeout-seconds=10",
    ];
    return [...defaults.filter((d) => !extra.some((e) => flag(e) === flag(d))), ...extra];
}

/** Resolves once `check()` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

before(async () => {
    const build = start([join(root, "apps/measure/build.mjs"), "--outfile", bundle], "");
    const r = await build.done;
    assert.equal(r.code, 0, r.stderr);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe("measure against a stand-in API server", () => {
    it("measures footprint under load and idle, then scale-out rounds, and passes: exit 0, one valid result line", async () => {
        await withStandIn({}, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, [`--loadtest-job=${LOADTEST_JOB}`, "--max-scale-out-seconds=8", "--max-pod-memory-mib=64"])), kubeconfig).done;
            assert.equal(run.code, 0, run.stderr);
            const lines = run.stdout.trim().split("\n");
            assert.equal(lines.length, 1, run.stdout);
            assert.ok(lines[0].startsWith(MEASUREMENT_RESULT_PREFIX));
            const r = parseMeasurementLine(run.stdout, "stand-in run");
            assert.equal(r.verdict, "pass");
            assert.deepEqual(r.breaches, []);
            assert.equal(r.twinScaledToZero, true);
            assert.deepEqual([r.target, r.namespace, r.twinDeployment, r.servingDeployment, r.replicas, r.rounds], ["wasm", NAMESPACE, TWIN, "hello-wasm", 3, 2]);
            // The stand-in's pods turn Ready 300 ms, answer 150 ms, and go 200 ms after the request.
            for (const i of [0, 1]) {
                const ready = r.allReady.rounds[i]!;
                const first = r.firstResponse.rounds[i]!;
                const gone = r.scaleIn.rounds[i]!;
                assert.ok(ready >= 0.3 && ready < 5, `allReady ${ready}`);
                assert.ok(first >= 0.15 && first < 5, `firstResponse ${first}`);
                assert.ok(gone >= 0.2 && gone < 5, `scaleIn ${gone}`);
            }
            // Busy windows inside the load test's run, idle windows after it; the terminating serving pod is left out.
            assert.deepEqual(r.footprint.underLoad.pods, 2);
            assert.ok(r.footprint.underLoad.samples >= 2, `samples ${r.footprint.underLoad.samples}`);
            assert.deepEqual([r.footprint.underLoad.cpuMillicores, r.footprint.underLoad.memoryMiB, r.footprint.underLoad.maxMemoryMiB], [150, 20, 20]);
            assert.deepEqual([r.footprint.idle.pods, r.footprint.idle.cpuMillicores, r.footprint.idle.memoryMiB], [2, 2, 12]);
            assert.deepEqual(r.thresholds, { maxScaleOutSeconds: 8, maxPodMemoryMiB: 64 });

            // The twin went 0 → 3 → 0 twice and ended at 0; the serving Deployment was never touched.
            assert.deepEqual(api.replicaHistory, [3, 0, 3, 0, 0]);
            assert.equal(api.replicas, 0);
            assert.deepEqual(api.forbidden, []);
            assert.ok(api.requests.every((q) => q.name === "" || q.name === TWIN), JSON.stringify(api.requests.map((q) => q.name)));
            const patches = api.requests.filter((q) => q.verb === "patch");
            assert.ok(patches.every((q) => q.contentType === "application/merge-patch+json" && q.resource === "deployments/scale"));
            // The stand-in ends each watch after 1 s: the program listed and watched again.
            assert.ok(api.requests.filter((q) => q.verb === "watch").length >= 2);
        });
    });

    it("fails a breached threshold: exit 1, verdict fail with the config key, the twin still ends at 0 (the bundle the image runs)", async () => {
        await withStandIn({}, async (api, kubeconfig) => {
            const run = await start(viaBundle(args(api, ["--rounds=1", "--max-scale-out-seconds=0.05"])), kubeconfig).done;
            assert.equal(run.code, 1, run.stderr);
            const r = parseMeasurementLine(run.stdout);
            assert.equal(r.verdict, "fail");
            assert.equal(r.breaches.length, 1);
            assert.match(r.breaches[0], /^median time until all 3 twin pods were Ready, [\d.]+ s, exceeds aks-wasm:measureMaxScaleOutSeconds 0\.05 s$/);
            assert.match(run.stderr, /measure: FAIL wasm:\n {2}median time until all 3 twin pods/);
            // No load test: no under-load sample, idle sampled at once.
            assert.deepEqual(r.footprint.underLoad, { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "no load test in this run (--loadtest-job not given)" });
            assert.equal(r.footprint.idle.pods, 2);
            assert.equal(api.replicas, 0);
            assert.equal(r.twinScaledToZero, true);
            assert.deepEqual(api.forbidden, []);
        });
    });

    it("records null for a round in which no pod turns Ready or answers, and passes without thresholds", async () => {
        await withStandIn({ readyMs: Infinity, startMs: Infinity }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, ["--rounds=1", "--scale-out-timeout-seconds=2"])), kubeconfig).done;
            assert.equal(run.code, 0, run.stderr);
            const r = parseMeasurementLine(run.stdout);
            assert.deepEqual(r.allReady, { median: null, rounds: [null], timedOut: 1, timeoutSeconds: 2 });
            assert.deepEqual(r.firstResponse, { median: null, rounds: [null], timedOut: 1, timeoutSeconds: 2 });
            assert.equal(r.scaleIn.rounds.length, 1);
            assert.match(run.stderr, /round 1: 0 of 3 twin pods Ready after 2 s/);
            assert.equal(api.replicas, 0);
        });
    });

    it("scales the twin to 0 after an API failure mid-round that is not transient: exit 3, no result line", async () => {
        // PATCH #2 (the round's scale-in) fails with 409 (not retried); the final scale to 0 (PATCH #3) goes through.
        await withStandIn({ failPatches: [2], failPatchStatus: 409 }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, ["--rounds=2"])), kubeconfig).done;
            assert.equal(run.code, 3, run.stderr);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /measure: the run failed: .*409/s);
            assert.doesNotMatch(run.stderr, /transient failure/);
            assert.deepEqual(api.replicaHistory, [3, 0]);
            assert.equal(api.replicas, 0);
            await until(() => api.twinPods === 0, 5_000, "the twin's pods to go");
        });
    });

    it("survives transient failures of every API call (503, 429, a reset connection) with bounded backoff (issue 19)", async () => {
        // The STAND-IN fails the first 3 calls of each kind on purpose: GET the twin, PATCH its scale, LIST pods,
        // open a WATCH, LIST PodMetrics; each in turn 503, 429 and a reset connection.
        await withStandIn({ transient: 3 }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, [`--loadtest-job=${LOADTEST_JOB}`, "--rounds=1", "--api-retry-base-ms=20"])), kubeconfig).done;
            assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
            const r = parseMeasurementLine(run.stdout);
            assert.equal(r.verdict, "pass");
            assert.equal(r.allReady.timedOut, 0, run.stderr);
            assert.ok(r.footprint.underLoad.samples > 0 && r.footprint.idle.samples > 0, JSON.stringify(r.footprint));
            const kinds = new Set(api.transientAnswers.map((a) => a.kind));
            for (const kind of ["get apps/deployments", "patch apps/deployments/scale", "list pods", "watch pods", "list metrics.k8s.io/pods"]) {
                assert.ok(kinds.has(kind), `${kind} failed transiently (${[...kinds].join(", ")})`);
                for (const answer of ["503", "429", "reset"]) {
                    assert.ok(api.transientAnswers.some((a) => a.kind === kind && a.answer === answer), `${kind} got ${answer}`);
                }
            }
            assert.match(run.stderr, /PATCH the twin's scale to 3: transient failure \(HTTP 503\)/);
            assert.match(run.stderr, /pod watch ended \(Service Unavailable \(503\)\); listing again/);
            assert.match(run.stderr, /transient failure \(HTTP 429/);
            assert.match(run.stderr, /transient failure \((ECONNRESET|UND_ERR_SOCKET|HTTP 500: Error occurred in metrics request)/);
            assert.equal(api.replicas, 0);
            assert.deepEqual(api.forbidden, []);
        });
    });

    it("without retries (--api-attempts=1) the same transient failure fails the run: the retries are what survive it", async () => {
        await withStandIn({ transient: 1 }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, ["--rounds=1", "--api-attempts=1"])), kubeconfig).done;
            assert.equal(run.code, 3, run.stderr);
            assert.match(run.stderr, /measure: the run failed: .*503/s);
        });
    });

    it("turns an unavailable metrics API into 'no sample' with the reason, not a failed Job (issue 19)", async () => {
        await withStandIn({ metricsDown: true }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, [`--loadtest-job=${LOADTEST_JOB}`, "--rounds=1", "--api-attempts=2", "--api-retry-base-ms=10", "--settle-timeout-seconds=1"])), kubeconfig).done;
            assert.equal(run.code, 0, run.stderr);
            const r = parseMeasurementLine(run.stdout);
            for (const phase of ["underLoad", "idle"] as const) {
                const f = r.footprint[phase];
                assert.equal(f.samples, 0, phase);
                assert.match(f.noSampleReason ?? "", /the metrics API \(metrics\.k8s\.io\) did not answer: HTTP 503/, phase);
            }
            assert.equal(r.allReady.timedOut, 0, "the rounds ran");
            assert.equal(api.replicas, 0);
        });
    });

    it("scales the twin to 0 on SIGTERM mid-round (the Job's activeDeadlineSeconds): exit 143, no result line", async () => {
        await withStandIn({ readyMs: Infinity }, async (api, kubeconfig) => {
            const started = start(viaTsx(args(api, ["--rounds=3", "--scale-out-timeout-seconds=600"])), kubeconfig);
            await until(() => api.replicas === 3 && api.twinPods === 3, 20_000, "the twin to be scaled out");
            started.child.kill("SIGTERM");
            const run = await started.done;
            assert.equal(run.code, 143, run.stderr);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /measure: SIGTERM: stopping; scaling the twin hello-wasm-twin to 0/);
            assert.match(run.stderr, /interrupted by SIGTERM: no result; the twin hello-wasm-twin was scaled to 0/);
            assert.equal(api.replicas, 0);
            assert.equal(api.replicaHistory.at(-1), 0);
        });
    });

    it("scales down a twin an earlier run left up before the first round", async () => {
        await withStandIn({ initialReplicas: 3 }, async (api, kubeconfig) => {
            const run = await start(viaTsx(args(api, ["--rounds=1"])), kubeconfig).done;
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(api.replicaHistory, [3, 0, 3, 0, 0]);
            const r = parseMeasurementLine(run.stdout);
            assert.ok(r.allReady.rounds[0]! >= 0.3);
        });
    });

    it("refuses bad arguments: exit 2, nothing on stdout, every problem on stderr, no API call", async () => {
        await withStandIn({}, async (api, kubeconfig) => {
            const run = await start(viaTsx(["--target=Wasm", "--namespace=apps", "--twin=t", "--replicas=0", "--serving-selector=app", "--serving-deployment=s"]), kubeconfig).done;
            assert.equal(run.code, 2);
            assert.equal(run.stdout, "");
            for (const expected of [
                `--target: "Wasm" is not accepted; expected lower-case letters`,
                `--serving-selector: "app" is not accepted; expected an equality label selector`,
                `--replicas: "0" is not accepted; expected a whole number from 1 to 200`,
            ]) {
                assert.ok(run.stderr.includes(expected), `missing ${expected} in:\n${run.stderr}`);
            }
            assert.deepEqual(api.requests, []);
        });
    });
});
