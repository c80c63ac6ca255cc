// The dev server's front: node:http on loopback, in front of the component pool (componentPool.ts). It checks the
// request line and headers (requestTarget.ts), reads the body (bounded), and posts a clean request to a worker,
// which answers with the component's response; whatever a client sends costs at most that one request or
// connection, never the server.
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
  const pool = await ComponentPool.start({ onOutput: options.onOutput, maxBodyBytes, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
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
