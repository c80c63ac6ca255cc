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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

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
    const responses = r["1xx"] + r["2xx"] + r["3xx"] + r["4xx"] + r["5xx"];
    console.log(JSON.stringify({ rps: responses / r.duration, errors: r.errors }));
});
`;

function output(child: ChildProcess): Promise<string> {
    return new Promise((resolvePromise, reject) => {
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round2 = (n: number) => Math.round(n * 100) / 100;

export async function run(opts: LoadTestBenchOptions = {}): Promise<Record<string, unknown>> {
    const durationSeconds = opts.durationSeconds ?? 2;
    const connections = opts.connections ?? 10;
    const rounds = opts.rounds ?? 5;
    const work = mkdtempSync(join(tmpdir(), "loadtest-bench-"));
    const bundle = join(work, "loadtest.cjs");
    await output(spawn(process.execPath, [join(root, "apps/loadtest/build.mjs"), "--outfile", bundle], { cwd: root }));
    const target = await startTarget();
    try {
        const args = ["--url", target.url, "--duration", String(durationSeconds), "--connections", String(connections)];
        const variants: Record<string, () => Promise<number>> = {
            raw: async () => JSON.parse(await output(spawn(process.execPath,
                ["-e", rawAutocannon, target.url, String(durationSeconds), String(connections)], { cwd: root }))).rps,
            cliTsx: async () => JSON.parse(await output(spawn(process.execPath,
                ["--import", "tsx", "apps/loadtest/src/cli.ts", ...args], { cwd: root }))).rps,
            cliBundle: async () => JSON.parse(await output(spawn(process.execPath, [bundle, ...args], { cwd: work }))).rps,
        };
        const names = Object.keys(variants);
        const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
        for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < names.length; i++) {
                const name = names[(i + r) % names.length];
                samples[name].push(await variants[name]());
            }
        }
        const rps = Object.fromEntries(names.map((n) => [n, round2(median(samples[n]))]));
        const ratioToRaw = (name: string) => round2(median(samples[name].map((v, i) => v / samples.raw[i])));
        return {
            target: "node:http 'ok' server, own process, 127.0.0.1",
            durationSeconds,
            connections,
            rounds,
            medianRps: rps,
            samplesRps: Object.fromEntries(names.map((n) => [n, samples[n].map(round2)])),
            ratioCliTsxToRaw: ratioToRaw("cliTsx"),
            ratioCliBundleToRaw: ratioToRaw("cliBundle"),
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
