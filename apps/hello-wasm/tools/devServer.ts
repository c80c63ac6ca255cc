// The dev server's front: node:http on loopback, in front of one component pool per component of the app
// (componentPool.ts). It checks the request line and headers (requestTarget.ts), routes the path by the app's
// spin.toml triggers as Spin does (lib/spin/spinManifest.ts SpinRouter), reads the body (bounded), and posts a clean
// request to a worker of the routed component, which answers with the component's response; whatever a client
// sends costs at most that one request or connection, never the server. `reload` swaps in a new build of the app
// on the same port: new requests go to the new pools, the old ones finish what they hold and are closed.
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { SpinRouter, WELL_KNOWN_PREFIX, type HttpTrigger, type RouteMatch } from "../../../lib/spin/spinManifest.js";
import { MAX_BODY_BYTES, type ErrorBody } from "../src/handler.js";
import { wasmPath as helloWasmPath } from "./component.js";
import { ComponentPool, type PoolStats } from "./componentPool.js";
import { resolveTarget } from "./requestTarget.js";

/** What runs the component: Fermyon Spin, or the dev server (jco-transpiled). */
export type ComponentHost = "spin" | "jco";

/** A running server. Declared here, the lower module; serve.ts re-exports it. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:3000 (no trailing slash). */
  readonly url: string;
  /** What is serving: Fermyon Spin, jco, or (for the baseline) Node's own HTTP server. */
  readonly host: ComponentHost | "node";
  /** Stops the server and everything it started; resolves once they have exited. */
  close(): Promise<void>;
  /** Resolves when the server exits by itself or is closed (never rejects). */
  readonly exited: Promise<void>;
}

/** One component of the app, built. */
export interface DevComponent {
  /** `[component.<id>]`. */
  readonly id: string;
  /** The built .wasm (absolute). */
  readonly wasmPath: string;
  /** Its `allowed_outbound_hosts`, templates resolved; empty denies every outbound request. */
  readonly allowedOutboundHosts: readonly string[];
}

/** An app as the dev server serves it: its HTTP triggers and built components (devApp.ts makes one from spin.toml). */
export interface DevApp {
  readonly name: string;
  readonly triggers: readonly HttpTrigger[];
  readonly components: readonly DevComponent[];
}

/** apps/hello-wasm as spin.toml declares it: one component on `/...`, no outbound host. */
export const HELLO_WASM_APP: DevApp = {
  name: "hello-wasm",
  triggers: [{ route: "/...", component: "hello-wasm" }],
  components: [{ id: "hello-wasm", wasmPath: helloWasmPath, allowedOutboundHosts: [] }],
};

export interface DevServerOptions {
  /** Loopback address. @default "127.0.0.1" */
  readonly hostname?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Component worker threads. @default os.availableParallelism() */
  readonly workers?: number;
  /**
   * Largest request body forwarded; a larger one gets 413 from the dev server and the connection is closed.
   * @default MAX_BODY_BYTES, hello-wasm's own bound (src/handler.ts)
   */
  readonly maxBodyBytes?: number;
  /** The component's output and the server's log lines. */
  readonly onOutput: (chunk: string) => void;
  /**
   * The app to serve.
   * @default HELLO_WASM_APP
   */
  readonly app?: DevApp;
}

export interface DevServer extends RunningServer {
  /** Where time goes inside the component hosts (bench only), summed over the components. */
  stats(): Promise<PoolStats>;
  /**
   * Serves a new build of the app on the same port. Resolves once new requests go to it; if its components fail
   * to load, rejects and the current app keeps serving. The old pools finish the requests they hold (bounded by
   * `drainTimeoutMs`) and close: `drained` resolves with how many were still in flight when they closed (0).
   */
  reload(app: DevApp, drainTimeoutMs?: number): Promise<{ drained: Promise<number> }>;
}

/** The app's pools and router, swapped as one. */
interface Generation {
  readonly router: SpinRouter;
  readonly pools: Map<string, ComponentPool>;
}

/** Spin's request headers for a routed request (spin trigger-http `headers.rs`, SPINRT-4), lower-cased. */
export function spinRequestHeaders(match: RouteMatch, fullUrl: string, clientAddr: string): [string, string][] {
  const headers: [string, string][] = [
    ["spin-path-info", match.pathInfo],
    ["spin-full-url", fullUrl],
    ["spin-matched-route", match.route.startsWith("/") ? match.route : `/${match.route}`],
    ["spin-base-path", "/"],
    ["spin-raw-component-route", match.route],
    ["spin-component-route", match.componentRoute],
    ["spin-client-addr", clientAddr],
  ];
  for (const [name, value] of Object.entries(match.params)) headers.push([`spin-path-match-${name.toLowerCase().replace(/_/g, "-")}`, value]);
  return headers;
}

/** Connection-level headers (RFC 9110 §7.6.1) and the ones the front sets itself; never forwarded either way. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"]);

function refuse(res: http.ServerResponse, status: number, error: string, message: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error, message } satisfies ErrorBody);
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body) };
  if (close) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(body);
}

/** The client's end-to-end headers, lower-cased, in order (the component sees them as wasi:http fields). */
function forwardedHeaders(rawHeaders: readonly string[]): [string, string][] {
  const headers: [string, string][] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name)) headers.push([name, rawHeaders[i + 1]!]);
  }
  return headers;
}

/** The component's response headers, minus the connection-level ones the front sets itself. */
function responseHeaders(answer: readonly (readonly [string, string])[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [raw, value] of answer) {
    const name = raw.toLowerCase();
    if (!HOP_BY_HOP.has(name)) (headers[name] ??= []).push(value);
  }
  return headers;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let ownAuthority = "";
  let current: Generation | undefined;

  /** Starts a pool per component (all or nothing). The cores are shared out between the components. */
  const load = async (app: DevApp): Promise<Generation> => {
    const workers = options.workers ?? Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, app.components.length)));
    const pools = new Map<string, ComponentPool>();
    try {
      for (const component of app.components) {
        pools.set(component.id, await ComponentPool.start({ onOutput: options.onOutput, maxBodyBytes, workers, wasmPath: component.wasmPath, allowedOutboundHosts: component.allowedOutboundHosts, selfOrigin: `http://${ownAuthority}` }));
      }
    } catch (error) {
      await Promise.all([...pools.values()].map((p) => p.close()));
      throw error;
    }
    return { router: new SpinRouter(app.triggers), pools };
  };

  const server = http.createServer((req, res) => {
    const decision = resolveTarget({ method: req.method ?? "", target: req.url ?? "", httpVersion: req.httpVersion, rawHeaders: req.rawHeaders }, ownAuthority);
    if (!decision.ok) {
      // The body (if any) is not read: close the connection rather than guess where the next request starts.
      refuse(res, decision.status, decision.status === 405 ? "method_not_allowed" : "bad_request", decision.message, true);
      return;
    }
    const generation = current;
    if (!generation) {
      refuse(res, 503, "unavailable", "the app is still loading; try again shortly", true);
      return;
    }
    const requestPath = decision.pathWithQuery.split("?")[0]!;
    // Spin answers its own well-known paths and never routes them to a component (SPINRT-4).
    if (requestPath.startsWith(WELL_KNOWN_PREFIX)) {
      const healthy = requestPath === `${WELL_KNOWN_PREFIX}health`;
      res.writeHead(healthy ? 200 : 404, { "content-type": "text/plain" }).end(healthy ? "OK" : undefined);
      return;
    }
    const match = generation.router.route(requestPath);
    if (!match) {
      // Spin's 404 for a path no route matches: empty body (trigger-http server.rs `not_found`).
      res.writeHead(404, { "content-length": 0 }).end();
      return;
    }
    const pool = generation.pools.get(match.component)!;
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      refuse(res, 413, "payload_too_large", `request body exceeds ${maxBodyBytes} bytes`, true);
      return;
    }
    // The body is read whole (bounded: at most maxBodyBytes are held) before a worker gets the request, so the
    // worker hands the component an in-memory body (memoryHost.ts) and a slow upload never holds a worker.
    const chunks: Buffer[] = [];
    let received = 0;
    // Set once the front has answered itself (413) or the client has gone.
    let settled = false;
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBodyBytes) {
        settled = true;
        chunks.length = 0;
        req.pause();
        refuse(res, 413, "payload_too_large", `request body exceeds ${maxBodyBytes} bytes`, true);
        return;
      }
      chunks.push(chunk);
    });
    req.once("error", () => (settled = true));
    res.once("close", () => (settled = true)); // the response is done, or the client went away
    req.once("end", () => {
      if (settled) return;
      const lease = pool.acquire();
      if (!lease) {
        refuse(res, 503, "unavailable", "no component worker is ready; try again shortly", true);
        return;
      }
      const headers = forwardedHeaders(req.rawHeaders);
      headers.push(...spinRequestHeaders(match, `http://${decision.authority}${decision.pathWithQuery}`, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
      if (declared !== undefined) headers.push(["content-length", declared]);
      else if (req.headers["transfer-encoding"] !== undefined) headers.push(["transfer-encoding", "chunked"]);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      lease
        .send({ method: req.method ?? "GET", pathWithQuery: decision.pathWithQuery, authority: decision.authority, headers, body })
        .then(
          (answer) => {
            if (settled) return;
            // Framed as before this front read whole responses (chunked on HTTP/1.1): the response headers are
            // the component's, minus the connection-level ones.
            res.writeHead(answer.status, responseHeaders(answer.headers));
            res.end(req.method === "HEAD" ? undefined : answer.body);
          },
          (error: unknown) => {
            if (settled) return; // the client is gone (or the server is closing): nobody to tell
            options.onOutput(`dev server: ${req.method} ${decision.pathWithQuery} failed in the component host: ${error instanceof Error ? error.message : String(error)}\n`);
            refuse(res, 502, "bad_gateway", "the component host failed on this request", true);
          },
        )
        .finally(() => lease.release());
    });
  });
  // CONNECT never reaches the request handler; without a listener node:http just drops the socket (NODEHTTP-2).
  server.on("connect", (_req: http.IncomingMessage, socket: net.Socket) => {
    const body = JSON.stringify({ error: "method_not_allowed", message: "CONNECT is not supported: this server is not a proxy" } satisfies ErrorBody);
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // Malformed request lines, bad header bytes, invalid chunked framing, over-long headers: node:http's parser
  // (llhttp) stops there and hands the socket here (NODEHTTP-3). Answer once with its status and close only that
  // connection; once a response is under way, just close it.
  server.on("clientError", (error: NodeJS.ErrnoException & { code?: string }, socket: net.Socket) => {
    if (!socket.writable || (socket as net.Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    const body = JSON.stringify({ error: "bad_request", message: "the request could not be parsed as HTTP/1.1" } satisfies ErrorBody);
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  // Listen first, so the app's own origin (for `self` requests) is known when its workers start; until they are
  // ready, a request is answered 503.
  if (hostname !== "localhost" && !/^127\.\d+\.\d+\.\d+$/.test(hostname) && hostname !== "::1") {
    throw new Error(`hostname (${hostname}) must be a loopback address (127.0.0.0/8, ::1 or localhost): the dev server is not meant to be reachable from other machines`);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port (${options.port}) on ${hostname} is already in use: stop what listens there or choose another port (--port)`) : error),
    );
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  ownAuthority = `${urlHost}:${port}`;
  try {
    current = await load(options.app ?? HELLO_WASM_APP);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  let closed: Promise<void> | undefined;
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  const close = () =>
    (closed ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...(current?.pools.values() ?? [])].map((p) => p.close()));
      await Promise.all(draining);
      markExited();
    })());
  const draining: Promise<number>[] = [];
  const reload = async (app: DevApp, drainTimeoutMs = 30_000): Promise<{ drained: Promise<number> }> => {
    const next = await load(app);
    const previous = current!;
    current = next; // from here on, every new request goes to the new pools
    const drained = Promise.all([...previous.pools.values()].map((p) => p.drain(drainTimeoutMs))).then((left) => left.reduce((a, b) => a + b, 0));
    draining.push(drained);
    return { drained };
  };
  const stats = async (): Promise<PoolStats> => {
    const all = await Promise.all([...current!.pools.values()].map((p) => p.stats()));
    const requests = all.reduce((n, s) => n + s.requests, 0);
    const mean = (key: "instantiateMsMean" | "handleMsMean") => (requests > 0 ? all.reduce((n, s) => n + s[key] * s.requests, 0) / requests : 0);
    return { requests, instantiateMsMean: mean("instantiateMsMean"), handleMsMean: mean("handleMsMean"), recycledMemories: all.reduce((n, s) => n + s.recycledMemories, 0) };
  };
  return { url: `http://${ownAuthority}`, host: "jco", close, exited, stats, reload };
}
