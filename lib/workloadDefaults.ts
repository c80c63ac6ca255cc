/**
 * Secure defaults shared by every workload the stack runs: the Spin app, the container baseline and the load-test
 * Job. One place, so a hardening change reaches all of them (STYLE.md, habit 3).
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

/** Pod-level security context that passes Pod Security Admission `restricted`. */
export const restrictedPodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    fsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
} satisfies k8s.types.input.core.v1.PodSecurityContext;

/** Container-level security context that passes Pod Security Admission `restricted`. */
export const restrictedContainerSecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
} satisfies k8s.types.input.core.v1.SecurityContext;

/** Pod spec fields every workload sets: no API token, the restricted security context. */
export const hardenedPodSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext,
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
