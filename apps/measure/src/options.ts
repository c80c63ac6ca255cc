/**
 * Command-line contract of the measurement program: parsing, validation, and the inverse (`measureArgs`) the
 * Pulumi program uses to write the Job's `args`, plus the Job deadline the settings need. Imports nothing but
 * the shared result types and src/retry.ts (no client), so the Pulumi program can load it without the Kubernetes
 * client.
 */
import type { MeasurementThresholds } from "../../../lib/results/measurementResult";
import { DEFAULT_RETRY_POLICY, worstCaseBackoffMs } from "./retry";

/** Everything one measurement run needs, as validated from the command line. */
export interface MeasureOptions extends MeasurementThresholds {
    /** `wasm` or `container`: the result's `target`. */
    target: string;
    /** Namespace of the twin, the serving Deployment and the load-test pod. */
    namespace: string;
    /** The twin Deployment scaled 0 → N → 0 (its pod selector is read from it). */
    twinDeployment: string;
    /** The serving Deployment's name, copied into the result (the program never reads or changes it). */
    servingDeployment: string;
    /** Equality label selector of the serving Deployment's pods, `k=v[,k=v]`. */
    servingSelector: string;
    /**
     * The exact name of this rollout's load-test Job for this target. Its pods are found by the label the Job
     * controller sets, `batch.kubernetes.io/job-name=<job>` (K8SAPI-7), so a finished pod of an earlier rollout's
     * Job (Pulumi creates the replacement before it deletes the replaced Job, and finished Jobs stay a day:
     * REPLACE-1) is never taken for this one.
     * @default undefined: no load test; `footprint.underLoad` stays empty (0 samples)
     */
    loadTestJob?: string;
    /** N. @default 20 (the guide's figure) */
    replicas: number;
    /** Scale-out rounds. @default 3 */
    rounds: number;
    /** The pod port the app listens on. @default 8080 (lib/kubernetes/workloadDefaults.ts APP_PORT, containerBaseline CONTAINER_PORT; platform-contracts MEAS-1) */
    port: number;
    /** Path a fresh pod must answer with 2xx. @default "/healthz" */
    healthPath: string;
    /** Per round: seconds from the scale request until all N are Ready and one answered. @default 300 */
    scaleOutTimeoutSeconds: number;
    /** Per round: seconds from the scale-in request until no twin pod is left. @default 180 */
    scaleInTimeoutSeconds: number;
    /** Seconds to wait for the load-test pod to start running. @default 600 */
    loadTestStartTimeoutSeconds: number;
    /** Seconds to wait, once it runs, for the load-test pod to finish. @default 900 */
    loadTestRunTimeoutSeconds: number;
    /** Seconds after the load test to wait for a metrics window that holds no load. @default 180 */
    settleTimeoutSeconds: number;
    /** Seconds between two PodMetrics lists while idle (under load: at most 5 s, MSWIN-1). @default 15 (metrics-server's resolution in its own manifests, METRICS-2) */
    sampleIntervalSeconds: number;
    /** Milliseconds one health request may take. @default 1000 */
    probeTimeoutMs: number;
    /** Milliseconds between two health requests to the same fresh pod. @default 200 */
    probeIntervalMs: number;
    /** Attempts per API call, the first included, on transient failures (src/retry.ts). @default 6 */
    apiAttempts: number;
    /** Milliseconds before the second attempt of an API call, doubled each time, at most 8 s. @default 500 */
    apiRetryBaseMs: number;
}

export const MEASURE_DEFAULTS = {
    replicas: 20,
    rounds: 3,
    port: 8080,
    healthPath: "/healthz",
    scaleOutTimeoutSeconds: 300,
    scaleInTimeoutSeconds: 180,
    loadTestStartTimeoutSeconds: 600,
    loadTestRunTimeoutSeconds: 900,
    settleTimeoutSeconds: 180,
    sampleIntervalSeconds: 15,
    probeTimeoutMs: 1000,
    probeIntervalMs: 200,
    apiAttempts: 6,
    apiRetryBaseMs: 500,
} as const satisfies Partial<MeasureOptions>;

export type ParsedMeasureArguments = { kind: "run"; options: MeasureOptions } | { kind: "help" } | { kind: "invalid"; problems: string[] };

const TARGET = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// apimachinery's qualified name (an optional DNS-subdomain prefix and `/`, then a name) and label value.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Undefined when `s` is an equality selector `k=v[,k=v]` (what matchLabels gives), else the problem. */
export function selectorProblem(s: string): string | undefined {
    const parts = s.split(",");
    for (const part of parts) {
        const eq = part.indexOf("=");
        const key = eq < 0 ? part : part.slice(0, eq);
        const value = eq < 0 ? undefined : part.slice(eq + 1);
        if (value === undefined || value.startsWith("=") || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
            return `${JSON.stringify(part)} is not key=value (label key, '=', label value)`;
        }
    }
    return undefined;
}

/** The label the Job controller puts on every pod of Job `job` (Kubernetes ≥ 1.27; JOBPOD-1). */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/** The selector of the pods of exactly Job `job`. */
export function jobPodSelector(job: string): string {
    return `${JOB_NAME_LABEL}=${job}`;
}

/** `matchLabels` as a selector string, keys sorted (what the Job's args and the API's `labelSelector` take). */
export function selectorFromLabels(labels: Record<string, string>): string {
    return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
}

interface FlagSpec {
    flag: string;
    field: keyof MeasureOptions;
    required: boolean;
    expected: string;
    read: (raw: string) => string | number | undefined;
}

const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)$/;
const numberWhere = (accept: (n: number) => boolean) => (raw: string) => {
    const n = DECIMAL.test(raw) ? Number(raw) : NaN;
    return Number.isFinite(n) && accept(n) ? n : undefined;
};
const whole = (min: number, max: number) => numberWhere((n) => Number.isInteger(n) && n >= min && n <= max);
const matching = (re: RegExp) => (raw: string) => (re.test(raw) ? raw : undefined);
const selector = (raw: string) => (selectorProblem(raw) === undefined ? raw : undefined);

const FLAGS: readonly FlagSpec[] = [
    { flag: "target", field: "target", required: true, read: matching(TARGET), expected: "lower-case letters, digits and inner '-', at most 20 characters (e.g. wasm)" },
    { flag: "namespace", field: "namespace", required: true, read: matching(DNS_LABEL), expected: "a namespace name (lower-case DNS label)" },
    { flag: "twin", field: "twinDeployment", required: true, read: matching(DNS_SUBDOMAIN), expected: "a Deployment name" },
    { flag: "serving-deployment", field: "servingDeployment", required: true, read: matching(DNS_SUBDOMAIN), expected: "a Deployment name" },
    { flag: "serving-selector", field: "servingSelector", required: true, read: selector, expected: "an equality label selector key=value[,key=value]" },
    { flag: "loadtest-job", field: "loadTestJob", required: false, read: matching(DNS_LABEL), expected: "the load-test Job's exact name (a DNS label of at most 63 characters)" },
    { flag: "replicas", field: "replicas", required: false, read: whole(1, 200), expected: "a whole number from 1 to 200 (default 20)" },
    { flag: "rounds", field: "rounds", required: false, read: whole(1, 20), expected: "a whole number from 1 to 20 (default 3)" },
    { flag: "port", field: "port", required: false, read: whole(1, 65535), expected: "a port number from 1 to 65535 (default 8080)" },
    { flag: "health-path", field: "healthPath", required: false, read: matching(/^\/[!-~]{0,200}$/), expected: "a path starting with '/', printable ASCII (default /healthz)" },
    { flag: "scale-out-timeout-seconds", field: "scaleOutTimeoutSeconds", required: false, read: whole(1, 3600), expected: "whole seconds from 1 to 3600 (default 300)" },
    { flag: "scale-in-timeout-seconds", field: "scaleInTimeoutSeconds", required: false, read: whole(1, 3600), expected: "whole seconds from 1 to 3600 (default 180)" },
    { flag: "loadtest-start-timeout-seconds", field: "loadTestStartTimeoutSeconds", required: false, read: whole(1, 3600), expected: "whole seconds from 1 to 3600 (default 600)" },
    { flag: "loadtest-run-timeout-seconds", field: "loadTestRunTimeoutSeconds", required: false, read: whole(1, 7200), expected: "whole seconds from 1 to 7200 (default 900)" },
    { flag: "settle-timeout-seconds", field: "settleTimeoutSeconds", required: false, read: whole(0, 3600), expected: "whole seconds from 0 to 3600 (default 180)" },
    { flag: "sample-interval-seconds", field: "sampleIntervalSeconds", required: false, read: numberWhere((n) => n >= 0.05 && n <= 300), expected: "seconds from 0.05 to 300 (default 15)" },
    { flag: "probe-timeout-ms", field: "probeTimeoutMs", required: false, read: whole(50, 30000), expected: "whole milliseconds from 50 to 30000 (default 1000)" },
    { flag: "probe-interval-ms", field: "probeIntervalMs", required: false, read: whole(10, 10000), expected: "whole milliseconds from 10 to 10000 (default 200)" },
    { flag: "api-attempts", field: "apiAttempts", required: false, read: whole(1, 20), expected: "a whole number from 1 to 20 (default 6)" },
    { flag: "api-retry-base-ms", field: "apiRetryBaseMs", required: false, read: whole(1, 8000), expected: "whole milliseconds from 1 to 8000 (default 500)" },
    { flag: "max-scale-out-seconds", field: "maxScaleOutSeconds", required: false, read: numberWhere((n) => n >= 0), expected: "seconds ≥ 0 (0 checks nothing)" },
    { flag: "max-first-response-seconds", field: "maxFirstResponseSeconds", required: false, read: numberWhere((n) => n >= 0), expected: "seconds ≥ 0 (0 checks nothing)" },
    { flag: "max-pod-memory-mib", field: "maxPodMemoryMiB", required: false, read: numberWhere((n) => n >= 0), expected: "MiB ≥ 0 (0 checks nothing)" },
];

export const USAGE = `Usage: measure --target NAME --namespace NS --twin DEPLOYMENT --serving-deployment DEPLOYMENT
               --serving-selector K=V[,K=V] [--loadtest-job JOB] [options]

Measures one target in the cluster (in-cluster ServiceAccount): the serving pods' CPU and memory while the load
test runs and after it, then scale-out rounds of the twin Deployment 0 -> N -> 0. Prints one line
"aks-wasm-measurement {JSON}" on stdout; the twin always ends at 0 replicas.
Exit status: 0 pass, 1 a threshold is breached (or the twin did not end at 0), 2 bad arguments,
3 the run itself failed, 130/143 interrupted (SIGINT/SIGTERM; the twin is scaled to 0 first).

${FLAGS.map((f) => `  --${f.flag.padEnd(32)} ${f.expected}${f.required ? " (required)" : ""}`).join("\n")}
  --help                             print this text`;

/** Reads argv (without `node` and the script) into options, or lists every problem with flag, value and what is accepted. */
export function parseMeasureArguments(argv: readonly string[]): ParsedMeasureArguments {
    const problems: string[] = [];
    const raw = new Map<string, string>();
    let help = false;
    for (let i = 0; i < argv.length; i++) {
        const word = argv[i];
        if (word === "--help") {
            help = true;
            continue;
        }
        const m = /^--([a-z0-9-]+)(=(.*))?$/s.exec(word);
        if (!m) {
            problems.push(`unexpected argument ${JSON.stringify(word)}: every value must follow its flag, e.g. --replicas 20`);
            continue;
        }
        const spec = FLAGS.find((f) => f.flag === m[1]);
        let value = m[3];
        if (value === undefined) {
            const next = argv[i + 1];
            if (next !== undefined && !next.startsWith("--")) {
                value = next;
                i++;
            } else {
                value = "";
            }
        }
        if (!spec) problems.push(`--${m[1]}: unknown flag; accepted flags: ${FLAGS.map((f) => `--${f.flag}`).join(", ")}, --help`);
        else if (raw.has(spec.flag)) problems.push(`--${spec.flag}: given more than once (${JSON.stringify(raw.get(spec.flag))} and ${JSON.stringify(value)}); give it once`);
        else raw.set(spec.flag, value);
    }
    if (help && problems.length === 0) return { kind: "help" };
    const options: Record<string, string | number> = { ...MEASURE_DEFAULTS };
    for (const spec of FLAGS) {
        const value = raw.get(spec.flag);
        if (value === undefined) {
            if (spec.required) problems.push(`--${spec.flag}: required; expected ${spec.expected}`);
        } else if (value === "") {
            problems.push(`--${spec.flag}: missing value; expected ${spec.expected}`);
        } else {
            const read = spec.read(value);
            if (read !== undefined) options[spec.field] = read;
            else problems.push(`--${spec.flag}: ${JSON.stringify(value)} is not accepted; expected ${spec.expected}`);
        }
    }
    return problems.length > 0 ? { kind: "invalid", problems } : { kind: "run", options: options as unknown as MeasureOptions };
}

/** The thresholds set (0 or absent are left out: they check nothing). */
export function thresholdsOf(o: MeasurementThresholds): MeasurementThresholds {
    const t: MeasurementThresholds = {};
    if (o.maxScaleOutSeconds) t.maxScaleOutSeconds = o.maxScaleOutSeconds;
    if (o.maxFirstResponseSeconds) t.maxFirstResponseSeconds = o.maxFirstResponseSeconds;
    if (o.maxPodMemoryMiB) t.maxPodMemoryMiB = o.maxPodMemoryMiB;
    return t;
}

/**
 * The Job's `args` for one run (`--flag=value` each; defaults left out). Throws, listing every problem, when the
 * program would refuse them, so a bad stack config fails at preview instead of in the cluster.
 */
export function measureArgs(opts: Partial<MeasureOptions> & Pick<MeasureOptions, "target" | "namespace" | "twinDeployment" | "servingDeployment" | "servingSelector">): string[] {
    const args: string[] = [];
    for (const spec of FLAGS) {
        const value = opts[spec.field];
        if (value !== undefined) args.push(`--${spec.flag}=${String(value)}`);
    }
    const parsed = parseMeasureArguments(args);
    if (parsed.kind !== "run") {
        const problems = parsed.kind === "invalid" ? parsed.problems : ["unexpected --help"];
        throw new Error(`measureArgs: invalid measurement options:\n  ${problems.join("\n  ")}`);
    }
    return args;
}

/** Where a run's time can go, worst case, in seconds (each wait at its timeout). */
export interface MeasureBudget {
    /** Waiting for the load-test pod to start and to finish, then for an idle window (settle). */
    footprintSeconds: number;
    /** rounds × (scale-out + 2 × scale-in): each round may first wait for a twin left up by the previous one. */
    roundsSeconds: number;
    /** Backoff of API calls retried outside the timed waits (src/retry.ts): the footprint's samples, the first GET, one PATCH per round. */
    retriesSeconds: number;
    /** Image pull, scheduling, Node start-up, the final scale to 0. */
    marginSeconds: number;
    /** The sum: what the Job's activeDeadlineSeconds must be at least. */
    totalSeconds: number;
}

/**
 * The longest a run can take with these settings, by part: every wait at its timeout, every retried call at its
 * longest backoff, plus `marginSeconds`. The Job's `activeDeadlineSeconds` must be at least `totalSeconds`, or a
 * slow but valid run is cut short (and then only scales the twin to 0 and reports no result). Every round can
 * need two scale-in waits (one before it, for a twin the previous round left up, and its own), so the rounds
 * count `scaleOut + 2 × scaleIn` each (issue 19).
 */
export function measureBudget(opts: Partial<MeasureOptions>, marginSeconds = 120): MeasureBudget {
    const o = { ...MEASURE_DEFAULTS, ...opts };
    const footprintSeconds = opts.loadTestJob ? o.loadTestStartTimeoutSeconds + o.loadTestRunTimeoutSeconds + o.settleTimeoutSeconds : o.settleTimeoutSeconds;
    const roundsSeconds = o.rounds * (o.scaleOutTimeoutSeconds + 2 * o.scaleInTimeoutSeconds);
    // A footprint loop overshoots its deadline by at most one iteration of 3 calls, in each of its 2 phases; the
    // first GET of the twin; the PATCH before each round.
    const retriedCalls = 3 * 2 + 1 + o.rounds;
    const retriesSeconds = Math.ceil((worstCaseBackoffMs({ ...DEFAULT_RETRY_POLICY, attempts: o.apiAttempts, baseMs: o.apiRetryBaseMs }) * retriedCalls) / 1000);
    const totalSeconds = Math.ceil(footprintSeconds + roundsSeconds + retriesSeconds + marginSeconds);
    return { footprintSeconds, roundsSeconds, retriesSeconds, marginSeconds, totalSeconds };
}

/** {@link measureBudget}'s total: the Job's `activeDeadlineSeconds` must be at least this. */
export function measureDeadlineSeconds(opts: Partial<MeasureOptions>, marginSeconds = 120): number {
    return measureBudget(opts, marginSeconds).totalSeconds;
}
