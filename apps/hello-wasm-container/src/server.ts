// The container baseline's server: the Wasm app's own handler (apps/hello-wasm/src/handler.ts) on Node's HTTP
// server, through the same adapter the app's bench uses (apps/hello-wasm/tools/nodeServer.ts). Nothing here
// handles a request: a difference the load test measures is the runtime's, not the code's.
import { createHandler } from "../../hello-wasm/src/handler.js";
import { serveHandlerOnNode } from "../../hello-wasm/tools/nodeServer.js";

/** What the greeting reports as its runtime, to tell this server's answers from the Wasm app's ("spin-js"). */
export const RUNTIME = "node-container";
/** How long in-flight work gets after SIGTERM before the process exits anyway (the pod's grace period is 30 s). */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ContainerServer {
  /** Base URL the server listens on. */
  readonly url: string;
  /** Closes the server and resolves when it has closed. */
  close(): Promise<void>;
}

/**
 * Reads `PORT` (default 8080, the container's port) and `HOST` (default all interfaces) from `env`; throws on a
 * port that is not a whole number from 0 to 65535, naming the variable and the value.
 */
export function listenAddress(env: Record<string, string | undefined>): { hostname: string; port: number } {
  const raw = env.PORT ?? "8080";
  const port = Number(raw);
  if (!/^[0-9]{1,5}$/.test(raw) || port > 65535) {
    throw new Error(`PORT=${JSON.stringify(raw)}: a whole number from 0 to 65535 (0 picks a free port)`);
  }
  return { hostname: env.HOST ?? "0.0.0.0", port };
}

/**
 * Starts serving and, unless told not to (tests in a shared process), installs SIGTERM/SIGINT handlers. They
 * matter: as PID 1 in a container, Node gets no default action for SIGTERM, so without them a pod would wait out
 * its whole grace period and be killed.
 */
export async function startContainerServer(
  env: Record<string, string | undefined> = process.env,
  options: { handleSignals?: boolean } = {},
): Promise<ContainerServer> {
  const running = await serveHandlerOnNode(createHandler({ runtime: RUNTIME }), listenAddress(env));
  if (options.handleSignals === false) return { url: running.url, close: () => running.close() };
  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`${JSON.stringify({ msg: "stopping", signal })}\n`);
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    running.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ msg: "listening", url: running.url, runtime: RUNTIME })}\n`);
  return { url: running.url, close: () => running.close() };
}
