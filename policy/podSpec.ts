/**
 * Where the pod spec sits in the workload kinds the policies look at. Props follow the Kubernetes object shape, as
 * `@pulumi/kubernetes` sends them to the analyzer.
 *
 * No `@pulumi/policy` import here: pure functions, so tests call them directly.
 */

/** The security-context fields the policies read (pod level and container level share these). */
export interface SecurityContextProps {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
}

/** A container as far as the policies read it. */
export interface ContainerProps {
    name?: string;
    image?: string;
    command?: string[];
    env?: { name?: string; value?: string }[];
    ports?: { name?: string; containerPort?: number }[];
    resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
    securityContext?: SecurityContextProps;
}

/** A pod spec as far as the policies read it. */
export interface PodSpecProps {
    runtimeClassName?: string;
    securityContext?: SecurityContextProps;
    containers?: ContainerProps[];
    initContainers?: ContainerProps[];
    ephemeralContainers?: ContainerProps[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    volumes?: { name?: string; hostPath?: { path?: string } }[];
}

/** Resource type token → path from the props to the pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "kubernetes:core/v1:Pod": ["spec"],
};

/** Resource types whose pod templates the image policy checks. */
export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/**
 * The pod spec of a workload resource, or undefined when the type carries none or the spec is not set (yet).
 * Reading through the analyzer's props proxy throws the SDK's UnknownValueError on an unknown value; the policy
 * server reports that as an advisory "can't run during preview" instead of a violation.
 */
export function podSpecOf(type: string, props: Record<string, any>): PodSpecProps | undefined {
    const path = POD_SPEC_PATHS[type];
    if (!path) return undefined;
    let node: any = props;
    for (const key of path) {
        if (node === undefined || node === null) return undefined;
        node = node[key];
    }
    return node ?? undefined;
}

/** Every container of a pod spec, init containers included, each with where it sits (for messages). */
export function containersOf(spec: PodSpecProps): { where: string; container: ContainerProps }[] {
    const list = (kind: "containers" | "initContainers") =>
        (spec[kind] ?? []).map((container, i) => ({ where: `${kind}[${i}] '${container.name ?? "?"}'`, container }));
    return [...list("initContainers"), ...list("containers")];
}

/**
 * Whether a container uses the Spin shim's entry point: containerd-shim-spin ignores the command, and Spin
 * workloads conventionally set `command: ["/"]` (containerd-shim-spin README). An ordinary runtime cannot run
 * "/", so such a container is a Wasm workload whatever its runtime class says.
 */
export function usesSpinEntryPoint(container: ContainerProps): boolean {
    const command = container.command;
    return Array.isArray(command) && command.length === 1 && command[0] === "/";
}
