// The dev server's component hosts: the component transpiled once with jco, its core modules compiled once, and
// one worker thread per core, each instantiating a fresh component instance per request (componentWorker.ts). The
// front posts a worker each checked request whole and gets the response back as a message. A worker that dies (a
// trap, a crash in the host) is replaced; the requests it held fail, and the front answers them 502.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { MAX_BODY_BYTES } from "../src/handler.js";
import { packageDir, wasmPath } from "./component.js";
import { importMemory } from "./memoryImage.js";
import type { ComponentWorkerData, ComponentWorkerMessage, ComponentWorkerRequest } from "./componentWorker.js";
import type { PlainRequest, PlainResponse } from "./memoryHost.js";

// Node's global WebAssembly object; @types/node declares only its types, not the value, under lib ES2022.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

/** The core module jco names after the component (`name: "component"`): StarlingMonkey with the app. */
const MAIN_CORE_MODULE = "component.core.wasm";

export interface PoolOptions {
  /**
   * Worker threads, each serving one request at a time.
   * @default os.availableParallelism()
   */
  readonly workers?: number;
  /**
   * Largest body a worker's own loopback port accepts (the front bounds what it sends itself).
   * @default MAX_BODY_BYTES, hello-wasm's own bound (src/handler.ts)
   */
  readonly maxBodyBytes?: number;
  /** Worker stdout/stderr (the component's own output) and the pool's log lines. */
  readonly onOutput: (chunk: string) => void;
  /**
   * The component to run.
   * @default dist/hello-wasm.wasm
   */
  readonly wasmPath?: string;
  /**
   * The component's `allowed_outbound_hosts`, templates resolved (lib/spin/spinManifest.ts `resolveTemplate`).
   * @default [] (every outbound request denied, as Spin does for an empty list)
   */
  readonly allowedOutboundHosts?: readonly string[];
  /** The dev server's own origin, for relative (`self`) outbound requests. @default none (denied) */
  readonly selfOrigin?: string;
}

export interface PoolStats {
  /** Requests the component instances finished, summed over every worker alive now. */
  requests: number;
  /** Mean ms to instantiate a component from the compiled modules. */
  instantiateMsMean: number;
  /** Mean ms inside the component's incoming handler (the app's code plus wasi:http/io calls). */
  handleMsMean: number;
  /** Instances that got a recycled memory reset to the initial image instead of a new one (memoryImage.ts). */
  recycledMemories: number;
}

interface Pending {
  resolve(response: PlainResponse): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  port: number;
  inFlight: number;
  /** Requests posted to this worker and not answered yet, by id. */
  pending: Map<number, Pending>;
}

/** One worker, chosen for one request. */
export interface Lease {
  /** The worker's own loopback port (direct access for debugging; the front posts requests instead). */
  readonly port: number;
  /** Runs the request on a fresh instance in this worker; rejects when the component or the worker failed. */
  send(request: PlainRequest): Promise<PlainResponse>;
  /** Call once when the request is over, however it ended. */
  release(): void;
}

export class ComponentPool {
  private readonly slots: (Slot | undefined)[];
  private closing = false;
  private nextId = 0;

  private constructor(
    private readonly data: ComponentWorkerData,
    private readonly dir: string,
    private readonly options: PoolOptions,
    size: number,
  ) {
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  /** Transpiles and compiles the built component (`wasmPath`) and starts every worker. */
  static async start(options: PoolOptions): Promise<ComponentPool> {
    const size = options.workers ?? os.availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers (${size}) must be a positive integer`);
    const dir = await mkdtemp(path.join(os.tmpdir(), "hello-wasm-dev-"));
    try {
      const jcoDir = packageDir("@bytecodealliance/jco");
      const jco = (await import(pathToFileURL(path.join(jcoDir, "dist", "api.js")).href)) as {
        transpile(component: Uint8Array, opts: Record<string, unknown>): Promise<{ files: Record<string, Uint8Array> }>;
      };
      // The options `jco serve --isolate-requests instance` transpiles with (jco src/cmd/run.js, JCO-3): sync
      // instantiation, so the host supplies the imports per instance.
      const { files } = await jco.transpile(await readFile(options.wasmPath ?? wasmPath), { name: "component", noTypescript: true, wasiShim: true, instantiation: "sync" });
      const modules: Record<string, WebAssembly.Module> = {};
      // The main core module imports its memory instead, so a worker can hand each new instance a recycled memory
      // reset to the initial image (memoryImage.ts); any other shape is instantiated as jco made it.
      const rewritten = importMemory(files[MAIN_CORE_MODULE] ?? new Uint8Array());
      for (const [name, bytes] of Object.entries(files)) {
        if (name.endsWith(".wasm")) modules[name] = await wasm.compile(name === MAIN_CORE_MODULE && rewritten ? rewritten.bytes : bytes);
      }
      const gluePath = path.join(dir, "component.mjs");
      await writeFile(gluePath, files["component.js"]!);
      // jco serve resolves preview2-shim from jco itself (JCO-3); so do we, for wasi:random (memoryHost.ts has the rest).
      const fromJco = createRequire(path.join(jcoDir, "package.json"));
      const data: ComponentWorkerData = {
        gluePath,
        modules,
        memory: rewritten ? { module: MAIN_CORE_MODULE, initialPages: rewritten.initialPages, maximumPages: rewritten.maximumPages, image: rewritten.image } : undefined,
        shimRandomPath: fromJco.resolve("@bytecodealliance/preview2-shim/random"),
        maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
        allowedOutboundHosts: [...(options.allowedOutboundHosts ?? [])],
        selfOrigin: options.selfOrigin,
      };
      const pool = new ComponentPool(data, dir, options, size);
      await Promise.all(pool.slots.map((_, index) => pool.spawn(index)));
      return pool;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private spawn(index: number): Promise<void> {
    const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), "componentWorker.ts");
    // execArgv is inherited, so the worker loads TypeScript the way this process does (tsx).
    const worker = new Worker(workerFile, { workerData: this.data, stdout: true, stderr: true });
    worker.stdout.on("data", (chunk: Buffer) => this.options.onOutput(chunk.toString()));
    worker.stderr.on("data", (chunk: Buffer) => this.options.onOutput(chunk.toString()));
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const pending = new Map<number, Pending>();
      worker.on("message", (message: ComponentWorkerMessage) => {
        if (message.type === "response") pending.get(message.id)?.resolve(message.response);
        else if (message.type === "failed") pending.get(message.id)?.reject(new Error(message.message));
        if (message.type === "response" || message.type === "failed") pending.delete(message.id);
        if (message.type !== "ready" || ready) return;
        ready = true;
        this.slots[index] = { worker, port: message.port, inFlight: 0, pending };
        resolve();
      });
      worker.once("error", (error) => this.options.onOutput(`dev server: component worker ${index} failed: ${error.stack ?? error}\n`));
      worker.once("exit", (code) => {
        const slot = this.slots[index];
        if (slot?.worker === worker) this.slots[index] = undefined;
        // Fails what it still held, so the front answers 502.
        for (const request of pending.values()) request.reject(new Error(`component worker ${index} exited (code ${code})`));
        pending.clear();
        if (!ready) {
          reject(new Error(`component worker ${index} exited with code ${code} before it was ready`));
          return;
        }
        if (this.closing) return;
        this.options.onOutput(`dev server: component worker ${index} exited (code ${code}); starting a new one\n`);
        this.spawn(index).catch((error: unknown) => this.options.onOutput(`dev server: could not restart worker ${index}: ${String(error)}\n`));
      });
    });
  }

  /** The live worker with the fewest requests in flight, or undefined while none is ready. */
  acquire(): Lease | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (slot && (!best || slot.inFlight < best.inFlight)) best = slot;
    if (!best) return undefined;
    const slot = best;
    slot.inFlight++;
    let released = false;
    return {
      port: slot.port,
      send: (request) =>
        new Promise<PlainResponse>((resolve, reject) => {
          const id = this.nextId++;
          slot.pending.set(id, { resolve, reject });
          slot.worker.postMessage({ type: "request", id, request } satisfies ComponentWorkerRequest);
        }),
      release: () => {
        if (!released) (released = true), slot.inFlight--;
      },
    };
  }

  /** Instantiate and handler times, summed over the live workers (for the bench). */
  async stats(): Promise<PoolStats> {
    const parts = await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<{ requests: number; instantiateMs: number; handleMs: number; recycledMemories: number }>((resolve) => {
            if (!slot) return resolve({ requests: 0, instantiateMs: 0, handleMs: 0, recycledMemories: 0 });
            const onMessage = (message: ComponentWorkerMessage) => {
              if (message.type !== "stats") return;
              slot.worker.off("message", onMessage);
              resolve(message);
            };
            slot.worker.on("message", onMessage);
            slot.worker.postMessage({ type: "stats" } satisfies ComponentWorkerRequest);
          }),
      ),
    );
    const requests = parts.reduce((sum, p) => sum + p.requests, 0);
    const mean = (key: "instantiateMs" | "handleMs") => (requests > 0 ? parts.reduce((sum, p) => sum + p[key], 0) / requests : 0);
    return { requests, instantiateMsMean: mean("instantiateMs"), handleMsMean: mean("handleMs"), recycledMemories: parts.reduce((sum, p) => sum + p.recycledMemories, 0) };
  }

  /** Requests leased and not yet released, over every worker. */
  inFlight(): number {
    return this.slots.reduce((sum, slot) => sum + (slot?.inFlight ?? 0), 0);
  }

  /**
   * Waits until no request is in flight (none new arrives: the front has swapped to another pool), then closes.
   * Bounded: after `timeoutMs` the pool is closed anyway and what is still in flight fails (502).
   * @returns the requests still in flight when it closed (0 when the drain finished)
   */
  async drain(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const left = this.inFlight();
    await this.close();
    return left;
  }

  /** Stops every worker and removes the transpiled files. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => slot?.worker.terminate()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
