/**
 * The measurement of scale-out, startup and footprint (issue 14): the one-line JSON result the in-cluster program
 * (apps/measure) prints, the summary the stack exports per target, and the Wasm ÷ container comparison.
 *
 * One schema for the program, the Pulumi side (components/app/scaleMeasurement.ts) and the report
 * (scripts/report.ts). The program prints exactly one line starting with {@link MEASUREMENT_RESULT_PREFIX}
 * followed by the JSON of a {@link MeasurementResult}; the stack parses and validates it before exporting it.
 */

/** Prefix of the result line in the measurement Job's log (everything after it is JSON). */
export const MEASUREMENT_RESULT_PREFIX = "aks-wasm-measurement ";
/** Schema version of {@link MeasurementResult}; bump on any change of meaning. */
export const MEASUREMENT_SCHEMA_VERSION = 1;

/** A median with the values it was taken from (one per round), in seconds. */
export interface RoundTimes {
    /** Median over the rounds; null when no round produced a value. */
    median: number | null;
    /** One value per round, in round order; null where that round did not reach the point (timed out). */
    rounds: (number | null)[];
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
}

// ---------------------------------------------------------------------------------------------------------------
// STAND-IN (m2-stack branch only): minimal `parseMeasurementLine` and `compareMeasurements` so the stack side can
// run its tests before m1-measure's implementations land. The lead replaces everything below this line with
// m1-measure's versions at merge; the stack calls them only by these names and signatures.
// ---------------------------------------------------------------------------------------------------------------

/**
 * The one result line in a measurement Job's log (the line starting with {@link MEASUREMENT_RESULT_PREFIX}),
 * parsed and checked. Throws naming `source` and what was wrong.
 */
export function parseMeasurementLine(log: string, source = "measurement"): MeasurementResult {
    const lines = log.split(/\r?\n/).filter((l) => l.startsWith(MEASUREMENT_RESULT_PREFIX));
    if (lines.length === 0) throw new Error(`${source}: no line starting with ${JSON.stringify(MEASUREMENT_RESULT_PREFIX)} in the Job's log`);
    let value: MeasurementResult;
    try {
        value = JSON.parse(lines[lines.length - 1].slice(MEASUREMENT_RESULT_PREFIX.length));
    } catch {
        throw new Error(`${source}: the result line is not JSON`);
    }
    const problems: string[] = [];
    if (value?.schemaVersion !== MEASUREMENT_SCHEMA_VERSION) problems.push(`schemaVersion = ${JSON.stringify(value?.schemaVersion)}: ${MEASUREMENT_SCHEMA_VERSION}`);
    if (typeof value?.target !== "string") problems.push("target: a string");
    for (const k of ["allReady", "firstResponse", "scaleIn"] as const) {
        if (!value?.[k] || !Array.isArray(value[k].rounds)) problems.push(`${k}: {median, rounds}`);
    }
    if (!value?.footprint?.idle || !value?.footprint?.underLoad) problems.push("footprint: {idle, underLoad}");
    if (value?.verdict !== "pass" && value?.verdict !== "fail") problems.push('verdict: "pass" or "fail"');
    if (problems.length > 0) throw new Error(`${source}: the result line is not a measurement result:\n  - ${problems.join("\n  - ")}`);
    return value;
}

/** Wasm ÷ container for each figure both have; null where either side is missing or zero. */
export function compareMeasurements(wasm: MeasurementSummary, container: MeasurementSummary): MeasurementComparison {
    const ratio = (a: number | null | undefined, b: number | null | undefined) =>
        a === null || a === undefined || b === null || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
    return {
        allReadyMedian: ratio(wasm.allReady.median, container.allReady.median),
        firstResponseMedian: ratio(wasm.firstResponse.median, container.firstResponse.median),
        idleMemoryMiB: ratio(wasm.footprint.idle.memoryMiB, container.footprint.idle.memoryMiB),
        underLoadMemoryMiB: ratio(wasm.footprint.underLoad.memoryMiB, container.footprint.underLoad.memoryMiB),
        idleCpuMillicores: ratio(wasm.footprint.idle.cpuMillicores, container.footprint.idle.cpuMillicores),
        underLoadCpuMillicores: ratio(wasm.footprint.underLoad.cpuMillicores, container.footprint.underLoad.cpuMillicores),
        pulledBytes: ratio(wasm.pulledBytes, container.pulledBytes),
    };
}
