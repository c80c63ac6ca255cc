/**
 * lib/results/loadTestResult.ts without the load-test component: the Job log's summary line is found, each field it relies
 * on is checked (a changed CLI output must not pass silently), and two runs compare to the numbers the stack
 * exports. A summary with one field broken is refused and the refusal names that field.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareSummaries, LoadTestResultError, parseLoadTestOutput, summaryProblems, type LoadTestSummary } from "../lib/results/loadTestResult";

function summary(over: Record<string, unknown> = {}): LoadTestSummary {
    return {
        name: "wasm",
        url: "http://hello-wasm.apps.svc.cluster.local/",
        connections: 10,
        startedAt: "2026-11-01T00:00:00.000Z",
        finishedAt: "2026-11-01T00:00:30.000Z",
        durationSeconds: 30,
        requests: 3000,
        attempts: 3000,
        ok: 3000,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        statusCodes: { "200": 3000 },
        errorRate: 0,
        rps: 100,
        latency: { p50: 1, p95: 2, p99: 2, mean: 1, max: 4 },
        thresholds: { maxP99Ms: 500, maxErrorRate: 0.01, minRps: null },
        verdict: "pass",
        breaches: [],
        ...over,
    } as LoadTestSummary;
}

const fieldsNamed = (value: unknown) => summaryProblems(value).map((p) => p.split(" = ")[0]);
function refuses(over: Record<string, unknown>, field: string) {
    assert.deepEqual(fieldsNamed(summary(over)), [field], JSON.stringify(over));
    // Every problem says what is accepted (the text itself is free to change).
    for (const p of summaryProblems(summary(over))) assert.match(p, /; accepted: \S/, p);
}
const accepts = (over: Record<string, unknown>) => assert.deepEqual(summaryProblems(summary(over)), [], JSON.stringify(over));

describe("load-test summary: every field it relies on is checked", () => {
    it("accepts the CLI's summary, a nameless run, and a run without responses", () => {
        accepts({});
        accepts({ name: null });
        accepts({ latency: null, errorRate: null, requests: 0, rps: 0, durationSeconds: 0, connections: 0 });
        accepts({ errorRate: 1, errors: 3000, verdict: "fail", breaches: [{ check: "maxErrorRate", message: "error rate 100% > 1%" }] });
    });

    it("refuses anything but a JSON object, with one problem", () => {
        for (const value of [null, [], "x", 3]) {
            assert.equal(summaryProblems(value).length, 1, JSON.stringify(value));
            assert.match(summaryProblems(value)[0], /; accepted: \S/);
        }
    });

    it("names each broken field", () => {
        const cases: [string, unknown[]][] = [
            ["url", ["", 3, undefined]],
            ["name", [3, undefined]],
            ["durationSeconds", [-1, "30", undefined]],
            ["connections", [-1, 1.5, "10"]],
            ["requests", [-1, 2.5, "3000", undefined]],
            ["errors", [-1, 0.5, null]],
            ["rps", [-0.1, "fast", undefined]],
            ["errorRate", [-0.01, 1.01, "0", undefined]],
            ["latency", ["1ms", [], undefined]],
            ["verdict", ["ok", "PASS", undefined]],
            ["breaches", ["none", [{ msg: "x" }], [null], [{ message: 3 }], undefined]],
        ];
        for (const [field, values] of cases) for (const value of values) refuses({ [field]: value }, field);
        assert.match(summaryProblems(summary({ url: undefined }))[0], /^url = missing; /, "a missing field is called missing");
        for (const p of ["p50", "p99"]) {
            for (const bad of [-1, "1", undefined]) refuses({ latency: { ...summary().latency, [p]: bad } }, `latency.${p}`);
        }
    });
});

describe("parseLoadTestOutput", () => {
    it("takes the last valid summary among progress lines, stray JSON, CRLF ends and indented lines", () => {
        const first = summary({ rps: 1 });
        const last = summary({ rps: 2 });
        const log = ["Running 30s test", `  ${JSON.stringify(first)}  `, '{"level":"info"}', "{not json}", JSON.stringify(last), '{"not":"a summary"}', ""].join("\r\n");
        assert.deepEqual(parseLoadTestOutput(log), last);
        assert.deepEqual(parseLoadTestOutput(`   ${JSON.stringify(first)}\t`), first, "an indented line");
        assert.deepEqual(parseLoadTestOutput([JSON.stringify(first), '{"level":"info"}'].join("\n")), first, "the only valid summary is the first JSON line");
    });

    it("refuses a log without a JSON object, naming the source and quoting at most 400 characters", () => {
        assert.throws(() => parseLoadTestOutput("x".repeat(500), 'load test "wasm"'), (e: Error) => {
            assert.ok(e instanceof LoadTestResultError);
            assert.match(e.message, /^load test "wasm": /);
            assert.ok(e.message.includes(`"${"x".repeat(400)}…"`) && !e.message.includes("x".repeat(401)));
            return true;
        });
        assert.throws(() => parseLoadTestOutput(" \n "), /\(empty\)/);
        assert.throws(() => parseLoadTestOutput("y".repeat(400)), (e: Error) => e.message.endsWith(`"${"y".repeat(400)}"`), "400 characters are quoted whole");
        assert.throws(() => parseLoadTestOutput("no summary"), (e: Error) => e.name === "LoadTestResultError" && e.message.startsWith("load test: "));
        assert.throws(() => parseLoadTestOutput("[1,2]\n{\"a\": 1"), (e: Error) => e instanceof LoadTestResultError && /no JSON summary/.test(e.message));
    });

    it("refuses when no JSON object is a summary, naming the last one's line and bad fields", () => {
        const log = ['{"a":1}', "progress", JSON.stringify(summary({ rps: "fast", verdict: "ok" }))].join("\n");
        assert.throws(() => parseLoadTestOutput(log, "lt"), (e: Error) => {
            assert.ok(e instanceof LoadTestResultError);
            assert.match(e.message, /^lt: the JSON on output line 3 /);
            assert.match(e.message, /\n {2}- rps = "fast"/);
            assert.match(e.message, /\n {2}- verdict = "ok"/);
            return true;
        });
    });
});

describe("compareSummaries", () => {
    it("divides subject by baseline and subtracts error rates, rounded", () => {
        const c = compareSummaries(
            { name: "wasm", summary: summary({ rps: 1000, latency: { p50: 3, p95: 5, p99: 9, mean: 3, max: 10 }, errorRate: 0.0021234 }) },
            { name: "container", summary: summary({ rps: 3000, latency: { p50: 2, p95: 5, p99: 7, mean: 2, max: 10 }, errorRate: 0.001 }) },
        );
        assert.deepEqual(c, { subject: "wasm", baseline: "container", rpsRatio: 0.333, p50Ratio: 1.5, p99Ratio: 1.286, errorRateDelta: 0.001123 });
    });

    it("gives null where a run made no attempt or got no response", () => {
        const none = summary({ latency: null, errorRate: null, rps: 0 });
        const c = compareSummaries({ name: "wasm", summary: summary() }, { name: "container", summary: none });
        assert.deepEqual([c.rpsRatio, c.p50Ratio, c.p99Ratio, c.errorRateDelta], [null, null, null, null]);
        const d = compareSummaries({ name: "wasm", summary: none }, { name: "container", summary: summary() });
        assert.deepEqual([d.rpsRatio, d.p50Ratio, d.p99Ratio, d.errorRateDelta], [0, null, null, null]);
    });
});
