/**
 * Entry point: `loadtest --url U --duration S --connections N [thresholds]`. One JSON summary line on stdout;
 * exit 0 pass, 1 breach, 2 bad arguments, 3 the run itself failed. Human-readable reasons go to stderr.
 */
import { parseLoadTestArguments, USAGE } from "./options";
import { runLoadTest } from "./runner";

const EXIT = { pass: 0, breach: 1, badArguments: 2, runFailed: 3 } as const;

async function main(argv: readonly string[]): Promise<number> {
    const parsed = parseLoadTestArguments(argv);
    if (parsed.kind === "help") {
        process.stdout.write(`${USAGE}\n`);
        return EXIT.pass;
    }
    if (parsed.kind === "invalid") {
        process.stderr.write(`loadtest: invalid arguments:\n  ${parsed.problems.join("\n  ")}\n(loadtest --help prints the usage)\n`);
        return EXIT.badArguments;
    }
    const summary = await runLoadTest(parsed.options);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.verdict === "fail") {
        process.stderr.write(`loadtest: FAIL ${summary.name ?? summary.url}:\n  ${summary.breaches.map((b) => b.message).join("\n  ")}\n`);
        return EXIT.breach;
    }
    return EXIT.pass;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        // Not a threshold verdict: the generator itself broke. A distinct code keeps the two apart in Job logs.
        process.stderr.write(`loadtest: the run failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        process.exitCode = EXIT.runFailed;
    },
);
