/**
 * What every workload the stack runs shares (the Spin app, the container baseline and the load-test Job): secure
 * defaults, placement, labels, the app port and probes, the Service and NetworkPolicy specs, resources and the
 * pinned-image check. One module that both layers import, so no component reaches into another's file and a
 * hardening change reaches every workload (STYLE.md, habit 3). Two security sets: `restricted` for ordinary
 * containers, and the Wasm set for containerd-shim-spin, which needs a writable root filesystem it owns (see the
 * register rows cited below, docs/platform-contracts.md).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_MINORS } from "../azure/kubernetesVersions";
import { PROJECT } from "../../config/types";

type Labels = Record<string, string>;

/** The part a workload needs to land on the Wasm pool: runtime class, node selector and toleration. */
export interface WasmPlacement {
    /** RuntimeClass the pods run under. */
    runtimeClassName: string;
    /** Node labels that select the Wasm pool. */
    nodeSelector: Labels;
    /** Tolerations for the Wasm pool's taint. */
    tolerations: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" }[];
}

/**
 * The restricted set: what every ordinary container workload runs with (the load-test Job, the container baseline).
 * It passes Pod Security Admission `restricted`.
 */
export const restrictedPodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    fsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
} satisfies k8s.types.input.core.v1.PodSecurityContext;

/** Container-level half of the restricted set. */
export const restrictedContainerSecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
} satisfies k8s.types.input.core.v1.SecurityContext;

/** Pod spec fields every ordinary workload sets: no API token, the restricted security context. */
export const hardenedPodSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext,
} as const;

/**
 * The Wasm set: what a Spin container on containerd-shim-spin runs with. Every field that differs from the
 * restricted set says why; everything else is kept (no privilege escalation, seccomp RuntimeDefault, all
 * capabilities dropped, no API token). It passes Pod Security `baseline`, not `restricted` (runAsNonRoot).
 *
 * runwasi runs the Wasm runtime inside the container's init process after youki's libcontainer has applied the
 * OCI spec: uid/gid, capabilities, no_new_privs, the read-only root remount and seccomp (platform-contracts
 * SHIM-4). So the shim's writes happen as the container's user, in the container's root filesystem.
 */
export const wasmPodSecurityContext = {
    // uid 0, because the shim creates /.cache, /spin.json and /.spin directly in `/` (SHIM-1, SHIM-2, SPIN-1),
    // and containerd creates that directory root-owned with mode 0755 (SHIM-5): uid 65532 cannot write there.
    // All capabilities stay dropped (container set below), so root here cannot override file permissions,
    // bind privileged ports, change ownership or load anything: it writes only what root owns in its own rootfs.
    runAsNonRoot: false,
    runAsUser: 0,
    runAsGroup: 0,
    seccompProfile: { type: "RuntimeDefault" },
} satisfies k8s.types.input.core.v1.PodSecurityContext;

/** Container-level half of the Wasm set. */
export const wasmContainerSecurityContext = {
    allowPrivilegeEscalation: false,
    // Writable: a read-only root makes the shim fail at start-up writing /.cache or /spin.json (SHIM-1, SHIM-2;
    // containerd-shim-spin #123).
    readOnlyRootFilesystem: false,
    privileged: false,
    // No NET_BIND_SERVICE: the app listens on an unprivileged port set through SPIN_HTTP_LISTEN_ADDR (SHIM-3).
    capabilities: { drop: ["ALL"] },
} satisfies k8s.types.input.core.v1.SecurityContext;

/** Pod spec fields of a Wasm workload: no API token, the Wasm security context. */
export const wasmPodSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: wasmPodSecurityContext,
} as const;

/**
 * Kubernetes recommended labels (app.kubernetes.io/*).
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function recommendedLabels(args: { name: string; instance: string; component: string; version?: string }): Labels {
    return {
        "app.kubernetes.io/name": args.name,
        "app.kubernetes.io/instance": args.instance,
        "app.kubernetes.io/component": args.component,
        "app.kubernetes.io/part-of": PROJECT,
        "app.kubernetes.io/managed-by": "pulumi",
        ...(args.version ? { "app.kubernetes.io/version": args.version } : {}),
    };
}

/** The stable subset of the recommended labels that selectors may use (selectors are immutable). */
export function selectorLabels(args: { name: string; instance: string }): Labels {
    return { "app.kubernetes.io/name": args.name, "app.kubernetes.io/instance": args.instance };
}

/**
 * Pod Security Admission labels of the app namespace. `enforce` is `baseline`: the Spin pod runs as uid 0 with a
 * writable root filesystem (see the Wasm set above, SHIM-1..5), which `restricted` refuses. `audit`/`warn` stay
 * `restricted`, so the gap shows in warnings and audit logs; the load test and the container baseline in the same
 * namespace still run with the restricted set. `enforce` is pinned to the oldest Kubernetes minor the stack
 * supports, so a cluster upgrade never tightens the policy under running pods (Kubernetes PSA docs).
 */
export const POD_SECURITY_LABELS: Labels = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/enforce-version": `v1.${KUBERNETES_MINORS.min}`,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};

/** Node label AKS puts on every node of a System-mode pool; the Wasm pool is User-mode and tainted. */
export const SYSTEM_POOL_SELECTOR: Readonly<Record<string, string>> = { "kubernetes.azure.com/mode": "system" };

/** CPU and memory of the app container. Requests drive scheduling and the HPA's utilisation; limits cap a pod. */
export interface WorkloadResources {
    /** CPU request of the app's container, a Kubernetes quantity; "50m" when unset. @default "50m" */
    cpuRequest?: string;
    /** CPU limit, a Kubernetes quantity; "500m" when unset. @default "500m" */
    cpuLimit?: string;
    /** Memory request, a Kubernetes quantity; "64Mi" when unset. @default "64Mi" */
    memoryRequest?: string;
    /** Memory limit, a Kubernetes quantity; "128Mi" when unset. @default "128Mi" */
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

export const DEFAULT_RESOURCES: Required<WorkloadResources> = {
    cpuRequest: "50m",
    cpuLimit: "500m",
    memoryRequest: "64Mi",
    memoryLimit: "128Mi",
};

export const LOAD_TEST_POD_LABELS: Labels = { "app.kubernetes.io/component": "loadtest" };

/** Name of the container port the shim serves on; probes, Service and NetworkPolicy refer to it by name. */
export const APP_PORT_NAME = "http-app";
/**
 * The port Spin listens on inside the pod. Above 1023, so binding it needs no NET_BIND_SERVICE whatever containerd
 * does with `ip_unprivileged_port_start` (1.7 leaves it at 1024, 2.x sets 0; SHIM-3).
 */
export const APP_PORT = 8080;
/** The port the Service exposes (to the ingress/gateway and the load test); it targets {@link APP_PORT_NAME}. */
export const SERVICE_PORT = 80;
export const HEALTH_PATH = "/healthz";
/** The variable containerd-shim-spin reads for the HTTP trigger's listen address (default 0.0.0.0:80; SHIM-3). */
export const SPIN_LISTEN_ENV = "SPIN_HTTP_LISTEN_ADDR";

/** The Wasm container's environment: Spin listens on {@link APP_PORT} on every IPv4 address of the pod. */
export function listenEnv(port: number = APP_PORT): k8s.types.input.core.v1.EnvVar[] {
    return [{ name: SPIN_LISTEN_ENV, value: `0.0.0.0:${port}` }];
}

const PINNED_IMAGE = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/** Undefined when `image` is pinned by digest, else the problem. */
export function checkPinnedImage(image: string): string | undefined {
    return PINNED_IMAGE.test(image)
        ? undefined
        : `image = ${JSON.stringify(image)}: an image pinned by digest, "<registry>/<repository>@sha256:<64 hex digits>"`;
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
    return { type: "ClusterIP", selector, ports: [{ name: "http", port: SERVICE_PORT, targetPort: APP_PORT_NAME, protocol: "TCP" }] };
}

/** Probes on the app's named port. The startup probe gives a cold shim up to 60 s to compile the component. */
export function probes(): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const httpGet = { path: HEALTH_PATH, port: APP_PORT_NAME };
    return {
        startupProbe: { httpGet, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
        readinessProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
        livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    };
}
