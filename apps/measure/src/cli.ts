/**
 * Entry point of the measurement image: `measure --target T --namespace NS --twin D ...` (src/options.ts).
 * One result line on stdout ("aks-wasm-measurement {JSON}"); progress and reasons on stderr. Exit status, like
 * apps/loadtest: 0 pass, 1 a threshold is breached (the Job fails and so does `pulumi up`), 2 bad arguments,
 * 3 the run itself failed (no result line), 128 + signal when interrupted (SIGTERM from the Job's
 * activeDeadlineSeconds or a deletion, SIGINT). In every case the twin is scaled to 0 before the process ends
 * (platform-contracts MEAS-2, MEAS-3). A SIGKILL cannot be handled: the next run scales a twin left up to 0 first.
 */
import { formatMeasurementLine } from "../../../lib/results/measurementResult";
import { kubernetesApi, loadKubeConfig, retryingApi, type MeasureApi } from "./kube";
import { errorText, measure, scaleToZero } from "./measure";
import { DEFAULT_RETRY_POLICY } from "./retry";
import { parseMeasureArguments, USAGE } from "./options";

const EXIT = { pass: 0, breach: 1, badArguments: 2, runFailed: 3 } as const;
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/**
 * After a signal the kubelet waits the pod's grace period (30 s by default) before SIGKILL; the program exits
 * well before that, whatever is still pending.
 */
const SIGNAL_EXIT_AFTER_MS = 20_000;

const log = (line: string) => process.stderr.write(`measure: ${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
    const parsed = parseMeasureArguments(argv);
    if (parsed.kind === "help") {
        process.stdout.write(`${USAGE}\n`);
        return EXIT.pass;
    }
    if (parsed.kind === "invalid") {
        process.stderr.write(`measure: invalid arguments:\n  ${parsed.problems.join("\n  ")}\n(measure --help prints the usage)\n`);
        return EXIT.badArguments;
    }
    const options = parsed.options;
    const controller = new AbortController();
    let api: MeasureApi;
    try {
        // Every call retries transient failures (429, 5xx, a reset connection) with bounded backoff (src/retry.ts).
        api = retryingApi(kubernetesApi(loadKubeConfig(), options.namespace, options.twinDeployment), {
            log,
            signal: controller.signal,
            policy: { ...DEFAULT_RETRY_POLICY, attempts: options.apiAttempts, baseMs: options.apiRetryBaseMs },
        });
    } catch (err) {
        log(`no Kubernetes API configuration (in-cluster ServiceAccount or KUBECONFIG): ${errorText(err)}`);
        return EXIT.runFailed;
    }

    let interrupted: NodeJS.Signals | undefined;
    let scaledOnSignal: Promise<boolean> | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (interrupted) return;
        interrupted = signal;
        log(`${signal}: stopping; scaling the twin ${options.twinDeployment} to 0`);
        // At once, in parallel with the run unwinding: the grace period is short and the run may be inside a
        // slow API call. `measure`'s own finally scales to 0 again; a second PATCH to 0 changes nothing.
        scaledOnSignal = scaleToZero({ api, log, options });
        controller.abort(new Error(`interrupted by ${signal}`));
        setTimeout(() => process.exit(SIGNAL_EXIT[signal] ?? 1), SIGNAL_EXIT_AFTER_MS).unref();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);

    try {
        const result = await measure({ api, options, signal: controller.signal, log });
        if (interrupted) throw new Error(`interrupted by ${interrupted}`);
        process.stdout.write(`${formatMeasurementLine(result)}\n`);
        if (result.verdict === "fail") {
            log(`FAIL ${result.target}:\n  ${result.breaches.join("\n  ")}`);
            return EXIT.breach;
        }
        return EXIT.pass;
    } catch (err) {
        if (interrupted) {
            const scaled = await scaledOnSignal;
            log(`interrupted by ${interrupted}: no result; the twin ${options.twinDeployment} ${scaled ? "was scaled to 0" : "could NOT be scaled to 0"}`);
            return SIGNAL_EXIT[interrupted] ?? 1;
        }
        log(`the run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return EXIT.runFailed;
    }
}

// Node exits by itself, with status 0, once nothing holds the event loop: a run that stalls on an unreferenced
// timer would end "successfully" with no result line. Such an end is a failed run.
process.on("beforeExit", () => {
    log("the run ended without a result (nothing left to wait for): a bug in the program");
    process.exit(EXIT.runFailed);
});

main(process.argv.slice(2)).then(
    // Exit now: an idle keep-alive connection or a probe in flight must not hold the Job's pod open.
    (code) => process.exit(code),
    (err: unknown) => {
        log(`the run failed: ${errorText(err)}`);
        process.exit(EXIT.runFailed);
    },
);
