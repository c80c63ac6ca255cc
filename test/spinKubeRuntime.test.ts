/**
 * The shim's life after day one (platform-contracts RCM-2, RCM-3, RCM-5, CONV-6): what makes a new shim version
 * reach nodes that already have one, under Pulumi's mocks. The reinstall script itself runs against a stand-in
 * kubectl, failed and killed at each step, in test/faultInjection.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installOfflineMocks, isSecretInput, settle, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

let run: OfflineRun;
let mod: typeof import("../components/platform/spinKubeRuntime");
let pool: typeof import("../components/platform/wasmNodePool");
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# stand-in kubeconfig (tests)\n";
/** URNs each registered resource depends on, by resource name (read off the mock monitor). */
const dependencies = new Map<string, string[]>();
let runtimes: { withKubeconfig: import("../components/platform/spinKubeRuntime").SpinKubeRuntime; without: import("../components/platform/spinKubeRuntime").SpinKubeRuntime };

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
        dependencies.set(req.getName(), req.getDependenciesList());
        return original(req, callback);
    };
    const k8s = await import("@pulumi/kubernetes");
    const pulumi = await import("@pulumi/pulumi");
    mod = await import("../components/platform/spinKubeRuntime.js");
    pool = await import("../components/platform/wasmNodePool.js");
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    runtimes = {
        withKubeconfig: new mod.SpinKubeRuntime("spinkube", { provider, placement: pool.wasmPlacement(), kubeconfig: pulumi.secret(KUBECONFIG) }),
        without: new mod.SpinKubeRuntime("nokube", { provider, placement: pool.wasmPlacement(), namespace: "rcm-other" }),
    };
    await settle();
});

describe("Shim name and RuntimeClass (RCM-1, RCM-3)", () => {
    it("names the Shim after the binary the release tarball holds, so RCM's downloader finds containerd-shim-spin-v2", () => {
        const shim = find("kubernetes:runtime.spinkube.dev/v1alpha1:Shim", "spinkube-shim").inputs;
        assert.equal(shim.metadata.name, "spin-v2");
        // The runtime name RCM registers is the binary's name without `containerd-shim-`: the RuntimeClass handler.
        assert.equal(find("kubernetes:node.k8s.io/v1:RuntimeClass", "spinkube-runtimeclass").inputs.handler, shim.metadata.name);
        assert.equal(shim.spec.runtimeClass.handler, shim.metadata.name);
        for (const p of shim.spec.fetchStrategy.platforms) {
            assert.match(p.location, new RegExp(`/containerd-shim-${shim.metadata.name}-linux-${p.arch}\\.tar\\.gz$`));
        }
    });
    it("creates the RuntimeClass before the Shim, so RCM (which creates one only when none exists) never writes to it", () => {
        const rc = find("kubernetes:node.k8s.io/v1:RuntimeClass", "spinkube-runtimeclass");
        assert.ok(dependencies.get("spinkube-shim")?.includes(rc.urn), "the Shim depends on the RuntimeClass");
    });
});

describe("Shim install fingerprint", () => {
    const placement = () => pool.wasmPlacement();
    it("changes with the shim version (a version bump triggers the reinstall)", () => {
        const current = mod.shimInstallFingerprint(mod.shimSpec(placement()));
        const bumped = mod.shimInstallFingerprint(mod.shimSpec(placement(), { ...mod.SPINKUBE_VERSIONS, shim: "v0.24.0" }));
        assert.match(current, /^[0-9a-f]{64}$/);
        assert.notEqual(bumped, current);
    });
    it("changes with a tarball digest", () => {
        const current = mod.shimInstallFingerprint(mod.shimSpec(placement()));
        const sha = { ...mod.SPINKUBE_VERSIONS.shimSha256, aarch64: "0".repeat(64) };
        assert.notEqual(mod.shimInstallFingerprint(mod.shimSpec(placement(), { shim: mod.SPINKUBE_VERSIONS.shim, shimSha256: sha })), current);
    });
    it("ignores what a reinstall would not apply (containerd runtime options) and the placement", () => {
        const spec = mod.shimSpec(placement());
        const other = { ...spec, containerdRuntimeOptions: { SystemdCgroup: "false" }, nodeSelector: { other: "pool" } };
        assert.equal(mod.shimInstallFingerprint(other), mod.shimInstallFingerprint(spec));
        // Key order is not content: the engine may hand the spec back with its keys sorted.
        const reordered = { fetchStrategy: { platforms: spec.fetchStrategy.platforms.map(({ sha256, location, arch, os }) => ({ sha256, location, arch, os })) } };
        assert.equal(mod.shimInstallFingerprint(reordered), mod.shimInstallFingerprint(spec));
    });
});

describe("Shim reinstall command", () => {
    const cmd = () => find("command:local:Command", "spinkube-shim-reinstall").inputs;
    it("carries the fingerprint of the spec the Shim gets, and runs after the Shim", () => {
        const shim = find("kubernetes:runtime.spinkube.dev/v1alpha1:Shim", "spinkube-shim");
        assert.equal(cmd().environment.SHIM_FINGERPRINT, mod.shimInstallFingerprint(shim.inputs.spec));
        assert.ok(dependencies.get("spinkube-shim-reinstall")?.includes(shim.urn), "depends on the Shim");
    });
    it("runs the same reconcile on create and update, over the Wasm pool's nodes, with the kubeconfig a secret on stdin only", () => {
        const script = mod.shimReinstallScript({ namespace: "runtime-class-manager", shimName: "spin-v2", poolSelector: pool.wasmPlacement().nodeSelector });
        assert.equal(cmd().create, script);
        assert.equal(cmd().update, script);
        assert.match(script, /names 'aks-wasm\/pool=wasm'/);
        assert.equal(cmd().addPreviousOutputInEnv, true);
        assert.ok(isSecretInput(cmd().stdin), "stdin is a secret");
        assert.equal(cmd().stdin.value, KUBECONFIG);
        assert.ok(!JSON.stringify({ ...cmd(), stdin: undefined }).includes("stand-in kubeconfig (tests)"));
    });
    it("runs on every pulumi up, so a node a killed run left cordoned is released whatever the config says now", () => {
        // A failed update keeps Pulumi's old state: without a per-run input, reverting the version would run nothing.
        assert.match(cmd().environment.SHIM_RECONCILE_RUN, /^\d{4}-\d\d-\d\dT/);
    });
    it("is what workloads wait for (nodesReady); without a kubeconfig, the Shim is", async () => {
        const urn = (r: import("@pulumi/pulumi").Resource) => new Promise((resolve) => r.urn.apply(resolve));
        assert.equal(await urn(runtimes.withKubeconfig.nodesReady), find("command:local:Command", "spinkube-shim-reinstall").urn);
        assert.equal(run.resources.filter((r) => r.name === "nokube-shim-reinstall").length, 0);
        assert.equal(runtimes.without.nodesReady, runtimes.without.shim);
    });
    it("refuses names that are not DNS labels, and an empty pool selector, before they reach a shell", () => {
        const poolSelector = { "aks-wasm/pool": "wasm" };
        assert.throws(() => mod.shimReinstallScript({ namespace: "x'; rm -rf /", shimName: "spin-v2", poolSelector }), /namespace = "x'; rm -rf \/": a lower-case DNS label/);
        assert.throws(() => mod.shimReinstallScript({ namespace: "rcm", shimName: "spin-v2", poolSelector: { "a'b": "c" } }), /a Kubernetes label/);
        assert.throws(() => mod.shimReinstallScript({ namespace: "rcm", shimName: "spin-v2", poolSelector: {} }), /would select every node/);
    });
    it("bounds every wait: drain, Job delete, provisioning, each request, and the run's budget per node at worst", () => {
        const script = mod.shimReinstallScript({ namespace: "rcm", shimName: "spin-v2", poolSelector: { a: "b" } });
        const t = mod.REINSTALL_TIMEOUT_SECONDS;
        assert.match(script, new RegExp(`drain "\\$node" .*--timeout=${t.drain}s`));
        assert.match(script, new RegExp(`delete job .*--timeout=${t.jobDelete}s`));
        assert.match(script, new RegExp(`-ge ${t.install} \\]`));
        assert.match(script, new RegExp(`--request-timeout=${t.request}s`));
        assert.match(script, new RegExp(`\\+ ${mod.reinstallNodeWorstCaseSeconds()} \\)\\) -gt ${t.budget} \\]`));
        assert.ok(mod.reinstallNodeWorstCaseSeconds() <= t.budget, "at least one node fits in a run");
    });
});

// The script's behaviour against a stand-in cluster, killed at each step: test/faultInjection.test.ts.
