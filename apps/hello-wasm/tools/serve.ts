// Serves the built component on loopback: with Fermyon Spin (`spin up`) when it is installed, otherwise with the
// dev server (devServer.ts): a checking node:http front over worker threads that run the jco-transpiled component,
// one fresh instance per request as Spin does. Shared by the dev script, tests and bench.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { appDir, manifestPath } from "./component.js";
import { startDevServer, type ComponentHost, type DevApp, type DevServer, type RunningServer } from "./devServer.js";

// The shared types live in devServer.ts (the lower module), so the two files import one way only.
export type { ComponentHost, DevApp, DevServer, RunningServer };

export interface ServeOptions {
  /**
   * Loopback address to listen on.
   * @default "127.0.0.1"
   */
  readonly hostname?: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Which host runs the component: "auto" uses Fermyon Spin when `spin --version` says it is Spin, else jco.
   * @default "auto"
   */
  readonly host?: ComponentHost | "auto";
  /**
   * Component worker threads of the dev server (not used with Spin).
   * @default os.availableParallelism()
   */
  readonly workers?: number;
  /**
   * How long to wait for the port to accept connections.
   * @default 60000
   */
  readonly readyTimeoutMs?: number;
  /**
   * Where the server's own output goes; by default it is kept and shown only if startup fails.
   * @default kept in memory (last 16 KiB)
   */
  readonly onOutput?: (chunk: string) => void;
  /**
   * The app the dev server serves (devLoop.ts `devAppOf`).
   * @default apps/hello-wasm (HELLO_WASM_APP)
   */
  readonly app?: DevApp;
  /**
   * The manifest `spin up` serves (with Fermyon Spin).
   * @default apps/hello-wasm/spin.toml
   */
  readonly manifestPath?: string;
  /**
   * With Fermyon Spin: run `spin watch` (rebuild and restart on changes) instead of `spin up`.
   * @default false
   */
  readonly spinWatch?: boolean;
}

/**
 * Reads the version out of `spin --version` output when it is Fermyon/spinframework Spin ("spin 3.1.2 (a4ddd39
 * 2024-12-19)"); undefined for anything else, notably Debian's `spin`, the SPIN model checker, which prints
 * "Spin Version 6.5.2 -- ..." for -V and a usage text for --version.
 */
export function parseSpinVersion(output: string): string | undefined {
  const match = /^spin (\d+\.\d+\.\d+\S*) \([0-9a-f]{7,40} \d{4}-\d{2}-\d{2}\)\s*$/m.exec(output);
  return match?.[1];
}

/** The version of the Fermyon Spin on PATH (as `command`), or undefined when there is none. */
export async function detectFermyonSpin(command = "spin"): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(command, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
    // Not spawn's own `timeout`: its timer outlives a command that is not installed and holds the process open.
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const done = (version: string | undefined) => {
      clearTimeout(timer);
      resolve(version);
    };
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", () => done(undefined)); // not installed
    child.on("close", (code) => done(code === 0 ? parseSpinVersion(out) : undefined));
  });
}

/** A port the OS says is free on `hostname` right now. */
export async function freePort(hostname = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, hostname, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(hostname: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function assertLoopback(hostname: string): void {
  if (hostname !== "localhost" && !/^127\.\d+\.\d+\.\d+$/.test(hostname) && hostname !== "::1") {
    throw new Error(`hostname (${hostname}) must be a loopback address (127.0.0.0/8, ::1 or localhost): the dev server is not meant to be reachable from other machines`);
  }
}

/**
 * Serves dist/hello-wasm.wasm (build it first with `buildComponent`) and resolves once the port accepts
 * connections. The dev server runs inside this process (worker threads), so it ends with it; `spin up` runs in a
 * process group of its own that `close()` signals as a whole.
 */
export async function serveComponent(options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  assertLoopback(hostname);
  const port = options.port || (await freePort(hostname));
  // Readiness is "the port accepts connections", so a port someone else already listens on would look ready.
  if (await canConnect(hostname, port)) {
    throw new Error(`port (${port}) on ${hostname} is already in use: stop what listens there or choose another port`);
  }
  const wanted = options.host ?? "auto";
  const spinVersion = wanted === "jco" ? undefined : await detectFermyonSpin();
  const useSpin = spinVersion !== undefined;
  if (wanted === "spin" && !useSpin) {
    throw new Error("host (spin) needs Fermyon Spin on PATH; `spin --version` did not report it (Debian's `spin` is the SPIN model checker)");
  }

  let tail = "";
  const onOutput = options.onOutput ?? ((chunk: string) => (tail = (tail + chunk).slice(-16_384)));
  if (!useSpin) {
    try {
      return await startDevServer({ hostname, port, onOutput, ...(options.app ? { app: options.app } : {}), ...(options.workers !== undefined ? { workers: options.workers } : {}) });
    } catch (error) {
      throw new Error(`the dev server did not start: ${error instanceof Error ? error.message : String(error)}. Its output:\n${tail.trim()}`);
    }
  }

  const manifest = options.manifestPath ?? manifestPath;
  // `spin watch` passes trailing arguments through to `spin up` (spin src/commands/watch.rs `up_args`).
  const child = spawn("spin", [options.spinWatch ? "watch" : "up", "--from", manifest, "--listen", `${hostname}:${port}`], { cwd: options.manifestPath ? path.dirname(manifest) : appDir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => onOutput(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => onOutput(chunk.toString()));

  let exitedEarly: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      exitedEarly = String(error);
      resolve();
    });
    child.once("exit", (code, signal) => {
      exitedEarly = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });

  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      signalGroup(child.pid, "SIGTERM");
      const killer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await exited;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!(await canConnect(hostname, port))) {
    if (exitedEarly !== undefined || Date.now() > deadline) {
      const reason = exitedEarly ?? `did not listen on ${hostname}:${port} within ${options.readyTimeoutMs ?? 60_000} ms`;
      await close();
      throw new Error(`spin up ${reason}. Its output:\n${tail.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { url: `http://${urlHost}:${port}`, host: "spin", close, exited };
}

/** Signals the process group we started (spin up may start processes of its own). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
