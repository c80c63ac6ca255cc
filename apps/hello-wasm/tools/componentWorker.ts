// One component host thread of the dev server's pool (componentPool.ts). It serves the jco-transpiled component on
// a loopback port of its own with preview2-shim's wasi:http server, instantiating a fresh component instance per
// request from core modules compiled once by the main thread, as `jco serve --isolate-requests instance` does
// (platform-contracts JCO-3). Only the dev server's front (devServer.ts) talks to this port, with requests it has
// already checked.
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";

/** What the main thread hands each worker. */
export interface ComponentWorkerData {
  /** The transpiled glue module (jco transpile, `instantiation: "sync"`). */
  readonly gluePath: string;
  /** Core modules by the file name the glue asks for, compiled once and shared (WebAssembly.Module clones). */
  readonly modules: Record<string, WebAssembly.Module>;
  /** preview2-shim's `http` and `instantiation` entry points, resolved from jco (the version jco serve uses). */
  readonly shimHttpPath: string;
  readonly shimInstantiationPath: string;
}

/** Messages from a worker to the main thread. */
export type ComponentWorkerMessage =
  | { type: "ready"; port: number }
  | { type: "stats"; requests: number; instantiateMs: number; handleMs: number };

interface IncomingHandler {
  handle(request: unknown, responseOut: unknown): void;
}
interface Glue {
  instantiate(getCoreModule: (name: string) => WebAssembly.Module, imports: unknown): { incomingHandler: IncomingHandler };
}

const init = workerData as ComponentWorkerData;
const { WASIShim } = (await import(pathToFileURL(init.shimInstantiationPath).href)) as { WASIShim: new () => { getImportObject(): unknown } };
const { HTTPServer } = (await import(pathToFileURL(init.shimHttpPath).href)) as {
  HTTPServer: new (handler: IncomingHandler) => { listen(port: number, host: string): void; address(): { port: number }; stop(): void };
};
const glue = (await import(pathToFileURL(init.gluePath).href)) as Glue;

const getCoreModule = (name: string): WebAssembly.Module => {
  const module = init.modules[name];
  if (module === undefined) throw new Error(`the transpiled component asked for an unknown core module ${name}`);
  return module;
};

// Where a request's time goes inside the component host, for `npm run bench` (never for pass/fail tests).
const stats = { requests: 0, instantiateMs: 0, handleMs: 0 };

const server = new HTTPServer({
  handle(request, responseOut) {
    const started = performance.now();
    // A fresh instance per request, as Spin gives every request (and StarlingMonkey's fetch event is one-shot per
    // instance: a reused instance answers once and then hangs, FIELD-NOTES §6).
    const instance = glue.instantiate(getCoreModule, new WASIShim().getImportObject());
    const instantiated = performance.now();
    // A trap here propagates and ends this thread; the pool answers that request 502 and starts a new worker.
    instance.incomingHandler.handle(request, responseOut);
    stats.requests++;
    stats.instantiateMs += instantiated - started;
    stats.handleMs += performance.now() - instantiated;
  },
});
server.listen(0, "127.0.0.1");
parentPort!.postMessage({ type: "ready", port: server.address().port } satisfies ComponentWorkerMessage);
parentPort!.on("message", (message: { type: string }) => {
  if (message.type === "stats") parentPort!.postMessage({ type: "stats", ...stats } satisfies ComponentWorkerMessage);
});
