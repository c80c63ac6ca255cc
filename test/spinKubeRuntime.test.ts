/**
 * The shim's life after day one (platform-contracts RCM-2, RCM-3, RCM-5): what makes a new shim version reach
 * nodes that already have one, under Pulumi's mocks, and the reinstall script run against a stand-in `kubectl`.
 *
 * The stand-in is a shell script written to a temporary directory and put first on PATH: it logs every call and
 * plays RCM's part (after the node's label is removed, the node reads `provisioned`). It is not a cluster: it
 * proves the order and the arguments of the calls and the script's exits, not what a real API server does.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, isSecretInput, settle, type OfflineRun, type RecordedResource } from "../lib/offline";

let run: OfflineRun;
let mod: typeof import("../components/platform/spinKubeRuntime");
let pool: typeof import("../components/platform/wasmNodePool");
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# stand-in kubeconfig (tests)\n";
/** URNs each registered resource depends on, by resource name (read off the mock monitor). */
const dependencies = new Map<string, string[]>();

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
    new mod.SpinKubeRuntime("spinkube", { provider, placement: pool.wasmPlacement(), kubeconfig: pulumi.secret(KUBECONFIG) });
    new mod.SpinKubeRuntime("nokube", { provider, placement: pool.wasmPlacement(), namespace: "rcm-other" });
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
    it("reinstalls only on update, against RCM's namespace, and passes the kubeconfig as a secret on stdin only", () => {
        assert.equal(cmd().create, mod.SHIM_RECORD_SCRIPT);
        assert.equal(cmd().update, mod.shimReinstallScript({ namespace: "runtime-class-manager", shimName: "spin-v2" }));
        assert.equal(cmd().addPreviousOutputInEnv, true);
        assert.ok(isSecretInput(cmd().stdin), "stdin is a secret");
        assert.equal(cmd().stdin.value, KUBECONFIG);
        assert.ok(!JSON.stringify({ ...cmd(), stdin: undefined }).includes("stand-in kubeconfig (tests)"));
    });
    it("is not created without a kubeconfig", () => {
        assert.equal(run.resources.filter((r) => r.name === "nokube-shim-reinstall").length, 0);
    });
    it("refuses names that are not DNS labels before they reach a shell", () => {
        assert.throws(() => mod.shimReinstallScript({ namespace: "x'; rm -rf /", shimName: "spin-v2" }), /namespace = "x'; rm -rf \/": a lower-case DNS label/);
    });
});

/** Runs a script with the stand-in kubectl; returns its exit, stdout and the calls the stand-in logged. */
function runWithStandIn(
    script: string,
    env: { previous?: string; fingerprint: string; nodes: string[]; failDrain?: string; neverProvision?: boolean },
): { status: number | null; stdout: string; stderr: string; calls: string[]; kubeconfigs: string[]; leftover: string[] } {
    const dir = mkdtempSync(join(tmpdir(), "kubectl-standin-"));
    const log = join(dir, "calls.log");
    const seen = join(dir, "kubeconfigs.log");
    const bin = join(dir, "bin");
    const tmp = join(dir, "tmp");
    for (const d of [bin, tmp]) spawnSync("mkdir", ["-p", d]);
    writeFileSync(log, "");
    writeFileSync(seen, "");
    // The stand-in: `--kubeconfig FILE` first (as the script's k() passes it), then the verb.
    const standIn = [
        "#!/bin/sh",
        'shift; cfg="$1"; shift',
        `cat "$cfg" >> '${seen}'; echo '--' >> '${seen}'`,
        `printf '%s\\n' "$*" >> '${log}'`,
        'case "$1" in',
        `  get) if [ "$2" = nodes ]; then printf '%s\\n' $STANDIN_NODES; exit 0; fi`,
        `       if grep -q "^label node $3 " '${log}' && [ -z "\${STANDIN_NEVER_PROVISION:-}" ]; then printf provisioned; else printf pending; fi; exit 0 ;;`,
        '  drain) if [ "$2" = "${STANDIN_FAIL_DRAIN:-}" ]; then exit 1; fi; exit 0 ;;',
        "  *) exit 0 ;;",
        "esac",
    ].join("\n");
    writeFileSync(join(bin, "kubectl"), standIn);
    chmodSync(join(bin, "kubectl"), 0o755);
    const result = spawnSync("sh", ["-c", script], {
        input: KUBECONFIG,
        encoding: "utf8",
        env: {
            PATH: `${bin}:${process.env.PATH}`,
            TMPDIR: tmp,
            SHIM_FINGERPRINT: env.fingerprint,
            STANDIN_NODES: env.nodes.join(" "),
            ...(env.previous !== undefined ? { PULUMI_COMMAND_STDOUT: env.previous } : {}),
            ...(env.failDrain ? { STANDIN_FAIL_DRAIN: env.failDrain } : {}),
            ...(env.neverProvision ? { STANDIN_NEVER_PROVISION: "1" } : {}),
        },
    });
    const calls = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const kubeconfigs = readFileSync(seen, "utf8").split("--\n").filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, kubeconfigs, leftover: existsSync(tmp) ? readdirSync(tmp) : [] };
}

describe("Shim reinstall script, against a stand-in kubectl", () => {
    const fast = { drain: 600, install: 0, poll: 1 };
    const script = (timeouts?: { drain: number; install: number; poll: number }) =>
        mod.shimReinstallScript({ namespace: "runtime-class-manager", shimName: "spin-v2", timeouts });

    it("creates nothing: records the fingerprint only", () => {
        const r = runWithStandIn(mod.SHIM_RECORD_SCRIPT, { fingerprint: "new", nodes: ["n1"] });
        assert.equal(r.status, 0);
        assert.equal(r.stdout, "new\n");
        assert.deepEqual(r.calls, []);
    });
    it("does nothing when the fingerprint is the one it printed last time (only the kubeconfig changed)", () => {
        const r = runWithStandIn(script(), { previous: "same", fingerprint: "same", nodes: ["n1"] });
        assert.equal(r.status, 0);
        assert.equal(r.stdout, "same\n");
        assert.deepEqual(r.calls, []);
    });
    it("on a new fingerprint, drains, clears RCM's Job and label, waits for provisioned and uncordons, node by node", () => {
        const r = runWithStandIn(script(), { previous: "old", fingerprint: "new", nodes: ["aks-wasm-1-vmss000000", "aks-wasm-1-vmss000001"] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "new\n", "stdout is the fingerprint only");
        const perNode = (n: string) => [
            `cordon ${n}`,
            `drain ${n} --ignore-daemonsets --delete-emptydir-data --timeout=600s`,
            `--namespace runtime-class-manager delete job ${n}-spin-v2-install --ignore-not-found --wait=true`,
            `label node ${n} spin-v2-`,
            `get node ${n} --output jsonpath={.metadata.labels.spin-v2}`,
            `uncordon ${n}`,
        ];
        assert.deepEqual(r.calls, [
            "get nodes --selector spin-v2 --output jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
            ...perNode("aks-wasm-1-vmss000000"),
            ...perNode("aks-wasm-1-vmss000001"),
        ]);
        assert.ok(r.kubeconfigs.every((k) => k === KUBECONFIG), "every call reads the kubeconfig from stdin, via a private file");
        assert.deepEqual(r.leftover, [], "the temporary kubeconfig is removed");
    });
    it("deletes the Job by RCM's name, cut to 63 characters", () => {
        const node = "aks-wasmpool-12345678-vmss00000a-with-a-long-suffix-x";
        const r = runWithStandIn(script(), { previous: "old", fingerprint: "new", nodes: [node] });
        const del = r.calls.find((c) => c.includes(" delete job "))!;
        const job = del.split(" ")[4];
        assert.equal(job, `${node}-spin-v2-install`.slice(0, 63));
        assert.equal(job.length, 63);
    });
    it("stops at a node it cannot drain: uncordons it and leaves its shim and label alone", () => {
        const r = runWithStandIn(script(), { previous: "old", fingerprint: "new", nodes: ["n1", "n2"], failDrain: "n1" });
        assert.notEqual(r.status, 0);
        assert.equal(r.stdout, "", "no new fingerprint recorded");
        assert.deepEqual(r.calls.slice(1), ["cordon n1", "drain n1 --ignore-daemonsets --delete-emptydir-data --timeout=600s", "uncordon n1"]);
        assert.match(r.stderr, /could not drain n1; its shim is untouched/);
    });
    it("stops when RCM does not provision the node in time, leaving it cordoned", () => {
        const r = runWithStandIn(script(fast), { previous: "old", fingerprint: "new", nodes: ["n1", "n2"], neverProvision: true });
        assert.notEqual(r.status, 0);
        assert.equal(r.stdout, "");
        assert.ok(!r.calls.includes("uncordon n1"), "n1 stays cordoned");
        assert.ok(!r.calls.some((c) => c.includes("n2")), "n2 is not touched");
        assert.match(r.stderr, /n1 not provisioned after 0s; left cordoned/);
    });
});
