/**
 * Capacity plan: does everything the stack schedules fit on each pool, by requests against allocatable?
 *
 * Pure: config in, plan out. Each pool's load is a list of named pod groups (the stack's own pods, the AKS
 * add-ons' pods, per-node agents, the scale measurement's twins at their peak of N replicas).
 *
 * Where pods land: the Wasm pool is tainted (components/platform/wasmNodePool.ts) and only the Spin pods (through their
 * RuntimeClass), the container baseline and its twin (the pool's selector and toleration, for a fair comparison:
 * components/app/containerBaseline.ts `baselinePlacement`), RCM's installer Jobs (bound by nodeName) and DaemonSets
 * that tolerate every taint run there. Everything else (add-ons, the load-test and measurement Jobs, RCM's
 * controller) goes to the system pool.
 */
import type { StackConfig } from "../../config/types";
import { formatCpu, formatMemory, parseQuantity } from "../kubernetes/kubernetesQuantity";
import { parseVmSize } from "./azureVmSizes";
import { orList } from "../text/editDistance";
import { limitedByUbuntu2204, usesShimInstaller } from "./wasmNodeOs";

const Mi = 2 ** 20;
const Gi = 2 ** 30;

/** A set of identical pods. */
export interface PodGroup {
    name: string;
    /** Pods in the group; for `perNode` groups, pods per node. */
    replicas: number;
    /** CPU request of one pod, in cores. */
    cpu: number;
    /** Memory request of one pod, in bytes. */
    memory: number;
    /** One pod on every node of the pool (a DaemonSet). */
    perNode?: boolean;
    /** Where the figures come from, or "unconfirmed: …". */
    source: string;
    /**
     * The config keys (and the values given) that set one pod's requests, when the user chooses them; a pod too
     * large for a node is then refused under its own key rather than the pool's.
     */
    requestKeys?: { cpu: { key: string; value: string }; memory: { key: string; value: string } };
}

/** The config keys the plan reads; config/crossKeyRules.ts runs the plan once all of them parsed. */
export const CAPACITY_KEYS = [
    "systemVmSize",
    "systemNodeCount",
    "systemNodeCountMax",
    "wasmVmSize",
    "wasmNodeCount",
    "wasmNodeCountMax",
    "wasmRuntime",
    // Who installs the shim: runtime-class-manager's controller on the system pool (Ubuntu2204), or the project's
    // installer DaemonSet on every Wasm node (containerd 2; components/platform/shimInstaller.ts).
    "wasmOsSku",
    "apps",
    "appReplicas",
    "appMaxReplicas",
    "appCpuRequest",
    "appMemoryRequest",
    "ingressMode",
    "loadTest",
    "containerBaseline",
    // The scale measurement (components/app/scaleMeasurement.ts): twins scaled to `measureReplicas`.
    "measure",
    "measureReplicas",
] as const satisfies readonly (keyof StackConfig)[];

/** What the plan reads of the stack config. */
export type CapacityInput = Pick<StackConfig, (typeof CAPACITY_KEYS)[number]>;

export interface PoolPlan {
    pool: "system" | "wasm";
    /** The config keys that size this pool, for messages. */
    keys: { vmSize: string; nodeCount: string; nodeCountMax: string };
    vmSize: string;
    nodes: number;
    nodesMax: number;
    /** Allocatable of one node (cores, bytes); memory undefined when the size's memory is unknown. */
    allocatable: { cpu: number; memory?: number };
    /** Pod groups at the minimum node count and replica count (what the first `pulumi up` must schedule). */
    groups: PodGroup[];
    /** Extra pods the autoscalers may add (HPA max minus min), for the check at the maximum node count. */
    scaleOut: PodGroup[];
    requested: { cpu: number; memory: number };
    capacity: { cpu: number; memory?: number };
    requestedAtMax: { cpu: number; memory: number };
    capacityAtMax: { cpu: number; memory?: number };
}

export interface CapacityPlan {
    pools: PoolPlan[];
    /** Refusals: the minimum does not fit. */
    problems: { key: string; value: string; accepted: string }[];
    warnings: string[];
}

/**
 * Headroom below which the plan warns: 15 % of allocatable. The add-on figures are partly estimates, the kernel
 * reports a few percent less memory than the VM's nominal size, and rollouts of add-ons surge pods too.
 */
export const MIN_HEADROOM = 0.15;

/**
 * AKS kube-reserved CPU by core count (MicrosoftDocs/azure-aks-docs articles/aks/node-resource-reservations.md,
 * ms.date 2026-06-11, read 2026-11-26; platform-contracts CAP-1). Core counts between rows use the next larger
 * row (more reserved: the safe side); above 64 cores, 740m (the table's last row).
 */
const KUBE_RESERVED_CPU_MILLI: [cores: number, milli: number][] = [
    [1, 60],
    [2, 100],
    [4, 140],
    [8, 180],
    [16, 260],
    [32, 420],
    [64, 740],
];

/** Default max pods per node with Azure CNI Overlay (concepts-network-ip-address-planning.md; CAP-2). */
export const MAX_PODS_AZURE_CNI_OVERLAY = 250;

/** Allocatable CPU (cores) of a node with `cores` cores on AKS. */
export function allocatableCpu(cores: number): number {
    const row = KUBE_RESERVED_CPU_MILLI.find(([c]) => c >= cores) ?? KUBE_RESERVED_CPU_MILLI[KUBE_RESERVED_CPU_MILLI.length - 1];
    return cores - row[1] / 1000;
}

/**
 * Allocatable memory (bytes) on AKS ≥ 1.29 (CAP-1): kube-reserved is the lesser of 20 MB × max pods + 50 MB and
 * 25 % of the memory, plus the 100 Mi hard-eviction threshold. "MB" is taken as MiB (the larger: the safe side).
 */
export function allocatableMemory(bytes: number, maxPods = MAX_PODS_AZURE_CNI_OVERLAY): number {
    const kubeReserved = Math.min((20 * maxPods + 50) * Mi, 0.25 * bytes);
    return bytes - kubeReserved - 100 * Mi;
}

const group = (name: string, replicas: number, cpu: string, memory: string, source: string, perNode = false): PodGroup => ({
    name,
    replicas,
    cpu: parseQuantity(cpu),
    memory: parseQuantity(memory),
    source,
    ...(perNode ? { perNode } : {}),
});

const AKS_ENGINE = "Azure/aks-engine pkg/api/addons.go@v0.79.0 (AKS's managed manifests are not public; closest public source)";

/**
 * Per-node agents AKS runs on every Linux node of both pools (kube-proxy is not among them: clusters with the
 * Cilium dataplane run none, azure-cni-powered-by-cilium.md; CAP-4).
 */
export function nodeAgents(): PodGroup[] {
    return [
        group("cloud-node-manager", 1, "50m", "50Mi", "Azure/aks-engine parts/k8s/addons/cloud-node-manager.yaml@v0.79.0", true),
        group("csi-azuredisk-node (3 containers)", 1, "30m", "60Mi", AKS_ENGINE, true),
        group("csi-azurefile-node (3 containers)", 1, "30m", "60Mi", AKS_ENGINE, true),
        group("cilium agent, azure-cns, other node agents", 1, "150m", "300Mi", "unconfirmed: requests not published; conservative allowance", true),
    ];
}

/** kube-system Deployments AKS runs; they prefer (and, with the Wasm pool tainted, land on) the system pool. */
export function kubeSystemAddons(): PodGroup[] {
    return [
        group("coredns", 2, "100m", "70Mi", "Azure/aks-engine parts/k8s/addons/coredns.yaml@v0.79.0; 2 replicas is AKS's minimum (unconfirmed)"),
        group("coredns-autoscaler", 1, "20m", "10Mi", "Azure/aks-engine parts/k8s/addons/coredns.yaml@v0.79.0"),
        group("metrics-server", 2, "100m", "200Mi", "Azure/aks-engine parts/k8s/addons/metrics-server.yaml@v0.79.0; 2 replicas on AKS (unconfirmed)"),
        group("konnectivity-agent", 2, "50m", "64Mi", "unconfirmed: AKS-only component, requests not published; conservative allowance"),
        group("azure-policy", 1, "30m", "50Mi", AKS_ENGINE),
        group("gatekeeper-audit", 1, "100m", "256Mi", AKS_ENGINE),
        group("gatekeeper-controller", 3, "100m", "256Mi", "Azure/aks-engine parts/k8s/addons/azure-policy-deployment.yaml@v0.79.0 (3 replicas)"),
    ];
}

/**
 * The application routing add-on's NGINX: 2 replicas minimum (HPA 2..100), each requesting 500m / 127Mi,
 * preferring system nodes (Azure/aks-app-routing-operator pkg/manifests/nginx.go and
 * pkg/controller/nginxingress/nginx_ingress_controller.go@v0.2.25; CAP-3).
 */
export function appRoutingNginx(): PodGroup {
    return group("app routing NGINX", 2, "500m", "127Mi", "Azure/aks-app-routing-operator pkg/manifests/nginx.go@v0.2.25");
}

/**
 * Gateway mode: istiod (HPA min 2, app-routing-gateway-api.md) and per Gateway an Istio proxy Deployment (HPA min 2,
 * same doc). Their requests are not in the AKS doc; upstream Istio's defaults (istiod 500m / 2Gi, proxy
 * 100m / 128Mi) are used, unconfirmed for AKS (CAP-5).
 */
export function gatewayPods(gateways: number): PodGroup[] {
    return [
        group("istiod", 2, "500m", "2Gi", "app-routing-gateway-api.md (2 replicas); requests: upstream Istio defaults, unconfirmed"),
        group("Istio gateway proxies", 2 * gateways, "100m", "128Mi", "app-routing-gateway-api.md (2 per Gateway); requests: upstream Istio defaults, unconfirmed"),
    ];
}

/** RCM controller (components/platform/spinKubeRuntime.ts sets 10m / 64Mi) and the load-test Job (components/app/loadTest.ts DEFAULT_RESOURCES). */
export const STACK_POD_REQUESTS = {
    rcmController: { cpu: "10m", memory: "64Mi" },
    shimInstaller: { cpu: "10m", memory: "32Mi" },
    loadTest: { cpu: "250m", memory: "128Mi" },
    measure: { cpu: "100m", memory: "96Mi" },
} as const;

function totals(groups: PodGroup[], nodes: number): { cpu: number; memory: number } {
    let cpu = 0;
    let memory = 0;
    for (const g of groups) {
        const n = g.perNode ? g.replicas * nodes : g.replicas;
        cpu += n * g.cpu;
        memory += n * g.memory;
    }
    return { cpu, memory };
}

function poolPlan(pool: "system" | "wasm", vmSizeName: string, nodes: number, nodesMax: number, groups: PodGroup[], scaleOut: PodGroup[]): PoolPlan {
    const prefix = pool === "system" ? "system" : "wasm";
    const size = parseVmSize(vmSizeName);
    const allocatable = {
        cpu: size ? allocatableCpu(size.vcpus) : NaN,
        memory: size?.memoryGiB !== undefined ? allocatableMemory(size.memoryGiB * Gi) : undefined,
    };
    const cap = (n: number) => ({ cpu: allocatable.cpu * n, memory: allocatable.memory === undefined ? undefined : allocatable.memory * n });
    return {
        pool,
        keys: { vmSize: `${prefix}VmSize`, nodeCount: `${prefix}NodeCount`, nodeCountMax: `${prefix}NodeCountMax` },
        vmSize: vmSizeName,
        nodes,
        nodesMax,
        allocatable,
        groups,
        scaleOut,
        requested: totals(groups, nodes),
        capacity: cap(nodes),
        requestedAtMax: totals([...groups, ...scaleOut], nodesMax),
        capacityAtMax: cap(nodesMax),
    };
}

/** The plan for a config: pools, refusals and warnings. */
export function capacityPlan(c: CapacityInput): CapacityPlan {
    const appCpu = parseQuantity(c.appCpuRequest);
    const appMemory = parseQuantity(c.appMemoryRequest);
    const apps = c.apps.length;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a zero or negative extra makes no scale-out group either way (`hpaExtra > 0` below).
    const hpaExtra = c.appMaxReplicas > c.appReplicas ? c.appMaxReplicas - c.appReplicas : 0;
    const requestKeys = { cpu: { key: "appCpuRequest", value: c.appCpuRequest }, memory: { key: "appMemoryRequest", value: c.appMemoryRequest } };
    const appGroup = (name: string, replicas: number, source: string): PodGroup => ({ name, replicas, cpu: appCpu, memory: appMemory, source, requestKeys });

    const system: PodGroup[] = [...nodeAgents(), ...kubeSystemAddons()];
    if (c.ingressMode === "ingress") system.push(appRoutingNginx());
    // Gateway mode: the stack does not enable web app routing (components/platform/aksCluster.ts); whether
    // `--enable-app-routing-istio` also starts the NGINX controller is unconfirmed (FIELD-NOTES §7), and its
    // figures (istiod 2 × 500m / 2Gi) already dwarf NGINX's. Not counted; the headroom warning is the margin.
    if (c.ingressMode === "gateway") system.push(...gatewayPods(apps));
    if (limitedByUbuntu2204(c)) {
        system.push(group("runtime-class-manager controller", 1, STACK_POD_REQUESTS.rcmController.cpu, STACK_POD_REQUESTS.rcmController.memory, "components/platform/spinKubeRuntime.ts"));
    }
    // The load tests run one Job at a time (each waits for the previous one), so one pod at most.
    if (c.loadTest) system.push(group("load-test Job", 1, STACK_POD_REQUESTS.loadTest.cpu, STACK_POD_REQUESTS.loadTest.memory, "components/app/loadTest.ts DEFAULT_RESOURCES"));

    // The scale measurement, at its peak: every target's twin at N replicas on the Wasm pool (the Wasm app's and the
    // baseline's, below), and one measurement Job pod per target on the system pool (they run at the same time,
    // beside the load test). Counted at the minimum node count: a twin pod waiting for a node the autoscaler adds
    // would time the node's provisioning, not the pod's start.
    if (c.measure) {
        const targets = apps + (c.containerBaseline ? 1 : 0);
        system.push(group(`measurement Jobs (${targets} targets)`, targets, STACK_POD_REQUESTS.measure.cpu, STACK_POD_REQUESTS.measure.memory, "components/app/scaleMeasurement.ts DEFAULT_RESOURCES"));
    }

    const wasm: PodGroup[] = [
        ...nodeAgents(),
        appGroup(`Spin apps (${apps} × appReplicas)`, apps * c.appReplicas, "index.ts: appReplicas × appCpuRequest/appMemoryRequest per app"),
        appGroup("Spin app rollout surge", apps, "components/app/spinWorkload.ts maxSurge 1 per app"),
        ...(c.measure ? [appGroup(`Wasm twins at measureReplicas (${apps} × ${c.measureReplicas})`, apps * c.measureReplicas, "components/app/scaleMeasurement.ts: the app's pod × measureReplicas per app")] : []),
    ];
    // The baseline shares the Wasm app's pool (components/app/spinApp.ts, `baselinePlacement`): same VM size, same
    // nodes, only the runtime differs. Its twin runs the very same pod, so it lands there too.
    if (c.containerBaseline) {
        wasm.push(appGroup("container baseline", c.appReplicas, "index.ts: appReplicas × appCpuRequest/appMemoryRequest"));
        wasm.push(appGroup("container baseline rollout surge", 1, "components/app/containerBaseline.ts maxSurge 1"));
        if (c.measure) wasm.push(appGroup("container baseline twin at measureReplicas", c.measureReplicas, "components/app/scaleMeasurement.ts: the baseline's pod × measureReplicas"));
    }
    // RCM's installer Jobs set no requests (runtime-class-manager internal/controller/shim_controller.go@v0.2.0): 0.
    // The project's installer on a containerd-2 pool is a DaemonSet: one pod per Wasm node.
    if (usesShimInstaller(c)) {
        wasm.push(group("shim installer DaemonSet", 1, STACK_POD_REQUESTS.shimInstaller.cpu, STACK_POD_REQUESTS.shimInstaller.memory, "components/platform/shimInstaller.ts", true));
    }
    const wasmScaleOut = hpaExtra > 0 ? [appGroup(`HPA scale-out to appMaxReplicas (${apps} × ${hpaExtra})`, apps * hpaExtra, "appMaxReplicas − appReplicas")] : [];

    const pools = [
        poolPlan("system", c.systemVmSize, c.systemNodeCount, c.systemNodeCountMax || c.systemNodeCount, system, []),
        poolPlan("wasm", c.wasmVmSize, c.wasmNodeCount, c.wasmNodeCountMax || c.wasmNodeCount, wasm, wasmScaleOut),
    ];
    return { pools, ...judge(pools) };
}

/**
 * Requests against room in the units the scheduler counts: whole millicores and bytes. Sums of floats of cores
 * drift (1.9 − 0.26 < 1.64), which would refuse a pod of exactly the room left.
 */
const cpuOver = (request: number, room: number) => Math.round(request * 1000) > Math.round(room * 1000);
const memoryOver = (request: number, room: number) => Math.round(request) > Math.round(room);

function judge(pools: PoolPlan[]): Pick<CapacityPlan, "problems" | "warnings"> {
    const problems: CapacityPlan["problems"] = [];
    const warnings: string[] = [];
    /** Pods too large for any node of a pool, under the key that sizes them: more nodes cannot help there. */
    const oversized = new Map<string, { value: string; limit: number; format: (n: number) => string; where: string[]; pools: PoolPlan[] }>();
    for (const p of pools) {
        if (!Number.isFinite(p.allocatable.cpu)) continue; // the VM size rule reports an unreadable size
        const sizing = `${p.nodes} × ${p.vmSize}`;
        const short: string[] = [];
        if (cpuOver(p.requested.cpu, p.capacity.cpu)) short.push(`CPU requests ${formatCpu(p.requested.cpu)} > allocatable ${formatCpu(p.capacity.cpu)}`);
        // Stryker disable next-line ConditionalExpression: equivalent: with memory unknown, memoryOver compares with NaN, which is false; the guard is for the type checker.
        if (p.capacity.memory !== undefined && memoryOver(p.requested.memory, p.capacity.memory)) {
            short.push(`memory requests ${formatMemory(p.requested.memory)} > allocatable ${formatMemory(p.capacity.memory)}`);
        }
        // A pod larger than one node's room after the per-node agents can never be scheduled, on any node count.
        const agents = totals(p.groups.filter((g) => g.perNode), 1);
        const free = { cpu: p.allocatable.cpu - agents.cpu, memory: p.allocatable.memory === undefined ? undefined : p.allocatable.memory - agents.memory };
        const tooLarge: string[] = [];
        const tooLargeUnderOwnKey: string[] = [];
        for (const g of p.groups.filter((x) => !x.perNode)) {
            const over: ["cpu" | "memory", string][] = [];
            if (cpuOver(g.cpu, free.cpu)) over.push(["cpu", `one "${g.name}" pod requests ${formatCpu(g.cpu)}, a node has ${formatCpu(free.cpu)} free`]);
            // Stryker disable next-line ConditionalExpression: equivalent: with memory unknown, memoryOver compares with NaN, which is false; the guard is for the type checker.
            if (free.memory !== undefined && memoryOver(g.memory, free.memory)) over.push(["memory", `one "${g.name}" pod requests ${formatMemory(g.memory)}, a node has ${formatMemory(free.memory)} free`]);
            for (const [resource, text] of over) {
                const own = g.requestKeys?.[resource];
                if (!own) {
                    tooLarge.push(text);
                    continue;
                }
                tooLargeUnderOwnKey.push(text);
                const limit = resource === "cpu" ? free.cpu : free.memory!;
                const entry = oversized.get(own.key) ?? { value: own.value, limit, format: resource === "cpu" ? formatCpu : formatMemory, where: [], pools: [] };
                entry.limit = Math.min(entry.limit, limit);
                if (!entry.pools.includes(p)) {
                    entry.pools.push(p);
                    entry.where.push(`a ${p.pool} pool node (${p.vmSize}) has ${entry.format(limit)} free after its per-node agents`);
                }
                oversized.set(own.key, entry);
            }
        }
        if (tooLarge.length > 0) {
            // A pod the user does not size (an add-on) is larger than a node: only a larger VM size helps.
            problems.push({
                key: p.keys.vmSize,
                value: p.vmSize,
                accepted: `a VM size with room for the largest pod the stack schedules on the ${p.pool} pool (${tooLarge.join("; ")}); see docs/configuration.md, "Capacity plan"`,
            });
            continue;
        }
        if (tooLargeUnderOwnKey.length > 0) continue; // refused below under the pod's own key
        if (short.length > 0) {
            problems.push({
                key: p.keys.nodeCount,
                value: String(p.nodes),
                accepted: `more nodes, or a larger aks-wasm:${p.keys.vmSize} (now ${p.vmSize}): the ${p.pool} pool cannot hold what the stack schedules on ${sizing} (${short.join("; ")}); docs/configuration.md, "Capacity plan", lists what runs there`,
            });
            continue;
        }
        const headroom = Math.min(
            1 - p.requested.cpu / p.capacity.cpu,
            p.capacity.memory === undefined ? 1 : 1 - p.requested.memory / p.capacity.memory,
        );
        if (headroom < MIN_HEADROOM) {
            warnings.push(
                `capacity: the ${p.pool} pool (${sizing}) fits with only ${Math.round(headroom * 100)}% headroom ` +
                    `(CPU ${formatCpu(p.requested.cpu)} of ${formatCpu(p.capacity.cpu)}, memory ${formatMemory(p.requested.memory)}` +
                    `${p.capacity.memory === undefined ? "" : ` of ${formatMemory(p.capacity.memory)}`}); below ${MIN_HEADROOM * 100}% a rollout or an add-on update can leave pods Pending. Raise ${p.keys.nodeCount} or ${p.keys.vmSize}.`,
            );
        }
        if (p.capacity.memory === undefined) {
            warnings.push(`capacity: memory of ${p.vmSize} is unknown to lib/azure/azureVmSizes.ts; the ${p.pool} pool's memory was not checked.`);
        }
        // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: without scale-out groups the maximum holds the minimum's pods on as many or more nodes, each adding more room than agents, so it cannot warn.
        if (p.scaleOut.length > 0) {
            const overCpu = cpuOver(p.requestedAtMax.cpu, p.capacityAtMax.cpu);
            // Stryker disable next-line ConditionalExpression: equivalent: with memory unknown, memoryOver compares with NaN, which is false; the guard is for the type checker.
            const overMemory = p.capacityAtMax.memory !== undefined && memoryOver(p.requestedAtMax.memory, p.capacityAtMax.memory);
            if (overCpu || overMemory) {
                warnings.push(
                    `capacity: at appMaxReplicas the ${p.pool} pool needs CPU ${formatCpu(p.requestedAtMax.cpu)} / memory ${formatMemory(p.requestedAtMax.memory)}, ` +
                        `more than ${p.keys.nodeCountMax}=${p.nodesMax} × ${p.vmSize} hold; the HPA's last replicas would stay Pending. Raise ${p.keys.nodeCountMax}.`,
                );
            }
        }
    }
    for (const [key, o] of oversized) {
        const poolKeys = o.pools.map((p) => `aks-wasm:${p.keys.vmSize} (now ${p.vmSize})`);
        problems.push({
            key,
            value: o.value,
            accepted: `at most ${o.format(o.limit)}, so that one pod fits on a node: ${o.where.join("; ")}. Or a larger ${orList(poolKeys)}; more nodes do not help`,
        });
    }
    return { problems, warnings };
}

/** The plan as Markdown, for `npm run render`. */
export function capacityPlanMarkdown(plan: CapacityPlan): string[] {
    const lines: string[] = [];
    for (const p of plan.pools) {
        lines.push(
            `### ${p.pool} pool: ${p.nodes}${p.nodesMax !== p.nodes ? `–${p.nodesMax}` : ""} × ${p.vmSize}`,
            "",
            `Allocatable per node: CPU ${formatCpu(p.allocatable.cpu)}, memory ${p.allocatable.memory === undefined ? "unknown" : formatMemory(p.allocatable.memory)}.`,
            "",
            "| pod group | pods | CPU each | memory each | source |",
            "| --- | --- | --- | --- | --- |",
            ...[...p.groups, ...p.scaleOut.map((g) => ({ ...g, name: `(at max) ${g.name}` }))].map(
                (g) => `| ${g.name} | ${g.perNode ? `${g.replicas} per node` : g.replicas} | ${formatCpu(g.cpu)} | ${formatMemory(g.memory)} | ${g.source} |`,
            ),
            "",
            `Requested at ${p.nodes} node(s): CPU ${formatCpu(p.requested.cpu)} of ${formatCpu(p.capacity.cpu)}, memory ${formatMemory(p.requested.memory)} of ${p.capacity.memory === undefined ? "unknown" : formatMemory(p.capacity.memory)}.`,
            "",
        );
    }
    for (const problem of plan.problems) lines.push(`**Refused**: aks-wasm:${problem.key} = ${problem.value}: ${problem.accepted}`, "");
    for (const warning of plan.warnings) lines.push(`**Warning**: ${warning}`, "");
    if (plan.problems.length === 0 && plan.warnings.length === 0) lines.push(`Every pool fits with at least ${MIN_HEADROOM * 100}% headroom.`, "");
    return lines;
}
