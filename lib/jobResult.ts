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

/**
 * The collection script (`sh -c`): the kubeconfig arrives on stdin and goes to a private temporary file that is
 * removed on any exit; `kubectl logs` prints the Job's log, whose result line the caller's parser picks.
 * Namespace, Job and container names are validated DNS labels, so quoting them is enough.
 */
export function jobLogScript(namespace: string, job: string, container: string): string {
    for (const [what, value] of [["namespace", namespace], ["job", job], ["container", container]]) {
        if (!DNS_LABEL.test(value)) throw new Error(`collectScript: ${what} = ${JSON.stringify(value)}: a lower-case DNS label`);
    }
    return [
        ...KUBECONFIG_FROM_STDIN,
        // By the Job's pod label rather than `job/<name>`: that picks one pod, and a pod lost to a node drain
        // (ignored by the pod failure policy) may sit beside the one that finished. `--tail=-1`: a selector
        // otherwise means the last 10 lines.
        `kubectl --kubeconfig "$kubeconfig" --namespace '${namespace}' logs --selector 'batch.kubernetes.io/job-name=${job}' --container ${container} --tail=-1`,
    ].join("\n");
}

/**
 * The update script: the Command changes without its Job changing only when the kubeconfig does (a new login
 * mode, a rotated certificate). The log it read is still this Job's, and the Job may be gone (TTL), so repeat
 * the previous result, which the command provider passes in `PULUMI_COMMAND_STDOUT`. The kubeconfig on stdin is
 * read and dropped, so the provider's write to stdin never meets a closed pipe.
 */
export const REPEAT_PREVIOUS_RESULT = `cat > /dev/null\nprintf '%s\\n' "$PULUMI_COMMAND_STDOUT"`;

/**
 * The `local.Command` that prints a Job's log once the Job has completed, and its stdout. A new Job (new name or
 * uid) is a new measurement: the command is replaced, i.e. runs `create` again; see REPEAT_PREVIOUS_RESULT.
 */
export function collectJobLog(
    name: string,
    args: { job: k8s.batch.v1.Job; container: string; kubeconfig: pulumi.Input<string> },
    opts: { parent: pulumi.Resource },
): pulumi.Output<string> {
    const collect = new command.local.Command(
        name,
        {
            create: pulumi.all([args.job.metadata.namespace, args.job.metadata.name]).apply(([ns, jn]) => jobLogScript(ns, jn, args.container)),
            update: REPEAT_PREVIOUS_RESULT,
            stdin: pulumi.secret(args.kubeconfig),
            // No `environment`: it would be stored in state, and CI's login variables differ from a laptop's. The
            // command's process inherits them from `pulumi up` (CMD-1).
            addPreviousOutputInEnv: true,
            // A Job re-created under the same name (after a refresh found it gone) has a new uid.
            triggers: [args.job.metadata.uid],
        },
        { parent: opts.parent, dependsOn: [args.job], replaceOnChanges: ["create", "triggers"], additionalSecretOutputs: ["stdin"] },
    );
    return collect.stdout;
}
