/**
 * Reading a Job's one-line result back into the stack: what the load test (components/app/loadTest.ts) and the
 * scale measurement (components/app/scaleMeasurement.ts) share.
 *
 * The Kubernetes provider's Job outputs carry only the Job's status, not its pod's log, so the result comes back
 * through `kubectl logs` in a `local.Command`: the kubeconfig reaches kubectl through stdin only (never a command
 * line or an environment variable, both of which Pulumi stores in state), and the machine running `pulumi up`
 * needs `kubectl` (and `kubelogin` for an Entra ID cluster), which get their login from the environment `pulumi
 * up` runs in (platform-contracts CMD-1, KUBELOGIN-4). Also here: the Job's name, carrying a hash of its spec and
 * of what must re-run it, since Job specs are immutable.
 */
import * as command from "@pulumi/command";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Short content hash: 8 hex digits of SHA-256, enough to tell one rollout's spec from the next. */
export function shortHash(value: unknown): string {
    return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 8);
}

/**
 * A Job's name: `<component>-<target>-<hash>`, at most 63 characters (the Job controller copies it into a pod
 * label, whose values are limited to 63).
 */
export function jobName(componentName: string, target: string, hash: string): string {
    const base = `${componentName}-${target}`.slice(0, 63 - 1 - hash.length).replace(/-+$/, "");
    return `${base}-${hash}`;
}

/**
 * A finished gating Job (and its pod's log) stays a day: long enough to read a breach's log, short enough not to
 * pile up. Pulumi deletes a replaced Job itself; a Job already removed by the TTL counts as deleted.
 */
export const TTL_SECONDS_AFTER_FINISHED = 86_400;

/**
 * How a gating Job runs, the same for the load test and the measurement: one pod, no retry (a breach is a verdict,
 * not a flake), kept a day, and a pod killed by a node drain or preemption is not a verdict.
 */
export const GATED_JOB_RUN_POLICY = {
    backoffLimit: 0,
    completions: 1,
    parallelism: 1,
    ttlSecondsAfterFinished: TTL_SECONDS_AFTER_FINISHED,
    podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] },
};

/** Pulumi waits this much longer than a Job's deadline, so Kubernetes' `DeadlineExceeded` is the reported cause. */
export const AWAIT_MARGIN_SECONDS = 60;

/**
 * A gating Job's metadata: its name carries a hash of its spec and of what must re-run it (Job specs are
 * immutable), the trigger is kept as an annotation, and the provider waits past the Job's own deadline (by default
 * it gives up on a Job after 10 minutes, which would cut a long valid run short).
 */
export function gatedJobMetadata(args: {
    componentName: string;
    target: string;
    namespace: string;
    labels: Record<string, string>;
    spec: { activeDeadlineSeconds: number };
    rolloutTrigger: string;
}) {
    return {
        name: jobName(args.componentName, args.target, shortHash({ spec: args.spec, rolloutTrigger: args.rolloutTrigger })),
        namespace: args.namespace,
        labels: args.labels,
        annotations: {
            "aks-wasm/rollout-trigger": args.rolloutTrigger,
            "pulumi.com/timeoutSeconds": String(args.spec.activeDeadlineSeconds + AWAIT_MARGIN_SECONDS),
        },
    };
}

/**
 * The first lines of every script that runs kubectl for the stack (`sh -c`): the kubeconfig arrives on stdin and
 * goes to a private temporary file (umask 077) that is removed on any exit, signals included. Callers then run
 * `kubectl --kubeconfig "$kubeconfig" …`.
 */
export const KUBECONFIG_FROM_STDIN: readonly string[] = [
    "set -eu",
    "umask 077",
    'kubeconfig="$(mktemp)"',
    `trap 'rm -f "$kubeconfig"' EXIT`,
    "trap 'exit 129' HUP",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    'cat > "$kubeconfig"',
];

/** Exit status of a collection script when the Job's finished pod (and so its result) is gone. */
export const RESULT_GONE_EXIT = 3;

/**
 * What to run when a gating Job's result is gone: replacing the Job runs it again (its fixed name makes the
 * Kubernetes provider delete it before it creates the replacement, REPLACE-2), and the new Job's uid re-runs
 * the collection (`triggers`). `--replace`, not `--target-replace`: the latter restricts the update to the Job,
 * so the collection would not run (REPLACE-3).
 */
export function resultGoneAdvice(namespace: string, job: string, urn: string): string {
    return (
        `the result of Job ${namespace}/${job} is gone: no pod of it has phase Succeeded any more ` +
        `(a finished Job and its pods are deleted ${TTL_SECONDS_AFTER_FINISHED / 3600} h after it finishes, and a removed node takes its pods). ` +
        `Run the Job again: pulumi up --replace '${urn}'`
    );
}

/** What a Pulumi URN may hold here: printable ASCII without a single quote or a backslash (it is quoted in sh). */
const URN = /^urn:pulumi:[!-&(-[\]-~]+$/;

/** `text` as one sh word: single-quoted, each `'` written `'\\''`. */
function shQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

function checkUrn(urn: string, where: string): void {
    if (!URN.test(urn)) throw new Error(`${where}: urn = ${JSON.stringify(urn)}: a Pulumi URN of printable ASCII without ' or \\`);
}

/**
 * The collection script (`sh -c`): the kubeconfig arrives on stdin and goes to a private temporary file that is
 * removed on any exit; then it reads the log of exactly one pod, the Job's newest pod whose phase is Succeeded:
 *  1. `kubectl get pods` by the Job's pod label and `--field-selector status.phase=Succeeded`, printing
 *     `creationTimestamp name` per pod (RFC 3339 in UTC sorts as text), the newest kept;
 *  2. `kubectl logs pod/<that pod>` (a single pod's log is whole; no `--tail` needed).
 * Never `kubectl logs --selector`: it reads the pods in no stable order and stops at the first that fails, so a
 * pod lost to a node drain beside the one that finished, or a Job that ran more than once, gives the wrong log
 * or none (KLOGS-1). A Job whose pods are gone makes `kubectl get` print "No resources found" on stderr and exit 0
 * (KLOGS-2): the script then fails with {@link RESULT_GONE_EXIT} and says what to run ({@link resultGoneAdvice}),
 * never an empty result. Every kubectl failure fails the script (`set -e`; an assignment from a command
 * substitution has that command's status). Namespace, Job and container names are validated DNS labels.
 */
export function jobLogScript(namespace: string, job: string, container: string, urn: string): string {
    for (const [what, value] of [["namespace", namespace], ["job", job], ["container", container]]) {
        if (!DNS_LABEL.test(value)) throw new Error(`collectScript: ${what} = ${JSON.stringify(value)}: a lower-case DNS label`);
    }
    checkUrn(urn, "collectScript");
    const kubectl = `kubectl --kubeconfig "$kubeconfig" --namespace '${namespace}'`;
    return [
        ...KUBECONFIG_FROM_STDIN,
        `finished="$(${kubectl} get pods --selector 'batch.kubernetes.io/job-name=${job}' --field-selector 'status.phase=Succeeded' ` +
            `--output 'jsonpath={range .items[*]}{.metadata.creationTimestamp} {.metadata.name}{"\\n"}{end}')"`,
        `pod="$(printf '%s\\n' "$finished" | sort | awk 'NF == 2 { name = $2 } END { print name }')"`,
        `if [ -z "$pod" ]; then`,
        `  printf '%s\\n' ${shQuote(resultGoneAdvice(namespace, job, urn))} >&2`,
        `  exit ${RESULT_GONE_EXIT}`,
        `fi`,
        `${kubectl} logs "pod/$pod" --container '${container}'`,
    ].join("\n");
}

/**
 * The update script: the Command changes without its Job changing only when the kubeconfig or the script text
 * does (a new login mode, a rotated certificate, a new release). The log it read is still this Job's, and the
 * Job may be gone (TTL), so repeat the previous result, which the command provider passes in
 * `PULUMI_COMMAND_STDOUT`. An empty previous result (collected by an earlier release after the pods were gone:
 * KLOGS-2) is not repeated: the script fails and says what to run, so nothing stale or empty reads as fresh. The
 * kubeconfig on stdin is read and dropped, so the provider's write to stdin never meets a closed pipe.
 */
export function repeatPreviousResultScript(namespace: string, job: string, urn: string): string {
    checkUrn(urn, "repeatPreviousResultScript");
    return [
        "cat > /dev/null",
        `if [ -z "\${PULUMI_COMMAND_STDOUT:-}" ]; then`,
        `  printf '%s\\n' ${shQuote(`no stored result to repeat: ${resultGoneAdvice(namespace, job, urn)}`)} >&2`,
        `  exit ${RESULT_GONE_EXIT}`,
        `fi`,
        `printf '%s\\n' "$PULUMI_COMMAND_STDOUT"`,
    ].join("\n");
}

/**
 * The `local.Command` that prints a Job's log once the Job has completed, and its stdout. A new Job (new name or
 * uid) is a new measurement: the command is replaced, i.e. runs `create` again; see repeatPreviousResultScript.
 */
export function collectJobLog(
    name: string,
    args: { job: k8s.batch.v1.Job; container: string; kubeconfig: pulumi.Input<string> },
    opts: { parent: pulumi.Resource },
): pulumi.Output<string> {
    const collect = new command.local.Command(
        name,
        {
            create: pulumi.all([args.job.metadata.namespace, args.job.metadata.name, args.job.urn]).apply(([ns, jn, urn]) => jobLogScript(ns, jn, args.container, urn)),
            update: pulumi.all([args.job.metadata.namespace, args.job.metadata.name, args.job.urn]).apply(([ns, jn, urn]) => repeatPreviousResultScript(ns, jn, urn)),
            stdin: pulumi.secret(args.kubeconfig),
            // No `environment`: it would be stored in state, and CI's login variables differ from a laptop's. The
            // command's process inherits them from `pulumi up` (CMD-1).
            addPreviousOutputInEnv: true,
            // A new Job: a new name, or the same name re-created (`--replace`, or a refresh that found it gone)
            // with a new uid.
            triggers: [args.job.metadata.name, args.job.metadata.uid],
        },
        // Replaced (so `create` runs again) only for a new Job: a new name or uid changes `triggers`. A new script
        // text alone (a new release) runs `update`, which repeats the stored result: re-reading a Job older than
        // its TTL would find nothing.
        { parent: opts.parent, dependsOn: [args.job], replaceOnChanges: ["triggers"], additionalSecretOutputs: ["stdin"] },
    );
    return collect.stdout;
}
