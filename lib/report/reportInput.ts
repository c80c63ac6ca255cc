/**
 * Reading `pulumi stack output --json` for the report (scripts/report.ts): checks that the JSON is an aks-wasm
 * stack's outputs of contract major 1, and turns the fields the report shows into one normalized shape where an
 * absent figure is `null` ("not measured"). Pure: text in, a value or one error listing every problem out.
 *
 * Only `contractVersion`, `clusterName`, `apps` and `loadTest` are read. Nothing else is copied, so a secret output
 * (`kubeconfig`, "[secret]" without `--show-secrets`, plain text with it) never reaches the report
 * (platform-contracts REPORT-1).
 */
import { OUTPUTS_CONTRACT_VERSION } from "../../outputs";
import type { LoadTestComparison } from "../results/loadTestResult";
import type { MeasurementComparison, MeasurementSummary, MeasurementThresholds, PodFootprint, RoundTimes } from "../results/measurementResult";

/**
 * The schema fields this module reads by name. `satisfies` makes tsc fail here when lib/results/measurementResult.ts or
 * lib/results/loadTestResult.ts renames or drops one, instead of the report quietly printing "not measured".
 */
export const FIELDS_READ = {
    measurement: ["replicas", "rounds", "allReady", "firstResponse", "scaleIn", "footprint", "pulledBytes", "twinScaledToZero", "verdict", "breaches", "thresholds"] as const satisfies readonly (keyof MeasurementSummary)[],
    footprintWhen: ["idle", "underLoad"] as const satisfies readonly (keyof MeasurementSummary["footprint"])[],
    thresholds: ["maxScaleOutSeconds", "maxFirstResponseSeconds", "maxPodMemoryMiB"] as const satisfies readonly (keyof MeasurementThresholds)[],
    times: ["median", "rounds", "timedOut", "timeoutSeconds"] as const satisfies readonly (keyof RoundTimes)[],
    footprint: ["pods", "samples", "cpuMillicores", "memoryMiB", "maxMemoryMiB", "noSampleReason"] as const satisfies readonly (keyof PodFootprint)[],
    measurementComparison: ["allReadyMedian", "firstResponseMedian", "idleMemoryMiB", "underLoadMemoryMiB", "idleCpuMillicores", "underLoadCpuMillicores", "pulledBytes"] as const satisfies readonly (keyof MeasurementComparison)[],
    loadTestComparison: ["subject", "baseline", "rpsRatio", "p50Ratio", "p99Ratio", "errorRateDelta"] as const satisfies readonly (keyof LoadTestComparison)[],
};

/** Thrown for input the report cannot use; the CLI prints the message and exits 2. */
export class ReportInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReportInputError";
    }
}

/** A median and its per-round values, seconds. */
export interface ReportTimes {
    /** As exported (contract 1.2 left timed-out rounds out of it; the report recomputes it from `rounds`). */
    median: number | null;
    /** null: absent from the outputs. An element null: that round did not reach the point (timed out). */
    rounds: (number | null)[] | null;
    /** Rounds that timed out: as exported (1.3), else the nulls of `rounds`; null when `rounds` is absent. */
    timedOut: number | null;
    /** The per-round limit (1.3); null when not exported. */
    timeoutSeconds: number | null;
}

/** Per-pod CPU and memory of the serving Deployment. */
export interface ReportFootprint {
    pods: number | null;
    /** Metrics lists that contributed; null when not exported. */
    samples: number | null;
    /** Why nothing was sampled (1.3); null when sampled or not exported. */
    noSampleReason: string | null;
    cpuMillicores: number | null;
    memoryMiB: number | null;
    maxMemoryMiB: number | null;
}

/** One target's load test (apps/loadtest summary), the figures the report shows. */
export interface ReportLoadTest {
    requests: number | null;
    rps: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    errorRate: number | null;
    verdict: "pass" | "fail" | null;
    breaches: string[];
    thresholds: { maxP99Ms: number | null; maxErrorRate: number | null; minRps: number | null };
}

/** One target's scale-out, startup and footprint measurement (lib/results/measurementResult.ts MeasurementSummary). */
export interface ReportMeasurement {
    replicas: number | null;
    rounds: number | null;
    allReady: ReportTimes;
    firstResponse: ReportTimes;
    scaleIn: ReportTimes;
    idle: ReportFootprint;
    underLoad: ReportFootprint;
    pulledBytes: number | null;
    twinScaledToZero: boolean | null;
    verdict: "pass" | "fail" | null;
    breaches: string[];
    thresholds: { maxScaleOutSeconds: number | null; maxFirstResponseSeconds: number | null; maxPodMemoryMiB: number | null };
}

/** Wasm ÷ container ratios as the stack exported them (null: not exported or not formable). */
export interface ReportRatios extends Omit<MeasurementComparison, "incomplete"> {
    rps: number | null;
    p50: number | null;
    p99: number | null;
    /** Subject's error rate minus the baseline's (a difference, not a ratio). */
    errorRateDelta: number | null;
}

/** One app in the report. */
export interface ReportApp {
    name: string;
    /** Every target seen (load test or measurement), `wasm` first, `container` second, others by name. */
    targets: string[];
    /** null: the outputs have no load test for this app (`loadTest` off). */
    loadTest: Record<string, ReportLoadTest> | null;
    /** null: the outputs carry no measurement for this app (contract 1.1, or the measurement is off). */
    measurements: Record<string, ReportMeasurement> | null;
    /** Subject and baseline of the comparison (`wasm`, `container`), when the stack exported one. */
    subject: string;
    baseline: string;
    /** Whether the stack exported a load-test comparison / a measurement comparison. */
    hasLoadTestComparison: boolean;
    hasMeasurementComparison: boolean;
    ratios: ReportRatios;
}

/** What the report shows, read from the stack outputs. */
export interface ReportInput {
    contractVersion: string;
    clusterName: string | null;
    apps: ReportApp[];
}

const READS_MAJOR = Number(OUTPUTS_CONTRACT_VERSION.split(".")[0]);

/** Collects every problem with a path, so the error lists all of them at once. */
class Reader {
    readonly problems: string[] = [];

    private bad(path: string, value: unknown, accepted: string): void {
        this.problems.push(`${path} = ${describe(value)}; accepted: ${accepted}`);
    }

    object(value: unknown, path: string): Record<string, unknown> | null {
        if (value === undefined || value === null) return null;
        if (!isObject(value)) {
            this.bad(path, value, "an object");
            return null;
        }
        return value;
    }

    /** A finite number ≥ 0, or null when absent (undefined or null). */
    number(value: unknown, path: string): number | null {
        if (value === undefined || value === null) return null;
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
            this.bad(path, value, "a finite number ≥ 0, or null");
            return null;
        }
        return value;
    }

    /** A ratio may be any finite number (an error-rate delta is negative when the subject erred less). */
    signed(value: unknown, path: string): number | null {
        if (value === undefined || value === null) return null;
        if (typeof value !== "number" || !Number.isFinite(value)) {
            this.bad(path, value, "a finite number, or null");
            return null;
        }
        return value;
    }

    boolean(value: unknown, path: string): boolean | null {
        if (value === undefined || value === null) return null;
        if (typeof value !== "boolean") {
            this.bad(path, value, "true or false");
            return null;
        }
        return value;
    }

    verdict(value: unknown, path: string): "pass" | "fail" | null {
        if (value === undefined || value === null) return null;
        if (value !== "pass" && value !== "fail") {
            this.bad(path, value, '"pass" or "fail"');
            return null;
        }
        return value;
    }

    /** Breach sentences: strings (measurement) or objects with a message (load test). */
    messages(value: unknown, path: string): string[] {
        if (value === undefined || value === null) return [];
        if (!Array.isArray(value)) {
            this.bad(path, value, "a list");
            return [];
        }
        const out: string[] = [];
        value.forEach((b, i) => {
            if (typeof b === "string") out.push(b);
            else if (isObject(b) && typeof b.message === "string") out.push(b.message);
            else this.bad(`${path}[${i}]`, b, "a sentence, or an object with a message");
        });
        return out;
    }

    times(value: unknown, path: string): ReportTimes {
        const o = this.object(value, path);
        if (!o) return { median: null, rounds: null, timedOut: null, timeoutSeconds: null };
        let rounds: (number | null)[] | null = null;
        if (o.rounds !== undefined && o.rounds !== null) {
            if (!Array.isArray(o.rounds)) this.bad(`${path}.rounds`, o.rounds, "a list of numbers or nulls");
            else rounds = o.rounds.map((r, i) => this.number(r, `${path}.rounds[${i}]`));
        }
        const exported = this.number(o.timedOut, `${path}.timedOut`);
        const nulls = rounds ? rounds.filter((r) => r === null).length : null;
        return { median: this.number(o.median, `${path}.median`), rounds, timedOut: exported ?? nulls, timeoutSeconds: this.number(o.timeoutSeconds, `${path}.timeoutSeconds`) };
    }

    text(value: unknown, path: string): string | null {
        if (value === undefined || value === null) return null;
        if (typeof value !== "string") {
            this.bad(path, value, "a string, or null");
            return null;
        }
        return value;
    }

    footprint(value: unknown, path: string): ReportFootprint {
        const o = this.object(value, path) ?? {};
        return {
            pods: this.number(o.pods, `${path}.pods`),
            samples: this.number(o.samples, `${path}.samples`),
            noSampleReason: this.text(o.noSampleReason, `${path}.noSampleReason`),
            cpuMillicores: this.number(o.cpuMillicores, `${path}.cpuMillicores`),
            memoryMiB: this.number(o.memoryMiB, `${path}.memoryMiB`),
            maxMemoryMiB: this.number(o.maxMemoryMiB, `${path}.maxMemoryMiB`),
        };
    }
}

/** The major part of a `MAJOR.MINOR` version, or undefined when the value is not one. */
export function contractMajor(version: unknown): number | undefined {
    if (typeof version !== "string") return undefined;
    const m = /^(\d+)\.(\d+)$/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/**
 * Parses the text of `pulumi stack output --json` (the whole JSON object of a stack's outputs). Throws a
 * {@link ReportInputError} when the text is not JSON, not an aks-wasm stack's outputs, of another contract major,
 * or when a field the report reads has the wrong type (every such field named at once).
 */
export function parseStackOutputs(text: string, source = "the input"): ReportInput {
    const usage = "expected the JSON that `pulumi stack output --json` prints for an aks-wasm stack";
    if (text.trim() === "") throw new ReportInputError(`${source} is empty; ${usage}.`);
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new ReportInputError(`${source} is not JSON (${(e as Error).message}); ${usage}.`);
    }
    // The value itself is not quoted: it could be one output printed alone, e.g. a kubeconfig with --show-secrets.
    if (!isObject(value)) throw new ReportInputError(`${source} is ${kindOf(value)}, not a JSON object of stack outputs; ${usage}.`);
    const version = value.contractVersion;
    const major = contractMajor(version);
    if (major === undefined) {
        throw new ReportInputError(
            `${source} has no usable contractVersion (found ${describe(version, 80)}); ${usage} ` +
                `(outputs contract ${READS_MAJOR}.x, a "MAJOR.MINOR" string). Is it the output of an aks-wasm stack?`,
        );
    }
    if (major !== READS_MAJOR) {
        throw new ReportInputError(
            `${source} is outputs contract ${String(version)}, but this report reads contract ${READS_MAJOR}.x ` +
                `(OUTPUTS_CONTRACT_VERSION ${OUTPUTS_CONTRACT_VERSION}). Use the report of the release that deployed the stack.`,
        );
    }

    const r = new Reader();
    if (!isObject(value.apps)) r.problems.push(`apps = ${describe(value.apps)}; accepted: an object of apps (every aks-wasm stack exports it)`);
    const appNames = isObject(value.apps) ? Object.keys(value.apps) : [];
    const loadTest = r.object(value.loadTest, "loadTest") ?? {};
    // An app with a load test but absent from `apps` is still shown: the report hides nothing it was given.
    const names = [...new Set([...appNames, ...Object.keys(loadTest)])].sort();
    const apps = names.map((name) => readApp(r, name, loadTest[name]));
    if (r.problems.length > 0) {
        throw new ReportInputError(
            `${source} (outputs contract ${String(version)}) has fields the report cannot read:\n` + r.problems.map((p) => `  - ${p}`).join("\n"),
        );
    }
    return { contractVersion: String(version), clusterName: typeof value.clusterName === "string" ? value.clusterName : null, apps };
}

function readApp(r: Reader, name: string, raw: unknown): ReportApp {
    const base = `loadTest.${name}`;
    const o = r.object(raw, base);
    const summaries = o ? r.object(o.summaries, `${base}.summaries`) : null;
    const measurementsRaw = o ? r.object(o.measurements, `${base}.measurements`) : null;
    const comparison = o ? r.object(o.comparison, `${base}.comparison`) : null;
    const mc = o ? r.object(o.measurementComparison, `${base}.measurementComparison`) : null;

    const loadTest = summaries
        ? Object.fromEntries(Object.entries(summaries).map(([t, s]) => [t, readLoadTest(r, s, `${base}.summaries.${t}`)]))
        : null;
    const measurements = measurementsRaw
        ? Object.fromEntries(Object.entries(measurementsRaw).map(([t, m]) => [t, readMeasurement(r, m, `${base}.measurements.${t}`)]))
        : null;
    const targets = orderTargets([...Object.keys(loadTest ?? {}), ...Object.keys(measurements ?? {})]);
    const c = comparison ?? {};
    const m = mc ?? {};
    const cp = `${base}.comparison`;
    const mp = `${base}.measurementComparison`;
    return {
        name,
        targets,
        loadTest,
        measurements,
        subject: typeof c.subject === "string" ? c.subject : "wasm",
        baseline: typeof c.baseline === "string" ? c.baseline : "container",
        hasLoadTestComparison: comparison !== null,
        hasMeasurementComparison: mc !== null,
        ratios: {
            rps: r.signed(c.rpsRatio, `${cp}.rpsRatio`),
            p50: r.signed(c.p50Ratio, `${cp}.p50Ratio`),
            p99: r.signed(c.p99Ratio, `${cp}.p99Ratio`),
            errorRateDelta: r.signed(c.errorRateDelta, `${cp}.errorRateDelta`),
            allReadyMedian: r.signed(m.allReadyMedian, `${mp}.allReadyMedian`),
            firstResponseMedian: r.signed(m.firstResponseMedian, `${mp}.firstResponseMedian`),
            idleMemoryMiB: r.signed(m.idleMemoryMiB, `${mp}.idleMemoryMiB`),
            underLoadMemoryMiB: r.signed(m.underLoadMemoryMiB, `${mp}.underLoadMemoryMiB`),
            idleCpuMillicores: r.signed(m.idleCpuMillicores, `${mp}.idleCpuMillicores`),
            underLoadCpuMillicores: r.signed(m.underLoadCpuMillicores, `${mp}.underLoadCpuMillicores`),
            pulledBytes: r.signed(m.pulledBytes, `${mp}.pulledBytes`),
        },
    };
}

function readLoadTest(r: Reader, raw: unknown, path: string): ReportLoadTest {
    const s = r.object(raw, path) ?? {};
    const latency = r.object(s.latency, `${path}.latency`) ?? {};
    const th = r.object(s.thresholds, `${path}.thresholds`) ?? {};
    const errorRate = r.number(s.errorRate, `${path}.errorRate`);
    if (errorRate !== null && errorRate > 1) r.problems.push(`${path}.errorRate = ${errorRate}; accepted: a number from 0 to 1, or null`);
    return {
        requests: r.number(s.requests, `${path}.requests`),
        rps: r.number(s.rps, `${path}.rps`),
        p50: r.number(latency.p50, `${path}.latency.p50`),
        p95: r.number(latency.p95, `${path}.latency.p95`),
        p99: r.number(latency.p99, `${path}.latency.p99`),
        errorRate,
        verdict: r.verdict(s.verdict, `${path}.verdict`),
        breaches: r.messages(s.breaches, `${path}.breaches`),
        thresholds: {
            maxP99Ms: r.number(th.maxP99Ms, `${path}.thresholds.maxP99Ms`),
            maxErrorRate: r.number(th.maxErrorRate, `${path}.thresholds.maxErrorRate`),
            minRps: r.number(th.minRps, `${path}.thresholds.minRps`),
        },
    };
}

function readMeasurement(r: Reader, raw: unknown, path: string): ReportMeasurement {
    const m = r.object(raw, path) ?? {};
    const footprint = r.object(m.footprint, `${path}.footprint`) ?? {};
    const th = r.object(m.thresholds, `${path}.thresholds`) ?? {};
    // A threshold of 0 checks nothing (lib/results/measurementResult.ts MeasurementThresholds): shown as not set.
    const limit = (v: unknown, p: string) => {
        const n = r.number(v, p);
        return n === 0 ? null : n;
    };
    return {
        replicas: r.number(m.replicas, `${path}.replicas`),
        rounds: r.number(m.rounds, `${path}.rounds`),
        allReady: r.times(m.allReady, `${path}.allReady`),
        firstResponse: r.times(m.firstResponse, `${path}.firstResponse`),
        scaleIn: r.times(m.scaleIn, `${path}.scaleIn`),
        idle: r.footprint(footprint.idle, `${path}.footprint.idle`),
        underLoad: r.footprint(footprint.underLoad, `${path}.footprint.underLoad`),
        pulledBytes: r.number(m.pulledBytes, `${path}.pulledBytes`),
        twinScaledToZero: r.boolean(m.twinScaledToZero, `${path}.twinScaledToZero`),
        verdict: r.verdict(m.verdict, `${path}.verdict`),
        breaches: r.messages(m.breaches, `${path}.breaches`),
        thresholds: {
            maxScaleOutSeconds: limit(th.maxScaleOutSeconds, `${path}.thresholds.maxScaleOutSeconds`),
            maxFirstResponseSeconds: limit(th.maxFirstResponseSeconds, `${path}.thresholds.maxFirstResponseSeconds`),
            maxPodMemoryMiB: limit(th.maxPodMemoryMiB, `${path}.thresholds.maxPodMemoryMiB`),
        },
    };
}

/** `wasm` first, `container` second (the subject beside its baseline), any other target after them by name. */
export function orderTargets(targets: string[]): string[] {
    const rank = (t: string) => (t === "wasm" ? 0 : t === "container" ? 1 : 2);
    return [...new Set(targets)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a JSON array";
    return `a JSON ${typeof value}`;
}

function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

function describe(value: unknown, max = 120): string {
    if (value === undefined) return "missing";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > max ? `${text.slice(0, max)}…` : text;
}
