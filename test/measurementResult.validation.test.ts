/**
 * lib/results/measurementResult.ts exists so that "a changed or damaged result must not reach the stack outputs as if it
 * were measured": each check of the result line is pinned here on its own. A result with one field broken is
 * refused, and the refusal names that field (what a user reads to find the fault); the same result with the field
 * at its accepted edge passes. Wording beyond the field name is left to test/measurementResult.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    MeasurementResultError,
    compareMeasurements,
    evaluateMeasurementThresholds,
    median,
    formatMeasurementLine,
    measurementProblems,
    parseMeasurementLine,
    type MeasurementResult,
    type PodFootprint,
} from "../lib/results/measurementResult";

/** A timing's {@link RoundTimes} as the program writes it: `timedOut` counts the nulls; 60 s per round. */
const times = (median: unknown, rounds: unknown[], timeoutSeconds: unknown = 60) => ({
    median,
    rounds,
    timedOut: rounds.filter((x) => x === null).length,
    timeoutSeconds,
});

function result(overrides: Record<string, unknown> = {}): MeasurementResult {
    return {
        schemaVersion: 2,
        target: "wasm",
        namespace: "apps",
        twinDeployment: "hello-wasm-twin",
        servingDeployment: "hello-wasm",
        replicas: 20,
        rounds: 3,
        startedAt: "2026-11-25T09:58:50.000Z",
        finishedAt: "2026-11-25T10:04:10.500Z",
        allReady: times(4.2, [4.5, 4.2, 3.9]),
        firstResponse: times(1.1, [1.3, 0.9, 1.1]),
        scaleIn: times(31.5, [31.5, 31.2, 32], 120),
        footprint: {
            idle: { pods: 2, samples: 1, cpuMillicores: 1.5, memoryMiB: 12.5, maxMemoryMiB: 12.5, noSampleReason: null },
            underLoad: { pods: 2, samples: 2, cpuMillicores: 150.2, memoryMiB: 14, maxMemoryMiB: 15.2, noSampleReason: null },
        },
        twinScaledToZero: true,
        thresholds: {},
        breaches: [],
        verdict: "pass",
        ...overrides,
    } as unknown as MeasurementResult;
}

/** The fields the problems name (the text before " = " or " has "). */
const fieldsNamed = (value: unknown) => measurementProblems(value).map((p) => p.split(/ = | has /)[0]);

function refuses(overrides: Record<string, unknown>, field: string) {
    assert.deepEqual(fieldsNamed(result(overrides)), [field], JSON.stringify(overrides));
    // Every problem says what is accepted (the text itself is free to change).
    for (const p of measurementProblems(result(overrides))) assert.match(p, /; accepted: \S/, p);
}

function accepts(overrides: Record<string, unknown>) {
    assert.deepEqual(measurementProblems(result(overrides)), [], JSON.stringify(overrides));
}

const footprint = (phase: "idle" | "underLoad", f: Partial<PodFootprint> | unknown) => {
    const base = result().footprint;
    return { footprint: { ...base, [phase]: typeof f === "object" && f !== null ? { ...base[phase], ...f } : f } };
};

describe("measurement result: every field is checked", () => {
    it("accepts the well-formed result", () => accepts({}));

    it("refuses anything but a JSON object, with one problem", () => {
        for (const value of [null, [], "x", 3, undefined]) {
            assert.equal(measurementProblems(value).length, 1, JSON.stringify(value));
            assert.match(measurementProblems(value)[0], /; accepted: \S/);
        }
    });

    it("refuses another schema version", () => {
        refuses({ schemaVersion: 1 }, "schemaVersion");
        refuses({ schemaVersion: 3 }, "schemaVersion");
        refuses({ schemaVersion: "2" }, "schemaVersion");
    });

    it("takes a target name of lower-case letters, digits and inner '-', at most 20 characters", () => {
        for (const ok of ["a", "wasm", "container-2", "a".repeat(20)]) accepts({ target: ok });
        for (const bad of ["", "Wasm", "-wasm", "wasm-", "a".repeat(21), "was m", 7]) refuses({ target: bad }, "target");
    });

    it("takes Kubernetes object names for the namespace and both Deployments", () => {
        for (const field of ["namespace", "twinDeployment", "servingDeployment"]) {
            for (const ok of ["a", "hello.wasm-twin", "a".repeat(253)]) accepts({ [field]: ok });
            for (const bad of ["", "Apps", "a_b", "-a", "a.", "a".repeat(254), 3]) refuses({ [field]: bad }, field);
        }
    });

    it("takes whole replicas and rounds of at least 1", () => {
        for (const field of ["replicas", "rounds"]) {
            accepts(field === "rounds" ? {} : { replicas: 1 });
            for (const bad of [0, -1, 1.5, "3", null]) {
                const problems = fieldsNamed(result({ [field]: bad }));
                assert.ok(problems.includes(field), `${field} = ${JSON.stringify(bad)}: ${problems.join(", ")}`);
            }
        }
        accepts({ rounds: 1, allReady: times(4, [4]), firstResponse: times(1, [1]), scaleIn: times(30, [30]) });
        assert.deepEqual(fieldsNamed(result({ rounds: "3" })), ["rounds"], "no round count to compare the lists with");
    });

    it("takes ISO 8601 timestamps with a zone, finished not before started", () => {
        accepts({ startedAt: "2026-11-25T10:58:50+01:00" });
        accepts({ finishedAt: "2026-11-25T09:58:50Z" });
        for (const bad of ["2026-11-25", "2026-11-25T09:58:50", "yesterday", "2026-13-45T09:58:50Z", 1764064730]) {
            refuses({ startedAt: bad, finishedAt: "2026-11-25T10:04:10Z" }, "startedAt");
            refuses({ finishedAt: bad }, "finishedAt");
        }
        refuses({ finishedAt: "2026-11-25T09:58:49.999Z" }, "finishedAt");
    });

    it("checks each timing: an object, one value per round, seconds ≥ 0 or null, the median of its rounds", () => {
        for (const field of ["allReady", "firstResponse", "scaleIn"]) {
            refuses({ [field]: undefined }, field);
            refuses({ [field]: [1, 1, 1] }, field);
            refuses({ [field]: { median: 1, rounds: "1,1,1", timedOut: 0, timeoutSeconds: 60 } }, `${field}.rounds`);
            refuses({ [field]: times(1, [1, -1, 1]) }, `${field}.rounds`);
            refuses({ [field]: times(1, [1, "1", 1]) }, `${field}.rounds`);
            refuses({ [field]: times(1, [1, 1]) }, `${field}.rounds`);
            refuses({ [field]: times(1.5, [1, -10, 2]) }, `${field}.rounds`); // a broken list is not also a wrong median
            refuses({ [field]: times(1, [1, 1, 1, 1]) }, `${field}.rounds`);
            refuses({ [field]: times(-1, [1, 1, 1]) }, `${field}.median`);
            refuses({ [field]: times("1", [1, 1, 1]) }, `${field}.median`);
            refuses({ [field]: times(2, [1, 1, 1]) }, `${field}.median`);
            refuses({ [field]: times(null, [1, 1, 1]) }, `${field}.median`);
            accepts({ [field]: times(0, [0, 0, null]) });
            accepts({ [field]: times(null, [null, null, null]) });
        }
    });

    it("counts a timed-out round (null) as longer than any measured one in the median, null once the median timed out", () => {
        for (const field of ["allReady", "firstResponse", "scaleIn"]) {
            // [3.1, null, null] has its median on a timed-out round: leaving the nulls out would make it 3.1 s.
            accepts({ [field]: times(null, [3.1, null, null]) });
            refuses({ [field]: times(3.1, [3.1, null, null]) }, `${field}.median`);
            accepts({ [field]: times(5, [1, null, 5]) });
            refuses({ [field]: times(3, [1, null, 5]) }, `${field}.median`); // the mean of the measured rounds is not the median
            accepts({ [field]: times(null, [null, null, null]) });
        }
        // An even count: the mean of the two middle rounds, null when either is a timed-out round.
        const two = { rounds: 2, allReady: times(4, [4, 4]), firstResponse: times(1, [1, 1]), scaleIn: times(30, [30, 30]) };
        accepts({ ...two, allReady: times(4.5, [5, 4]) });
        accepts({ ...two, allReady: times(null, [5, null]) });
        refuses({ ...two, allReady: times(5, [5, null]) }, "allReady.median");
    });

    it("takes timedOut as the count of timed-out rounds, and a per-round timeout > 0 that no measured round exceeds", () => {
        for (const field of ["allReady", "firstResponse", "scaleIn"]) {
            const base = times(5, [1, null, 5]);
            accepts({ [field]: base });
            for (const bad of [0, 2, -1, 1.5, "1", undefined]) refuses({ [field]: { ...base, timedOut: bad } }, `${field}.timedOut`);
            refuses({ [field]: { ...times(1, [1, 1, 1]), timedOut: 1 } }, `${field}.timedOut`);
            for (const bad of [0, -1, "60", null, undefined, Number.NaN]) refuses({ [field]: { ...base, timeoutSeconds: bad } }, `${field}.timeoutSeconds`);
            // A measured round may exceed the limit by up to a second (the program polls); beyond that it timed out.
            accepts({ [field]: times(10, [10, 11, 2], 10) });
            refuses({ [field]: times(10, [10, 11.5, 2], 10) }, `${field}.rounds`);
            accepts({ [field]: times(0.5, [0.5, 0.4, 0.6], 0.1) });
        }
    });

    it("checks both footprints: counts whole and ≥ 0, figures ≥ 0 or null, and null when nothing was sampled", () => {
        refuses({ footprint: undefined }, "footprint");
        refuses({ footprint: [] }, "footprint");
        for (const phase of ["idle", "underLoad"] as const) {
            refuses(footprint(phase, null), `footprint.${phase}`);
            for (const count of ["pods", "samples"]) {
                for (const bad of [-1, 1.5, "2", null]) refuses(footprint(phase, { [count]: bad }), `footprint.${phase}.${count}`);
            }
            for (const figure of ["cpuMillicores", "memoryMiB", "maxMemoryMiB"]) {
                for (const bad of [-0.5, "12", true]) refuses(footprint(phase, { [figure]: bad }), `footprint.${phase}.${figure}`);
                accepts(footprint(phase, { [figure]: 0 }));
                accepts(footprint(phase, { [figure]: null }));
                refuses(footprint(phase, { samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "none", [figure]: 1 }), `footprint.${phase}.${figure}`);
            }
            const none = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null };
            accepts(footprint(phase, { ...none, noSampleReason: "the load test did not run" }));
            // Nothing sampled must say why; a sampled phase has no reason to give.
            for (const bad of [null, "", 3, undefined]) refuses(footprint(phase, { ...none, noSampleReason: bad }), `footprint.${phase}.noSampleReason`);
            for (const bad of ["the metrics API did not answer", ""]) refuses(footprint(phase, { noSampleReason: bad }), `footprint.${phase}.noSampleReason`);
        }
    });

    it("takes twinScaledToZero as a boolean", () => {
        refuses({ twinScaledToZero: "true" }, "twinScaledToZero");
        refuses({ twinScaledToZero: undefined }, "twinScaledToZero");
    });

    it("takes only the three thresholds, each a number ≥ 0", () => {
        accepts({ thresholds: { maxScaleOutSeconds: 30, maxFirstResponseSeconds: 0, maxPodMemoryMiB: 64 } });
        refuses({ thresholds: undefined }, "thresholds");
        refuses({ thresholds: [] }, "thresholds");
        for (const key of ["maxScaleOutSeconds", "maxFirstResponseSeconds", "maxPodMemoryMiB"]) {
            for (const bad of [-1, "30", null]) refuses({ thresholds: { [key]: bad } }, `thresholds.${key}`);
        }
        refuses({ thresholds: { maxLatencySeconds: 3 } }, "thresholds.maxLatencySeconds");
    });

    it("takes breaches as a list of sentences, and a verdict that agrees with them", () => {
        for (const bad of ["x", [""], [3], undefined]) assert.ok(fieldsNamed(result({ breaches: bad, verdict: "fail" })).includes("breaches"), JSON.stringify(bad));
        for (const bad of ["ok", "PASS", undefined]) refuses({ verdict: bad }, "verdict");
        refuses({ verdict: "fail" }, "verdict");
        refuses({ breaches: ["x exceeds y"] }, "verdict");
        accepts({ breaches: ["x exceeds y"], verdict: "fail" });
    });

    it("refuses a pass with the twin left above 0", () => {
        const problems = measurementProblems(result({ twinScaledToZero: false }));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /twinScaledToZero = false/);
        accepts({ twinScaledToZero: false, breaches: ["the twin did not end at 0"], verdict: "fail" });
    });

    it("refuses a damaged line through parseMeasurementLine, naming every problem and the source", () => {
        const line = formatMeasurementLine(result({ rounds: 0, target: "Wasm" }));
        assert.throws(() => parseMeasurementLine(line, 'measurement "wasm"'), (e: Error) => {
            assert.ok(e instanceof MeasurementResultError);
            assert.match(e.message, /^measurement "wasm": /);
            assert.match(e.message, /- target = /);
            assert.match(e.message, /- rounds = /);
            return true;
        });
    });

    it("reads the line among others, with CRLF line ends, and only at a line's start", () => {
        const r = result();
        assert.deepEqual(parseMeasurementLine(`progress\r\n${formatMeasurementLine(r)}\r\ndone`), r);
        assert.throws(() => parseMeasurementLine(`log: ${formatMeasurementLine(r)}`), MeasurementResultError);
    });

    it("quotes an unusable output shortened to 300 characters, and says when it was empty", () => {
        const long = "x".repeat(400);
        assert.throws(() => parseMeasurementLine(long), (e: Error) => e.message.includes(`"${"x".repeat(300)}…"`) && !e.message.includes("x".repeat(301)));
        assert.throws(() => parseMeasurementLine("  \n"), /\(empty\)/);
        assert.throws(() => parseMeasurementLine("y".repeat(300)), (e: Error) => e.message.endsWith(`"${"y".repeat(300)}"`), "300 characters are quoted whole");
        assert.throws(() => parseMeasurementLine("no result"), (e: Error) => e.name === "MeasurementResultError" && e.message.startsWith("measurement: "));
    });
});

describe("measurement thresholds: each one can fail the gate", () => {
    const limits = { maxScaleOutSeconds: 4.2, maxFirstResponseSeconds: 1.1, maxPodMemoryMiB: 15.2 };

    it("passes figures equal to their limits, and fails each just above it, naming its key", () => {
        assert.deepEqual(evaluateMeasurementThresholds(result({ thresholds: limits })), []);
        const cases: [Record<string, unknown>, string][] = [
            [{ allReady: times(4.3, [4.3, 4.3, 4.3]) }, "aks-wasm:measureMaxScaleOutSeconds"],
            [{ firstResponse: times(1.2, [1.2, 1.2, 1.2]) }, "aks-wasm:measureMaxFirstResponseSeconds"],
            [footprint("underLoad", { maxMemoryMiB: 15.3 }), "aks-wasm:measureMaxPodMemoryMiB"],
        ];
        for (const [over, key] of cases) {
            const breaches = evaluateMeasurementThresholds(result({ ...over, thresholds: limits }));
            assert.equal(breaches.length, 1, key);
            assert.ok(breaches[0].includes(key), breaches[0]);
        }
    });

    it("fails the first-response threshold when no twin pod answered in any round", () => {
        const breaches = evaluateMeasurementThresholds(
            result({ firstResponse: times(null, [null, null, null]), thresholds: { maxFirstResponseSeconds: 5 } }),
        );
        assert.equal(breaches.length, 1);
        assert.ok(breaches[0].includes("aks-wasm:measureMaxFirstResponseSeconds"));
        assert.deepEqual(evaluateMeasurementThresholds(result({ firstResponse: times(null, [null, null, null]) })), [], "no threshold, nothing to fail");
    });

    it("fails a time threshold whose median timed out, whether the limit is within the round timeout or beyond it", () => {
        for (const [field, key, limit] of [
            ["allReady", "maxScaleOutSeconds", "aks-wasm:measureMaxScaleOutSeconds"],
            ["firstResponse", "maxFirstResponseSeconds", "aks-wasm:measureMaxFirstResponseSeconds"],
        ]) {
            // Over the limit (timeout 60 s ≥ limit 30 s), and cannot be checked (timeout 60 s < limit 90 s): both fail.
            for (const max of [30, 60, 90]) {
                const breaches = evaluateMeasurementThresholds(result({ [field]: times(null, [2, null, null]), thresholds: { [key]: max } }));
                assert.equal(breaches.length, 1, `${field} ${max}`);
                assert.ok(breaches[0].includes(`${limit} ${max} s`), breaches[0]);
            }
            // A timed-out round below the median: the median is measured and judged as any other.
            assert.deepEqual(evaluateMeasurementThresholds(result({ [field]: times(5, [1, null, 5]), thresholds: { [key]: 5 } })), [], field);
            const over = evaluateMeasurementThresholds(result({ [field]: times(5, [1, null, 5]), thresholds: { [key]: 4.9 } }));
            assert.equal(over.length, 1, field);
            assert.ok(over[0].includes(limit) && over[0].includes("5 s"), over[0]);
        }
    });

    it("judges memory at idle when nothing was sampled under load, and fails when nothing was sampled at all", () => {
        const none = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "the load test did not run" };
        const noLoad = (idleMax: number) => ({ footprint: { ...result().footprint, idle: { ...result().footprint.idle, maxMemoryMiB: idleMax }, underLoad: none } });
        assert.deepEqual(evaluateMeasurementThresholds(result({ ...noLoad(16), thresholds: { maxPodMemoryMiB: 16 } })), []);
        const over = evaluateMeasurementThresholds(result({ ...noLoad(16.1), thresholds: { maxPodMemoryMiB: 16 } }));
        assert.equal(over.length, 1);
        assert.ok(over[0].includes("aks-wasm:measureMaxPodMemoryMiB") && over[0].includes("16.1 MiB"), over[0]);
        const blind = evaluateMeasurementThresholds(result({ footprint: { idle: none, underLoad: none }, thresholds: { maxPodMemoryMiB: 16 } }));
        assert.equal(blind.length, 1);
        assert.ok(blind[0].includes("aks-wasm:measureMaxPodMemoryMiB"), blind[0]);
    });

    it("fails when the twin did not end at 0 replicas, naming the Deployment, with or without thresholds", () => {
        for (const thresholds of [{}, { maxScaleOutSeconds: 60 }]) {
            const breaches = evaluateMeasurementThresholds(result({ twinScaledToZero: false, thresholds }));
            assert.equal(breaches.length, 1);
            assert.ok(breaches[0].includes("hello-wasm-twin"), breaches[0]);
        }
    });

    it("checks no memory without a memory threshold, even with no sample", () => {
        const none = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "the load test did not run" };
        assert.deepEqual(evaluateMeasurementThresholds(result({ footprint: { idle: none, underLoad: none }, thresholds: { maxScaleOutSeconds: 60 } })), []);
    });

    it("judges memory under load first, even when the idle figure is larger", () => {
        const over = footprint("idle", { maxMemoryMiB: 99 });
        assert.deepEqual(evaluateMeasurementThresholds(result({ ...over, thresholds: { maxPodMemoryMiB: 16 } })), []);
    });
});

describe("measurement comparison: no ratio from a side that lost rounds or a figure", () => {
    it("leaves a time ratio out when a side has a timed-out round, even below its median", () => {
        // [1, null, 5] has a measured median (5 s) but lost a round: 5 ÷ 6.2 would compare unlike medians.
        const wasm = result({ allReady: times(5, [1, null, 5]) });
        const container = result({ target: "container", allReady: times(6.2, [6, 6.2, 6.4]) });
        const c = compareMeasurements(wasm, container);
        assert.equal(c.allReadyMedian, null);
        assert.equal(c.incomplete.length, 1);
        assert.ok(c.incomplete[0].startsWith("allReadyMedian"), c.incomplete[0]);
        const reverse = compareMeasurements(container, wasm);
        assert.equal(reverse.allReadyMedian, null, "the container side's lost round counts too");
        assert.equal(reverse.incomplete.length, 1);
    });

    it("gives no ratio when the Wasm side's figure is missing", () => {
        const none = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "the load test did not run" };
        const wasm = result({ footprint: { ...result().footprint, underLoad: none } });
        const c = compareMeasurements(wasm, result({ target: "container" }));
        assert.equal(c.underLoadMemoryMiB, null);
        assert.equal(c.underLoadCpuMillicores, null);
        assert.equal(c.idleMemoryMiB, 1);
    });

    it("has no median of no values", () => {
        assert.equal(median([]), null);
        assert.equal(median([2, 1]), 1.5);
    });
});
