/**
 * LoadTest: the Job spec the rollout gate stands on, the Job name that makes a new rollout re-run it, the result
 * collection that keeps the kubeconfig off command lines, and the parsing and comparison of the results.
 * Component tests run under Pulumi's mocks; the collection script runs for real in `sh` against a stand-in
 * `kubectl` (a shell script, see `standInKubectl`), because no API server exists here; and once with the real
 * `kubectl` (where installed), the stack's kubeconfig, a stand-in `kubelogin` and a stand-in API server, in the
 * environment CI provides.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:https";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { kubeloginLogin, nonInteractiveKubeconfig } from "../lib/kubernetes/kubeconfig";
import { installOfflineMocks, isSecretInput, MOCK_KUBECONFIG, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

type LoadTestModule = typeof import("../components/app/loadTest");
type ResultModule = typeof import("../lib/results/loadTestResult");
type Summary = import("../lib/results/loadTestResult").LoadTestSummary;

const KUBECONFIG = "apiVersion: v1\nkind: Config\n# stand-in kubeconfig: TOKEN-4f2a9c\n";
const LOADTEST_IMAGE = `mockacr.azurecr.io/loadtest@sha256:${"cd".repeat(32)}`;
const WASM_URL = "http://hello.hello.svc.cluster.local";
const CONTAINER_URL = "http://hello-container.hello.svc.cluster.local";
/** The targets' serving pods (their Services' selectors). */
const WASM_PODS = { "app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello" };
const CONTAINER_PODS = { "app.kubernetes.io/name": "hello-container", "app.kubernetes.io/instance": "hello-container" };

/** A summary as the CLI prints it, made by the CLI's own pure function so the format cannot drift from it. */
let summarize: typeof import("../apps/loadtest/src/summary").summarize;
function cliSummary(name: string, url: string, rps: number, p50: number, p99: number): Summary {
    const duration = 30;
    const requests = Math.round(rps * duration);
    return summarize(
        {
            duration, errors: 0, timeouts: 0, non2xx: 0, "1xx": 0, "2xx": requests, "3xx": 0, "4xx": 0, "5xx": 0,
            start: new Date("2026-11-01T00:00:00Z"), finish: new Date("2026-11-01T00:00:30Z"), statusCodeStats: { "200": { count: requests } },
        },
        { p50, p95: p99, p99, mean: p50, max: p99 * 2 },
        { url, connections: 10, name, maxP99Ms: 500, maxErrorRate: 0.01, minRps: 0 },
    );
}

let run: OfflineRun;
let lt: LoadTestModule;
let result: ResultModule;
let workload: typeof import("../lib/kubernetes/workloadDefaults");
let schema: typeof import("../lib/kubernetes/kubernetesSchema");
let gate: InstanceType<LoadTestModule["LoadTest"]>;
let bare: InstanceType<LoadTestModule["LoadTest"]>;
/** URNs each registered resource depends on, by resource name (read off the mock monitor). */
const dependencies = new Map<string, string[]>();

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/** Notes the dependencies of every registration; the SDK's mocks do not pass them to `newResource`. */
function recordDependencies(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
        dependencies.set(req.getName(), req.getDependenciesList());
        return original(req, callback);
    };
}

before(async () => {
    run = await installOfflineMocks({
        overrides: (args) => {
            if (args.type !== "command:local:Command") return undefined;
            // The collection command's stdout, as `kubectl logs` would print it: a progress line, then the summary.
            const wasm = String(args.name).includes("-wasm-");
            const summary = wasm ? cliSummary("wasm", WASM_URL, 1200, 4, 20) : cliSummary("container", CONTAINER_URL, 1500, 2, 25);
            return { stdout: `Running 30s test @ ${summary.url}\n${JSON.stringify(summary)}`, stderr: "" };
        },
    });
    recordDependencies();
    ({ summarize } = await import("../apps/loadtest/src/summary.js"));
    const k8s = await import("@pulumi/kubernetes");
    const pulumi = await import("@pulumi/pulumi");
    lt = await import("../components/app/loadTest.js");
    result = await import("../lib/results/loadTestResult.js");
    workload = await import("../lib/kubernetes/workloadDefaults.js");
    schema = await import("../lib/kubernetes/kubernetesSchema.js");
    await schema.loadKubernetesSchemas();
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    gate = new lt.LoadTest("lt", {
        provider,
        namespace: "hello",
        image: LOADTEST_IMAGE,
        targets: [
            { name: "wasm", url: pulumi.output(WASM_URL), podSelector: WASM_PODS },
            { name: "container", url: CONTAINER_URL, podSelector: CONTAINER_PODS },
        ],
        rolloutTrigger: "app@sha256:1",
        kubeconfig: pulumi.secret(KUBECONFIG),
        thresholds: { maxP99Ms: 250, maxErrorRate: 0.005, minRps: 100 },
        durationSeconds: 45,
        connections: 20,
    });
    bare = new lt.LoadTest("bare", { provider, namespace: "hello", image: LOADTEST_IMAGE, targets: [{ name: "wasm", url: WASM_URL, podSelector: WASM_PODS }], rolloutTrigger: "x" });
    await settle();
});

describe("LoadTest Job", () => {
    const job = () => find("kubernetes:batch/v1:Job", "lt-wasm");

    it("is bounded: no retry of a verdict, a deadline of the run plus 180 s, a day's TTL, one pod", () => {
        const spec = job().inputs.spec;
        assert.equal(spec.backoffLimit, 0);
        assert.equal(spec.activeDeadlineSeconds, 45 + 180);
        assert.equal(spec.ttlSecondsAfterFinished, 86_400);
        assert.equal(spec.completions, 1);
        assert.equal(spec.parallelism, 1);
        assert.equal(spec.template.spec.restartPolicy, "Never");
        // A node drain is not a verdict: such a pod failure is not counted.
        assert.deepEqual(spec.podFailurePolicy, {
            rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }],
        });
    });

    it("lets Pulumi wait longer than the Job's deadline (the provider's default is 10 minutes)", () => {
        assert.equal(job().inputs.metadata.annotations["pulumi.com/timeoutSeconds"], String(45 + 180 + 60));
        assert.equal(job().inputs.metadata.annotations["pulumi.com/skipAwait"], undefined);
    });

    it("passes the target's URL, the run's shape and the thresholds to the CLI", () => {
        const container = job().inputs.spec.template.spec.containers[0];
        assert.equal(container.image, LOADTEST_IMAGE);
        assert.deepEqual(container.args, [
            `--url=${WASM_URL}`,
            "--duration=45",
            "--connections=20",
            "--max-p99-ms=250",
            "--max-error-rate=0.005",
            "--min-rps=100",
            "--name=wasm",
        ]);
        const other = find("kubernetes:batch/v1:Job", "lt-container").inputs.spec.template.spec.containers[0];
        assert.deepEqual(other.args, container.args.map((a: string) => a.replace(WASM_URL, CONTAINER_URL).replace("=wasm", "=container")));
    });

    it("passes Pod Security `restricted`: non-root, no privilege escalation, all capabilities dropped, read-only root, no API token", () => {
        const pod = job().inputs.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, workload.restrictedPodSecurityContext);
        assert.deepEqual(pod.containers[0].securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
        });
        assert.equal(pod.containers[0].terminationMessagePolicy, "FallbackToLogsOnError");
        assert.deepEqual(pod.containers[0].resources, { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } });
    });

    it("runs on the system pool, not the Wasm pool (no runtime class, no Wasm toleration)", () => {
        const pod = job().inputs.spec.template.spec;
        assert.deepEqual(pod.nodeSelector, { "kubernetes.azure.com/mode": "system" });
        assert.deepEqual(pod.tolerations, []);
        assert.equal(pod.runtimeClassName, undefined);
    });

    it("never shares a node with its own target: a required anti-affinity to the target's serving pods, per node, for each target", () => {
        for (const [target, pods] of [["wasm", WASM_PODS], ["container", CONTAINER_PODS]] as const) {
            const pod = find("kubernetes:batch/v1:Job", `lt-${target}`).inputs.spec.template.spec;
            // Required, not preferred: a preference would let the scheduler put the generator beside its target.
            assert.deepEqual(pod.affinity, {
                podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: pods }, topologyKey: "kubernetes.io/hostname" }],
                },
            }, target);
        }
    });

    it("changes its name when the target's pods change (the anti-affinity is part of the immutable spec)", () => {
        const spec = (selector: Record<string, string>) =>
            lt.loadTestJob({
                componentName: "lt", target: "wasm", url: WASM_URL, image: LOADTEST_IMAGE, namespace: "hello", rolloutTrigger: "t", durationSeconds: 30, connections: 10,
                thresholds: { maxP99Ms: 500, maxErrorRate: 0.01, minRps: 0 }, resources: lt.DEFAULT_RESOURCES, nodeSelector: {}, tolerations: [], targetPodSelector: selector,
            });
        assert.notEqual(spec(WASM_PODS).metadata.name, spec(CONTAINER_PODS).metadata.name);
    });

    it("carries the labels the app's NetworkPolicy admits", () => {
        const labels = job().inputs.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(workload.LOAD_TEST_POD_LABELS)) assert.equal(labels[k], v, k);
        assert.equal(labels["aks-wasm/loadtest-target"], "wasm");
        assert.equal(job().inputs.metadata.namespace, "hello");
    });

    it("is named <component>-<target>-<8 hex> and is a valid batch/v1 Job", () => {
        assert.match(job().inputs.metadata.name, /^lt-wasm-[0-9a-f]{8}$/);
        assert.deepEqual(schema.validateKubernetesObject(schema.toManifest(job().type, job().inputs)), []);
    });

    it("runs the targets one after the other: the second Job depends on the first", () => {
        const first = find("kubernetes:batch/v1:Job", "lt-wasm").urn;
        assert.ok(first, "the first Job has a URN");
        assert.ok(dependencies.get("lt-container")?.includes(first), `lt-container depends on ${dependencies.get("lt-container")}`);
        assert.ok(!dependencies.get("lt-wasm")?.some((u) => u.includes("lt-container")));
    });
});

describe("LoadTest Job name", () => {
    const input = () => ({
        componentName: "lt",
        target: "wasm",
        url: WASM_URL,
        image: LOADTEST_IMAGE,
        namespace: "hello",
        rolloutTrigger: "app@sha256:1",
        durationSeconds: 30,
        connections: 10,
        thresholds: { maxP99Ms: 500, maxErrorRate: 0.01, minRps: 0 },
        resources: lt.DEFAULT_RESOURCES,
        nodeSelector: { ...workload.SYSTEM_POOL_SELECTOR },
        tolerations: [],
        targetPodSelector: WASM_PODS,
    });

    it("stays the same when nothing changes (no needless re-run)", () => {
        assert.equal(lt.loadTestJob(input()).metadata.name, lt.loadTestJob(input()).metadata.name);
    });

    it("changes when the rollout trigger changes (a new app image re-runs the test)", () => {
        assert.notEqual(lt.loadTestJob(input()).metadata.name, lt.loadTestJob({ ...input(), rolloutTrigger: "app@sha256:2" }).metadata.name);
    });

    it("changes when the Job spec changes (Job specs are immutable)", () => {
        const base = lt.loadTestJob(input()).metadata.name;
        assert.notEqual(base, lt.loadTestJob({ ...input(), thresholds: { ...input().thresholds, maxP99Ms: 499 } }).metadata.name);
        assert.notEqual(base, lt.loadTestJob({ ...input(), image: LOADTEST_IMAGE.replace("cd", "ce") }).metadata.name);
    });

    it("fits the 63-character limit with a long component name, keeping the hash", () => {
        const name = lt.jobName("a".repeat(40), "container-baseline", "0123abcd");
        assert.ok(name.length <= 63, name);
        assert.match(name, /^a+-c[-a-z]*[a-z]-0123abcd$/);
    });

    it("follows the trigger through the component (same trigger, same name; new trigger, new name)", async () => {
        const k8s = await import("@pulumi/kubernetes");
        const provider = new k8s.Provider("other", { kubeconfig: "stand-in" });
        const component = new lt.LoadTest("r", { provider, namespace: "hello", image: LOADTEST_IMAGE, targets: [{ name: "wasm", url: WASM_URL, podSelector: WASM_PODS }], rolloutTrigger: "one", durationSeconds: input().durationSeconds });
        const actual = (await valueOf(component.jobNames))?.wasm;
        assert.equal(await valueOf(component.plannedJobNames.wasm), actual, "the name the measurement waits for is the Job's");
        const expected = (trigger: string) => lt.loadTestJob({ ...input(), componentName: "r", rolloutTrigger: trigger }).metadata.name;
        assert.equal(actual, expected("one"));
        assert.notEqual(actual, expected("two"));
    });
});

describe("LoadTest arguments", () => {
    it("reports every problem at once, with key, value and what is accepted", () => {
        assert.throws(
            () =>
                lt.resolveLoadTestSettings("lt", {
                    targets: [{ name: "Wasm", url: "", podSelector: WASM_PODS }, { name: "dup", url: "", podSelector: {} }, { name: "dup", url: "", podSelector: WASM_PODS }],
                    durationSeconds: 2,
                    connections: 0,
                    thresholds: { maxP99Ms: 0, maxErrorRate: 1.5, minRps: -1 },
                }),
            (e: Error) => {
                for (const part of [
                    "durationSeconds = 2: a whole number from 5 to 600",
                    "connections = 0: a whole number from 1 to 1000",
                    "thresholds.maxP99Ms = 0",
                    "thresholds.maxErrorRate = 1.5: a number from 0 to 1",
                    "thresholds.minRps = -1",
                    'targets[0].name = "Wasm"',
                    'targets[2].name = "dup": distinct target names',
                    "targets[1].podSelector = {}: the labels of the target's serving pods (its Service's selector), at least one",
                ]) {
                    assert.ok(e.message.includes(part), `missing "${part}" in:\n${e.message}`);
                }
                assert.match(e.message, /^Invalid LoadTest "lt" \(8 problems\)/);
                return true;
            },
        );
        assert.throws(() => lt.resolveLoadTestSettings("lt", { targets: [] }), /targets = \[\]: at least one target/);
    });

    it("defaults to the stack config's defaults", () => {
        assert.deepEqual(lt.resolveLoadTestSettings("lt", { targets: [{ name: "wasm", url: "", podSelector: WASM_PODS }] }), {
            // 40 s: at least one whole metrics window while the measurement is on (issue 19, lib/results/metricsWindow.ts).
            durationSeconds: 40,
            connections: 10,
            thresholds: { maxP99Ms: 500, maxErrorRate: 0.01, minRps: 0 },
        });
    });
});

describe("LoadTest result collection", () => {
    const cmd = () => find("command:local:Command", "lt-wasm-result");

    it("feeds the kubeconfig through stdin, as a secret, and nowhere else", () => {
        const inputs = cmd().inputs;
        assert.ok(isSecretInput(inputs.stdin), "stdin is a secret");
        assert.equal(inputs.stdin.value, KUBECONFIG);
        // No stored environment: kubelogin takes CI's login variables from the inherited environment instead.
        assert.equal(inputs.environment, undefined);
        for (const field of ["create", "update", "delete"]) {
            assert.ok(!String(inputs[field] ?? "").includes("TOKEN-4f2a9c"), `${field} holds no kubeconfig`);
        }
        assert.ok(!JSON.stringify(inputs.triggers ?? []).includes("TOKEN-4f2a9c"));
    });

    it("reads this Job's log by its pod label, after the Job", async () => {
        const jobName = find("kubernetes:batch/v1:Job", "lt-wasm").inputs.metadata.name;
        assert.ok(cmd().inputs.create.includes(`'batch.kubernetes.io/job-name=${jobName}'`));
        assert.ok(cmd().inputs.create.includes("--namespace 'hello'"));
        assert.ok(dependencies.get("lt-wasm-result")?.includes(find("kubernetes:batch/v1:Job", "lt-wasm").urn));
    });

    it("creates no collection command without a kubeconfig, and reports no summaries", async () => {
        assert.equal(run.resources.filter((r) => r.type === "command:local:Command" && r.name.startsWith("bare")).length, 0);
        assert.deepEqual(await valueOf(bare.summaries), {});
        assert.equal(await valueOf(bare.comparison), undefined);
    });

    it("turns the commands' output into summaries per target and a wasm-vs-container comparison", async () => {
        const summaries = await valueOf(gate.summaries);
        assert.equal(summaries?.wasm.rps, 1200);
        assert.equal(summaries?.container.latency?.p99, 25);
        assert.deepEqual(await valueOf(gate.comparison), {
            subject: "wasm",
            baseline: "container",
            rpsRatio: 0.8,
            p50Ratio: 2,
            p99Ratio: 0.8,
            errorRateDelta: 0,
        });
        const names = await valueOf(gate.jobNames);
        assert.deepEqual(Object.keys(names ?? {}), ["wasm", "container"]);
    });
});

function sh(script: string, stdin: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = execFile("/bin/sh", ["-c", script], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
            resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.on("error", () => undefined); // a script that exits early closes its stdin; the exit code tells
        child.stdin?.end(stdin);
    });
}

const JOB_URN = "urn:pulumi:dev::aks-wasm::aks-wasm:index:LoadTest$kubernetes:batch/v1:Job::lt-wasm";

describe("LoadTest collection script", () => {
    // The script's behaviour (the one finished pod, the result gone, faults at each step) is pinned by
    // test/jobResult.test.ts; here only what LoadTest gives it.
    it("reads the load generator's container of the named Job, and refuses names that are not DNS labels", () => {
        const text = lt.collectScript("hello", "lt-wasm-0123abcd", JOB_URN);
        assert.match(text, /logs "pod\/\$pod" --container 'loadtest'/);
        assert.match(text, /--selector 'batch\.kubernetes\.io\/job-name=lt-wasm-0123abcd' --field-selector 'status\.phase=Succeeded'/);
        assert.throws(() => lt.collectScript("hello'; rm -rf /", "job", JOB_URN), /namespace = .*a lower-case DNS label/);
    });
});

describe("LoadTest collection with the real kubectl in CI's workload-identity environment", () => {
    // What CI provides before `pulumi up` (the workflow's job): the login method and the identity, and a federated
    // token file kept fresh by a background refresher. The kubeconfig keeps the stack's own mode (azurecli).
    const CI_ENV = {
        AAD_LOGIN_METHOD: "workloadidentity",
        AZURE_CLIENT_ID: "00000000-0000-0000-0000-00000000d3e1",
        AZURE_TENANT_ID: "00000000-0000-0000-0000-0000000000aa",
        AZURE_FEDERATED_TOKEN_FILE: "/var/run/ci/federated-token",
    };
    let dir: string;
    let server: Server | undefined;
    const seen: { path: string; authorization?: string }[] = [];
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "loadtest-kubectl-"));
    });
    after(() => {
        server?.close();
        rmSync(dir, { recursive: true, force: true });
    });

    it("kubectl runs kubelogin with the stack's kubeconfig, and kubelogin gets CI's environment, which overrides --login", async (t) => {
        const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
        if (!has("kubectl") || !has("openssl")) {
            t.skip("kubectl or openssl is not installed here");
            return;
        }
        // A throw-away self-signed certificate for the stand-in API server (kubectl runs exec plugins for TLS
        // servers only).
        const key = path.join(dir, "key.pem");
        const cert = path.join(dir, "cert.pem");
        const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
        assert.equal(made.status, 0, made.stderr);
        const summary = cliSummary("wasm", WASM_URL, 900, 3, 11);

        // STAND-IN API server (no Kubernetes here): answers the discovery, pod list (by the Job's label and phase)
        // and pod log requests the collection script's `kubectl get pods` and `kubectl logs pod/…` make, and
        // records the bearer token of each. The real kubectl prints the jsonpath the script asks for.
        server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            seen.push({ path: url.pathname, authorization: req.headers.authorization });
            const json = (body: unknown) => {
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify(body));
            };
            if (url.pathname === "/version") json({ major: "1", minor: "32", gitVersion: "v1.32.0" });
            else if (url.pathname === "/api") json({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
            else if (url.pathname === "/apis") json({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
            else if (url.pathname === "/api/v1") {
                json({
                    kind: "APIResourceList",
                    groupVersion: "v1",
                    resources: [
                        { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"] },
                        { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
                    ],
                });
            } else if (
                url.pathname === "/api/v1/namespaces/apps/pods" &&
                url.searchParams.get("labelSelector") === "batch.kubernetes.io/job-name=lt-wasm-0123abcd" &&
                url.searchParams.get("fieldSelector") === "status.phase=Succeeded"
            ) {
                const pod = (name: string, created: string) => ({ metadata: { name, namespace: "apps", creationTimestamp: created }, spec: { containers: [{ name: "loadtest" }] }, status: { phase: "Succeeded" } });
                // Name order, as the API server lists: the newer pod second-to-last would be missed by "the last line".
                json({ kind: "PodList", apiVersion: "v1", metadata: {}, items: [pod("lt-wasm-0123abcd-a0", "2026-12-03T08:00:00Z"), pod("lt-wasm-0123abcd-x1", "2026-12-03T09:00:00Z"), pod("lt-wasm-0123abcd-z9", "2026-12-03T07:00:00Z")] });
            } else if (url.pathname === "/api/v1/namespaces/apps/pods/lt-wasm-0123abcd-x1") {
                json({ kind: "Pod", apiVersion: "v1", metadata: { name: "lt-wasm-0123abcd-x1", namespace: "apps" }, spec: { containers: [{ name: "loadtest" }] }, status: { phase: "Succeeded" } });
            } else if (url.pathname === "/api/v1/namespaces/apps/pods/lt-wasm-0123abcd-x1/log" && url.searchParams.get("container") === "loadtest") {
                res.setHeader("content-type", "text/plain");
                res.end(`progress 50%\n${JSON.stringify(summary)}\n`);
            } else {
                res.statusCode = 404;
                json({ kind: "Status", status: "Failure", code: 404 });
            }
        });
        await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as { port: number }).port;

        // STAND-IN kubelogin (a fake program written by this test): records its arguments and the login variables
        // it was given, and answers with an ExecCredential as kubelogin does.
        const bin = mkdtempSync(path.join(dir, "bin-"));
        writeFileSync(
            path.join(bin, "kubelogin"),
            `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/kubelogin.argv"\nenv | grep -E '^(AAD|AZURE)_' > "${dir}/kubelogin.env"\n` +
                `echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false},"status":{"token":"stand-in-bearer","expirationTimestamp":"2099-01-01T00:00:00Z"}}'\n`,
        );
        chmodSync(path.join(bin, "kubelogin"), 0o755);

        // The kubeconfig the stack builds (AKS's device-code config, made non-interactive in the default mode),
        // pointed at the stand-in server.
        const aks = parse(MOCK_KUBECONFIG);
        aks.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
        aks.clusters[0].cluster["certificate-authority-data"] = readFileSync(cert).toString("base64");
        const kubeconfig = nonInteractiveKubeconfig(stringify(aks), "azurecli");

        const out = await sh(lt.collectScript("apps", "lt-wasm-0123abcd", JOB_URN), kubeconfig, { PATH: `${bin}:${process.env.PATH}`, ...CI_ENV });
        assert.equal(out.code, 0, out.stderr);
        assert.deepEqual(result.parseLoadTestOutput(out.stdout), summary);

        const argv = readFileSync(path.join(dir, "kubelogin.argv"), "utf8").trim().split("\n");
        assert.deepEqual(argv.slice(-2), ["--login", "azurecli"], "the kubeconfig keeps the stack's mode");
        const env = Object.fromEntries(
            readFileSync(path.join(dir, "kubelogin.env"), "utf8")
                .trim()
                .split("\n")
                .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
        for (const [name, value] of Object.entries(CI_ENV)) assert.equal(env[name], value, `kubelogin sees ${name}`);
        // What kubelogin v0.2.19 makes of those arguments in that environment (KUBELOGIN-1, -2).
        assert.deepEqual(kubeloginLogin(argv, env), {
            method: "workloadidentity",
            serverId: "6dae42f8-4368-4678-94ff-3960e28e3630",
            clientId: CI_ENV.AZURE_CLIENT_ID,
            tenantId: CI_ENV.AZURE_TENANT_ID,
            federatedTokenFile: CI_ENV.AZURE_FEDERATED_TOKEN_FILE,
        });
        assert.ok(seen.some((r) => r.path.endsWith("/log")));
        // The real kubectl printed the script's jsonpath and the script picked the newest finished pod, by name.
        assert.deepEqual(seen.filter((r) => r.path.endsWith("/log")).map((r) => r.path), ["/api/v1/namespaces/apps/pods/lt-wasm-0123abcd-x1/log"]);
        for (const request of seen) assert.equal(request.authorization, "Bearer stand-in-bearer", request.path);
    });
});

describe("parseLoadTestOutput", () => {
    it("reads the CLI's summary line", () => {
        const s = cliSummary("wasm", WASM_URL, 100, 1, 2);
        assert.deepEqual(result.parseLoadTestOutput(JSON.stringify(s)), s);
    });

    it("picks the JSON summary out of progress lines and stray JSON", () => {
        const s = cliSummary("wasm", WASM_URL, 100, 1, 2);
        const log = ["Running 30s test", '{"level":"info","msg":"warming up"}', "│ Stat │ 2.5% │", JSON.stringify(s), "done", '{"not":"a summary"}'].join("\n");
        assert.deepEqual(result.parseLoadTestOutput(log), s);
    });

    it("rejects output without a summary, quoting what came", () => {
        assert.throws(() => result.parseLoadTestOutput("Error from server (NotFound): pods not found", 'load test "wasm"'), (e: Error) => {
            assert.equal(e.name, "LoadTestResultError");
            assert.match(e.message, /^load test "wasm": no JSON summary line in the output/);
            assert.match(e.message, /Output was: "Error from server \(NotFound\): pods not found"/);
            return true;
        });
        assert.throws(() => result.parseLoadTestOutput(""), /Output was: \(empty\)/);
    });

    it("rejects JSON that is not a summary, naming each bad field", () => {
        const bad = { ...cliSummary("wasm", WASM_URL, 100, 1, 2), rps: "fast", errorRate: 2, verdict: "ok" };
        assert.throws(() => result.parseLoadTestOutput(`hello\n${JSON.stringify(bad)}`), (e: Error) => {
            assert.match(e.message, /the JSON on output line 2 is not a load-test summary/);
            assert.match(e.message, /rps = "fast"; accepted: a finite number ≥ 0/);
            assert.match(e.message, /errorRate = 2; accepted: a number from 0 to 1/);
            assert.match(e.message, /verdict = "ok"; accepted: "pass" or "fail"/);
            return true;
        });
    });

    it("accepts a run without responses (latency and error rate null)", () => {
        const s = { ...cliSummary("wasm", WASM_URL, 0, 1, 2), latency: null, errorRate: null };
        assert.deepEqual(result.parseLoadTestOutput(JSON.stringify(s)), s);
    });
});

describe("compareSummaries", () => {
    const at = (rps: number, p50: number, p99: number, errorRate: number | null = 0) => ({ ...cliSummary("x", WASM_URL, rps, p50, p99), errorRate });

    it("divides the subject by the baseline, rounded to 3 decimals", () => {
        assert.deepEqual(result.compareSummaries({ name: "wasm", summary: at(1000, 3, 9, 0.002) }, { name: "container", summary: at(3000, 2, 7, 0.001) }), {
            subject: "wasm",
            baseline: "container",
            rpsRatio: 0.333,
            p50Ratio: 1.5,
            p99Ratio: 1.286,
            errorRateDelta: 0.001,
        });
    });

    it("gives null, not Infinity or NaN, where a ratio cannot be formed", () => {
        const none = { ...at(0, 1, 1), latency: null, errorRate: null };
        const c = result.compareSummaries({ name: "wasm", summary: at(10, 1, 1) }, { name: "container", summary: none });
        assert.deepEqual([c.rpsRatio, c.p50Ratio, c.p99Ratio, c.errorRateDelta], [null, null, null, null]);
        assert.equal(result.compareSummaries({ name: "a", summary: none }, { name: "b", summary: at(10, 1, 1) }).rpsRatio, 0);
    });
});
