/**
 * Reading the load generator's verdict back: the Job's log holds whatever the CLI wrote (progress, warnings) and
 * exactly one JSON summary line. This module finds that line, checks its shape field by field, and compares two
 * summaries (the Wasm app against the container baseline). Pure: strings in, values or one clear error out.
 * The summary's type is the CLI's own (apps/loadtest/src/summary.ts); this module checks the fields it relies on.
 */
import type { LoadTestSummary } from "../../apps/loadtest/src/summary";
import { ratio, round } from "./ratio";

export type { LoadTestSummary };

/** Thrown when the log holds no usable summary; says what was expected and shows what came. */
export class LoadTestResultError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LoadTestResultError";
    }
}

/** How much of an unusable log an error message quotes. */
const QUOTE_CHARS = 400;

/**
 * Finds the JSON summary line in `log` (the Job's whole log) and validates it. Lines that are not JSON objects
 * are skipped (progress output, warnings). When no JSON object in the log is a valid summary, the error names
 * each bad field of the last one, because a changed CLI output format must not pass silently.
 *
 * @param source what the log is from (`load test "wasm"`), for the error message.
 */
export function parseLoadTestOutput(log: string, source = "load test"): LoadTestSummary {
    const candidates: { line: number; value: unknown }[] = [];
    log.split(/\r?\n/).forEach((text, i) => {
        const trimmed = text.trim();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return;
        try {
            candidates.push({ line: i + 1, value: JSON.parse(trimmed) });
        } catch {
            // A line that merely looks like JSON (a progress table, a stack trace) is not the summary.
        }
    });
    if (candidates.length === 0) {
        throw new LoadTestResultError(
            `${source}: no JSON summary line in the output; expected one line holding a JSON object with ` +
                `url, requests, rps, latency.p50, latency.p99, errors, errorRate, verdict and breaches (apps/loadtest). ` +
                `Output was: ${quote(log)}`,
        );
    }
    // The last valid summary wins: one pod's log holds one run, and a later run in it would be the verdict.
    for (let i = candidates.length - 1; i >= 0; i--) {
        if (summaryProblems(candidates[i].value).length === 0) return candidates[i].value as LoadTestSummary;
    }
    const last = candidates[candidates.length - 1];
    throw new LoadTestResultError(
        `${source}: the JSON on output line ${last.line} is not a load-test summary:\n` +
            summaryProblems(last.value).map((p) => `  - ${p}`).join("\n"),
    );
}

/** Every way `value` falls short of a `LoadTestSummary`, each naming the field, the value and what is accepted. */
export function summaryProblems(value: unknown): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [`the summary is ${describe(value)}; accepted: a JSON object`];
    }
    const v = value as Record<string, unknown>;
    const problems: string[] = [];
    const need = (field: string, actual: unknown, ok: boolean, accepted: string) => {
        if (!ok) problems.push(`${field} = ${describe(actual)}; accepted: ${accepted}`);
    };
    const isCount = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
    const isNonNegative = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;
    const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

    need("url", v.url, typeof v.url === "string" && v.url !== "", "a non-empty string");
    need("name", v.name, v.name === null || typeof v.name === "string", "a string or null");
    need("durationSeconds", v.durationSeconds, isNonNegative(v.durationSeconds), "a finite number ≥ 0");
    need("connections", v.connections, isCount(v.connections), "a whole number ≥ 0");
    need("requests", v.requests, isCount(v.requests), "a whole number ≥ 0");
    need("errors", v.errors, isCount(v.errors), "a whole number ≥ 0");
    need("rps", v.rps, isNonNegative(v.rps), "a finite number ≥ 0");
    need(
        "errorRate",
        v.errorRate,
        v.errorRate === null || (typeof v.errorRate === "number" && v.errorRate >= 0 && v.errorRate <= 1),
        "a number from 0 to 1, or null (no attempt)",
    );
    if (v.latency !== null) {
        if (!isObject(v.latency)) {
            need("latency", v.latency, false, "an object of percentiles in milliseconds with p50 and p99, or null (no response)");
        } else {
            need("latency.p50", v.latency.p50, isNonNegative(v.latency.p50), "a finite number ≥ 0 (milliseconds)");
            need("latency.p99", v.latency.p99, isNonNegative(v.latency.p99), "a finite number ≥ 0 (milliseconds)");
        }
    }
    need("verdict", v.verdict, v.verdict === "pass" || v.verdict === "fail", '"pass" or "fail"');
    need(
        "breaches",
        v.breaches,
        Array.isArray(v.breaches) && v.breaches.every((b) => isObject(b) && typeof b.message === "string"),
        "a list of objects, each with a message",
    );
    return problems;
}

/** The Wasm app measured against the container baseline: each ratio is subject ÷ baseline. */
export interface LoadTestComparison {
    /** Target names compared. */
    subject: string;
    baseline: string;
    /** Throughput ratio: above 1 means the subject answered more requests per second. */
    rpsRatio: number | null;
    /** Median latency ratio: below 1 means the subject answered faster. */
    p50Ratio: number | null;
    /** p99 latency ratio: below 1 means the subject's tail is shorter. */
    p99Ratio: number | null;
    /** Subject's error rate minus the baseline's (0.01 = one percentage point). Null when either made no attempt. */
    errorRateDelta: number | null;
}

/**
 * Compares `subject` with `baseline`. Ratios are rounded to 3 decimals (the runs are seconds long: more digits
 * would be noise); a ratio that cannot be formed (a run without responses, a zero denominator) is null rather
 * than Infinity or NaN, which JSON cannot carry.
 */
export function compareSummaries(
    subject: { name: string; summary: LoadTestSummary },
    baseline: { name: string; summary: LoadTestSummary },
): LoadTestComparison {
    const s = subject.summary;
    const b = baseline.summary;
    return {
        subject: subject.name,
        baseline: baseline.name,
        rpsRatio: ratio(s.rps, b.rps),
        p50Ratio: ratio(s.latency?.p50, b.latency?.p50),
        p99Ratio: ratio(s.latency?.p99, b.latency?.p99),
        errorRateDelta: s.errorRate === null || b.errorRate === null ? null : round(s.errorRate - b.errorRate, 6),
    };
}


function describe(value: unknown): string {
    if (value === undefined) return "missing";
    return JSON.stringify(value) ?? String(value);
}

function quote(text: string): string {
    if (text.trim() === "") return "(empty)";
    return JSON.stringify(text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text);
}
