/**
 * Pure functions from a finished autocannon run to the one-line JSON summary and its verdict.
 *
 * Counting (autocannon 8, lib/run.js):
 * - `requests`: responses received, any status (1xx-5xx).
 * - `errors`: requests that got no response: connection errors, resets and timeouts. autocannon already counts
 *   every timeout in `errors` (and again in `timeouts`), so timeouts are NOT added a second time.
 * - `attempts` = requests + errors. Requests still in flight when the run stops are in neither.
 * - `errorRate` = (errors + non2xx) / attempts, where non2xx counts 1xx, 3xx, 4xx and 5xx responses; `null` when
 *   there was no attempt at all (zero responses is then a breach on its own).
 * - `rps` = requests / durationSeconds (responses of any status per second of the run).
 * - `latency`: percentiles of the time to a complete response, in milliseconds, over all responses (non-2xx
 *   included, as autocannon does by default); errors and timeouts have no latency. `null` with no responses.
 */
import type { LoadTestOptions, LoadTestThresholds } from "./options";

/** The fields of autocannon's `Result` that the summary reads (see its type in @types/autocannon). */
export interface AutocannonCounts {
    /** Elapsed seconds of the run, as autocannon measured it. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    "1xx": number;
    "2xx": number;
    "3xx": number;
    "4xx": number;
    "5xx": number;
    start: Date;
    finish: Date;
    statusCodeStats?: Record<string, { count?: number }>;
}

/** Latency percentiles in milliseconds, from the runner's own histogram (autocannon's result has no p95). */
export interface LatencyPercentiles {
    p50: number;
    p95: number;
    p99: number;
    mean: number;
    max: number;
}

/** What was measured, before any threshold is applied. */
export interface LoadTestMeasurement {
    name: string | null;
    url: string;
    connections: number;
    startedAt: string;
    finishedAt: string;
    durationSeconds: number;
    requests: number;
    attempts: number;
    /** 2xx responses. */
    ok: number;
    non2xx: number;
    errors: number;
    /** Part of `errors`. */
    timeouts: number;
    /** Responses per HTTP status code. */
    statusCodes: Record<string, number>;
    errorRate: number | null;
    rps: number;
    latency: LatencyPercentiles | null;
}

export type ThresholdCheck = "minResponses" | "maxP99Ms" | "maxErrorRate" | "minRps";

/** One failed check: which, the limit, the measured value and a sentence for humans. */
export interface ThresholdBreach {
    check: ThresholdCheck;
    limit: number;
    actual: number | null;
    message: string;
}

/** The JSON line the CLI prints. */
export interface LoadTestSummary extends LoadTestMeasurement {
    thresholds: { maxP99Ms: number | null; maxErrorRate: number | null; minRps: number | null };
    verdict: "pass" | "fail";
    breaches: ThresholdBreach[];
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Turns autocannon's counts and the latency percentiles into the measurement (no thresholds applied). */
export function measure(
    result: AutocannonCounts,
    latency: LatencyPercentiles | null,
    options: Pick<LoadTestOptions, "url" | "connections" | "name">,
): LoadTestMeasurement {
    const requests = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"];
    const attempts = requests + result.errors;
    const statusCodes: Record<string, number> = {};
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
    return {
        name: options.name ?? null,
        url: options.url,
        connections: options.connections,
        startedAt: result.start.toISOString(),
        finishedAt: result.finish.toISOString(),
        durationSeconds: result.duration,
        requests,
        attempts,
        ok: result["2xx"],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        // Not rounded: a rate of 0.0000004 must still breach --max-error-rate 0.
        errorRate: attempts === 0 ? null : (result.errors + result.non2xx) / attempts,
        rps: result.duration > 0 ? round(requests / result.duration, 2) : 0,
        latency: requests === 0 || latency === null ? null : latency,
    };
}

/**
 * Every check that fails. Zero responses always fails, even with no threshold set: a gate that passes when
 * nothing answered would wave a dead service through. Limits are inclusive (p99 equal to the limit passes).
 */
export function evaluateThresholds(m: LoadTestMeasurement, thresholds: LoadTestThresholds): ThresholdBreach[] {
    const breaches: ThresholdBreach[] = [];
    if (m.requests === 0) {
        breaches.push({
            check: "minResponses", limit: 1, actual: 0,
            message: `no response from ${m.url} in ${m.durationSeconds} s (${m.errors} errors, ${m.timeouts} of them timeouts)`,
        });
    }
    const p99 = m.latency?.p99;
    if (thresholds.maxP99Ms !== undefined && p99 !== undefined && p99 > thresholds.maxP99Ms) {
        breaches.push({
            check: "maxP99Ms", limit: thresholds.maxP99Ms, actual: p99,
            message: `p99 latency ${p99} ms exceeds --max-p99-ms ${thresholds.maxP99Ms}`,
        });
    }
    if (thresholds.maxErrorRate !== undefined && m.errorRate !== null && m.errorRate > thresholds.maxErrorRate) {
        breaches.push({
            check: "maxErrorRate", limit: thresholds.maxErrorRate, actual: m.errorRate,
            message: `error rate ${round(m.errorRate, 6)} (${m.errors} errors + ${m.non2xx} non-2xx of ${m.attempts} attempts) exceeds --max-error-rate ${thresholds.maxErrorRate}`,
        });
    }
    if (thresholds.minRps !== undefined && m.rps < thresholds.minRps) {
        breaches.push({
            check: "minRps", limit: thresholds.minRps, actual: m.rps,
            message: `throughput ${m.rps} responses/s is below --min-rps ${thresholds.minRps}`,
        });
    }
    return breaches;
}

/** The measurement, the thresholds it was judged by, and the verdict. */
export function summarize(
    result: AutocannonCounts,
    latency: LatencyPercentiles | null,
    options: Pick<LoadTestOptions, "url" | "connections" | "name"> & LoadTestThresholds,
): LoadTestSummary {
    const measurement = measure(result, latency, options);
    const breaches = evaluateThresholds(measurement, options);
    return {
        ...measurement,
        thresholds: {
            maxP99Ms: options.maxP99Ms ?? null,
            maxErrorRate: options.maxErrorRate ?? null,
            minRps: options.minRps ?? null,
        },
        verdict: breaches.length === 0 ? "pass" : "fail",
        breaches,
    };
}
