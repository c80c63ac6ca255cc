/**
 * ContainerBaseline: the same handler as the Wasm app in an ordinary container, placed and sized like the Wasm app
 * so a load test compares runtimes only. The component runs under Pulumi's mocks; the server runs for real on
 * 127.0.0.1, in-process and as the bundled entry point the image runs (Node here, no Docker daemon on this
 * machine); the Dockerfile is checked against the files it copies.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { installOfflineMocks, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

const ROOT = path.resolve(__dirname, "..");
const APP_DIR = path.join(ROOT, "apps", "hello-wasm-container");
const IMAGE = `mockacr.azurecr.io/hello-wasm-container@sha256:${"ef".repeat(32)}`;
const RESOURCES = { cpuRequest: "100m", cpuLimit: "750m", memoryRequest: "96Mi", memoryLimit: "192Mi" };

let run: OfflineRun;
let mod: typeof import("../components/app/containerBaseline");
let workload: typeof import("../lib/kubernetes/workloadDefaults");
let schema: typeof import("../lib/kubernetes/kubernetesSchema");
let baseline: InstanceType<typeof import("../components/app/containerBaseline").ContainerBaseline>;

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    const k8s = await import("@pulumi/kubernetes");
    mod = await import("../components/app/containerBaseline.js");
    workload = await import("../lib/kubernetes/workloadDefaults.js");
    schema = await import("../lib/kubernetes/kubernetesSchema.js");
    await schema.loadKubernetesSchemas();
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    const { wasmPlacement } = await import("../components/platform/wasmNodePool.js");
    // As SpinApp places it: on the Wasm app's pool (platform-contracts SCHED-1).
    baseline = new mod.ContainerBaseline("base", { provider, image: IMAGE, namespace: "hello", replicas: 2, resources: RESOURCES, ...mod.baselinePlacement(wasmPlacement()) });
    await settle();
});

describe("ContainerBaseline Deployment", () => {
    const deployment = () => find("kubernetes:apps/v1:Deployment", "base-deployment").inputs;
    const pod = () => deployment().spec.template.spec;
    const container = () => pod().containers[0];

    it("runs on the Wasm app's pool as an ordinary container: the pool's selector and toleration, no runtime class (runc)", () => {
        assert.equal(pod().runtimeClassName, undefined);
        assert.deepEqual(pod().nodeSelector, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(pod().tolerations, [{ key: "aks-wasm/pool", operator: "Equal", value: "wasm", effect: "NoSchedule" }]);
        assert.equal(container().command, undefined, "the image's own entrypoint (node server.mjs), not the shim's '/'");
    });

    it("takes the pool's placement without the RuntimeClass, and copies it (the platform's object stays as it was)", () => {
        const pool = { runtimeClassName: "wasmtime-spin-v2", nodeSelector: { pool: "w" }, tolerations: [{ key: "pool", operator: "Equal" as const, value: "w", effect: "NoSchedule" as const }] };
        assert.deepEqual(mod.baselinePlacement(pool), { nodeSelector: { pool: "w" }, tolerations: [{ key: "pool", operator: "Equal", value: "w", effect: "NoSchedule" }] });
        const placed = mod.baselinePlacement(pool);
        placed.nodeSelector.extra = "x";
        assert.deepEqual(pool.nodeSelector, { pool: "w" });
    });

    it("is sized, replicated, probed and spread like the Wasm app", () => {
        assert.equal(deployment().spec.replicas, 2);
        assert.deepEqual(container().resources, { requests: { cpu: "100m", memory: "96Mi" }, limits: { cpu: "750m", memory: "192Mi" } });
        const probes = workload.probes();
        assert.deepEqual(
            { startupProbe: container().startupProbe, readinessProbe: container().readinessProbe, livenessProbe: container().livenessProbe },
            probes,
        );
        assert.equal((probes.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/healthz");
        assert.deepEqual(pod().topologySpreadConstraints, workload.topologySpread({ "app.kubernetes.io/name": "hello-wasm-container", "app.kubernetes.io/instance": "hello-wasm-container" }));
    });

    it("serves on 8080 under the Wasm app's port name, with the image pinned by digest", () => {
        assert.deepEqual(container().ports, [{ name: "http-app", containerPort: 8080, protocol: "TCP" }]);
        assert.deepEqual(container().env, [{ name: "PORT", value: "8080" }]);
        assert.equal(container().image, IMAGE);
    });

    it("passes Pod Security `restricted` with the shared defaults (uid 65532, read-only root, no API token)", () => {
        assert.equal(pod().automountServiceAccountToken, false);
        assert.deepEqual(pod().securityContext, workload.restrictedPodSecurityContext);
        assert.equal(pod().securityContext.runAsUser, 65532);
        assert.deepEqual(container().securityContext, workload.restrictedContainerSecurityContext);
        assert.equal(container().securityContext.readOnlyRootFilesystem, true);
    });

    it("is labelled as the container baseline", () => {
        const labels = deployment().spec.template.metadata.labels;
        assert.equal(labels["app.kubernetes.io/component"], "container-baseline");
        assert.equal(labels["app.kubernetes.io/part-of"], "aks-wasm");
        assert.deepEqual(deployment().spec.selector.matchLabels, {
            "app.kubernetes.io/name": "hello-wasm-container",
            "app.kubernetes.io/instance": "hello-wasm-container",
        });
        assert.equal(deployment().metadata.namespace, "hello");
    });
});

describe("ContainerBaseline Service and NetworkPolicy", () => {
    it("maps Service port 80 to the container's port (8080)", () => {
        const svc = find("kubernetes:core/v1:Service", "base-service").inputs;
        assert.deepEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http-app", protocol: "TCP" }]);
        assert.equal(svc.spec.type, "ClusterIP");
    });

    it("admits only load-test pods from its own namespace", () => {
        const np = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "base-netpol").inputs;
        assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
        assert.deepEqual(np.spec.ingress, [
            { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "loadtest" } } }], ports: [{ protocol: "TCP", port: "http-app" }] },
        ]);
        assert.deepEqual(np.spec.podSelector.matchLabels, find("kubernetes:apps/v1:Deployment", "base-deployment").inputs.spec.selector.matchLabels);
    });

    it("gives the load test its in-cluster URL and the deployed image", async () => {
        assert.equal(await valueOf(baseline.serviceUrl), "http://hello-wasm-container.hello.svc.cluster.local");
        assert.equal(await valueOf(baseline.image), IMAGE);
    });

    it("registers only valid Kubernetes objects", () => {
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "pulumi:providers:kubernetes")) {
            const manifest = schema.toManifest(r.type, r.inputs);
            if (manifest) assert.deepEqual(schema.validateKubernetesObject(manifest), [], `${r.type} ${r.name}`);
        }
    });
});

describe("ContainerBaseline arguments", () => {
    it("reports every problem at once", () => {
        assert.throws(
            () => mod.resolveBaselineSettings({ appName: "9lives", replicas: 0, image: "hello:latest", loadTestPodLabels: {} }),
            (e: Error) => {
                assert.match(e.message, /^Invalid ContainerBaseline "9lives" \(4 problems\)/);
                assert.match(e.message, /appName = "9lives": a DNS-1035 label/);
                assert.match(e.message, /replicas = 0: a whole number of at least 1/);
                assert.match(e.message, /loadTestPodLabels = \{\}: at least one label/);
                assert.match(e.message, /image = "hello:latest": an image pinned by digest/);
                return true;
            },
        );
    });
});

describe("hello-wasm-container server (Node, in-process)", () => {
    let server: { url: string; close(): Promise<void> };
    let handlerMod: typeof import("../apps/hello-wasm/src/handler");
    before(async () => {
        const s = await import("../apps/hello-wasm-container/src/server.js");
        handlerMod = await import("../apps/hello-wasm/src/handler.js");
        server = await s.startContainerServer({ PORT: "0", HOST: "127.0.0.1" }, { handleSignals: false });
    });
    after(() => server.close());

    it("answers exactly as the Wasm app's handler does, bar the runtime name", async () => {
        const direct = handlerMod.createHandler({ runtime: "node-container" });
        for (const p of ["/", "/hello/w%C3%B6rld?x=1&x=2", "/healthz"]) {
            const viaServer = await fetch(`${server.url}${p}`, { headers: { "x-request-id": "req-1" } });
            const viaHandler = await direct(new Request(`http://localhost${p}`, { headers: { "x-request-id": "req-1" } }));
            assert.equal(viaServer.status, viaHandler.status, p);
            assert.deepEqual(await viaServer.json(), await viaHandler.json(), p);
            assert.equal(viaServer.headers.get("x-request-id"), "req-1");
        }
    });

    it("reports its runtime as node-container", async () => {
        const body = (await (await fetch(`${server.url}/`)).json()) as { runtime: string };
        assert.equal(body.runtime, "node-container");
    });

    it("refuses a PORT that is not a port, naming it", async () => {
        const s = await import("../apps/hello-wasm-container/src/server.js");
        assert.throws(() => s.listenAddress({ PORT: "80a" }), /^Error: PORT="80a": a whole number from 0 to 65535/);
        assert.deepEqual(s.listenAddress({}), { hostname: "0.0.0.0", port: 8080 });
    });
});

describe("hello-wasm-container image entry point (bundled as the Dockerfile does, run with Node)", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "hwc-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("bundles to one self-contained module that serves /healthz and exits 0 on SIGTERM", async () => {
        const out = path.join(dir, "server.mjs");
        await new Promise<void>((resolve, reject) =>
            execFile(process.execPath, [path.join(APP_DIR, "build.mjs"), out], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
        );
        assert.doesNotMatch(readFileSync(out, "utf8"), /from\s+["'](?!node:)[^"'.][^"']*["']/, "imports nothing but node: built-ins");
        // Run from an empty directory, as in the distroless image: no node_modules to fall back on.
        const child = spawn(process.execPath, [out], { cwd: dir, env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1" } });
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        try {
            const url = await new Promise<string>((resolve, reject) => {
                let buf = "";
                child.stdout.on("data", (d) => {
                    buf += d;
                    const m = /"url":"([^"]+)"/.exec(buf);
                    if (m) resolve(m[1]);
                });
                child.once("exit", () => reject(new Error(`server exited early: ${buf}`)));
            });
            const res = await fetch(`${url}/healthz`);
            assert.equal(res.status, 200);
            assert.deepEqual(await res.json(), { status: "ok" });
            child.kill("SIGTERM");
            assert.equal(await exited, 0);
        } finally {
            child.kill("SIGKILL");
        }
    });
});

describe("hello-wasm-container Dockerfile", () => {
    const dockerfile = readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
    const ignore = readFileSync(path.join(APP_DIR, "Dockerfile.dockerignore"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("!"))
        .map((l) => l.slice(1).replace(/\/$/, ""));

    it("copies only files that exist (relative to the repo root, its build context) and that the ignore file lets through", () => {
        const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
        assert.ok(sources.length >= 5, sources.join(" "));
        for (const src of sources) {
            const rel = src.replace(/\/$/, "");
            assert.ok(existsSync(path.join(ROOT, rel)), `${rel} exists`);
            assert.ok(ignore.some((allowed) => rel === allowed || rel.startsWith(`${allowed}/`)), `${rel} is allowed by Dockerfile.dockerignore`);
        }
    });

    it("runs as uid 65532 on port 8080, matching the pod's security context and container port", () => {
        assert.match(dockerfile, /^USER 65532:65532$/m);
        assert.match(dockerfile, new RegExp(`^EXPOSE ${mod.CONTAINER_PORT}$`, "m"));
        assert.match(dockerfile, /^RUN node build\.mjs \/out\/server\.mjs$/m);
    });
});
