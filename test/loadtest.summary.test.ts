import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    evaluateThresholds, measure, summarize,
    type AutocannonCounts, type LatencyPercentiles, type LoadTestMeasurement,
} from "../apps/loadtest/src/summary";

/** An autocannon result as its `Result` type describes it, with only the counted fields. */
function counts(overrides: Partial<AutocannonCounts> = {}): AutocannonCounts {
    const base: AutocannonCounts = {
        duration: 2, errors: 0, timeouts: 0, non2xx: 0,
        "1xx": 0, "2xx": 1000, "3xx": 0, "4xx": 0, "5xx": 0,
        start: new Date("2026-11-25T10:00:00.000Z"), finish: new Date("2026-11-25T10:00:02.000Z"),
        statusCodeStats: { "200": { count: 1000 } },
        ...overrides,
    };
    return base;
}

const latency: LatencyPercentiles = { p50: 1.2, p95: 4.5, p99: 9.75, mean: 1.6, max: 30 };
const target = { url: "http://hello.test/", connections: 10 };

describe("measure", () => {
    it("derives requests, attempts, error rate and rps from autocannon's counts", () => {
        const m = measure(
            counts({
                duration: 2, errors: 6, timeouts: 4, non2xx: 44, "2xx": 950, "4xx": 4, "5xx": 40,
                statusCodeStats: { "200": { count: 950 }, "404": { count: 4 }, "503": { count: 40 } },
            }),
            latency,
            { ...target, name: "spin" },
        );
        assert.deepEqual(m, {
            name: "spin", url: "http://hello.test/", connections: 10,
            startedAt: "2026-11-25T10:00:00.000Z", finishedAt: "2026-11-25T10:00:02.000Z", durationSeconds: 2,
            requests: 994, attempts: 1000, ok: 950, non2xx: 44, errors: 6, timeouts: 4,
            statusCodes: { "200": 950, "404": 4, "503": 40 },
            // (6 errors, of which 4 timeouts, + 44 non-2xx) / 1000: a timeout counts once.
            errorRate: 0.05,
            rps: 497, latency,
        });
    });

    it("has no error rate and no latency when nothing was attempted", () => {
        const m = measure(counts({ "2xx": 0, statusCodeStats: {} }), null, target);
        assert.equal(m.attempts, 0);
        assert.equal(m.errorRate, null);
        assert.equal(m.latency, null);
        assert.equal(m.rps, 0);
        assert.equal(m.name, null);
    });

    it("counts an all-errors run as error rate 1", () => {
        const m = measure(counts({ "2xx": 0, errors: 12, timeouts: 12, statusCodeStats: {} }), null, target);
        assert.equal(m.errorRate, 1);
        assert.equal(m.attempts, 12);
    });

    it("rounds rps to two decimals but keeps the error rate exact", () => {
        const m = measure(counts({ duration: 3, "2xx": 2_999_999, non2xx: 1, "5xx": 1 }), latency, target);
        assert.equal(m.rps, 1000000);
        assert.equal(m.errorRate, 1 / 3_000_000);
    });
});

function measurement(overrides: Partial<LoadTestMeasurement> = {}): LoadTestMeasurement {
    return { ...measure(counts(), latency, target), ...overrides };
}

describe("evaluateThresholds", () => {
    const table: Array<[string, Partial<LoadTestMeasurement>, Parameters<typeof evaluateThresholds>[1], string[]]> = [
        ["no thresholds, healthy run", {}, {}, []],
        ["all thresholds hold", {}, { maxP99Ms: 100, maxErrorRate: 0.01, minRps: 400 }, []],
        ["p99 equal to the limit passes", {}, { maxP99Ms: 9.75 }, []],
        ["p99 above the limit", {}, { maxP99Ms: 9.74 }, ["maxP99Ms"]],
        ["error rate equal to the limit passes", { errorRate: 0.01 }, { maxErrorRate: 0.01 }, []],
        ["error rate above the limit", { errorRate: 0.0100001 }, { maxErrorRate: 0.01 }, ["maxErrorRate"]],
        ["max error rate 0 fails on one error in a million", { errorRate: 1e-6 }, { maxErrorRate: 0 }, ["maxErrorRate"]],
        ["max error rate 0 passes a clean run", { errorRate: 0 }, { maxErrorRate: 0 }, []],
        ["max error rate 1 passes all-errors", { errorRate: 1 }, { maxErrorRate: 1 }, []],
        ["rps equal to the minimum passes", { rps: 500 }, { minRps: 500 }, []],
        ["rps below the minimum", { rps: 499.99 }, { minRps: 500 }, ["minRps"]],
        ["min rps 0 passes any run with responses", { rps: 0.5 }, { minRps: 0 }, []],
        ["several breaches are all reported", { errorRate: 0.5, rps: 10 }, { maxP99Ms: 1, maxErrorRate: 0.1, minRps: 100 },
            ["maxP99Ms", "maxErrorRate", "minRps"]],
        ["zero responses fails with no threshold set",
            { requests: 0, attempts: 0, ok: 0, errorRate: null, rps: 0, latency: null }, {}, ["minResponses"]],
        ["zero responses, all errors: also breaches rate and rps",
            { requests: 0, attempts: 40, ok: 0, errors: 40, errorRate: 1, rps: 0, latency: null },
            { maxP99Ms: 100, maxErrorRate: 0.5, minRps: 1 }, ["minResponses", "maxErrorRate", "minRps"]],
    ];
    for (const [label, overrides, thresholds, expected] of table) {
        it(label, () => {
            assert.deepEqual(evaluateThresholds(measurement(overrides), thresholds).map((b) => b.check), expected);
        });
    }

    it("says in each breach what was measured, the limit and the flag", () => {
        const breaches = evaluateThresholds(
            measurement({ errors: 3, non2xx: 7, attempts: 100, errorRate: 0.1, rps: 50 }),
            { maxP99Ms: 5, maxErrorRate: 0.01, minRps: 60 },
        );
        assert.deepEqual(breaches, [
            { check: "maxP99Ms", limit: 5, actual: 9.75, message: "p99 latency 9.75 ms exceeds --max-p99-ms 5" },
            {
                check: "maxErrorRate", limit: 0.01, actual: 0.1,
                message: "error rate 0.1 (3 errors + 7 non-2xx of 100 attempts) exceeds --max-error-rate 0.01",
            },
            { check: "minRps", limit: 60, actual: 50, message: "throughput 50 responses/s is below --min-rps 60" },
        ]);
    });
});

describe("summarize", () => {
    it("passes a healthy run and records the thresholds it was judged by", () => {
        const s = summarize(counts(), latency, { ...target, maxP99Ms: 100 });
        assert.equal(s.verdict, "pass");
        assert.deepEqual(s.breaches, []);
        assert.deepEqual(s.thresholds, { maxP99Ms: 100, maxErrorRate: null, minRps: null });
    });

    it("fails a run with zero responses even with no thresholds", () => {
        const s = summarize(counts({ "2xx": 0, errors: 5, statusCodeStats: {} }), null, target);
        assert.equal(s.verdict, "fail");
        assert.deepEqual(s.breaches.map((b) => b.message), ["no response from http://hello.test/ in 2 s (5 errors, 0 of them timeouts)"]);
    });

    it("is plain JSON: what is printed parses back to the same object", () => {
        const s = summarize(counts(), latency, { ...target, name: "x", maxErrorRate: 0 });
        assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
    });
});
