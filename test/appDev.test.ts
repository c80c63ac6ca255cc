// `npm run dev` (scripts/dev.ts) end to end: it builds (cache hit when appComponent.test.ts already built), serves
// the component on the port asked for, says when it is ready, and stops everything cleanly on SIGINT, and on
// SIGTERM sent to the npm process itself.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { parseDevArgs } from "../scripts/dev";
import { freePort } from "../apps/hello-wasm/tools/serve";

const root = path.resolve(__dirname, "..");

/** Waits for `Ready: <url>/` in the output; fails if the process exits first or nothing comes within 180 s. */
async function waitReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  // The build may componentize when no other test has built yet: allow for it.
  const deadline = Date.now() + 180_000;
  while (!output().includes(`Ready: ${url}/`)) {
    assert.equal(child.exitCode, null, `dev exited early:\n${output()}`);
    assert.ok(Date.now() < deadline, `no "Ready" line within 180 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True while any process is left in process group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

test("dev flags: defaults, overrides, and every bad flag reported at once", () => {
  assert.deepEqual(parseDevArgs([]), { port: 3000, runtime: "auto", app: undefined, watch: false });
  assert.deepEqual(parseDevArgs(["--port", "8080", "--runtime", "jco"]), { port: 8080, runtime: "jco", app: undefined, watch: false });
  assert.deepEqual(parseDevArgs(["--app", "examples/app-stack/quotes", "--watch"]), { port: 3000, runtime: "auto", app: "examples/app-stack/quotes", watch: true });
  assert.throws(() => parseDevArgs(["--port", "0", "--runtime", "wasmtime", "--verbose", "--app"]), {
    message: [
      "--port (0) must be an integer from 1 to 65535",
      "--runtime (wasmtime) must be one of auto, spin, jco",
      "unknown argument --verbose; accepted: --app <name|folder>, --watch, --port <1-65535>, --runtime auto|spin|jco",
      "--app (missing) must name an app folder or a folder under apps/",
    ].join("\n"),
  });
});

test("npm run dev prints the URL when ready, serves the component there, and exits 0 on SIGINT", async () => {
  const port = await freePort();
  const dev = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  dev.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => dev.once("exit", (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitReady(dev, url, () => output);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const greeting = (await (await fetch(`${url}/from-dev`)).json()) as { runtime: string; path: string };
    assert.deepEqual([greeting.runtime, greeting.path], ["spin-js", "/from-dev"]);

    dev.kill("SIGINT");
    assert.equal(await exit, 0, output);
    assert.equal(await accepts(port), false, "the server is gone once dev has exited");
  } finally {
    dev.kill("SIGKILL");
  }
});

test("SIGTERM to the npm process of `npm run dev` stops the server: the port is freed and no process is left", async () => {
  const port = await freePort();
  // Under `npm test` npm_execpath is the npm that runs us; otherwise the npm on PATH. Its own process group, so
  // every descendant (sh, node, esbuild's service) can be counted afterwards.
  const [command, args] = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
  const npm = spawn(command, [...args, "run", "dev", "--", "--port", String(port)], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  npm.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
  try {
    await waitReady(npm, `http://127.0.0.1:${port}`, () => output);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

    npm.kill("SIGTERM");
    await exit;
    // npm exits as soon as its shell does; the dev server follows within moments.
    const deadline = Date.now() + 30_000;
    while ((groupAlive(npm.pid!) || (await accepts(port))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await accepts(port), false, `port ${port} still accepts connections after npm exited:\n${output}`);
    assert.equal(groupAlive(npm.pid!), false, `processes of npm run dev are still running:\n${output}`);
  } finally {
    if (groupAlive(npm.pid!)) process.kill(-npm.pid!, "SIGKILL");
  }
});
