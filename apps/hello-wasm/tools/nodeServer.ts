// Serves a web-standard handler (src/handler.ts) on Node's own HTTP server: the bench's baseline for what the
// component costs, and a way to try the handler without building anything.
import http from "node:http";
import net from "node:net";
import { Readable } from "node:stream";
import type { Handler } from "../src/handler.js";
import type { RunningServer } from "./serve.js";

export interface NodeServeOptions {
  /** @default "127.0.0.1" */
  readonly hostname?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
}

/** Converts a Node request into a web Request (body streamed, not buffered). */
export function toWebRequest(req: http.IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // Required by the fetch spec for a streamed request body.
    duplex: "half",
  } as RequestInit);
}

async function writeWebResponse(response: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

export async function serveHandlerOnNode(handler: Handler, options: NodeServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const origin = (port: number) => `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const server = http.createServer((req, res) => {
    const port = (server.address() as net.AddressInfo).port;
    handler(toWebRequest(req, origin(port)))
      .then((response) => writeWebResponse(response, res))
      .catch(() => {
        // The handler answers its own errors with 500; this is only a broken connection mid-response.
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  let closed: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => server.once("close", () => resolve()));
  return {
    url: origin((server.address() as net.AddressInfo).port),
    host: "node",
    exited,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
