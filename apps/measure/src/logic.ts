/**
 * The measurement logic on Kubernetes API objects, pure: pods and watch events in, readiness and timings out;
 * PodMetrics lists in, per-pod footprints out. No I/O and no client import, so test/measure.logic.test.ts runs it
 * on recorded API responses. Objects are typed by the few fields read; timestamps may be RFC 3339 strings (raw
 * JSON: watch events, the metrics API) or Dates (what @kubernetes/client-node's typed list calls deserialize).
 */
import { parseQuantity } from "../../../lib/kubernetes/kubernetesQuantity";
import { median, type PodFootprint } from "../../../lib/results/measurementResult";

type Time = string | Date;

export interface PodCondition {
    type: string;
    status: string;
    lastTransitionTime?: Time;
}

export interface ContainerState {
    running?: { startedAt?: Time };
    terminated?: { startedAt?: Time; finishedAt?: Time; exitCode?: number };
    waiting?: { reason?: string };
}

export interface Pod {
    metadata?: { name?: string; uid?: string; creationTimestamp?: Time; deletionTimestamp?: Time; resourceVersion?: string };
    status?: {
        phase?: string;
        podIP?: string;
        conditions?: PodCondition[];
        containerStatuses?: { name: string; ready?: boolean; state?: ContainerState }[];
    };
}

export interface PodList {
    metadata?: { resourceVersion?: string };
    items: Pod[];
}

/** A watch event as the API server streams it, one JSON object per line. */
export interface WatchEvent {
    type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
    object: Pod | { kind?: string; code?: number; message?: string; metadata?: { resourceVersion?: string } };
}

/** metrics.k8s.io/v1beta1 PodMetrics (k8s.io/metrics pkg/apis/metrics/v1beta1/types.go; METRICS-1). */
export interface PodMetrics {
    metadata: { name: string; namespace?: string };
    /** The last scrape of the pod (the earliest of its containers'). */
    timestamp: Time;
    /** Go duration between the two scrapes the CPU rate is taken over, e.g. "15.021s" (METRICS-3). */
    window: string;
    containers: { name: string; usage: { cpu?: string; memory?: string } }[];
}

export interface PodMetricsList {
    items: PodMetrics[];
}

function finishedPhase(pod: Pod): boolean {
    return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export function timeMs(t: Time | undefined): number | undefined {
    if (t === undefined) return undefined;
    const ms = t instanceof Date ? t.getTime() : Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
}

/** Ready: the pod's `Ready` condition is `True` (kubelet sets it when every container's readiness probe passes; K8SAPI-5). */
export function podReady(pod: Pod): boolean {
    return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** A pod being deleted (graceful termination) counts neither as Ready nor as a fresh pod. */
export function podTerminating(pod: Pod): boolean {
    return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/**
 * The twin's pods as a watch sees them: a list resets them, each event updates them. ERROR events (e.g. 410
 * Gone: the resourceVersion is too old) mean the state is unknown: the caller lists again (K8SAPI-6).
 */
export class PodSet {
    private readonly pods = new Map<string, Pod>();

    reset(list: PodList): void {
        this.pods.clear();
        for (const pod of list.items) if (pod.metadata?.name) this.pods.set(pod.metadata.name, pod);
    }

    /** Applies one event; returns false for an ERROR event (list again), true otherwise. */
    apply(event: WatchEvent): boolean {
        if (event.type === "ERROR") return false;
        if (event.type === "BOOKMARK") return true;
        const pod = event.object as Pod;
        const name = pod.metadata?.name;
        if (!name) return true;
        if (event.type === "DELETED") this.pods.delete(name);
        else this.pods.set(name, pod);
        return true;
    }

    /** Pods that exist (terminating ones included: they are still there until DELETED). */
    get size(): number {
        return this.pods.size;
    }

    /** Pods Ready and not terminating. */
    readyCount(): number {
        return [...this.pods.values()].filter((p) => podReady(p) && !podTerminating(p)).length;
    }

    /** Not terminating pods with an IP: the ones a health request can reach. */
    reachable(): { name: string; ip: string }[] {
        return [...this.pods.values()]
            .filter((p) => !podTerminating(p) && p.status?.podIP)
            .map((p) => ({ name: p.metadata!.name!, ip: p.status!.podIP! }));
    }

    names(): string[] {
        return [...this.pods.keys()];
    }
}

/** Where the load-test pod is: not yet there, created, running (with its start) or finished (start and end). */
export type LoadTestProgress =
    | { state: "absent" }
    | { state: "pending"; pod: string }
    | { state: "running"; pod: string; startedAtMs: number }
    | { state: "finished"; pod: string; phase: string; startedAtMs: number | undefined; finishedAtMs: number };

/**
 * A pod the Job controller replaces without counting it: failed with the `DisruptionTarget` condition (a node
 * drain, preemption, an eviction), which the gating Jobs' pod failure policy ignores (lib/results/jobResult.ts
 * GATED_JOB_RUN_POLICY). Its end is not the load test's end.
 */
export function podDisrupted(pod: Pod): boolean {
    return pod.status?.phase === "Failed" && (pod.status?.conditions ?? []).some((c) => c.type === "DisruptionTarget" && c.status === "True");
}

/**
 * The progress of the load-test Job's final pod, from the list of that exact Job's pods (`--loadtest-job`, by the
 * `batch.kubernetes.io/job-name` label: never a pod of another rollout's Job). The final pod is the newest one
 * that was not disrupted: a pod lost to a node drain or preemption is replaced by the Job controller and is not
 * the load's end, so with only disrupted pods the load test is still "pending" (its replacement is coming).
 * Load runs from the container's start to its end: `state.running.startedAt`, then
 * `state.terminated.startedAt`/`finishedAt` (K8SAPI-7). A pod is finished when its phase is Succeeded or Failed
 * (restartPolicy Never: the container does not come back).
 */
export function loadTestProgress(list: PodList): LoadTestProgress {
    const all = list.items.filter((p) => p.metadata?.name);
    if (all.length === 0) return { state: "absent" };
    const newestOf = (pods: Pod[]) =>
        pods.reduce((a, b) => {
            const ta = timeMs(a.metadata?.creationTimestamp) ?? 0;
            const tb = timeMs(b.metadata?.creationTimestamp) ?? 0;
            // creationTimestamp has whole seconds (K8SAPI-7): a pod not yet finished wins a tie over a finished one.
            if (tb !== ta) return tb > ta ? b : a;
            return finishedPhase(a) && !finishedPhase(b) ? b : a;
        });
    const candidates = all.filter((p) => !podDisrupted(p));
    if (candidates.length === 0) return { state: "pending", pod: newestOf(all).metadata!.name! };
    const newest = newestOf(candidates);
    const name = newest.metadata!.name!;
    const statuses = newest.status?.containerStatuses ?? [];
    const starts = statuses.map((c) => timeMs(c.state?.running?.startedAt ?? c.state?.terminated?.startedAt)).filter((x): x is number => x !== undefined);
    const ends = statuses.map((c) => timeMs(c.state?.terminated?.finishedAt)).filter((x): x is number => x !== undefined);
    const startedAtMs = starts.length > 0 ? Math.min(...starts) : undefined;
    const phase = newest.status?.phase ?? "Unknown";
    if (phase === "Succeeded" || phase === "Failed") {
        return { state: "finished", pod: name, phase, startedAtMs, finishedAtMs: ends.length > 0 ? Math.max(...ends) : Date.now() };
    }
    if (phase === "Running" && startedAtMs !== undefined) return { state: "running", pod: name, startedAtMs };
    return { state: "pending", pod: name };
}

/** One pod's usage from one scrape pair: CPU averaged over [end - window, end], memory (working set) at `end`. */
export interface MetricPoint {
    pod: string;
    endMs: number;
    windowMs: number;
    cpuCores: number;
    memoryBytes: number;
}

/**
 * A Go `time.Duration` string (what metav1.Duration serializes to: "15.021s", "1m0.5s", "900ms") in ms;
 * undefined when it is not one.
 */
export function parseGoDuration(s: string): number | undefined {
    const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, "µs": 1e-3, ns: 1e-6 };
    if (s === "0") return 0;
    const re = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/gy;
    let total = 0;
    let end = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
        total += Number(m[1]) * unit[m[2]];
        end = re.lastIndex;
    }
    return end === s.length && end > 0 ? total : undefined;
}

/**
 * The points of the pods named in `podNames` (the serving Deployment's pods, from a pod list by its selector):
 * the PodMetrics API cannot filter by label selector through the client, and name matching needs no assumption
 * about the labels metrics-server copies. A pod's usage is the sum of its containers'. Entries whose quantities
 * or window do not parse are skipped rather than guessed.
 */
export function metricPoints(list: PodMetricsList, podNames: ReadonlySet<string>): MetricPoint[] {
    const points: MetricPoint[] = [];
    for (const item of list.items) {
        if (!podNames.has(item.metadata.name)) continue;
        const endMs = timeMs(item.timestamp);
        const windowMs = parseGoDuration(item.window);
        const cpu = item.containers.map((c) => parseQuantity(c.usage.cpu ?? ""));
        const memory = item.containers.map((c) => parseQuantity(c.usage.memory ?? ""));
        if (endMs === undefined || windowMs === undefined || item.containers.length === 0 || [...cpu, ...memory].some(Number.isNaN)) continue;
        points.push({ pod: item.metadata.name, endMs, windowMs, cpuCores: sum(cpu), memoryBytes: sum(memory) });
    }
    return points;
}

/**
 * Points whose whole window lies in [fromMs, toMs]: a CPU rate over a window that began before the load started
 * (or ended after it stopped) would mix loaded and idle time. `toMs` undefined: no upper bound.
 */
export function pointsWithin(points: readonly MetricPoint[], fromMs: number, toMs?: number): MetricPoint[] {
    return points.filter((p) => p.endMs - p.windowMs >= fromMs && (toMs === undefined || p.endMs <= toMs));
}

/**
 * The footprint of sampled points: each list taken is one sample; the same scrape (pod and end time) seen in two
 * lists counts once. Medians over every (pod, scrape) point; CPU in millicores and memory in MiB, one decimal.
 * `noSampleReason` is kept only when no point was sampled: it says why (the caller knows).
 */
export function footprintOf(samples: readonly (readonly MetricPoint[])[], noSampleReason = "no metrics window fitted"): PodFootprint {
    const seen = new Set<string>();
    const points: MetricPoint[] = [];
    let contributing = 0;
    for (const sample of samples) {
        let fresh = 0;
        for (const p of sample) {
            const key = `${p.pod}@${p.endMs}`;
            if (seen.has(key)) continue;
            seen.add(key);
            points.push(p);
            fresh++;
        }
        if (fresh > 0) contributing++;
    }
    const cpu = median(points.map((p) => p.cpuCores * 1000));
    const memory = median(points.map((p) => p.memoryBytes / 2 ** 20));
    return {
        pods: new Set(points.map((p) => p.pod)).size,
        samples: contributing,
        cpuMillicores: cpu === null ? null : round1(cpu),
        memoryMiB: memory === null ? null : round1(memory),
        maxMemoryMiB: points.length === 0 ? null : round1(Math.max(...points.map((p) => p.memoryBytes / 2 ** 20))),
        noSampleReason: contributing === 0 ? noSampleReason : null,
    };
}

/** Seconds between two monotonic-clock readings in ms, to the millisecond; null when `end` is missing. */
export function elapsedSeconds(startMs: number, endMs: number | undefined): number | null {
    return endMs === undefined ? null : Math.round(endMs - startMs) / 1000;
}

function sum(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0);
}

function round1(x: number): number {
    return Math.round(x * 10) / 10 + 0;
}
