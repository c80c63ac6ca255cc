/**
 * The yardstick for the Wasm app: the same handler (apps/hello-wasm-container serves apps/hello-wasm/src/handler.ts
 * on Node) as an ordinary container Deployment with the Wasm app's resources, replica count, probes and spread,
 * so that a load test of both compares runtimes and nothing else. SpinApp places it on the Wasm app's own pool
 * ({@link baselinePlacement}: the pool's selector and toleration, no RuntimeClass, so runc runs it): the two targets
 * share VM size and nodes, and both load generators run on the system pool (docs/measurements.md, "Fair
 * comparison"). A NetworkPolicy admits only the load-test pods.
 *
 * It runs in the Wasm app's namespace (Pod Security `baseline` enforced, `restricted` audited; this pod keeps the
 * restricted set), so the load-test Job reaches both
 * targets under one NetworkPolicy rule shape: pods labelled `app.kubernetes.io/component: loadtest` from the same
 * namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    APP_PORT_NAME,
    appIngressPolicySpec,
    checkPinnedImage,
    clusterIpServiceSpec,
    DEFAULT_RESOURCES,
    LOAD_TEST_POD_LABELS,
    networkPolicyPeers,
    pinnedImage,
    probes,
    resourceRequirements,
    serviceUrl,
    topologySpread,
    hardenedPodSpec,
    recommendedLabels,
    restrictedContainerSecurityContext,
    selectorLabels,
    SYSTEM_POOL_SELECTOR,
    type WasmPlacement,
    type WorkloadResources,
} from "../../lib/kubernetes/workloadDefaults";

/** Port the Node server listens on inside the container (unprivileged: the pod drops every capability). */
export const CONTAINER_PORT = 8080;
/** `app.kubernetes.io/component` of the baseline's objects. */
export const BASELINE_COMPONENT = "container-baseline";

export interface ContainerBaselineArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** The image built from apps/hello-wasm-container/Dockerfile, pinned by digest (`…@sha256:<64 hex>`). */
    image: pulumi.Input<string>;
    /** Namespace to run in: the Wasm app's (created by SpinWorkload; this pod keeps the restricted security context). */
    namespace: pulumi.Input<string>;
    /** Name of the Deployment and Service; a DNS-1035 label. @default "hello-wasm-container" */
    appName?: string;
    /** Replicas: give the Wasm app's, for a fair comparison. @default 3 */
    replicas?: number;
    /** Container resources: give the Wasm app's. @default the SpinWorkload defaults (50m/500m CPU, 64Mi/128Mi) */
    resources?: WorkloadResources;
    /**
     * Nodes to run on: give the Wasm app's pool ({@link baselinePlacement}), for a fair comparison; SpinApp does.
     * @default { "kubernetes.azure.com/mode": "system" }
     */
    nodeSelector?: Record<string, string>;
    /** Tolerations: the Wasm pool's taint ({@link baselinePlacement}), or e.g. a system pool's `CriticalAddonsOnly`. @default [] */
    tolerations?: k8s.types.input.core.v1.Toleration[];
    /** Labels of the load-test pods the NetworkPolicy admits (same namespace only). @default { "app.kubernetes.io/component": "loadtest" } */
    loadTestPodLabels?: Record<string, string>;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Where the baseline runs for a fair comparison: the Wasm app's pool, by the pool's own selector and toleration
 * (SCHED-1), and no RuntimeClass, so containerd runs it with its default runtime (runc). The Spin pods' RuntimeClass
 * adds `<handler>=provisioned` on top (SCHED-5): they may use only the pool's nodes where the shim is installed,
 * which is every node once the installer has run; the baseline may use all of them from the start.
 */
export function baselinePlacement(pool: WasmPlacement): Required<Pick<ContainerBaselineArgs, "nodeSelector" | "tolerations">> {
    return { nodeSelector: { ...pool.nodeSelector }, tolerations: pool.tolerations.map((t) => ({ ...t })) };
}

/** The resolved settings (defaults applied). */
export interface ContainerBaselineSettings {
    appName: string;
    replicas: number;
    resources: Required<WorkloadResources>;
    nodeSelector: Record<string, string>;
    loadTestPodLabels: Record<string, string>;
}

/** Applies defaults and checks the arguments; throws one error listing every problem. */
export function resolveBaselineSettings(args: Omit<ContainerBaselineArgs, "provider" | "namespace">): ContainerBaselineSettings {
    const s: ContainerBaselineSettings = {
        appName: args.appName ?? "hello-wasm-container",
        replicas: args.replicas ?? 3,
        resources: { ...DEFAULT_RESOURCES, ...Object.fromEntries(Object.entries(args.resources ?? {}).filter(([, v]) => v !== undefined)) },
        nodeSelector: args.nodeSelector ?? { ...SYSTEM_POOL_SELECTOR },
        loadTestPodLabels: args.loadTestPodLabels ?? LOAD_TEST_POD_LABELS,
    };
    const problems: string[] = [];
    if (!DNS_1035_LABEL.test(s.appName)) {
        problems.push(`appName = ${JSON.stringify(s.appName)}: a DNS-1035 label: 1-63 lower-case letters, digits or '-', starting with a letter`);
    }
    if (!Number.isInteger(s.replicas) || s.replicas < 1) problems.push(`replicas = ${JSON.stringify(s.replicas)}: a whole number of at least 1`);
    if (Object.keys(s.loadTestPodLabels).length === 0) {
        problems.push("loadTestPodLabels = {}: at least one label (an empty selector would admit every pod of the namespace)");
    }
    if (typeof args.image === "string") {
        const problem = checkPinnedImage(args.image);
        if (problem) problems.push(problem);
    }
    if (problems.length > 0) {
        throw new Error(`Invalid ContainerBaseline "${s.appName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    }
    return s;
}

/** Labels of one set of pods: all of them, and the stable subset selectors use. */
export interface PodIdentity {
    labels: Record<string, string>;
    selector: Record<string, string>;
}

/**
 * The baseline's pod template, from the resolved settings: pure, so the serving Deployment and the scale
 * measurement's twin (components/app/scaleMeasurement.ts) run the very same pod and differ only in labels.
 */
export function baselinePodTemplate(input: {
    settings: ContainerBaselineSettings;
    image: pulumi.Input<string>;
    tolerations: pulumi.Input<k8s.types.input.core.v1.Toleration[]>;
    pod: PodIdentity;
}) {
    const { settings: s, pod } = input;
    return {
        metadata: { labels: pod.labels },
        spec: {
            ...hardenedPodSpec,
            nodeSelector: s.nodeSelector,
            tolerations: input.tolerations,
            topologySpreadConstraints: topologySpread(pod.selector),
            containers: [
                {
                    name: s.appName,
                    image: input.image,
                    env: [{ name: "PORT", value: String(CONTAINER_PORT) }],
                    // Same port name as the Wasm app's, so the probes (and Service) read the same.
                    ports: [{ name: APP_PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" }],
                    resources: resourceRequirements(s.resources),
                    ...probes(),
                    securityContext: restrictedContainerSecurityContext,
                },
            ],
        },
    } satisfies k8s.types.input.core.v1.PodTemplateSpec;
}

export class ContainerBaseline extends pulumi.ComponentResource {
    readonly settings: ContainerBaselineSettings;
    /** The image deployed (pinned by digest): part of the load test's `rolloutTrigger`. */
    readonly image: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** `http://<service>.<namespace>.svc.cluster.local` (port 80): the load test's `container` target. */
    readonly serviceUrl: pulumi.Output<string>;
    /** The Deployment, for `dependsOn` (the load test must wait until it is ready). */
    readonly deployment: k8s.apps.v1.Deployment;
    /** Labels selecting the baseline's pods (Service, NetworkPolicy; the measurement samples these pods). */
    readonly selectorLabels: Record<string, string>;
    private readonly tolerations: pulumi.Input<k8s.types.input.core.v1.Toleration[]>;

    constructor(name: string, args: ContainerBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:ContainerBaseline", name, {}, opts);
        const s = resolveBaselineSettings(args);
        this.settings = s;
        const image = pinnedImage(args.image, `ContainerBaseline "${s.appName}"`);
        this.image = image;
        this.tolerations = args.tolerations ?? [];
        // A component's dependsOn does not reach its children (CONV-12): pass it on, so the pods wait for what the
        // caller says they must (SpinApp: the Wasm pool they run on, and the admission guard rails).
        const child = { parent: this, provider: args.provider, dependsOn: opts?.dependsOn };
        const selector = selectorLabels({ name: s.appName, instance: s.appName });
        this.selectorLabels = selector;
        const labels = recommendedLabels({ name: s.appName, instance: s.appName, component: BASELINE_COMPONENT });
        const meta = (suffix = "") => ({ name: `${s.appName}${suffix}`, namespace: args.namespace, labels });

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(),
                spec: {
                    replicas: s.replicas,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: this.podTemplate({ labels, selector }),
                },
            },
            child,
        );

        const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(), spec: clusterIpServiceSpec(selector) }, child);

        // Only the load-test pods may reach the baseline.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol`,
            { metadata: meta("-ingress"), spec: appIngressPolicySpec(selector, networkPolicyPeers([], s.loadTestPodLabels)) },
            child,
        );

        this.deploymentName = this.deployment.metadata.name;
        this.serviceName = service.metadata.name;
        this.serviceUrl = serviceUrl(service);
        this.registerOutputs({ image: this.image, deploymentName: this.deploymentName, serviceName: this.serviceName, serviceUrl: this.serviceUrl });
    }

    /** This baseline's pod template with other labels: the serving Deployment's, or a twin's (ScaleMeasurement). */
    podTemplate(pod: PodIdentity): ReturnType<typeof baselinePodTemplate> {
        return baselinePodTemplate({ settings: this.settings, image: this.image, tolerations: this.tolerations, pod });
    }
}
