/**
 * The measurement of scale-out, startup and footprint (issue 14): the one-line JSON result the in-cluster program
 * (apps/measure) prints, the summary the stack exports per target, and the Wasm ÷ container comparison.
 *
 * One schema for the program, the Pulumi side (components/app/scaleMeasurement.ts) and the report
 * (scripts/report.ts). The program prints exactly one line starting with {@link MEASUREMENT_RESULT_PREFIX}
 * followed by the JSON of a {@link MeasurementResult}; the stack parses and validates it before exporting it.
 *
 * Pure functions below: {@link parseMeasurementLine} (log → validated result, or one error naming every problem),
 * {@link measurementProblems}, {@link evaluateMeasurementThresholds} (the breaches, each naming its `aks-wasm:`
 * config key), {@link compareMeasurements} (Wasm ÷ container) and {@link medianSeconds}. This file imports nothing:
 * the measurement image copies it as it is (apps/measure/Dockerfile).
 */

/** Prefix of the result line in the measurement Job's log (everything after it is JSON). */
export const MEASUREMENT_RESULT_PREFIX = "aks-wasm-measurement ";
/**
 * Schema version of {@link MeasurementResult}; bump on any change of meaning. 2 (issue 19): a timed-out round
 * counts in the median as longer than any measured round; `timedOut`, `timeoutSeconds` and `noSampleReason` added.
 */
export const MEASUREMENT_SCHEMA_VERSION = 2;

/** A median with the values it was taken from (one per round), in seconds. */
export interface RoundTimes {
    /**
     * Median over ALL the rounds, a timed-out round counting as longer than any measured one (at least its
     * timeout, so "infinite" for ordering). Null when that median is a timed-out round: more than half the rounds
     * (half, with an even count) timed out, and the median is only known to exceed `timeoutSeconds`.
     */
    median: number | null;
    /** One value per round, in round order; null where that round did not reach the point (timed out or skipped). */
    rounds: (number | null)[];
    /** How many rounds timed out (the nulls of `rounds`). */
    timedOut: number;
    /** The per-round limit: a round that timed out took at least this long. */
    timeoutSeconds: number;
}

/** Per-pod CPU and memory of the serving Deployment, from the metrics API (metrics.k8s.io/v1beta1 PodMetrics). */
export interface PodFootprint {
    /** Pods sampled (the serving Deployment's pods that reported metrics). */
    pods: number;
    /** Samples taken (one PodMetrics list per sample). */
    samples: number;
    /** Median over pods and samples of one pod's CPU, millicores. */
    cpuMillicores: number | null;
    /** Median over pods and samples of one pod's working-set memory, MiB. */
    memoryMiB: number | null;
    /** Largest one pod's working-set memory seen, MiB. */
    maxMemoryMiB: number | null;
    /**
     * Why nothing was sampled (the load test never ran in this run, no metrics window fitted inside the load, the
     * metrics API did not answer: its status and message); null when there are samples.
     */
    noSampleReason: string | null;
}

/** Thresholds from config; 0 (or absent) checks nothing. */
export interface MeasurementThresholds {
    /** Largest acceptable median time until all N twin pods are Ready, seconds (`measureMaxScaleOutSeconds`). */
    maxScaleOutSeconds?: number;
    /** Largest acceptable median time until a fresh pod answers its first request, seconds (`measureMaxFirstResponseSeconds`). */
    maxFirstResponseSeconds?: number;
    /** Largest acceptable per-pod memory under load, MiB (`measureMaxPodMemoryMiB`). */
    maxPodMemoryMiB?: number;
}

/** What the in-cluster program measured for one target, as printed on its result line. */
export interface MeasurementResult {
    schemaVersion: typeof MEASUREMENT_SCHEMA_VERSION;
    /** `wasm` or `container` (the load test's target names). */
    target: string;
    /** Namespace and names measured. */
    namespace: string;
    twinDeployment: string;
    servingDeployment: string;
    /** N: the replica count the twin was scaled to from 0 in each round. */
    replicas: number;
    rounds: number;
    startedAt: string;
    finishedAt: string;
    /** From the scale request (0 → N) until all N twin pods are Ready. */
    allReady: RoundTimes;
    /** From the scale request until the first twin pod answers its first HTTP request (2xx on the health path). */
    firstResponse: RoundTimes;
    /** From the scale request (N → 0) until no twin pod is left. */
    scaleIn: RoundTimes;
    /** The serving Deployment while nothing loads it, and while the load test runs against it. */
    footprint: { idle: PodFootprint; underLoad: PodFootprint };
    /** Whether the twin ended at 0 replicas (it must, even when a round failed). */
    twinScaledToZero: boolean;
    thresholds: MeasurementThresholds;
    /** Each threshold breached, as a sentence naming the config key, the value measured and the limit. */
    breaches: string[];
    verdict: "pass" | "fail";
}

/** What the stack exports per target: the result plus what the registry says is pulled. */
export interface MeasurementSummary extends MeasurementResult {
    /** Bytes a node pulls for the target's image: config + layers of its manifest (the Wasm OCI artifact or the container image). */
    pulledBytes: number | null;
}

/** Wasm ÷ container for each figure both targets have (null where either side is missing or zero). */
export interface MeasurementComparison {
    allReadyMedian: number | null;
    firstResponseMedian: number | null;
    idleMemoryMiB: number | null;
    underLoadMemoryMiB: number | null;
    idleCpuMillicores: number | null;
    underLoadCpuMillicores: number | null;
    pulledBytes: number | null;
    /**
     * The time figures left without a ratio because a side has rounds that timed out, each as a sentence with the
     * counts (e.g. "allReadyMedian: wasm 1 of 3 rounds timed out, container 0 of 3"). A ratio of medians where one
     * side lost rounds would compare a median of the fast rounds with a median of all of them.
     */
    incomplete: string[];
}

/** Thrown when a log holds no usable result line; says what was expected and what came. */
export class MeasurementResultError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "MeasurementResultError";
    }
}

/** The result line for `result`: the prefix, then the JSON on one line. */
export function formatMeasurementLine(result: MeasurementResult): string {
    return MEASUREMENT_RESULT_PREFIX + JSON.stringify(result);
}

/** How much of an unusable line an error message quotes. */
const QUOTE_CHARS = 300;

/**
 * The measurement program's result, read from its output: a whole Job log or the one line. The line is the one
 * starting with {@link MEASUREMENT_RESULT_PREFIX}; other lines (progress on stderr merged into the log) are
 * skipped. The program prints exactly one, so two are refused too (two runs in one log cannot be told apart).
 * A line cut short (a log truncated by the kubelet's rotation, a pod killed while writing), JSON that is not a
 * {@link MeasurementResult}, or a result that contradicts itself (a verdict that disagrees with its breaches, a
 * median that is not the median of its rounds) is refused with every problem named: a changed or damaged result
 * must not reach the stack outputs as if it were measured.
 *
 * @param source what the output is from (`measurement "wasm"`), for the error message.
 */
export function parseMeasurementLine(output: string, source = "measurement"): MeasurementResult {
    const lines = output.split(/\r?\n/).filter((l) => l.startsWith(MEASUREMENT_RESULT_PREFIX));
    if (lines.length === 0) {
        throw new MeasurementResultError(
            `${source}: no result line in the output; expected one line starting with ${JSON.stringify(MEASUREMENT_RESULT_PREFIX)} ` +
                `followed by the JSON of a measurement result (apps/measure). Output was: ${quote(output)}`,
        );
    }
    if (lines.length > 1) {
        throw new MeasurementResultError(`${source}: ${lines.length} result lines in the output; expected exactly one (one run per log)`);
    }
    const json = lines[0].slice(MEASUREMENT_RESULT_PREFIX.length).trim();
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch (e) {
        throw new MeasurementResultError(
            `${source}: the result line is not complete JSON (${(e as Error).message}); was the log cut short? Line was: ${quote(json)}`,
        );
    }
    const problems = measurementProblems(value);
    if (problems.length > 0) {
        throw new MeasurementResultError(`${source}: the result line is not a valid measurement result:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return value as MeasurementResult;
}

const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Every way `value` falls short of a {@link MeasurementResult}, each naming the field, the value and what is accepted. */
export function measurementProblems(value: unknown): string[] {
    if (!isObject(value)) return [`the result is ${describe(value)}; accepted: a JSON object`];
    const v = value;
    const problems: string[] = [];
    const need = (field: string, actual: unknown, ok: boolean, accepted: string) => {
        if (!ok) problems.push(`${field} = ${describe(actual)}; accepted: ${accepted}`);
    };
    need("schemaVersion", v.schemaVersion, v.schemaVersion === MEASUREMENT_SCHEMA_VERSION, String(MEASUREMENT_SCHEMA_VERSION));
    need("target", v.target, typeof v.target === "string" && TARGET_NAME.test(v.target), "lower-case letters, digits and inner '-', at most 20 characters");
    for (const field of ["namespace", "twinDeployment", "servingDeployment"] as const) {
        need(field, v[field], typeof v[field] === "string" && DNS_NAME.test(v[field] as string), "a Kubernetes object name");
    }
    need("replicas", v.replicas, isWhole(v.replicas) && (v.replicas as number) >= 1, "a whole number ≥ 1");
    need("rounds", v.rounds, isWhole(v.rounds) && (v.rounds as number) >= 1, "a whole number ≥ 1");
    const started = isTimestamp(v.startedAt) ? Date.parse(v.startedAt as string) : NaN;
    const finished = isTimestamp(v.finishedAt) ? Date.parse(v.finishedAt as string) : NaN;
    need("startedAt", v.startedAt, !Number.isNaN(started), "an ISO 8601 timestamp");
    need("finishedAt", v.finishedAt, !Number.isNaN(finished) && !(finished < started), "an ISO 8601 timestamp, not before startedAt");
    const rounds = isWhole(v.rounds) ? (v.rounds as number) : undefined;
    for (const field of ["allReady", "firstResponse", "scaleIn"] as const) problems.push(...roundTimesProblems(field, v[field], rounds));
    if (!isObject(v.footprint)) {
        need("footprint", v.footprint, false, "an object with idle and underLoad");
    } else {
        for (const phase of ["idle", "underLoad"] as const) problems.push(...footprintProblems(`footprint.${phase}`, v.footprint[phase]));
    }
    need("twinScaledToZero", v.twinScaledToZero, typeof v.twinScaledToZero === "boolean", "true or false");
    if (!isObject(v.thresholds)) {
        need("thresholds", v.thresholds, false, "an object (empty when no threshold is set)");
    } else {
        for (const [key, limit] of Object.entries(v.thresholds)) {
            const known = ["maxScaleOutSeconds", "maxFirstResponseSeconds", "maxPodMemoryMiB"].includes(key);
            need(`thresholds.${key}`, limit, known && typeof limit === "number" && Number.isFinite(limit) && limit >= 0, known ? "a number ≥ 0" : "no such threshold");
        }
    }
    const breachesOk = Array.isArray(v.breaches) && v.breaches.every((b) => typeof b === "string" && b !== "");
    need("breaches", v.breaches, breachesOk, "a list of sentences");
    need("verdict", v.verdict, v.verdict === "pass" || v.verdict === "fail", '"pass" or "fail"');
    if (breachesOk && (v.verdict === "pass" || v.verdict === "fail")) {
        const expected = (v.breaches as string[]).length === 0 ? "pass" : "fail";
        need("verdict", v.verdict, v.verdict === expected, `"${expected}" (${(v.breaches as string[]).length} breaches)`);
    }
    if (v.twinScaledToZero === false && v.verdict === "pass") {
        problems.push(`verdict = "pass" with twinScaledToZero = false; accepted: "fail" (the twin must end at 0 replicas)`);
    }
    return problems;
}

function roundTimesProblems(field: string, value: unknown, rounds: number | undefined): string[] {
    if (!isObject(value)) return [`${field} = ${describe(value)}; accepted: an object with median and rounds (seconds)`];
    const problems: string[] = [];
    const seconds = (x: unknown) => x === null || (typeof x === "number" && Number.isFinite(x) && x >= 0);
    const list = value.rounds;
    if (!Array.isArray(list) || !list.every(seconds)) {
        problems.push(`${field}.rounds = ${describe(list)}; accepted: a list of seconds ≥ 0 or null, one per round`);
    } else if (rounds !== undefined && list.length !== rounds) {
        problems.push(`${field}.rounds has ${list.length} values; accepted: one per round (${rounds})`);
    }
    const listOk = Array.isArray(list) && list.every(seconds);
    if (!seconds(value.median)) {
        problems.push(`${field}.median = ${describe(value.median)}; accepted: seconds ≥ 0, or null when the median round timed out`);
    } else if (listOk) {
        const expected = medianSeconds(list as (number | null)[]);
        if (value.median !== expected) problems.push(`${field}.median = ${describe(value.median)}; accepted: ${describe(expected)}, the median of its rounds (timed-out rounds counted as longest)`);
    }
    const nulls = listOk ? (list as unknown[]).filter((x) => x === null).length : undefined;
    if (!isWhole(value.timedOut) || (nulls !== undefined && value.timedOut !== nulls)) {
        problems.push(`${field}.timedOut = ${describe(value.timedOut)}; accepted: ${nulls ?? "a whole number"}, the rounds that timed out (nulls)`);
    }
    const limit = value.timeoutSeconds;
    if (typeof limit !== "number" || !Number.isFinite(limit) || limit <= 0) {
        problems.push(`${field}.timeoutSeconds = ${describe(limit)}; accepted: seconds > 0 (the per-round limit)`);
    } else if (listOk && (list as (number | null)[]).some((x) => x !== null && x > limit + 1)) {
        problems.push(`${field}.rounds = ${describe(list)}; accepted: values within timeoutSeconds ${limit} (a round over its limit timed out)`);
    }
    return problems;
}

function footprintProblems(field: string, value: unknown): string[] {
    if (!isObject(value)) return [`${field} = ${describe(value)}; accepted: an object with pods, samples, cpuMillicores, memoryMiB, maxMemoryMiB`];
    const problems: string[] = [];
    for (const count of ["pods", "samples"] as const) {
        if (!isWhole(value[count]) || (value[count] as number) < 0) problems.push(`${field}.${count} = ${describe(value[count])}; accepted: a whole number ≥ 0`);
    }
    for (const figure of ["cpuMillicores", "memoryMiB", "maxMemoryMiB"] as const) {
        const x = value[figure];
        const ok = x === null || (typeof x === "number" && Number.isFinite(x) && x >= 0);
        if (!ok) problems.push(`${field}.${figure} = ${describe(x)}; accepted: a number ≥ 0, or null when nothing was sampled`);
        else if (value.samples === 0 && x !== null) problems.push(`${field}.${figure} = ${describe(x)} with samples = 0; accepted: null`);
    }
    const reason = value.noSampleReason;
    if (value.samples === 0 && (typeof reason !== "string" || reason === "")) {
        problems.push(`${field}.noSampleReason = ${describe(reason)} with samples = 0; accepted: a sentence saying why nothing was sampled`);
    } else if (isWhole(value.samples) && (value.samples as number) > 0 && reason !== null) {
        problems.push(`${field}.noSampleReason = ${describe(reason)} with samples = ${String(value.samples)}; accepted: null`);
    }
    return problems;
}

/**
 * The median of ALL the rounds, rounded to milliseconds, a null (a round that timed out) counting as longer than
 * any measured round: it took at least its timeout, and how much longer is unknown. With an even count, the mean
 * of the two middle values. Null when the median falls on a timed-out round (more than half timed out, or half
 * with an even count): then it is only known to exceed the timeout. Leaving timed-out rounds out instead would
 * make `[3.1, null, null]` a median of 3.1 s, and the slowest side look fastest (issue 19).
 */
export function medianSeconds(values: readonly (number | null)[]): number | null {
    const m = median(values.map((x) => (x === null ? Number.POSITIVE_INFINITY : x)));
    return m === null || !Number.isFinite(m) ? null : round(m, 3);
}

/** The {@link RoundTimes} of one figure: its per-round values (null: timed out) and the per-round limit. */
export function roundTimes(values: readonly (number | null)[], timeoutSeconds: number): RoundTimes {
    return { median: medianSeconds(values), rounds: [...values], timedOut: values.filter((x) => x === null).length, timeoutSeconds };
}

/** The median of `values` (unrounded), or null for an empty list. */
export function median(values: readonly number[]): number | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Config key of each threshold, as the user sets it (`pulumi config set aks-wasm:<key>`). */
export const THRESHOLD_CONFIG_KEYS: Record<keyof MeasurementThresholds, string> = {
    maxScaleOutSeconds: "aks-wasm:measureMaxScaleOutSeconds",
    maxFirstResponseSeconds: "aks-wasm:measureMaxFirstResponseSeconds",
    maxPodMemoryMiB: "aks-wasm:measureMaxPodMemoryMiB",
};

/**
 * Each threshold `m` breaches, as a sentence naming the config key, the value measured and the limit. Limits are
 * inclusive (a median equal to the limit passes); 0 or absent checks nothing. A threshold whose figure was not
 * measured at all (every round timed out; no memory sample) is a breach: a gate that cannot see must not pass.
 * A twin left above 0 replicas is always a breach.
 *
 * Memory is judged on the largest one pod's working set seen under load, or at idle when there was no
 * under-load sample (the load test is off or too short for a metrics window; see apps/measure/README.md).
 */
export function evaluateMeasurementThresholds(
    m: Pick<MeasurementResult, "replicas" | "twinDeployment" | "allReady" | "firstResponse" | "footprint" | "twinScaledToZero" | "thresholds">,
): string[] {
    const breaches: string[] = [];
    const t = m.thresholds;
    const key = THRESHOLD_CONFIG_KEYS;
    // A median that fell on a timed-out round is over its timeout: a breach unless the limit is above the timeout,
    // in which case it cannot be checked, which is a breach too (a gate that cannot see must not pass).
    const timeOf = (what: string, times: RoundTimes, limit: number, configKey: string) => {
        const counted = `${times.timedOut} of ${times.rounds.length} rounds timed out, each counted as longer than any measured round`;
        const v = times.median;
        if (v === null) {
            breaches.push(
                times.timeoutSeconds >= limit
                    ? `median time until ${what} is over the ${times.timeoutSeconds} s round timeout (${counted}), so it exceeds ${configKey} ${limit} s`
                    : `median time until ${what} is over the ${times.timeoutSeconds} s round timeout (${counted}), so ${configKey} ${limit} s cannot be checked`,
            );
        } else if (v > limit) {
            breaches.push(`median time until ${what}, ${v} s, exceeds ${configKey} ${limit} s${times.timedOut > 0 ? ` (${counted})` : ""}`);
        }
    };
    if (t.maxScaleOutSeconds) timeOf(`all ${m.replicas} twin pods were Ready`, m.allReady, t.maxScaleOutSeconds, key.maxScaleOutSeconds);
    if (t.maxFirstResponseSeconds) timeOf("a fresh twin pod answered", m.firstResponse, t.maxFirstResponseSeconds, key.maxFirstResponseSeconds);
    if (t.maxPodMemoryMiB) {
        const underLoad = m.footprint.underLoad.maxMemoryMiB;
        const v = underLoad ?? m.footprint.idle.maxMemoryMiB;
        const when = underLoad !== null ? "under load" : `at idle (no under-load sample: ${m.footprint.underLoad.noSampleReason ?? "none taken"})`;
        if (v === null) breaches.push(`no memory sample of the serving pods, so ${key.maxPodMemoryMiB} ${t.maxPodMemoryMiB} MiB cannot be checked`);
        else if (v > t.maxPodMemoryMiB) breaches.push(`largest serving pod working set ${when}, ${v} MiB, exceeds ${key.maxPodMemoryMiB} ${t.maxPodMemoryMiB} MiB`);
    }
    if (!m.twinScaledToZero) breaches.push(`the twin Deployment ${m.twinDeployment} did not end at 0 replicas: scale it to 0 by hand (kubectl scale deployment ${m.twinDeployment} --replicas=0)`);
    return breaches;
}

/**
 * Wasm ÷ container for each figure: below 1 means the Wasm app is faster or smaller. Rounded to 3 decimals; null
 * where either side is missing or the container's figure is 0 (JSON carries no Infinity or NaN). CPU and memory
 * are the per-pod medians; `pulledBytes` is compared only when both sides are {@link MeasurementSummary}s.
 */
export function compareMeasurements(
    wasm: MeasurementResult | MeasurementSummary,
    container: MeasurementResult | MeasurementSummary,
): MeasurementComparison {
    const pulled = (m: MeasurementResult | MeasurementSummary) => ("pulledBytes" in m ? m.pulledBytes : null);
    const incomplete: string[] = [];
    // A ratio only where both sides have every round: else "incomplete", with the counts.
    const complete = (figure: string, w: RoundTimes, c: RoundTimes): number | null => {
        if (w.timedOut === 0 && c.timedOut === 0) return ratio(w.median, c.median);
        incomplete.push(`${figure}: wasm ${w.timedOut} of ${w.rounds.length} rounds timed out, container ${c.timedOut} of ${c.rounds.length}`);
        return null;
    };
    return {
        allReadyMedian: complete("allReadyMedian", wasm.allReady, container.allReady),
        firstResponseMedian: complete("firstResponseMedian", wasm.firstResponse, container.firstResponse),
        idleMemoryMiB: ratio(wasm.footprint.idle.memoryMiB, container.footprint.idle.memoryMiB),
        underLoadMemoryMiB: ratio(wasm.footprint.underLoad.memoryMiB, container.footprint.underLoad.memoryMiB),
        idleCpuMillicores: ratio(wasm.footprint.idle.cpuMillicores, container.footprint.idle.cpuMillicores),
        underLoadCpuMillicores: ratio(wasm.footprint.underLoad.cpuMillicores, container.footprint.underLoad.cpuMillicores),
        pulledBytes: ratio(pulled(wasm), pulled(container)),
        incomplete,
    };
}

// The same rule as lib/results/ratio.ts, kept here because this file imports nothing (the measurement image copies it alone).
function ratio(numerator: number | null, denominator: number | null): number | null {
    if (numerator === null || denominator === null || denominator === 0) return null;
    return round(numerator / denominator, 3);
}

function round(x: number, digits: number): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f + 0;
}

function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isWhole(x: unknown): boolean {
    return typeof x === "number" && Number.isSafeInteger(x);
}

function isTimestamp(x: unknown): boolean {
    return typeof x === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(x) && !Number.isNaN(Date.parse(x));
}

function describe(value: unknown): string {
    if (value === undefined) return "missing";
    return JSON.stringify(value) ?? String(value);
}

function quote(text: string): string {
    if (text.trim() === "") return "(empty)";
    return JSON.stringify(text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text);
}
