/**
 * Fault injection for the command resources of issue 17: each real script runs against stand-in `kubectl` and `az`
 * (test/helpers/standInTools.ts: shell scripts that play the cluster from files and log every call; they are
 * stand-ins, not the tools), fails or is killed at each step, and runs again. What must hold after the next run:
 * no node left cordoned, no stale state read as fresh, no file left with a token.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { adminAccessWaitScript } from "../components/platform/aksCluster";
import { gatewayApiCommands } from "../components/platform/gatewayApi";
import { REINSTALL_CORDON_MARK, REINSTALL_FINGERPRINT_ANNOTATION, reinstallNodeWorstCaseSeconds, shimReinstallScript } from "../components/platform/spinKubeRuntime";
import { nodeApiStandIn, type StandInNode } from "./helpers/nodeApiStandIn";
import { runScript, STAND_IN_KUBECONFIG, standIns, type StandIns } from "./helpers/standInTools";

describe("the admin-access wait (kubectl auth can-i through stand-in kubectl)", () => {
    // STAND-IN kubectl: answers `auth can-i` with the next line of $S/answers (the last line repeats), the way
    // kubectl prints "yes"/"no" and exits 0/1; an "error" line plays a 403 from the API server on stderr.
    const kubectl = [
        'n=$(cat "$S/n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$S/n"',
        'a=$(sed -n "${n}p" "$S/answers"); [ -n "$a" ] || a=$(tail -n 1 "$S/answers")',
        'case "$a" in yes) echo yes; exit 0;; no) echo no; exit 1;; *) echo "Error from server (Forbidden): selfsubjectaccessreviews is forbidden" >&2; exit 1;; esac',
    ].join("\n");
    const setup = (answers: string[]) => {
        const t = standIns({ kubectl });
        writeFileSync(`${t.state}/answers`, answers.join("\n") + "\n");
        return t;
    };
    const script = (timeoutSeconds: number) => adminAccessWaitScript({ timeoutSeconds, admins: "ServicePrincipal 2222", pollSeconds: 1 });

    it("waits through 403s and noes until yes, asking the question the docs name, and leaves no kubeconfig", async () => {
        const t = setup(["error", "no", "yes"]);
        const r = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(t.calls(), Array(3).fill("kubectl auth can-i * * --all-namespaces"));
        assert.deepEqual(t.leftovers(), []);
    });

    it("gives up at its bound, saying what it waited for, the last answer and what to check", async () => {
        const t = setup(["error"]);
        const r = await runScript(t, script(2), { input: STAND_IN_KUBECONFIG });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /waited 2s for the AKS RBAC Cluster Admin role assignments \(ServicePrincipal 2222\) to reach the cluster/);
        assert.match(r.stderr, /Forbidden/, "the last answer");
        assert.match(r.stderr, /Check: the identity running pulumi up is one of those principals/);
        assert.deepEqual(t.leftovers(), []);
    });

    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
        it(`killed (${signal}) while waiting leaves no file; the next run converges`, async () => {
            const t = setup(["no", "no", "no", "yes"]);
            const killed = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG, killWhen: /can-i/, signal });
            assert.notEqual(killed.code, 0);
            assert.deepEqual(t.leftovers(), [], "the trap removed the kubeconfig");
            const again = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG });
            assert.equal(again.code, 0, again.stderr);
            assert.deepEqual(t.leftovers(), []);
        });
    }
});

/** A stand-in cluster node (test/helpers/standInKubectl.cjs). */
interface Node {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    unschedulable: boolean;
    pods: number;
    /** The shim the node really runs (what RCM last installed). */
    installed: string;
}

describe("the shim reinstall (stand-in kubectl playing the cluster and runtime-class-manager)", () => {
    const POOL = { "aks-wasm/pool": "wasm" };
    const fast = { drain: 5, jobDelete: 5, install: 3, poll: 1, request: 5, budget: 1800 };
    const script = (timeouts = fast) => shimReinstallScript({ namespace: "runtime-class-manager", shimName: "spin-v2", poolSelector: POOL, timeouts });
    const provisionedNode = (installed: string, recorded?: string, pods = 2): Node => ({
        labels: { ...POOL, "spin-v2": "provisioned" },
        annotations: recorded === undefined ? {} : { [REINSTALL_FINGERPRINT_ANNOTATION]: recorded },
        unschedulable: false,
        pods,
        installed,
    });
    function cluster(nodes: Record<string, Node>, extra: { shim: string; rcmPolls?: number; rcmNever?: boolean; failOnce?: string[] }): StandIns {
        // STAND-IN kubectl: a shell wrapper (logs the call) around test/helpers/standInKubectl.cjs.
        const t = standIns({ kubectl: `exec "${process.execPath}" "${join(__dirname, "helpers", "standInKubectl.cjs")}" "$@"` });
        writeFileSync(join(t.state, "cluster.json"), JSON.stringify({ shimLabel: "spin-v2", rcmPolls: 1, jobs: [], ...extra, nodes }));
        return t;
    }
    const state = (t: StandIns) => JSON.parse(readFileSync(join(t.state, "cluster.json"), "utf8")) as { nodes: Record<string, Node>; shim: string; rcmNever?: boolean };
    const setState = (t: StandIns, change: (c: ReturnType<typeof state>) => void) => {
        const c = state(t);
        change(c);
        writeFileSync(join(t.state, "cluster.json"), JSON.stringify(c));
    };
    const run = (t: StandIns, env: { F: string; P?: string }, options: { killWhen?: RegExp; timeouts?: typeof fast } = {}) =>
        runScript(t, script(options.timeouts), {
            input: STAND_IN_KUBECONFIG,
            env: { SHIM_FINGERPRINT: env.F, ...(env.P === undefined ? {} : { PULUMI_COMMAND_STDOUT: env.P }) },
            killWhen: options.killWhen,
        });
    /** What a converged cluster looks like: every Wasm node runs and records `shim`, none cordoned or marked, no file left. */
    function assertConverged(t: StandIns, shim: string) {
        for (const [name, n] of Object.entries(state(t).nodes)) {
            assert.equal(n.unschedulable, false, `${name} left cordoned`);
            assert.equal(n.labels[REINSTALL_CORDON_MARK], undefined, `${name} still marked`);
            assert.equal(n.installed, shim, `${name} runs ${n.installed}, not ${shim}`);
            assert.equal(n.annotations[REINSTALL_FINGERPRINT_ANNOTATION], shim, `${name} records ${n.annotations[REINSTALL_FINGERPRINT_ANNOTATION]}`);
            assert.equal(n.labels["spin-v2"], "provisioned");
        }
        assert.deepEqual(t.leftovers(), [], "no kubeconfig (token) left in TMPDIR");
    }
    const mutations = (t: StandIns) => t.calls().filter((c) => !/^kubectl get /.test(c));

    it("reinstalls node by node on a new fingerprint, and prints the fingerprint only when every node is done", async () => {
        const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new", rcmPolls: 2 });
        const r = await run(t, { F: "new", P: "old" });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "new\n");
        assertConverged(t, "new");
        const perNode = (n: string) => [
            `kubectl label node ${n} ${REINSTALL_CORDON_MARK}=cordoned --overwrite`,
            `kubectl cordon ${n}`,
            `kubectl drain ${n} --ignore-daemonsets --delete-emptydir-data --timeout=5s`,
            `kubectl annotate node ${n} ${REINSTALL_FINGERPRINT_ANNOTATION}-`,
            `kubectl --namespace runtime-class-manager delete job ${n}-spin-v2-install --ignore-not-found --wait=true --timeout=5s`,
            `kubectl label node ${n} spin-v2-`,
            `kubectl annotate node ${n} ${REINSTALL_FINGERPRINT_ANNOTATION}=new --overwrite`,
            `kubectl uncordon ${n}`,
            `kubectl label node ${n} ${REINSTALL_CORDON_MARK}-`,
        ];
        assert.deepEqual(mutations(t), [...perNode("n1"), ...perNode("n2")]);
    });

    it("first run (create): waits for RCM to provision every node and records the fingerprint, draining nothing", async () => {
        const fresh: Node = { ...provisionedNode("", undefined), labels: { ...POOL } };
        const t = cluster({ n1: fresh, n2: { ...fresh } }, { shim: "new", rcmPolls: 2 });
        const r = await run(t, { F: "new" });
        assert.equal(r.code, 0, r.stderr);
        assertConverged(t, "new");
        assert.ok(!mutations(t).some((c) => /cordon|drain|delete job/.test(c)), mutations(t).join("\n"));
    });

    it("steady state: reads, changes nothing; a node added since the last run is adopted without a drain", async () => {
        const added: Node = provisionedNode("new", undefined);
        const t = cluster({ n1: provisionedNode("new", "new"), n2: added }, { shim: "new" });
        const r = await run(t, { F: "new", P: "new" });
        assert.equal(r.code, 0, r.stderr);
        assertConverged(t, "new");
        assert.deepEqual(mutations(t), [`kubectl annotate node n2 ${REINSTALL_FINGERPRINT_ANNOTATION}=new --overwrite`]);
    });

    it("a node recording an older fingerprint is reinstalled even when the last run completed (no stale state read as fresh)", async () => {
        const t = cluster({ n1: provisionedNode("new", "new"), n2: provisionedNode("old", "old") }, { shim: "new" });
        const r = await run(t, { F: "new", P: "new" });
        assert.equal(r.code, 0, r.stderr);
        assertConverged(t, "new");
        assert.ok(mutations(t).includes("kubectl cordon n2") && !mutations(t).includes("kubectl cordon n1"));
    });

    // Every step of one node's reinstall, killed (SIGTERM), then the next run: it must converge.
    const steps = [
        /label node n1 aks-wasm\/shim-reinstall=cordoned/,
        /^kubectl cordon n1/,
        /^kubectl drain n1/,
        /annotate node n1 aks-wasm\/shim-fingerprint-/,
        /delete job n1-/,
        /label node n1 spin-v2-/,
        /annotate node n1 aks-wasm\/shim-fingerprint=new/,
        /^kubectl uncordon n1/,
        /label node n1 aks-wasm\/shim-reinstall-/,
    ];
    for (const step of steps) {
        it(`killed at ${step.source}: the next run uncordons n1 and converges`, async () => {
            const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new" });
            const killed = await run(t, { F: "new", P: "old" }, { killWhen: step });
            assert.notEqual(killed.code, 0, "the kill stopped the run");
            assert.equal(killed.stdout, "", "no fingerprint recorded by a killed run");
            assert.deepEqual(t.leftovers(), [], "the trap removed the kubeconfig");
            // A failed update keeps Pulumi's old state: the next run sees the old previous output.
            const again = await run(t, { F: "new", P: "old" });
            assert.equal(again.code, 0, again.stderr);
            assertConverged(t, "new");
        });
    }

    it("killed mid-node, then the version reverted: the node is uncordoned and runs the reverted shim", async () => {
        const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new" });
        await run(t, { F: "new", P: "old" }, { killWhen: /label node n1 spin-v2-/ });
        assert.equal(state(t).nodes.n1.unschedulable, true, "the kill left n1 cordoned");
        // The Shim goes back to the old spec; Pulumi's state still holds "old" (the failed update was not recorded).
        setState(t, (c) => (c.shim = "old"));
        const again = await run(t, { F: "old", P: "old" });
        assert.equal(again.code, 0, again.stderr);
        assertConverged(t, "old");
    });

    it("a failed drain releases the node at once (shim untouched); the next run converges", async () => {
        const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new", failOnce: ["drain n1"] });
        const r = await run(t, { F: "new", P: "old" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /shim spin-v2: could not drain n1 within 5s \(waited for its pods to leave; check PodDisruptionBudgets/);
        assert.equal(state(t).nodes.n1.unschedulable, false);
        assert.equal(state(t).nodes.n1.labels[REINSTALL_CORDON_MARK], undefined);
        assert.equal(state(t).nodes.n1.installed, "old");
        assert.equal((await run(t, { F: "new", P: "old" })).code, 0);
        assertConverged(t, "new");
    });

    it("RCM not provisioning in time: fails saying what it waited for, leaves the node cordoned and marked; the next run finishes it", async () => {
        const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new", rcmNever: true });
        const r = await run(t, { F: "new", P: "old" });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /waited 3s for runtime-class-manager to label n1 spin-v2=provisioned; check its installer: kubectl --namespace runtime-class-manager logs job\/n1-spin-v2-install/);
        assert.match(r.stderr, /n1 left cordoned \(marked aks-wasm\/shim-reinstall\)/);
        assert.equal(state(t).nodes.n1.unschedulable, true);
        assert.equal(state(t).nodes.n2.installed, "old", "n2 untouched");
        setState(t, (c) => (c.rcmNever = false));
        assert.equal((await run(t, { F: "new", P: "old" })).code, 0);
        assertConverged(t, "new");
    });

    it("a one-node Wasm pool: the only node is drained by deletion (an eviction could never succeed), and says so", async () => {
        const t = cluster({ n1: provisionedNode("old", "old", 3) }, { shim: "new" });
        const r = await run(t, { F: "new", P: "old" });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(mutations(t).includes("kubectl drain n1 --ignore-daemonsets --delete-emptydir-data --timeout=5s --disable-eviction"));
        assert.match(r.stderr, /n1 is the only schedulable Wasm node: its Spin pods are deleted, not evicted .* the apps are unavailable until it is provisioned again/);
        assertConverged(t, "new");
    });

    it("stops before a node its budget could not hold, asking for another run, which resumes without redoing done nodes", async () => {
        // The budget is judged on the clock (whole seconds): RCM takes 4 polls of 1 s on n1, so n1 ends at least 3 s
        // after the start, while n1 starts within 2 s of it even on a loaded machine.
        const t = cluster({ n1: provisionedNode("old", "old"), n2: provisionedNode("old", "old") }, { shim: "new", rcmPolls: 4 });
        // A budget for one node at worst case and 2 s: the second must wait for the next run.
        const slowInstall = { ...fast, install: 6 };
        const tight = { ...slowInstall, budget: reinstallNodeWorstCaseSeconds(slowInstall) + 2 };
        const first = await run(t, { F: "new", P: "old" }, { timeouts: tight });
        assert.equal(first.code, 1);
        assert.match(first.stderr, new RegExp(`reinstalled 1 node\\(s\\) in this run; n2 and any after it might not finish within the run's budget of ${tight.budget}s .*run pulumi up again, it resumes here`));
        assert.equal(state(t).nodes.n2.unschedulable, false, "n2 not touched");
        const before = t.calls().length;
        // The next run resumes (with the production-sized budget: this run's own clock is not what is tested).
        assert.equal((await run(t, { F: "new", P: "old" }, { timeouts: { ...slowInstall, budget: fast.budget } })).code, 0);
        assert.ok(!t.calls().slice(before).includes("kubectl cordon n1"), "n1 is not drained again");
        assertConverged(t, "new");
    });
});

describe("the Gateway API enablement and its delete (stand-in az playing AKS)", () => {
    type Cluster = { installation: string; istio: string; provisioningState: string } | null;
    function azure(cluster: Cluster, extra: { loggedIn?: boolean; updatePolls?: number; failUpdateWith?: string } = {}): StandIns {
        // STAND-IN az: a shell wrapper (logs the call) around test/helpers/standInAz.cjs.
        const t = standIns({ az: `exec "${process.execPath}" "${join(__dirname, "helpers", "standInAz.cjs")}" "$@"` });
        writeFileSync(join(t.state, "azure.json"), JSON.stringify({ loggedIn: true, updatePolls: 2, ...extra, cluster }));
        return t;
    }
    const cluster = (t: StandIns) => JSON.parse(readFileSync(join(t.state, "azure.json"), "utf8")).cluster as Cluster;
    // A generous bound where a run is meant to finish (each stand-in az call starts a node process, seconds apart on
    // a loaded machine), and a short one only where the bound itself is under test.
    const scripts = gatewayApiCommands({ timeoutSeconds: 120, pollSeconds: 1 });
    const shortScripts = gatewayApiCommands({ timeoutSeconds: 4, pollSeconds: 1 });
    const env = { RESOURCE_GROUP: "rg", CLUSTER: "aks" };
    const off = () => ({ installation: "", istio: "", provisioningState: "Succeeded" });
    const updates = (t: StandIns) => t.calls().filter((c) => c.startsWith("az aks update"));

    it("enables, waits for AKS to finish, and a second run changes nothing", async () => {
        const t = azure(off());
        const r = await runScript(t, scripts.create, { env });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(cluster(t), { installation: "Standard", istio: "Enabled", provisioningState: "Succeeded", polls: 0 });
        assert.deepEqual(updates(t), ["az aks update --enable-gateway-api --enable-app-routing-istio --resource-group rg --name aks --no-wait --only-show-errors --output none"]);
        const again = await runScript(t, scripts.create, { env });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(updates(t).length, 1, "no second update");
    });

    it("killed after starting the update: the next run waits for that update instead of starting another (OperationNotAllowed)", async () => {
        const t = azure(off(), { updatePolls: 3 });
        const killed = await runScript(t, scripts.create, { env, killWhen: /^az aks update/ });
        assert.notEqual(killed.code, 0);
        assert.equal(cluster(t)!.provisioningState, "Updating");
        const again = await runScript(t, scripts.create, { env });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(cluster(t)!.istio, "Enabled");
        assert.equal(updates(t).length, 1, "the killed run's update finished the job");
    });

    it("gives up at its bound saying what it waited for; an update AKS fails is reported as such", async () => {
        const slow = azure(off(), { updatePolls: 1000 });
        const r = await runScript(slow, shortScripts.create, { env });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /waited 4s for az aks update --enable-gateway-api --enable-app-routing-istio on aks \(provisioningState Updating\)/);
        const failed = azure(off(), { failUpdateWith: "Failed" });
        const f = await runScript(failed, scripts.create, { env });
        assert.equal(f.code, 1);
        assert.match(f.stderr, /az aks update --enable-gateway-api --enable-app-routing-istio ended Failed on aks/);
    });

    it("delete disables the implementation of a cluster that stays", async () => {
        const t = azure({ installation: "Standard", istio: "Enabled", provisioningState: "Succeeded" });
        const r = await runScript(t, scripts.delete, { env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(cluster(t)!.istio, "Disabled");
        assert.ok(t.calls().includes("az aks approuting gateway istio disable --resource-group rg --name aks --yes --only-show-errors --output none"));
    });

    it("delete succeeds with nothing to undo: the cluster is gone, or the implementation is already off", async () => {
        const gone = azure(null);
        const r = await runScript(gone, scripts.delete, { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /cluster aks is gone: nothing to undo/);
        const already = azure({ installation: "Standard", istio: "Disabled", provisioningState: "Succeeded" });
        const a = await runScript(already, scripts.delete, { env });
        assert.equal(a.code, 0, a.stderr);
        assert.ok(!already.calls().some((c) => c.includes("disable --resource-group")), "no disable call");
        assert.deepEqual(gone.leftovers(), []);
    });

    it("delete does not block a destroy when az is logged out or missing, and says what to run by hand", async () => {
        const t = azure({ installation: "Standard", istio: "Enabled", provisioningState: "Succeeded" }, { loggedIn: false });
        const r = await runScript(t, scripts.delete, { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /az is not logged in, .*if the cluster stays, run: az login, then az aks approuting gateway istio disable --resource-group rg --name aks --yes/);
        const none = standIns({});
        const n = await runScript(none, scripts.delete, { env: { ...env, PATH: `${none.bin}:/usr/bin:/bin`.replace(/:[^:]*azure[^:]*/g, "") } });
        assert.equal(n.code, 0, n.stderr);
        assert.match(n.stderr, /no az here/);
    });

    it("delete still fails on an error it cannot read as 'nothing to undo' (no rights to read the cluster)", async () => {
        const t = azure({ installation: "Standard", istio: "Enabled", provisioningState: "Succeeded" });
        const state = JSON.parse(readFileSync(join(t.state, "azure.json"), "utf8"));
        writeFileSync(join(t.state, "azure.json"), JSON.stringify({ ...state, showError: "ERROR: (AuthorizationFailed) The client does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read'" }));
        const r = await runScript(t, scripts.delete, { env });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /AuthorizationFailed/);
    });
});

describe("the shim command's reads and records with the real kubectl (1.32) against a stand-in Node API", () => {
    // The stand-in kubectl above proves the order of the calls; this proves their syntax: real kubectl parses the
    // jsonpath templates (keys with "/"), the label selectors and the annotate/label arguments the script sends.
    const F = "f".repeat(64);
    const node = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): StandInNode => ({
        metadata: { name, labels: { "aks-wasm/pool": "wasm", ...labels }, annotations },
        spec: {},
    });
    const kubeconfig = (url: string) =>
        `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${url}"}}]\nusers: [{name: u, user: {token: stand-in}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
    const script = shimReinstallScript({ namespace: "runtime-class-manager", shimName: "spin-v2", poolSelector: { "aks-wasm/pool": "wasm" } });
    const hasKubectl = (() => {
        try {
            return execFileSync("kubectl", ["version", "--client"], { encoding: "utf8" }).includes("Client Version");
        } catch {
            return false;
        }
    })();

    it("releases a node a killed run left cordoned and marked, once it runs the current shim", { skip: !hasKubectl && "no kubectl on PATH" }, async () => {
        const marked = node("left-marked", { "spin-v2": "provisioned", [REINSTALL_CORDON_MARK]: "cordoned" }, { [REINSTALL_FINGERPRINT_ANNOTATION]: F });
        marked.spec.unschedulable = true;
        const api = await nodeApiStandIn([node("done", { "spin-v2": "provisioned" }, { [REINSTALL_FINGERPRINT_ANNOTATION]: F }), marked]);
        try {
            const t = standIns({});
            const r = await runScript(t, script, { input: kubeconfig(api.url), env: { SHIM_FINGERPRINT: F, PULUMI_COMMAND_STDOUT: "an older fingerprint", PATH: process.env.PATH! } });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /left-marked was left cordoned by an earlier run and runs the current shim: uncordoning it/);
            assert.equal(marked.spec.unschedulable, false, "uncordoned");
            assert.equal(marked.metadata.labels[REINSTALL_CORDON_MARK], undefined, "unmarked");
            assert.ok(api.requests.some((q) => q.startsWith("GET /api/v1/nodes?labelSelector=aks-wasm%2Fshim-reinstall")), api.requests.join("\n"));
            assert.deepEqual(t.leftovers(), []);
        } finally {
            await api.close();
        }
    });

    it("adopts a node RCM installed (annotates it with the fingerprint) and prints the fingerprint", { skip: !hasKubectl && "no kubectl on PATH" }, async () => {
        const api = await nodeApiStandIn([
            node("done", { "spin-v2": "provisioned" }, { [REINSTALL_FINGERPRINT_ANNOTATION]: F }),
            node("added", { "spin-v2": "provisioned" }),
            { metadata: { name: "system", labels: { "kubernetes.azure.com/mode": "system" }, annotations: {} }, spec: {} },
        ]);
        try {
            const t = standIns({});
            const r = await runScript(t, script, { input: kubeconfig(api.url), env: { SHIM_FINGERPRINT: F, PULUMI_COMMAND_STDOUT: F, PATH: process.env.PATH! } });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stdout, `${F}\n`, "stdout carries only the fingerprint (kubectl's own messages go to stderr)");
            assert.equal(api.nodes.find((n) => n.metadata.name === "added")!.metadata.annotations[REINSTALL_FINGERPRINT_ANNOTATION], F);
            assert.ok(api.requests.some((q) => q.startsWith("GET /api/v1/nodes?labelSelector=aks-wasm%2Fpool%3Dwasm")), "the pool's selector");
            assert.ok(!api.requests.some((q) => q.includes("/nodes/system")), "a node outside the pool is never read");
            assert.deepEqual(t.leftovers(), []);
        } finally {
            await api.close();
        }
    });
});
