// The hello-wasm request -> response logic on plain Node (no Wasm): the same module the component runs. Also the
// build/serve helpers' pure parts. The served component itself is tested in appComponent.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { describe, test } from "node:test";
import { createHandler, MAX_BODY_BYTES, type ErrorBody, type Greeting } from "../apps/hello-wasm/src/handler";
import { componentInputHash, exportsOfWit, isComponentBinary, isUpToDate, type BuildStamp } from "../apps/hello-wasm/tools/component";
import { serveHandlerOnNode } from "../apps/hello-wasm/tools/nodeServer";
import { detectFermyonSpin, parseSpinVersion, serveComponent } from "../apps/hello-wasm/tools/serve";

const ORIGIN = "http://hello.test";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function quietHandler(errors: unknown[] = []) {
  return createHandler({ runtime: "node", logError: (_message, error) => errors.push(error) });
}

/** A request body stream that counts what it hands out, so a test can tell how much the handler read. */
function countingBody(totalBytes: number, chunkBytes = 64 * 1024) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= totalBytes) {
        controller.close();
        return;
      }
      const size = Math.min(chunkBytes, totalBytes - state.pulled);
      state.pulled += size;
      controller.enqueue(new Uint8Array(size));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

function post(pathAndQuery: string, body: RequestInit["body"], headers: Record<string, string> = {}): Request {
  return new Request(ORIGIN + pathAndQuery, { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("greeting", () => {
  test("GET / answers 200 JSON with message, path, method and runtime", async () => {
    const response = await quietHandler()(new Request(`${ORIGIN}/`));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = (await response.json()) as Greeting;
    assert.deepEqual(body, { message: "Hello from hello-wasm", path: "/", method: "GET", runtime: "node", query: {}, bodyBytes: 0 });
  });

  for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
    test(`${method} on any path is greeted with that method`, async () => {
      const response = await quietHandler()(new Request(`${ORIGIN}/any/deep/path`, { method }));
      assert.equal(response.status, 200);
      const body = (await response.json()) as Greeting;
      assert.equal(body.method, method);
      assert.equal(body.path, "/any/deep/path");
    });
  }

  test("HEAD answers 200 with the GET headers", async () => {
    const response = await quietHandler()(new Request(`${ORIGIN}/x`, { method: "HEAD" }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
  });

  test("unicode paths are decoded; a malformed escape is reported as received", async () => {
    const handle = quietHandler();
    const unicode = (await (await handle(new Request(`${ORIGIN}/héllo/世界/🚀`))).json()) as Greeting;
    assert.equal(unicode.path, "/héllo/世界/🚀");
    const malformed = await handle(new Request(`${ORIGIN}/bad/%E0%A4%A`));
    assert.equal(malformed.status, 200);
    assert.equal(((await malformed.json()) as Greeting).path, "/bad/%E0%A4%A");
  });

  test("query parameters keep every value in order, and odd names are plain keys", async () => {
    const response = await quietHandler()(new Request(`${ORIGIN}/q?a=1&b=x%20y&a=2&__proto__=p&empty=`));
    const body = (await response.json()) as Greeting;
    // Parsed, so "__proto__" is an own key here as in the response (an object literal would set the prototype).
    assert.deepEqual(body.query, JSON.parse('{"a":["1","2"],"b":["x y"],"__proto__":["p"],"empty":[""]}'));
  });
});

describe("health", () => {
  test("GET /healthz answers 200 {status: ok}", async () => {
    const response = await quietHandler()(new Request(`${ORIGIN}/healthz`));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), { status: "ok" });
  });

  test("other methods on /healthz get 405 with Allow", async () => {
    const response = await quietHandler()(post("/healthz", "x"));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal(((await response.json()) as ErrorBody).error, "method_not_allowed");
  });
});

describe("request bodies", () => {
  test("a 1 MiB body is accepted and its byte count echoed", async () => {
    const response = await quietHandler()(post("/upload", new Uint8Array(1024 * 1024)));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as Greeting).bodyBytes, 1024 * 1024);
  });

  test("a body of exactly the limit is accepted; one byte more gets 413 JSON", async () => {
    const handle = quietHandler();
    const atLimit = await handle(post("/b", new Uint8Array(MAX_BODY_BYTES)));
    assert.equal(atLimit.status, 200);
    assert.equal(((await atLimit.json()) as Greeting).bodyBytes, MAX_BODY_BYTES);
    const over = await handle(post("/b", new Uint8Array(MAX_BODY_BYTES + 1)));
    assert.equal(over.status, 413);
    assert.equal(over.headers.get("content-type"), "application/json");
    assert.equal(((await over.json()) as ErrorBody).error, "payload_too_large");
  });

  test("an unbounded streamed body is cut off just past the limit and cancelled, not read to the end", async () => {
    const { stream, state } = countingBody(64 * 1024 * 1024);
    const response = await quietHandler()(post("/stream", stream));
    assert.equal(response.status, 413);
    assert.equal(state.cancelled, true);
    // The stream may prefetch a chunk or two beyond what the handler asked for, never the 64 MiB.
    assert.ok(state.pulled <= MAX_BODY_BYTES + 3 * 64 * 1024, `pulled ${state.pulled} bytes`);
  });

  test("the limit is configurable", async () => {
    const handle = createHandler({ runtime: "node", maxBodyBytes: 10 });
    assert.equal((await handle(post("/", "0123456789"))).status, 200);
    assert.equal((await handle(post("/", "0123456789A"))).status, 413);
  });

  test("a bad limit is refused with the value in the message", () => {
    assert.throws(() => createHandler({ runtime: "node", maxBodyBytes: -1 }), { name: "RangeError", message: "maxBodyBytes (-1) must be a non-negative safe integer" });
  });

  test("a body that fails mid-read is a 500 JSON that names no internals, and the error is logged", async () => {
    const errors: unknown[] = [];
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("socket hang up (secret detail)"));
      },
    });
    const response = await quietHandler(errors)(post("/x", failing));
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("content-type"), "application/json");
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), { error: "internal_error", message: "the request could not be handled" });
    assert.doesNotMatch(text, /secret detail/);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /socket hang up/);
  });
});

describe("request ids", () => {
  test("a well-formed x-request-id is echoed on the response", async () => {
    const response = await quietHandler()(new Request(`${ORIGIN}/`, { headers: { "x-request-id": "trace-42.a:b_c" } }));
    assert.equal(response.headers.get("x-request-id"), "trace-42.a:b_c");
  });

  test("a missing or malformed x-request-id is replaced by a fresh UUID", async () => {
    const handle = quietHandler();
    for (const given of [undefined, "has space", "x".repeat(129), "<script>"]) {
      const response = await handle(new Request(`${ORIGIN}/`, { headers: given === undefined ? {} : { "x-request-id": given } }));
      assert.match(response.headers.get("x-request-id") ?? "", UUID, `for ${given}`);
    }
  });
});

describe("on Node's HTTP server", () => {
  /** `end: false` leaves the upload unfinished, as a client still sending would. */
  function rawRequest(url: string, options: http.RequestOptions, body: Buffer, end: boolean): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, options, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.write(body);
      if (end) req.end();
    });
  }

  test("the handler serves real HTTP: greeting, health and a 1 MiB upload", async (t) => {
    const server = await serveHandlerOnNode(createHandler({ runtime: "node" }));
    t.after(() => server.close());
    const greeting = await fetch(`${server.url}/héllo?x=1`, { method: "DELETE" });
    assert.equal(greeting.status, 200);
    assert.deepEqual({ ...((await greeting.json()) as Greeting), query: undefined }, { message: "Hello from hello-wasm", path: "/héllo", method: "DELETE", runtime: "node", query: undefined, bodyBytes: 0 });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const upload = await fetch(`${server.url}/up`, { method: "POST", body: new Uint8Array(1024 * 1024) });
    assert.equal(((await upload.json()) as Greeting).bodyBytes, 1024 * 1024);
  });

  test("a declared Content-Length over the limit is answered 413 before the body arrives", async (t) => {
    const server = await serveHandlerOnNode(createHandler({ runtime: "node" }));
    t.after(() => server.close());
    const { status, text } = await rawRequest(`${server.url}/big`, { method: "POST", headers: { "content-length": String(MAX_BODY_BYTES + 1) } }, Buffer.alloc(10), false);
    assert.equal(status, 413);
    assert.equal((JSON.parse(text) as ErrorBody).error, "payload_too_large");
  });
});

describe("build cache", () => {
  const toolchain = { "@spinframework/build-tools": "1.0.7", "@bytecodealliance/preview2-shim": "0.17.8" };
  const hash = componentInputHash("bundle", toolchain);
  const stamp: BuildStamp = { version: 1, inputHash: hash, outputSha256: "out" };

  test("the input hash follows the bundle and the installed versions, not their key order", () => {
    assert.notEqual(componentInputHash("bundle2", toolchain), hash);
    assert.notEqual(componentInputHash("bundle", { ...toolchain, "@bytecodealliance/preview2-shim": "0.17.9" }), hash);
    assert.notEqual(componentInputHash("bundle", { ...toolchain, "@spinframework/spin-kv": "1.0.0" }), hash, "a new WIT dependency");
    const reordered = { "@bytecodealliance/preview2-shim": "0.17.8", "@spinframework/build-tools": "1.0.7" };
    assert.equal(componentInputHash("bundle", reordered), hash);
  });

  test("componentize is skipped only when the stamp matches the inputs and the output on disk", () => {
    assert.equal(isUpToDate(stamp, hash, "out"), true);
    assert.equal(isUpToDate(undefined, hash, "out"), false, "no stamp");
    assert.equal(isUpToDate(stamp, "other", "out"), false, "inputs changed");
    assert.equal(isUpToDate(stamp, hash, "tampered"), false, "output replaced");
    assert.equal(isUpToDate(stamp, hash, undefined), false, "output missing");
    assert.equal(isUpToDate({ ...stamp, version: 0 }, hash, "out"), false, "old stamp format");
  });

  test("a component binary is told apart from a core module and from junk", () => {
    assert.equal(isComponentBinary(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 7])), true);
    assert.equal(isComponentBinary(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7])), false);
    assert.equal(isComponentBinary(new Uint8Array([0x7b, 0x7d])), false);
  });

  test("exports are read from a WIT world", () => {
    const wit = "world root {\n  import wasi:io/poll@0.2.12;\n  export wasi:http/incoming-handler@0.2.3;\n  export foo:bar/baz;\n}\n";
    assert.deepEqual(exportsOfWit(wit), ["wasi:http/incoming-handler@0.2.3", "foo:bar/baz"]);
  });
});

describe("component host selection", () => {
  test("Fermyon Spin's version line is recognised; the SPIN model checker's output is not", () => {
    assert.equal(parseSpinVersion("spin 3.1.2 (a4ddd39 2024-12-19)\n"), "3.1.2");
    assert.equal(parseSpinVersion("spin 2.6.0 (2a2f8d3 2024-06-26)"), "2.6.0");
    assert.equal(parseSpinVersion("spin 3.4.0-pre0 (0123456789abcdef 2025-08-01)"), "3.4.0-pre0");
    assert.equal(parseSpinVersion("Spin Version 6.5.2 -- 6 December 2019"), undefined);
    assert.equal(parseSpinVersion("use: spin [-option] ... [-option] file\n\tNote: file must always be the last argument"), undefined);
    assert.equal(parseSpinVersion(""), undefined);
  });

  test("Debian's spin (the SPIN model checker), when installed, is not taken for Fermyon Spin", async (t) => {
    const modelChecker = spawnSync("spin", ["-V"], { encoding: "utf8", timeout: 10_000 });
    if (!/^Spin Version \d/.test(modelChecker.stdout ?? "")) {
      t.skip("the SPIN model checker is not on PATH here (apt-get install spin to run this check)");
      return;
    }
    assert.equal(await detectFermyonSpin("spin"), undefined);
  });

  test("a missing spin command means no Fermyon Spin", async () => {
    assert.equal(await detectFermyonSpin("spin-command-that-does-not-exist-here"), undefined);
  });

  test("a port something else already listens on is refused, not mistaken for a ready server", async (t) => {
    const squatter = net.createServer().listen(0, "127.0.0.1");
    await once(squatter, "listening");
    t.after(() => squatter.close());
    const { port } = squatter.address() as net.AddressInfo;
    await assert.rejects(serveComponent({ port, host: "jco" }), { message: `port (${port}) on 127.0.0.1 is already in use: stop what listens there or choose another port` });
  });

  test("a non-loopback listen address is refused before anything starts", async () => {
    await assert.rejects(serveComponent({ hostname: "0.0.0.0", host: "jco" }), /hostname \(0\.0\.0\.0\) must be a loopback address/);
  });
});
