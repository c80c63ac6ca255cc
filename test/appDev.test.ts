// `npm run dev` (scripts/dev.ts) end to end: it builds (cache hit when appComponent.test.ts already built), serves
// the component on the port asked for, says when it is ready, and stops everything cleanly on SIGINT.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { parseDevArgs } from "../scripts/dev";
import { freePort } from "../apps/hello-wasm/tools/serve";

const root = path.resolve(__dirname, "..");

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

test("dev flags: defaults, overrides, and every bad flag reported at once", () => {
  assert.deepEqual(parseDevArgs([]), { port: 3000, runtime: "auto" });
  assert.deepEqual(parseDevArgs(["--port", "8080", "--runtime", "jco"]), { port: 8080, runtime: "jco" });
  assert.throws(() => parseDevArgs(["--port", "0", "--runtime", "wasmtime", "--verbose"]), {
    message: [
      "--port (0) must be an integer from 1 to 65535",
      "--runtime (wasmtime) must be one of auto, spin, jco",
      "unknown argument --verbose; accepted: --port <1-65535>, --runtime auto|spin|jco",
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
    // The build may componentize when no other test has built yet: allow for it.
    const deadline = Date.now() + 180_000;
    while (!output.includes(`Ready: ${url}/`)) {
      assert.equal(dev.exitCode, null, `dev exited early:\n${output}`);
      assert.ok(Date.now() < deadline, `no "Ready" line within 180 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
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
