/**
 * The scale-out, startup and footprint measurement of one app (issue 14), without touching what serves.
 *
 * For each target (the Wasm app, and the container baseline when it is on) a TWIN Deployment runs the very same
 * pod as the serving Deployment (the serving components' own pod template, `SpinWorkload.podTemplate` and
 * `ContainerBaseline.podTemplate`), with other labels and 0 replicas: the app's Service, PDB, HPA and
 * NetworkPolicy never select it. An in-cluster program (apps/measure, one Job per target) scales the twin from 0
 * to N and back, round after round, times it, and samples the serving pods' CPU and memory from the metrics API
 * while idle and while the load test runs. It prints one result line, which comes back through `kubectl logs`
 * (lib/results/jobResult.ts, as for the load test) and is parsed and validated before it is exported.
 *
 * Design choices, and why:
 * - The Jobs run beside the load test, not after it: the footprint "under load" is sampled while the load test
 *   runs, so they depend on the workloads (and their own twins and RBAC), never on the load test.
 * - Least privilege (platform-contracts RBAC-1..3): the program's own ServiceAccount, bound to a Role that can
 *   read and scale only the twins (resourceNames), list and watch pods (to time them; a label-selected
 *   list/watch cannot be limited by name), and list pod metrics. Nothing else: it cannot touch the serving Deployments, create or
 *   delete anything, read Secrets or pod logs. Its pod is the only one of the stack with an API token
 *   (`automountServiceAccountToken: true`), because it talks to the API server; every other pod keeps it off.
 * - A twin's own NetworkPolicy admits only the measurement pods to its port: they probe a fresh twin pod for its
 *   first answer; nothing else may reach a twin.
 * - `backoffLimit: 0`, a deadline from the rounds and the load test's length, a day's TTL, and a Job name ending
 *   in a hash of its spec and of the image digests, so the measurement re-runs exactly when the app changes.
 * - The twins end at 0: the program scales them back even when a round fails (apps/measure), and each twin
 *   carries `pulumi.com/patchForce`, so the next `pulumi up` that touches a twin takes `replicas: 0` back from
 *   the program's field manager instead of failing on a server-side-apply conflict (RBAC-4).
 * - What a node pulls for each target (config + layers of its manifest) is read from the registry at deploy time
 *   (lib/registry/registryManifest.cjs through `local.run`, never in preview): the result's `pulledBytes`.
 */
import * as k8s from "@pulumi/kubernetes";
import { local } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { configDefaults } from "../../config";
import { AWAIT_MARGIN_SECONDS, collectJobLog, GATED_JOB_RUN_POLICY, gatedJobMetadata } from "../../lib/results/jobResult";
import {
    compareMeasurements,
    parseMeasurementLine,
    type MeasurementComparison,
    type MeasurementResult,
    type MeasurementSummary,
    type MeasurementThresholds,
} from "../../lib/results/measurementResult";
import type { RegistryTarget } from "../../lib/contract/platformContract";
import { measureArgs, measureBudget, thresholdsOf, type MeasureBudget } from "../../apps/measure/src/options";
import { measureRoleRules } from "../../apps/measure/src/rbac";
import {
    APP_PORT,
    APP_PORT_NAME,
    hardenedPodSpec,
    HEALTH_PATH,
    recommendedLabels,
    restrictedContainerSecurityContext,
    selectorLabels,
    SYSTEM_POOL_SELECTOR,
} from "../../lib/kubernetes/workloadDefaults";

type Labels = Record<string, string>;

/** `app.kubernetes.io/component` of the measurement Job's pods: the twins' NetworkPolicy admits these. */
export const MEASURE_COMPONENT = "measure";
/** `app.kubernetes.io/component` of the twins: no Service, PDB, HPA or app NetworkPolicy selects it. */
export const TWIN_COMPONENT = "measure-twin";
/** Label telling the Jobs of one ScaleMeasurement apart. */
export const MEASURE_TARGET_LABEL = "aks-wasm/measure-target";
/** Name of the program's container, for `kubectl logs -c`. */
export const MEASURE_CONTAINER = "measure";
/** Time the Job gets beyond the program's own timeouts: scheduling, image pull, Node start-up. */
export const DEADLINE_MARGIN_SECONDS = 180;
/** How much longer than the load itself the program waits for a load-test pod to start, and to finish. */
export const LOAD_TEST_WAIT_MARGIN_SECONDS = 300;
/** The program's resources: a Node process holding a few watch streams and samples. */
export const DEFAULT_RESOURCES = {
    requests: { cpu: "100m", memory: "96Mi" },
    limits: { cpu: "500m", memory: "192Mi" },
} as const;
/** The registry reader run at deploy time (plain CommonJS, like lib/registry/acrToken.cjs). */
export const REGISTRY_MANIFEST_HELPER = path.resolve(__dirname, "..", "..", "lib", "registry", "registryManifest.cjs");

/** A pod template as the serving components give it (`podTemplate(pod)`). */
export type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

/** One thing to measure. */
export interface MeasurementTarget {
    /** `wasm` or `container`: the load test's target name, so the program can tell when that target is loaded. */
    name: string;
    /** The serving Deployment's name (its pods are sampled; it is never scaled). */
    servingDeployment: pulumi.Input<string>;
    /** Labels selecting the serving pods (the Service's selector). */
    servingSelector: Labels;
    /**
     * The exact name of this rollout's load-test Job for this target (LoadTest's `plannedJobNames`): the program
     * samples "under load" while that Job's final pod runs, and never mistakes an earlier rollout's finished Job
     * (still there for a day, and deleted only after its replacement is created: REPLACE-1) for this one.
     */
    loadTestJob: pulumi.Input<string>;
    /** The twin's Deployment name, e.g. `<app>-twin`. A DNS-1035 label. */
    twinName: string;
    /** The serving pod template with the given labels (SpinWorkload / ContainerBaseline `podTemplate`). */
    podTemplate: (pod: { labels: Labels; selector: Labels }) => PodTemplate;
    /** The target's image, pinned by digest: its registry manifest gives `pulledBytes`; it is in the Job's name. */
    image: pulumi.Input<string>;
    /** The serving Deployment (and anything else the Job must wait for). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface ScaleMeasurementArgs {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** The app's namespace: the twins, the Role and the Jobs live there. */
    namespace: pulumi.Input<string>;
    /** The measurement program's image (apps/measure), pinned by digest. */
    image: pulumi.Input<string>;
    /** Targets; at least one, names distinct. */
    targets: MeasurementTarget[];
    /** N: replicas each twin is scaled to from 0, 1 to 100. @default 20 (the guide's figure) */
    replicas?: number;
    /** Rounds per target (medians are over them), 1 to 10. @default 3 */
    rounds?: number;
    /** Limits; 0 checks nothing. A breach fails the Job and so `pulumi up`. @default none (all 0) */
    thresholds?: MeasurementThresholds;
    /** Seconds of load per load-test target: the Job's deadline allows for all of them. @default 30 */
    loadTestDurationSeconds?: number;
    /**
     * Kubeconfig for collecting the results (a secret); through stdin only (lib/results/jobResult.ts).
     * @default undefined: no collection; the Jobs still gate the rollout, `summaries` is `{}`.
     */
    kubeconfig?: pulumi.Input<string>;
    /**
     * The registry the targets' images are in, for `pulledBytes` (read at deploy time with a fresh token).
     * @default undefined: `pulledBytes` is null
     */
    registry?: RegistryTarget;
    /** The program's resources. @default {@link DEFAULT_RESOURCES} */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Where the program runs: the system pool, like the load test. @default { "kubernetes.azure.com/mode": "system" } */
    nodeSelector?: Labels;
    /** Tolerations, e.g. for a system pool tainted `CriticalAddonsOnly`. @default [] */
    tolerations?: k8s.types.input.core.v1.Toleration[];
}

/** The resolved settings, after defaults. */
export interface ScaleMeasurementSettings {
    replicas: number;
    rounds: number;
    thresholds: Required<MeasurementThresholds>;
    loadTestDurationSeconds: number;
}

const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Applies defaults and checks every argument; throws one error listing every problem. */
export function resolveMeasurementSettings(
    name: string,
    args: Pick<ScaleMeasurementArgs, "targets" | "replicas" | "rounds" | "thresholds" | "loadTestDurationSeconds">,
): ScaleMeasurementSettings {
    const d = configDefaults();
    const s: ScaleMeasurementSettings = {
        replicas: args.replicas ?? d.measureReplicas,
        rounds: args.rounds ?? d.measureRounds,
        thresholds: {
            maxScaleOutSeconds: args.thresholds?.maxScaleOutSeconds ?? d.measureMaxScaleOutSeconds,
            maxFirstResponseSeconds: args.thresholds?.maxFirstResponseSeconds ?? d.measureMaxFirstResponseSeconds,
            maxPodMemoryMiB: args.thresholds?.maxPodMemoryMiB ?? d.measureMaxPodMemoryMiB,
        },
        loadTestDurationSeconds: args.loadTestDurationSeconds ?? d.loadTestDurationSeconds,
    };
    const problems: string[] = [];
    const check = (key: string, value: unknown, ok: boolean, accepted: string) => {
        if (!ok) problems.push(`${key} = ${JSON.stringify(value)}: ${accepted}`);
    };
    const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
    // `<app>-measure` (apps are at most 40 characters); longer Job names are cut by jobName, keeping the hash.
    check("name", name, DNS_1035_LABEL.test(name) && name.length <= 50, "a DNS-1035 label of at most 50 characters");
    check("replicas", s.replicas, whole(s.replicas, 1, 100), "a whole number from 1 to 100");
    check("rounds", s.rounds, whole(s.rounds, 1, 10), "a whole number from 1 to 10");
    check("loadTestDurationSeconds", s.loadTestDurationSeconds, whole(s.loadTestDurationSeconds, 5, 600), "a whole number from 5 to 600");
    const t = s.thresholds;
    check("thresholds.maxScaleOutSeconds", t.maxScaleOutSeconds, Number.isFinite(t.maxScaleOutSeconds) && t.maxScaleOutSeconds >= 0, "seconds, 0 (no check) or more");
    check("thresholds.maxFirstResponseSeconds", t.maxFirstResponseSeconds, Number.isFinite(t.maxFirstResponseSeconds) && t.maxFirstResponseSeconds >= 0, "seconds, 0 (no check) or more");
    check("thresholds.maxPodMemoryMiB", t.maxPodMemoryMiB, Number.isInteger(t.maxPodMemoryMiB) && t.maxPodMemoryMiB >= 0, "a whole number of MiB, 0 (no check) or more");
    if (args.targets.length === 0) problems.push("targets = []: at least one target");
    const seen = new Set<string>();
    for (const [i, target] of args.targets.entries()) {
        check(`targets[${i}].name`, target.name, TARGET_NAME.test(target.name), "lower-case letters, digits and inner '-', at most 20 characters");
        check(`targets[${i}].twinName`, target.twinName, DNS_1035_LABEL.test(target.twinName), "a DNS-1035 label");
        if (seen.has(target.name)) problems.push(`targets[${i}].name = ${JSON.stringify(target.name)}: distinct target names`);
        seen.add(target.name);
    }
    if (problems.length > 0) {
        throw new Error(`Invalid ScaleMeasurement "${name}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
    }
    return s;
}

/**
 * The Role's rules: exactly the calls apps/measure makes, from the program's own list (apps/measure/src/rbac.ts), so
 * the program, the Role and its test cannot drift apart (RBAC-1, RBAC-2, RBAC-3, K8SAPI-3, K8SAPI-4): `patch`
 * on the twins' `scale` subresource (0 → N → 0), `get` on the twins (their selector), `list`/`watch` on pods (Ready
 * and gone times; a label-selected list/watch cannot be limited by name), `list` on pod metrics (metrics.k8s.io PodMetrics).
 */
export function measurementRoleRules(twinNames: string[]): k8s.types.input.rbac.v1.PolicyRule[] {
    return measureRoleRules(twinNames);
}

/** Labels of a twin's pods and its selector: its own name, the `measure-twin` component. */
export function twinIdentity(twinName: string): { labels: Labels; selector: Labels } {
    return {
        labels: recommendedLabels({ name: twinName, instance: twinName, component: TWIN_COMPONENT }),
        selector: selectorLabels({ name: twinName, instance: twinName }),
    };
}

/** The twin's Deployment spec: the serving pod, 0 replicas, its own selector. */
export function twinDeploymentSpec(template: PodTemplate, selector: Labels): k8s.types.input.apps.v1.DeploymentSpec {
    return {
        replicas: 0,
        revisionHistoryLimit: 1,
        selector: { matchLabels: selector },
        // Scale-out is what is timed: no surge or rollout shape matters at 0 replicas.
        strategy: { type: "Recreate" },
        template,
    };
}

/** The twin's NetworkPolicy: only the measurement pods (same namespace) may reach the twin's port. */
export function twinNetworkPolicySpec(selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": MEASURE_COMPONENT } } }], ports: [{ protocol: "TCP", port: APP_PORT_NAME }] }],
    };
}

/**
 * The program's options for one target, from the stack's settings. The load test runs its targets one after the
 * other, so this target's load-test pod may start only after every earlier target's load: the wait for it covers
 * all of them, plus the margin the load test's own Job gets.
 */
export function measurementOptions(input: Omit<MeasurementJobInput, "componentName" | "image" | "serviceAccountName" | "rolloutTrigger" | "resources" | "nodeSelector" | "tolerations">) {
    const s = input.settings;
    const load = s.loadTestDurationSeconds;
    return {
        target: input.target,
        namespace: input.namespace,
        twinDeployment: input.twinName,
        servingDeployment: input.servingDeployment,
        servingSelector: selectorString(input.servingSelector),
        loadTestJob: input.loadTestJob,
        replicas: s.replicas,
        rounds: s.rounds,
        // Both targets listen on 8080 under the port name http-app (the container baseline uses the Wasm app's port).
        port: APP_PORT,
        healthPath: HEALTH_PATH,
        loadTestStartTimeoutSeconds: load * input.loadTestTargets + LOAD_TEST_WAIT_MARGIN_SECONDS,
        loadTestRunTimeoutSeconds: load + LOAD_TEST_WAIT_MARGIN_SECONDS,
        ...thresholdsOf(s.thresholds),
    };
}

/** One measurement Job's time budget: the program's worst case by part, its deadline and the stack's wait for it. */
export interface MeasurementBudget extends MeasureBudget {
    /** The Job's `activeDeadlineSeconds` (= `totalSeconds`). */
    deadlineSeconds: number;
    /** How long `pulumi up` waits for the Job (`pulumi.com/timeoutSeconds`): the deadline plus AWAIT_MARGIN_SECONDS. */
    stackWaitSeconds: number;
}

/**
 * The budget of one measurement Job, from the stack's settings: rounds × (scale-out + 2 × scale-in waits), the
 * waits for the load (every load-test target's load before this one's, plus the margin), the settle wait, the
 * retries' backoff and the start-up margin. The Job's deadline is its total, and the stack waits
 * AWAIT_MARGIN_SECONDS longer, so the Job's own `DeadlineExceeded` is the reported cause (issue 19).
 */
export function measurementBudget(input: Parameters<typeof measurementOptions>[0]): MeasurementBudget {
    const budget = measureBudget(measurementOptions(input), DEADLINE_MARGIN_SECONDS);
    return { ...budget, deadlineSeconds: budget.totalSeconds, stackWaitSeconds: budget.totalSeconds + AWAIT_MARGIN_SECONDS };
}

/** The Job's `activeDeadlineSeconds`: the program's own longest run with these options (every wait at its timeout). */
export function measurementDeadlineSeconds(input: Parameters<typeof measurementOptions>[0]): number {
    return measurementBudget(input).deadlineSeconds;
}

/**
 * The measurement's budget for a stack's config, for `npm run render` and for summing the worst-case duration of
 * `pulumi up`: the measurement Jobs of one app run at once (one per target), so the stack waits for the longest,
 * the one whose load-test pod starts last (with the container baseline, 2 load-test targets). Undefined when the
 * measurement is off.
 */
export function measurementBudgetForConfig(
    c: Pick<import("../../config").StackConfig, "measure" | "loadTest" | "containerBaseline" | "measureReplicas" | "measureRounds" | "measureMaxScaleOutSeconds" | "measureMaxFirstResponseSeconds" | "measureMaxPodMemoryMiB" | "loadTestDurationSeconds">,
): MeasurementBudget | undefined {
    if (!c.measure || !c.loadTest) return undefined;
    const targets = c.containerBaseline ? 2 : 1;
    return measurementBudget({
        target: targets === 2 ? "container" : "wasm",
        namespace: "app",
        twinName: "app-twin",
        servingDeployment: "app",
        servingSelector: { "app.kubernetes.io/name": "app" },
        loadTestJob: "app-loadtest-wasm-00000000",
        loadTestTargets: targets,
        settings: {
            replicas: c.measureReplicas,
            rounds: c.measureRounds,
            thresholds: { maxScaleOutSeconds: c.measureMaxScaleOutSeconds, maxFirstResponseSeconds: c.measureMaxFirstResponseSeconds, maxPodMemoryMiB: c.measureMaxPodMemoryMiB },
            loadTestDurationSeconds: c.loadTestDurationSeconds,
        },
    });
}

/** The budget as Markdown lines (`npm run render`'s plan.md). */
export function measurementBudgetMarkdown(b: MeasurementBudget | undefined): string[] {
    if (!b) return ["The scale measurement is off (`measure` or `loadTest` false): no measurement Job."];
    return [
        "| part | seconds |",
        "| --- | ---: |",
        `| footprint: load-test start and run waits, settle | ${b.footprintSeconds} |`,
        `| rounds × (scale-out + 2 × scale-in waits) | ${b.roundsSeconds} |`,
        `| API retries' backoff | ${b.retriesSeconds} |`,
        `| start-up margin | ${b.marginSeconds} |`,
        `| **Job deadline (activeDeadlineSeconds)** | **${b.deadlineSeconds}** |`,
        `| **the stack's wait for it (pulumi.com/timeoutSeconds)** | **${b.stackWaitSeconds}** |`,
    ];
}

/** `k=v,k=v`, as a Kubernetes label selector string. */
function selectorString(labels: Labels): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}

/** Everything one target's Job is made of, resolved. */
export interface MeasurementJobInput {
    componentName: string;
    namespace: string;
    image: string;
    serviceAccountName: string;
    target: string;
    twinName: string;
    servingDeployment: string;
    servingSelector: Labels;
    /** The exact name of this target's load-test Job. */
    loadTestJob: string;
    /** The number of load-test targets (for the deadline). */
    loadTestTargets: number;
    /** The target images' digests: a change re-runs the measurement. */
    rolloutTrigger: string;
    settings: ScaleMeasurementSettings;
    resources: unknown;
    nodeSelector: Labels;
    tolerations: unknown[];
}

/** The program's arguments, written by the program's own inverse of its parser (refuses what it would refuse). */
export function measurementArgs(input: Parameters<typeof measurementOptions>[0]): string[] {
    return measureArgs(measurementOptions(input));
}

/** The Job manifest for one target: pure, so tests read it without an engine. */
export function measurementJob(input: MeasurementJobInput) {
    const labels = {
        ...recommendedLabels({ name: "measure", instance: input.componentName, component: MEASURE_COMPONENT }),
        [MEASURE_TARGET_LABEL]: input.target,
    };
    const deadline = measurementDeadlineSeconds(input);
    const spec = {
        ...GATED_JOB_RUN_POLICY,
        activeDeadlineSeconds: deadline,
        template: {
            metadata: { labels },
            spec: {
                ...hardenedPodSpec,
                // The one pod with an API token: the program scales the twins and reads pods and metrics through
                // the API server, as this ServiceAccount (whose Role is limited to exactly that). The pod's setting
                // wins over the ServiceAccount's `false` (MSTK-1); the projected token volume is allowed under
                // Pod Security `restricted` (MSTK-2).
                automountServiceAccountToken: true,
                serviceAccountName: input.serviceAccountName,
                restartPolicy: "Never",
                // Time for the program to scale the twin back to 0 when the deadline's SIGTERM comes.
                terminationGracePeriodSeconds: 30,
                nodeSelector: input.nodeSelector,
                tolerations: input.tolerations,
                containers: [
                    {
                        name: MEASURE_CONTAINER,
                        image: input.image,
                        args: measurementArgs(input),
                        resources: input.resources,
                        securityContext: restrictedContainerSecurityContext,
                        terminationMessagePolicy: "FallbackToLogsOnError",
                    },
                ],
            },
        },
    };
    return {
        metadata: gatedJobMetadata({ componentName: input.componentName, target: input.target, namespace: input.namespace, labels, spec, rolloutTrigger: input.rolloutTrigger }),
        spec,
    };
}

/** `pulledBytes` out of lib/registry/registryManifest.cjs's one JSON line; throws naming the target on anything else. */
export function parsePulledBytes(stdout: string, target: string): number {
    let value: { pulledBytes?: unknown };
    try {
        value = JSON.parse(stdout.trim());
    } catch {
        throw new Error(`registry manifest of "${target}": expected one JSON line from lib/registry/registryManifest.cjs, got ${JSON.stringify(stdout.slice(0, 200))}`);
    }
    if (!Number.isSafeInteger(value.pulledBytes) || (value.pulledBytes as number) < 0) {
        throw new Error(`registry manifest of "${target}": pulledBytes = ${JSON.stringify(value.pulledBytes)}: a byte count`);
    }
    return value.pulledBytes as number;
}

/**
 * The bytes a node pulls for `image`, read from the registry at deploy time: lib/registry/registryManifest.cjs run by the
 * command provider's `local.run` (not stored in state; output not logged; the token never leaves that process).
 * Undefined in preview: a read-only preview identity needs no registry rights.
 */
export function registryPulledBytes(image: pulumi.Input<string>, registry: RegistryTarget, target: string, parent: pulumi.Resource): pulumi.Output<number> | undefined {
    if (pulumi.runtime.isDryRun()) return undefined;
    const result = local.runOutput(
        {
            command: REGISTRY_MANIFEST_HELPER,
            interpreter: [process.execPath],
            environment: pulumi.all([registry.name, registry.loginServer, image]).apply(([ACR_NAME, ACR_LOGIN_SERVER, IMAGE_REF]) => ({ ACR_NAME, ACR_LOGIN_SERVER, IMAGE_REF })),
            logging: "none",
            addPreviousOutputInEnv: false,
        },
        { parent },
    );
    return result.stdout.apply((out) => parsePulledBytes(out ?? "", target));
}

export class ScaleMeasurement extends pulumi.ComponentResource {
    readonly settings: ScaleMeasurementSettings;
    readonly twins: k8s.apps.v1.Deployment[];
    readonly jobs: k8s.batch.v1.Job[];
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    readonly role: k8s.rbac.v1.Role;
    readonly roleBinding: k8s.rbac.v1.RoleBinding;
    /** Summary per target (unknown in preview; `{}` without a kubeconfig). */
    readonly summaries: pulumi.Output<Record<string, MeasurementSummary>>;
    /** `wasm` ÷ `container`, when both are measured and collected. */
    readonly comparison: pulumi.Output<MeasurementComparison | undefined>;

    constructor(name: string, args: ScaleMeasurementArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:ScaleMeasurement", name, {}, opts);
        const s = (this.settings = resolveMeasurementSettings(name, args));
        const child = { parent: this, provider: args.provider };
        const labels = recommendedLabels({ name: "measure", instance: name, component: MEASURE_COMPONENT });
        const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });

        this.twins = args.targets.map((target) => {
            const pod = twinIdentity(target.twinName);
            const twin = new k8s.apps.v1.Deployment(
                `${name}-${target.name}-twin`,
                {
                    metadata: {
                        name: target.twinName,
                        namespace: args.namespace,
                        labels: pod.labels,
                        // The program owns `replicas` while it runs; Pulumi takes 0 back on its next update (RBAC-4).
                        annotations: { "pulumi.com/patchForce": "true" },
                    },
                    spec: twinDeploymentSpec(target.podTemplate(pod), pod.selector),
                },
                child,
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${target.name}-twin-netpol`,
                { metadata: { name: `${target.twinName}-ingress`, namespace: args.namespace, labels: pod.labels }, spec: twinNetworkPolicySpec(pod.selector) },
                child,
            );
            return twin;
        });

        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            // Mounted only where the pod asks (the measurement Job's pod does): nothing else runs as this account.
            { metadata: meta(name), automountServiceAccountToken: false },
            child,
        );
        this.role = new k8s.rbac.v1.Role(`${name}-role`, { metadata: meta(name), rules: measurementRoleRules(args.targets.map((t) => t.twinName)) }, child);
        this.roleBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-rolebinding`,
            {
                metadata: meta(name),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: args.namespace }],
            },
            child,
        );

        const rolloutTrigger = pulumi.all(args.targets.map((t) => t.image)).apply((images) => images.join(","));
        const loadTestTargets = args.targets.length;
        const jobs: k8s.batch.v1.Job[] = [];
        const collected: pulumi.Output<[string, MeasurementSummary]>[] = [];
        args.targets.forEach((target, i) => {
            const manifest = pulumi
                .all([args.namespace, args.image, target.servingDeployment, rolloutTrigger, this.serviceAccount.metadata.name, args.resources ?? DEFAULT_RESOURCES, args.tolerations ?? [], target.loadTestJob])
                .apply(([namespace, image, servingDeployment, trigger, serviceAccountName, resources, tolerations, loadTestJob]) =>
                    measurementJob({
                        componentName: name,
                        namespace,
                        image,
                        serviceAccountName,
                        target: target.name,
                        twinName: target.twinName,
                        servingDeployment,
                        servingSelector: target.servingSelector,
                        loadTestJob,
                        loadTestTargets,
                        rolloutTrigger: trigger,
                        settings: s,
                        resources,
                        nodeSelector: args.nodeSelector ?? { ...SYSTEM_POOL_SELECTOR },
                        tolerations,
                    }),
                );
            const job = new k8s.batch.v1.Job(
                `${name}-${target.name}`,
                { metadata: manifest.metadata, spec: manifest.spec as k8s.types.input.batch.v1.JobSpec },
                // Beside the load test, not after it: the workloads (a component here stands for its Deployment,
                // MSTK-3), this target's twin and the RBAC.
                { ...child, dependsOn: [...(target.dependsOn ?? []), this.twins[i], this.roleBinding] },
            );
            jobs.push(job);

            if (args.kubeconfig !== undefined) {
                const stdout = collectJobLog(`${name}-${target.name}-result`, { job, container: MEASURE_CONTAINER, kubeconfig: args.kubeconfig }, { parent: this });
                const pulled = args.registry ? registryPulledBytes(target.image, args.registry, target.name, this) : undefined;
                collected.push(
                    pulumi.all([stdout, pulled ?? null]).apply(([out, bytes]) => {
                        const result: MeasurementResult = parseMeasurementLine(out, `measurement "${target.name}"`);
                        if (result.target !== target.name) {
                            throw new Error(`measurement "${target.name}": the result line is for target ${JSON.stringify(result.target)}`);
                        }
                        return [target.name, { ...result, pulledBytes: bytes ?? null }] as [string, MeasurementSummary];
                    }),
                );
            }
        });
        this.jobs = jobs;
        this.summaries = pulumi.all(collected).apply((pairs) => Object.fromEntries(pairs) as Record<string, MeasurementSummary>);
        this.comparison = this.summaries.apply((m) => (m.wasm && m.container ? compareMeasurements(m.wasm, m.container) : undefined));
        this.registerOutputs({ summaries: this.summaries, comparison: this.comparison });
    }
}
