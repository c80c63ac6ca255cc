// The dev server (`npm run dev` without Fermyon Spin) against hostile clients: raw bytes over real sockets
// (net.Socket), to the real hello-wasm component served by worker threads. After every hostile request a normal
// request must still be answered: one bad client costs its own request or connection, never the server.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { MAX_BODY_BYTES } from "../apps/hello-wasm/src/handler";
import { buildComponent } from "../apps/hello-wasm/tools/component";
import { ComponentPool } from "../apps/hello-wasm/tools/componentPool";
import { checkAuthority, resolveTarget } from "../apps/hello-wasm/tools/requestTarget";
import type { Worker } from "node:worker_threads";
import { serveComponent, type RunningServer } from "../apps/hello-wasm/tools/serve";

describe("request target and Host rules (pure)", () => {
  const own = "127.0.0.1:3000";
  const head = (target: string, headers: string[] = ["Host", "127.0.0.1:3000"], method = "GET", httpVersion = "1.1") => ({ method, target, httpVersion, rawHeaders: headers });

  test("authorities: host names, IPv4, [IPv6] and ports 0-65535 pass; anything that could move the URL does not", () => {
    for (const ok of ["localhost", "localhost:3000", "127.0.0.1:65535", "[::1]:8080", "Example.COM", "a-b.c"]) {
      assert.equal(checkAuthority(ok), ok.toLowerCase(), ok);
    }
    for (const bad of ["a b", "localhost:99999", "evil.com/admin", "evil.com?x", "evil.com#x", "user@evil.com", "evil.com:", "", "-a", "evil%2fcom", "[::1", "a\tb"]) {
      assert.equal(checkAuthority(bad), undefined, JSON.stringify(bad));
    }
  });

  test("the path always comes from the request target, the authority from Host or the absolute-form target", () => {
    assert.deepEqual(resolveTarget(head("/a/b?c=d", ["Host", "Evil.com"]), own), { ok: true, authority: "evil.com", pathWithQuery: "/a/b?c=d" });
    assert.deepEqual(resolveTarget(head("http://other.example:8080/x?y", ["Host", "127.0.0.1"]), own), { ok: true, authority: "other.example:8080", pathWithQuery: "/x?y" });
    assert.deepEqual(resolveTarget(head("http://other.example", [], "GET", "1.0"), own), { ok: true, authority: "other.example", pathWithQuery: "/" });
    assert.deepEqual(resolveTarget(head("/old", [], "GET", "1.0"), own), { ok: true, authority: own, pathWithQuery: "/old" });
  });

  test("refusals: asterisk-form, CONNECT, missing/duplicate/invalid Host, other schemes, bad path characters", () => {
    const status = (h: ReturnType<typeof head>) => {
      const decision = resolveTarget(h, own);
      return decision.ok ? 200 : decision.status;
    };
    assert.equal(status(head("*", undefined, "OPTIONS")), 400);
    assert.equal(status(head("example.com:443", undefined, "CONNECT")), 405);
    assert.equal(status(head("/x", [])), 400); // RFC 9112 §3.2: HTTP/1.1 without Host
    assert.equal(status(head("http://other.example/x", [])), 400);
    assert.equal(status(head("/x", ["Host", "a", "host", "a"])), 400);
    assert.equal(status(head("/x", ["Host", "evil.com/admin"])), 400);
    assert.equal(status(head("https://other.example/x")), 400);
    assert.equal(status(head("http://evil.com@other/x")), 400);
    assert.equal(status(head("/x#frag")), 400);
    assert.equal(status(head("x")), 400);
  });
});

let server: RunningServer;
let port: number;

before(async () => {
  await buildComponent();
  server = await serveComponent({ hostname: "127.0.0.1", port: 0, host: "jco" });
  port = Number(new URL(server.url).port);
});

after(async () => {
  await server?.close();
});

interface Exchange {
  /** Status codes of the responses received, in order. */
  statuses: number[];
  /** The `path` and `bodyBytes` of each greeting received, in order. */
  greetings: { path: string; bodyBytes: number }[];
  raw: string;
}

/**
 * Writes `chunks` on a fresh connection and reads until the server closes it (or `abortAfterMs`, when set, closes
 * it from our side mid-request). Never hangs: the connection is dropped after 20 s whatever happens.
 */
function exchange(chunks: (string | Buffer)[], abortAfterMs?: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let raw = "";
    const finish = () => {
      clearTimeout(guard);
      resolve({
        statuses: [...raw.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1])),
        greetings: [...raw.matchAll(/"path":"([^"]*)".*?"bodyBytes":(\d+)/g)].map((m) => ({ path: m[1]!, bodyBytes: Number(m[2]) })),
        raw,
      });
    };
    const guard = setTimeout(() => socket.destroy(), 20_000);
    socket.on("data", (data: Buffer) => (raw += data.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", finish);
    socket.on("connect", () => {
      for (const chunk of chunks) socket.write(chunk);
      if (abortAfterMs !== undefined) setTimeout(() => socket.destroy(), abortAfterMs);
    });
  });
}

const HOST = "Host: 127.0.0.1\r\n";
const CLOSE = "Connection: close\r\n";

interface HostileCase {
  name: string;
  send: (string | Buffer)[];
  abortAfterMs?: number;
  /** Statuses expected in order; [] means the connection is closed without a response. */
  statuses: number[] | ((statuses: number[]) => boolean);
  greetings?: { path: string; bodyBytes: number }[];
}

const hostile: HostileCase[] = [
  { name: "OPTIONS * (asterisk-form)", send: [`OPTIONS * HTTP/1.1\r\n${HOST}${CLOSE}\r\n`], statuses: [400] },
  { name: "Host with a space", send: [`GET /x HTTP/1.1\r\nHost: a b\r\n${CLOSE}\r\n`], statuses: [400] },
  { name: "Host with port 99999", send: [`GET /x HTTP/1.1\r\nHost: localhost:99999\r\n${CLOSE}\r\n`], statuses: [400] },
  { name: "Host with path characters (evil.com/admin)", send: [`GET /x HTTP/1.1\r\nHost: evil.com/admin\r\n${CLOSE}\r\n`], statuses: [400] },
  { name: "duplicate Host", send: [`GET /x HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n${CLOSE}\r\n`], statuses: [400] },
  {
    name: "a valid but foreign Host does not change the path",
    send: [`GET /mine?q=1 HTTP/1.1\r\nHost: evil.com\r\n${CLOSE}\r\n`],
    statuses: [200],
    greetings: [{ path: "/mine", bodyBytes: 0 }],
  },
  {
    name: "absolute-form target with a different host: the path is the target's",
    send: [`GET http://other.example:8080/abs?q=1 HTTP/1.1\r\n${HOST}${CLOSE}\r\n`],
    statuses: [200],
    greetings: [{ path: "/abs", bodyBytes: 0 }],
  },
  {
    name: "an Upgrade request (websocket) is served as a plain request",
    send: [`GET /ws HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`],
    abortAfterMs: 3000,
    statuses: [200],
    greetings: [{ path: "/ws", bodyBytes: 0 }],
  },
  { name: "CONNECT", send: [`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`], statuses: [405] },
  { name: "over-long header (20 KB)", send: [`GET /x HTTP/1.1\r\n${HOST}X-Big: ${"a".repeat(20_000)}\r\n${CLOSE}\r\n`], statuses: [431] },
  {
    name: "invalid chunked encoding",
    send: [`POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n${CLOSE}\r\nZZ\r\nhello\r\n0\r\n\r\n`],
    // The parser fails after the request started: a 400, or the connection closed without one.
    statuses: (s) => s.length === 0 || (s.length === 1 && s[0] === 400),
  },
  {
    name: "declared body larger than the bound",
    send: [`POST /big HTTP/1.1\r\n${HOST}Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n${"x".repeat(1000)}`],
    statuses: [413],
  },
  {
    name: "chunked body growing past the bound",
    send: [`POST /big HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`, ...Array.from({ length: 20 }, () => `10000\r\n${"y".repeat(0x10000)}\r\n`)],
    statuses: [413],
  },
  {
    name: "HTTP/1.0 without Host",
    send: ["GET /old HTTP/1.0\r\n\r\n"],
    statuses: [200],
    greetings: [{ path: "/old", bodyBytes: 0 }],
  },
  {
    name: "pipelined requests are answered in order",
    send: [`GET /p1 HTTP/1.1\r\n${HOST}\r\nPOST /p2 HTTP/1.1\r\n${HOST}Content-Length: 3\r\n\r\nabcGET /p3 HTTP/1.1\r\n${HOST}${CLOSE}\r\n`],
    statuses: [200, 200, 200],
    greetings: [
      { path: "/p1", bodyBytes: 0 },
      { path: "/p2", bodyBytes: 3 },
      { path: "/p3", bodyBytes: 0 },
    ],
  },
  {
    // StarlingMonkey gives GET and HEAD requests no body (platform-contracts JCO-4): the app counts 0. The bytes are
    // still read off the connection, so the next request on it is parsed where it starts.
    name: "GET with a body: the app sees none, the connection stays in step",
    send: [`GET /gb HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhelloPOST /pb HTTP/1.1\r\n${HOST}Content-Length: 5\r\n${CLOSE}\r\nhello`],
    statuses: [200, 200],
    greetings: [
      { path: "/gb", bodyBytes: 0 },
      { path: "/pb", bodyBytes: 5 },
    ],
  },
  {
    name: "abrupt close mid-body",
    send: [`POST /ab HTTP/1.1\r\n${HOST}Content-Length: 100000\r\n\r\n${"x".repeat(1000)}`],
    abortAfterMs: 200,
    statuses: [],
  },
];

describe("hostile requests over raw sockets", () => {
  for (const c of hostile) {
    test(`${c.name}: answered or closed, and the server still serves`, async () => {
      const got = await exchange(c.send, c.abortAfterMs);
      if (typeof c.statuses === "function") assert.ok(c.statuses(got.statuses), `statuses ${JSON.stringify(got.statuses)}:\n${got.raw.slice(0, 500)}`);
      else assert.deepEqual(got.statuses, c.statuses, got.raw.slice(0, 500));
      if (c.greetings) assert.deepEqual(got.greetings, c.greetings);
      if (got.statuses.some((s) => s >= 400)) assert.match(got.raw, /"error":"[a-z_]+"/, "refusals carry a JSON error body");

      const after = await fetch(`${server.url}/still-serving`);
      assert.equal(after.status, 200);
      assert.equal(((await after.json()) as { path: string }).path, "/still-serving");
    });
  }
});

describe("component workers", () => {
  test("a worker that dies is replaced by a new one, which serves", async () => {
    const pool = await ComponentPool.start({ workers: 1, onOutput: () => {} });
    try {
      const first = pool.acquire()!;
      first.release();
      // Stand-in for a crash inside the wasi:http host (a trap, preview2-shim's process.exit in a worker): the
      // worker thread ends from outside.
      await (pool as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker.terminate();
      const deadline = Date.now() + 60_000;
      let lease = pool.acquire();
      while (lease === undefined || lease.port === first.port) {
        lease?.release();
        assert.ok(Date.now() < deadline, "no new worker within 60 s");
        await new Promise((r) => setTimeout(r, 100));
        lease = pool.acquire();
      }
      try {
        const response = await fetch(`http://127.0.0.1:${lease.port}/after-crash`);
        assert.equal(response.status, 200);
        assert.equal(((await response.json()) as { path: string }).path, "/after-crash");
      } finally {
        lease.release();
      }
    } finally {
      await pool.close();
    }
  });
});
