// Outbound HTTP for a component worker (componentWorker.ts). The in-memory host is synchronous (memoryHost.ts), so
// an outbound request is handed to a fetch thread of this worker's own and the worker waits on a shared flag
// (Atomics.wait) until the answer is posted back; the same technique preview2-shim's synckit uses (JCO2-2), on one
// request at a time. Spin's client does not follow redirects (wasi:http hands the 3xx to the component); neither
// does this one.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { OutboundResult, PlainOutboundRequest } from "./memoryHost.js";

/**
 * How long one outbound request may take before the component gets a timeout error; the wait is bounded so a hung
 * upstream never holds a worker for ever.
 * @default 30 s
 */
export const OUTBOUND_TIMEOUT_MS = 30_000;

interface Job {
  readonly request: PlainOutboundRequest;
  readonly flag: Int32Array;
  readonly timeoutMs: number;
}

// The fetch thread's code, evaluated as a module of its own (no TypeScript loader needed).
const FETCH_THREAD = `
const { workerData } = require("node:worker_threads");
const port = workerData.port;
function code(error) {
  const cause = error && error.cause;
  const c = (cause && cause.code) || (error && error.code) || "";
  if (error && (error.name === "TimeoutError" || c === "UND_ERR_CONNECT_TIMEOUT")) return { tag: "connection-timeout" };
  if (c === "ECONNREFUSED") return { tag: "connection-refused" };
  if (c === "ENOTFOUND" || c === "EAI_AGAIN") return { tag: "DNS-error", val: { rcode: undefined, infoCode: undefined } };
  if (c === "ECONNRESET") return { tag: "connection-terminated" };
  return { tag: "internal-error", val: String((cause && cause.message) || (error && error.message) || error) };
}
port.on("message", async ({ request, flag, timeoutMs }) => {
  let result;
  try {
    const init = { method: request.method, headers: request.headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) };
    if (request.body.length > 0 && request.method !== "GET" && request.method !== "HEAD") init.body = request.body;
    const response = await fetch(request.url, init);
    const body = new Uint8Array(await response.arrayBuffer());
    const headers = [];
    response.headers.forEach((value, name) => headers.push([name, value]));
    result = { ok: true, response: { status: response.status, headers, body } };
  } catch (error) {
    result = { ok: false, error: code(error) };
  }
  port.postMessage(result);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/** A synchronous sender: `send` blocks this thread until the fetch thread has the answer (or the bound passes). */
export class SyncFetcher {
  private readonly worker: Worker;
  private readonly port: MessagePort;

  constructor(private readonly timeoutMs = OUTBOUND_TIMEOUT_MS) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(FETCH_THREAD, { eval: true, workerData: { port: port2 }, transferList: [port2] });
    // Neither the thread nor its port may keep the worker alive on their own.
    this.worker.unref();
    this.port.unref();
  }

  send(request: PlainOutboundRequest): OutboundResult {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.port.postMessage({ request, flag, timeoutMs: this.timeoutMs } satisfies Job);
    // A little past the fetch's own timeout, so the thread normally answers with connection-timeout first.
    const waited = Atomics.wait(flag, 0, 0, this.timeoutMs + 2_000);
    const message = receiveMessageOnPort(this.port);
    if (waited === "timed-out" || message === undefined) return { ok: false, error: { tag: "connection-timeout" } };
    return message.message as OutboundResult;
  }

  close(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}
