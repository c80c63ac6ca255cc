/**
 * Placement for a fair comparison (issue 19 item 5), read off the rendered dev stack (`npm run render`'s path, the
 * cloud as the SDK's mocks): the container baseline and the Spin app select the same pool, each load generator can
 * never share a node with its target, and the capacity plan counts every pod on the pool it can land on.
 *
 * Where a pod can land is worked out here from the rendered objects with the scheduler's rules for node selectors,
 * taints and tolerations and RuntimeClass scheduling (platform-contracts SCHED-1, SCHED-5), over the two pools as the
 * stack creates them: the system pool (AKS labels its nodes `kubernetes.azure.com/mode: system`, SCHED-6; the
 * stack sets no taint) and the Wasm AgentPool (its `nodeLabels` and `nodeTaints`).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { parseStackConfig } from "../config";
import { capacityPlan } from "../lib/azure/capacityPlan";
import { readStackConfig } from "../lib/offline/offline";

const exec = promisify(execFile);
const root = join(__dirname, "..");

type Labels = Record<string, string>;
interface Taint {
    key: string;
    value?: string;
    effect: string;
}
interface Toleration {
    key?: string;
    operator?: "Equal" | "Exists";
    value?: string;
    effect?: string;
}
interface Pool {
    name: "system" | "wasm";
    labels: Labels;
    taints: Taint[];
}
interface Rendered {
    resources: { type: string; name: string; inputs: any; manifest?: string }[];
    manifests: any[];
}

/** `nodeSelector`: the node must carry every pair (SCHED-1). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
    return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** One toleration against one taint: empty effect matches every effect; `Exists` with no key matches every taint (SCHED-1). */
export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
    return (tolerations ?? []).some((t) => {
        if (t.effect && t.effect !== taint.effect) return false;
        if (t.operator === "Exists") return !t.key || t.key === taint.key;
        return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    });
}

/** The pod spec after RuntimeClass admission: the class's node selector merged in, its tolerations added (SCHED-5). */
function admitted(spec: any, runtimeClasses: any[]): any {
    if (!spec.runtimeClassName) return spec;
    const rc = runtimeClasses.find((r) => r.metadata.name === spec.runtimeClassName);
    assert.ok(rc, `RuntimeClass ${spec.runtimeClassName} is rendered`);
    return {
        ...spec,
        nodeSelector: { ...spec.nodeSelector, ...rc.scheduling?.nodeSelector },
        tolerations: [...(spec.tolerations ?? []), ...(rc.scheduling?.tolerations ?? [])],
    };
}

/** The pools a pod can be scheduled on: selected by its node selector, every NoSchedule/NoExecute taint tolerated. */
export function poolsFor(spec: any, pools: Pool[]): Pool["name"][] {
    return pools
        .filter((p) => selects(spec.nodeSelector, p.labels))
        .filter((p) => p.taints.filter((t) => t.effect !== "PreferNoSchedule").every((t) => tolerates(spec.tolerations, t)))
        .map((p) => p.name);
}

function parseTaint(s: string): Taint {
    const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(s);
    assert.ok(m, `taint ${s}`);
    return { key: m[1], value: m[2], effect: m[3] };
}

let r: Rendered;
let pools: Pool[];
let runtimeClasses: any[];

async function render(stack: string): Promise<Rendered> {
    const dir = mkdtempSync(join(tmpdir(), "aks-wasm-placement-"));
    await exec(process.execPath, ["--import", "tsx", join(root, "scripts", "render.ts"), dir, "--stack", stack], { cwd: root });
    const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8"));
    const manifests = plan.resources.filter((x: { manifest?: string }) => x.manifest).map((x: { manifest: string }) => parse(readFileSync(join(dir, x.manifest), "utf8")));
    return { resources: plan.resources, manifests };
}

const kind = (k: string) => r.manifests.filter((m) => m.kind === k);
const named = (k: string, name: string) => {
    const found = kind(k).filter((m) => m.metadata.name === name);
    assert.equal(found.length, 1, `one ${k} ${name}`);
    return found[0];
};
const podSpec = (m: any) => m.spec.template.spec;
const where = (m: any) => poolsFor(admitted(podSpec(m), runtimeClasses), pools);

before(async () => {
    r = await render("dev");
    const cluster = r.resources.find((x) => x.type === "azure-native:containerservice:ManagedCluster")!.inputs;
    const wasmPool = r.resources.find((x) => x.type === "azure-native:containerservice:AgentPool")!.inputs;
    const system = cluster.agentPoolProfiles.find((p: any) => p.mode === "System");
    assert.equal(wasmPool.mode, "User", "the Wasm pool is a User pool: AKS gives its nodes no `mode: system` label (SCHED-6)");
    runtimeClasses = kind("RuntimeClass");
    // Once the shim is installed, each Wasm node also carries `<handler>=provisioned` (RCM-2; the project's installer
    // sets the same): the label the Spin RuntimeClass selects on top of the pool's.
    const handler = runtimeClasses.find((rc) => rc.metadata.name === "wasmtime-spin-v2").handler;
    pools = [
        { name: "system", labels: { "kubernetes.azure.com/mode": "system", ...system.nodeLabels }, taints: (system.nodeTaints ?? []).map(parseTaint) },
        { name: "wasm", labels: { ...wasmPool.nodeLabels, [handler]: "provisioned" }, taints: wasmPool.nodeTaints.map(parseTaint) },
    ];
});

describe("the scheduling rules this test applies (SCHED-1, SCHED-5)", () => {
    const wasmTaint = { key: "aks-wasm/pool", value: "wasm", effect: "NoSchedule" };
    it("a taint keeps off every pod that does not tolerate it, whatever its node selector", () => {
        assert.equal(tolerates([], wasmTaint), false);
        assert.equal(tolerates([{ key: "aks-wasm/pool", operator: "Equal", value: "other", effect: "NoSchedule" }], wasmTaint), false);
        assert.equal(tolerates([{ key: "aks-wasm/pool", operator: "Equal", value: "wasm", effect: "NoExecute" }], wasmTaint), false);
        assert.equal(tolerates([{ key: "aks-wasm/pool", operator: "Equal", value: "wasm" }], wasmTaint), true, "no effect: every effect");
        assert.equal(tolerates([{ operator: "Exists" }], wasmTaint), true, "Exists without a key tolerates everything");
        assert.deepEqual(poolsFor({ nodeSelector: {}, tolerations: [] }, pools), ["system"], "an unplaced pod cannot reach the Wasm pool");
        assert.deepEqual(poolsFor({ nodeSelector: { "aks-wasm/pool": "wasm" } }, pools), [], "selected but not tolerated: nowhere");
    });
});

describe("fair comparison in the rendered dev stack", () => {
    it("the container baseline and the Spin app select the same pool, the baseline under runc (no RuntimeClass)", () => {
        const spin = podSpec(named("Deployment", "hello-wasm"));
        const baseline = podSpec(named("Deployment", "hello-wasm-container"));
        assert.deepEqual(baseline.nodeSelector, spin.nodeSelector);
        assert.deepEqual(baseline.tolerations, spin.tolerations);
        assert.equal(baseline.runtimeClassName, undefined);
        assert.equal(spin.runtimeClassName, "wasmtime-spin-v2");
        assert.deepEqual(where(named("Deployment", "hello-wasm")), ["wasm"]);
        assert.deepEqual(where(named("Deployment", "hello-wasm-container")), ["wasm"]);
        // Same VM size: one pool.
        assert.equal(pools.length, 2);
    });

    it("each measurement twin runs where its serving Deployment runs", () => {
        for (const [twin, serving] of [["hello-wasm-twin", "hello-wasm"], ["hello-wasm-container-twin", "hello-wasm-container"]]) {
            const t = podSpec(named("Deployment", twin));
            const s = podSpec(named("Deployment", serving));
            assert.deepEqual([t.nodeSelector, t.tolerations, t.runtimeClassName], [s.nodeSelector, s.tolerations, s.runtimeClassName], twin);
        }
    });

    it("each load generator can never share a node with its target: other pool, and a required anti-affinity to exactly the pods its Service routes to", () => {
        const jobs = kind("Job").filter((j) => j.metadata.labels["aks-wasm/loadtest-target"]);
        assert.deepEqual(jobs.map((j) => j.metadata.labels["aks-wasm/loadtest-target"]).sort(), ["container", "wasm"]);
        for (const job of jobs) {
            const spec = podSpec(job);
            const url = spec.containers[0].args.find((a: string) => a.startsWith("--url="));
            const [, serviceName, namespace] = /^--url=http:\/\/([^.]+)\.([^.]+)\.svc\.cluster\.local/.exec(url)!;
            const service = named("Service", serviceName);
            const target = named("Deployment", serviceName);
            assert.equal(job.metadata.namespace, namespace, "the Job runs in its target's namespace");
            assert.ok(selects(service.spec.selector, target.spec.template.metadata.labels), "the Service routes to the target Deployment's pods");

            // 1. The pools are disjoint: the generator lands only on the system pool, its target only on the Wasm pool.
            assert.deepEqual(where(job), ["system"], job.metadata.name);
            assert.ok(!where(job).some((p) => where(target).includes(p)), `${job.metadata.name} and ${serviceName} share no pool`);

            // 2. Independently of pools: required (not preferred) anti-affinity per node to the Service's pods, in the
            // Job's own namespace (no namespaces, no namespaceSelector: SCHED-2).
            const terms = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
            assert.equal(terms?.length, 1, job.metadata.name);
            assert.deepEqual(terms[0], { labelSelector: { matchLabels: service.spec.selector }, topologyKey: "kubernetes.io/hostname" });
            assert.equal(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution, undefined);
        }
    });

    it("the capacity plan counts every pod group on the pool its pods can land on", () => {
        const plan = capacityPlan(parseStackConfig(readStackConfig(root, "dev")));
        const poolOf = (group: RegExp) => {
            const found = plan.pools.filter((p) => p.groups.some((g) => group.test(g.name)));
            assert.equal(found.length, 1, `${group} is counted on exactly one pool`);
            return found[0].pool;
        };
        const measureJob = (target: string) => kind("Job").find((j) => j.metadata.labels["aks-wasm/measure-target"] === target);
        const loadTestJob = (target: string) => kind("Job").find((j) => j.metadata.labels["aks-wasm/loadtest-target"] === target);
        const counted: [RegExp, any][] = [
            [/^Spin apps/, named("Deployment", "hello-wasm")],
            [/^container baseline$/, named("Deployment", "hello-wasm-container")],
            [/^container baseline rollout surge$/, named("Deployment", "hello-wasm-container")],
            [/^Wasm twins/, named("Deployment", "hello-wasm-twin")],
            [/^container baseline twin/, named("Deployment", "hello-wasm-container-twin")],
            [/^load-test Job$/, loadTestJob("wasm")],
            [/^load-test Job$/, loadTestJob("container")],
            [/^measurement Jobs/, measureJob("wasm")],
            [/^measurement Jobs/, measureJob("container")],
        ];
        for (const [group, manifest] of counted) {
            assert.ok(manifest, `${group} has a rendered object`);
            assert.deepEqual(where(manifest), [poolOf(group)], `${manifest.metadata.name} is counted under ${group} on the ${poolOf(group)} pool`);
        }
        assert.deepEqual(plan.problems, [], "dev fits");
    });
});
