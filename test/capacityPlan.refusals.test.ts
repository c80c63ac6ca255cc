/**
 * The capacity plan's verdicts (lib/azure/capacityPlan.ts): what each pool must hold, what is refused and under which
 * config key, what only warns. Figures are asserted as numbers (millicores, MiB) a user can recompute from the
 * plan's own table; the wording of messages beyond the key and the pool is left free.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configDefaults } from "../config";
import {
    allocatableCpu,
    capacityPlan,
    capacityPlanMarkdown,
    gatewayPods,
    kubeSystemAddons,
    nodeAgents,
    STACK_POD_REQUESTS,
    type CapacityInput,
    type PodGroup,
    type PoolPlan,
} from "../lib/azure/capacityPlan";

const Mi = 2 ** 20;
const milli = (cores: number) => Math.round(cores * 1000);
const mebi = (bytes: number) => Math.round(bytes / Mi);

// One D2s_v5 node: 1900m and 8192 − 2048 − 100 = 6044Mi allocatable (CAP-1); the node agents take 260m / 470Mi.
const D2_CPU = 1900;
const D2_MEMORY = 6044;
const AGENTS = { cpu: 260, memory: 470 };

/** A small stack: no load test, no baseline, no measurement, no ingress; one app on D2s_v5 Wasm nodes. */
const input = (over: Partial<CapacityInput> = {}): CapacityInput => ({
    ...configDefaults(),
    wasmVmSize: "Standard_D2s_v5",
    wasmNodeCount: 1,
    wasmNodeCountMax: 1,
    apps: ["a"],
    appReplicas: 1,
    appMaxReplicas: 0,
    appCpuRequest: "10m",
    appMemoryRequest: "16Mi",
    ingressMode: "none",
    loadTest: false,
    containerBaseline: false,
    measure: false,
    ...over,
});

const pools = (c: CapacityInput) => {
    const [system, wasm] = capacityPlan(c).pools;
    return { system, wasm };
};
const requested = (p: PoolPlan) => ({ cpu: milli(p.requested.cpu), memory: mebi(p.requested.memory) });
const diff = (a: PoolPlan, b: PoolPlan) => ({ cpu: milli(a.requested.cpu - b.requested.cpu), memory: mebi(a.requested.memory - b.requested.memory) });
const groupTotal = (groups: PodGroup[]) => ({
    cpu: milli(groups.reduce((s, g) => s + g.replicas * g.cpu, 0)),
    memory: mebi(groups.reduce((s, g) => s + g.replicas * g.memory, 0)),
});

describe("capacity plan: the figures it adds up", () => {
    it("reserves CPU by AKS's table for every row (CAP-1), the next larger row between rows", () => {
        const rows: [number, number][] = [[1, 60], [2, 100], [4, 140], [8, 180], [16, 260], [32, 420], [64, 740]];
        for (const [cores, reserved] of rows) assert.equal(milli(allocatableCpu(cores)), cores * 1000 - reserved, `${cores} cores`);
        assert.equal(milli(allocatableCpu(12)), 12000 - 260);
        assert.equal(milli(allocatableCpu(128)), 128000 - 740);
    });

    it("counts the node agents on every node of both pools: 260m / 470Mi per node", () => {
        assert.deepEqual(groupTotal(nodeAgents()), AGENTS);
        assert.ok(nodeAgents().every((g) => g.perNode && g.replicas === 1));
        const one = pools(input({ systemNodeCount: 1, systemNodeCountMax: 1 }));
        const three = pools(input({ wasmNodeCount: 3, wasmNodeCountMax: 3, systemNodeCount: 3, systemNodeCountMax: 3 }));
        assert.deepEqual(diff(three.wasm, one.wasm), { cpu: 2 * AGENTS.cpu, memory: 2 * AGENTS.memory });
        assert.deepEqual(diff(three.system, one.system), { cpu: 2 * AGENTS.cpu, memory: 2 * AGENTS.memory });
    });

    it("counts AKS's kube-system Deployments once on the system pool: 950m / 1752Mi", () => {
        assert.deepEqual(groupTotal(kubeSystemAddons()), { cpu: 950, memory: 1752 });
        assert.ok(kubeSystemAddons().every((g) => !g.perNode));
        const { system } = pools(input({ systemNodeCount: 2, systemNodeCountMax: 2, wasmRuntime: "wasmwasi" }));
        assert.deepEqual(requested(system), { cpu: 2 * AGENTS.cpu + 950, memory: 2 * AGENTS.memory + 1752 });
    });

    it("names where every figure comes from", () => {
        const plans = ["gateway", "ingress"].map((ingressMode) => capacityPlan(input({ ingressMode: ingressMode as CapacityInput["ingressMode"], loadTest: true, containerBaseline: true, measure: true, appMaxReplicas: 5 })));
        for (const p of plans.flatMap((plan) => plan.pools)) {
            for (const g of [...p.groups, ...p.scaleOut]) {
                assert.ok(g.name.length > 0 && g.source.length > 0, JSON.stringify(g));
                assert.ok(Number.isFinite(g.cpu) && g.cpu > 0 && Number.isFinite(g.memory) && g.memory > 0, g.name);
            }
        }
    });

    it("counts each optional part only when it is configured, at its own requests", () => {
        const base = pools(input());
        const apps2 = { apps: ["a", "b"] };
        assert.deepEqual(diff(pools(input({ loadTest: true })).system, base.system), { cpu: 250, memory: 128 }, "one load-test Job");
        assert.deepEqual(diff(pools(input({ ingressMode: "ingress" })).system, base.system), { cpu: 1000, memory: 254 }, "NGINX 2 × 500m / 127Mi");
        assert.deepEqual(diff(pools(input({ ingressMode: "gateway", ...apps2 })).system, pools(input(apps2)).system), { cpu: 1400, memory: 4608 }, "istiod 2 × 500m / 2Gi, 2 proxies per app × 100m / 128Mi");
        assert.deepEqual(diff(base.system, pools(input({ wasmRuntime: "wasmwasi" })).system), { cpu: 10, memory: 64 }, "RCM's controller with spinkube only");
        // The baseline: appReplicas pods and one surge pod at the app's requests, on the Wasm pool beside the app.
        const sized = { appReplicas: 3, appCpuRequest: "100m", appMemoryRequest: "64Mi", wasmNodeCount: 2, wasmNodeCountMax: 2 };
        const baseline = pools(input({ containerBaseline: true, ...sized }));
        assert.deepEqual(diff(baseline.wasm, pools(input(sized)).wasm), { cpu: 400, memory: 256 });
        assert.deepEqual(diff(baseline.system, pools(input(sized)).system), { cpu: 0, memory: 0 }, "nothing of the baseline on the system pool");
        for (const p of Object.values(base)) assert.ok(!p.groups.some((g) => /load-test|baseline|NGINX|istio|twin|measurement/i.test(g.name)), p.pool);
    });

    it("counts the measurement's Jobs (one per target) and twins at measureReplicas", () => {
        const c = (over: Partial<CapacityInput>) => input({ apps: ["a", "b"], appCpuRequest: "10m", appMemoryRequest: "16Mi", measureReplicas: 5, ...over });
        const off = pools(c({}));
        const on = pools(c({ measure: true }));
        assert.deepEqual(diff(on.system, off.system), { cpu: 200, memory: 192 }, "2 Jobs × 100m / 96Mi");
        assert.deepEqual(diff(on.wasm, off.wasm), { cpu: 100, memory: 160 }, "2 apps × 5 twins × 10m / 16Mi");
        const baselineOn = pools(c({ measure: true, containerBaseline: true }));
        const baselineOff = pools(c({ containerBaseline: true }));
        assert.deepEqual(diff(baselineOn.system, baselineOff.system), { cpu: 300, memory: 288 }, "3 Jobs on the system pool");
        assert.deepEqual(diff(baselineOn.wasm, baselineOff.wasm), { cpu: 100 + 50, memory: 160 + 80 }, "the Wasm twins and the baseline's 5 twins on the Wasm pool");
        assert.deepEqual(STACK_POD_REQUESTS.measure, { cpu: "100m", memory: "96Mi" });
    });

    it("places the Spin apps, one surge pod per app and nothing else of the app on the Wasm pool", () => {
        const { wasm } = pools(input({ apps: ["a", "b", "c"], appReplicas: 4, appCpuRequest: "20m", appMemoryRequest: "32Mi" }));
        assert.deepEqual(requested(wasm), { cpu: AGENTS.cpu + 15 * 20, memory: AGENTS.memory + 15 * 32 }, "3 × 4 replicas + 3 surge");
    });

    it("scales out to appMaxReplicas on the Wasm pool only when it is above appReplicas", () => {
        const at = (appMaxReplicas: number) => pools(input({ apps: ["a", "b"], appReplicas: 3, appMaxReplicas, wasmNodeCountMax: 2 })).wasm;
        assert.deepEqual(at(0).scaleOut, []);
        assert.deepEqual(at(3).scaleOut, []);
        assert.deepEqual(at(2).scaleOut, []);
        assert.equal(at(5).scaleOut.reduce((s, g) => s + g.replicas, 0), 4, "2 apps × (5 − 3)");
        const p = at(5);
        assert.equal(milli(p.requestedAtMax.cpu), 2 * AGENTS.cpu + (2 * 3 + 2 + 4) * 10, "agents on 2 nodes, 8 pods, 4 more at max");
        assert.equal(milli(p.capacityAtMax.cpu), 2 * D2_CPU);
        assert.equal(mebi(p.capacityAtMax.memory!), 2 * D2_MEMORY);
    });

    it("takes the node count as the maximum when the maximum is 0 (no autoscaler)", () => {
        const { system, wasm } = pools(input({ systemNodeCount: 2, systemNodeCountMax: 0, wasmNodeCount: 3, wasmNodeCountMax: 0 }));
        assert.equal(system.nodesMax, 2);
        assert.equal(wasm.nodesMax, 3);
        assert.equal(pools(input({ wasmNodeCount: 1, wasmNodeCountMax: 4 })).wasm.nodesMax, 4);
    });

    it("gives each pool its own keys, size and node counts", () => {
        const { system, wasm } = pools(input({ systemVmSize: "Standard_D8s_v5", systemNodeCount: 2, systemNodeCountMax: 5 }));
        assert.deepEqual([system.pool, system.keys, system.vmSize, system.nodes, system.nodesMax], ["system", { vmSize: "systemVmSize", nodeCount: "systemNodeCount", nodeCountMax: "systemNodeCountMax" }, "Standard_D8s_v5", 2, 5]);
        assert.deepEqual([wasm.pool, wasm.keys, wasm.vmSize, wasm.nodes], ["wasm", { vmSize: "wasmVmSize", nodeCount: "wasmNodeCount", nodeCountMax: "wasmNodeCountMax" }, "Standard_D2s_v5", 1]);
        assert.equal(milli(system.capacity.cpu), 2 * 7820);
    });

    it("has 2 istiod pods and 2 proxies per Gateway", () => {
        const [istiod, proxies] = gatewayPods(3);
        assert.deepEqual([istiod.replicas, milli(istiod.cpu), mebi(istiod.memory)], [2, 500, 2048]);
        assert.deepEqual([proxies.replicas, milli(proxies.cpu), mebi(proxies.memory)], [6, 100, 128]);
    });
});

describe("capacity plan: refusals, each under the pool's node-count key", () => {
    const refusal = (c: CapacityInput) => capacityPlan(c).problems;

    it("refuses a pool whose memory requests exceed its allocatable memory, CPU being fine", () => {
        // 1 node: 6044Mi; agents 470Mi; (replicas + 1 surge) × 1Gi.
        const at = (replicas: number) => refusal(input({ appReplicas: replicas, appMemoryRequest: "1Gi" }));
        assert.deepEqual(at(4), [], "470 + 5 × 1024 = 5590Mi ≤ 6044Mi");
        const refused = at(5);
        assert.equal(refused.length, 1, "470 + 6 × 1024 = 6614Mi > 6044Mi");
        assert.deepEqual([refused[0].key, refused[0].value], ["wasmNodeCount", "1"]);
        assert.match(refused[0].accepted, /memory/);
        assert.match(refused[0].accepted, /aks-wasm:wasmVmSize/);
        assert.match(refused[0].accepted, /1 × Standard_D2s_v5/, "the sizing refused");
        assert.doesNotMatch(refused[0].accepted, /CPU requests/);
    });

    it("refuses a pool whose CPU requests exceed its allocatable CPU, memory being fine", () => {
        // 1 node: 1900m; agents 260m; (replicas + 1) × 400m.
        assert.deepEqual(refusal(input({ appReplicas: 3, appCpuRequest: "400m" })), [], "260 + 1600 = 1860m");
        const [p] = refusal(input({ appReplicas: 4, appCpuRequest: "400m" }));
        assert.equal(p.key, "wasmNodeCount");
        assert.match(p.accepted, /CPU/);
        assert.doesNotMatch(p.accepted, /memory requests/);
    });

    it("refuses a pod larger than one node's room after the agents under its own request key, even when the pool's total fits", () => {
        // 3 nodes: room per node 1900 − 260 = 1640m and 6044 − 470 = 5574Mi; 2 pods (1 replica + surge).
        // Since the merge an app pod too large for any node is refused under the key that sizes it (more nodes
        // cannot help), naming the room a node has.
        const three = { wasmNodeCount: 3, wasmNodeCountMax: 3 };
        assert.deepEqual(refusal(input({ ...three, appCpuRequest: "1640m" })), [], "a pod of exactly the room fits");
        assert.deepEqual(refusal(input({ ...three, appMemoryRequest: "5574Mi" })), []);
        for (const [key, value, room] of [["appCpuRequest", "1641m", "1640m"], ["appMemoryRequest", "5575Mi", "5574Mi"]]) {
            const problems = refusal(input({ ...three, [key]: value }));
            assert.equal(problems.length, 1, key);
            assert.deepEqual([problems[0].key, problems[0].value], [key, value]);
            assert.ok(problems[0].accepted.includes(`at most ${room}`), problems[0].accepted);
            assert.match(problems[0].accepted, /aks-wasm:wasmVmSize/);
        }
    });

    it("refuses the system pool under systemNodeCount, naming systemVmSize", () => {
        const [p, ...rest] = refusal(input({ systemVmSize: "Standard_D2s_v5", systemNodeCount: 1, systemNodeCountMax: 1, ingressMode: "ingress", loadTest: true }));
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["systemNodeCount", "1"]);
        assert.match(p.accepted, /aks-wasm:systemVmSize \(now Standard_D2s_v5\)/);
    });

    it("refuses each pool that does not fit, both at once", () => {
        const problems = refusal(input({ systemVmSize: "Standard_D2s_v5", systemNodeCount: 1, systemNodeCountMax: 1, ingressMode: "ingress", appReplicas: 5, appMemoryRequest: "1Gi" }));
        assert.deepEqual(problems.map((p) => p.key), ["systemNodeCount", "wasmNodeCount"]);
        const both = refusal(input({ appReplicas: 9, appCpuRequest: "200m", appMemoryRequest: "1Gi" }))[0].accepted;
        assert.match(both, /\(CPU requests 2260m > allocatable 1900m; memory requests 10710Mi > allocatable 6044Mi\)/, "each shortage, listed");
    });

    it("leaves a VM size it cannot read to the VM size rule: no refusal, no warning for that pool", () => {
        const plan = capacityPlan(input({ wasmVmSize: "Standard_d2s_v5", appReplicas: 100, appCpuRequest: "1" }));
        assert.deepEqual(plan.problems, []);
        assert.ok(!plan.warnings.some((w) => /wasm pool|Standard_d2s_v5/.test(w)), plan.warnings.join("\n"));
    });
});

describe("capacity plan: an add-on pod larger than a node, refused under the pool's VM size key", () => {
    // The user sizes neither istiod (2 × 500m / 2Gi, gatewayPods) nor any other add-on: when one pod of it is larger
    // than a node's room after the agents, no node count helps, only a larger systemVmSize. config/ refuses system
    // sizes under 4 GiB (VM-3), where istiod still fits (2502Mi free); the plan is checked here with a 1-vCPU, 2 GiB
    // size (F-series: 2 GiB per vCPU) that AKS would refuse, the one way to make an add-on outgrow a node today.
    const system = (systemVmSize: string, nodes: number, ingressMode: CapacityInput["ingressMode"]) =>
        capacityPlan(input({ systemVmSize, systemNodeCount: nodes, systemNodeCountMax: nodes, ingressMode })).problems;

    it("refuses systemVmSize, whatever the node count, when one istiod pod (2048Mi) exceeds a node's 966Mi free", () => {
        // Standard_F1s_v2: 2048 − 512 − 100 = 1436Mi allocatable, less the agents' 470Mi.
        for (const nodes of [1, 10]) {
            const problems = system("Standard_F1s_v2", nodes, "gateway");
            assert.deepEqual(problems.map((p) => [p.key, p.value]), [["systemVmSize", "Standard_F1s_v2"]], `${nodes} node(s): the size, not the count`);
            assert.match(problems[0].accepted, /istiod.*2048Mi.*966Mi/, "the pod and the room, in MiB");
        }
    });

    it("does not refuse the same size without the Gateway's istiod, nor a size with room for it", () => {
        assert.deepEqual(system("Standard_F1s_v2", 10, "none"), [], "the largest other add-on (256Mi) fits 966Mi");
        assert.deepEqual(system("Standard_F2s_v2", 10, "gateway"), [], "4 GiB: 2502Mi free ≥ 2048Mi");
    });
});

describe("capacity plan: warnings", () => {
    it("warns when memory, not CPU, leaves less than 15 % headroom", () => {
        // 470 + 5 × 1000Mi = 5470Mi of 6044Mi: 9 % free; CPU 310m of 1900m.
        const plan = capacityPlan(input({ appReplicas: 4, appMemoryRequest: "1000Mi" }));
        assert.deepEqual(plan.problems, []);
        const w = plan.warnings.filter((x) => /wasm pool/.test(x));
        assert.equal(w.length, 1);
        assert.match(w[0], /9% headroom/);
        assert.match(w[0], /memory 5470Mi of 6044Mi/);
        assert.match(w[0], /below 15%/);
        assert.match(w[0], /wasmNodeCount or wasmVmSize/);
        assert.deepEqual(capacityPlan(input({ appReplicas: 3, appMemoryRequest: "1000Mi" })).warnings, [], "470 + 4000 = 4470Mi: 26 % free");
    });

    it("checks CPU only, and says memory was not checked, for a size whose memory it does not know", () => {
        const plan = capacityPlan(input({ wasmVmSize: "Standard_DS2_v2", appReplicas: 3, appMemoryRequest: "100Gi" }));
        assert.deepEqual(plan.problems, [], "memory unknown: not refused");
        assert.deepEqual(plan.warnings.length, 1);
        assert.match(plan.warnings[0], /Standard_DS2_v2/);
        assert.match(plan.warnings[0], /wasm pool/);
        const cpuOnly = capacityPlan(input({ wasmVmSize: "Standard_DS2_v2", appReplicas: 13, appCpuRequest: "100m" })).warnings.filter((w) => /headroom/.test(w));
        assert.equal(cpuOnly.length, 1, "CPU 1660m of 1900m");
        assert.match(cpuOnly[0], /memory \d+Mi\); /, "the memory requested, with no capacity to compare");
    });

    it("warns when the HPA maximum needs more memory than the maximum node count holds", () => {
        // Max 2 nodes: 12088Mi; agents 940Mi; 1 replica + 1 surge + (appMaxReplicas − 1) more, 1Gi each.
        const c = (appMaxReplicas: number) => capacityPlan(input({ wasmNodeCountMax: 2, appMemoryRequest: "1Gi", appMaxReplicas }));
        const warned = c(10).warnings.filter((w) => /appMaxReplicas/.test(w));
        assert.equal(warned.length, 1, "940 + 11 × 1024 = 12204Mi > 12088Mi");
        assert.match(warned[0], /wasmNodeCountMax=2/);
        assert.deepEqual(c(10).problems, [], "the maximum only warns");
        assert.deepEqual(c(9).warnings.filter((w) => /appMaxReplicas/.test(w)), [], "940 + 10 × 1024 = 11180Mi");
    });
});

describe("capacity plan as Markdown (npm run render)", () => {
    it("lists each pool's groups with pods, requests and source, and the verdict", () => {
        const plan = capacityPlan(input({ wasmNodeCountMax: 3, appMaxReplicas: 2 }));
        const md = capacityPlanMarkdown(plan).join("\n");
        assert.match(md, /^### system pool: 2 × Standard_D4s_v5$/m);
        assert.match(md, /^### wasm pool: 1–3 × Standard_D2s_v5$/m);
        assert.match(md, /^Allocatable per node: CPU 1900m, memory 6044Mi\.$/m);
        assert.match(md, /^\| coredns \| 2 \| 100m \| 70Mi \| .+ \|$/m);
        assert.match(md, /^\| cloud-node-manager \| 1 per node \| 50m \| 50Mi \| .+ \|$/m);
        assert.match(md, /^\| \(at max\) HPA scale-out .* \| 1 \| 10m \| 16Mi \| .+ \|$/m);
        assert.match(md, /^Requested at 1 node\(s\): CPU 280m of 1900m, memory 502Mi of 6044Mi\.$/m);
        assert.match(md, /^Every pool fits with at least 15% headroom\.$/m);
        assert.match(md, /^\| pod group \| pods \| CPU each \| memory each \| source \|\n\| --- \| --- \| --- \| --- \| --- \|$/m);
    });

    it("separates every heading, paragraph and table by an empty line, so each renders on its own", () => {
        for (const c of [input(), input({ appReplicas: 5, appMemoryRequest: "1Gi" }), input({ wasmVmSize: "Standard_DS2_v2" })]) {
            const lines = capacityPlanMarkdown(capacityPlan(c));
            assert.match(lines[0], /^### /);
            assert.equal(lines[lines.length - 1], "");
            lines.forEach((line, i) => {
                if (line === "" || line.startsWith("|")) return;
                assert.equal(lines[i + 1], "", `after ${JSON.stringify(line)}`);
                if (i > 0) assert.equal(lines[i - 1], "", `before ${JSON.stringify(line)}`);
            });
        }
    });

    it("writes each refusal with its key and each warning, and no all-clear then", () => {
        const refused = capacityPlanMarkdown(capacityPlan(input({ appReplicas: 5, appMemoryRequest: "1Gi" }))).join("\n");
        assert.match(refused, /^\*\*Refused\*\*: aks-wasm:wasmNodeCount = 1: /m);
        assert.doesNotMatch(refused, /Every pool fits/);
        const warned = capacityPlanMarkdown(capacityPlan(input({ wasmVmSize: "Standard_DS2_v2" }))).join("\n");
        assert.match(warned, /^\*\*Warning\*\*: capacity: memory of Standard_DS2_v2 is unknown/m);
        assert.match(warned, /memory unknown\.$/m);
        assert.match(warned, /memory \d+Mi of unknown\.$/m);
        assert.doesNotMatch(warned, /Every pool fits/);
    });
});
