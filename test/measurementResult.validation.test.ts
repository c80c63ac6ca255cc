/**
 * lib/measurementResult.ts exists so that "a changed or damaged result must not reach the stack outputs as if it
 * were measured": each check of the result line is pinned here on its own. A result with one field broken is
 * refused, and the refusal names that field (what a user reads to find the fault); the same result with the field
 * at its accepted edge passes. Wording beyond the field name is left to test/measurementResult.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    MeasurementResultError,
    evaluateMeasurementThresholds,
    formatMeasurementLine,
    measurementProblems,
    parseMeasurementLine,
    type MeasurementResult,
    type PodFootprint,
} from "../lib/measurementResult";

function result(overrides: Record<string, unknown> = {}): MeasurementResult {
    return {
        schemaVersion: 1,
        target: "wasm",
        namespace: "apps",
        twinDeployment: "hello-wasm-twin",
        servingDeployment: "hello-wasm",
        replicas: 20,
        rounds: 3,
        startedAt: "2026-11-25T09:58:50.000Z",
        finishedAt: "2026-11-25T10:04:10.500Z",
        allReady: { median: 4.2, rounds: [4.5, 4.2, 3.9] },
        firstResponse: { median: 1.1, rounds: [1.3, 0.9, 1.1] },
        scaleIn: { median: 31.5, rounds: [31.5, 31.2, 32] },
        footprint: {
            idle: { pods: 2, samples: 1, cpuMillicores: 1.5, memoryMiB: 12.5, maxMemoryMiB: 12.5 },
            underLoad: { pods: 2, samples: 2, cpuMillicores: 150.2, memoryMiB: 14, maxMemoryMiB: 15.2 },
        },
        twinScaledToZero: true,
        thresholds: {},
        breaches: [],
        verdict: "pass",
        ...overrides,
    } as MeasurementResult;
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
        refuses({ schemaVersion: 2 }, "schemaVersion");
        refuses({ schemaVersion: "1" }, "schemaVersion");
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
        accepts({ rounds: 1, allReady: { median: 4, rounds: [4] }, firstResponse: { median: 1, rounds: [1] }, scaleIn: { median: 30, rounds: [30] } });
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
            refuses({ [field]: { median: 1, rounds: "1,1,1" } }, `${field}.rounds`);
            refuses({ [field]: { median: 1, rounds: [1, -1, 1] } }, `${field}.rounds`);
            refuses({ [field]: { median: 1, rounds: [1, "1", 1] } }, `${field}.rounds`);
            refuses({ [field]: { median: 1, rounds: [1, 1] } }, `${field}.rounds`);
            refuses({ [field]: { median: 1.5, rounds: [1, -10, 2] } }, `${field}.rounds`); // a broken list is not also a wrong median
            refuses({ [field]: { median: 1, rounds: [1, 1, 1, 1] } }, `${field}.rounds`);
            refuses({ [field]: { median: -1, rounds: [1, 1, 1] } }, `${field}.median`);
            refuses({ [field]: { median: "1", rounds: [1, 1, 1] } }, `${field}.median`);
            refuses({ [field]: { median: 2, rounds: [1, 1, 1] } }, `${field}.median`);
            refuses({ [field]: { median: null, rounds: [1, 1, 1] } }, `${field}.median`);
            accepts({ [field]: { median: 0, rounds: [0, 0, null] } });
            accepts({ [field]: { median: null, rounds: [null, null, null] } });
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
                refuses(footprint(phase, { samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, [figure]: 1 }), `footprint.${phase}.${figure}`);
            }
            accepts(footprint(phase, { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null }));
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
            [{ allReady: { median: 4.3, rounds: [4.3, 4.3, 4.3] } }, "aks-wasm:measureMaxScaleOutSeconds"],
            [{ firstResponse: { median: 1.2, rounds: [1.2, 1.2, 1.2] } }, "aks-wasm:measureMaxFirstResponseSeconds"],
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
            result({ firstResponse: { median: null, rounds: [null, null, null] }, thresholds: { maxFirstResponseSeconds: 5 } }),
        );
        assert.equal(breaches.length, 1);
        assert.ok(breaches[0].includes("aks-wasm:measureMaxFirstResponseSeconds"));
        assert.deepEqual(evaluateMeasurementThresholds(result({ firstResponse: { median: null, rounds: [null, null, null] } })), [], "no threshold, nothing to fail");
    });

    it("checks no memory without a memory threshold, even with no sample", () => {
        const none = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null };
        assert.deepEqual(evaluateMeasurementThresholds(result({ footprint: { idle: none, underLoad: none }, thresholds: { maxScaleOutSeconds: 60 } })), []);
    });

    it("judges memory under load first, even when the idle figure is larger", () => {
        const over = footprint("idle", { maxMemoryMiB: 99 });
        assert.deepEqual(evaluateMeasurementThresholds(result({ ...over, thresholds: { maxPodMemoryMiB: 16 } })), []);
    });
});
