// The dev server's outbound HTTP boundary without a component: `wasi:http/outgoing-handler.handle` as the in-memory
// host implements it (apps/hello-wasm/tools/memoryHost.ts) with Spin's allow check (lib/spin/spinManifest.ts), and the
// synchronous sender (outbound.ts) against a local server. Also: the dev server's modules import one way only.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { globSync } from "tinyglobby";
import { AllowedHosts } from "../lib/spin/spinManifest";
import { DENY_ALL, Fields, outgoingHandler, OutgoingRequest, type OutboundPolicy, type PlainOutboundRequest } from "../apps/hello-wasm/tools/memoryHost";

function request(scheme: "HTTP" | "HTTPS", authority: string | undefined, pathWithQuery: string): OutgoingRequest {
  const r = new OutgoingRequest(new Fields());
  r.setScheme({ tag: scheme });
  r.setAuthority(authority);
  r.setPathWithQuery(pathWithQuery);
  return r;
}

function policy(entries: string[], sent: PlainOutboundRequest[]): OutboundPolicy {
  const allowed = AllowedHosts.parse(entries);
  return {
    allows: (url) => allowed.allows(url),
    allowsSelf: () => allowed.allowsSelf(),
    selfOrigin: "http://127.0.0.1:3000",
    send: (req) => (sent.push(req), { ok: true, response: { status: 204, headers: [], body: new Uint8Array() } }),
  };
}

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

test("handle denies, before sending anything, every target allowed_outbound_hosts does not allow (SPINHOST-4)", () => {
  const sent: PlainOutboundRequest[] = [];
  const handler = outgoingHandler(policy(["https://api.example.com", "http://*.internal.test:8080"], sent));
  assert.deepEqual(thrown(() => handler.handle(request("HTTPS", "evil.example.com", "/"), undefined)), { tag: "HTTP-request-denied" });
  assert.deepEqual(thrown(() => handler.handle(request("HTTP", "api.example.com", "/"), undefined)), { tag: "HTTP-request-denied" }, "scheme must match");
  assert.deepEqual(thrown(() => handler.handle(request("HTTP", "internal.test:8080", "/"), undefined)), { tag: "HTTP-request-denied" }, "*.d is not d");
  assert.deepEqual(thrown(() => handler.handle(request("HTTP", undefined, "/self"), undefined)), { tag: "HTTP-request-denied" }, "self not listed");
  assert.deepEqual(thrown(() => outgoingHandler(DENY_ALL).handle(request("HTTPS", "api.example.com", "/"), undefined)), { tag: "HTTP-request-denied" });
  assert.equal(sent.length, 0);

  const future = handler.handle(request("HTTPS", "api.example.com", "/v1?q=1"), undefined);
  assert.equal(sent.length, 0, "sent only when the component asks for the answer (its body may follow handle)");
  const answer = future.get();
  assert.equal(answer.tag === "ok" && answer.val.tag, "ok");
  assert.deepEqual(sent.map((r) => [r.method, r.url]), [["GET", "https://api.example.com/v1?q=1"]]);
  handler.handle(request("HTTP", "a.internal.test:8080", "/"), undefined).get();
  assert.equal(sent[1]!.url, "http://a.internal.test:8080/");

  // An authority that could carry user info or a path is refused when set, as preview2-shim refuses it.
  for (const authority of ["api.example.com@evil.com", "api.example.com/x", "api.example.com:99999", "a b"]) {
    assert.ok(thrown(() => new OutgoingRequest(new Fields()).setAuthority(authority)) !== undefined, authority);
  }
  new OutgoingRequest(new Fields()).setAuthority("[::1]:8080");

  const self: PlainOutboundRequest[] = [];
  outgoingHandler(policy(["http://self"], self)).handle(request("HTTP", undefined, "/api/x"), undefined).get();
  assert.equal(self[0]!.url, "http://127.0.0.1:3000/api/x", "a relative request goes to the app itself when self is allowed");
});

test("the synchronous sender returns the upstream's answer, and a refused connection as wasi:http's connection-refused", async () => {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => res.writeHead(201, { "x-seen": req.headers["x-test"] as string }).end(`${req.method} ${req.url} ${body}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  // The sender blocks its thread; run it in a child so this test's server keeps answering.
  const script = `
    const { SyncFetcher } = require(${JSON.stringify(path.join(__dirname, "..", "apps", "hello-wasm", "tools", "outbound.ts"))});
    const f = new SyncFetcher(5000);
    const ok = f.send({ method: "POST", url: "http://127.0.0.1:${port}/p?q=1", headers: [["x-test", "yes"]], body: new TextEncoder().encode("hi") });
    const refused = f.send({ method: "GET", url: "http://127.0.0.1:${closedPort}/", headers: [], body: new Uint8Array() });
    console.log(JSON.stringify({ status: ok.ok && ok.response.status, body: ok.ok && Buffer.from(ok.response.body).toString(), seen: ok.ok && ok.response.headers.find(([n]) => n === "x-seen"), refused }));
    f.close();`;
  const { spawn } = await import("node:child_process");
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    child.on("error", reject);
    child.on("close", () => resolve(text));
  });
  server.close();
  assert.deepEqual(JSON.parse(out.trim()), { status: 201, body: "POST /p?q=1 hi", seen: ["x-seen", "yes"], refused: { ok: false, error: { tag: "connection-refused" } } });
});

test("the dev server's modules import one way only (no circle such as serve.ts <-> devServer.ts)", () => {
  const root = path.resolve(__dirname, "..");
  const files = globSync("apps/hello-wasm/tools/*.ts", { cwd: root });
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imports = ts
      .preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((n) => n.startsWith("./"))
      .map((n) => path.posix.join(path.posix.dirname(file), n.replace(/\.js$/, ".ts")));
    graph.set(file, imports.filter((i) => files.includes(i)));
  }
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    if (trail.includes(file)) return void cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
  assert.ok(graph.get("apps/hello-wasm/tools/serve.ts")!.includes("apps/hello-wasm/tools/devServer.ts"), "the check sees imports");
});
