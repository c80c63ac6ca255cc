/**
 * The rollout gate: after the app rolls out, a Kubernetes Job per target runs the load generator (apps/loadtest)
 * against the target's Service, and `@pulumi/kubernetes` waits for each Job to complete (FIELD-NOTES §5). A
 * breached threshold makes the CLI exit 1, the Job fail, and `pulumi up` fail: the verdict is the deployment's.
 *
 * Design choices, and why:
 * - One Job per target, run one after the other (each waits for the previous one): two generators sharing the
 *   system pool's cores at the same time would measure each other. The same image, duration, connections and
 *   thresholds go to every target, so the runs differ only in what they load.
 * - Each generator is placed alike relative to its target (issue 19 item 5): a required pod anti-affinity to the
 *   target's serving pods (the Service's own selector) by `kubernetes.io/hostname`, so a generator never shares a
 *   node, and its cores, with the pods it loads, whichever pool either runs on; the scheduler also keeps a target
 *   pod that starts later (a rollout surge) off the generator's node (SCHED-3). Every request of both runs
 *   crosses a node boundary. The targets run on the Wasm pool and the generators on the system pool
 *   (docs/measurements.md, "Fair comparison"), so the constraint can always be met.
 * - `backoffLimit: 0`: a breach is a verdict, not a flake; a retry would report the better of two runs. A pod
 *   killed by a node drain or preemption is not a verdict: `podFailurePolicy` ignores failures carrying the
 *   `DisruptionTarget` condition, so those are retried without counting.
 * - Job specs are immutable, and the Job must run again whenever the app changes: the name ends in a hash of the
 *   spec and of `rolloutTrigger` (the app image's digest), so a change of either makes Pulumi replace the Job.
 * - Results come back as stack outputs through `kubectl logs` in a `local.Command` (see `collectScript`). The
 *   Kubernetes provider's Job outputs carry only the Job's status, not its pod's log or termination message, so
 *   there is nothing simpler that is readable after a *successful* run. After a *failed* run, the pod's
 *   termination message (`FallbackToLogsOnError`: the log's tail, which ends with the summary line) appears in
 *   the provider's error, so a breach is explained in `pulumi up`'s own output.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadTestArgs } from "../../apps/loadtest/src/options";
import { configDefaults } from "../../config";
import { collectJobLog, GATED_JOB_RUN_POLICY, gatedJobMetadata, jobLogScript } from "../../lib/results/jobResult";
import { compareSummaries, parseLoadTestOutput, type LoadTestComparison, type LoadTestSummary } from "../../lib/results/loadTestResult";
import { hardenedPodSpec, recommendedLabels, restrictedContainerSecurityContext, SYSTEM_POOL_SELECTOR } from "../../lib/kubernetes/workloadDefaults";

/** Label value the app's NetworkPolicies admit (`app.kubernetes.io/component`). */
export const LOADTEST_COMPONENT = "loadtest";
/** Label telling the Jobs of one LoadTest apart. */
export const TARGET_LABEL = "aks-wasm/loadtest-target";
/** Name of the load generator's container, for `kubectl logs -c`. */
export const LOADTEST_CONTAINER = "loadtest";

/** Time a Job gets beyond the load itself: scheduling, image pull, Node start-up, DNS. */
export const DEADLINE_MARGIN_SECONDS = 180;
/** Limits the run is judged against. */
export interface LoadTestThresholds {
    /** Highest acceptable p99 latency in milliseconds. */
    maxP99Ms: number;
    /** Highest acceptable error rate, 0 to 1. */
    maxErrorRate: number;
    /** Lowest acceptable requests per second; 0 checks nothing. */
    minRps: number;
}

/** One thing to load. */
export interface LoadTestTarget {
    /**
     * Short name: lower-case letters, digits and inner `-`, at most 20 characters (`wasm`, `container`). It names
     * the Job and keys the `summaries` output; `wasm` and `container` together also produce `comparison`.
     */
    name: string;
    /** URL of the target's Service by its cluster DNS name, e.g. `http://hello-wasm.apps.svc.cluster.local/`. */
    url: pulumi.Input<string>;
    /**
     * Labels selecting the target's serving pods: the Service's selector. The generator refuses every node that
     * runs one of them (a required pod anti-affinity in the Job's namespace), so it never shares a node with what
     * it loads. At least one label.
     */
    podSelector: Record<string, string>;
}

export interface LoadTestArgs {
    /** Provider of the cluster the targets run in. */
    provider: k8s.Provider;
    /**
     * Namespace the Jobs run in: the app's, because its NetworkPolicy admits load-test pods by label from its own
     * namespace. Must be a namespace enforcing (or accepting) Pod Security `restricted`.
     */
    namespace: pulumi.Input<string>;
    /** The load generator's image (apps/loadtest/Dockerfile), pinned by digest. */
    image: pulumi.Input<string>;
    /** Targets, loaded one after the other in this order. At least one; names distinct. */
    targets: LoadTestTarget[];
    /**
     * Anything whose change must re-run the test, typically the app image's digest (with the baseline's, when
     * there is one). Hashed into the Job names.
     */
    rolloutTrigger: pulumi.Input<string>;
    /**
     * Kubeconfig for collecting the results (a secret). It reaches `kubectl` through stdin only: never a command
     * line or an environment variable, both of which Pulumi stores in state. The machine running `pulumi up`
     * then needs `kubectl` (and `kubelogin` for an Entra ID cluster). kubelogin gets its login from the
     * environment `pulumi up` runs in, which the command inherits (platform-contracts CMD-1, KUBELOGIN-4): in CI
     * AAD_LOGIN_METHOD=workloadidentity with a fresh federated token file, on a laptop the `az login` session.
     * @default undefined: no collection; the Jobs still gate the rollout, `summaries` is `{}`.
     */
    kubeconfig?: pulumi.Input<string>;
    /** Pass/fail limits, the same for every target. @default the stack config defaults (500 ms p99, 1% errors, 0 rps) */
    thresholds?: Partial<LoadTestThresholds>;
    /** Seconds of load per target, 5 to 600. @default 30 */
    durationSeconds?: number;
    /** Concurrent connections, 1 to 1000. @default 10 */
    connections?: number;
    /**
     * The generator's resources. The CPU limit is one core: autocannon runs on one thread, and a generator that
     * can take the whole node would compete with the container baseline it measures on the same pool.
     * @default requests 250m / 128Mi, limits 1 CPU / 256Mi
     */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /**
     * Where the generator runs: the system pool, never the Wasm pool (whose taint it does not tolerate), which holds
     * both targets. Wherever it runs, it never shares a node with its target's pods (see `podSelector`).
     * @default { "kubernetes.azure.com/mode": "system" }
     */
    nodeSelector?: Record<string, string>;
    /** Tolerations, e.g. for a system pool tainted `CriticalAddonsOnly`. @default [] */
    tolerations?: k8s.types.input.core.v1.Toleration[];
    /** Must be ready before the first Job starts: the targets' Deployments. @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Everything a Job manifest is made of, resolved. */
export interface LoadTestJobInput {
    /** The component's name; prefixes the Job name and is the `instance` label. */
    componentName: string;
    target: string;
    url: string;
    image: string;
    namespace: string;
    rolloutTrigger: string;
    durationSeconds: number;
    connections: number;
    thresholds: LoadTestThresholds;
    resources: unknown;
    nodeSelector: Record<string, string>;
    tolerations: unknown[];
    /** The target's serving pods (LoadTestTarget `podSelector`): the generator stays off their nodes. */
    targetPodSelector: Record<string, string>;
}

export const DEFAULT_RESOURCES = {
    requests: { cpu: "250m", memory: "128Mi" },
    limits: { cpu: "1", memory: "256Mi" },
} as const;

const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The resolved settings, after defaults. */
export interface LoadTestSettings {
    durationSeconds: number;
    connections: number;
    thresholds: LoadTestThresholds;
}

/** Applies defaults and checks every argument; throws one error listing every problem. */
export function resolveLoadTestSettings(name: string, args: Pick<LoadTestArgs, "targets" | "thresholds" | "durationSeconds" | "connections">): LoadTestSettings {
    const d = configDefaults();
    const settings: LoadTestSettings = {
        durationSeconds: args.durationSeconds ?? d.loadTestDurationSeconds,
        connections: args.connections ?? d.loadTestConnections,
        thresholds: {
            maxP99Ms: args.thresholds?.maxP99Ms ?? d.loadTestMaxP99Ms,
            maxErrorRate: args.thresholds?.maxErrorRate ?? d.loadTestMaxErrorRate,
            minRps: args.thresholds?.minRps ?? d.loadTestMinRps,
        },
    };
    const problems: string[] = [];
    const check = (key: string, value: unknown, ok: boolean, accepted: string) => {
        if (!ok) problems.push(`${key} = ${JSON.stringify(value)}: ${accepted}`);
    };
    const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
    check("durationSeconds", settings.durationSeconds, whole(settings.durationSeconds, 5, 600), "a whole number from 5 to 600");
    check("connections", settings.connections, whole(settings.connections, 1, 1000), "a whole number from 1 to 1000");
    const t = settings.thresholds;
    check("thresholds.maxP99Ms", t.maxP99Ms, Number.isFinite(t.maxP99Ms) && t.maxP99Ms > 0, "a number of milliseconds above 0");
    check("thresholds.maxErrorRate", t.maxErrorRate, t.maxErrorRate >= 0 && t.maxErrorRate <= 1, "a number from 0 to 1");
    check("thresholds.minRps", t.minRps, Number.isFinite(t.minRps) && t.minRps >= 0, "a number of requests per second, 0 or more");
    check("name", name, DNS_LABEL.test(name) && name.length <= 40, "lower-case letters, digits and inner '-', at most 40 characters");
    if (args.targets.length === 0) problems.push("targets = []: at least one target");
    const seen = new Set<string>();
    for (const [i, target] of args.targets.entries()) {
        check(`targets[${i}].name`, target.name, TARGET_NAME.test(target.name), "lower-case letters, digits and inner '-', at most 20 characters");
        check(
            `targets[${i}].podSelector`,
            target.podSelector,
            Object.keys(target.podSelector ?? {}).length > 0,
            "the labels of the target's serving pods (its Service's selector), at least one: an empty selector would keep the generator off every node running any pod of its namespace",
        );
        if (seen.has(target.name)) problems.push(`targets[${i}].name = ${JSON.stringify(target.name)}: distinct target names`);
        seen.add(target.name);
    }
    if (problems.length > 0) {
        throw new Error(`Invalid LoadTest "${name}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
    }
    return settings;
}

/** The node label that names each node (a topology domain of one node). */
export const HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname";

/**
 * The generator's placement relative to its target: never on a node that runs one of the target's pods. Required
 * (a hard filter, SCHED-2), by `kubernetes.io/hostname` (every node carries it, with its own name: SCHED-4), in
 * the Job's own namespace, which is the target's (the term names none: SCHED-2). The scheduler also refuses to
 * put a later target pod beside the running generator (existing pods' anti-affinity is checked too: SCHED-3).
 */
export function apartFromTarget(targetPodSelector: Record<string, string>): k8s.types.input.core.v1.Affinity {
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { ...targetPodSelector } }, topologyKey: HOSTNAME_TOPOLOGY_KEY }],
        },
    };
}

/** The Job's `activeDeadlineSeconds`: the load plus a margin for everything before the first request. */
export function activeDeadlineSeconds(durationSeconds: number): number {
    return durationSeconds + DEADLINE_MARGIN_SECONDS;
}

// The Job name and hash, the collection script and command are shared with ScaleMeasurement (lib/results/jobResult.ts).
export { AWAIT_MARGIN_SECONDS, jobName, repeatPreviousResultScript, shortHash, TTL_SECONDS_AFTER_FINISHED } from "../../lib/results/jobResult";

/** The Job manifest for one target: pure, so tests read it without an engine. */
export function loadTestJob(input: LoadTestJobInput) {
    if (!DNS_LABEL.test(input.namespace)) {
        throw new Error(`LoadTest "${input.componentName}": namespace = ${JSON.stringify(input.namespace)}: a Kubernetes namespace name (lower-case DNS label)`);
    }
    const labels = {
        ...recommendedLabels({ name: "loadtest", instance: input.componentName, component: LOADTEST_COMPONENT }),
        [TARGET_LABEL]: input.target,
    };
    const deadline = activeDeadlineSeconds(input.durationSeconds);
    const spec = {
        ...GATED_JOB_RUN_POLICY,
        activeDeadlineSeconds: deadline,
        template: {
            metadata: { labels },
            spec: {
                ...hardenedPodSpec,
                restartPolicy: "Never",
                nodeSelector: input.nodeSelector,
                tolerations: input.tolerations,
                affinity: apartFromTarget(input.targetPodSelector),
                containers: [
                    {
                        name: LOADTEST_CONTAINER,
                        image: input.image,
                        args: loadTestArgs({
                            url: input.url,
                            durationSeconds: input.durationSeconds,
                            connections: input.connections,
                            maxP99Ms: input.thresholds.maxP99Ms,
                            maxErrorRate: input.thresholds.maxErrorRate,
                            minRps: input.thresholds.minRps,
                            name: input.target,
                        }),
                        resources: input.resources,
                        securityContext: restrictedContainerSecurityContext,
                        // On failure the log's tail (ending in the summary) becomes the termination message,
                        // which the provider quotes in its error: a breach explains itself in `pulumi up`.
                        terminationMessagePolicy: "FallbackToLogsOnError",
                    },
                ],
            },
        },
    };
    return {
        metadata: gatedJobMetadata({ componentName: input.componentName, target: input.target, namespace: input.namespace, labels, spec, rolloutTrigger: input.rolloutTrigger }),
        spec,
    };
}

/** The collection script for one of this component's Jobs (lib/results/jobResult.ts `jobLogScript`, the load generator's container). */
export function collectScript(namespace: string, job: string, urn: string): string {
    return jobLogScript(namespace, job, LOADTEST_CONTAINER, urn);
}

export class LoadTest extends pulumi.ComponentResource {
    /** The resolved settings (defaults applied). */
    readonly settings: LoadTestSettings;
    /** The Jobs, in run order. */
    readonly jobs: k8s.batch.v1.Job[];
    /** Job name per target (resolves once each Job has completed: Pulumi awaits a Job before its outputs). */
    readonly jobNames: pulumi.Output<Record<string, string>>;
    /**
     * Job name per target as the manifest computes it, known before the Job is created: what the measurement
     * (which runs beside the load test, not after it) waits for by exact name.
     */
    readonly plannedJobNames: Record<string, pulumi.Output<string>>;
    /** Summary per target (unknown in preview; `{}` without a kubeconfig). */
    readonly summaries: pulumi.Output<Record<string, LoadTestSummary>>;
    /** `wasm` against `container`, when both targets run and results are collected. */
    readonly comparison: pulumi.Output<LoadTestComparison | undefined>;

    constructor(name: string, args: LoadTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:LoadTest", name, {}, opts);
        this.settings = resolveLoadTestSettings(name, args);
        const settings = this.settings;

        const jobs: k8s.batch.v1.Job[] = [];
        const planned: Record<string, pulumi.Output<string>> = {};
        const collected: pulumi.Output<[string, LoadTestSummary]>[] = [];
        for (const target of args.targets) {
            const manifest = pulumi
                .all([args.namespace, args.image, target.url, args.rolloutTrigger, args.resources ?? DEFAULT_RESOURCES, args.tolerations ?? []])
                .apply(([namespace, image, url, rolloutTrigger, resources, tolerations]) =>
                    loadTestJob({
                        componentName: name,
                        target: target.name,
                        url,
                        image,
                        namespace,
                        rolloutTrigger,
                        resources,
                        tolerations,
                        nodeSelector: args.nodeSelector ?? { ...SYSTEM_POOL_SELECTOR },
                        targetPodSelector: target.podSelector,
                        ...settings,
                    }),
                );
            planned[target.name] = manifest.metadata.name;
            const previous = jobs[jobs.length - 1];
            const job = new k8s.batch.v1.Job(
                `${name}-${target.name}`,
                { metadata: manifest.metadata, spec: manifest.spec as k8s.types.input.batch.v1.JobSpec },
                { parent: this, provider: args.provider, dependsOn: previous ? [previous] : args.dependsOn },
            );
            jobs.push(job);

            if (args.kubeconfig !== undefined) {
                const stdout = collectJobLog(`${name}-${target.name}-result`, { job, container: LOADTEST_CONTAINER, kubeconfig: args.kubeconfig }, { parent: this });
                collected.push(stdout.apply((out) => [target.name, parseLoadTestOutput(out, `load test "${target.name}"`)] as [string, LoadTestSummary]));
            }
        }
        this.jobs = jobs;
        this.plannedJobNames = planned;
        this.jobNames = pulumi.all(jobs.map((j, i) => j.metadata.name.apply((n) => [args.targets[i].name, n] as [string, string]))).apply(
            (pairs) => Object.fromEntries(pairs),
        );
        this.summaries = pulumi.all(collected).apply((pairs) => Object.fromEntries(pairs) as Record<string, LoadTestSummary>);
        this.comparison = this.summaries.apply((s) =>
            s.wasm && s.container ? compareSummaries({ name: "wasm", summary: s.wasm }, { name: "container", summary: s.container }) : undefined,
        );
        this.registerOutputs({ jobNames: this.jobNames, summaries: this.summaries, comparison: this.comparison });
    }
}
