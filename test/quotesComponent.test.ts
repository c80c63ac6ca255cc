/**
 * The quotes app as a real Wasm component: built with its own `npm run build` (esbuild + j2w, the toolchain
 * apps/hello-wasm uses) and served by a real wasi:http host, jco with a fresh instance per request (FIELD-NOTES §6),
 * on a free loopback port, then spoken to over HTTP.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isComponentBinary, packageDir } from "../apps/hello-wasm/tools/component";
import { freePort } from "../apps/hello-wasm/tools/serve";
import { QUOTES } from "../examples/app-stack/quotes/src/handler";

const appDir = path.resolve(__dirname, "..", "examples", "app-stack", "quotes");
const wasm = path.join(appDir, "dist", "quotes.wasm");
let server: ChildProcess | undefined;
let url = "";
const jcoDir = mkdtempSync(path.join(tmpdir(), "quotes-jco-"));

before(async () => {
    const build = spawnSync(process.execPath, [path.join(packageDir("tsx"), "dist", "cli.mjs"), "build.ts"], { cwd: appDir, encoding: "utf8" });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    const port = await freePort();
    const jco = path.join(packageDir("@bytecodealliance/jco"), "dist", "jco.js");
    server = spawn(process.execPath, [jco, "serve", "--isolate-requests", "instance", "--host", "127.0.0.1", "--port", String(port), "--jco-dir", jcoDir, wasm], {
        detached: true,
        stdio: "ignore",
    });
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            await fetch(`${url}/healthz`);
            break;
        } catch {
            if (Date.now() > deadline) throw new Error("jco serve did not answer within 60 s");
            await new Promise((r) => setTimeout(r, 200));
        }
    }
});

after(() => {
    // jco serve runs the server in a child of its own: signal the process group this test started.
    if (server?.pid) {
        try {
            process.kill(-server.pid, "SIGTERM");
        } catch {
            /* already gone */
        }
    }
    rmSync(jcoDir, { recursive: true, force: true });
});

describe("the built quotes component", () => {
    it("is a Wasm component", () => {
        assert.equal(isComponentBinary(readFileSync(wasm)), true);
    });

    it("serves both routes and the health check", async () => {
        const health = await fetch(`${url}/healthz`);
        assert.deepEqual(await health.json(), { status: "ok" });
        const list = await fetch(`${url}/api/quotes`);
        assert.equal(list.status, 200);
        assert.equal(((await list.json()) as { count: number }).count, QUOTES.length);
        const one = await fetch(`${url}/api/quotes/3`);
        assert.deepEqual(await one.json(), QUOTES[2]);
        assert.equal((await fetch(`${url}/api/quotes/99`)).status, 404);
    });
});
