/**
 * One Spin app on the cluster as a plain Deployment run by containerd-shim-spin (no spin-operator): its own
 * namespace under Pod Security Admission `baseline` (enforced; `restricted` audited and warned), a ClusterIP
 * Service, a PodDisruptionBudget, a NetworkPolicy that admits only the ingress/gateway controller and the
 * load-test pods, and optionally an HPA.
 *
 * What the shim expects (containerd-shim-spin README, `deployments/workloads`): the RuntimeClass, the image and
 * `command: ["/"]`. The shim runs Spin inside the container, as the container's user, and Spin binds the HTTP
 * listen address itself, in the pod's network namespace (platform-contracts SHIM-3, SHIM-4): the default
 * 0.0.0.0:80 would need NET_BIND_SERVICE on containerd 1.7, so the app listens on {@link APP_PORT} (8080) through
 * `SPIN_HTTP_LISTEN_ADDR`, and the Service maps port 80 to it. The container's security context is the Wasm set
 * of lib/kubernetes/workloadDefaults.ts (writable root filesystem, uid 0, all capabilities dropped) and why.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GUARDED_NAMESPACE_LABELS } from "../../lib/kubernetes/admissionPolicy";
import { isCpuQuantity, isMemoryQuantity, quantity } from "../../config";
import {
    APP_PORT,
    APP_PORT_NAME,
    appIngressPolicySpec,
    checkPinnedImage,
    clusterIpServiceSpec,
    DEFAULT_RESOURCES,
    listenEnv,
    LOAD_TEST_POD_LABELS,
    networkPolicyPeers,
    pinnedImage,
    POD_SECURITY_LABELS,
    probes,
    recommendedLabels,
    resourceRequirements,
    selectorLabels,
    serviceUrl,
    topologySpread,
    wasmContainerSecurityContext,
    wasmPodSpec,
    type IngressSource,
    type WasmPlacement,
    type WorkloadResources,
} from "../../lib/kubernetes/workloadDefaults";

type Labels = Record<string, string>;

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
     * (`exposureIngressSources()` in components/app/appExposure.ts gives them per exposure mode).
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
     * Create the namespace (Pod Security `restricted`). `false` deploys into an existing one, as an app team with
     * namespace-scoped rights must: "Azure Kubernetes Service RBAC Writer" cannot create namespaces
     * (platform-contracts K8SRBAC-2); the platform's `appTeams` creates them.
     * @default true
     */
    createNamespace?: boolean;
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

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

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
        if (!isCpuQuantity(resources[k])) problem(`resources.${k}`, resources[k], 'a Kubernetes CPU quantity above 0 such as "100m" or "0.5"');
    }
    for (const k of ["memoryRequest", "memoryLimit"] as const) {
        if (!isMemoryQuantity(resources[k])) problem(`resources.${k}`, resources[k], 'a Kubernetes memory quantity of at least 1Mi such as "64Mi" or "1.5Gi"');
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

function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Labels of one set of pods: all of them, and the stable subset selectors use. */
export interface PodIdentity {
    labels: Labels;
    selector: Labels;
}

/**
 * The Spin app's pod template, from the resolved settings: pure, so the serving Deployment and the scale
 * measurement's twin (components/app/scaleMeasurement.ts) run the very same pod and differ only in labels. The
 * image stays an Input, so a preview with a new (unknown) image shows only the image as unknown.
 */
export function spinPodTemplate(input: { settings: ResolvedWorkloadSettings; image: pulumi.Input<string>; placement: WasmPlacement; pod: PodIdentity }) {
    const { settings: s, placement, pod } = input;
    return {
        metadata: { labels: pod.labels },
        spec: {
            ...wasmPodSpec,
            runtimeClassName: placement.runtimeClassName,
            // Also in the RuntimeClass's `scheduling` on SpinKube, but the WasmWasi class may not carry
            // them: explicit here, so both runtimes land on the Wasm pool.
            nodeSelector: placement.nodeSelector,
            tolerations: placement.tolerations,
            topologySpreadConstraints: topologySpread(pod.selector),
            containers: [
                {
                    name: s.appName,
                    image: input.image,
                    command: ["/"],
                    env: listenEnv(),
                    ports: [{ name: APP_PORT_NAME, containerPort: APP_PORT, protocol: "TCP" }],
                    resources: resourceRequirements(s.resources),
                    ...probes(),
                    securityContext: wasmContainerSecurityContext,
                },
            ],
        },
    } satisfies k8s.types.input.core.v1.PodTemplateSpec;
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
    /** The serving Deployment, for `dependsOn`. */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The image deployed (pinned by digest). */
    readonly image: pulumi.Output<string>;
    private readonly placement: WasmPlacement;

    constructor(name: string, args: SpinWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:SpinWorkload", name, {}, opts);
        const s = resolveWorkloadSettings(args);
        this.settings = s;
        const image = pinnedImage(args.image, `SpinWorkload "${s.appName}"`);
        this.image = image;
        this.placement = args.placement;
        // A component's dependsOn does not reach its children: pass it on, so the workload waits for what the
        // platform says it must (the shim on every Wasm node, PlatformDescription.workloadDependsOn).
        const child = { parent: this, provider: args.provider, dependsOn: opts?.dependsOn };
        const selector = selectorLabels({ name: s.appName, instance: s.instance });
        const labels = recommendedLabels({ name: s.appName, instance: s.instance, component: "spin-app", version: args.version });
        this.selectorLabels = selector;

        const ns =
            args.createNamespace === false
                ? pulumi.output(s.namespace)
                : new k8s.core.v1.Namespace(
                      `${name}-ns`,
                      // The cluster's admission policies bind here (components/platform/clusterGuardRails.ts, TRUST-10).
                      { metadata: { name: s.namespace, labels: { ...labels, ...POD_SECURITY_LABELS, ...GUARDED_NAMESPACE_LABELS } } },
                      child,
                  ).metadata.name;
        const meta = (suffix = "") => ({ name: `${s.appName}${suffix}`, namespace: ns, labels });

        const deployment = (this.deployment = new k8s.apps.v1.Deployment(
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
                    template: this.podTemplate({ labels, selector }),
                },
            },
            child,
        ));

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

    /** This app's pod template with other labels: the serving Deployment's, or a twin's (ScaleMeasurement). */
    podTemplate(pod: PodIdentity): ReturnType<typeof spinPodTemplate> {
        return spinPodTemplate({ settings: this.settings, image: this.image, placement: this.placement, pod });
    }
}
