import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadTestArgs, parseLoadTestArguments, type LoadTestOptions } from "../apps/loadtest/src/options";

const base = ["--url", "http://hello.default.svc/", "--duration", "30", "--connections", "10"];

function problemsOf(argv: string[]): string[] {
    const parsed = parseLoadTestArguments(argv);
    assert.equal(parsed.kind, "invalid", `expected ${JSON.stringify(argv)} to be refused`);
    return parsed.kind === "invalid" ? parsed.problems : [];
}

describe("parseLoadTestArguments", () => {
    it("reads every flag into typed options", () => {
        const parsed = parseLoadTestArguments([
            ...base, "--max-p99-ms", "250.5", "--max-error-rate", "0.01", "--min-rps", "0",
            "--timeout-seconds", "2", "--name", "spin app",
        ]);
        assert.deepEqual(parsed, {
            kind: "run",
            options: {
                url: "http://hello.default.svc/", durationSeconds: 30, connections: 10,
                maxP99Ms: 250.5, maxErrorRate: 0.01, minRps: 0, timeoutSeconds: 2, name: "spin app",
            },
        });
    });

    it("accepts --flag=value and leaves thresholds out when not given", () => {
        const parsed = parseLoadTestArguments(["--url=https://example.test:8443/x?y=1", "--duration=1", "--connections=1"]);
        assert.deepEqual(parsed, { kind: "run", options: { url: "https://example.test:8443/x?y=1", durationSeconds: 1, connections: 1 } });
    });

    it("returns help for --help", () => {
        assert.deepEqual(parseLoadTestArguments(["--help"]), { kind: "help" });
    });

    const refused: Array<[string, string[], string]> = [
        ["missing url", ["--duration", "30", "--connections", "10"],
            "--url: required; expected an http:// or https:// URL with a host and no user:password part (e.g. http://hello.default.svc/)"],
        ["url not http", [...base.slice(2), "--url", "ftp://files.test/"],
            `--url: "ftp://files.test/" is not accepted; expected an http:// or https:// URL`],
        ["url not a URL", [...base.slice(2), "--url", "hello.default.svc"],
            `--url: "hello.default.svc" is not accepted`],
        ["url with credentials", [...base.slice(2), "--url", "http://user:pw@hello.test/"],
            `--url: "http://user:pw@hello.test/" is not accepted; expected an http:// or https:// URL with a host and no user:password part`],
        ["zero duration", ["--url", "http://a.test/", "--duration", "0", "--connections", "10"],
            `--duration: "0" is not accepted; expected a whole number of seconds >= 1 (e.g. 30)`],
        ["negative duration", ["--url", "http://a.test/", "--duration", "-5", "--connections", "10"],
            `--duration: "-5" is not accepted; expected a whole number of seconds >= 1 (e.g. 30)`],
        ["fractional duration", ["--url", "http://a.test/", "--duration", "1.5", "--connections", "10"],
            `--duration: "1.5" is not accepted`],
        ["duration with unit", ["--url", "http://a.test/", "--duration", "30s", "--connections", "10"],
            `--duration: "30s" is not accepted`],
        ["zero connections", ["--url", "http://a.test/", "--duration", "5", "--connections", "0"],
            `--connections: "0" is not accepted; expected a whole number >= 1 (e.g. 10)`],
        ["missing connections", ["--url", "http://a.test/", "--duration", "5"],
            "--connections: required; expected a whole number >= 1 (e.g. 10)"],
        ["negative p99", [...base, "--max-p99-ms", "-1"],
            `--max-p99-ms: "-1" is not accepted; expected a number of milliseconds > 0 (e.g. 500)`],
        ["zero p99", [...base, "--max-p99-ms", "0"], `--max-p99-ms: "0" is not accepted`],
        ["error rate above 1", [...base, "--max-error-rate", "1.5"],
            `--max-error-rate: "1.5" is not accepted; expected a fraction from 0 to 1 (e.g. 0.01 for 1%)`],
        ["negative error rate", [...base, "--max-error-rate", "-0.1"], `--max-error-rate: "-0.1" is not accepted`],
        ["percent error rate", [...base, "--max-error-rate", "1%"], `--max-error-rate: "1%" is not accepted`],
        ["negative rps", [...base, "--min-rps", "-3"],
            `--min-rps: "-3" is not accepted; expected a number of responses per second >= 0 (e.g. 100)`],
        ["hex number", [...base, "--min-rps", "0x10"], `--min-rps: "0x10" is not accepted`],
        ["sub-second timeout", [...base, "--timeout-seconds", "0.5"], `--timeout-seconds: "0.5" is not accepted; expected a number of seconds >= 1`],
        ["empty name", [...base, "--name="], "--name: missing value; expected 1-100 characters"],
        ["name with newline", [...base, "--name", "a\nb"], `--name: "a\\nb" is not accepted`],
        ["unknown flag", [...base, "--rate", "5"],
            `--rate: unknown flag (given with value "5"); accepted flags: --url, --duration, --connections, --max-p99-ms, --max-error-rate, --min-rps, --timeout-seconds, --name, --help`],
        ["short flag", [...base, "-d", "5"], `-d: unknown flag (given with value "5")`],
        ["stray positional", [...base, "extra"], `unexpected argument "extra"`],
        ["flag given twice", [...base, "--duration", "60"], `--duration: given more than once ("30" and "60"); give it once`],
        ["value missing before next flag", ["--url", "--duration", "5", "--connections", "1"],
            "--url: missing value; expected an http:// or https:// URL"],
    ];
    for (const [label, argv, expected] of refused) {
        it(`refuses ${label}`, () => {
            const problems = problemsOf(argv);
            assert.ok(problems.some((p) => p.startsWith(expected)), `no problem starts with ${JSON.stringify(expected)}:\n${problems.join("\n")}`);
        });
    }

    it("reports every problem at once, one per flag", () => {
        const problems = problemsOf(["--duration", "0", "--connections", "-2", "--max-p99-ms", "-1", "--max-error-rate", "2", "--min-rps", "-1", "--nope"]);
        assert.deepEqual(problems.map((p) => p.split(":")[0]), [
            "--nope", "--url", "--duration", "--connections", "--max-p99-ms", "--max-error-rate", "--min-rps",
        ]);
    });

    it("does not let a flag swallow the next flag as its value", () => {
        // Without the rewrite parseArgs reads "--duration" as the URL and "5" as a stray argument.
        assert.deepEqual(problemsOf(["--url", "--duration", "5", "--connections", "1"]), [
            "--url: missing value; expected an http:// or https:// URL with a host and no user:password part (e.g. http://hello.default.svc/)",
        ]);
    });
});

describe("loadTestArgs", () => {
    const full: LoadTestOptions = {
        url: "http://hello.default.svc.cluster.local/", durationSeconds: 30, connections: 10,
        maxP99Ms: 500, maxErrorRate: 0.01, minRps: 0, name: "wasm",
    };

    it("writes the Job args in flag order, one --flag=value each", () => {
        assert.deepEqual(loadTestArgs(full), [
            "--url=http://hello.default.svc.cluster.local/", "--duration=30", "--connections=10",
            "--max-p99-ms=500", "--max-error-rate=0.01", "--min-rps=0", "--name=wasm",
        ]);
    });

    it("round-trips through the CLI parser", () => {
        for (const opts of [full, { url: "https://a.test/", durationSeconds: 1, connections: 1 }, { ...full, timeoutSeconds: 1.5, name: "--odd name" }]) {
            assert.deepEqual(parseLoadTestArguments(loadTestArgs(opts)), { kind: "run", options: opts });
        }
    });

    it("throws with every problem when the CLI would refuse the options", () => {
        assert.throws(
            () => loadTestArgs({ url: "ftp://x/", durationSeconds: 0, connections: 10, maxErrorRate: 2 }),
            (err: Error) => {
                assert.match(err.message, /^loadTestArgs: invalid load-test options:/);
                assert.match(err.message, /--url: "ftp:\/\/x\/" is not accepted/);
                assert.match(err.message, /--duration: "0" is not accepted/);
                assert.match(err.message, /--max-error-rate: "2" is not accepted/);
                return true;
            },
        );
    });
});
