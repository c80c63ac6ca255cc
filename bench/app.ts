/**
 * The hello-wasm component: its size, a cold build (dist/ removed: bundle + j2w componentize) and a warm one (the
 * stamp matches, componentize skipped), then latency and throughput of the served component next to the same
 * handler on Node's own HTTP server. Load: autocannon in this process, the server in another (two cores: one
 * each), 127.0.0.1 only, 10 connections, a few seconds per target after a short warm-up.
 *
 * Note: the cold build deletes apps/hello-wasm/dist; don't run it beside the tests.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { buildComponent, cleanBuild } from "../apps/hello-wasm/tools/component";
import { serveComponent, type RunningServer } from "../apps/hello-wasm/tools/serve";

const root = path.resolve(__dirname, "..");

export interface AppBenchOptions {
  /** @default 5 */
  durationSeconds?: number;
  /** @default 10 */
  connections?: number;
  /** Unmeasured load before each measurement (the first requests compile the Wasm). @default 1 */
  warmupSeconds?: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function load(url: string, connections: number, durationSeconds: number): Promise<LoadResult> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+\//.test(url)) throw new Error(`benchmark target ${url} is not on loopback`);
  const result = await autocannon({ url, connections, duration: durationSeconds });
  return {
    rps: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function measure(server: RunningServer, options: Required<AppBenchOptions>): Promise<LoadResult> {
  const url = `${server.url}/bench?from=autocannon`;
  if (options.warmupSeconds > 0) await load(url, options.connections, options.warmupSeconds);
  return load(url, options.connections, options.durationSeconds);
}

/** The handler on Node's HTTP server, in a process of its own. */
function serveOnNodeProcess(): Promise<RunningServer> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "apps/hello-wasm/tools/serveNode.ts"), "--port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("error", reject);
    void exited.then(() => reject(new Error(`the Node server exited before it was ready: ${out}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /Ready: (http:\/\/\S+?)\/?\s/.exec(out);
      if (ready) {
        resolve({
          url: ready[1]!,
          host: "node",
          exited,
          close: async () => {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
  });
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export async function run(options: AppBenchOptions = {}): Promise<Record<string, unknown>> {
  const opts: Required<AppBenchOptions> = { durationSeconds: 5, connections: 10, warmupSeconds: 1, ...options };

  await cleanBuild();
  const cold = await buildComponent();
  const warm = await buildComponent();
  if (!cold.componentized || warm.componentized) throw new Error("expected a componentizing cold build and a cached warm build");

  const component = await serveComponent({ hostname: "127.0.0.1" });
  let served: LoadResult;
  try {
    served = await measure(component, opts);
  } finally {
    await component.close();
  }
  const node = await serveOnNodeProcess();
  let baseline: LoadResult;
  try {
    baseline = await measure(node, opts);
  } finally {
    await node.close();
  }

  return {
    componentBytes: cold.bytes,
    coldBuildMs: Math.round(cold.ms),
    warmBuildMs: Math.round(warm.ms),
    load: { connections: opts.connections, durationSeconds: opts.durationSeconds, warmupSeconds: opts.warmupSeconds, target: "127.0.0.1" },
    component: { host: component.host === "spin" ? "spin up" : "jco serve --isolate-requests instance", ...served },
    node: { host: "node:http", ...baseline },
    ratio: {
      nodeThroughputOverComponent: served.rps > 0 ? round(baseline.rps / served.rps) : null,
      componentP50OverNode: baseline.p50Ms > 0 ? round(served.p50Ms / baseline.p50Ms) : null,
      componentP99OverNode: baseline.p99Ms > 0 ? round(served.p99Ms / baseline.p99Ms) : null,
    },
  };
}

if (require.main === module) {
  run().then(
    (report) => console.log(JSON.stringify(report, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
