// The app's request -> response logic, written against web-standard Request/Response only, so the same module runs
// inside the Wasm component (StarlingMonkey, via src/index.ts) and on plain Node (unit tests, the bench baseline).

/**
 * Largest request body accepted: 1 MiB plus a small margin, so a client's "1 MB" (either 10^6 or 2^20 bytes) fits
 * whatever framing it adds. Anything larger gets 413 and is never read in full.
 */
export const MAX_BODY_BYTES = 1024 * 1024 + 16 * 1024;

/** Incoming `x-request-id` values are echoed only when they look like an id, so a header can't inject junk. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HandlerOptions {
  /** What is serving the handler, reported in every greeting (e.g. "spin-js" in the component, "node" on Node). */
  readonly runtime: string;
  /**
   * Largest request body in bytes; larger bodies are answered with 413.
   * @default MAX_BODY_BYTES (1 MiB + 16 KiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Where unexpected errors are reported (the response itself never carries their details).
   * @default console.error
   */
  readonly logError?: (message: string, error: unknown) => void;
}

export type Handler = (request: Request) => Promise<Response>;

/** The greeting every path except /healthz answers with. */
export interface Greeting {
  message: string;
  path: string;
  method: string;
  runtime: string;
  /** Query parameters; a name given several times keeps every value, in order. */
  query: Record<string, string[]>;
  /** Bytes in the request body (0 when there is none). */
  bodyBytes: number;
}

/** The body of every 4xx/5xx response. */
export interface ErrorBody {
  error: string;
  message: string;
}

export function createHandler(options: HandlerOptions): Handler {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new RangeError(`maxBodyBytes (${String(maxBodyBytes)}) must be a non-negative safe integer`);
  }
  const logError = options.logError ?? ((message, error) => console.error(message, error));

  return async (request: Request): Promise<Response> => {
    const requestId = requestIdOf(request);
    try {
      const response = await route(request, options.runtime, maxBodyBytes);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      // One bad request must cost one 500, never the server: the error stays in the log, not in the response.
      logError(`hello-wasm: request ${requestId} failed:`, error);
      return json(500, { error: "internal_error", message: "the request could not be handled" } satisfies ErrorBody, requestId);
    }
  };
}

async function route(request: Request, runtime: string, maxBodyBytes: number): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method;

  if (url.pathname === "/healthz") {
    if (method !== "GET" && method !== "HEAD") {
      const response = json(405, { error: "method_not_allowed", message: `${method} is not allowed on /healthz; use GET or HEAD` } satisfies ErrorBody);
      response.headers.set("allow", "GET, HEAD");
      return response;
    }
    return json(200, { status: "ok" });
  }

  const body = await countBodyBytes(request, maxBodyBytes);
  if (body.tooLarge) {
    return json(413, { error: "payload_too_large", message: `request body exceeds ${maxBodyBytes} bytes` } satisfies ErrorBody);
  }
  const greeting: Greeting = {
    message: "Hello from hello-wasm",
    path: decodePath(url.pathname),
    method,
    runtime,
    query: queryOf(url.searchParams),
    bodyBytes: body.bytes,
  };
  return json(200, greeting);
}

export type BodyCount = { tooLarge: false; bytes: number } | { tooLarge: true };

/**
 * Counts a request body's bytes without keeping them, stopping (and cancelling the stream) as soon as the count
 * passes `maxBytes`; a declared Content-Length over the limit is refused before any byte is read.
 */
export async function countBodyBytes(request: Request, maxBytes: number): Promise<BodyCount> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    return { tooLarge: true };
  }
  if (request.body === null) return { tooLarge: false, bytes: 0 };
  const reader = request.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { tooLarge: false, bytes };
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel("request body too large");
      return { tooLarge: true };
    }
  }
}

/** Percent-decodes a path for display; a malformed escape leaves the path as received rather than failing. */
export function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function queryOf(params: URLSearchParams): Record<string, string[]> {
  // A null prototype, so a parameter named "__proto__" is just a key.
  const query: Record<string, string[]> = Object.create(null);
  for (const [name, value] of params) {
    (query[name] ??= []).push(value);
  }
  return query;
}

function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given !== null && REQUEST_ID_PATTERN.test(given) ? given : crypto.randomUUID();
}

function json(status: number, body: unknown, requestId?: string): Response {
  const text = JSON.stringify(body);
  const headers = new Headers({ "content-type": "application/json", "cache-control": "no-store" });
  if (requestId !== undefined) headers.set("x-request-id", requestId);
  // Always a body, HEAD included: the HTTP server drops it for HEAD (RFC 9110 §9.3.2), and jco's wasi:http host
  // (preview2-shim 0.26) crashes the whole server on a response without a body.
  return new Response(text, { status, headers });
}
