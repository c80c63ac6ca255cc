/**
 * One measurement run for one target: the serving pods' footprint while the load test runs and after it, then
 * scale-out rounds of the twin (0 → N → 0). The twin always ends at 0 replicas: `measure` scales it to 0 in a
 * `finally`, whatever happened (a failed API call, a round that timed out, an abort from SIGTERM/SIGINT).
 */
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleepFor } from "node:timers/promises";
import {
    MEASUREMENT_SCHEMA_VERSION,
    evaluateMeasurementThresholds,
    roundTimes,
    type MeasurementResult,
    type PodFootprint,
} from "../../../lib/results/measurementResult";
import type { MeasureApi } from "./kube";
import { describeError } from "./retry";
import { PodSet, elapsedSeconds, footprintOf, loadTestProgress, metricPoints, podTerminating, pointsWithin, type MetricPoint, type WatchEvent } from "./logic";
import { jobPodSelector, selectorFromLabels, thresholdsOf, type MeasureOptions } from "./options";

/** Answers true when `GET http://ip:port/path` returned 2xx within `timeoutMs`. */
export type Probe = (ip: string, port: number, path: string, timeoutMs: number) => Promise<boolean>;

export interface MeasureContext {
    api: MeasureApi;
    options: MeasureOptions;
    /** Aborted on SIGTERM/SIGINT: every wait stops, the twin is scaled to 0, `measure` rejects. */
    signal: AbortSignal;
    /** Progress lines (stderr). */
    log: (line: string) => void;
    /** @default an HTTP GET with node:http */
    probe?: Probe;
}

/** The longest the final scale-to-0 request may take before the run gives up on it (and says so). */
const FINAL_SCALE_TIMEOUT_MS = 15_000;
/** Idle windows start this long after the load test's end, for clock differences between nodes (METRICS-3). */
const CLOCK_MARGIN_MS = 1_000;

export const httpProbe: Probe = (ip, port, path, timeoutMs) =>
    new Promise((resolve) => {
        const req = request({ host: ip, port, path, method: "GET", timeout: timeoutMs, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
        req.end();
    });

/** Runs the whole measurement; the result has its verdict. Rejects (after scaling the twin to 0) on an API failure or an abort. */
export async function measure(ctx: MeasureContext): Promise<MeasurementResult> {
    const o = ctx.options;
    const startedAt = new Date().toISOString();
    let twinScaledToZero = false;
    let failure: unknown;
    let footprint: MeasurementResult["footprint"] | undefined;
    let rounds: RoundValues[] = [];
    try {
        const twin = await ctx.api.readTwin();
        if (Object.keys(twin.matchLabels).length === 0) {
            throw new Error(`the twin Deployment ${o.namespace}/${o.twinDeployment} has no spec.selector.matchLabels: its pods cannot be told apart`);
        }
        footprint = await measureFootprint(ctx);
        rounds = await scaleRounds(ctx, selectorFromLabels(twin.matchLabels), twin.replicas);
    } catch (err) {
        failure = err;
    } finally {
        twinScaledToZero = await scaleToZero(ctx);
    }
    if (failure !== undefined) throw failure;
    // Every round counts: a round that timed out (null) counts as longer than any measured one (issue 19).
    const times = (pick: (r: RoundValues) => number | null, timeoutSeconds: number) => roundTimes(rounds.map(pick), timeoutSeconds);
    const partial = {
        schemaVersion: MEASUREMENT_SCHEMA_VERSION as typeof MEASUREMENT_SCHEMA_VERSION,
        target: o.target,
        namespace: o.namespace,
        twinDeployment: o.twinDeployment,
        servingDeployment: o.servingDeployment,
        replicas: o.replicas,
        rounds: o.rounds,
        startedAt,
        finishedAt: new Date().toISOString(),
        allReady: times((r) => r.allReady, o.scaleOutTimeoutSeconds),
        firstResponse: times((r) => r.firstResponse, o.scaleOutTimeoutSeconds),
        scaleIn: times((r) => r.scaleIn, o.scaleInTimeoutSeconds),
        footprint: footprint!,
        twinScaledToZero,
        thresholds: thresholdsOf(o),
    };
    const breaches = evaluateMeasurementThresholds(partial);
    return { ...partial, breaches, verdict: breaches.length === 0 ? "pass" : "fail" };
}

/**
 * PATCH the twin to 0, bounded in time, even after an abort. True when the server answered with spec.replicas 0:
 * the Deployment controller then removes the pods on its own; their termination is not waited for here.
 */
export async function scaleToZero(ctx: Pick<MeasureContext, "api" | "log" | "options">): Promise<boolean> {
    try {
        const replicas = await Promise.race([
            ctx.api.scaleTwin(0),
            sleepFor(FINAL_SCALE_TIMEOUT_MS, undefined, { ref: false }).then(() => {
                throw new Error(`no answer in ${FINAL_SCALE_TIMEOUT_MS / 1000} s`);
            }),
        ]);
        if (replicas !== 0) ctx.log(`scaling the twin ${ctx.options.twinDeployment} to 0: the server answered spec.replicas ${replicas}`);
        return replicas === 0;
    } catch (err) {
        ctx.log(`scaling the twin ${ctx.options.twinDeployment} to 0 failed: ${errorText(err)}; scale it by hand: kubectl -n ${ctx.options.namespace} scale deployment ${ctx.options.twinDeployment} --replicas=0`);
        return false;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Footprint

const emptyFootprint = (noSampleReason: string): PodFootprint => ({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason });

async function measureFootprint(ctx: MeasureContext): Promise<MeasurementResult["footprint"]> {
    const o = ctx.options;
    const servingNames = async () => {
        const list = await ctx.api.listPods(o.servingSelector);
        return new Set(list.items.filter((p) => !podTerminating(p)).map((p) => p.metadata!.name!));
    };
    // The metrics API is an aggregated API (metrics-server behind an APIService): when it stays unavailable past
    // the retries, that sample is "no sample" with the reason, never a failed Job (issue 19; CNODE-1).
    let metricsFailure: string | undefined;
    const sample = async (): Promise<{ points: MetricPoint[]; pods: Set<string> }> => {
        const pods = await servingNames();
        try {
            const points = metricPoints(await ctx.api.listPodMetrics(), pods);
            return { points, pods };
        } catch (err) {
            if (ctx.signal.aborted) throw err;
            metricsFailure = `the metrics API (metrics.k8s.io) did not answer: ${describeError(err)}`;
            ctx.log(`footprint: ${metricsFailure}; no sample this time`);
            return { points: [], pods };
        }
    };
    const reasonFor = (otherwise: string) => (metricsFailure !== undefined ? `${otherwise}; last failure: ${metricsFailure}` : otherwise);
    const pollMs = Math.min(o.sampleIntervalSeconds * 1000, 5_000);

    let underLoad = emptyFootprint("no load test in this run (--loadtest-job not given)");
    let idleFrom = 0;
    if (o.loadTestJob) {
        const selector = jobPodSelector(o.loadTestJob);
        const startDeadline = performance.now() + o.loadTestStartTimeoutSeconds * 1000;
        let progress = loadTestProgress(await ctx.api.listPods(selector));
        while (progress.state === "absent" || progress.state === "pending") {
            if (performance.now() >= startDeadline) break;
            await sleepFor(pollMs, undefined, { signal: ctx.signal });
            progress = loadTestProgress(await ctx.api.listPods(selector));
        }
        if (progress.state === "absent" || progress.state === "pending") {
            underLoad = emptyFootprint(`the load-test Job ${o.loadTestJob} did not start within ${o.loadTestStartTimeoutSeconds} s`);
            ctx.log(`footprint: the load-test pod (${selector}) did not start within ${o.loadTestStartTimeoutSeconds} s: no under-load sample`);
        } else {
            ctx.log(`footprint: load-test pod ${progress.pod} ${progress.state}; sampling every ${pollMs / 1000} s`);
            const samples: MetricPoint[][] = [];
            const runDeadline = performance.now() + o.loadTestRunTimeoutSeconds * 1000;
            while (progress.state === "running" && performance.now() < runDeadline) {
                samples.push((await sample()).points);
                // Under load, list at least every 5 s: a window is visible only until the next scrape replaces it
                // (one resolution), so a sample interval of a whole resolution could miss the one window that fits
                // inside a short load (issue 19; lib/results/metricsWindow.ts).
                await sleepFor(pollMs, undefined, { signal: ctx.signal });
                progress = loadTestProgress(await ctx.api.listPods(selector));
            }
            if (progress.state !== "finished") {
                underLoad = emptyFootprint(`the load-test Job ${o.loadTestJob} did not finish within ${o.loadTestRunTimeoutSeconds} s`);
                ctx.log(`footprint: the load-test pod did not finish within ${o.loadTestRunTimeoutSeconds} s: no under-load sample`);
                idleFrom = Date.now();
            } else {
                // One more list right after the end: its windows may still lie inside the load.
                samples.push((await sample()).points);
                if (progress.startedAtMs !== undefined) {
                    const { startedAtMs, finishedAtMs } = progress;
                    const loadSeconds = Math.round((finishedAtMs - startedAtMs) / 1000);
                    const why = samples.length <= 1
                        ? `the load test had finished before it was first seen (${loadSeconds} s of load)`
                        : `no metrics window lay wholly inside the ${loadSeconds} s of load (see loadTestDurationSeconds)`;
                    underLoad = footprintOf(samples.map((s) => pointsWithin(s, startedAtMs, finishedAtMs)), reasonFor(why));
                } else {
                    underLoad = emptyFootprint(reasonFor("the load-test pod's container start is unknown"));
                }
                idleFrom = progress.finishedAtMs + CLOCK_MARGIN_MS;
                ctx.log(`footprint: under load ${JSON.stringify(underLoad)}`);
            }
        }
    }

    // Idle: every serving pod has a window that began after the load ended (or any window, with no load test).
    const idleSamples: MetricPoint[][] = [];
    const settleDeadline = performance.now() + o.settleTimeoutSeconds * 1000;
    for (;;) {
        const { points, pods } = await sample();
        const idle = pointsWithin(points, idleFrom);
        idleSamples.push(idle);
        const covered = new Set(idleSamples.flat().map((p) => p.pod));
        if ((pods.size > 0 && [...pods].every((p) => covered.has(p))) || performance.now() >= settleDeadline) break;
        await sleepFor(pollMs, undefined, { signal: ctx.signal });
    }
    const idle = footprintOf(idleSamples, reasonFor(`no metrics window of every serving pod began after the load within ${o.settleTimeoutSeconds} s`));
    ctx.log(`footprint: idle ${JSON.stringify(idle)}`);
    return { idle, underLoad };
}

// ---------------------------------------------------------------------------------------------------------------
// Scale-out rounds

interface RoundValues {
    allReady: number | null;
    firstResponse: number | null;
    scaleIn: number | null;
}

const NO_ROUND: RoundValues = { allReady: null, firstResponse: null, scaleIn: null };

async function scaleRounds(ctx: MeasureContext, selector: string, startReplicas: number): Promise<RoundValues[]> {
    const o = ctx.options;
    const watcher = new PodWatcher(ctx, selector);
    await watcher.start();
    try {
        const results: RoundValues[] = [];
        for (let round = 1; round <= o.rounds; round++) {
            // Every round starts from 0 pods: a twin left above 0 (by an earlier run, or a round whose scale-in
            // timed out) is scaled down first, and the round is skipped (null) if its pods will not go.
            if (watcher.pods.size > 0 || (round === 1 && startReplicas !== 0)) {
                await ctx.api.scaleTwin(0);
                if (!(await watcher.waitFor(() => watcher.pods.size === 0, o.scaleInTimeoutSeconds * 1000))) {
                    ctx.log(`round ${round}: ${watcher.pods.size} twin pods still there after ${o.scaleInTimeoutSeconds} s: round skipped`);
                    results.push(NO_ROUND);
                    continue;
                }
            }
            results.push(await oneRound(ctx, watcher, round));
        }
        return results;
    } finally {
        watcher.stop();
    }
}

async function oneRound(ctx: MeasureContext, watcher: PodWatcher, round: number): Promise<RoundValues> {
    const o = ctx.options;
    const probe = ctx.probe ?? httpProbe;
    const t0 = performance.now();
    let firstResponseAt: number | undefined;
    let allReadyAt: number | undefined;
    let probing = true;
    const probed = new Set<string>();
    const startProbes = () => {
        for (const { name, ip } of watcher.pods.reachable()) {
            if (probed.has(name)) continue;
            probed.add(name);
            void (async () => {
                while (probing && firstResponseAt === undefined && !ctx.signal.aborted) {
                    if (await probe(ip, o.port, o.healthPath, o.probeTimeoutMs)) {
                        firstResponseAt ??= performance.now();
                        watcher.notify();
                        return;
                    }
                    await sleepFor(o.probeIntervalMs, undefined, { ref: false });
                }
            })();
        }
    };
    const unsubscribe = watcher.subscribe(() => {
        startProbes();
        if (allReadyAt === undefined && watcher.pods.readyCount() >= o.replicas) allReadyAt = performance.now();
    });
    try {
        await ctx.api.scaleTwin(o.replicas);
        await watcher.waitFor(() => allReadyAt !== undefined && firstResponseAt !== undefined, o.scaleOutTimeoutSeconds * 1000, t0);
    } finally {
        probing = false;
        unsubscribe();
    }
    const allReady = elapsedSeconds(t0, allReadyAt);
    const firstResponse = elapsedSeconds(t0, firstResponseAt);
    if (allReady === null) ctx.log(`round ${round}: ${watcher.pods.readyCount()} of ${o.replicas} twin pods Ready after ${o.scaleOutTimeoutSeconds} s`);
    if (firstResponse === null) ctx.log(`round ${round}: no twin pod answered ${o.healthPath} with 2xx within ${o.scaleOutTimeoutSeconds} s`);

    const t1 = performance.now();
    await ctx.api.scaleTwin(0);
    const gone = await watcher.waitFor(() => watcher.pods.size === 0, o.scaleInTimeoutSeconds * 1000, t1);
    const scaleIn = gone ? elapsedSeconds(t1, performance.now()) : null;
    if (scaleIn === null) ctx.log(`round ${round}: ${watcher.pods.size} twin pods still there ${o.scaleInTimeoutSeconds} s after scaling to 0`);
    ctx.log(`round ${round}: allReady ${allReady} s, firstResponse ${firstResponse} s, scaleIn ${scaleIn} s`);
    return { allReady, firstResponse, scaleIn };
}

/**
 * The twin's pods, kept current by LIST then WATCH from the list's resourceVersion. When the stream ends (the
 * server's timeout, the client's 30 s inactivity timeout, an ERROR event such as 410 Gone, a network error), it
 * lists and watches again: a list is the truth, events only update it (K8SAPI-6).
 */
class PodWatcher {
    readonly pods = new PodSet();
    private readonly listeners = new Set<() => void>();
    private current: { stop(): void } | undefined;
    private stopped = false;
    private restarting = false;
    private generation = 0;
    /** The generation whose stream ended last: a stream that ends while a restart is under way must not be lost. */
    private endedGeneration = 0;

    constructor(
        private readonly ctx: MeasureContext,
        private readonly selector: string,
    ) {}

    async start(): Promise<void> {
        // Each list+watch is a generation: events and the end of an older stream (aborted, or ending late) are
        // ignored, so they can neither overwrite the fresh list nor start a second restart.
        const generation = ++this.generation;
        const list = await this.ctx.api.listPods(this.selector);
        this.pods.reset(list);
        this.notify();
        if (this.stopped) return;
        this.current = await this.ctx.api.watchPods(
            this.selector,
            list.metadata?.resourceVersion,
            (event: WatchEvent) => {
                if (generation !== this.generation) return;
                if (this.pods.apply(event)) this.notify();
                else this.restart(`watch ERROR event ${JSON.stringify(event.object)}`);
            },
            (err) => {
                if (generation !== this.generation) return;
                this.endedGeneration = generation;
                this.restart(err ? errorText(err) : undefined);
            },
        );
    }

    private restart(reason: string | undefined): void {
        if (this.stopped || this.restarting) return;
        this.restarting = true;
        this.current?.stop();
        if (reason) this.ctx.log(`pod watch ended (${reason}); listing again`);
        const again = async () => {
            while (!this.stopped) {
                try {
                    await this.start();
                    // client-node reports a watch refused (429, 503) or reset through its done callback, not by
                    // rejecting: when the new stream has already ended, list and watch again (issue 19).
                    if (this.endedGeneration !== this.generation) return;
                    this.ctx.log("pod watch ended at once; listing again");
                    await sleepFor(1000, undefined, { ref: false });
                } catch (err) {
                    this.ctx.log(`listing twin pods failed: ${errorText(err)}; retrying`);
                    await sleepFor(1000, undefined, { ref: false });
                }
            }
        };
        void sleepFor(200, undefined, { ref: false }).then(again).finally(() => (this.restarting = false));
    }

    stop(): void {
        this.stopped = true;
        this.current?.stop();
    }

    subscribe(listener: () => void): () => void {
        this.listeners.add(listener);
        listener();
        return () => this.listeners.delete(listener);
    }

    notify(): void {
        for (const l of [...this.listeners]) l();
    }

    /**
     * Resolves true once `done()` holds (checked on every change), false at `from + timeoutMs`; rejects on abort.
     * The timeout counts from `from` (the scale request), so the API call's own time is inside it.
     */
    waitFor(done: () => boolean, timeoutMs: number, from = performance.now()): Promise<boolean> {
        const signal = this.ctx.signal;
        return new Promise((resolve, reject) => {
            if (signal.aborted) return reject(signal.reason);
            let timer: NodeJS.Timeout | undefined;
            const finish = (value: boolean | Error) => {
                clearTimeout(timer);
                this.listeners.delete(check);
                signal.removeEventListener("abort", onAbort);
                if (value instanceof Error) reject(value);
                else resolve(value);
            };
            const check = () => {
                if (done()) finish(true);
            };
            const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
            signal.addEventListener("abort", onAbort);
            timer = setTimeout(() => finish(done()), Math.max(0, from + timeoutMs - performance.now()));
            this.listeners.add(check);
            check();
        });
    }
}

export function errorText(err: unknown): string {
    if (err instanceof Error) {
        const code = (err as { code?: unknown; statusCode?: unknown }).code ?? (err as { statusCode?: unknown }).statusCode;
        return code !== undefined ? `${err.message} (${String(code)})` : err.message;
    }
    return String(err);
}
