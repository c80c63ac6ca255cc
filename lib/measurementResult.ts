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
