// The dev loop (apps/hello-wasm/tools/devLoop.ts), for real: an app in a folder of its own (the quotes example's
// build, a handler written here), built by its spin.toml build command with the real toolchain (esbuild + j2w),
// served by the dev server, watched. Editing a file serves the new answer on the same port; a broken edit keeps the
// last good build serving; requests running through a swap all get answers; routes come from spin.toml; outbound
// requests reach only the hosts allowed_outbound_hosts lists (after {{ variable }} resolution), as in Spin.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { resolveAppDir, startDevLoop, type DevLoop, type DevLoopEvent } from "../apps/hello-wasm/tools/devLoop";
import { startDevServer } from "../apps/hello-wasm/tools/devServer";

const root = path.resolve(__dirname, "..");
const quotes = path.join(root, "examples", "app-stack", "quotes");
// Inside the repository (so the toolchain resolves from its node_modules), in a git-ignored .build folder.
const appDir = path.join(root, ".build", `devloop-test-${process.pid}`, "shop");

const manifest = (upstreamPort: number | undefined) => `spin_manifest_version = 2

[application]
name = "shop"
version = "0.1.0"

[variables]
upstream_port = { default = "1" }

[[trigger.http]]
route = "/api/..."
component = "shop"

[[trigger.http]]
route = "/healthz"
component = "shop"

[component.shop]
source = "dist/quotes.wasm"
allowed_outbound_hosts = [${upstreamPort === undefined ? "" : '"http://127.0.0.1:{{ upstream_port }}"'}]

[component.shop.build]
command = "npm run build"
watch = ["src/**/*.ts"]
`;

const handler = (greeting: string) => `export function createHandler() {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === "/api/proxy") {
      try {
        const answer = await fetch(url.searchParams.get("to")!);
        return new Response("upstream " + answer.status + ": " + (await answer.text()));
      } catch (error) {
        return new Response("outbound failed: " + String(error), { status: 502 });
      }
    }
    return new Response(${JSON.stringify(greeting)} + " path-info=" + request.headers.get("spin-path-info"));
  };
}
`;

let loop: DevLoop | undefined;
const events: DevLoopEvent[] = [];
const upstreams: http.Server[] = [];

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** Waits (bounded) for an event the loop emits after `from`. */
async function waitFor(what: string, predicate: (e: DevLoopEvent) => boolean, from: number, timeoutMs = 240_000): Promise<DevLoopEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = events.slice(from).find(predicate);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A local upstream that counts the requests it gets. */
async function upstream(answer: string): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end(answer);
  });
  upstreams.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { port: (server.address() as net.AddressInfo).port, hits: () => hits };
}

before(() => {
  mkdirSync(path.join(appDir, "src"), { recursive: true });
  for (const f of ["build.ts", "package.json", "tsconfig.json", "src/index.ts"]) cpSync(path.join(quotes, f), path.join(appDir, f));
  writeFileSync(path.join(appDir, "src", "handler.ts"), handler("hello v1"));
});

after(async () => {
  await loop?.close();
  for (const s of upstreams) s.close();
  rmSync(path.dirname(appDir), { recursive: true, force: true });
});

test("--app takes a folder or a project app's name, and says what it tried", () => {
  assert.equal(resolveAppDir("examples/app-stack/quotes", root), quotes);
  assert.equal(resolveAppDir("hello-wasm", "/"), path.join(root, "apps", "hello-wasm"));
  assert.throws(() => resolveAppDir("nope", root), /--app \(nope\): no spin\.toml in nope or apps\/nope/);
});

test("the dev server listens on loopback only, and names the port when it is taken", async () => {
  await assert.rejects(startDevServer({ hostname: "0.0.0.0", onOutput: () => {} }), /hostname \(0\.0\.0\.0\) must be a loopback address/);
  const taken = http.createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    await assert.rejects(startDevServer({ port, onOutput: () => {} }), new RegExp(`port \\(${port}\\) on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    taken.close();
  }
});

test("the watch loop: routes from spin.toml, edit -> new answer on the same port, in-flight requests survive, a broken build keeps the last good one, outbound only to allowed hosts", async () => {
  const allowed = await upstream("from the allowed upstream");
  const denied = await upstream("from a host not listed");
  writeFileSync(path.join(appDir, "spin.toml"), manifest(undefined));
  loop = await startDevLoop({
    appDir,
    watch: true,
    workers: 1,
    env: { SPIN_VARIABLE_UPSTREAM_PORT: String(allowed.port) },
    log: () => {},
    onOutput: () => {},
    onEvent: (e) => events.push(e),
  });
  const url = loop.url;

  // Routes: spin.toml's, with Spin's headers; a path no route matches gets Spin's empty 404 from the router.
  assert.deepEqual(await get(`${url}/api/items/7`), { status: 200, body: "hello v1 path-info=/items/7" });
  assert.deepEqual(await get(`${url}/healthz`), { status: 200, body: "hello v1 path-info=" });
  assert.deepEqual(await get(`${url}/elsewhere`), { status: 404, body: "" });
  // An empty allowed_outbound_hosts denies every outbound request.
  const deniedFirst = await get(`${url}/api/proxy?to=${encodeURIComponent(`http://127.0.0.1:${allowed.port}/`)}`);
  assert.equal(deniedFirst.status, 502, deniedFirst.body);
  assert.equal(allowed.hits(), 0);

  // Edit a watched file while requests keep running: every request gets an answer, the new one once swapped.
  let mark = events.length;
  let stop = false;
  const statuses: number[] = [];
  const hammer = (async () => {
    while (!stop) statuses.push((await get(`${url}/api/x`)).status);
  })();
  writeFileSync(path.join(appDir, "src", "handler.ts"), handler("hello v2"));
  const served = await waitFor("the rebuilt component to be served", (e) => e.type === "served", mark);
  assert.equal(served.type === "served" && served.generation, 2);
  const drained = await waitFor("the old pool to drain", (e) => e.type === "drained", mark, 60_000);
  stop = true;
  await hammer;
  assert.equal(drained.type === "drained" && drained.leftInFlight, 0);
  assert.ok(statuses.length > 0);
  assert.deepEqual([...new Set(statuses)], [200], "no request failed across the swap");
  assert.equal((await get(`${url}/api/x`)).body, "hello v2 path-info=/x");

  // A broken edit: the build fails, the error is reported, the last good build keeps answering.
  mark = events.length;
  writeFileSync(path.join(appDir, "src", "handler.ts"), "export function createHandler( {\n");
  const failed = await waitFor("the failed build", (e) => e.type === "build-failed", mark);
  assert.match(failed.type === "build-failed" ? failed.message : "", /\[component\.shop\.build\] "npm run build" failed \(exit code \d+\)[\s\S]*handler\.ts/);
  assert.equal((await get(`${url}/api/x`)).body, "hello v2 path-info=/x");
  assert.equal(loop.generation(), 2);

  // The next save that fixes it is built and served.
  mark = events.length;
  writeFileSync(path.join(appDir, "src", "handler.ts"), handler("hello v3"));
  await waitFor("the fixed build to be served", (e) => e.type === "served", mark);
  assert.equal((await get(`${url}/api/x`)).body, "hello v3 path-info=/x");

  // spin.toml now allows the upstream through a {{ variable }} (set by SPIN_VARIABLE_UPSTREAM_PORT): the loop
  // reloads the manifest and rebuilds; requests reach that host only.
  mark = events.length;
  writeFileSync(path.join(appDir, "spin.toml"), manifest(allowed.port));
  await waitFor("the app with outbound hosts to be served", (e) => e.type === "served", mark);
  assert.equal(readFileSync(path.join(appDir, "spin.toml"), "utf8").includes("{{ upstream_port }}"), true);
  assert.deepEqual(await get(`${url}/api/proxy?to=${encodeURIComponent(`http://127.0.0.1:${allowed.port}/`)}`), { status: 200, body: "upstream 200: from the allowed upstream" });
  const other = await get(`${url}/api/proxy?to=${encodeURIComponent(`http://127.0.0.1:${denied.port}/`)}`);
  assert.equal(other.status, 502, other.body);
  assert.equal(denied.hits(), 0, "a host not listed is never contacted");
  assert.equal(allowed.hits(), 1);
});
