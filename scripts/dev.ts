/**
 * `npm run dev`: builds apps/hello-wasm (skipping componentize when nothing changed) and serves the component on
 * http://127.0.0.1:3000, like `spin build && spin up`. Uses Fermyon Spin when it is installed, else the dev server
 * (apps/hello-wasm/tools/devServer.ts): a fresh component instance per request (as Spin does), on every core.
 * Ctrl-C, SIGTERM or SIGHUP stops the server and exits 0; so does the death of the process that started it.
 *
 * Options: --port <n> (default 3000), --runtime auto|spin|jco (default auto).
 */
import { buildComponent } from "../apps/hello-wasm/tools/component";
import { serveComponent, type ComponentHost } from "../apps/hello-wasm/tools/serve";

interface DevOptions {
  port: number;
  runtime: ComponentHost | "auto";
}

/** Parses the dev script's flags; throws one error listing every bad flag with what is accepted. */
export function parseDevArgs(argv: readonly string[]): DevOptions {
  const options: DevOptions = { port: 3000, runtime: "auto" };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === "--port") {
      i++;
      const port = Number(value);
      if (value === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
        problems.push(`--port (${value ?? "missing"}) must be an integer from 1 to 65535`);
      } else options.port = port;
    } else if (flag === "--runtime") {
      i++;
      if (value === "auto" || value === "spin" || value === "jco") options.runtime = value;
      else problems.push(`--runtime (${value ?? "missing"}) must be one of auto, spin, jco`);
    } else {
      problems.push(`unknown argument ${flag}; accepted: --port <1-65535>, --runtime auto|spin|jco`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return options;
}

async function main(): Promise<void> {
  const parent = process.ppid; // read first: see the re-parenting check below
  const options = parseDevArgs(process.argv.slice(2));
  const built = await buildComponent({ log: (line) => console.log(line) });
  const server = await serveComponent({
    hostname: "127.0.0.1",
    port: options.port,
    host: options.runtime,
    // The server's own log (and the component's stderr) straight through.
    onOutput: (chunk) => process.stderr.write(chunk),
  });
  console.log(`hello-wasm (${(built.bytes / 1e6).toFixed(1)} MB component) served by ${server.host === "spin" ? "Fermyon Spin" : "the dev server (jco-transpiled, a fresh instance per request on every core)"}`);
  console.log(`Ready: ${server.url}/  (health: ${server.url}/healthz; Ctrl-C to stop)`);

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping the server...`);
    // close() stops the dev server's worker threads, or passes SIGTERM to spin up's process group, and waits.
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  // SIGTERM to `npm run dev` reaches npm's `sh -c`, which dies without passing it on (npm forwards SIGINT/SIGTERM to
  // its child only: @npmcli/run-script lib/signal-manager.js, platform-contracts NODEHTTP-4). We are then re-parented:
  // take that as the signal, so no server is left holding the port.
  setInterval(() => {
    if (process.ppid !== parent) stop("the process that started npm run dev is gone");
  }, 250).unref();
  // With npm gone, our stdout may be a closed pipe; a failed log line must not stop the shutdown.
  process.stdout.on("error", () => {});

  await server.exited;
  if (!stopping) {
    console.error("The server exited on its own (see its output above).");
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
