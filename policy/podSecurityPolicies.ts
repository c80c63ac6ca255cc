/**
 * Pod security of every pod-bearing kind (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) and the
 * Pod Security labels of namespaces (platform-contracts TRUST-11). The cluster enforces the same root rule at
 * admission (lib/kubernetes/admissionPolicy.ts); the pack reports it at preview, before anything is applied, and for every
 * stack that runs it (the platform's, and app stacks with `--policy-pack`).
 *
 * Type checks use `args.type` (no `@pulumi/kubernetes` import). Undefined values (unset, or not known yet) are
 * skipped, never reported.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, type ContainerProps, type PodSpecProps } from "./podSpec";

/** Runtime classes whose pods may run as uid 0 with a writable root (the Spin shim writes `/`: SHIM-1, SHIM-2). */
export const DEFAULT_SPIN_RUNTIME_CLASSES = ["wasmtime-spin-v2"];
/**
 * The runtime installers' namespaces, the named exceptions: runtime-class-manager's Jobs (RCM-4) and the project's
 * own containerd-2 shim installer (components/platform/shimInstaller.ts, CD2-*) are privileged by design, and
 * nothing else runs there (both are reserved from app teams in lib/kubernetes/appTeams.ts).
 */
export const DEFAULT_PRIVILEGED_NAMESPACES = ["runtime-class-manager", "aks-wasm-shim-installer"];
const ENFORCE = "pod-security.kubernetes.io/enforce";

export interface PodSecurityConfig {
    /** Runtime classes whose pods may run as root with a writable root filesystem. @default ["wasmtime-spin-v2"] */
    spinRuntimeClassNames?: string[];
}

export interface NamespaceLabelConfig {
    /** Namespaces that may enforce `privileged`. @default ["runtime-class-manager", "aks-wasm-shim-installer"] */
    privilegedNamespaces?: string[];
}

/** The effective value of a security-context field: the container's, else the pod's. */
function effective<K extends "runAsUser" | "runAsNonRoot">(spec: PodSpecProps, c: ContainerProps, key: K) {
    return c.securityContext?.[key] ?? spec.securityContext?.[key];
}

/** What breaks the pod-security basics in one pod spec: one message per problem, each naming its field. */
export function podSecurityProblems(spec: PodSpecProps, spinRuntimeClasses: readonly string[] = DEFAULT_SPIN_RUNTIME_CLASSES): string[] {
    const problems: string[] = [];
    for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[host] === true) problems.push(`${host} is true (shares the node's namespace)`);
    for (const v of spec.volumes ?? []) if (v.hostPath !== undefined) problems.push(`volume '${v.name ?? "?"}' mounts the node's ${v.hostPath.path ?? "path"} (hostPath)`);
    const spin = spec.runtimeClassName !== undefined && spinRuntimeClasses.includes(spec.runtimeClassName);
    const all = [...containersOf(spec), ...(spec.ephemeralContainers ?? []).map((container, i) => ({ where: `ephemeralContainers[${i}] '${container.name ?? "?"}'`, container }))];
    for (const { where, container } of all) {
        const sc = container.securityContext;
        if (sc?.privileged === true) problems.push(`${where} is privileged`);
        if ((sc?.capabilities?.add ?? []).length > 0) problems.push(`${where} adds capabilities ${JSON.stringify(sc!.capabilities!.add)}`);
        if (sc?.allowPrivilegeEscalation !== false) problems.push(`${where} does not set allowPrivilegeEscalation: false`);
        if (spin) continue;
        const user = effective(spec, container, "runAsUser");
        const nonRoot = user !== undefined ? user !== 0 : effective(spec, container, "runAsNonRoot") === true;
        if (!nonRoot) problems.push(`${where} may run as root (uid 0) outside the Spin runtime class: set runAsNonRoot: true or a runAsUser other than 0`);
        if (sc?.readOnlyRootFilesystem !== true) problems.push(`${where} has a writable root filesystem outside the Spin runtime class: set readOnlyRootFilesystem: true`);
    }
    return problems;
}

export const podSecurityBasics: ResourceValidationPolicy = {
    name: "pod-security-basics",
    description:
        "Every pod-bearing resource outside the runtime installers' namespaces: not privileged, no host namespaces, no hostPath, no added capabilities, no privilege escalation, and root or a writable root filesystem only on the Spin runtime class.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Use the restricted security context of lib/kubernetes/workloadDefaults.ts (runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation: false, capabilities drop ALL), or the Wasm set on the Spin runtime class.",
    configSchema: {
        properties: {
            spinRuntimeClassNames: { type: "array", items: { type: "string" }, default: DEFAULT_SPIN_RUNTIME_CLASSES, description: "Runtime classes whose pods may run as root." },
            privilegedNamespaces: { type: "array", items: { type: "string" }, default: DEFAULT_PRIVILEGED_NAMESPACES, description: "The runtime installers' namespaces, whose pods are privileged by design." },
        },
    },
    validateResource: (args, reportViolation) => {
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        const installers = args.getConfig<NamespaceLabelConfig>().privilegedNamespaces ?? DEFAULT_PRIVILEGED_NAMESPACES;
        if (installers.includes(args.props?.metadata?.namespace)) return;
        const spin = args.getConfig<PodSecurityConfig>().spinRuntimeClassNames ?? DEFAULT_SPIN_RUNTIME_CLASSES;
        for (const problem of podSecurityProblems(spec, spin)) reportViolation(`${args.type.split(":")[2]} '${args.name}': ${problem}.`);
    },
};

export const namespacePodSecurityLabels: ResourceValidationPolicy = {
    name: "namespace-pod-security-labels",
    description:
        "Namespaces enforce Pod Security baseline or restricted; only the runtime installers' namespaces (runtime-class-manager, aks-wasm-shim-installer) may enforce privileged.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Label the namespace ${ENFORCE}: baseline (Spin apps) or restricted.`,
    configSchema: {
        properties: {
            privilegedNamespaces: { type: "array", items: { type: "string" }, default: DEFAULT_PRIVILEGED_NAMESPACES, description: "Namespaces that may enforce privileged." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Namespace") return;
        const name: string | undefined = args.props.metadata?.name;
        const level = args.props.metadata?.labels?.[ENFORCE];
        const privileged = args.getConfig<NamespaceLabelConfig>().privilegedNamespaces ?? DEFAULT_PRIVILEGED_NAMESPACES;
        if (level === "privileged" && name !== undefined && privileged.includes(name)) return;
        if (level !== "baseline" && level !== "restricted") {
            reportViolation(`Namespace '${name ?? args.name}': ${ENFORCE} is ${level === undefined ? "unset" : `'${String(level)}'`}; expected baseline or restricted.`);
        }
    },
};

export const podSecurityPolicies: ResourceValidationPolicy[] = [podSecurityBasics, namespacePodSecurityLabels];
