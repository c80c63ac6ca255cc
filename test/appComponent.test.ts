// The real hello-wasm component: built here (esbuild + j2w, reusing the skip-if-unchanged cache), served by a real
// wasi:http host (Fermyon Spin when installed, else the dev server: jco-transpiled, a fresh instance per request)
// on a free loopback port, and spoken to over real HTTP. The served component answers ~100 requests/s here, so
// request counts stay small. Hostile requests are in devServer.test.ts.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { MAX_BODY_BYTES, type ErrorBody, type Greeting } from "../apps/hello-wasm/src/handler";
import { buildComponent, componentWit, exportsOfWit, isComponentBinary, type BuildResult } from "../apps/hello-wasm/tools/component";
import { serveComponent, type RunningServer } from "../apps/hello-wasm/tools/serve";

let built: BuildResult;
let server: RunningServer;

before(async () => {
  built = await buildComponent();
  server = await serveComponent({ hostname: "127.0.0.1", port: 0 });
});

after(async () => {
  await server?.close();
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request over node:http, for what fetch can't express (chunked uploads, aborted uploads). */
function send(path: string, options: http.RequestOptions, writeBody: (req: http.ClientRequest) => void): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { agent: false, ...options }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    writeBody(req);
  });
}

async function greet(path: string, init: RequestInit = {}): Promise<{ response: Response; body: Greeting }> {
  const response = await fetch(`${server.url}${path}`, init);
  assert.equal(response.status, 200, `${init.method ?? "GET"} ${path}`);
  return { response, body: (await response.json()) as Greeting };
}

describe("the built component", () => {
  test("is a Wasm component exporting wasi:http/incoming-handler", async () => {
    assert.equal(isComponentBinary(await readFile(built.wasmPath)), true);
    const exported = exportsOfWit(await componentWit(built.wasmPath));
    assert.ok(exported.some((name) => /^wasi:http\/incoming-handler@0\.2\.\d+$/.test(name)), `exports: ${exported.join(", ")}`);
  });

  test("an unchanged rebuild skips componentize and keeps the same component", async () => {
    const again = await buildComponent();
    assert.equal(again.componentized, false);
    assert.equal(again.inputHash, built.inputHash);
    assert.equal(again.bytes, built.bytes);
  });
});

describe("served over HTTP", () => {
  test("GET / is greeted by the component (runtime spin-js) as JSON", async () => {
    const { response, body } = await greet("/");
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(body, { message: "Hello from hello-wasm", path: "/", method: "GET", runtime: "spin-js", query: {}, bodyBytes: 0 });
  });

  test("every method on any path is greeted with that method and path", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const { body } = await greet(`/api/v1/${method.toLowerCase()}`, { method });
      assert.equal(body.method, method);
      assert.equal(body.path, `/api/v1/${method.toLowerCase()}`);
    }
    const head = await fetch(`${server.url}/anything`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/json");
    assert.equal(await head.text(), "");
  });

  test("unicode paths and query strings arrive intact", async () => {
    const { body } = await greet(`/héllo/世界/🚀?name=${encodeURIComponent("Zoë & 世界")}&tag=a&tag=b`);
    assert.equal(body.path, "/héllo/世界/🚀");
    assert.deepEqual(body.query, { name: ["Zoë & 世界"], tag: ["a", "b"] });
  });

  test("headers: x-request-id is echoed when well-formed, replaced when not; responses are not cached", async () => {
    const echoed = await fetch(`${server.url}/h`, { headers: { "x-request-id": "ci-run-7" } });
    assert.equal(echoed.headers.get("x-request-id"), "ci-run-7");
    assert.equal(echoed.headers.get("cache-control"), "no-store");
    await echoed.arrayBuffer();
    const replaced = await fetch(`${server.url}/h`, { headers: { "x-request-id": "not an id" } });
    assert.match(replaced.headers.get("x-request-id") ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await replaced.arrayBuffer();
  });

  test("GET /healthz is 200 {status: ok}; POST /healthz is 405", async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get("content-type"), "application/json");
    assert.deepEqual(await health.json(), { status: "ok" });
    const post = await fetch(`${server.url}/healthz`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    assert.equal(((await post.json()) as ErrorBody).error, "method_not_allowed");
  });

  test("a 1 MiB body is accepted and its byte count echoed", async () => {
    const { body } = await greet("/upload", { method: "POST", body: new Uint8Array(1024 * 1024).fill(0x61) });
    assert.equal(body.bodyBytes, 1024 * 1024);
  });

  test("a body over the limit gets 413 JSON, whether its length is declared or streamed", async () => {
    const declared = await fetch(`${server.url}/upload`, { method: "PUT", body: new Uint8Array(MAX_BODY_BYTES + 1) });
    assert.equal(declared.status, 413);
    assert.equal(declared.headers.get("content-type"), "application/json");
    assert.equal(((await declared.json()) as ErrorBody).error, "payload_too_large");

    // Chunked transfer encoding: no Content-Length, so only counting the stream can catch it.
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    const streamed = await send("/upload", { method: "POST", headers: { "transfer-encoding": "chunked" } }, (req) => {
      let sent = 0;
      const pump = (): void => {
        while (sent < 2 * MAX_BODY_BYTES) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(streamed.status, 413);
    assert.equal((JSON.parse(streamed.text) as ErrorBody).error, "payload_too_large");
  });

  test("a client that aborts mid-upload does not take the server down", async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${server.url}/abandoned`, { method: "POST", agent: false, headers: { "content-length": "100000" } });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      req.write(Buffer.alloc(1000), () => setTimeout(() => req.destroy(), 100));
    });
    const { body } = await greet("/after-abort");
    assert.equal(body.path, "/after-abort");
  });

  test("50 concurrent requests are all answered, each by its own request", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const response = await fetch(`${server.url}/concurrent/${i}`, { headers: { "x-request-id": `req-${i}` } });
        const body = (await response.json()) as Greeting;
        return { status: response.status, path: body.path, id: response.headers.get("x-request-id") };
      }),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 50 }, (_, i) => ({ status: 200, path: `/concurrent/${i}`, id: `req-${i}` })),
    );
  });
});
