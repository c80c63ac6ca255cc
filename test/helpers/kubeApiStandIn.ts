/**
 * A STAND-IN for the Kubernetes API server (node:http on 127.0.0.1), implementing only the endpoints the
 * measurement program calls, so test/measure.scaler.test.ts can run the real program (its real client,
 * @kubernetes/client-node) end to end without a cluster. It is not Kubernetes: it plays a Deployment controller
 * and kubelets on a fixed script (twin pods get an IP, answer their health path, turn Ready, and go away on
 * scale-in after the delays given), and metrics-server from a load/idle script.
 *
 * Like the real server it: authorizes every request against the Role rules the stack grants (apps/measure
 * src/rbac.ts), answering 403 to anything else; requires a bearer token; refuses a PATCH that is not a merge patch
 * of the scale subresource; lists with a resourceVersion and streams watch events after it, one JSON object per
 * line, and ends each watch after `watchSeconds` (as `timeoutSeconds` does) so the program must list again.
 *
 * It FAILS ON PURPOSE when told to (issue 19): `transient: n` answers the first n calls of each kind of request
 * (get the twin, patch its scale, list pods, open a watch, list pod metrics) with, in turn, 503 (as an aggregated
 * API answers while its APIService is unavailable), 429 (priority and fairness) and a reset connection;
 * `metricsDown` answers every metrics list with 503; `failPatches` answers the given PATCH calls with
 * `failPatchStatus`.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { measureRoleRules, type MeasurePolicyRule } from "../../apps/measure/src/rbac";

export const NAMESPACE = "apps";
export const TWIN = "hello-wasm-twin";
export const TWIN_LABELS = { "app.kubernetes.io/component": "twin", "app.kubernetes.io/instance": "hello-twin", "app.kubernetes.io/name": "hello-wasm" };
export const SERVING_SELECTOR = "app.kubernetes.io/component=app,app.kubernetes.io/instance=hello";
export const LOADTEST_JOB = "hello-loadtest-wasm-1a2b3c4d";
export const LOADTEST_SELECTOR = `batch.kubernetes.io/job-name=${LOADTEST_JOB}`;
export const TOKEN = "stand-in-token";

const fixtures = join(__dirname, "..", "fixtures", "measure");
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, name), "utf8"));
const twinTemplate = (() => {
    const lines = readFileSync(join(fixtures, "twin-watch-scale-out.jsonl"), "utf8").trim().split("\n");
    return JSON.parse(lines[lines.length - 1]).object;
})();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StandInScript {
    /** ms after the scale request until a new twin pod has an IP / answers 2xx / is Ready. Infinity: never. */
    ipMs: number;
    startMs: number;
    readyMs: number;
    /** ms a deleted pod stays (terminating) before it is gone. */
    deleteMs: number;
    /** 1-based numbers of the PATCH calls to answer with `failPatchStatus` (a failure mid-run). */
    failPatches: number[];
    /** The status those PATCH calls get. @default 500 */
    failPatchStatus: number;
    /** The first `transient` calls of each kind fail transiently: 503, 429, a reset connection, in turn. */
    transient: number;
    /** Every metrics.k8s.io list answers 503 (metrics-server unavailable). */
    metricsDown: boolean;
    /** The load test: pending for `pendingMs` after the first look at its pod, then running for `runMs`. */
    loadPendingMs: number;
    loadRunMs: number;
    /** Seconds each watch stays open. */
    watchSeconds: number;
    /** Initial replicas of the twin (an earlier run that left it up). */
    initialReplicas: number;
}

export interface RequestRecord {
    method: string;
    path: string;
    verb: string;
    resource: string;
    name: string;
    status: number;
    contentType?: string;
    body?: string;
}

interface TwinPod {
    name: string;
    ip: string;
    createdMs: number;
    deletedMs?: number;
    object: Json;
}

export class KubeApiStandIn {
    readonly requests: RequestRecord[] = [];
    /** The twin's spec.replicas over time, one entry per PATCH accepted. */
    readonly replicaHistory: number[] = [];
    replicas: number;
    private readonly script: StandInScript;
    private readonly rules: MeasurePolicyRule[] = measureRoleRules([TWIN]);
    private server?: Server;
    private health: Server[] = [];
    private healthPort = 0;
    private rv = 50_000;
    private readonly events: { rv: number; type: string; object: Json }[] = [];
    private readonly watchers = new Set<(e: { rv: number; type: string; object: Json }) => void>();
    private pods = new Map<string, TwinPod>();
    private podCounter = 0;
    private timers = new Set<NodeJS.Timeout>();
    private loadFirstSeen?: number;
    /** Calls seen per kind of request (`verb resource`), for `transient`. */
    private readonly callsByKind = new Map<string, number>();
    /** Transient failures answered, by kind: 503, 429 or reset. */
    readonly transientAnswers: { kind: string; answer: "503" | "429" | "reset" }[] = [];

    constructor(script: Partial<StandInScript> = {}) {
        this.script = {
            ipMs: 40, startMs: 150, readyMs: 300, deleteMs: 200, failPatches: [], failPatchStatus: 500, transient: 0, metricsDown: false,
            loadPendingMs: 300, loadRunMs: 1500, watchSeconds: 1, initialReplicas: 0,
            ...script,
        };
        this.replicas = this.script.initialReplicas;
    }

    /** Starts the API and the pods' health endpoints (127.0.0.11-13 on one port); returns the API's URL. */
    async start(): Promise<string> {
        this.server = createServer((req, res) => this.handle(req, res));
        await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
        for (let i = 0; i < 3; i++) {
            const h = createServer((req, res) => this.healthAnswer(req, res));
            await new Promise<void>((ok) => h.listen(this.healthPort, `127.0.0.${11 + i}`, ok));
            this.healthPort = (h.address() as AddressInfo).port;
            this.health.push(h);
        }
        if (this.script.initialReplicas > 0) this.scaleTo(this.script.initialReplicas);
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    get podPort(): number {
        return this.healthPort;
    }

    /** Twin pods that still exist (terminating ones included). */
    get twinPods(): number {
        return this.pods.size;
    }

    /** Requests the Role would refuse (should be none). */
    get forbidden(): RequestRecord[] {
        return this.requests.filter((r) => r.status === 403);
    }

    async stop(): Promise<void> {
        for (const t of this.timers) clearTimeout(t);
        for (const s of [this.server, ...this.health]) {
            if (!s) continue;
            s.closeAllConnections();
            await new Promise<void>((ok) => s.close(() => ok()));
        }
    }

    // -- the API ----------------------------------------------------------------------------------------------

    private handle(req: IncomingMessage, res: ServerResponse): void {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://stand-in");
            const route = this.route(req.method ?? "GET", url);
            const record: RequestRecord = { method: req.method ?? "", path: url.pathname, verb: route.verb, resource: route.resource, name: route.name, status: 0, contentType: req.headers["content-type"], body };
            this.requests.push(record);
            const reply = (status: number, value: unknown) => {
                record.status = status;
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(value));
            };
            if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, status(401, "Unauthorized"));
            if (!route.known) return reply(404, status(404, `the stand-in does not serve ${req.method} ${url.pathname}`));
            if (!this.allowed(route)) {
                return reply(403, status(403, `forbidden: cannot ${route.verb} resource "${route.resource}" in API group "${route.group}" name "${route.name}"`));
            }
            const kind = `${route.verb} ${route.group ? `${route.group}/` : ""}${route.resource}`;
            const n = (this.callsByKind.get(kind) ?? 0) + 1;
            this.callsByKind.set(kind, n);
            if (n <= this.script.transient) {
                const answer = (["503", "429", "reset"] as const)[(n - 1) % 3];
                this.transientAnswers.push({ kind, answer });
                record.status = answer === "reset" ? -1 : Number(answer);
                if (answer === "reset") return void req.socket.destroy();
                if (answer === "429") {
                    res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
                    return void res.end(JSON.stringify(status(429, "Too many requests, please try again later. (stand-in failure)")));
                }
                return reply(503, status(503, "the server is currently unable to handle the request (stand-in failure)"));
            }
            if (this.script.metricsDown && route.group === "metrics.k8s.io") {
                // What the aggregator answers while the metrics APIService is unavailable.
                return reply(503, status(503, "the server is currently unable to handle the request (get pods.metrics.k8s.io) (stand-in failure)"));
            }
            try {
                route.serve(url, body, reply, req, res, record);
            } catch (err) {
                reply(500, status(500, String(err)));
            }
        });
    }

    private allowed(r: { verb: string; group: string; resource: string; name: string }): boolean {
        return this.rules.some(
            (rule) =>
                rule.apiGroups.includes(r.group) &&
                rule.resources.includes(r.resource) &&
                rule.verbs.includes(r.verb) &&
                (rule.resourceNames === undefined || (r.name !== "" && rule.resourceNames.includes(r.name))),
        );
    }

    private route(method: string, url: URL) {
        type Serve = (url: URL, body: string, reply: (s: number, v: unknown) => void, req: IncomingMessage, res: ServerResponse, rec: RequestRecord) => void;
        const p = url.pathname;
        const unknown = { known: false, verb: method.toLowerCase(), group: "?", resource: p, name: "", serve: (() => undefined) as Serve };
        let m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(p);
        if (m && m[1] === NAMESPACE) {
            const [, , name, scale] = m;
            if (scale && method === "PATCH") return { known: true, verb: "patch", group: "apps", resource: "deployments/scale", name, serve: this.patchScale.bind(this) as Serve };
            if (scale && method === "GET") return { known: true, verb: "get", group: "apps", resource: "deployments/scale", name, serve: ((_u, _b, reply) => reply(200, this.scaleObject())) as Serve };
            if (!scale && method === "GET") return { known: true, verb: "get", group: "apps", resource: "deployments", name, serve: this.getDeployment.bind(this) as Serve };
            return { ...unknown, verb: method.toLowerCase(), group: "apps", resource: scale ? "deployments/scale" : "deployments", name, known: true, serve: ((_u, _b, reply) => reply(405, status(405, "MethodNotAllowed"))) as Serve };
        }
        m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p);
        if (m && m[1] === NAMESPACE && method === "GET") {
            const watch = url.searchParams.get("watch") === "true";
            return { known: true, verb: watch ? "watch" : "list", group: "", resource: "pods", name: "", serve: (watch ? this.watchPods.bind(this) : this.listPods.bind(this)) as Serve };
        }
        m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(p);
        if (m && m[1] === NAMESPACE && method === "GET") {
            return { known: true, verb: "list", group: "metrics.k8s.io", resource: "pods", name: "", serve: this.podMetrics.bind(this) as Serve };
        }
        return unknown;
    }

    private getDeployment(_url: URL, _body: string, reply: (s: number, v: unknown) => void, _req: IncomingMessage, _res: ServerResponse, rec: RequestRecord): void {
        if (rec.name !== TWIN) return reply(404, status(404, `deployments.apps "${rec.name}" not found`));
        reply(200, {
            kind: "Deployment", apiVersion: "apps/v1",
            metadata: { name: TWIN, namespace: NAMESPACE, uid: "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a", resourceVersion: String(this.rv), generation: this.replicaHistory.length + 1, creationTimestamp: "2026-11-25T09:40:00Z", labels: TWIN_LABELS },
            spec: { replicas: this.replicas, selector: { matchLabels: TWIN_LABELS }, template: { metadata: { labels: TWIN_LABELS }, spec: twinTemplate.spec }, strategy: { type: "RollingUpdate" } },
            status: { replicas: this.pods.size, observedGeneration: this.replicaHistory.length + 1 },
        });
    }

    private patchScale(_url: URL, body: string, reply: (s: number, v: unknown) => void, _req: IncomingMessage, _res: ServerResponse, rec: RequestRecord): void {
        const n = this.requests.filter((r) => r.verb === "patch").length;
        if (rec.contentType !== "application/merge-patch+json") return reply(415, status(415, `the stand-in takes only merge patches, got ${rec.contentType}`));
        const patch = JSON.parse(body);
        const replicas = patch?.spec?.replicas;
        if (!Number.isInteger(replicas) || replicas < 0 || Object.keys(patch).join() !== "spec" || Object.keys(patch.spec).join() !== "replicas") {
            return reply(422, status(422, `unexpected patch ${body}`));
        }
        if (this.script.failPatches.includes(n)) {
            const code = this.script.failPatchStatus;
            return reply(code, status(code, code === 500 ? "etcdserver: request timed out (stand-in failure)" : `stand-in failure ${code}`));
        }
        this.scaleTo(replicas);
        reply(200, this.scaleObject());
    }

    private scaleObject(): Json {
        return {
            kind: "Scale", apiVersion: "autoscaling/v1",
            metadata: { name: TWIN, namespace: NAMESPACE, resourceVersion: String(this.rv), creationTimestamp: "2026-11-25T09:40:00Z" },
            spec: { replicas: this.replicas },
            status: { replicas: this.pods.size, selector: Object.entries(TWIN_LABELS).map(([k, v]) => `${k}=${v}`).join(",") },
        };
    }

    private listPods(url: URL, _body: string, reply: (s: number, v: unknown) => void): void {
        const raw = url.searchParams.get("labelSelector") ?? "";
        const selector = parseSelector(raw);
        // The load test's script starts when the program first looks for its pod.
        const items = this.allPods(raw === LOADTEST_SELECTOR).filter((p) => matches(p.metadata.labels, selector));
        reply(200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) }, items });
    }

    private watchPods(url: URL, _body: string, _reply: unknown, _req: IncomingMessage, res: ServerResponse, rec: RequestRecord): void {
        rec.status = 200;
        const selector = parseSelector(url.searchParams.get("labelSelector") ?? "");
        const from = Number(url.searchParams.get("resourceVersion") ?? this.rv);
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.flushHeaders(); // the API server answers a watch at once, before the first event
        const send = (e: { rv: number; type: string; object: Json }) => {
            if (e.rv > from && matches(e.object.metadata.labels, selector)) res.write(JSON.stringify({ type: e.type, object: e.object }) + "\n");
        };
        for (const e of this.events) send(e);
        this.watchers.add(send);
        const end = this.later(() => res.end(), this.script.watchSeconds * 1000);
        // `res` closes when the client goes or the stream ends (`req` closes as soon as its body is read).
        res.on("close", () => {
            this.watchers.delete(send);
            clearTimeout(end);
        });
    }

    private podMetrics(_url: URL, _body: string, reply: (s: number, v: unknown) => void): void {
        // A point per serving pod whose window ends 50 ms ago and lasts 300 ms; while that window lies in the load
        // test's run the pod is busy (150m, 20Mi), when it lies wholly outside it idles (2m, 12Mi), otherwise in between.
        const now = Date.now();
        const end = now - 50;
        const start = end - 300;
        const load = this.loadWindow();
        const inLoad = load !== undefined && start >= load.start && end <= load.end;
        const outside = load === undefined || end < load.start || start > load.end;
        const usage = inLoad ? { cpu: "150m", memory: "20Mi" } : outside ? { cpu: "2m", memory: "12Mi" } : { cpu: "80m", memory: "16Mi" };
        const serving = (fixture("serving-pods.json").items as Json[]).filter((p) => !p.metadata.deletionTimestamp);
        reply(200, {
            kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {},
            items: serving.map((p) => ({
                metadata: { name: p.metadata.name, namespace: NAMESPACE, creationTimestamp: new Date(now).toISOString(), labels: p.metadata.labels },
                timestamp: new Date(end).toISOString(),
                window: "0.3s",
                containers: [{ name: "app", usage }],
            })),
        });
    }

    private loadWindow(): { start: number; end: number } | undefined {
        if (this.loadFirstSeen === undefined) return undefined;
        const start = this.loadFirstSeen + this.script.loadPendingMs;
        return { start, end: start + this.script.loadRunMs };
    }

    private allPods(lookingForLoadTest: boolean): Json[] {
        const serving = fixture("serving-pods.json").items as Json[];
        if (lookingForLoadTest) this.loadFirstSeen ??= Date.now();
        const loadtest = this.loadFirstSeen === undefined ? [] : this.loadTestPods();
        return [...serving, ...loadtest, ...[...this.pods.values()].map((p) => p.object)];
    }

    private loadTestPods(): Json[] {
        const w = this.loadWindow()!;
        const now = Date.now();
        const pod = fixture("loadtest-pod-running.json").items[0] as Json;
        const c = pod.status.containerStatuses[0];
        if (now < w.start) {
            pod.status.phase = "Pending";
            c.state = { waiting: { reason: "ContainerCreating" } };
            c.ready = false;
        } else if (now < w.end) {
            c.state = { running: { startedAt: new Date(w.start).toISOString() } };
        } else {
            pod.status.phase = "Succeeded";
            c.state = { terminated: { exitCode: 0, reason: "Completed", startedAt: new Date(w.start).toISOString(), finishedAt: new Date(w.end).toISOString() } };
            c.ready = false;
        }
        return [pod];
    }

    // -- the Deployment controller and kubelets, on a script --------------------------------------------------

    private scaleTo(replicas: number): void {
        this.replicas = replicas;
        this.replicaHistory.push(replicas);
        const live = [...this.pods.values()].filter((p) => p.deletedMs === undefined);
        for (let i = live.length; i < replicas; i++) this.createPod();
        for (const pod of live.slice(replicas)) this.deletePod(pod);
    }

    private createPod(): void {
        const index = this.podCounter++;
        const name = `${TWIN}-6f7c9d8b4-${String(index).padStart(5, "0")}`;
        const used = new Set([...this.pods.values()].map((p) => p.ip));
        const ip = ["127.0.0.11", "127.0.0.12", "127.0.0.13"].find((a) => !used.has(a)) ?? "127.0.0.99";
        const created = Date.now();
        const object = structuredClone(twinTemplate);
        object.metadata.name = name;
        object.metadata.uid = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
        object.metadata.creationTimestamp = new Date(created).toISOString();
        object.metadata.labels = { ...TWIN_LABELS, "pod-template-hash": "6f7c9d8b4" };
        object.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date(created).toISOString() }], qosClass: "Burstable" };
        const pod: TwinPod = { name, ip, createdMs: created, object };
        this.pods.set(name, pod);
        this.emit("ADDED", object);
        const step = (ms: number, change: () => void) => {
            if (Number.isFinite(ms)) this.later(() => this.pods.get(name) === pod && pod.deletedMs === undefined && (change(), this.emit("MODIFIED", pod.object)), ms);
        };
        step(this.script.ipMs, () => Object.assign(pod.object.status, { podIP: ip, podIPs: [{ ip }], hostIP: "10.224.0.5" }));
        step(this.script.readyMs, () => {
            pod.object.status.phase = "Running";
            pod.object.status.conditions = [
                { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: new Date().toISOString() },
                { type: "ContainersReady", status: "True", lastProbeTime: null, lastTransitionTime: new Date().toISOString() },
                { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date(created).toISOString() },
            ];
        });
    }

    private deletePod(pod: TwinPod): void {
        pod.deletedMs = Date.now();
        pod.object.metadata.deletionTimestamp = new Date().toISOString();
        pod.object.metadata.deletionGracePeriodSeconds = 30;
        this.emit("MODIFIED", pod.object);
        this.later(() => {
            this.pods.delete(pod.name);
            this.emit("DELETED", pod.object);
        }, this.script.deleteMs);
    }

    private emit(type: string, object: Json): void {
        this.rv++;
        object.metadata.resourceVersion = String(this.rv);
        const e = { rv: this.rv, type, object: structuredClone(object) };
        this.events.push(e);
        for (const w of this.watchers) w(e);
    }

    private healthAnswer(req: IncomingMessage, res: ServerResponse): void {
        const ip = req.socket.localAddress?.replace(/^::ffff:/, "");
        const pod = [...this.pods.values()].find((p) => p.ip === ip && p.deletedMs === undefined);
        const up = pod !== undefined && req.url === "/healthz" && Date.now() - pod.createdMs >= this.script.startMs;
        res.writeHead(up ? 200 : 503);
        res.end(up ? "ok" : "starting");
    }

    private later(f: () => void, ms: number): NodeJS.Timeout {
        const t = setTimeout(() => {
            this.timers.delete(t);
            f();
        }, ms);
        this.timers.add(t);
        return t;
    }
}

function status(code: number, message: string): Json {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code };
}

function parseSelector(s: string): [string, string][] {
    return s === "" ? [] : s.split(",").map((part) => part.split("=") as [string, string]);
}

function matches(labels: Record<string, string> | undefined, selector: [string, string][]): boolean {
    return selector.every(([k, v]) => labels?.[k] === v);
}

/**
 * A kubeconfig (JSON is YAML) pointing at the stand-in with its bearer token. The stand-in speaks plain HTTP, which
 * client-node 2 refuses unless the cluster says `insecure-skip-tls-verify` (config.js createDispatcherOptions);
 * in the cluster the program uses the ServiceAccount's CA over HTTPS (loadFromCluster).
 */
export function standInKubeconfig(server: string): string {
    return JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": "stand-in",
        clusters: [{ name: "stand-in", cluster: { server, "insecure-skip-tls-verify": true } }],
        users: [{ name: "measure", user: { token: TOKEN } }],
        contexts: [{ name: "stand-in", context: { cluster: "stand-in", user: "measure", namespace: NAMESPACE } }],
    });
}
