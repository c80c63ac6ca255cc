/**
 * lib/results/measurementResult.ts: reading the measurement program's result line back (what the stack exports), judging
 * it against the thresholds, and the Wasm ÷ container comparison.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    MEASUREMENT_RESULT_PREFIX,
    MeasurementResultError,
    compareMeasurements,
    evaluateMeasurementThresholds,
    formatMeasurementLine,
    measurementProblems,
    medianSeconds,
    parseMeasurementLine,
    roundTimes,
    type PodFootprint,
    type MeasurementResult,
    type MeasurementSummary,
} from "../lib/results/measurementResult";

/** A footprint; `noSampleReason` filled in when nothing was sampled. */
function fp(f: Omit<PodFootprint, "noSampleReason">, reason = "no metrics window fitted"): PodFootprint {
    return { ...f, noSampleReason: f.samples === 0 ? reason : null };
}

/** Round times with the median the program computes; a scale-out limit of 10 s unless given. */
const times = (rounds: (number | null)[], timeoutSeconds = 10) => roundTimes(rounds, timeoutSeconds);

function result(overrides: Partial<MeasurementResult> = {}): MeasurementResult {
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
        allReady: times([4.5, 4.2, 3.9]),
        firstResponse: times([1.3, 0.9, 1.1]),
        scaleIn: times([31.5, 31.2, 32], 180),
        footprint: {
            idle: fp({ pods: 2, samples: 1, cpuMillicores: 1.5, memoryMiB: 12.5, maxMemoryMiB: 12.5 }),
            underLoad: fp({ pods: 2, samples: 2, cpuMillicores: 150.2, memoryMiB: 14, maxMemoryMiB: 15.2 }),
        },
        twinScaledToZero: true,
        thresholds: {},
        breaches: [],
        verdict: "pass",
        ...overrides,
    };
}

describe("parseMeasurementLine", () => {
    it("reads the result line out of a whole Job log", () => {
        const r = result();
        const log = ["measure: footprint: idle {...}", formatMeasurementLine(r), "measure: done", ""].join("\n");
        assert.deepEqual(parseMeasurementLine(log), r);
        assert.ok(formatMeasurementLine(r).startsWith(MEASUREMENT_RESULT_PREFIX + "{"));
    });

    it("refuses a log without a result line, quoting what came", () => {
        assert.throws(() => parseMeasurementLine("measure: the run failed: 403 Forbidden\n", 'measurement "wasm"'), (e: Error) => {
            assert.ok(e instanceof MeasurementResultError);
            assert.match(e.message, /^measurement "wasm": no result line in the output; expected one line starting with "aks-wasm-measurement "/);
            assert.match(e.message, /403 Forbidden/);
            return true;
        });
    });

    it("refuses a line cut short, saying the JSON is incomplete", () => {
        const line = formatMeasurementLine(result());
        assert.throws(() => parseMeasurementLine(line.slice(0, line.length - 40)), /the result line is not complete JSON \(.+\); was the log cut short\?/);
    });

    it("refuses two result lines", () => {
        const line = formatMeasurementLine(result());
        assert.throws(() => parseMeasurementLine(`${line}\n${line}\n`), /2 result lines in the output; expected exactly one/);
    });

    it("refuses a partial result, naming every missing or wrong field", () => {
        const partial: Record<string, unknown> = { ...result(), replicas: 0 };
        delete partial.footprint;
        delete partial.scaleIn;
        assert.throws(
            () => parseMeasurementLine(MEASUREMENT_RESULT_PREFIX + JSON.stringify(partial)),
            (e: Error) => {
                assert.equal(
                    e.message,
                    [
                        "measurement: the result line is not a valid measurement result:",
                        "  - replicas = 0; accepted: a whole number ≥ 1",
                        "  - scaleIn = missing; accepted: an object with median and rounds (seconds)",
                        "  - footprint = missing; accepted: an object with idle and underLoad",
                    ].join("\n"),
                );
                return true;
            },
        );
    });

    it("refuses a result that contradicts itself", () => {
        const cases: [Partial<MeasurementResult>, RegExp][] = [
            [{ verdict: "pass", breaches: ["x exceeds y"] }, /verdict = "pass"; accepted: "fail" \(1 breaches\)/],
            [{ allReady: { ...times([4.5, 4.2, 3.9]), median: 9 } }, /allReady\.median = 9; accepted: 4\.2, the median of its rounds/],
            [{ allReady: times([4.5, 4.2]) }, /allReady\.rounds has 2 values; accepted: one per round \(3\)/],
            // The old rule (timed-out rounds left out) is refused: the median of [4.5, null, null] is not 4.5.
            [{ allReady: { ...times([4.5, null, null]), median: 4.5 } }, /allReady\.median = 4\.5; accepted: null/],
            [{ allReady: { ...times([4.5, null, 4.2]), timedOut: 0 } }, /allReady\.timedOut = 0; accepted: 1/],
            [{ allReady: times([4.5, 12, 4.2], 10) }, /allReady\.rounds = .*values within timeoutSeconds 10/],
            [{ footprint: { idle: { ...fp({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }), noSampleReason: null }, underLoad: result().footprint.underLoad } }, /footprint\.idle\.noSampleReason = null with samples = 0; accepted: a sentence/],
            [{ twinScaledToZero: false }, /twinScaledToZero = false; accepted: "fail"/],
            [{ finishedAt: "2026-11-25T09:00:00Z" }, /finishedAt = .*not before startedAt/],
            [{ footprint: { idle: fp({ pods: 0, samples: 0, cpuMillicores: 1, memoryMiB: null, maxMemoryMiB: null }), underLoad: result().footprint.underLoad } }, /footprint\.idle\.cpuMillicores = 1 with samples = 0; accepted: null/],
            [{ schemaVersion: 1 as 2 }, /schemaVersion = 1; accepted: 2/],
            [{ thresholds: { maxLatency: 3 } as never }, /thresholds\.maxLatency = 3; accepted: no such threshold/],
        ];
        for (const [overrides, message] of cases) {
            assert.throws(() => parseMeasurementLine(formatMeasurementLine(result(overrides))), message, JSON.stringify(overrides));
        }
    });

    it("accepts rounds that timed out (null), counted in the median as the longest", () => {
        const r = result({ allReady: times([4.5, null, 4.2]), firstResponse: times([null, null, null]) });
        assert.equal(r.allReady.median, 4.5);
        assert.equal(r.allReady.timedOut, 1);
        assert.deepEqual(measurementProblems(r), []);
    });
});

describe("medianSeconds", () => {
    it("takes the middle value, the mean of the two middle ones, rounds to ms", () => {
        assert.equal(medianSeconds([3, 1, 2]), 2);
        assert.equal(medianSeconds([4, 1, 3, 2]), 2.5);
        assert.equal(medianSeconds([1.00049, 1.00051]), 1.001);
        assert.equal(medianSeconds([]), null);
    });

    it("counts every round: a timed-out round (null) is longer than any measured one (issue 19)", () => {
        // Left out, [3.1, null, null] had a median of 3.1 s; counted, the median is a timed-out round.
        assert.equal(medianSeconds([3.1, null, null]), null);
        assert.equal(medianSeconds([null, 5, null]), null);
        assert.equal(medianSeconds([3.1, 3.3, null]), 3.3, "the median is exact while more than half the rounds finished");
        assert.equal(medianSeconds([null, 3, 2, 1]), 2.5);
        assert.equal(medianSeconds([null, 3]), null, "even count: the mean with a timed-out round is unknown");
        assert.equal(medianSeconds([null, null]), null);
    });
});

describe("evaluateMeasurementThresholds", () => {
    it("names the config key, the value and the limit of each breach; limits are inclusive", () => {
        const r = result({ thresholds: { maxScaleOutSeconds: 4, maxFirstResponseSeconds: 1.1, maxPodMemoryMiB: 15 } });
        assert.deepEqual(evaluateMeasurementThresholds(r), [
            "median time until all 20 twin pods were Ready, 4.2 s, exceeds aks-wasm:measureMaxScaleOutSeconds 4 s",
            "largest serving pod working set under load, 15.2 MiB, exceeds aks-wasm:measureMaxPodMemoryMiB 15 MiB",
        ]);
    });

    it("checks nothing for 0 or absent thresholds", () => {
        assert.deepEqual(evaluateMeasurementThresholds(result({ thresholds: { maxScaleOutSeconds: 0 } })), []);
    });

    it("fails a threshold it cannot check: every round timed out, or no memory sample", () => {
        const r = result({
            allReady: times([null, null, null]),
            footprint: {
                idle: fp({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }),
                underLoad: fp({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }),
            },
            thresholds: { maxScaleOutSeconds: 30, maxPodMemoryMiB: 64 },
        });
        assert.deepEqual(evaluateMeasurementThresholds(r), [
            "median time until all 20 twin pods were Ready is over the 10 s round timeout (3 of 3 rounds timed out, each counted as longer than any measured round), so aks-wasm:measureMaxScaleOutSeconds 30 s cannot be checked",
            "no memory sample of the serving pods, so aks-wasm:measureMaxPodMemoryMiB 64 MiB cannot be checked",
        ]);
    });

    it("breaches when timed-out rounds carry the median over the limit: [3.1, null, null] with a 10 s timeout (issue 19)", () => {
        const r = result({ allReady: times([3.1, null, null], 10), thresholds: { maxScaleOutSeconds: 5 } });
        assert.deepEqual(evaluateMeasurementThresholds(r), [
            "median time until all 20 twin pods were Ready is over the 10 s round timeout (2 of 3 rounds timed out, each counted as longer than any measured round), so it exceeds aks-wasm:measureMaxScaleOutSeconds 5 s",
        ]);
        // One round lost of three: the median is still a measured round, and the sentence counts the loss.
        const one = result({ allReady: times([6, null, 4], 10), thresholds: { maxScaleOutSeconds: 5 } });
        assert.match(evaluateMeasurementThresholds(one)[0], /, 6 s, exceeds .* \(1 of 3 rounds timed out/);
    });

    it("judges memory at idle when there was no under-load sample, and says why", () => {
        const r = result({
            footprint: {
                idle: fp({ pods: 1, samples: 1, cpuMillicores: 1, memoryMiB: 70, maxMemoryMiB: 70 }),
                underLoad: fp({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }, "no metrics window lay wholly inside the 20 s of load"),
            },
            thresholds: { maxPodMemoryMiB: 64 },
        });
        assert.deepEqual(evaluateMeasurementThresholds(r), [
            "largest serving pod working set at idle (no under-load sample: no metrics window lay wholly inside the 20 s of load), 70 MiB, exceeds aks-wasm:measureMaxPodMemoryMiB 64 MiB",
        ]);
    });

    it("always fails a twin left above 0 replicas", () => {
        assert.deepEqual(evaluateMeasurementThresholds(result({ twinScaledToZero: false })), [
            "the twin Deployment hello-wasm-twin did not end at 0 replicas: scale it to 0 by hand (kubectl scale deployment hello-wasm-twin --replicas=0)",
        ]);
    });
});

describe("compareMeasurements", () => {
    it("divides Wasm by container, rounded to 3 decimals", () => {
        const wasm: MeasurementSummary = { ...result(), pulledBytes: 4_000_000 };
        const container: MeasurementSummary = {
            ...result({
                target: "container",
                allReady: times([12.6, 13, 12], 30),
                firstResponse: times([3.3, 3.3, 3.3]),
                footprint: {
                    idle: fp({ pods: 2, samples: 1, cpuMillicores: 2, memoryMiB: 50, maxMemoryMiB: 51 }),
                    underLoad: fp({ pods: 2, samples: 2, cpuMillicores: 300, memoryMiB: 70, maxMemoryMiB: 75 }),
                },
            }),
            pulledBytes: 48_000_000,
        };
        assert.deepEqual(compareMeasurements(wasm, container), {
            allReadyMedian: 0.333,
            firstResponseMedian: 0.333,
            idleMemoryMiB: 0.25,
            underLoadMemoryMiB: 0.2,
            idleCpuMillicores: 0.75,
            underLoadCpuMillicores: 0.501,
            pulledBytes: 0.083,
            incomplete: [],
        });
    });

    it("shows no time ratio unless both sides have every round: 'incomplete' with the counts (issue 19)", () => {
        // Before: [3.1, null, null] against [6, 6.2, 6.4] gave 0.5, charted as favouring Wasm.
        const wasm = result({ allReady: times([3.1, null, null]) });
        const container = result({ target: "container", allReady: times([6, 6.2, 6.4]) });
        const c = compareMeasurements(wasm, container);
        assert.equal(c.allReadyMedian, null);
        assert.deepEqual(c.incomplete, ["allReadyMedian: wasm 2 of 3 rounds timed out, container 0 of 3"]);
        assert.equal(c.firstResponseMedian, 1, "a figure complete on both sides keeps its ratio");
    });

    it("gives null where either side is missing or the container's figure is 0", () => {
        const wasm = result({ allReady: times([null, null, null]) });
        const container = result({
            footprint: {
                idle: fp({ pods: 2, samples: 1, cpuMillicores: 0, memoryMiB: 50, maxMemoryMiB: 50 }),
                underLoad: fp({ pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }),
            },
        });
        const c = compareMeasurements(wasm, container);
        assert.equal(c.allReadyMedian, null);
        assert.equal(c.idleCpuMillicores, null);
        assert.equal(c.underLoadMemoryMiB, null);
        assert.equal(c.pulledBytes, null, "results without pulledBytes");
        assert.equal(c.idleMemoryMiB, 0.25);
    });
});
