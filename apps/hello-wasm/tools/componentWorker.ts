// One component host thread of the dev server's pool (componentPool.ts). The front (devServer.ts) posts it each
// request it has already checked, whole (method, path with query, authority, headers, body bytes); the worker
// instantiates a fresh component instance for it from core modules compiled once by the main thread, as Spin and
// `jco serve --isolate-requests instance` do (platform-contracts JCO-3), hands the instance the request as in-memory
// wasi:http resources (memoryHost.ts) and posts the response back. No second HTTP hop, no wasi:http I/O thread.
//
// It also answers plain HTTP on a loopback port of its own (the same in-memory host behind a bare node:http server),
// so a single worker can be reached directly when debugging; the front never uses it.
import http from "node:http";
import type net from "node:net";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { IMPORT_MODULE, IMPORT_NAME } from "./memoryImage.js";
import { AllowedHosts } from "../../../lib/spin/spinManifest.js";
import { DENY_ALL, importObject, NoResponseError, serveRequest, type IncomingRequest, type OutboundPolicy, type PlainRequest, type PlainResponse, type ResponseOutparam } from "./memoryHost.js";
import { SyncFetcher } from "./outbound.js";

/** What the main thread hands each worker. */
export interface ComponentWorkerData {
  /** The transpiled glue module (jco transpile, `instantiation: "sync"`). */
  readonly gluePath: string;
  /** Core modules by the file name the glue asks for, compiled once and shared (WebAssembly.Module clones). */
  readonly modules: Record<string, WebAssembly.Module>;
  /**
   * Set when the main core module was rewritten to import its memory (memoryImage.ts): which module, the memory's
   * limits, and its initial image.
   */
  readonly memory: { module: string; initialPages: number; maximumPages: number | undefined; image: Uint8Array } | undefined;
  /** preview2-shim's `random` entry point, resolved from jco (it starts no I/O thread, JCO2-2). */
  readonly shimRandomPath: string;
  /** Largest body the worker's own loopback port accepts (the front bounds what it posts itself). */
  readonly maxBodyBytes: number;
  /** The component's `allowed_outbound_hosts`, templates already resolved; empty denies every outbound request. */
  readonly allowedOutboundHosts: readonly string[];
  /** The dev server's own origin, for relative (`self`) requests. */
  readonly selfOrigin: string | undefined;
}

/** Messages from the main thread to a worker. */
export type ComponentWorkerRequest = { type: "request"; id: number; request: PlainRequest } | { type: "stats" };

/** Messages from a worker to the main thread. */
export type ComponentWorkerMessage =
  | { type: "ready"; port: number }
  | { type: "response"; id: number; response: PlainResponse }
  | { type: "failed"; id: number; message: string }
  | { type: "stats"; requests: number; instantiateMs: number; handleMs: number; recycledMemories: number };

interface IncomingHandler {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void;
}
// Node's WasmMemory/Instance; @types/node declares only WebAssembly.Module under lib ES2022.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmInstance = object;
type InstantiateCore = (module: WebAssembly.Module, imports: Record<string, Record<string, unknown>>) => WasmInstance;
interface Glue {
  instantiate(getCoreModule: (name: string) => WebAssembly.Module, imports: unknown, instantiateCore: InstantiateCore): { incomingHandler: IncomingHandler };
}

const init = workerData as ComponentWorkerData;
const random = (await import(pathToFileURL(init.shimRandomPath).href)) as Parameters<typeof importObject>[0];
const glue = (await import(pathToFileURL(init.gluePath).href)) as Glue;
/** Spin's outbound rules for this component (lib/spin/spinManifest.ts); a fetch thread only when something is allowed. */
function outboundPolicy(): OutboundPolicy {
  if (init.allowedOutboundHosts.length === 0) return DENY_ALL;
  const allowed = AllowedHosts.parse(init.allowedOutboundHosts);
  const fetcher = new SyncFetcher();
  return { allows: (url) => allowed.allows(url), allowsSelf: () => allowed.allowsSelf(), selfOrigin: init.selfOrigin, send: (request) => fetcher.send(request) };
}
const imports = importObject(random, outboundPolicy());

const getCoreModule = (name: string): WebAssembly.Module => {
  const module = init.modules[name];
  if (module === undefined) throw new Error(`the transpiled component asked for an unknown core module ${name}`);
  return module;
};

// Where a request's time goes inside the component host, for `npm run bench` (never for pass/fail tests).
const stats = { requests: 0, instantiateMs: 0, handleMs: 0, recycledMemories: 0 };

// Memory for the rewritten main module: the last request's memory, reset to the initial image before it is used
// again, or a new one. It is reset only once the request that used it is over and its microtasks have run (on the
// next macrotask), so nothing of the old instance can write into it afterwards.
const wasmApi = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number }) => WasmMemory; Instance: new (m: WebAssembly.Module, i: unknown) => WasmInstance } }).WebAssembly;
let spare: { memory: WasmMemory; clean: boolean } | undefined;
let inUse: WasmMemory | undefined;

function takeMemory(layout: NonNullable<ComponentWorkerData["memory"]>): WasmMemory {
  let memory: WasmMemory;
  if (spare) {
    memory = spare.memory;
    stats.recycledMemories++;
    if (!spare.clean) new Uint8Array(memory.buffer).set(layout.image);
    spare = undefined;
  } else {
    memory = new wasmApi.Memory({ initial: layout.initialPages, ...(layout.maximumPages !== undefined ? { maximum: layout.maximumPages } : {}) });
    new Uint8Array(memory.buffer).set(layout.image);
  }
  return memory;
}

/** After a request: keep its memory for the next one unless it grew (a grown memory cannot shrink back). */
function recycleMemory(): void {
  const layout = init.memory;
  const memory = inUse;
  inUse = undefined;
  if (!layout || !memory || memory.buffer.byteLength !== layout.image.length) return;
  const entry = { memory, clean: false };
  spare = entry;
  setImmediate(() => {
    if (spare === entry && !entry.clean) new Uint8Array(memory.buffer).set(layout.image), (entry.clean = true);
  });
}

const instantiateCore: InstantiateCore = (module, importObject) => {
  const layout = init.memory;
  if (!layout || module !== init.modules[layout.module]) return new wasmApi.Instance(module, importObject);
  inUse = takeMemory(layout);
  return new wasmApi.Instance(module, { ...importObject, [IMPORT_MODULE]: { [IMPORT_NAME]: inUse } });
};


/**
 * A fresh instance per request, as Spin gives every request (and StarlingMonkey's fetch event is one-shot per
 * instance: a reused instance answers once and then hangs, FIELD-NOTES §6). A trap propagates and ends this thread;
 * the pool answers the requests it held 502 and starts a new worker.
 */
function serve(request: PlainRequest): PlainResponse {
  const started = performance.now();
  const instance = glue.instantiate(getCoreModule, imports, instantiateCore);
  const instantiated = performance.now();
  try {
    return serveRequest(instance.incomingHandler, request);
  } finally {
    recycleMemory();
    stats.requests++;
    stats.instantiateMs += instantiated - started;
    stats.handleMs += performance.now() - instantiated;
  }
}

const port = parentPort!;
port.on("message", (message: ComponentWorkerRequest) => {
  if (message.type === "stats") {
    port.postMessage({ type: "stats", ...stats } satisfies ComponentWorkerMessage);
    return;
  }
  let response: PlainResponse;
  try {
    response = serve(message.request);
  } catch (error) {
    if (!(error instanceof NoResponseError)) throw error; // a trap or a host failure: end the thread (see serve)
    port.postMessage({ type: "failed", id: message.id, message: error.message } satisfies ComponentWorkerMessage);
    return;
  }
  port.postMessage({ type: "response", id: message.id, response } satisfies ComponentWorkerMessage);
});

// The direct loopback port: the path is the request target's, the authority this port's own (never `Host`).
const direct = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > init.maxBodyBytes) res.writeHead(413, { connection: "close" }).end(), req.destroy();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    if (res.headersSent) return;
    const target = req.url ?? "/";
    if (!target.startsWith("/")) return void res.writeHead(400, { connection: "close" }).end();
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    const { port: own } = direct.address() as net.AddressInfo;
    let answer: PlainResponse;
    try {
      answer = serve({ method: req.method ?? "GET", pathWithQuery: target, authority: `127.0.0.1:${own}`, headers, body: Buffer.concat(chunks) });
    } catch (error) {
      if (!(error instanceof NoResponseError)) throw error;
      return void res.writeHead(502, { connection: "close" }).end();
    }
    res.writeHead(answer.status, answer.headers.flat());
    res.end(answer.body);
  });
});
direct.listen(0, "127.0.0.1", () => {
  port.postMessage({ type: "ready", port: (direct.address() as net.AddressInfo).port } satisfies ComponentWorkerMessage);
});
// The port alone must not keep the thread alive once the pool lets go of it.
direct.unref();
