/**
 * One Spin app on the cluster as a plain Deployment run by containerd-shim-spin (no spin-operator): its own
 * namespace under Pod Security Admission `restricted`, a ClusterIP Service, a PodDisruptionBudget, a NetworkPolicy
 * that admits only the ingress/gateway controller and the load-test pods, and optionally an HPA.
 *
 * What the shim expects (containerd-shim-spin README, `deployments/workloads`): the RuntimeClass, the image and
 * `command: ["/"]`; it serves the app on 0.0.0.0:80. The port is bound by the shim on the host side, not by a
 * process in the pod, so a non-root pod without NET_BIND_SERVICE can still serve on 80.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_MINORS, quantity } from "../../config";
import {
    hardenedPodSpec,
    recommendedLabels,
    restrictedContainerSecurityContext,
    selectorLabels,
    type WasmPlacement,
} from "../../lib/workloadDefaults";

type Labels = Record<string, string>;

/** CPU and memory of the app container. Requests drive scheduling and the HPA's utilisation; limits cap a pod. */
export interface WorkloadResources {
    /** @default "50m" */
    cpuRequest?: string;
    /** @default "500m" */
    cpuLimit?: string;
    /** @default "64Mi" */
    memoryRequest?: string;
    /** @default "128Mi" */
    memoryLimit?: string;
}

/**
 * Pods the NetworkPolicy admits to the app's port. `namespace` omitted = the app's own namespace;
 * `podLabels` omitted = every pod of that namespace.
 */
export interface IngressSource {
    /** Namespace name, matched by its `kubernetes.io/metadata.name` label (set by the API server, not by users). */
    namespace?: pulumi.Input<string>;
    /** Labels the admitted pods carry. */
    podLabels?: Labels;
}

export interface SpinWorkloadArgs {
    /** Name of the app: the Deployment, Service and (by default) namespace name. A DNS-1035 label (starts with a letter). */
    appName: string;
    /**
     * Image pinned by digest (`<registry>/<repo>@sha256:<64 hex>`), so a rollout happens exactly when the image
     * changes. A plain string is checked before any resource is registered; an Output is checked when it resolves.
     */
    image: pulumi.Input<string>;
    /** Where Wasm pods run: RuntimeClass, node selector and tolerations (set explicitly so both runtimes work). */
    placement: WasmPlacement;
    /** Provider for the target cluster. */
    provider: k8s.Provider;
    /**
     * Who may reach the app's port, besides the load-test pods: the ingress or gateway controller pods
     * (`exposureIngressSources()` in components/appExposure.ts gives them per exposure mode).
     * @default [] (only the load-test pods)
     */
    allowedIngressFrom?: IngressSource[];
    /**
     * Labels of the load-test pods, admitted from the app's own namespace only: namespace labels are not a
     * security boundary (whoever creates a namespace chooses them), so "any namespace with label X" is avoided.
     * `null` admits no load-test pods.
     * @default { "app.kubernetes.io/component": "loadtest" }
     */
    loadTestPodLabels?: Labels | null;
    /** Namespace to create for the app. @default appName */
    namespace?: string;
    /**
     * Replicas; also the HPA's minimum. With 3 and the topology spread below, losing a node or a zone leaves
     * the app serving. @default 3
     */
    replicas?: number;
    /** HPA upper bound; 0, or not above `replicas`, creates no HPA. @default 0 */
    maxReplicas?: number;
    /** Average CPU utilisation (of the request) the HPA aims at. @default 70 */
    targetCpuUtilization?: number;
    /** Container resources. @default see {@link WorkloadResources} */
    resources?: WorkloadResources;
    /** `app.kubernetes.io/instance` label, part of the selector. @default appName */
    instance?: string;
    /** `app.kubernetes.io/version` label on the pods (e.g. the app's package version). @default none */
    version?: string;
}

/** The resolved settings the component deploys with (defaults applied). */
export interface ResolvedWorkloadSettings {
    appName: string;
    namespace: string;
    instance: string;
    replicas: number;
    /** 0 = no HPA. */
    maxReplicas: number;
    hpa: boolean;
    targetCpuUtilization: number;
    resources: Required<WorkloadResources>;
    loadTestPodLabels: Labels | null;
}

export const DEFAULT_RESOURCES: Required<WorkloadResources> = {
    cpuRequest: "50m",
    cpuLimit: "500m",
    memoryRequest: "64Mi",
    memoryLimit: "128Mi",
};

export const LOAD_TEST_POD_LABELS: Labels = { "app.kubernetes.io/component": "loadtest" };

/** Name of the container port the shim serves on; probes, Service and NetworkPolicy refer to it by name. */
export const APP_PORT_NAME = "http-app";
export const APP_PORT = 80;
export const HEALTH_PATH = "/healthz";

/**
 * Pod Security Admission labels: `enforce` pinned to the oldest Kubernetes minor the stack supports, so a cluster
 * upgrade never tightens the policy under running pods; `audit`/`warn` at `latest`, so a coming change shows up
 * in warnings and audit logs first (the pattern the Kubernetes PSA docs recommend).
 */
export const POD_SECURITY_LABELS: Labels = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": `v1.${KUBERNETES_MINORS.min}`,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PINNED_IMAGE = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
const CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[1-9][0-9]*(Ki|Mi|Gi)$/;

/** Applies defaults and checks every argument; throws one error listing all problems (key, value, what is accepted). */
export function resolveWorkloadSettings(args: Omit<SpinWorkloadArgs, "provider">): ResolvedWorkloadSettings {
    const problems: string[] = [];
    const problem = (key: string, value: unknown, accepted: string) => problems.push(`${key} = ${JSON.stringify(value)}: ${accepted}`);
    const resources = { ...DEFAULT_RESOURCES, ...definedOnly(args.resources ?? {}) };
    const s: ResolvedWorkloadSettings = {
        appName: args.appName,
        namespace: args.namespace ?? args.appName,
        instance: args.instance ?? args.appName,
        replicas: args.replicas ?? 3,
        maxReplicas: args.maxReplicas ?? 0,
        hpa: false,
        targetCpuUtilization: args.targetCpuUtilization ?? 70,
        resources,
        loadTestPodLabels: args.loadTestPodLabels === undefined ? LOAD_TEST_POD_LABELS : args.loadTestPodLabels,
    };
    if (!DNS_1035_LABEL.test(s.appName)) {
        problem("appName", s.appName, "a DNS-1035 label: 1-63 lower-case letters, digits or '-', starting with a letter (it names the Service)");
    }
    if (!DNS_1123_LABEL.test(s.namespace)) problem("namespace", s.namespace, "a DNS-1123 label: 1-63 lower-case letters, digits or inner '-'");
    if (!Number.isInteger(s.replicas) || s.replicas < 1) problem("replicas", s.replicas, "a whole number of at least 1");
    if (!Number.isInteger(s.maxReplicas) || s.maxReplicas < 0) problem("maxReplicas", s.maxReplicas, "a whole number, 0 for no autoscaler");
    else if (s.maxReplicas !== 0 && s.maxReplicas < s.replicas) {
        problem("maxReplicas", s.maxReplicas, `0 (no autoscaler) or at least replicas (${s.replicas})`);
    }
    if (!Number.isInteger(s.targetCpuUtilization) || s.targetCpuUtilization < 1 || s.targetCpuUtilization > 100) {
        problem("targetCpuUtilization", s.targetCpuUtilization, "a whole percentage from 1 to 100");
    }
    for (const k of ["cpuRequest", "cpuLimit"] as const) {
        if (!CPU.test(resources[k])) problem(`resources.${k}`, resources[k], 'a CPU quantity such as "100m" or "0.5"');
    }
    for (const k of ["memoryRequest", "memoryLimit"] as const) {
        if (!MEMORY.test(resources[k])) problem(`resources.${k}`, resources[k], 'a memory quantity in Ki, Mi or Gi such as "64Mi"');
    }
    if (quantity(resources.cpuLimit) < quantity(resources.cpuRequest)) {
        problem("resources.cpuLimit", resources.cpuLimit, `at least resources.cpuRequest (${resources.cpuRequest})`);
    }
    if (quantity(resources.memoryLimit) < quantity(resources.memoryRequest)) {
        problem("resources.memoryLimit", resources.memoryLimit, `at least resources.memoryRequest (${resources.memoryRequest})`);
    }
    if (typeof args.image === "string") {
        const imageProblem = checkPinnedImage(args.image);
        if (imageProblem) problems.push(imageProblem);
    }
    if (!args.placement?.runtimeClassName) problem("placement.runtimeClassName", args.placement?.runtimeClassName, "a RuntimeClass name such as \"wasmtime-spin-v2\"");
    if (problems.length > 0) {
        throw new Error(`Invalid SpinWorkload "${args.appName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    }
    s.hpa = s.maxReplicas > s.replicas;
    return s;
}

/** Undefined when `image` is pinned by digest, else the problem. */
export function checkPinnedImage(image: string): string | undefined {
    return PINNED_IMAGE.test(image)
        ? undefined
        : `image = ${JSON.stringify(image)}: an image pinned by digest, "<registry>/<repository>@sha256:<64 hex digits>"`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * NetworkPolicy peers for the admitted sources. A peer with only `podSelector` matches in the policy's own
 * namespace; with `namespaceSelector` too, in that namespace only (one peer = AND of both selectors).
 */
export function networkPolicyPeers(sources: IngressSource[], loadTestPodLabels: Labels | null): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    const all = [...sources, ...(loadTestPodLabels ? [{ podLabels: loadTestPodLabels }] : [])];
    return all.map((s) => ({
        ...(s.namespace !== undefined ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.namespace } } } : {}),
        ...(s.podLabels !== undefined || s.namespace === undefined ? { podSelector: { matchLabels: s.podLabels ?? {} } } : {}),
    }));
}

/**
 * Spread over zones and nodes, both `ScheduleAnyway`: the Wasm pool may be one node (dev) or have no zones, and a
 * hard constraint would turn a lost zone or a full node into Pending pods instead of a less even spread.
 * `matchLabelKeys: [pod-template-hash]` counts only the current ReplicaSet, so a rollout does not skew it.
 */
export function topologySpread(selector: Labels): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
        matchLabelKeys: ["pod-template-hash"],
    }));
}

/** Probes on the shim's port. The startup probe gives a cold shim up to 60 s to compile the component. */
/** `image`, refused when it resolves to a reference not pinned by digest (a plain string is checked up front). */
export function pinnedImage(image: pulumi.Input<string>, owner: string): pulumi.Output<string> {
    return pulumi.output(image).apply((img) => {
        const problem = checkPinnedImage(img);
        if (problem) throw new Error(`Invalid ${owner}: ${problem}`);
        return img;
    });
}

/**
 * The app pods' ingress policy: selecting them with policyTypes [Ingress] denies all other ingress. Kubelet
 * probes come from the node and are not subject to it. Egress is left open: the app may call out.
 */
export function appIngressPolicySpec(selector: Labels, peers: k8s.types.input.networking.v1.NetworkPolicyPeer[]): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        ingress: [{ from: peers, ports: [{ protocol: "TCP", port: APP_PORT_NAME }] }],
    };
}

/** In-cluster URL of a Service, by its cluster DNS name. */
export function serviceUrl(service: k8s.core.v1.Service): pulumi.Output<string> {
    return pulumi.interpolate`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
}

/** Requests and limits as a container takes them. */
export function resourceRequirements(r: Required<WorkloadResources>): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } };
}

/** ClusterIP Service spec: port 80 to the pods' named app port, so the container's own port number may differ. */
export function clusterIpServiceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
    return { type: "ClusterIP", selector, ports: [{ name: "http", port: APP_PORT, targetPort: APP_PORT_NAME, protocol: "TCP" }] };
}

export function probes(): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const httpGet = { path: HEALTH_PATH, port: APP_PORT_NAME };
    return {
        startupProbe: { httpGet, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
        readinessProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
        livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    };
}

export class SpinWorkload extends pulumi.ComponentResource {
    /** Settings after defaults. */
    readonly settings: ResolvedWorkloadSettings;
    readonly namespaceName: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** `http://<service>.<namespace>.svc.cluster.local` (port 80). */
    readonly serviceUrl: pulumi.Output<string>;
    /** Labels selecting the app's pods (Service, PDB, NetworkPolicy, load-test target). */
    readonly selectorLabels: Labels;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: SpinWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:SpinWorkload", name, {}, opts);
        const s = resolveWorkloadSettings(args);
        this.settings = s;
        const image = pinnedImage(args.image, `SpinWorkload "${s.appName}"`);
        const child = { parent: this, provider: args.provider };
        const selector = selectorLabels({ name: s.appName, instance: s.instance });
        const labels = recommendedLabels({ name: s.appName, instance: s.instance, component: "spin-app", version: args.version });
        this.selectorLabels = selector;

        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: s.namespace, labels: { ...labels, ...POD_SECURITY_LABELS } } },
            child,
        );
        const ns = namespace.metadata.name;
        const meta = (suffix = "") => ({ name: `${s.appName}${suffix}`, namespace: ns, labels });

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(),
                spec: {
                    // With an HPA, the HPA owns the replica count; setting it here would reset it on every
                    // `pulumi up` (Kubernetes HPA docs: remove spec.replicas from the manifest).
                    ...(s.hpa ? {} : { replicas: s.replicas }),
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels },
                        spec: {
                            ...hardenedPodSpec,
                            runtimeClassName: args.placement.runtimeClassName,
                            // Also in the RuntimeClass's `scheduling` on SpinKube, but the WasmWasi class may not carry
                            // them: explicit here, so both runtimes land on the Wasm pool.
                            nodeSelector: args.placement.nodeSelector,
                            tolerations: args.placement.tolerations,
                            topologySpreadConstraints: topologySpread(selector),
                            containers: [
                                {
                                    name: s.appName,
                                    image,
                                    command: ["/"],
                                    ports: [{ name: APP_PORT_NAME, containerPort: APP_PORT, protocol: "TCP" }],
                                    resources: resourceRequirements(s.resources),
                                    ...probes(),
                                    securityContext: restrictedContainerSecurityContext,
                                },
                            ],
                        },
                    },
                },
            },
            child,
        );

        const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(), spec: clusterIpServiceSpec(selector) }, child);

        // maxUnavailable 1 rather than minAvailable: a node drain (AKS upgrade, autoscaler) can always make
        // progress, one pod at a time, whatever the replica count; minAvailable = replicas would block upgrades
        // and minAvailable 1 with one replica blocks every drain. AlwaysAllow lets a crash-looping pod be evicted.
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: meta(), spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" } },
            child,
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol`,
            { metadata: meta("-ingress"), spec: appIngressPolicySpec(selector, networkPolicyPeers(args.allowedIngressFrom ?? [], s.loadTestPodLabels)) },
            child,
        );

        if (s.hpa) {
            // CPU metrics of shim pods are flat unless the shim runs with SystemdCgroup (containerd-shim-spin #180,
            // RCM #386); the SpinKube Shim resource sets it. On WasmWasi pools this HPA may never scale.
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: meta(),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                        minReplicas: s.replicas,
                        maxReplicas: s.maxReplicas,
                        metrics: [
                            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.targetCpuUtilization } } },
                        ],
                    },
                },
                child,
            );
        }

        this.namespaceName = ns;
        this.serviceName = service.metadata.name;
        this.deploymentName = deployment.metadata.name;
        this.serviceUrl = serviceUrl(service);
        this.registerOutputs({
            namespaceName: this.namespaceName,
            serviceName: this.serviceName,
            serviceUrl: this.serviceUrl,
            deploymentName: this.deploymentName,
            selectorLabels: this.selectorLabels,
        });
    }
}
