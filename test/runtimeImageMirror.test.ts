/**
 * RuntimeImageMirror (components/platform/runtimeImageMirror.ts): runtime-class-manager's images imported into the
 * registry and pinned by the digest stored at the first import. The script runs against a STAND-IN az (a shell
 * script below, not the Azure CLI and not ACR) that keeps tags in files and, like ACR's `NoForce` import mode
 * (SUP-1), refuses to overwrite an existing tag.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { imageMirrorScript, imageMirrorWorstCaseSeconds, MIRROR_PREFIX, MIRROR_TIMEOUT_SECONDS, mirroredImages, mirrorTargets, parseMirrorOutput } from "../components/platform/runtimeImageMirror";
import { isReservedNamespace } from "../lib/kubernetes/appTeams";
import { RCM_IMAGES, rcmImageValues } from "../components/platform/spinKubeRuntime";
import { runScript, standIns, type StandIns } from "./helpers/standInTools";

const targets = mirrorTargets(RCM_IMAGES);
const D = (c: string) => `sha256:${c.repeat(64)}`;

describe("what is mirrored, and where", () => {
    it("each of the three images keeps its name and tag under spinkube/", () => {
        assert.deepEqual(targets, [
            { key: "manager", source: "ghcr.io/spinframework/runtime-class-manager:v0.2.0", repository: "spinkube/runtime-class-manager", tag: "v0.2.0" },
            { key: "shimDownloader", source: "ghcr.io/spinframework/shim-downloader:v0.2.0", repository: "spinkube/shim-downloader", tag: "v0.2.0" },
            { key: "nodeInstaller", source: "ghcr.io/spinframework/node-installer:v0.2.0", repository: "spinkube/node-installer", tag: "v0.2.0" },
        ]);
    });
    it("no app team can own the mirror's repositories: a team namespace <ns> owns <ns>/…, and spinkube is reserved", () => {
        assert.ok(isReservedNamespace(MIRROR_PREFIX));
    });
    it("refuses a reference the script could not quote safely", () => {
        assert.throws(() => mirrorTargets({ ...RCM_IMAGES, manager: { repository: "ghcr.io/x'; rm -rf /", tag: "v1" } }), /manager: .* not a repository:tag/);
        assert.throws(() => mirrorTargets({ ...RCM_IMAGES, manager: { repository: "ghcr.io/x", tag: "v1 --force" } }), /not a repository:tag/);
    });
    it("the chart values name <acr>/spinkube/<image> with <tag>@sha256:<digest> for all three images", () => {
        const values = rcmImageValues(mirroredImages("acrx.azurecr.io", targets, { manager: D("a"), shimDownloader: D("b"), nodeInstaller: D("c") }));
        // The chart's templates write "<repository>:<tag>" (SUP-3).
        const refs = [values.image, values.rcm.shimDownloaderImage, values.rcm.nodeInstallerImage].map((i) => `${i.repository}:${i.tag}`);
        assert.deepEqual(refs, [
            `acrx.azurecr.io/spinkube/runtime-class-manager:v0.2.0@${D("a")}`,
            `acrx.azurecr.io/spinkube/shim-downloader:v0.2.0@${D("b")}`,
            `acrx.azurecr.io/spinkube/node-installer:v0.2.0@${D("c")}`,
        ]);
    });
    it("reads the digests from the command's output, and names every missing or malformed one", () => {
        const out = `manager spinkube/runtime-class-manager:v0.2.0 ${D("a")}\nshimDownloader spinkube/shim-downloader:v0.2.0 ${D("b")}\nnodeInstaller spinkube/node-installer:v0.2.0 ${D("c")}\n`;
        assert.deepEqual(parseMirrorOutput(out, targets), { manager: D("a"), shimDownloader: D("b"), nodeInstaller: D("c") });
        assert.throws(
            () => parseMirrorOutput(`manager spinkube/runtime-class-manager:v0.2.0 sha256:abc\n`, targets),
            /manager \(spinkube\/runtime-class-manager:v0\.2\.0\): digest "sha256:abc"; shimDownloader .*: no line; nodeInstaller .*: no line/,
        );
    });
});

/** The stand-in az: `acr repository show` and `acr import` over tag files in $STANDIN_STATE. */
const AZ = `
img=""; src=""; prev=""
for a in "$@"; do case "$prev" in --image) img="$a";; --source) src="$a";; esac; prev="$a"; done
f="$S/tag-$(printf '%s' "$img" | tr '/:' '__')"
case "$1 $2" in
"acr repository")
  if [ -f "$S/read-fails" ]; then echo "ERROR: stand-in: (Forbidden) the token lacks repositories/metadata/read" >&2; exit 1; fi
  if [ -f "$f" ]; then cat "$f"; else echo "ERROR: stand-in: manifest tagged by \${img#*:} is not found" >&2; exit 1; fi;;
"acr import")
  if [ -f "$S/import-fails" ] && grep -qxF "$src" "$S/import-fails"; then echo "ERROR: stand-in: (Unauthorized) the source registry refused" >&2; exit 1; fi
  if [ -f "$f" ]; then echo "ERROR: stand-in: tag \${img#*:} already exists in \${img%%:*} (NoForce)" >&2; exit 1; fi
  if [ -f "$S/hang" ]; then sleep 5; fi
  printf 'sha256:%s\\n' "$(printf '%s' "$src" | sha256sum | cut -c1-64)" > "$f"
  if [ -f "$S/slow" ]; then sleep 2; fi;;
*) echo "stand-in az: unsupported call: $*" >&2; exit 2;;
esac`;

const upstream = (source: string) => `sha256:${createHash("sha256").update(source).digest("hex")}`;
const imports = (t: StandIns) => t.calls().filter((c) => c.startsWith("az acr import"));
const run = (t: StandIns, previous = "", timeout?: number) =>
    runScript(t, imageMirrorScript(targets, timeout === undefined ? undefined : { import: timeout, read: 60 }), { env: { ACR_NAME: "acrx", ...(previous ? { PULUMI_COMMAND_STDOUT: previous } : {}) } });

describe("the mirror script, against a stand-in az", () => {
    it("imports each missing tag once, without --force, and prints one digest line per image", async () => {
        const t = standIns({ az: AZ });
        const first = await run(t);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(
            first.stdout,
            targets.map((x) => `${x.key} ${x.repository}:${x.tag} ${upstream(x.source)}\n`).join(""),
        );
        assert.deepEqual(imports(t), [
            "az acr import --name acrx --source ghcr.io/spinframework/runtime-class-manager:v0.2.0 --image spinkube/runtime-class-manager:v0.2.0 --only-show-errors --output none",
            "az acr import --name acrx --source ghcr.io/spinframework/shim-downloader:v0.2.0 --image spinkube/shim-downloader:v0.2.0 --only-show-errors --output none",
            "az acr import --name acrx --source ghcr.io/spinframework/node-installer:v0.2.0 --image spinkube/node-installer:v0.2.0 --only-show-errors --output none",
        ]);
    });

    it("is idempotent: a second run imports nothing and prints the same digests", async () => {
        const t = standIns({ az: AZ });
        const first = await run(t);
        const second = await run(t, first.stdout);
        assert.equal(second.code, 0, second.stderr);
        assert.equal(second.stdout, first.stdout);
        assert.equal(imports(t).length, 3, "only the first run imported");
    });

    it("converges after a kill in the middle of an import: the next run reads what was imported and imports the rest", async () => {
        const t = standIns({ az: AZ });
        writeFileSync(join(t.state, "slow"), "");
        const killed = await runScript(t, imageMirrorScript(targets), { env: { ACR_NAME: "acrx" }, killWhen: /acr import .*shim-downloader/, signal: "SIGKILL" });
        assert.equal(killed.signal, "SIGKILL");
        assert.equal(killed.stdout, "", "no partial output to record");
        await new Promise((r) => setTimeout(r, 2500)); // the orphaned stand-in import finishes, as ACR's would
        unlinkSync(join(t.state, "slow"));
        const next = await run(t);
        assert.equal(next.code, 0, next.stderr);
        assert.equal(next.stdout.split("\n").filter(Boolean).length, 3);
        assert.deepEqual(
            imports(t).map((c) => c.split(" ")[8]),
            ["spinkube/runtime-class-manager:v0.2.0", "spinkube/shim-downloader:v0.2.0", "spinkube/node-installer:v0.2.0"],
            "each image imported exactly once over both runs",
        );
    });

    it("refuses to follow a tag that now holds another digest than the one pinned at the first import", async () => {
        const t = standIns({ az: AZ });
        const first = await run(t);
        const file = join(t.state, "tag-spinkube_node-installer_v0.2.0");
        assert.ok(existsSync(file));
        writeFileSync(file, `${D("e")}\n`); // someone pushed over the mirrored tag
        const next = await run(t, first.stdout);
        assert.equal(next.code, 1);
        assert.equal(next.stdout, "");
        assert.match(next.stderr, new RegExp(`spinkube/node-installer:v0\\.2\\.0 in acrx now holds ${D("e")}, but this stack pinned ${upstream("ghcr.io/spinframework/node-installer:v0.2.0")}`));
        assert.match(next.stderr, /pulumi up --replace/);
        // Without a previous pin (a deliberate `pulumi up --replace`), the current digest is accepted.
        const replaced = await run(t);
        assert.equal(replaced.code, 0, replaced.stderr);
        assert.match(replaced.stdout, new RegExp(`nodeInstaller spinkube/node-installer:v0\\.2\\.0 ${D("e")}`));
    });

    it("fails, saying so, when an import fails; the tags already imported stay and the next run resumes", async () => {
        const t = standIns({ az: AZ });
        writeFileSync(join(t.state, "import-fails"), "ghcr.io/spinframework/node-installer:v0.2.0\n");
        const failed = await run(t);
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, /az acr import of ghcr\.io\/spinframework\/node-installer:v0\.2\.0 failed or took longer than 300s \(reading spinkube\/node-installer:v0\.2\.0 before it: ERROR: stand-in: manifest tagged by v0\.2\.0 is not found\); run pulumi up again/);
        assert.equal(failed.stdout, "");
        unlinkSync(join(t.state, "import-fails"));
        const next = await run(t);
        assert.equal(next.code, 0, next.stderr);
        assert.equal(next.stdout.split("\n").filter(Boolean).length, 3);
        assert.equal(imports(t).filter((c) => c.includes("--image spinkube/runtime-class-manager:")).length, 1, "not imported again");
        assert.equal(imports(t).filter((c) => c.includes("--image spinkube/node-installer:")).length, 2, "the failed one, retried");
    });

    it("says why a read of a tag failed: a refused read after the import, or before an import that the existing tag refuses", async () => {
        const t = standIns({ az: AZ });
        // Mirrored once; later every read is refused (a token without metadata read, or a role not yet effective).
        const first = await run(t);
        assert.equal(first.code, 0, first.stderr);
        writeFileSync(join(t.state, "read-fails"), "");
        const refused = await run(t, first.stdout);
        assert.equal(refused.code, 1);
        assert.equal(refused.stdout, "");
        // Before anything is imported: the read's own cause, repeated where the import's failure is reported.
        assert.match(refused.stderr, /az acr import of ghcr\.io\/spinframework\/runtime-class-manager:v0\.2\.0 failed .*\(reading spinkube\/runtime-class-manager:v0\.2\.0 before it: ERROR: stand-in: \(Forbidden\) the token lacks repositories\/metadata\/read/);
        assert.match(refused.stderr, /run pulumi up again once the cause is fixed/);
        // Only the read fails: a missing tag is imported, and the read after the import names its cause.
        const u = standIns({ az: AZ });
        writeFileSync(join(u.state, "read-fails"), "");
        const after = await run(u);
        assert.equal(after.code, 1);
        assert.match(after.stderr, /acrx reports digest '' for spinkube\/runtime-class-manager:v0\.2\.0, not sha256:<64 hex> \(az: ERROR: stand-in: \(Forbidden\) the token lacks repositories\/metadata\/read/);
    });

    it("bounds each import: one that hangs is stopped after the timeout, and the run fails naming the wait", async () => {
        const t = standIns({ az: AZ });
        writeFileSync(join(t.state, "hang"), "");
        const started = Date.now();
        const hung = await run(t, "", 1);
        assert.equal(hung.code, 1);
        assert.ok(Date.now() - started < 4500, "stopped by the 1 s bound, before the stand-in's 5 s hang ends");
        assert.match(hung.stderr, /waiting at most 1s/);
        assert.match(hung.stderr, /failed or took longer than 1s/);
    });

    it("bounds every az call, and its worst case is what components/runDuration.ts counts", () => {
        const script = imageMirrorScript(targets);
        const calls = script.split("\n").filter((l) => /\baz acr /.test(l) && !/\becho\b/.test(l));
        assert.equal(calls.length, 1 + targets.length, "one read helper and one import per image");
        for (const line of calls) assert.match(line, /"\$bound" \d+ az acr /, line);
        assert.equal(imageMirrorWorstCaseSeconds(3), 3 * (MIRROR_TIMEOUT_SECONDS.import + 2 * MIRROR_TIMEOUT_SECONDS.read));
    });

    it("needs coreutils' timeout to bound its calls: says so before any az call without it, and takes macOS's gtimeout", async () => {
        // A PATH holding only what the script and the stand-in az use, with no `timeout` (as on macOS).
        const tools = ["sh", "awk", "tr", "cat", "grep", "cut", "sha256sum", "sleep"];
        const which = (tool: string) => execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
        const bare = (extra: Record<string, string>) => {
            const dir = mkdtempSync(join(tmpdir(), "aks-wasm-bare-path-"));
            for (const tool of tools) symlinkSync(which(tool), join(dir, tool));
            // A wrapper, not a symlink: a multi-call binary (busybox) reads its applet from the name it is called by.
            for (const [name, target] of Object.entries(extra)) writeFileSync(join(dir, name), `#!/bin/sh\nexec '${which(target)}' "$@"\n`, { mode: 0o755 });
            return dir;
        };
        const t = standIns({ az: AZ });
        const without = await runScript(t, imageMirrorScript(targets), { env: { ACR_NAME: "acrx", PATH: `${t.bin}:${bare({})}` } });
        assert.equal(without.code, 1);
        assert.match(without.stderr, /^RuntimeImageMirror needs timeout \(GNU coreutils\) to bound each az call; on macOS: brew install coreutils \(gtimeout\)$/m);
        assert.deepEqual(t.calls(), [], "no az call");
        const withG = await runScript(t, imageMirrorScript(targets), { env: { ACR_NAME: "acrx", PATH: `${t.bin}:${bare({ gtimeout: "timeout" })}` } });
        assert.equal(withG.code, 0, withG.stderr);
        assert.equal(withG.stdout.split("\n").filter(Boolean).length, 3);
    });

    it("puts no credential on a command line and writes no file", async () => {
        const t = standIns({ az: AZ });
        await run(t);
        for (const call of t.calls()) assert.doesNotMatch(call, /--password|--username|token/i);
        assert.deepEqual(t.leftovers(), []);
        assert.ok(readFileSync(join(t.state, "calls"), "utf8").length > 0);
    });
});
