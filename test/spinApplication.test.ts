/**
 * SpinApplication: the digest Spin prints is what the Deployment runs; the build runs only when sources change;
 * the registry token never reaches state, a command line or a log; and a machine without (the right) Spin gets a
 * message that says what to install.
 *
 * Three layers: parsing real `spin registry push` output (lib/spin/spinPush.ts); the component's wiring under Pulumi
 * mocks; and scripts/spin-build-push.sh run for real, with stand-in `spin` and `az` programs where the real ones
 * are absent from this machine (each stand-in is a fake process written by this test, and says so), and in CI
 * mode with a stand-in network (test/helpers/standin-fetch.cjs) in place of Entra ID and ACR.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installOfflineMocks, settle, valueOf, type OfflineRun } from "../lib/offline/offline";
import { assertSha256Digest, parsePushedDigest, pinnedImageRef, taggedImageRef } from "../lib/spin/spinPush";
import { DEFAULT_SOURCE_GLOBS, hashSources } from "../lib/spin/sourceHash";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "spin-app");
const SCRIPT = path.join(ROOT, "scripts", "spin-build-push.sh");
const LOGIN_SCRIPT = path.join(ROOT, "scripts", "acr-login.sh");
const STANDIN_FETCH = path.join(__dirname, "helpers", "standin-fetch.cjs");
/** Where this test's own node lives: the scripts run `node lib/registry/acrToken.cjs`. */
const NODE_DIR = path.dirname(process.execPath);

/**
 * Digests from Spin's own source (github.com/spinframework/spin @ 94a8fc8a): crates/oci/src/client.rs, test
 * `can_parse_digest_from_manifest_url` (line 1042ff), and docs/content/sips/008-using-oci-registries.md line 61.
 */
const SPIN_DIGEST_A = "sha256:0a867093096e0ef01ef749b12b6e7a90e4952eda107f89a676eeedce63a8361f";
const SPIN_DIGEST_B = "sha256:9f4e7eebb27c0174fe6654ef5e0f908f1edc8f625324a9f49967ccde44a6516b";
/** The lines src/commands/registry.rs (lines 124-125) prints: `println!("Pushed with digest {digest}")` and the no-digest case. */
const PUSHED_LINE = `Pushed with digest ${SPIN_DIGEST_A}`;
const NO_DIGEST_LINE = "Pushed; the registry did not return the digest";

const LOGIN_SERVER = "acrmock.azurecr.io";
const ZERO_USER = "00000000-0000-0000-0000-000000000000";

// ---------------------------------------------------------------------------------------------------------------
// Parsing `spin registry push` output
// ---------------------------------------------------------------------------------------------------------------

test("parsePushedDigest reads the digest from Spin's success line, alone or among other lines", () => {
    assert.equal(parsePushedDigest(`${PUSHED_LINE}\n`), SPIN_DIGEST_A);
    assert.equal(parsePushedDigest(PUSHED_LINE), SPIN_DIGEST_A);
    assert.equal(parsePushedDigest(`Pushed with digest ${SPIN_DIGEST_B}\r\n`), SPIN_DIGEST_B);
    // A warning Spin could print on stdout before pushing does not disturb the parse.
    assert.equal(parsePushedDigest(`Some build outputs are older than their sources\n${PUSHED_LINE}\n`), SPIN_DIGEST_A);
    // The same digest twice (a re-run printed into one log) is still one digest.
    assert.equal(parsePushedDigest(`${PUSHED_LINE}\n${PUSHED_LINE}\n`), SPIN_DIGEST_A);
});

test("parsePushedDigest refuses output without a usable digest, saying why", () => {
    assert.throws(() => parsePushedDigest(`${NO_DIGEST_LINE}\n`), /the registry did not return the digest.*cannot be pinned by digest/);
    assert.throws(() => parsePushedDigest(""), /No digest in the output of spin registry push: .*got no output/);
    assert.throws(() => parsePushedDigest("Error: cannot push Spin application\n"), /expected a line "Pushed with digest sha256:<64 hex>", got "Error: cannot push Spin application"/);
    assert.throws(() => parsePushedDigest("Pushed with digest sha256:abc123\n"), /Invalid image digest "sha256:abc123"/);
    assert.throws(() => parsePushedDigest(`Pushed with digest sha512:${"a".repeat(128)}\n`), /Invalid image digest "sha512:/);
    assert.throws(() => parsePushedDigest(`Pushed with digest ${SPIN_DIGEST_A.toUpperCase().replace("SHA256", "sha256")}\n`), /Invalid image digest/);
    // Only a whole line counts: a quoted line inside another message is not a push result.
    assert.throws(() => parsePushedDigest(`note: expected "${PUSHED_LINE}"\n`), /No digest in the output/);
    assert.throws(() => parsePushedDigest(`${PUSHED_LINE}\nPushed with digest ${SPIN_DIGEST_B}\n`), /names 2 different digests/);
});

test("image references: pinned by digest, tagged by content tag, both validated", () => {
    assert.equal(pinnedImageRef(LOGIN_SERVER, "hello-wasm", SPIN_DIGEST_A), `${LOGIN_SERVER}/hello-wasm@${SPIN_DIGEST_A}`);
    assert.equal(taggedImageRef(LOGIN_SERVER, "hello-wasm", "0123456789abcdef"), `${LOGIN_SERVER}/hello-wasm:0123456789abcdef`);
    assert.throws(() => pinnedImageRef("AcrMock.azurecr.io", "hello-wasm", SPIN_DIGEST_A), /Invalid registry login server "AcrMock.azurecr.io"/);
    assert.throws(() => pinnedImageRef(LOGIN_SERVER, "Hello_Wasm", SPIN_DIGEST_A), /Invalid repository name "Hello_Wasm"/);
    assert.throws(() => taggedImageRef(LOGIN_SERVER, "hello-wasm", "-bad"), /Invalid image tag "-bad"/);
    assert.throws(() => assertSha256Digest("sha256:"), /expected "sha256:" followed by 64 lower-case hex characters/);
});

// ---------------------------------------------------------------------------------------------------------------
// The component under Pulumi mocks
// ---------------------------------------------------------------------------------------------------------------

type SpinApplicationModule = typeof import("../components/app/spinApplication");
let mod: SpinApplicationModule;
let run: OfflineRun;
const temps: string[] = [];

before(async () => {
    run = await installOfflineMocks({
        // What the command returns after `pulumi up`: the script's stdout is `spin registry push`'s stdout.
        overrides: (args) => (args.type === "command:local:Command" ? { stdout: `${PUSHED_LINE}\n`, stderr: "" } : undefined),
    });
    mod = await import("../components/app/spinApplication.js");
});

after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function fixtureCopy(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-spinapp-"));
    temps.push(dir);
    cpSync(FIXTURE, dir, { recursive: true });
    return dir;
}

const registry = { loginServer: pulumi.output(LOGIN_SERVER), name: pulumi.output("acrmock") };

function commandOf(name: string) {
    const found = run.resources.find((r) => r.type === "command:local:Command" && r.name === `${name}-build-push`);
    assert.ok(found, `a command named ${name}-build-push is registered`);
    return found;
}

test("the build-and-push command is triggered by the source hash and the login server, and imageRef pins the pushed digest", async () => {
    const appDir = fixtureCopy();
    const app = new mod.SpinApplication("hello", { appName: "hello-wasm", appDir, registry });
    const expectedHash = hashSources(appDir, {
        globs: [...DEFAULT_SOURCE_GLOBS, "src/**/*.js", "package.json", "static", "static/**"],
    }).digest;
    assert.equal(app.sourceHash, expectedHash);
    assert.equal(app.tag, expectedHash.slice(0, 16));
    assert.equal(await valueOf(app.imageRef), `${LOGIN_SERVER}/hello-wasm@${SPIN_DIGEST_A}`);
    assert.equal(await valueOf(app.digest), SPIN_DIGEST_A);
    assert.equal(await valueOf(app.taggedRef), `${LOGIN_SERVER}/hello-wasm:${app.tag}`);
    await settle();

    const cmd = commandOf("hello");
    assert.deepEqual(cmd.inputs.triggers, [app.sourceHash, LOGIN_SERVER]);
    assert.deepEqual(cmd.inputs.environment, {
        ACR_NAME: "acrmock",
        ACR_LOGIN_SERVER: LOGIN_SERVER,
        SPIN_APP_REFERENCE: `${LOGIN_SERVER}/hello-wasm:${app.tag}`,
    });
    // The app folder is outside the project here, so the paths are absolute; the script is invoked by path.
    assert.equal(cmd.inputs.dir, appDir);
    assert.equal(cmd.inputs.create, `bash ${SCRIPT}`);
    assert.equal(cmd.inputs.logging, "stdoutAndStderr");
    assert.equal(cmd.inputs.addPreviousOutputInEnv, false);
    const component = run.resources.find((r) => r.type === "aks-wasm:index:SpinApplication" && r.name === "hello");
    assert.ok(component);
    assert.equal(cmd.parentUrn, component.urn);
});

test("unchanged sources give equal triggers (nothing runs); a changed source gives new ones", async () => {
    const appDir = fixtureCopy();
    const first = new mod.SpinApplication("same-a", { appName: "hello-wasm", appDir, registry });
    const again = new mod.SpinApplication("same-b", { appName: "hello-wasm", appDir, registry });
    writeFileSync(path.join(appDir, "src", "handler.js"), "export async function handle() { return new Response('changed'); }\n");
    const changed = new mod.SpinApplication("same-c", { appName: "hello-wasm", appDir, registry });
    await settle();
    assert.deepEqual(commandOf("same-a").inputs.triggers, commandOf("same-b").inputs.triggers);
    assert.deepEqual(commandOf("same-a").inputs.create, commandOf("same-b").inputs.create);
    assert.notDeepEqual(commandOf("same-c").inputs.triggers, commandOf("same-a").inputs.triggers);
    assert.notEqual(changed.tag, first.tag);
    assert.equal(again.tag, first.tag);
});

test("inside the project, the command's folder and script path are relative (state is the same on every machine)", async () => {
    const app = new mod.SpinApplication("in-repo", { appName: "fixture-app", appDir: FIXTURE, registry });
    await settle();
    const cmd = commandOf("in-repo");
    assert.equal(process.cwd(), ROOT, "run the tests from the repository root");
    assert.equal(cmd.inputs.dir, "test/fixtures/spin-app");
    assert.equal(cmd.inputs.create, "bash ../../../scripts/spin-build-push.sh");
    assert.ok(existsSync(path.resolve(ROOT, cmd.inputs.dir, "../../../scripts/spin-build-push.sh")));
    assert.match(app.tag, /^[0-9a-f]{16}$/);
});

test("no secret in the command's inputs; the login reads the token from stdin", async () => {
    new mod.SpinApplication("secrets", { appName: "hello-wasm", appDir: fixtureCopy(), registry });
    await settle();
    const cmd = commandOf("secrets");
    const recorded = JSON.stringify({ create: cmd.inputs.create, environment: cmd.inputs.environment, triggers: cmd.inputs.triggers });
    assert.doesNotMatch(recorded, /token|password|secret|accessToken/i);
    assert.equal(cmd.inputs.stdin, undefined);
    // The credentials' environment (AZURE_FEDERATED_TOKEN_FILE and friends in CI) is inherited by the command's
    // process, never copied into its stored `environment`: state stays the same for CI and laptop runs.
    assert.deepEqual(Object.keys(cmd.inputs.environment).sort(), ["ACR_LOGIN_SERVER", "ACR_NAME", "SPIN_APP_REFERENCE"]);
    // The scripts: the token comes from lib/registry/acrToken.cjs and is piped into --password-stdin; no login passes a
    // password argument.
    const login = readFileSync(LOGIN_SCRIPT, "utf8");
    assert.match(login, /node "\$TOKEN_HELPER" \| "\$\{login\[@\]\}"/);
    assert.match(login, /spin registry login -u "\$TOKEN_USER" --password-stdin "\$ACR_LOGIN_SERVER"/);
    assert.doesNotMatch(login + readFileSync(SCRIPT, "utf8"), /(^|\s)(-p|--password)(\s|=)/m);
});

test("invalid arguments are reported together, before any resource is registered", async () => {
    await settle();
    const before = run.resources.length;
    assert.throws(
        () => new mod.SpinApplication("bad", { appName: "Hello_Wasm", appDir: "apps/hello-wasm", registry, tagLength: 4 }),
        (err: Error) => {
            assert.match(err.message, /SpinApplication bad: invalid arguments:/);
            assert.match(err.message, /appName "Hello_Wasm": expected a repository name/);
            assert.match(err.message, /appDir "apps\/hello-wasm": expected an absolute path/);
            assert.match(err.message, /tagLength 4: expected a whole number from 8 to 64/);
            return true;
        },
    );
    const noManifest = mkdtempSync(path.join(tmpdir(), "aks-wasm-nomanifest-"));
    temps.push(noManifest);
    assert.throws(() => new mod.SpinApplication("bad2", { appName: "x", appDir: noManifest, registry }), /holding a Spin manifest \(spin.toml\); none found/);
    // A manifest the checks refuse (lib/spin/spinManifest.ts): a source that does not exist and has no build command.
    writeFileSync(path.join(noManifest, "spin.toml"), 'spin_manifest_version = 2\n[application]\nname = "x"\n[[trigger.http]]\nroute = "/..."\ncomponent = "x"\n[component.x]\nsource = "x.wasm"\n');
    assert.throws(() => new mod.SpinApplication("bad3", { appName: "x", appDir: noManifest, registry }), /spin\.toml:8: \[component\.x\] source "x\.wasm" does not exist and there is no \[component\.x\.build\]/);
    assert.equal(run.resources.length, before, "nothing registered, not even the component");
});

test("in preview the command is registered but nothing has run: imageRef is unknown", async () => {
    await settle();
    const previewRun = await installOfflineMocks({
        preview: true,
        // As in a real preview, a command that has not run has no stdout (lib/offline/mockCloud.cjs answers one anyway).
        overrides: (args) => (args.type === "command:local:Command" ? { stdout: undefined, stderr: undefined } : undefined),
    });
    const app = new mod.SpinApplication("pv", { appName: "hello-wasm", appDir: fixtureCopy(), registry });
    await settle();
    const cmd = previewRun.resources.find((r) => r.type === "command:local:Command" && r.name === "pv-build-push");
    assert.ok(cmd, "the command is registered in preview");
    assert.deepEqual(cmd.inputs.triggers, [app.sourceHash, LOGIN_SERVER]);
    assert.equal(await (app.imageRef as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    assert.equal(await (app.digest as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    // The tag and hash are known in preview: they come from the sources, not from the push.
    assert.match(app.tag, /^[0-9a-f]{16}$/);
});

// ---------------------------------------------------------------------------------------------------------------
// scripts/spin-build-push.sh, run for real
// ---------------------------------------------------------------------------------------------------------------

/** A folder of stand-in programs (fake processes written by this test), to put first on PATH. */
function standinBin(programs: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-standins-"));
    temps.push(dir);
    for (const [name, body] of Object.entries(programs)) {
        writeFileSync(path.join(dir, name), body);
        chmodSync(path.join(dir, name), 0o755);
    }
    return dir;
}

function runScript(opts: { path: string; cwd?: string; env?: Record<string, string> }) {
    const cwd = opts.cwd ?? fixtureCopy();
    const result = spawnSync("/bin/bash", [SCRIPT], {
        cwd,
        encoding: "utf8",
        env: {
            PATH: opts.path,
            HOME: cwd,
            ACR_NAME: "acrmock",
            ACR_LOGIN_SERVER: LOGIN_SERVER,
            SPIN_APP_REFERENCE: `${LOGIN_SERVER}/fixture-app:0123456789abcdef`,
            ...opts.env,
        },
        timeout: 30_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("preflight: no spin on PATH fails with what to install", () => {
    // PATH is an empty folder: the preflight uses only shell builtins, so it needs nothing else.
    const empty = standinBin({});
    const r = runScript({ path: empty });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /Fermyon Spin \('spin'\) not found on PATH: install Fermyon Spin 2.0 or later \(https:\/\/spinframework.dev\/install\)/);
});

test("preflight: a `spin` that is the SPIN model checker is refused with the install hint", () => {
    // Stand-in (fake process): answers like Debian's model checker, whose banner is
    // "Spin Version 6.5.2 -- 6 December 2019" (`spin -V`); to --version it prints its usage.
    const bin = standinBin({
        spin: `#!/bin/sh\necho "Spin Version 6.5.2 -- 6 December 2019"\n`,
    });
    const r = runScript({ path: bin });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not Fermyon Spin: 'spin --version' printed 'Spin Version 6.5.2 -- 6 December 2019'/);
    assert.match(r.stderr, /Debian's package 'spin' is the SPIN model checker/);
    assert.match(r.stderr, /install Fermyon Spin 2.0 or later \(https:\/\/spinframework.dev\/install\)/);
});

test("preflight: the real Debian model checker, where installed, is refused too", (t) => {
    const debianSpin = "/usr/bin/spin";
    const banner = existsSync(debianSpin) ? spawnSync(debianSpin, ["-V"], { encoding: "utf8" }).stdout : "";
    if (!/^Spin Version/.test(banner)) {
        t.skip("Debian's spin (the model checker) is not installed here");
        return;
    }
    const r = runScript({ path: "/usr/bin:/bin" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /'\/usr\/bin\/spin' is not Fermyon Spin: 'spin --version' printed 'use: spin \[-option\]/);
});

test("preflight: Spin older than 2 and a missing az are refused, each with its fix", () => {
    // Stand-ins (fake processes): a Fermyon-style version line, nothing else.
    const old = runScript({ path: standinBin({ spin: `#!/bin/sh\necho "spin 1.5.1 (8d4334e 2023-09-26)"\n` }) });
    assert.equal(old.status, 1);
    assert.match(old.stderr, /is spin 1.5.1 \(8d4334e 2023-09-26\), too old: install Fermyon Spin 2.0 or later/);

    const noNode = runScript({ path: standinBin({ spin: `#!/bin/sh\necho "spin 3.4.1 (0f2d8e3 2025-09-01)"\n` }) });
    assert.equal(noNode.status, 1);
    assert.match(noNode.stderr, /'node' not found on PATH: the registry token helper lib\/registry\/acrToken.cjs runs on Node.js/);

    const noAz = runScript({ path: `${standinBin({ spin: `#!/bin/sh\necho "spin 3.4.1 (0f2d8e3 2025-09-01)"\nexit 0\n` })}:${NODE_DIR}` });
    assert.equal(noAz.status, 1);
    assert.match(noAz.stderr, /Azure CLI \('az'\) not found on PATH: install it/);
    assert.doesNotMatch(noAz.stderr, /building/, "refused before the build");
});

test("preflight: missing settings and a reference outside the registry are refused", () => {
    const empty = standinBin({});
    assert.match(runScript({ path: empty, env: { ACR_NAME: "" } }).stderr, /ACR_NAME is not set/);
    assert.match(
        runScript({ path: empty, env: { SPIN_APP_REFERENCE: "ghcr.io/someone/app:1" } }).stderr,
        /SPIN_APP_REFERENCE 'ghcr.io\/someone\/app:1' is not in the registry 'acrmock.azurecr.io'/,
    );
    const notApp = mkdtempSync(path.join(tmpdir(), "aks-wasm-notapp-"));
    temps.push(notApp);
    assert.match(runScript({ path: empty, cwd: notApp }).stderr, /no spin.toml in .*: run this script with the Spin app's folder/);
});

/**
 * Stand-ins (fake processes) for Fermyon Spin and the Azure CLI, to check the script's plumbing: what goes to
 * stdout, where the token flows, that the temporary Spin login is removed. They log their arguments, their
 * stdin and XDG_CONFIG_HOME to $STANDIN_LOG. The push line is Spin's own format (src/commands/registry.rs:124).
 */
function fakeToolchain(): string {
    return standinBin({
        spin: `#!/bin/bash
set -eu
case "$1" in
  --version) echo "spin 3.4.1 (0f2d8e3 2025-09-01)" ;;
  build) echo "Building component fixture-app with \\\`npm run build\\\`"; echo "Finished building all Spin components" ;;
  registry)
    case "$2" in
      login)
        printf '%s\\n' "$@" > "$STANDIN_LOG/spin-login.argv"
        cat > "$STANDIN_LOG/spin-login.stdin"
        echo "$XDG_CONFIG_HOME" > "$STANDIN_LOG/spin-login.xdg"
        mkdir -p "$XDG_CONFIG_HOME/fermyon"
        echo '{"auths":{}}' > "$XDG_CONFIG_HOME/fermyon/registry-auth.json"
        echo "Successfully logged in as $4 to registry $6" ;;
      push)
        printf '%s\\n' "$@" > "$STANDIN_LOG/spin-push.argv"
        echo "$XDG_CONFIG_HOME" > "$STANDIN_LOG/spin-push.xdg"
        test -f "$XDG_CONFIG_HOME/fermyon/registry-auth.json"
        echo "Pushing app to the Registry..." >&2
        if [ "\${STANDIN_PUSH:-}" = nodigest ]; then echo "${NO_DIGEST_LINE}"; else echo "${PUSHED_LINE}"; fi ;;
    esac ;;
  *) echo "stand-in spin: unexpected $*" >&2; exit 2 ;;
esac
`,
        az: `#!/bin/bash
set -eu
printf '%s\\n' "$*" >> "$STANDIN_LOG/az.argv"
case "$1 $2" in
  "account show") [ "\${STANDIN_AZ_SIGNED_IN:-yes}" = yes ] && echo '{"name":"stand-in"}' || { echo "Please run 'az login' to setup account." >&2; exit 1; } ;;
  "acr login") echo "stand-in-token-7Qx9" ;;
  *) exit 2 ;;
esac
`,
    });
}

test("build and push, for real with stand-in tools: stdout is only the push result; the token only crosses a pipe", () => {
    const log = mkdtempSync(path.join(tmpdir(), "aks-wasm-standin-log-"));
    temps.push(log);
    const r = runScript({ path: `${fakeToolchain()}:${NODE_DIR}:/usr/bin:/bin`, env: { STANDIN_LOG: log } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${PUSHED_LINE}\n`);
    assert.equal(parsePushedDigest(r.stdout), SPIN_DIGEST_A);
    assert.match(r.stderr, /spin-build-push: spin 3.4.1 \(0f2d8e3 2025-09-01\), building /);
    assert.match(r.stderr, /Finished building all Spin components/);
    assert.match(r.stderr, /Successfully logged in as 00000000-0000-0000-0000-000000000000 to registry acrmock.azurecr.io/);

    const read = (f: string) => readFileSync(path.join(log, f), "utf8");
    assert.deepEqual(read("spin-login.argv").trim().split("\n"), ["registry", "login", "-u", ZERO_USER, "--password-stdin", LOGIN_SERVER]);
    assert.equal(read("spin-login.stdin"), "stand-in-token-7Qx9", "the token, without the newline az prints after it");
    assert.deepEqual(read("spin-push.argv").trim().split("\n"), ["registry", "push", `${LOGIN_SERVER}/fixture-app:0123456789abcdef`]);
    assert.match(read("az.argv"), /^acr login -n acrmock --expose-token --only-show-errors --query accessToken --output tsv$/m);
    for (const text of [r.stdout, r.stderr, read("spin-login.argv"), read("spin-push.argv"), read("az.argv")]) {
        assert.doesNotMatch(text, /stand-in-token/);
    }
    // The login lived in a private folder shared by login and push, and is gone afterwards.
    const xdg = read("spin-login.xdg").trim();
    assert.equal(read("spin-push.xdg").trim(), xdg);
    assert.notEqual(xdg, "");
    assert.equal(existsSync(xdg), false);
});

test("a push without a digest, or an Azure CLI that is not signed in, fails the command", () => {
    const log = mkdtempSync(path.join(tmpdir(), "aks-wasm-standin-log-"));
    temps.push(log);
    const noDigest = runScript({ path: `${fakeToolchain()}:${NODE_DIR}:/usr/bin:/bin`, env: { STANDIN_LOG: log, STANDIN_PUSH: "nodigest" } });
    assert.equal(noDigest.status, 1);
    assert.match(noDigest.stderr, /spin registry push printed no 'Pushed with digest sha256:…' line/);

    mkdirSync(path.join(log, "2"));
    const signedOut = runScript({
        path: `${fakeToolchain()}:${NODE_DIR}:/usr/bin:/bin`,
        env: { STANDIN_LOG: path.join(log, "2"), STANDIN_AZ_SIGNED_IN: "no" },
    });
    assert.equal(signedOut.status, 1);
    assert.match(signedOut.stderr, /not signed in to Azure: run 'az login'/);
    assert.doesNotMatch(signedOut.stderr, /building/, "refused before the build");
    assert.equal(existsSync(path.join(log, "2", "spin-push.argv")), false, "nothing was pushed");
});

test("in CI (workload identity), the push logs in with a token made from the federated token file, without az", () => {
    // The workflow provides AZURE_FEDERATED_TOKEN_FILE (kept fresh), AZURE_CLIENT_ID and AZURE_TENANT_ID. There is
    // no az on PATH here: an az session that expired after five minutes cannot matter. The network is a stand-in
    // (test/helpers/standin-fetch.cjs, preloaded into node) answering as Entra ID and ACR do.
    const log = mkdtempSync(path.join(tmpdir(), "aks-wasm-standin-log-"));
    temps.push(log);
    const tokenFile = path.join(log, "federated-token");
    writeFileSync(tokenFile, "stand-in-federated-token\n");
    const toolchain = fakeToolchain();
    rmSync(path.join(toolchain, "az"));
    const r = runScript({
        path: `${toolchain}:${NODE_DIR}:/usr/bin:/bin`,
        env: {
            STANDIN_LOG: log,
            STANDIN_FETCH_LOG: path.join(log, "fetch.jsonl"),
            NODE_OPTIONS: `--require ${STANDIN_FETCH}`,
            AZURE_FEDERATED_TOKEN_FILE: tokenFile,
            AZURE_CLIENT_ID: "00000000-0000-0000-0000-00000000d3e1",
            AZURE_TENANT_ID: "00000000-0000-0000-0000-0000000000aa",
        },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${PUSHED_LINE}\n`);
    assert.match(r.stderr, /registry credentials from workload identity/);
    const read = (f: string) => readFileSync(path.join(log, f), "utf8");
    assert.equal(read("spin-login.stdin"), "stand-in-acr-refresh-token", "the ACR token, on stdin");
    assert.deepEqual(read("spin-login.argv").trim().split("\n"), ["registry", "login", "-u", ZERO_USER, "--password-stdin", LOGIN_SERVER]);
    const requests = read("fetch.jsonl").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(requests[0].form.client_assertion, "stand-in-federated-token", "read from the file at push time");
    assert.equal(requests[1].url, `https://${LOGIN_SERVER}/oauth2/exchange`);
    for (const text of [r.stdout, r.stderr, read("spin-login.argv"), read("spin-push.argv")]) {
        assert.doesNotMatch(text, /stand-in-(acr-refresh|federated|entra)/);
    }
});
