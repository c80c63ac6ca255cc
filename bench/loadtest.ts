/**
 * Is the load generator the bottleneck? Compares, on the same local target, the throughput of
 * - raw autocannon (its programmatic API, nothing else in the process),
 * - our CLI as `npm run loadtest` runs it (tsx), and
 * - our CLI as the container image runs it (the esbuild bundle),
 * each in its own process against a tiny node:http server in another process (two cores: one each), same
 * duration and connections. Runs alternate between the three, rotating the order each round. Reported: the median
 * rps of each, and the median of the per-round ratios to raw (a round's runs are seconds apart, so the ratio
 * cancels most of the drift of a shared machine). The goal: the CLI reaches at least 80% of raw autocannon.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createLatencyRecorder } from "../apps/loadtest/src/runner";

const root = resolve(__dirname, "..");

export interface LoadTestBenchOptions {
    /** @default 2 */
    durationSeconds?: number;
    /** @default 10 */
    connections?: number;
    /** @default 5 */
    rounds?: number;
}

const targetServer = `
const server = require("node:http").createServer((req, res) => res.end("ok"));
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

// Raw autocannon, counted the way the CLI counts: responses of any status per second of the run.
const rawAutocannon = `
const [url, duration, connections] = process.argv.slice(1);
require("autocannon")({ url, duration: Number(duration), connections: Number(connections) }, (err, r) => {
    if (err) throw err;
    const requests = r["1xx"] + r["2xx"] + r["3xx"] + r["4xx"] + r["5xx"];
    console.log(JSON.stringify({ rps: requests / r.duration, requests }));
});
`;

interface Finished {
    stdout: string;
    /** CPU time the process used (user + system), from the preload's exit hook. */
    cpuMicros: number;
}

// Loaded with --require into every generator process: reports its CPU time on exit, on stderr (stdout stays the
// one summary line).
const cpuPreload = `process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write("\\nBENCH_CPU " + (u.user + u.system) + "\\n"); });`;

function finish(child: ChildProcess): Promise<Finished> {
    return new Promise((resolvePromise, reject) => {
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code !== 0) return reject(new Error(`exit ${code}: ${stderr}`));
            const cpu = /BENCH_CPU (\d+)/.exec(stderr);
            resolvePromise({ stdout, cpuMicros: cpu ? Number(cpu[1]) : NaN });
        });
    });
}

async function startTarget(): Promise<{ url: string; stop: () => void }> {
    const child = spawn(process.execPath, ["-e", targetServer], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<string>((resolvePromise, reject) => {
        child.stdout.once("data", (d: Buffer) => resolvePromise(d.toString().trim()));
        child.once("error", reject);
    });
    return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

/**
 * What the CLI adds per response on top of autocannon: one latency recorded. Timed in-process over many calls,
 * so it holds even when the end-to-end runs are noisy (a shared 2-core machine).
 */
function recordCostNs(): number {
    const recorder = createLatencyRecorder();
    const calls = 2_000_000;
    for (let i = 0; i < 100_000; i++) recorder.record((i % 5000) / 100);
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) recorder.record((i % 5000) / 100);
    return Number(process.hrtime.bigint() - start) / calls;
}

interface Sample {
    rps: number;
    cpuMicrosPerResponse: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round2 = (n: number) => Math.round(n * 100) / 100;

export async function run(opts: LoadTestBenchOptions = {}): Promise<Record<string, unknown>> {
    const durationSeconds = opts.durationSeconds ?? 2;
    const connections = opts.connections ?? 10;
    const rounds = opts.rounds ?? 5;
    const work = mkdtempSync(join(tmpdir(), "loadtest-bench-"));
    const bundle = join(work, "loadtest.cjs");
    const preload = join(work, "cpu-preload.cjs");
    writeFileSync(preload, cpuPreload);
    await finish(spawn(process.execPath, [join(root, "apps/loadtest/build.mjs"), "--outfile", bundle], { cwd: root }));
    const target = await startTarget();
    try {
        const args = ["--url", target.url, "--duration", String(durationSeconds), "--connections", String(connections)];
        const measureRun = async (command: string[], cwd: string): Promise<Sample> => {
            const done = await finish(spawn(process.execPath, ["--require", preload, ...command], { cwd }));
            const { rps, requests } = JSON.parse(done.stdout) as { rps: number; requests: number };
            return { rps, cpuMicrosPerResponse: done.cpuMicros / requests };
        };
        const variants: Record<string, () => Promise<Sample>> = {
            raw: () => measureRun(["-e", rawAutocannon, target.url, String(durationSeconds), String(connections)], root),
            cliTsx: () => measureRun(["--import", "tsx", "apps/loadtest/src/cli.ts", ...args], root),
            cliBundle: () => measureRun([bundle, ...args], work),
        };
        const names = Object.keys(variants);
        const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
        for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < names.length; i++) {
                const name = names[(i + r) % names.length];
                samples[name].push(await variants[name]());
            }
        }
        const rpsOf = (name: string) => samples[name].map((x) => x.rps);
        const rps = Object.fromEntries(names.map((n) => [n, round2(median(rpsOf(n)))]));
        const cpu = Object.fromEntries(names.map((n) => [n, round2(median(samples[n].map((x) => x.cpuMicrosPerResponse)))]));
        const costNs = recordCostNs();
        const ratioToRaw = (name: string) => round2(median(rpsOf(name).map((v, i) => v / rpsOf("raw")[i])));
        return {
            target: "node:http 'ok' server, own process, 127.0.0.1",
            durationSeconds,
            connections,
            rounds,
            medianRps: rps,
            samplesRps: Object.fromEntries(names.map((n) => [n, rpsOf(n).map(round2)])),
            ratioCliTsxToRaw: ratioToRaw("cliTsx"),
            ratioCliBundleToRaw: ratioToRaw("cliBundle"),
            // CPU the generator process spends per response, start-up included (tsx compiles at start): less
            // sensitive than rps to other load on the machine. Lower is better.
            medianCpuMicrosPerResponse: cpu,
            latencyRecordNsPerResponse: round2(costNs),
            // Percent of one core the recording takes at raw autocannon's median rate.
            latencyRecordCpuPercentAtRawRps: round2(((costNs * rps.raw) / 1e9) * 100),
            goal: "each ratio >= 0.8",
            meetsGoal: ratioToRaw("cliTsx") >= 0.8 && ratioToRaw("cliBundle") >= 0.8,
        };
    } finally {
        target.stop();
        rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
