/**
 * Secure defaults shared by every workload the stack runs: the Spin app, the container baseline and the load-test
 * Job. One place, so a hardening change reaches all of them (STYLE.md, habit 3). Two sets: `restricted` for
 * ordinary containers, and the Wasm set for containerd-shim-spin, which needs a writable root filesystem it owns
 * (see the register rows cited below, docs/platform-contracts.a-workload.md).
 */
import type * as k8s from "@pulumi/kubernetes";
import { PROJECT } from "../config";

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
