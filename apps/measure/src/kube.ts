/**
 * The Kubernetes API calls the program makes, through @kubernetes/client-node 2.0.1, and nothing else (the Role in
 * src/rbac.ts grants exactly these). Behind an interface so the scaler runs against any API server: the cluster's,
 * or the stand-in of test/measure.scaler.test.ts.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, Metrics, PatchStrategy, Watch, setHeaderOptions } from "@kubernetes/client-node";
import type { PodList, PodMetricsList, WatchEvent } from "./logic";
import { withRetries, type RetryPolicy } from "./retry";

export interface MeasureApi {
    /** GET the twin Deployment: its pod selector and desired replicas. */
    readTwin(): Promise<{ matchLabels: Record<string, string>; replicas: number }>;
    /** PATCH the twin's scale subresource to `replicas`; returns spec.replicas of the Scale the server answered. */
    scaleTwin(replicas: number): Promise<number>;
    /** LIST pods in the namespace by label selector. */
    listPods(labelSelector: string): Promise<PodList>;
    /** WATCH pods from `resourceVersion`; `onDone` once the stream ends (server close, timeout, error, stop). */
    watchPods(labelSelector: string, resourceVersion: string | undefined, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void): Promise<{ stop(): void }>;
    /** LIST metrics.k8s.io/v1beta1 PodMetrics in the namespace. */
    listPodMetrics(): Promise<PodMetricsList>;
}

/**
 * The client configuration: a kubeconfig file when `KUBECONFIG` names one (running outside the cluster, and the
 * stand-in test), else the pod's ServiceAccount: `loadFromCluster` reads the token, CA and namespace under
 * /var/run/secrets/kubernetes.io/serviceaccount and the API address from KUBERNETES_SERVICE_HOST/PORT, and
 * re-reads the token file at most 60 s apart, so a rotated projected token is picked up (K8SAPI-1).
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
    const kc = new KubeConfig();
    if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG);
    else kc.loadFromCluster();
    return kc;
}

/** Seconds a watch stays open before the server ends it; the watcher then lists again (K8SAPI-6). */
export const WATCH_TIMEOUT_SECONDS = 60;

export function kubernetesApi(kc: KubeConfig, namespace: string, twin: string): MeasureApi {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const metrics = new Metrics(kc);
    const watch = new Watch(kc);
    // Watch also aborts a stream silent for 30 s (watch.js, private requestTimeoutMs): the twin's pods can be
    // quiet longer (a pod terminating for its grace period). Either end reaches `onDone`, and the caller lists and
    // watches again (K8SAPI-6), so a quiet stream costs one list, not a missed event.
    // client-node picks the first media type of the PATCH operation, JSON Patch (application/json-patch+json),
    // which takes a list of operations; a merge patch {"spec":{"replicas":N}} must say so in Content-Type, which
    // the header middleware sets after the request factory (K8SAPI-2).
    const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    return {
        async readTwin() {
            const d = await apps.readNamespacedDeployment({ name: twin, namespace });
            return { matchLabels: d.spec?.selector?.matchLabels ?? {}, replicas: d.spec?.replicas ?? 0 };
        },
        async scaleTwin(replicas) {
            const scale = await apps.patchNamespacedDeploymentScale({ name: twin, namespace, body: { spec: { replicas } } }, mergePatch);
            return scale.spec?.replicas ?? 0;
        },
        async listPods(labelSelector) {
            return (await core.listNamespacedPod({ namespace, labelSelector })) as unknown as PodList;
        },
        async watchPods(labelSelector, resourceVersion, onEvent, onDone) {
            const controller = await watch.watch(
                `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
                { labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
                (type: string, object: unknown) => onEvent({ type, object } as WatchEvent),
                onDone,
            );
            return { stop: () => controller.abort() };
        },
        async listPodMetrics() {
            return (await metrics.getPodMetrics(namespace)) as unknown as PodMetricsList;
        },
    };
}

/**
 * `api` with every call retried on transient failures (429, 5xx, a reset or refused connection) with bounded
 * backoff (src/retry.ts). A PATCH of the scale subresource to a fixed count is idempotent, so repeating it is safe;
 * a watch is retried only while it is being opened (once open, its end is handled by the watcher, K8SAPI-6).
 */
export function retryingApi(api: MeasureApi, opts: { log: (line: string) => void; signal?: AbortSignal; policy?: RetryPolicy }): MeasureApi {
    const retry = <T>(what: string, call: () => Promise<T>) => withRetries(what, call, opts);
    return {
        readTwin: () => retry("GET the twin Deployment", () => api.readTwin()),
        scaleTwin: (replicas) => retry(`PATCH the twin's scale to ${replicas}`, () => api.scaleTwin(replicas)),
        listPods: (selector) => retry(`LIST pods ${selector}`, () => api.listPods(selector)),
        watchPods: (selector, rv, onEvent, onDone) => retry(`WATCH pods ${selector}`, () => api.watchPods(selector, rv, onEvent, onDone)),
        listPodMetrics: () => retry("LIST PodMetrics (metrics.k8s.io)", () => api.listPodMetrics()),
    };
}
