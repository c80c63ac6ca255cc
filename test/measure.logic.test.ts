/**
 * The measurement logic (apps/measure/src/logic.ts) on Kubernetes API responses kept under test/fixtures/measure/:
 * a watch stream of a twin scaling 0 → 3 → 0, the serving pods, the load-test Job's pod running and finished, and
 * metrics.k8s.io PodMetrics lists as metrics-server v0.8 serializes them (quantities such as "152345678n", "3m",
 * "12345Ki", "12Mi", a plain byte count; windows such as "15.012s" and "1m0.5s"). There is no cluster here: the
 * fixtures are written to the API's JSON shape (Pods are checked against the upstream OpenAPI schema below).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
    PodSet,
    footprintOf,
    loadTestProgress,
    metricPoints,
    parseGoDuration,
    podReady,
    podTerminating,
    pointsWithin,
    type Pod,
    type PodList,
    type PodMetricsList,
    type WatchEvent,
} from "../apps/measure/src/logic";
import { loadKubernetesSchemas, validateKubernetesObject } from "../lib/kubernetes/kubernetesSchema";

const dir = join(__dirname, "fixtures", "measure");
const json = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), "utf8")) as T;
const stream = (name: string): WatchEvent[] =>
    readFileSync(join(dir, name), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as WatchEvent);

const scaleOut = stream("twin-watch-scale-out.jsonl");
const scaleIn = stream("twin-watch-scale-in.jsonl");
const serving = json<PodList>("serving-pods.json");
const at = (iso: string) => Date.parse(iso);

describe("measurement fixtures", () => {
    before(async () => {
        await loadKubernetesSchemas();
    });

    it("hold Pods valid against the upstream v1 Pod schema", () => {
        const pods: Pod[] = [
            ...[...scaleOut, ...scaleIn].filter((e) => e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED").map((e) => e.object as Pod),
            ...serving.items,
            ...json<PodList>("loadtest-pod-running.json").items,
            ...json<PodList>("loadtest-pod-succeeded.json").items,
        ];
        assert.ok(pods.length >= 25);
        for (const pod of pods) assert.deepEqual(validateKubernetesObject({ apiVersion: "v1", kind: "Pod", ...pod }), [], pod.metadata?.name);
    });
});

describe("PodSet on a recorded watch stream", () => {
    it("counts a twin pod Ready only when its Ready condition is True, and reaches N on the last event", () => {
        const set = new PodSet();
        set.reset(json<PodList>("twin-pods-empty.json"));
        const readyAfter = scaleOut.map((e) => {
            assert.equal(set.apply(e), true);
            return set.readyCount();
        });
        assert.deepEqual(readyAfter, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert.equal(set.size, 3);
    });

    it("offers a pod for health requests once it has an IP, not before", () => {
        const set = new PodSet();
        const reachable = scaleOut.map((e) => {
            set.apply(e);
            return set.reachable().length;
        });
        // ADDED ×3 and scheduled ×3 have no podIP; ContainerCreating carries the IP already.
        assert.deepEqual(reachable.slice(0, 9), [0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert.deepEqual(set.reachable().map((p) => p.ip), ["10.244.1.17", "10.244.1.18", "10.244.2.9"]);
    });

    it("drops terminating pods from Ready at once and from the set on DELETED; a BOOKMARK changes nothing; ERROR asks for a new list", () => {
        const set = new PodSet();
        for (const e of scaleOut) set.apply(e);
        const trace = scaleIn.map((e) => ({ type: e.type, ok: set.apply(e), size: set.size, ready: set.readyCount(), reachable: set.reachable().length }));
        assert.deepEqual(trace, [
            { type: "BOOKMARK", ok: true, size: 3, ready: 3, reachable: 3 },
            { type: "MODIFIED", ok: true, size: 3, ready: 2, reachable: 2 },
            { type: "MODIFIED", ok: true, size: 3, ready: 1, reachable: 1 },
            { type: "MODIFIED", ok: true, size: 3, ready: 0, reachable: 0 },
            { type: "DELETED", ok: true, size: 2, ready: 0, reachable: 0 },
            { type: "DELETED", ok: true, size: 1, ready: 0, reachable: 0 },
            { type: "DELETED", ok: true, size: 0, ready: 0, reachable: 0 },
            { type: "ERROR", ok: false, size: 0, ready: 0, reachable: 0 },
        ]);
    });

    it("reads Ready and terminating from the pod itself", () => {
        const last = scaleOut.at(-1)!.object as Pod;
        assert.equal(podReady(last), true);
        assert.equal(podTerminating(last), false);
        assert.equal(podTerminating(scaleIn[1].object as Pod), true);
        assert.equal(podReady(scaleOut[9].object as Pod), false, "Running but not yet Ready");
    });
});

describe("loadTestProgress", () => {
    it("is absent before the Job's pod exists", () => {
        assert.deepEqual(loadTestProgress({ items: [] }), { state: "absent" });
    });

    it("reads a running pod's container start", () => {
        assert.deepEqual(loadTestProgress(json("loadtest-pod-running.json")), {
            state: "running",
            pod: "hello-loadtest-wasm-1a2b3c4d-8xq2w",
            startedAtMs: at("2026-11-25T09:59:01Z"),
        });
    });

    it("reads a finished pod's load period from its terminated state", () => {
        assert.deepEqual(loadTestProgress(json("loadtest-pod-succeeded.json")), {
            state: "finished",
            pod: "hello-loadtest-wasm-1a2b3c4d-8xq2w",
            phase: "Succeeded",
            startedAtMs: at("2026-11-25T09:59:01Z"),
            finishedAtMs: at("2026-11-25T09:59:32Z"),
        });
    });

    it("follows the newest pod of the Job (an older one lost to a drain stays in the list)", () => {
        const old = structuredClone(json<PodList>("loadtest-pod-succeeded.json").items[0]);
        old.metadata!.name = "hello-loadtest-wasm-1a2b3c4d-old00";
        old.metadata!.creationTimestamp = "2026-11-25T09:50:00Z";
        old.status!.phase = "Failed";
        const list = { items: [old, ...json<PodList>("loadtest-pod-running.json").items] };
        assert.equal(loadTestProgress(list).state, "running");
    });

    it("does not take a pod lost to a disruption for the load's end: pending until its replacement runs (issue 19)", () => {
        const disrupted = structuredClone(json<PodList>("loadtest-pod-succeeded.json").items[0]);
        disrupted.metadata!.name = "hello-loadtest-wasm-1a2b3c4d-drain";
        disrupted.status!.phase = "Failed";
        disrupted.status!.conditions = [{ type: "DisruptionTarget", status: "True", lastTransitionTime: "2026-11-25T09:59:20Z" }];
        // Alone (the Job controller has not yet made its replacement): not finished, so no "load over at once".
        assert.deepEqual(loadTestProgress({ items: [disrupted] }), { state: "pending", pod: "hello-loadtest-wasm-1a2b3c4d-drain" });
        // Even when it is the newest pod of the Job, the replacement (running) is the final pod.
        disrupted.metadata!.creationTimestamp = "2026-11-25T10:30:00Z";
        const list = { items: [disrupted, ...json<PodList>("loadtest-pod-running.json").items] };
        assert.deepEqual(loadTestProgress(list), { state: "running", pod: "hello-loadtest-wasm-1a2b3c4d-8xq2w", startedAtMs: at("2026-11-25T09:59:01Z") });
    });

    it("reads a pod that failed on its own (a breach, not a disruption) as finished: that is the verdict", () => {
        const failed = structuredClone(json<PodList>("loadtest-pod-succeeded.json").items[0]);
        failed.status!.phase = "Failed";
        assert.equal(loadTestProgress({ items: [failed] }).state, "finished");
    });

    it("prefers, of two pods created in the same second, the one not yet finished (the Job's replacement)", () => {
        const done = structuredClone(json<PodList>("loadtest-pod-succeeded.json").items[0]);
        const running = structuredClone(json<PodList>("loadtest-pod-running.json").items[0]);
        running.metadata!.name = "hello-loadtest-wasm-1a2b3c4d-again";
        running.metadata!.creationTimestamp = done.metadata!.creationTimestamp;
        assert.equal(loadTestProgress({ items: [done, running] }).state, "running");
        assert.equal(loadTestProgress({ items: [running, done] }).state, "running");
    });

    it("is pending while the container has not started", () => {
        const pod = structuredClone(json<PodList>("loadtest-pod-running.json").items[0]);
        pod.status = { phase: "Pending", containerStatuses: [{ name: "loadtest", state: { waiting: { reason: "ContainerCreating" } } }] };
        assert.deepEqual(loadTestProgress({ items: [pod] }), { state: "pending", pod: pod.metadata!.name });
    });
});

describe("PodMetrics", () => {
    const names = new Set(serving.items.filter((p) => !podTerminating(p)).map((p) => p.metadata!.name!));

    it("parses metav1.Duration windows as Go prints them", () => {
        assert.equal(parseGoDuration("15.012s"), 15_012);
        assert.equal(parseGoDuration("1m0.5s"), 60_500);
        assert.equal(parseGoDuration("900ms"), 900);
        assert.equal(parseGoDuration("1h2m3s"), 3_723_000);
        assert.equal(parseGoDuration("0"), 0);
        for (const bad of ["", "15", "s", "15.0.1s", "15 s", "-1s"]) assert.equal(parseGoDuration(bad), undefined, bad);
    });

    it("takes only the serving Deployment's running pods, with quantities parsed in base units", () => {
        const points = metricPoints(json<PodMetricsList>("podmetrics-under-load.json"), names);
        assert.deepEqual(points.map((p) => p.pod), ["hello-wasm-5d8f7b6c9-4hv8r", "hello-wasm-5d8f7b6c9-k2m7x"]);
        assert.ok(Math.abs(points[0].cpuCores - 0.152345678) < 1e-12);
        assert.equal(points[0].memoryBytes, 12345 * 1024);
        assert.equal(points[1].cpuCores, 0.148);
        assert.equal(points[1].memoryBytes, 12 * 2 ** 20);
        assert.equal(points[0].windowMs, 15_012);
        assert.equal(points[0].endMs, at("2026-11-25T09:59:17Z"));
    });

    it("skips an entry whose quantity does not parse rather than guessing", () => {
        const list = json<PodMetricsList>("podmetrics-idle.json");
        list.items[0].containers[0].usage.memory = "12 MiB";
        assert.deepEqual(metricPoints(list, names).map((p) => p.pod), ["hello-wasm-5d8f7b6c9-k2m7x"]);
    });

    it("counts under load only windows that lie wholly inside the load test's run", () => {
        const loadStart = at("2026-11-25T09:59:01Z");
        const loadEnd = at("2026-11-25T09:59:32Z");
        const straddling = metricPoints(json<PodMetricsList>("podmetrics-load-start.json"), names);
        const inside = metricPoints(json<PodMetricsList>("podmetrics-under-load.json"), names);
        assert.deepEqual(pointsWithin(straddling, loadStart, loadEnd), []);
        assert.equal(pointsWithin(inside, loadStart, loadEnd).length, 2);
        const underLoad = footprintOf([straddling, inside].map((s) => pointsWithin(s, loadStart, loadEnd)));
        assert.deepEqual(underLoad, { pods: 2, samples: 1, cpuMillicores: 150.2, memoryMiB: 12, maxMemoryMiB: 12.1, noSampleReason: null });
    });

    it("counts as idle only windows that began after the load ended (a 60 s window still holding load is left out)", () => {
        const idleFrom = at("2026-11-25T09:59:32Z") + 1000;
        const idle = pointsWithin(metricPoints(json<PodMetricsList>("podmetrics-idle.json"), names), idleFrom);
        assert.deepEqual(idle.map((p) => p.pod), ["hello-wasm-5d8f7b6c9-4hv8r"]);
        assert.deepEqual(footprintOf([idle]), { pods: 1, samples: 1, cpuMillicores: 3, memoryMiB: 12.5, maxMemoryMiB: 12.5, noSampleReason: null });
    });

    it("counts the same scrape seen in two lists once", () => {
        const inside = metricPoints(json<PodMetricsList>("podmetrics-under-load.json"), names);
        assert.deepEqual(footprintOf([inside, inside]), footprintOf([inside]));
        assert.equal(footprintOf([inside, inside]).samples, 1);
    });

    it("is empty, with nulls, when nothing was sampled", () => {
        assert.deepEqual(footprintOf([]), { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "no metrics window fitted" });
        // The caller says why nothing was sampled; the reason is kept only then.
        assert.deepEqual(footprintOf([[], []], "the metrics API did not answer"), { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "the metrics API did not answer" });
    });
});
