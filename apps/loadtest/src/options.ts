/**
 * Command-line contract of the load generator: parsing, validation and the inverse (`loadTestArgs`) that the
 * Pulumi program uses to write a Kubernetes Job's `args`. This module imports nothing heavier than `node:util`
 * so the Pulumi program can import it without loading autocannon.
 */
import { parseArgs } from "node:util";

/** Pass/fail limits. A limit left out is not checked (zero responses always fails, see `evaluateThresholds`). */
export interface LoadTestThresholds {
    /** Highest acceptable 99th-percentile latency, in milliseconds (> 0). */
    maxP99Ms?: number;
    /** Highest acceptable error rate, a fraction in [0, 1]; see the README for how it is counted. */
    maxErrorRate?: number;
    /** Lowest acceptable throughput, in responses per second (>= 0). */
    minRps?: number;
}

/** Everything one load-test run needs, as validated from the command line. */
export interface LoadTestOptions extends LoadTestThresholds {
    /** Target, an http:// or https:// URL without credentials. */
    url: string;
    /** How long to send load, whole seconds (>= 1). */
    durationSeconds: number;
    /** Concurrent connections, each with one request in flight (whole number >= 1). */
    connections: number;
    /**
     * Seconds (>= 1) to wait for a response before counting the request as a timeout (an error).
     * @default 10 (autocannon's own default)
     */
    timeoutSeconds?: number;
    /** Label copied into the summary, to tell several runs apart in one log (1-100 printable characters). */
    name?: string;
}

/** Result of reading argv: run it, print the usage, or refuse with every problem found. */
export type ParsedArguments =
    | { kind: "run"; options: LoadTestOptions }
    | { kind: "help" }
    | { kind: "invalid"; problems: string[] };

export const DEFAULT_TIMEOUT_SECONDS = 10;

export const USAGE = `Usage: loadtest --url URL --duration SECONDS --connections N
                [--max-p99-ms MS] [--max-error-rate FRACTION] [--min-rps RPS]
                [--timeout-seconds SECONDS] [--name LABEL]

Sends HTTP GET load to URL with autocannon and prints one JSON summary line on stdout.
Exit status: 0 every threshold holds, 1 a threshold is breached (or no response at all),
2 bad arguments, 3 the run itself failed.

  --url              http:// or https:// URL, no user:password part          (required)
  --duration         whole seconds of load, >= 1                             (required)
  --connections      concurrent connections, whole number >= 1               (required)
  --max-p99-ms       highest p99 latency in milliseconds, > 0
  --max-error-rate   highest (errors + non-2xx) / attempts, from 0 to 1
  --min-rps          lowest responses per second, >= 0
  --timeout-seconds  per-request timeout in seconds, >= 1 (default 10)
  --name             label for the summary, 1-100 printable characters
  --help             print this text`;

/** One flag: its name on the command line, the option field it fills, what it accepts and how a raw value is read. */
interface FlagSpec {
    flag: string;
    field: keyof LoadTestOptions;
    required: boolean;
    /** Completes "expected ..." in an error message. */
    expected: string;
    /** The typed value, or undefined when `raw` is not accepted. */
    read: (raw: string) => string | number | undefined;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function numberWhere(accept: (n: number) => boolean): (raw: string) => number | undefined {
    return (raw) => {
        const n = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
        return Number.isFinite(n) && accept(n) ? n : undefined;
    };
}

function readUrl(raw: string): string | undefined {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return undefined;
    }
    const httpLike = url.protocol === "http:" || url.protocol === "https:";
    // Credentials in a URL end up in the Job spec and in process listings: refuse them rather than leak them.
    const credentials = url.username !== "" || url.password !== "";
    return httpLike && url.hostname !== "" && !credentials ? raw : undefined;
}

function readName(raw: string): string | undefined {
    // No control characters: the label lands in logs and in a JSON line.
    return /^[^\p{Cc}]{1,100}$/u.test(raw) && raw.trim() !== "" ? raw : undefined;
}

const FLAGS: readonly FlagSpec[] = [
    {
        flag: "url", field: "url", required: true, read: readUrl,
        expected: "an http:// or https:// URL with a host and no user:password part (e.g. http://hello.default.svc/)",
    },
    {
        flag: "duration", field: "durationSeconds", required: true,
        read: numberWhere((n) => Number.isInteger(n) && n >= 1), expected: "a whole number of seconds >= 1 (e.g. 30)",
    },
    {
        flag: "connections", field: "connections", required: true,
        read: numberWhere((n) => Number.isInteger(n) && n >= 1), expected: "a whole number >= 1 (e.g. 10)",
    },
    {
        flag: "max-p99-ms", field: "maxP99Ms", required: false,
        read: numberWhere((n) => n > 0), expected: "a number of milliseconds > 0 (e.g. 500)",
    },
    {
        flag: "max-error-rate", field: "maxErrorRate", required: false,
        read: numberWhere((n) => n >= 0 && n <= 1), expected: "a fraction from 0 to 1 (e.g. 0.01 for 1%)",
    },
    {
        flag: "min-rps", field: "minRps", required: false,
        read: numberWhere((n) => n >= 0), expected: "a number of responses per second >= 0 (e.g. 100)",
    },
    {
        flag: "timeout-seconds", field: "timeoutSeconds", required: false,
        // autocannon refuses a timeout under 1 s.
        read: numberWhere((n) => n >= 1), expected: "a number of seconds >= 1 (e.g. 10)",
    },
    {
        flag: "name", field: "name", required: false, read: readName,
        expected: "1-100 characters, no control characters, not only spaces",
    },
];

const parseConfig = {
    options: {
        ...Object.fromEntries(FLAGS.map((f) => [f.flag, { type: "string" as const }])),
        help: { type: "boolean" as const },
    },
    // Not strict: parseArgs would stop at the first problem, and we report them all at once.
    strict: false,
    allowPositionals: true,
    tokens: true,
} as const;

type OptionToken = { kind: "option"; name: string; rawName: string; index: number; value?: string; inlineValue?: boolean };

/**
 * parseArgs takes the word after a string flag as its value even when that word is the next flag
 * (`--url --duration 5`). Rewrite such a flag to `--url=` so the next flag is read as a flag and the empty
 * value is reported as missing.
 */
function separateSwallowedFlags(argv: readonly string[]): string[] {
    const { tokens } = parseArgs({ ...parseConfig, args: [...argv] });
    const rewritten = [...argv];
    for (const token of tokens as OptionToken[]) {
        const known = FLAGS.some((f) => f.flag === token.name);
        if (token.kind === "option" && known && token.inlineValue === false && token.value?.startsWith("--")) {
            rewritten[token.index] = `${token.rawName}=`;
        }
    }
    return rewritten;
}

/** Reads argv (without `node` and the script) into options, or lists every problem with flag, value and what is accepted. */
export function parseLoadTestArguments(argv: readonly string[]): ParsedArguments {
    const { tokens } = parseArgs({ ...parseConfig, args: separateSwallowedFlags(argv) });
    const problems: string[] = [];
    const raw = new Map<string, string>();
    let help = false;
    let previousUnknown: OptionToken | undefined;

    for (const token of tokens) {
        if (token.kind === "positional") {
            if (previousUnknown) {
                problems.push(`${previousUnknown.rawName}: unknown flag (given with value ${JSON.stringify(token.value)}); accepted flags: ${acceptedFlags()}`);
            } else {
                problems.push(`unexpected argument ${JSON.stringify(token.value)}: every value must follow its flag, e.g. --duration 30`);
            }
            previousUnknown = undefined;
            continue;
        }
        if (previousUnknown) problems.push(`${previousUnknown.rawName}: unknown flag; accepted flags: ${acceptedFlags()}`);
        previousUnknown = undefined;
        if (token.kind !== "option") continue;
        const spec = FLAGS.find((f) => f.flag === token.name);
        if (token.name === "help" && token.rawName === "--help") {
            help = true;
        } else if (!spec || token.rawName !== `--${spec.flag}`) {
            // Only the long form is accepted: `-d` is not `--duration`.
            if (token.inlineValue) {
                problems.push(`${token.rawName}: unknown flag (given with value ${JSON.stringify(token.value)}); accepted flags: ${acceptedFlags()}`);
            } else {
                previousUnknown = token as OptionToken;
            }
        } else if (raw.has(spec.flag)) {
            problems.push(`--${spec.flag}: given more than once (${JSON.stringify(raw.get(spec.flag))} and ${JSON.stringify(token.value ?? "")}); give it once`);
        } else {
            raw.set(spec.flag, token.value ?? "");
        }
    }
    if (previousUnknown) problems.push(`${previousUnknown.rawName}: unknown flag; accepted flags: ${acceptedFlags()}`);
    if (help && problems.length === 0) return { kind: "help" };

    const options: Record<string, string | number> = {};
    for (const spec of FLAGS) {
        const value = raw.get(spec.flag);
        if (value === undefined) {
            if (spec.required) problems.push(`--${spec.flag}: required; expected ${spec.expected}`);
        } else if (value === "") {
            problems.push(`--${spec.flag}: missing value; expected ${spec.expected}`);
        } else {
            const read = spec.read(value);
            if (read !== undefined) options[spec.field] = read;
            else problems.push(`--${spec.flag}: ${JSON.stringify(value)} is not accepted; expected ${spec.expected}`);
        }
    }
    return problems.length > 0 ? { kind: "invalid", problems } : { kind: "run", options: options as unknown as LoadTestOptions };
}

function acceptedFlags(): string {
    return [...FLAGS.map((f) => `--${f.flag}`), "--help"].join(", ");
}

/**
 * The command-line arguments for one run, e.g. a Kubernetes Job's `args` after the image's entrypoint.
 * Throws, listing every problem, when the CLI would refuse them, so a bad stack config fails at preview time
 * instead of inside the cluster.
 */
export function loadTestArgs(opts: LoadTestOptions): string[] {
    const args: string[] = [];
    for (const spec of FLAGS) {
        const value = opts[spec.field];
        // `--flag=value` keeps a value that starts with "--" from being read as the next flag.
        if (value !== undefined) args.push(`--${spec.flag}=${String(value)}`);
    }
    const parsed = parseLoadTestArguments(args);
    if (parsed.kind !== "run") {
        const problems = parsed.kind === "invalid" ? parsed.problems : ["unexpected --help"];
        throw new Error(`loadTestArgs: invalid load-test options:\n  ${problems.join("\n  ")}`);
    }
    return args;
}
