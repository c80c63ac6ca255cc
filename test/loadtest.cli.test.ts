/**
 * The load generator end to end: the CLI (through tsx, as `npm run loadtest` runs it) and the esbuild bundle (as
 * the container image runs it) against real node:http servers on 127.0.0.1. The servers are stand-ins for the
 * Spin app: healthy, failing, slow, hanging, or absent. Every load run is 1-2 s.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { LoadTestSummary } from "../apps/loadtest/src/summary";

const root = resolve(__dirname, "..");

interface Target {
    url: string;
    close: () => Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target> {
    const server = createServer(handler);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((ok) => {
            server.closeAllConnections();
            server.close(() => ok());
        }),
    };
}

/** A port that was just free: nothing listens on it. */
async function closedPortUrl(): Promise<string> {
    const target = await serve(() => undefined);
    await target.close();
    return target.url;
}

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a command without blocking this process's event loop (the target servers live in it). */
function run(command: string[], options: { cwd?: string; uid?: number; gid?: number } = {}): Promise<Run> {
    return new Promise((ok, fail) => {
        const child = spawn(process.execPath, command, { cwd: options.cwd ?? root, uid: options.uid, gid: options.gid });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("error", fail);
        child.on("close", (code) => {
            clearTimeout(timer);
            ok({ code, stdout, stderr });
        });
    });
}

const cli = (args: string[]) => run(["--import", "tsx", join(root, "apps/loadtest/src/cli.ts"), ...args]);

/** The one JSON line on stdout. */
function summaryOf(result: Run): LoadTestSummary {
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, 1, `expected one stdout line, got:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return JSON.parse(lines[0]) as LoadTestSummary;
}

describe("loadtest CLI (tsx)", () => {
    it("passes a healthy server: exit 0, one JSON line with the counts", async () => {
        const target = await serve((_req, res) => res.end("ok"));
        try {
            const result = await cli([
                "--url", target.url, "--duration", "1", "--connections", "4", "--name", "healthy",
                "--max-p99-ms", "2000", "--max-error-rate", "0", "--min-rps", "1",
            ]);
            assert.equal(result.code, 0, result.stderr);
            assert.equal(result.stderr, "");
            const s = summaryOf(result);
            assert.equal(s.verdict, "pass");
            assert.deepEqual(s.breaches, []);
            assert.equal(s.name, "healthy");
            assert.equal(s.url, target.url);
            assert.equal(s.connections, 4);
            assert.ok(s.requests > 0);
            assert.equal(s.ok, s.requests);
            assert.deepEqual(s.statusCodes, { "200": s.requests });
            assert.equal(s.errorRate, 0);
            assert.ok(s.durationSeconds >= 1 && s.durationSeconds < 3, `durationSeconds ${s.durationSeconds}`);
            assert.equal(s.rps, Math.round((s.requests / s.durationSeconds) * 100) / 100);
            assert.ok(s.latency && s.latency.p50 <= s.latency.p95 && s.latency.p95 <= s.latency.p99 && s.latency.p99 <= s.latency.max);
            assert.deepEqual(s.thresholds, { maxP99Ms: 2000, maxErrorRate: 0, minRps: 1 });
        } finally {
            await target.close();
        }
    });

    it("fails on 500s: exit 1, error-rate breach named on stderr", async () => {
        let n = 0;
        const target = await serve((_req, res) => {
            res.statusCode = n++ % 2 === 0 ? 200 : 500;
            res.end();
        });
        try {
            const result = await cli(["--url", target.url, "--duration", "1", "--connections", "2", "--max-error-rate", "0.01"]);
            assert.equal(result.code, 1, result.stderr);
            const s = summaryOf(result);
            assert.equal(s.verdict, "fail");
            assert.deepEqual(s.breaches.map((b) => b.check), ["maxErrorRate"]);
            assert.equal(s.non2xx, s.statusCodes["500"]);
            assert.equal(s.ok, s.statusCodes["200"]);
            assert.equal(s.errorRate, (s.errors + s.non2xx) / s.attempts);
            assert.ok(s.errorRate !== null && s.errorRate > 0.3 && s.errorRate < 0.7, `errorRate ${s.errorRate}`);
            assert.match(result.stderr, /loadtest: FAIL .*\n {2}error rate 0\.\d+ \(\d+ errors \+ \d+ non-2xx of \d+ attempts\) exceeds --max-error-rate 0\.01/);
        } finally {
            await target.close();
        }
    });

    it("fails a slow server: exit 1, p99 breach, latency in milliseconds", async () => {
        const target = await serve((_req, res) => setTimeout(() => res.end("late"), 250));
        try {
            const result = await cli(["--url", target.url, "--duration", "1", "--connections", "2", "--max-p99-ms", "100", "--max-error-rate", "0"]);
            assert.equal(result.code, 1, result.stderr);
            const s = summaryOf(result);
            assert.deepEqual(s.breaches.map((b) => b.check), ["maxP99Ms"]);
            assert.ok(s.latency && s.latency.p50 >= 250 && s.latency.p99 < 2000, `latency ${JSON.stringify(s.latency)}`);
            assert.match(result.stderr, /p99 latency [\d.]+ ms exceeds --max-p99-ms 100/);
        } finally {
            await target.close();
        }
    });

    it("fails when nothing answers, even with no threshold: exit 1", async () => {
        const url = await closedPortUrl();
        const result = await cli(["--url", url, "--duration", "1", "--connections", "2"]);
        assert.equal(result.code, 1, result.stderr);
        const s = summaryOf(result);
        assert.equal(s.requests, 0);
        assert.ok(s.errors > 0);
        assert.equal(s.errorRate, 1);
        assert.equal(s.latency, null);
        assert.deepEqual(s.breaches.map((b) => b.check), ["minResponses"]);
        assert.match(result.stderr, /no response from http:\/\/127\.0\.0\.1:\d+\/ in [\d.]+ s/);
    });

    it("counts a timeout once, as an error", async () => {
        const target = await serve(() => undefined); // never answers
        try {
            const result = await cli([
                "--url", target.url, "--duration", "2", "--connections", "2", "--timeout-seconds", "1", "--max-error-rate", "0.5",
            ]);
            assert.equal(result.code, 1, result.stderr);
            const s = summaryOf(result);
            assert.ok(s.timeouts > 0, `timeouts ${s.timeouts}`);
            assert.equal(s.errors, s.timeouts);
            assert.equal(s.attempts, s.errors);
            assert.equal(s.errorRate, 1);
            assert.deepEqual(s.breaches.map((b) => b.check), ["minResponses", "maxErrorRate"]);
        } finally {
            await target.close();
        }
    });

    it("refuses bad arguments: exit 2, nothing on stdout, every problem on stderr", async () => {
        const result = await cli(["--url", "localhost:8080", "--duration", "0", "--connections", "-1", "--max-error-rate", "2", "--max-p99-ms", "-5", "--verbose"]);
        assert.equal(result.code, 2);
        assert.equal(result.stdout, "");
        const lines = result.stderr.split("\n");
        assert.equal(lines[0], "loadtest: invalid arguments:");
        for (const expected of [
            `  --verbose: unknown flag; accepted flags: --url, --duration`,
            `  --url: "localhost:8080" is not accepted; expected an http:// or https:// URL`,
            `  --duration: "0" is not accepted; expected a whole number of seconds >= 1`,
            `  --connections: "-1" is not accepted; expected a whole number >= 1`,
            `  --max-p99-ms: "-5" is not accepted; expected a number of milliseconds > 0`,
            `  --max-error-rate: "2" is not accepted; expected a fraction from 0 to 1`,
        ]) {
            assert.ok(lines.some((l) => l.startsWith(expected)), `missing ${JSON.stringify(expected)} in:\n${result.stderr}`);
        }
    });
});

describe("loadtest bundle (the container image's entry point)", () => {
    let work: string;
    let bundle: string;
    // The image runs as uid 65532; as root here, run the bundle as that uid too. Otherwise as whoever we are.
    const asImageUser = process.getuid?.() === 0 ? { uid: 65532, gid: 65532 } : {};

    before(async () => {
        const build = mkdtempSync(join(tmpdir(), "loadtest-build-"));
        const built = await run([join(root, "apps/loadtest/build.mjs"), "--outfile", join(build, "loadtest.cjs")]);
        assert.equal(built.code, 0, built.stderr);
        // Alone in a directory with no node_modules anywhere above it: the bundle must need nothing else.
        work = mkdtempSync(join(tmpdir(), "loadtest-image-"));
        bundle = join(work, "loadtest.cjs");
        copyFileSync(join(build, "loadtest.cjs"), bundle);
        rmSync(build, { recursive: true, force: true });
        chmodSync(work, 0o755);
        chmodSync(bundle, 0o444);
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    it("runs a load test from the bundle alone, as uid 65532 when possible", async () => {
        const target = await serve((_req, res) => res.end("ok"));
        try {
            const result = await run([bundle, "--url", target.url, "--duration", "1", "--connections", "2", "--max-error-rate", "0"], { cwd: work, ...asImageUser });
            assert.equal(result.code, 0, result.stderr);
            const s = summaryOf(result);
            assert.equal(s.verdict, "pass");
            assert.ok(s.requests > 0 && s.latency !== null);
        } finally {
            await target.close();
        }
    });

    it("keeps the exit codes: 2 on bad arguments", async () => {
        const result = await run([bundle, "--url", "http://x.test/", "--duration", "1"], { cwd: work, ...asImageUser });
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--connections: required; expected a whole number >= 1/);
    });
});
