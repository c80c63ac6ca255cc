/**
 * `npm run dev`: builds a Spin app (by default apps/hello-wasm) with its spin.toml build commands and serves it on
 * http://127.0.0.1:3000, like `spin build && spin up`; with `--watch` (or `npm run watch`), like `spin watch`: a
 * change to a file matching a component's `build.watch` globs (or to spin.toml) rebuilds it and the new build is
 * served on the same port, without dropping the requests in flight; a failed build is shown and the last good one
 * keeps serving. Uses Fermyon Spin when it is installed, else the dev server (apps/hello-wasm/tools/devLoop.ts): a
 * fresh component instance per request (as Spin does), routed by the app's `[[trigger.http]]` routes, outbound
 * requests only to its `allowed_outbound_hosts` (docs/dev-loop.md).
 * Ctrl-C, SIGTERM or SIGHUP stops the server and exits 0; so does the death of the process that started it.
 *
 * Options: --app <name|folder> (default hello-wasm), --watch, --port <n> (default 3000), --runtime auto|spin|jco
 * (default auto).
 */
import path from "node:path";
import { startDevLoop, readManifest, resolveAppDir, runBuild } from "../apps/hello-wasm/tools/devLoop";
import { detectFermyonSpin, serveComponent, type ComponentHost, type RunningServer } from "../apps/hello-wasm/tools/serve";

interface DevOptions {
  port: number;
  runtime: ComponentHost | "auto";
  /** An app folder or a project app's name. */
  app: string | undefined;
  watch: boolean;
}

const ACCEPTED = "accepted: --app <name|folder>, --watch, --port <1-65535>, --runtime auto|spin|jco";

/** Parses the dev script's flags; throws one error listing every bad flag with what is accepted. */
export function parseDevArgs(argv: readonly string[]): DevOptions {
  const options: DevOptions = { port: 3000, runtime: "auto", app: undefined, watch: false };
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
    } else if (flag === "--app") {
      i++;
      if (value === undefined || value.startsWith("--") || value === "") problems.push(`--app (${value ?? "missing"}) must name an app folder or a folder under apps/`);
      else options.app = value;
    } else if (flag === "--watch") {
      options.watch = true;
    } else {
      problems.push(`unknown argument ${flag}; ${ACCEPTED}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return options;
}

async function main(): Promise<void> {
  const parent = process.ppid; // read first: see the re-parenting check below
  const options = parseDevArgs(process.argv.slice(2));
  // npm runs scripts from the project root; INIT_CWD is where `npm run dev` was typed, which a folder is relative to.
  const appDir = resolveAppDir(options.app, process.env.INIT_CWD ?? process.cwd());
  const manifest = readManifest(appDir); // the stack's checks, before anything is built
  const log = (line: string) => console.log(line);
  // The server's own log (and the components' stderr) straight through.
  const onOutput = (chunk: string) => void process.stderr.write(chunk);
  const useSpin = options.runtime === "spin" || (options.runtime === "auto" && (await detectFermyonSpin()) !== undefined);
  let server: RunningServer;
  if (useSpin) {
    // `spin watch` builds by itself; `spin up` needs the build first, as `spin build` runs it.
    if (!options.watch) for (const id of manifest.components.keys()) await runBuild(appDir, manifest, id, log);
    server = await serveComponent({ hostname: "127.0.0.1", port: options.port, host: "spin", manifestPath: path.join(appDir, "spin.toml"), spinWatch: options.watch, onOutput, readyTimeoutMs: options.watch ? 600_000 : 60_000 });
    console.log(`${manifest.name} served by Fermyon Spin${options.watch ? " (spin watch)" : ""}`);
  } else {
    const loop = await startDevLoop({ appDir, hostname: "127.0.0.1", port: options.port, watch: options.watch, log, onOutput });
    server = loop.server;
    const routes = manifest.triggers.map((t) => `${typeof t.route === "string" ? t.route : "(private)"} -> ${t.component}`).join(", ");
    console.log(`${manifest.name} served by the dev server (jco-transpiled, a fresh instance per request): ${routes}${options.watch ? "; watching for changes" : ""}`);
    const stopLoop = loop.close;
    server = { ...loop.server, close: stopLoop };
  }
  console.log(`Ready: ${server.url}/  (Ctrl-C to stop)`);

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
