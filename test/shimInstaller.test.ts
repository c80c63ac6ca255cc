/**
 * The containerd-2 shim installer (components/platform/shimInstaller.ts): what it and SpinKubeRuntime with
 * `installer: "aks-wasm-daemonset"` register under Pulumi's mocks, and the node script's `node-install` run against
 * stand-ins for the node's tools.
 *
 * The stand-ins (curl, containerd, crictl, systemctl, kubectl) are shell scripts first on PATH. They are not a node:
 * `curl` serves a tarball built here, `containerd config dump` prints the file unmigrated, `systemctl restart
 * containerd` records the config "loaded" and `crictl info` prints it, `kubectl` keeps one node's labels in a file.
 * They prove the script's order of steps, its exits and what it leaves on disk; what real containerd and AKS do is
 * in the register (CD2-*) and is what the first cluster must show (docs/wasm-runtime.md).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, type OfflineRun, type RecordedResource } from "../lib/offline/offline";
import { installShimRuntime } from "../lib/spin/containerdShimConfig";

let run: OfflineRun;
let installer: typeof import("../components/platform/shimInstaller");
let spin: typeof import("../components/platform/spinKubeRuntime");

const of = (type: string, name?: string): RecordedResource[] => run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
function one(type: string, name: string): RecordedResource {
    const found = of(type, name);
    assert.equal(found.length, 1, `expected one ${type} ${name}, found ${found.length}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    const k8s = await import("@pulumi/kubernetes");
    installer = await import("../components/platform/shimInstaller.js");
    spin = await import("../components/platform/spinKubeRuntime.js");
    const pool = await import("../components/platform/wasmNodePool.js");
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    // As Platform composes them on a containerd-2 pool: the installer, and SpinKubeRuntime holding only the RuntimeClass.
    new installer.ShimInstaller("cd2-installer", { provider, placement: pool.wasmPlacement(), release: spin.SPINKUBE_VERSIONS, handler: spin.SPIN_HANDLER });
    new spin.SpinKubeRuntime("cd2", { provider, placement: pool.wasmPlacement(), installer: "aks-wasm-daemonset" });
    await settle();
});

describe("SpinKubeRuntime with the project's installer (containerd-2 images)", () => {
    it("registers no runtime-class-manager, no Shim and no reinstall command", () => {
        assert.equal(of("kubernetes:helm.sh/v3:Release").length, 0);
        assert.equal(of("kubernetes:runtime.spinkube.dev/v1alpha1:Shim").length, 0);
        assert.equal(of("command:local:Command").length, 0);
    });

    it("runs a DaemonSet on exactly the Wasm pool, from an image pinned by digest", () => {
        const ds = one("kubernetes:apps/v1:DaemonSet", "cd2-installer-ds").inputs;
        const pod = ds.spec.template.spec;
        assert.deepEqual(pod.nodeSelector, { "aks-wasm/pool": "wasm" });
        assert.deepEqual(pod.tolerations, [{ key: "aks-wasm/pool", operator: "Equal", value: "wasm", effect: "NoSchedule" }]);
        assert.match(pod.containers[0].image, /^docker\.io\/library\/busybox:1\.37\.0-glibc@sha256:[0-9a-f]{64}$/);
        assert.equal(pod.containers[0].image, installer.SHIM_INSTALLER_IMAGE);
        assert.deepEqual(ds.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
    });

    it("is privileged with the node's PID namespace, in its own privileged namespace, and carries no API token", () => {
        const ds = one("kubernetes:apps/v1:DaemonSet", "cd2-installer-ds").inputs;
        const pod = ds.spec.template.spec;
        assert.equal(pod.hostPID, true, "nsenter into PID 1's namespaces");
        assert.equal(pod.containers[0].securityContext.privileged, true);
        assert.equal(pod.automountServiceAccountToken, false, "it labels its node with the kubelet's own credentials");
        assert.equal(of("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").length, 0);
        assert.equal(of("kubernetes:core/v1:ServiceAccount").length, 0);
        const ns = one("kubernetes:core/v1:Namespace", "cd2-installer-ns").inputs;
        assert.equal(ns.metadata.name, "aks-wasm-shim-installer");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(ds.metadata.namespace, "aks-wasm-shim-installer");
    });

    it("keeps app teams out of its privileged namespace (a Writer there could run a privileged pod on a Wasm node)", async () => {
        const teams = await import("../lib/kubernetes/appTeams.js");
        assert.ok(teams.RESERVED_NAMESPACES.includes(installer.SHIM_INSTALLER_NAMESPACE));
        assert.equal(typeof teams.parseAppTeam(`11111111-1111-1111-1111-111111111111=${installer.SHIM_INSTALLER_NAMESPACE}`), "string", "refused");
    });

    it("runs the generated node script, and rolls the pods when the script changes", () => {
        const cm = one("kubernetes:core/v1:ConfigMap", "cd2-installer-script").inputs;
        const script = installer.shimInstallerScript({ release: spin.SPINKUBE_VERSIONS, handler: spin.SPIN_HANDLER });
        assert.equal(cm.data["install.sh"], script);
        assert.match(cm.data["loop.sh"], /nsenter --target 1 --mount --uts --ipc --net --pid -- bash -s node-install < \/scripts\/install\.sh/);
        const ds = one("kubernetes:apps/v1:DaemonSet", "cd2-installer-ds").inputs;
        assert.equal(ds.spec.template.metadata.annotations["aks-wasm/script-sha256"], createHash("sha256").update(script).digest("hex"));
        const bumped = installer.shimInstallerScript({ release: { ...spin.SPINKUBE_VERSIONS, shim: "v0.24.0" }, handler: spin.SPIN_HANDLER });
        assert.notEqual(createHash("sha256").update(bumped).digest("hex"), ds.spec.template.metadata.annotations["aks-wasm/script-sha256"]);
        assert.deepEqual(ds.spec.template.spec.containers[0].readinessProbe.exec.command, ["test", "-f", "/tmp/installed"]);
    });

    it("keeps the root script in an immutable, generated-name ConfigMap (a change is a new revision, rolled node by node; no edit in place)", () => {
        const cm = one("kubernetes:core/v1:ConfigMap", "cd2-installer-script").inputs;
        assert.equal(cm.immutable, true);
        assert.equal(cm.metadata.name, undefined, "Pulumi generates the name, so a new script is a new ConfigMap");
    });

    it("schedules Wasm pods only on pool nodes the installer labelled provisioned (issue 19 item 5)", () => {
        const rc = one("kubernetes:node.k8s.io/v1:RuntimeClass", "cd2-runtimeclass").inputs;
        assert.equal(rc.handler, "spin-v2");
        assert.deepEqual(rc.scheduling.nodeSelector, { "aks-wasm/pool": "wasm", "spin-v2": "provisioned" });
    });

    it("refuses a shim version or digest that is not one (they are written into a root shell script)", () => {
        assert.throws(() => installer.shimInstallerScript({ release: { ...spin.SPINKUBE_VERSIONS, shim: "v1; rm -rf /" }, handler: "spin-v2" }), /vMAJOR\.MINOR\.PATCH/);
        const bad = { ...spin.SPINKUBE_VERSIONS, shimSha256: { ...spin.SPINKUBE_VERSIONS.shimSha256, x86_64: "$(reboot)" } };
        assert.throws(() => installer.shimInstallerScript({ release: bad, handler: "spin-v2" }), /64 lower-case hex/);
    });
});

/** A fake node: stand-in tools, a containerd config, a tarball with a fake shim. */
function fakeNode(options: { loads?: boolean; bigOutput?: boolean; dumpDropsRuntime?: boolean } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "shim-node-"));
    const bin = join(dir, "bin");
    const state = join(dir, "state");
    mkdirSync(bin);
    mkdirSync(state);
    const payload = join(dir, "payload");
    mkdirSync(payload);
    writeFileSync(join(payload, "containerd-shim-spin-v2"), "#!/bin/sh\necho stand-in shim\n");
    const tarball = join(dir, "shim.tar.gz");
    assert.equal(spawnSync("tar", ["-czf", tarball, "-C", payload, "containerd-shim-spin-v2"]).status, 0);
    const sha = createHash("sha256").update(readFileSync(tarball)).digest("hex");
    const conf = join(dir, "config.toml");
    const original = readFileSync(join(__dirname, "fixtures", "containerd", "agentbaker-azurelinux3.toml"), "utf8");
    writeFileSync(conf, original);
    const tools: Record<string, string> = {
        curl: `echo "curl $*" >> "${state}/calls"; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then cp "${tarball}" "$2"; fi; shift; done`,
        // bigOutput: the match comes first and megabytes follow, as in a real dump (a reader that stops early
        // makes the writer die of SIGPIPE).
        // dumpDropsRuntime: what containerd 2 does to a runtime it migrates away (CD2-2): the dump lacks it.
        containerd: `echo "containerd $*" >> "${state}/calls"; ${options.dumpDropsRuntime ? `grep -v containerd-shim-spin "$2"` : `cat "$2"`}${options.bigOutput ? "; yes filler | head -c 4000000" : ""}`,
        systemctl: `echo "systemctl $*" >> "${state}/calls"; ${options.loads === false ? "true" : `cp "${conf}" "${state}/loaded.toml"`}`,
        crictl: `cat "${state}/loaded.toml" 2>/dev/null || true${options.bigOutput ? "; yes filler | head -c 4000000" : ""}`,
        kubectl: [
            `echo "kubectl $*" >> "${state}/calls"`,
            // The API server's answer: none while the stand-in API is down (the file apiDown exists).
            `[ -f "${state}/apiDown" ] && { echo "stand-in: the server is unreachable" >&2; exit 1; }`,
            // Drop the global flags: --kubeconfig FILE and --request-timeout=…
            'while [ "${1#--}" != "$1" ]; do case "$1" in --kubeconfig) shift 2 ;; *) shift ;; esac; done',
            'case "$1" in',
            `  get) cat "${state}/label" 2>/dev/null || true ;;`,
            `  label) case "$4" in *-) rm -f "${state}/label" ;; *=*) printf '%s' "\${4#*=}" > "${state}/label" ;; esac ;;`,
            "esac",
        ].join("\n"),
    };
    // Fault injection: when "<tool> <args>" matches the glob in KILL_AT, the stand-in kills the whole run (the script
    // runs in its own process group) with SIGKILL, as a node reboot or an OOM kill would; curl first writes half of
    // the tarball (a download cut off).
    const killHere = (name: string, before = "") =>
        `if [ -n "$KILL_AT" ]; then case "${name} $*" in $KILL_AT) ${before} kill -KILL 0 ;; esac; fi`;
    const halfDownload = `o=""; for a in "$@"; do [ "$p" = -o ] && o="$a"; p="$a"; done; head -c 100 "${tarball}" > "$o";`;
    for (const [name, body] of Object.entries(tools)) {
        writeFileSync(join(bin, name), `#!/bin/sh\n${killHere(name, name === "curl" ? halfDownload : "")}\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
    }
    const root = join(dir, "opt", "containerd-shim-spin");
    const release = { shim: "v0.23.0", shimSha256: { x86_64: sha, aarch64: sha } };
    const script = join(dir, "install.sh");
    const write = (r = release, extra: { lockWaitSeconds?: number } = {}) =>
        writeFileSync(
            script,
            installer.shimInstallerScript({ release: r, handler: "spin-v2", installRoot: root, containerdConfig: conf, restartWaitSeconds: 2, taskStateDir: join(dir, "tasks"), ...extra }),
        );
    write();
    return {
        dir, conf, root, original, release, state,
        binary: join(root, "v0.23.0", "containerd-shim-spin-v2"),
        write,
        run(mode = "node-install", options: { killAt?: string } = {}) {
            rmSync(join(state, "calls"), { force: true });
            // setsid: the run is its own process group, which a KILL_AT stand-in kills whole.
            const r = spawnSync("setsid", ["bash", script, mode], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_NAME: "aks-wasm-123-vmss000000", KILL_AT: options.killAt ?? "" },
            });
            const calls = existsSync(join(state, "calls")) ? readFileSync(join(state, "calls"), "utf8").trim().split("\n") : [];
            return { status: r.status, signal: r.signal, stderr: r.stderr, calls };
        },
        /** A running container whose bundle names this shim binary (as containerd writes it, CD2-15); returns its removal. */
        task(binary: string) {
            const bundle = join(dir, "tasks", "k8s.io", `task-${Math.random().toString(16).slice(2)}`);
            mkdirSync(bundle, { recursive: true });
            writeFileSync(join(bundle, "shim-binary-path"), binary);
            return () => rmSync(bundle, { recursive: true });
        },
        /** The stand-in API server stops (or starts) answering. */
        apiDown(down: boolean) {
            if (down) writeFileSync(join(state, "apiDown"), "");
            else rmSync(join(state, "apiDown"), { force: true });
        },
        /** Whether containerd, restarted, takes the config (the stand-in copies it to what `crictl info` prints). */
        loads(yes: boolean) {
            writeFileSync(join(bin, "systemctl"), `#!/bin/sh\n${killHere("systemctl")}\necho "systemctl $*" >> "${state}/calls"; ${yes ? `cp "${conf}" "${state}/loaded.toml"` : "rm -f " + JSON.stringify(join(state, "loaded.toml"))}\n`);
        },
        label: () => (existsSync(join(state, "label")) ? readFileSync(join(state, "label"), "utf8") : undefined),
    };
}

describe("node-install on a fresh Azure Linux 3 node (stand-in tools)", () => {
    it("downloads, verifies, registers, restarts containerd once and labels the node provisioned", () => {
        const node = fakeNode();
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(existsSync(node.binary));
        const runtime = { handler: "spin-v2", binaryPath: node.binary, systemdCgroup: true };
        assert.equal(readFileSync(node.conf, "utf8"), installShimRuntime(node.original, runtime));
        assert.equal(readFileSync(`${node.conf}.aks-wasm.bak`, "utf8"), node.original, "the previous file is kept");
        assert.deepEqual(r.calls.filter((c) => c.startsWith("systemctl")), ["systemctl restart containerd"]);
        assert.ok(r.calls.some((c) => c.startsWith("containerd --config") && c.endsWith("config dump")), "the candidate is checked by containerd first");
        assert.equal(node.label(), "provisioned");
    });

    it("reads large containerd and crictl outputs whole (no pipefail false alarm from an early-exiting grep)", () => {
        const node = fakeNode({ bigOutput: true });
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(node.label(), "provisioned");
        const again = node.run();
        assert.deepEqual(again.calls.filter((c) => c.startsWith("systemctl")), [], "no restart when the runtime is loaded");
    });

    it("a second run changes nothing: no download, no restart, no label call", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const again = node.run();
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls.filter((c) => !/ get node /.test(c)), []);
    });

    it("after a reimage (fresh config, no binary, the label kept), takes the label off, reinstalls and labels again", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        writeFileSync(node.conf, node.original);
        rmSync(node.root, { recursive: true });
        rmSync(join(node.state, "loaded.toml"));
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        const labelCalls = r.calls.filter((c) => c.includes(" label "));
        assert.match(labelCalls[0], /label node aks-wasm-123-vmss000000 spin-v2-$/, "unschedulable first");
        assert.match(labelCalls.at(-1)!, /spin-v2=provisioned --overwrite$/);
        assert.equal(node.label(), "provisioned");
    });

    it("a tarball whose sha256 is not the pinned one is refused: nothing installed, config untouched, no restart", () => {
        const node = fakeNode();
        node.write({ ...node.release, shimSha256: { x86_64: "0".repeat(64), aarch64: "0".repeat(64) } });
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /sha256 is not the pinned/);
        assert.ok(!existsSync(node.binary));
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!r.calls.some((c) => c.startsWith("systemctl")));
        assert.equal(node.label(), undefined);
    });

    it("when containerd does not report the runtime after the restart, the previous config comes back and the node stays unlabelled", () => {
        const node = fakeNode({ loads: false });
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /the previous .* is back/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.deepEqual(r.calls.filter((c) => c.startsWith("systemctl")), ["systemctl restart containerd", "systemctl restart containerd"]);
        assert.equal(node.label(), undefined);
    });

    it("a candidate whose containerd config dump lacks the runtime is refused before config.toml is replaced", () => {
        const node = fakeNode({ dumpDropsRuntime: true });
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /containerd refuses the new config, or drops the runtime from it/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!existsSync(`${node.conf}.aks-wasm.new`));
        assert.ok(!r.calls.some((c) => c.startsWith("systemctl")));
        assert.equal(node.label(), undefined);
    });

    it("a shim binary changed on disk is replaced by the verified release (label off meanwhile)", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const good = readFileSync(node.binary);
        writeFileSync(node.binary, "#!/bin/sh\necho tampered\n");
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.calls.some((c) => c.startsWith("curl")), "downloaded again");
        assert.deepEqual(readFileSync(node.binary), good);
        assert.match(r.calls.find((c) => c.includes(" label "))!, /spin-v2-$/, "unlabelled while it was not the verified binary");
        assert.equal(node.label(), "provisioned");
    });

    it("a new version installs beside the old one, switches the config, and removes the old binary", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        node.write({ ...node.release, shim: "v0.24.0" });
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(existsSync(join(node.root, "v0.24.0", "containerd-shim-spin-v2")));
        assert.ok(!existsSync(node.binary), "v0.23.0 removed (running shims keep their open file)");
        assert.match(readFileSync(node.conf, "utf8"), /v0\.24\.0\/containerd-shim-spin-v2/);
        assert.equal(readFileSync(node.conf, "utf8").split("# BEGIN aks-wasm").length, 2);
    });

    it("node-uninstall takes the label off, restores the original config and removes the binaries", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const r = node.run("node-uninstall");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!existsSync(node.root));
        assert.equal(node.label(), undefined);
        assert.deepEqual(r.calls.filter((c) => c.startsWith("systemctl")), ["systemctl restart containerd"]);
    });
});

describe("node-install killed at each step, then run again (stand-in tools; SIGKILL to the whole run)", () => {
    const runtimeOf = (node: ReturnType<typeof fakeNode>) => ({ handler: "spin-v2", binaryPath: node.binary, systemdCgroup: true });
    /** What a converged node looks like: the block in place, the binary verified, the label on, no leftovers. */
    function assertConverged(node: ReturnType<typeof fakeNode>) {
        assert.equal(readFileSync(node.conf, "utf8"), installShimRuntime(node.original, runtimeOf(node)));
        assert.ok(existsSync(node.binary));
        assert.equal(node.label(), "provisioned");
        assert.ok(!existsSync(`${node.conf}.aks-wasm.new`), "no candidate left beside config.toml");
        assert.deepEqual(readdirSync(node.root).filter((f) => f.startsWith(".tmp.")), [], "no download left");
    }

    it("mid-download: config untouched and unlabelled; the next run discards the partial download and converges", () => {
        const node = fakeNode();
        const killed = node.run("node-install", { killAt: "curl *" });
        assert.equal(killed.signal, "SIGKILL");
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!existsSync(node.binary));
        assert.equal(readdirSync(node.root).filter((f) => f.startsWith(".tmp.")).length, 1, "the stand-in left a partial download");
        assert.equal(node.label(), undefined);
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assertConverged(node);
    });

    it("after extract, with the candidate config written but not checked: config.toml untouched; the next run converges", () => {
        const node = fakeNode();
        const killed = node.run("node-install", { killAt: "containerd *config dump" });
        assert.equal(killed.signal, "SIGKILL");
        assert.ok(existsSync(node.binary));
        assert.equal(readFileSync(node.conf, "utf8"), node.original, "only the candidate beside it was written");
        assert.equal(node.label(), undefined);
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assertConverged(node);
    });

    it("mid config write (a half-written candidate and backup on disk): config.toml is whole; the next run converges", () => {
        const node = fakeNode();
        writeFileSync(`${node.conf}.aks-wasm.new`, node.original.slice(0, 200));
        writeFileSync(`${node.conf}.aks-wasm.bak`, "# BEGIN aks-wasm shim runtime spin-v2\n[plugins.");
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assertConverged(node);
        assert.equal(readFileSync(`${node.conf}.aks-wasm.bak`, "utf8"), node.original, "the backup is rewritten whole");
    });

    it("after the config write, before the restart: the next run restarts containerd and labels", () => {
        const node = fakeNode();
        const killed = node.run("node-install", { killAt: "systemctl restart*" });
        assert.equal(killed.signal, "SIGKILL");
        assert.equal(readFileSync(node.conf, "utf8"), installShimRuntime(node.original, runtimeOf(node)));
        assert.equal(node.label(), undefined);
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls.filter((c) => c.startsWith("systemctl")), ["systemctl restart containerd"]);
        assertConverged(node);
    });

    it("after the config write, before the restart, when containerd then does not load it: the backup comes back", () => {
        const node = fakeNode();
        assert.equal(node.run("node-install", { killAt: "systemctl restart*" }).signal, "SIGKILL");
        node.loads(false);
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /the previous .* is back/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original, "the earlier run's change is undone too");
        assert.equal(node.label(), undefined);
    });

    it("after the restart, before the label: the next run labels without restarting containerd", () => {
        const node = fakeNode();
        const killed = node.run("node-install", { killAt: "kubectl *spin-v2=provisioned*" });
        assert.equal(killed.signal, "SIGKILL");
        assert.equal(node.label(), undefined, "not labelled before the runtime was confirmed and the label call made");
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls.filter((c) => c.startsWith("systemctl")), []);
        assertConverged(node);
    });

    it("an upgrade whose restart fails puts the previous version's block back (its binary is still there)", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const working = readFileSync(node.conf, "utf8");
        node.write({ ...node.release, shim: "v0.24.0" });
        node.loads(false);
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.equal(readFileSync(node.conf, "utf8"), working, "v0.23.0's block, not a file without any");
        assert.ok(existsSync(node.binary), "the running version is not removed");
        assert.equal(node.label(), undefined);
    });

    it("a config containerd did not load is not retried (two containerd restarts) on every loop, only after the back-off", () => {
        const node = fakeNode();
        node.loads(false);
        assert.notEqual(node.run().status, 0);
        const again = node.run();
        assert.notEqual(again.status, 0);
        assert.match(again.stderr, /not restarting it again yet/);
        assert.deepEqual(again.calls.filter((c) => c.startsWith("systemctl")), [], "no restart within the back-off");
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        // After the back-off (the marker aged), it tries again; now containerd takes it.
        const marker = join(node.root, ".refused");
        const old = new Date(Date.now() - 31 * 60 * 1000);
        utimesSync(marker, old, old);
        node.loads(true);
        const later = node.run();
        assert.equal(later.status, 0, later.stderr);
        assert.ok(!existsSync(marker));
        assertConverged(node);
    });

    it("any failure leaves the node unlabelled (a foreign spin-v2 runtime appears in the config of a labelled node)", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        writeFileSync(node.conf, node.original + '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.spin-v2]\n');
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /already declares a runtime "spin-v2" outside/);
        assert.equal(node.label(), undefined);
    });

    it("with the API server unreachable it does not touch containerd on a node whose label it cannot take off", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        writeFileSync(node.conf, node.original); // a reimage: fresh config, the label perhaps still there
        rmSync(join(node.state, "loaded.toml"));
        node.apiDown(true);
        const r = node.run();
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /cannot remove label spin-v2/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!r.calls.some((c) => c.startsWith("systemctl")));
        node.apiDown(false);
        assert.equal(node.run().status, 0);
        assertConverged(node);
    });

    it("bounds every API call (kubectl --request-timeout), and downloads over HTTPS only, within a time limit", () => {
        const node = fakeNode();
        const r = node.run();
        const curl = r.calls.filter((c) => c.startsWith("curl"));
        assert.equal(curl.length, 1);
        assert.match(curl[0], / --proto =https --proto-redir =https /);
        assert.match(curl[0], / --max-time 300 /);
        assert.match(curl[0], / https:\/\/github\.com\/spinframework\/containerd-shim-spin\/releases\/download\/v0\.23\.0\/containerd-shim-spin-v2-linux-[a-z0-9_]+\.tar\.gz$/);
        const kubectl = r.calls.filter((c) => c.startsWith("kubectl"));
        assert.ok(kubectl.length > 0);
        for (const c of kubectl) assert.match(c, / --request-timeout=30s /);
    });

    it("an upgrade keeps the old version while a running container's bundle names it, and removes it once it is gone", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const done = node.task(node.binary);
        node.write({ ...node.release, shim: "v0.24.0" });
        const r = node.run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(existsSync(node.binary), "containerd would drop the task on its next start if the binary were gone");
        assert.match(r.stderr, /kept .*v0\.23\.0: running containers use it/);
        assert.equal(node.label(), "provisioned");
        done();
        assert.equal(node.run().status, 0);
        assert.ok(!existsSync(node.binary));
        assert.ok(existsSync(join(node.root, "v0.24.0", "containerd-shim-spin-v2")));
    });

    it("node-uninstall with Wasm containers still running: config restored and label off, binary kept, told to drain", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        const done = node.task(node.binary);
        const r = node.run("node-uninstall");
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /drain the node and run node-uninstall again/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.equal(node.label(), undefined);
        assert.ok(existsSync(node.binary));
        done();
        assert.equal(node.run("node-uninstall").status, 0);
        assert.ok(!existsSync(node.root));
    });

    it("node-uninstall leaves no backup or candidate beside config.toml", () => {
        const node = fakeNode();
        assert.equal(node.run().status, 0);
        assert.equal(node.run("node-uninstall").status, 0);
        assert.deepEqual(readdirSync(dirname(node.conf)).filter((f) => f.startsWith("config.toml.")), []);
        assert.deepEqual(readdirSync(dirname(node.root)), [], "no version, lock or marker left");
    });

    it("runs one at a time on a node: a run that cannot get the lock fails without touching anything", () => {
        const node = fakeNode();
        node.write({ ...node.release }, { lockWaitSeconds: 1 });
        mkdirSync(dirname(node.root), { recursive: true });
        // Another run holds the lock (flock on the same file) while this one starts.
        const r = spawnSync("flock", [`${node.root}.lock`, "bash", "-c", `bash "$0" node-install`, join(node.dir, "install.sh")], {
            encoding: "utf8",
            env: { ...process.env, NODE_NAME: "aks-wasm-123-vmss000000" },
        });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /another run of the installer holds/);
        assert.equal(readFileSync(node.conf, "utf8"), node.original);
        assert.ok(!existsSync(node.binary));
    });
});
