/**
 * The capacity plan (lib/azure/capacityPlan.ts) and the platform tables it rests on: AKS node reservations, Azure VM
 * size names, the names derived from an app, and the add-on figures. Pure functions; no cloud.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_RESOURCES } from "../components/app/loadTest";
import { DEFAULT_RESOURCES as MEASURE_RESOURCES } from "../components/app/scaleMeasurement";
import { configDefaults } from "../config";
import { parseVmSize, vmSizeProblems, type VmSize } from "../lib/azure/azureVmSizes";
import {
    allocatableCpu,
    allocatableMemory,
    appRoutingNginx,
    capacityPlan,
    MIN_HEADROOM,
    STACK_POD_REQUESTS,
    type CapacityInput,
} from "../lib/azure/capacityPlan";
import { derivedNameProblems, hostProblem } from "../lib/kubernetes/kubernetesNames";

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const root = join(__dirname, "..");

describe("AKS node reservations (platform-contracts CAP-1)", () => {
    it("subtracts kube-reserved CPU by core count, the next larger row between rows", () => {
        assert.equal(allocatableCpu(2), 1.9);
        assert.equal(allocatableCpu(4), 3.86);
        assert.equal(allocatableCpu(8), 7.82);
        assert.equal(allocatableCpu(3), 3 - 0.14);
        assert.equal(allocatableCpu(96), 96 - 0.74);
    });

    it("subtracts the lesser of 20 MB × 250 pods + 50 MB and 25 %, plus the 100Mi eviction threshold", () => {
        assert.equal(allocatableMemory(8 * Gi) / Mi, 8192 - 2048 - 100);
        assert.equal(allocatableMemory(16 * Gi) / Mi, 16384 - 4096 - 100);
        assert.equal(allocatableMemory(64 * Gi) / Mi, 65536 - (20 * 250 + 50) - 100);
        assert.equal(allocatableMemory(8 * Gi, 30) / Mi, 8192 - 650 - 100, "the doc's own example: 30 max pods → 650 MB");
    });
});

describe("Azure VM size names (platform-contracts VM-1, VM-2)", () => {
    const rows: [string, Partial<VmSize>][] = [
        ["Standard_D2s_v5", { family: "D", vcpus: 2, arch: "amd64", memoryGiB: 8, burstable: false, version: 5 }],
        ["Standard_D4ps_v5", { family: "D", vcpus: 4, arch: "arm64", memoryGiB: 16 }],
        ["Standard_D2ls_v5", { vcpus: 2, memoryGiB: 4 }],
        ["Standard_E4s_v5", { family: "E", memoryGiB: 32 }],
        ["Standard_F2s_v2", { family: "F", memoryGiB: 4 }],
        ["Standard_D4as_v5", { arch: "amd64", memoryGiB: 16 }],
        ["Standard_E4-2s_v5", { vcpus: 2, memoryGiB: undefined }],
        ["Standard_NC24ads_A100_v4", { family: "NC", vcpus: 24, accelerator: "A100", arch: "amd64", memoryGiB: undefined }],
        ["Standard_DS2_v2", { family: "DS", vcpus: 2, memoryGiB: undefined }],
        ["Standard_B2pls_v2", { family: "B", burstable: true, arch: "arm64" }],
        ["Standard_A1_v2", { family: "A", vcpus: 1 }],
    ];
    for (const [name, expected] of rows) {
        it(`reads ${name}`, () => {
            const size = parseVmSize(name);
            assert.ok(size);
            for (const [k, v] of Object.entries(expected)) assert.equal(size[k as keyof typeof size], v, k);
        });
    }

    it("refuses names outside the convention", () => {
        for (const name of ["D2s_v5", "Standard_d2s_v5", "Standard_D0s_v5", "Standard_Ds_v5", "Standard_D2S_v5"]) assert.equal(parseVmSize(name), undefined, name);
    });

    it("applies AKS's minimums: 2 vCPUs everywhere, 4 GiB and no B-series on system pools", () => {
        const any = { archs: ["amd64", "arm64"] as const, archReason: "" };
        const small = { ...parseVmSize("Standard_D2s_v5")!, memoryGiB: 2 };
        assert.match(vmSizeProblems(small, { mode: "system", ...any }).join(), /at least 4 GiB/);
        assert.deepEqual(vmSizeProblems(small, { mode: "user", ...any }), []);
        assert.match(vmSizeProblems(parseVmSize("Standard_B4ms")!, { mode: "system", ...any }).join(), /B-series/);
        assert.deepEqual(vmSizeProblems(parseVmSize("Standard_B4ms")!, { mode: "user", ...any }), []);
        assert.match(vmSizeProblems(parseVmSize("Standard_A1_v2")!, { mode: "user", ...any }).join(), /at least 2 vCPUs/);
        assert.match(vmSizeProblems(parseVmSize("Standard_D2ps_v5")!, { mode: "system", archs: ["amd64"], archReason: "amd64 images" }).join(), /amd64 images.*arm64/);
    });
});

describe("names derived from an app (platform-contracts K8SNAME-1, K8SNAME-2)", () => {
    const none = { loadTest: false, containerBaseline: false, gateway: false };
    it("keeps the load-test component within loadTest.ts's 40 characters", () => {
        assert.deepEqual(derivedNameProblems("a".repeat(31), { ...none, loadTest: true }), []);
        assert.match(derivedNameProblems("a".repeat(32), { ...none, loadTest: true }).join(), /load-test component .*"a{32}-loadtest" \(41 characters\) must be at most 40/);
    });
    it("keeps the Gateway within 46 characters (Istio appends -approuting-istio)", () => {
        assert.deepEqual(derivedNameProblems("a".repeat(46), { ...none, gateway: true }), []);
        assert.match(derivedNameProblems("a".repeat(47), { ...none, gateway: true }).join(), /Gateway "a{47}" \(47 characters\) must be at most 46/);
    });
    it("keeps <app>-container a DNS-1035 label of at most 63", () => {
        assert.deepEqual(derivedNameProblems("a".repeat(53), { ...none, containerBaseline: true }), []);
        assert.match(derivedNameProblems("a".repeat(54), { ...none, containerBaseline: true }).join(), /container baseline .*at most 63/);
    });
    it("keeps namespace and Service within 63", () => {
        assert.match(derivedNameProblems("a".repeat(64), none).join(), /namespace .*at most 63/);
    });
    it("applies Ingress host / Gateway hostname rules (platform-contracts K8SNAME-3)", () => {
        assert.equal(hostProblem("hello.example.com"), undefined);
        assert.equal(hostProblem("*.example.com"), undefined);
        assert.match(hostProblem("192.168.1.10")!, /not an IP/);
        assert.match(hostProblem("::1")!, /not an IP/);
        assert.match(hostProblem("*")!, /wildcard/);
        assert.match(hostProblem("-a.example.com")!, /inner "-"/);
        assert.match(hostProblem(`${"a".repeat(64)}.example.com`)!, /1-63/);
    });
});

describe("capacity plan", () => {
    const defaults = configDefaults();
    // The measurement's groups are asserted in their own cases below; the others leave it off.
    const input = (over: Partial<CapacityInput> = {}): CapacityInput => ({ ...defaults, measure: false, ...over });

    it("uses the stack's own requests: the load test as components/app/loadTest.ts sets it", () => {
        assert.deepEqual(STACK_POD_REQUESTS.loadTest, DEFAULT_RESOURCES.requests);
    });

    it("uses the RCM controller requests components/platform/spinKubeRuntime.ts passes to the chart", () => {
        // spinKubeRuntime.ts does not export them; read its source so a change there fails here.
        const source = readFileSync(join(root, "components", "platform", "spinKubeRuntime.ts"), "utf8");
        const { cpu, memory } = STACK_POD_REQUESTS.rcmController;
        assert.match(source, new RegExp(`requests: \\{ cpu: "${cpu}", memory: "${memory}" \\}`));
    });

    it("counts who installs the shim: RCM's controller on the system pool (Ubuntu2204), the installer on every Wasm node (containerd 2)", () => {
        const source = readFileSync(join(root, "components", "platform", "shimInstaller.ts"), "utf8");
        const { cpu, memory } = STACK_POD_REQUESTS.shimInstaller;
        assert.match(source, new RegExp(`requests: \\{ cpu: "${cpu}", memory: "${memory}" \\}`));
        const names = (over: Partial<CapacityInput>) => capacityPlan(input(over)).pools.map((p) => p.groups.map((g) => g.name));
        const [legacySystem, legacyWasm] = names({ wasmOsSku: "Ubuntu2204" });
        assert.ok(legacySystem.includes("runtime-class-manager controller") && !legacyWasm.includes("shim installer DaemonSet"));
        const [cd2System, cd2Wasm] = names({ wasmOsSku: "AzureLinux" });
        assert.ok(!cd2System.includes("runtime-class-manager controller") && cd2Wasm.includes("shim installer DaemonSet"));
        const installer = capacityPlan(input({ wasmOsSku: "Ubuntu" })).pools[1].groups.find((g) => g.name === "shim installer DaemonSet")!;
        assert.equal(installer.perNode, true, "one pod per Wasm node");
    });

    it("counts app routing's NGINX as aks-app-routing-operator v0.2.25 deploys it (platform-contracts CAP-3)", () => {
        const nginx = appRoutingNginx();
        assert.equal(nginx.replicas, 2);
        assert.equal(nginx.cpu, 0.5);
        assert.equal(nginx.memory, 127 * Mi);
        const system = (mode: CapacityInput["ingressMode"]) => capacityPlan(input({ ingressMode: mode })).pools[0].groups.map((g) => g.name);
        assert.ok(system("ingress").includes("app routing NGINX"));
        assert.ok(!system("none").includes("app routing NGINX"));
        assert.ok(system("gateway").includes("istiod") && system("gateway").includes("Istio gateway proxies"));
    });

    it("places the stack's pods where they run: load test and RCM on the system pool, Spin replicas and the container baseline on the Wasm pool", () => {
        const plan = capacityPlan(input({ containerBaseline: true, loadTest: true, appReplicas: 4, apps: ["a", "b"] }));
        const [system, wasm] = plan.pools;
        const names = (groups: { name: string }[]) => groups.map((g) => g.name);
        assert.deepEqual(names(system.groups).filter((n) => /load-test|baseline|runtime-class/.test(n)), ["runtime-class-manager controller", "load-test Job"]);
        // The baseline shares the Wasm app's pool (a fair comparison: components/app/containerBaseline.ts baselinePlacement).
        assert.deepEqual(names(wasm.groups).filter((n) => /baseline/.test(n)), ["container baseline", "container baseline rollout surge"]);
        const baseline = wasm.groups.find((g) => g.name === "container baseline")!;
        assert.deepEqual([baseline.replicas, baseline.cpu, baseline.memory], [4, 0.05, 64 * Mi], "appReplicas × the app's requests");
        const spin = wasm.groups.find((g) => g.name.startsWith("Spin apps"))!;
        assert.equal(spin.replicas, 8, "2 apps × 4 replicas");
    });

    it("refuses the issue's case: one D2s_v5 system node cannot hold NGINX, the load test and the baseline", () => {
        const plan = capacityPlan(input({ systemVmSize: "Standard_D2s_v5", systemNodeCount: 1, systemNodeCountMax: 1, containerBaseline: true, loadTest: true }));
        assert.equal(plan.problems.length, 1);
        assert.equal(plan.problems[0].key, "systemNodeCount");
        assert.match(plan.problems[0].accepted, /CPU requests \d+m > allocatable 1900m/);
        assert.deepEqual(capacityPlan(input({ systemVmSize: "Standard_D2s_v5", systemNodeCount: 2, systemNodeCountMax: 2, containerBaseline: true, loadTest: true })).problems, []);
    });

    it("checks the minimum against the minimum node count and the HPA maximum against the autoscaler's maximum", () => {
        const base = { wasmNodeCount: 1, wasmNodeCountMax: 3, appReplicas: 2, appCpuRequest: "500m" };
        // At 3 nodes: 3 × 1900m allocatable = 5700m; node agents 3 × 260m, then (appMaxReplicas + 1 surge) × 500m.
        assert.deepEqual(capacityPlan(input({ ...base, appMaxReplicas: 8 })).warnings.filter((w) => /appMaxReplicas/.test(w)), [], "780 + 4500 = 5280m");
        assert.equal(capacityPlan(input({ ...base, appMaxReplicas: 9 })).warnings.filter((w) => /appMaxReplicas/.test(w)).length, 1, "780 + 5000 = 5780m");
        assert.deepEqual(capacityPlan(input({ ...base, appMaxReplicas: 9 })).problems, [], "the maximum only warns: the minimum deploys");
    });

    it(`warns below ${MIN_HEADROOM * 100}% headroom and not above`, () => {
        // Wasm pool: one D2s_v5 (1900m), 260m of node agents, one surge pod: replicas × 100m decide the headroom.
        const at = (replicas: number) => capacityPlan(input({ wasmNodeCount: 1, wasmNodeCountMax: 1, appReplicas: replicas, appCpuRequest: "100m" }));
        assert.deepEqual(at(12).warnings.filter((w) => /wasm pool/.test(w)), [], "260 + 1300 = 1560m of 1900m: 18% free");
        assert.equal(at(13).warnings.filter((w) => /wasm pool .*headroom/.test(w)).length, 1, "1660m: 13% free");
        assert.equal(at(17).problems.length, 1, "2060m > 1900m");
    });

    it("uses the measurement Job's own requests (components/app/scaleMeasurement.ts)", () => {
        assert.deepEqual(STACK_POD_REQUESTS.measure, MEASURE_RESOURCES.requests);
    });

    it("counts the measurement at its peak: N Wasm twins per app and the baseline's N twins on the Wasm pool, a Job per target on the system pool", () => {
        const plan = capacityPlan(input({ measure: true, measureReplicas: 20, containerBaseline: true, loadTest: true, apps: ["a", "b"], appCpuRequest: "50m" }));
        const [system, wasm] = plan.pools;
        const twins = wasm.groups.find((g) => g.name.startsWith("Wasm twins"))!;
        assert.equal(twins.replicas, 40, "2 apps × 20");
        assert.equal(twins.cpu, 0.05);
        const baselineTwin = wasm.groups.find((g) => g.name.startsWith("container baseline twin"))!;
        assert.equal(baselineTwin.replicas, 20);
        assert.ok(!system.groups.some((g) => /twin/.test(g.name)), "no twin on the system pool");
        const jobs = system.groups.find((g) => g.name.startsWith("measurement Jobs"))!;
        assert.equal(jobs.replicas, 3, "wasm for each of 2 apps, container for the first");
        const off = capacityPlan(input({ measure: false, containerBaseline: true, loadTest: true }));
        assert.ok(!off.pools.flatMap((p) => p.groups).some((g) => /twin|measurement/.test(g.name)));
        assert.ok(!capacityPlan(input({ measure: true, containerBaseline: false })).pools[1].groups.some((g) => /baseline/.test(g.name)), "no baseline, no container twin");
    });

    it("refuses twins that do not fit the minimum node count, and names the pool's keys", () => {
        // One D2s_v5 Wasm node (1900m): 260m agents, 3 + 1 app pods and N twins at 100m each.
        const at = (n: number) => capacityPlan(input({ measure: true, measureReplicas: n, wasmNodeCount: 1, wasmNodeCountMax: 1, appReplicas: 3, appCpuRequest: "100m" }));
        assert.deepEqual(at(10).problems, [], "260 + 400 + 1000 = 1660m");
        assert.equal(at(13).problems[0]?.key, "wasmNodeCount", "260 + 400 + 1300 = 1960m > 1900m");
    });

    it("refuses a pod larger than any node under its own key (appMemoryRequest), naming the pools' VM size keys, and not the node counts", () => {
        // D2s_v5 Wasm node: 8 GiB → 6044Mi allocatable; D4s_v5 system node: 12188Mi. Per-node agents come off both.
        const plan = capacityPlan(input({ appMemoryRequest: "64Gi", containerBaseline: true, loadTest: true, wasmNodeCount: 100, wasmNodeCountMax: 100 }));
        assert.deepEqual(plan.problems.map((p) => [p.key, p.value]), [["appMemoryRequest", "64Gi"]], "more nodes would not help: no node-count refusal");
        const wasm = plan.pools[1];
        const free = (p: typeof wasm) => (p.allocatable.memory! - p.groups.filter((g) => g.perNode).reduce((s, g) => s + g.memory, 0)) / Mi;
        // App-sized pods (the Spin app, the baseline, their twins) all run on the Wasm pool: only its size is named.
        assert.equal(
            plan.problems[0].accepted,
            `at most ${free(wasm)}Mi, so that one pod fits on a node: a wasm pool node (Standard_D2s_v5) has ${free(wasm)}Mi free after its per-node agents. ` +
                "Or a larger aks-wasm:wasmVmSize (now Standard_D2s_v5); more nodes do not help",
        );
        assert.equal(capacityPlan(input({ appMemoryRequest: "64Gi", containerBaseline: false })).problems[0].accepted, plan.problems[0].accepted);
        // A pod that fits, in a pool too small in total, is still the node count's problem.
        assert.deepEqual(capacityPlan(input({ appReplicas: 60, appCpuRequest: "100m", wasmNodeCount: 1, wasmNodeCountMax: 1 })).problems.map((p) => p.key), ["wasmNodeCount"]);
    });

    it("says it cannot check memory for a size it does not know", () => {
        const plan = capacityPlan(input({ wasmVmSize: "Standard_DS3_v2" }));
        assert.ok(plan.warnings.some((w) => /memory of Standard_DS3_v2 is unknown/.test(w)));
    });
});
