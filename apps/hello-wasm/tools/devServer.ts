// The dev server's front: node:http on loopback, in front of the component pool (componentPool.ts). It checks the
// request line and headers (requestTarget.ts), bounds the body, and forwards a clean request to a worker; whatever
// a client sends costs at most that one request or connection, never the server.
import http from "node:http";
import net from "node:net";
import { MAX_BODY_BYTES, type ErrorBody } from "../src/handler.js";
import { ComponentPool, type PoolStats } from "./componentPool.js";
import { resolveTarget } from "./requestTarget.js";
import type { RunningServer } from "./serve.js";

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
}

export interface DevServer extends RunningServer {
  /** Where time goes inside the component hosts (bench only). */
  stats(): Promise<PoolStats>;
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

function forwardedHeaders(rawHeaders: readonly string[]): http.OutgoingHttpHeaders {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name)) (headers[name] ??= []).push(rawHeaders[i + 1]!);
  }
  return headers;
}

function responseHeaders(upstream: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headersDistinct)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const pool = await ComponentPool.start({ onOutput: options.onOutput, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
  let ownAuthority = "";

  const server = http.createServer((req, res) => {
    const decision = resolveTarget({ method: req.method ?? "", target: req.url ?? "", httpVersion: req.httpVersion, rawHeaders: req.rawHeaders }, ownAuthority);
    if (!decision.ok) {
      // The body (if any) is not read: close the connection rather than guess where the next request starts.
      refuse(res, decision.status, decision.status === 405 ? "method_not_allowed" : "bad_request", decision.message, true);
      return;
    }
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      refuse(res, 413, "payload_too_large", `request body exceeds ${maxBodyBytes} bytes`, true);
      return;
    }
    const lease = pool.acquire();
    if (!lease) {
      refuse(res, 503, "unavailable", "no component worker is ready; try again shortly", true);
      return;
    }
    const headers = forwardedHeaders(req.rawHeaders);
    headers.host = decision.authority;
    if (declared !== undefined) headers["content-length"] = declared;
    else if (req.headers["transfer-encoding"] !== undefined) headers["transfer-encoding"] = "chunked";

    // Set once the front has answered itself (413) or the client has gone: the upstream's errors are then expected.
    let settled = false;
    let released = false;
    const release = () => {
      if (!released) (released = true), lease.release();
    };
    const upstream = http.request({ host: "127.0.0.1", port: lease.port, agent: lease.agent, method: req.method, path: decision.pathWithQuery, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, responseHeaders(answer));
      answer.pipe(res);
      answer.once("end", release);
      answer.once("error", () => (release(), res.destroy()));
    });
    upstream.once("error", (error) => {
      release();
      if (settled) return;
      options.onOutput(`dev server: ${req.method} ${decision.pathWithQuery} failed in the component host: ${error.message}\n`);
      refuse(res, 502, "bad_gateway", "the component host failed on this request", true);
    });
    res.once("close", () => {
      // The response is complete, or the client went away mid-request: then stop feeding the component.
      if (!res.writableFinished) (settled = true), upstream.destroy();
      release();
    });

    let received = 0;
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBodyBytes) {
        settled = true;
        req.pause();
        upstream.destroy();
        release();
        refuse(res, 413, "payload_too_large", `request body exceeds ${maxBodyBytes} bytes`, true);
        return;
      }
      if (!upstream.write(chunk)) {
        req.pause();
        upstream.once("drain", () => req.resume());
      }
    });
    req.once("end", () => upstream.end());
    req.once("error", () => ((settled = true), upstream.destroy()));
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

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, hostname, () => resolve());
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  ownAuthority = `${urlHost}:${port}`;

  let closed: Promise<void> | undefined;
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  const close = () =>
    (closed ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
      markExited();
    })());
  return { url: `http://${ownAuthority}`, host: "jco", close, exited, stats: () => pool.stats() };
}
