/**
 * The hello-wasm component: its size, a cold build (dist/ removed: bundle + j2w componentize) and a warm one (the
 * stamp matches, componentize skipped), then latency and throughput of the served component next to the same
 * handler on Node's own HTTP server. Load: autocannon in this process, each server in a process of its own,
 * 127.0.0.1 only, 10 connections, a few seconds per target after a short warm-up.
 *
 * The component is served two ways, measured back to back in alternating rounds (other work on the machine moves
 * the numbers, so every round is reported with the spread): upstream `jco serve --isolate-requests instance` (what
 * `npm run dev` used before: one thread instantiates every request) and the dev server (devServer.ts: a checking
 * front posting each request to one of one worker thread per core, which serves it on a fresh instance through an
 * in-memory wasi:http host). For the dev server the bench also reports where a request's time goes
 * (instantiate, handler, the rest: HTTP and queueing) and CPU ms per request, read from /proc.
 *
 * Note: the cold build deletes apps/hello-wasm/dist; don't run it beside the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { buildComponent, cleanBuild, packageDir, wasmPath } from "../apps/hello-wasm/tools/component";
import { freePort, type RunningServer } from "../apps/hello-wasm/tools/serve";
import type { PoolStats } from "../apps/hello-wasm/tools/componentPool";

const root = path.resolve(__dirname, "..");

export interface AppBenchOptions {
  /** @default 5 */
  durationSeconds?: number;
  /** @default 10 */
  connections?: number;
  /** Unmeasured load before each measurement (the first requests compile the Wasm). @default 1 */
  warmupSeconds?: number;
  /** Alternating rounds of jco serve and the dev server. @default 3 */
  rounds?: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU ms the server's processes (all threads) spent per request; null where /proc is not available. */
  cpuMsPerRequest: number | null;
}

/** CPU seconds used so far by every process in process group `pgid` (Linux /proc); undefined elsewhere. */
async function groupCpuSeconds(pgid: number): Promise<number | undefined> {
  let ticks = 0;
  try {
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Fields after the command: state ppid pgrp ... utime(14) stime(15), numbered from 1 in proc(5).
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function load(url: string, connections: number, durationSeconds: number, pgid?: number): Promise<LoadResult> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+\//.test(url)) throw new Error(`benchmark target ${url} is not on loopback`);
  const cpuBefore = pgid === undefined ? undefined : await groupCpuSeconds(pgid);
  const result = await autocannon({ url, connections, duration: durationSeconds });
  const cpuAfter = pgid === undefined ? undefined : await groupCpuSeconds(pgid);
  return {
    rps: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuMsPerRequest: cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0 ? round(((cpuAfter - cpuBefore) * 1000) / result.requests.total) : null,
  };
}

interface BenchServer extends RunningServer {
  /** Process group of the server's processes, for CPU accounting. */
  readonly pgid: number;
}

async function measure(server: BenchServer, options: Required<AppBenchOptions>): Promise<LoadResult> {
  const url = `${server.url}/bench?from=autocannon`;
  if (options.warmupSeconds > 0) await load(url, options.connections, options.warmupSeconds);
  return load(url, options.connections, options.durationSeconds, server.pgid);
}

/** Starts `command` in a process group of its own and resolves with its URL once it prints `Ready: <url>`. */
function startProcess(command: string, args: string[], host: RunningServer["host"], ready: RegExp, stdin: "pipe" | "ignore" = "ignore"): Promise<BenchServer & { child: ChildProcess }> {
  const child = spawn(command, args, { cwd: root, detached: true, stdio: [stdin, "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  child.stderr!.on("data", (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    void exited.then(() => reject(new Error(`${command} ${args.join(" ")} exited before it was ready: ${out}`)));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (!match) return;
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      resolve({
        url: match[1]!,
        host,
        pgid: child.pid!,
        child,
        exited,
        close: async () => {
          try {
            process.kill(-child.pid!, "SIGTERM");
          } catch {
            // already gone
          }
          const killer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5_000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
  });
}

/** Upstream `jco serve --isolate-requests instance`, the dev host `npm run dev` used before the dev server. */
async function startJcoServe(): Promise<BenchServer> {
  const port = await freePort();
  const jcoDir = await mkdtemp(path.join(os.tmpdir(), "bench-jco-"));
  const jco = path.join(packageDir("@bytecodealliance/jco"), "dist", "jco.js");
  const server = await startProcess(
    process.execPath,
    [jco, "serve", "--isolate-requests", "instance", "--host", "127.0.0.1", "--port", String(port), "--jco-dir", jcoDir, wasmPath],
    "jco",
    /Server listening @ (127\.0\.0\.1):(\d+)/,
  );
  return {
    ...server,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      await rm(jcoDir, { recursive: true, force: true });
    },
  };
}

/** The dev server in a process of its own (bench/devServerProcess.ts), with its per-request time split. */
async function startDevServerProcess(): Promise<BenchServer & { stats(): Promise<PoolStats> }> {
  const server = await startProcess(process.execPath, ["--import", "tsx", path.join(root, "bench/devServerProcess.ts")], "jco", /Ready: (http:\/\/\S+?)\/?\s/, "pipe");
  const { child } = server;
  return {
    ...server,
    close: async () => {
      child.stdin!.end();
      await server.close();
    },
    stats: () =>
      new Promise((resolve) => {
        const onData = (chunk: Buffer) => {
          const line = chunk.toString().split("\n").find((l) => l.startsWith("{"));
          if (!line) return;
          child.stdout!.off("data", onData);
          resolve(JSON.parse(line) as PoolStats);
        };
        child.stdout!.on("data", onData);
        child.stdin!.write("stats\n");
      }),
  };
}

function spread(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** The handler on Node's HTTP server, in a process of its own. */
function serveOnNodeProcess(): Promise<BenchServer> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "apps/hello-wasm/tools/serveNode.ts"), "--port", "0"], {
    cwd: root,
    detached: true,
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
          pgid: child.pid!,
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
  const opts: Required<AppBenchOptions> = { durationSeconds: 5, connections: 10, warmupSeconds: 1, rounds: 3, ...options };

  await cleanBuild();
  const cold = await buildComponent();
  const warm = await buildComponent();
  if (!cold.componentized || warm.componentized) throw new Error("expected a componentizing cold build and a cached warm build");

  // Both component servers stay up for every round; the one not under load is idle.
  const jcoServe = await startJcoServe();
  const devServer = await startDevServerProcess().catch(async (error: unknown) => {
    await jcoServe.close();
    throw error;
  });
  const before: LoadResult[] = [];
  const after: LoadResult[] = [];
  let split: PoolStats;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      before.push(await measure(jcoServe, opts));
      after.push(await measure(devServer, opts));
    }
    split = await devServer.stats();
  } finally {
    await jcoServe.close();
    await devServer.close();
  }
  const node = await serveOnNodeProcess();
  let baseline: LoadResult;
  try {
    baseline = await measure(node, opts);
  } finally {
    await node.close();
  }

  const summary = (results: LoadResult[]) => ({
    rps: spread(results.map((r) => r.rps)),
    p50Ms: spread(results.map((r) => r.p50Ms)),
    cpuMsPerRequest: results.every((r) => r.cpuMsPerRequest !== null) ? spread(results.map((r) => r.cpuMsPerRequest!)) : null,
    rounds: results,
  });
  const rpsRatios = after.map((r, i) => (before[i]!.rps > 0 ? round(r.rps / before[i]!.rps, 2) : 0));
  const meanWallMs = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.p50Ms, 0) / results.length;
  return {
    componentBytes: cold.bytes,
    coldBuildMs: Math.round(cold.ms),
    warmBuildMs: Math.round(warm.ms),
    load: { connections: opts.connections, durationSeconds: opts.durationSeconds, warmupSeconds: opts.warmupSeconds, rounds: opts.rounds, target: "127.0.0.1", cpus: os.availableParallelism(), loadAverage: os.loadavg().map((l) => round(l, 2)) },
    before: { host: "jco serve --isolate-requests instance (one thread)", ...summary(before) },
    after: { host: "dev server: node:http front + one worker thread per core (requests as messages, in-memory wasi:http), fresh instance per request", ...summary(after) },
    afterOverBefore: { rpsPerRound: rpsRatios, rpsMedian: spread(rpsRatios).median },
    // Per request inside a dev server worker (means over every request served, warm-ups included); the p50 minus
    // both is the front (HTTP parsing, the message to and from the worker) and waiting for a free worker.
    timePerRequest: {
      instantiateMs: round(split.instantiateMsMean),
      handlerMs: round(split.handleMsMean),
      p50MinusBothMs: round(meanWallMs(after) - split.instantiateMsMean - split.handleMsMean),
      requests: split.requests,
      recycledMemories: split.recycledMemories,
    },
    node: { host: "node:http", ...baseline },
    ratio: {
      nodeThroughputOverComponent: spread(after.map((r) => r.rps)).median > 0 ? round(baseline.rps / spread(after.map((r) => r.rps)).median) : null,
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
