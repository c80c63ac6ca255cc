/**
 * The shim installer's edit of containerd's config (lib/spin/containerdShimConfig.ts) on the files AKS writes
 * (test/fixtures/containerd, rendered from Azure/AgentBaker@06836ee, MIT), and the node script
 * (components/platform/shimInstaller.ts) held to the same bytes: the real script runs under bash here, in its
 * `config-install` / `config-uninstall` modes, on the same files.
 *
 * "Where containerd reads it" is checked on the parsed TOML (smol-toml) and, for containerd 2, through a model of
 * containerd's version-2 migration (`migrateConfig`, plugins/cri/runtime/plugin.go@v2.3.3, platform-contracts
 * CD2-2): a model, not containerd; the first real node must show the same (docs/wasm-runtime.md).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import {
    CRI_RUNTIME_PLUGIN,
    ShimConfigError,
    installShimRuntime,
    runtimePluginOf,
    uninstallShimRuntime,
    type ShimRuntime,
} from "../lib/spin/containerdShimConfig";
import { SPINKUBE_VERSIONS, SPIN_HANDLER } from "../components/platform/spinKubeRuntime";
import { shimInstallerScript, shimRuntime } from "../components/platform/shimInstaller";

const FIXTURES = join(__dirname, "fixtures", "containerd");
const fixture = (file: string) => readFileSync(join(FIXTURES, file), "utf8");

/** Each OS SKU the stack allows for the Wasm pool, the file AKS writes there, and where its containerd reads runtimes. */
const SKUS = [
    { sku: "Ubuntu2204", file: "agentbaker-ubuntu2204.toml", plugin: CRI_RUNTIME_PLUGIN.containerd17, containerd: "1.7" },
    { sku: "Ubuntu (24.04)", file: "agentbaker-ubuntu2404.toml", plugin: CRI_RUNTIME_PLUGIN.containerd2, containerd: "2.3" },
    { sku: "AzureLinux (3)", file: "agentbaker-azurelinux3.toml", plugin: CRI_RUNTIME_PLUGIN.containerd2, containerd: "2.2" },
] as const;

const RUNTIME: ShimRuntime = shimRuntime({ release: SPINKUBE_VERSIONS, handler: SPIN_HANDLER });

type Table = Record<string, any>;

/** Two tables of the IsKata branch of AgentBaker's containerdV2ConfigTemplate (pkg/agent/baker.go@06836ee, MIT). */
const KATA_LINES = [
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]',
    '  runtime_type = "io.containerd.kata.v2"',
    "  privileged_without_host_devices = true",
    '  snapshotter = "overlayfs"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]',
    '    ConfigPath = "/usr/share/defaults/kata-containers/configuration.toml"',
    "",
].join("\n");

/**
 * containerd 2's migration of a version-2 file's CRI runtime settings, reduced to what decides a runtime's fate
 * (`configMigration` + `migrateConfig`, plugins/cri/runtime/plugin.go@v2.3.3 L204-300): the old plugin's
 * `containerd` keys are copied into the new plugin's only where the new one lacks them.
 */
function containerd2Runtimes(doc: Table): Table {
    const plugins = (doc.plugins ?? {}) as Table;
    const dst = structuredClone(plugins[CRI_RUNTIME_PLUGIN.containerd2] ?? {}) as Table;
    const src = plugins[CRI_RUNTIME_PLUGIN.containerd17] as Table | undefined;
    if (src?.containerd) {
        dst.containerd ??= {};
        for (const [k, v] of Object.entries(src.containerd as Table)) if (!(k in dst.containerd)) dst.containerd[k] = v;
    }
    return (dst.containerd?.runtimes ?? {}) as Table;
}

/** containerd 1.7 reads a version-2 file's runtimes from the CRI plugin as written. */
function containerd17Runtimes(doc: Table): Table {
    return ((doc.plugins ?? {})[CRI_RUNTIME_PLUGIN.containerd17]?.containerd?.runtimes ?? {}) as Table;
}

const bash = (() => {
    const dir = mkdtempSync(join(tmpdir(), "shim-installer-"));
    const script = join(dir, "install.sh");
    writeFileSync(script, shimInstallerScript({ release: SPINKUBE_VERSIONS, handler: SPIN_HANDLER }));
    return (mode: "config-install" | "config-uninstall", content: string) => {
        const file = join(dir, `in-${Math.random().toString(36).slice(2)}.toml`);
        writeFileSync(file, content);
        const r = spawnSync("bash", [script, mode, file], { encoding: "utf8" });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
})();

describe("AKS's containerd configs: where each OS SKU's containerd reads runtimes", () => {
    for (const s of SKUS) {
        it(`${s.sku}: the file declares its runtimes (runc, the default) under ${s.plugin}`, () => {
            const doc = parse(fixture(s.file)) as Table;
            assert.equal(doc.version, 2, "AKS heads every file `version = 2` (OS-1)");
            assert.equal(runtimePluginOf(fixture(s.file)), s.plugin);
            const runtimes = s.plugin === CRI_RUNTIME_PLUGIN.containerd2 ? containerd2Runtimes(doc) : containerd17Runtimes(doc);
            assert.equal(runtimes.runc?.runtime_type, "io.containerd.runc.v2");
            assert.equal(doc.imports, undefined, "no imports: containerd reads no drop-in directory on AKS (CD2-3)");
        });
    }
});

describe("installShimRuntime / uninstallShimRuntime on AKS's configs", () => {
    for (const s of SKUS) {
        const original = fixture(s.file);
        const patched = installShimRuntime(original, RUNTIME);

        it(`${s.sku}: the result parses as TOML and carries the runtime where containerd ${s.containerd} reads it`, () => {
            const doc = parse(patched) as Table;
            const runtimes = s.plugin === CRI_RUNTIME_PLUGIN.containerd2 ? containerd2Runtimes(doc) : containerd17Runtimes(doc);
            assert.deepEqual(JSON.parse(JSON.stringify(runtimes[SPIN_HANDLER])), { runtime_type: RUNTIME.binaryPath, options: { SystemdCgroup: true } });
            assert.equal(runtimes.runc?.runtime_type, "io.containerd.runc.v2", "AKS's runtimes are still there");
        });
        it(`${s.sku}: everything else is byte-identical (the original is a prefix; only the block follows)`, () => {
            assert.ok(patched.startsWith(original));
            const added = patched.slice(original.length);
            assert.match(added, /^# BEGIN aks-wasm shim runtime spin-v2\n[^]*# END aks-wasm shim runtime spin-v2\n$/);
            assert.equal(added.split("\n").filter((l) => l.startsWith("[")).length, 2, "one runtime table and its options");
        });
        it(`${s.sku}: idempotent, and uninstall restores the original bytes`, () => {
            assert.equal(installShimRuntime(patched, RUNTIME), patched);
            assert.equal(uninstallShimRuntime(patched, SPIN_HANDLER), original);
            assert.equal(uninstallShimRuntime(original, SPIN_HANDLER), original, "nothing to remove");
        });
        it(`${s.sku}: a new shim version replaces the block (one runtime, the new path)`, () => {
            const next = shimRuntime({ release: { ...SPINKUBE_VERSIONS, shim: "v0.24.0" }, handler: SPIN_HANDLER });
            const bumped = installShimRuntime(patched, next);
            assert.equal(bumped, installShimRuntime(original, next));
            assert.equal(bumped.split("# BEGIN aks-wasm").length, 2);
            assert.ok(!bumped.includes(RUNTIME.binaryPath));
        });
    }

    it("containerd 2 drops a runtime written under the 1.7 plugin name (what runtime-class-manager does on a version-2 file)", () => {
        // Why the section matters (RCM-CD2, CTD-MIG): the same table under io.containerd.grpc.v1.cri is lost.
        const rcmStyle = `${fixture("agentbaker-ubuntu2404.toml")}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.spin-v2]\nruntime_type = "/opt/rcm/bin/containerd-shim-spin-v2"\n`;
        assert.equal(containerd2Runtimes(parse(rcmStyle) as Table)[SPIN_HANDLER], undefined);
        assert.notEqual(containerd2Runtimes(parse(installShimRuntime(fixture("agentbaker-ubuntu2404.toml"), RUNTIME)) as Table)[SPIN_HANDLER], undefined);
    });

    it("a containerd-2 file that also names the 1.7 plugin (AgentBaker's Kata runtimes) still gets containerd 2's section", () => {
        // AgentBaker's containerdV2ConfigTemplate (baker.go@06836ee, the IsKata branch) writes Kata runtimes under
        // io.containerd.grpc.v1.cri into a file whose runc is under io.containerd.cri.v1.runtime: the file declares its
        // runtimes under containerd 2's name, so that is where the block must go (containerd 2 drops the other, CD2-2).
        const withKata = `${fixture("agentbaker-ubuntu2404.toml")}${KATA_LINES}`;
        assert.equal(runtimePluginOf(withKata), CRI_RUNTIME_PLUGIN.containerd2);
        const runtimes = containerd2Runtimes(parse(installShimRuntime(withKata, RUNTIME)) as Table);
        assert.equal(runtimes[SPIN_HANDLER]?.runtime_type, RUNTIME.binaryPath);
    });

    it("round-trips a file without a final newline", () => {
        const original = fixture("agentbaker-ubuntu2404.toml").trimEnd();
        const patched = installShimRuntime(original, RUNTIME);
        assert.ok((parse(patched) as Table).plugins[CRI_RUNTIME_PLUGIN.containerd2].containerd.runtimes[SPIN_HANDLER]);
        assert.equal(uninstallShimRuntime(patched, SPIN_HANDLER), original);
        assert.equal(installShimRuntime(patched, RUNTIME), patched);
    });

    it("refuses a file that already declares the handler outside the block (a second table would stop containerd)", () => {
        const withRcm = `${fixture("agentbaker-ubuntu2204.toml")}\n# RCM runtime config for spin-v2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.spin-v2]\nruntime_type = "/opt/rcm/bin/containerd-shim-spin-v2"\n`;
        assert.throws(() => installShimRuntime(withRcm, RUNTIME), /already declares a runtime "spin-v2" outside the aks-wasm block/);
        const quoted = withRcm.replace("runtimes.spin-v2]", 'runtimes."spin-v2"]');
        assert.throws(() => installShimRuntime(quoted, RUNTIME), ShimConfigError);
    });

    it("refuses a file with no CRI runtimes, and a broken block", () => {
        assert.throws(() => installShimRuntime('version = 2\n[metrics]\n  address = "0.0.0.0:10257"\n', RUNTIME), /declares no CRI runtimes/);
        const patched = installShimRuntime(fixture("agentbaker-ubuntu2404.toml"), RUNTIME);
        assert.throws(() => uninstallShimRuntime(patched.replace("# END aks-wasm shim runtime spin-v2\n", ""), SPIN_HANDLER), /has no "# END/);
    });
});

describe("the node script does exactly what the pure functions do (bash, on the same files)", () => {
    const cases: [string, string][] = [
        ...SKUS.map((s) => [s.sku, fixture(s.file)] as [string, string]),
        ...SKUS.map((s) => [`${s.sku}, already installed`, installShimRuntime(fixture(s.file), RUNTIME)] as [string, string]),
        ["no final newline", fixture("agentbaker-ubuntu2404.toml").trimEnd()],
        ["containerd 2 with Kata's 1.7-named runtimes", `${fixture("agentbaker-ubuntu2404.toml")}${KATA_LINES}`],
        ["an older version installed", installShimRuntime(fixture("agentbaker-azurelinux3.toml"), shimRuntime({ release: { ...SPINKUBE_VERSIONS, shim: "v0.22.0" }, handler: SPIN_HANDLER }))],
    ];
    for (const [name, content] of cases) {
        it(`config-install and config-uninstall: ${name}`, () => {
            const installed = bash("config-install", content);
            assert.equal(installed.status, 0, installed.stderr);
            assert.equal(installed.stdout, installShimRuntime(content, RUNTIME));
            const removed = bash("config-uninstall", installed.stdout);
            assert.equal(removed.status, 0, removed.stderr);
            assert.equal(removed.stdout, uninstallShimRuntime(installed.stdout, SPIN_HANDLER));
        });
    }
    it("refuses what the pure function refuses, with the same words, and writes nothing to stdout", () => {
        const withRcm = `${fixture("agentbaker-ubuntu2404.toml")}[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.spin-v2]\nruntime_type = "/opt/rcm/bin/containerd-shim-spin-v2"\n`;
        const r = bash("config-install", withRcm);
        assert.notEqual(r.status, 0);
        assert.equal(r.stdout, "");
        assert.throws(() => installShimRuntime(withRcm, RUNTIME), (e: Error) => r.stderr.includes(e.message));
        const none = bash("config-install", "version = 2\n");
        assert.notEqual(none.status, 0);
        assert.match(none.stderr, /declares no CRI runtimes/);
    });
});
