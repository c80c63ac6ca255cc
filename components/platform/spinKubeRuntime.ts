/**
 * SpinKube on the Wasm pool: runtime-class-manager (RCM) installs containerd-shim-spin on the nodes a `Shim`
 * selects, and the RuntimeClass `wasmtime-spin-v2` routes pods to it.
 *
 * Why RCM rather than the kwasm operator: RCM is SpinKube's maintained successor (spinkube.dev, "Azure Kubernetes
 * Service"), verifies the shim tarball by sha256, and sets `SystemdCgroup`, without which pod CPU metrics stay
 * flat and an HPA is blind (containerd-shim-spin #180, RCM #386). Its installer Jobs are bound to a node by
 * `nodeName`, so they bypass the scheduler and run on the NoSchedule-tainted pool without a toleration (RCM-4).
 *
 * The RuntimeClass is created here, before the Shim, because RCM's own copy carries only a nodeSelector: ours
 * adds the toleration for the pool's taint. RCM creates a RuntimeClass only when none of that name exists
 * (platform-contracts RCM-1), so it never writes to ours: no shared fields, no server-side-apply conflict.
 *
 * Day two: RCM installs only on nodes that do not carry its label `<Shim name>` = provisioned|pending, and a
 * change of the Shim's fetchStrategy reinstalls nothing (RCM-2; RCM #577). So a new shim version reaches new
 * nodes by itself but existing nodes only through {@link shimReinstallScript}, run by a command resource that
 * records on each node the {@link shimInstallFingerprint} it was installed for. The command runs on every
 * `pulumi up` (so a node a killed run left cordoned is released whatever the config says now) and is the
 * resource the Spin workloads, the load test and the measurement wait for ({@link SpinKubeRuntime.nodesReady}).
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultDenyEgressSpec, internetEgressSpec } from "../../lib/kubernetes/egressPolicy";
import { createHash } from "node:crypto";
import { PROJECT } from "../../config";
import { KUBECONFIG_FROM_STDIN } from "../../lib/results/jobResult";
import type { ShimInstallerKind } from "../../lib/azure/wasmNodeOs";
import type { WasmPlacement } from "../../lib/kubernetes/workloadDefaults";

/** Pinned versions; bump together and re-read the shim's release notes. */
export const SPINKUBE_VERSIONS = {
    /** oci://ghcr.io/spinframework/charts/runtime-class-manager; the chart pins its images to v0.2.0. */
    rcmChart: "0.2.0",
    /** containerd-shim-spin release and the sha256 of its tarballs (from RCM's sample Shim). */
    shim: "v0.23.0",
    shimSha256: {
        x86_64: "eec8df96fa3a4fe5dbc57ffb706461692c055299dd6d22dff9444863a2a12281",
        aarch64: "a923f08d91c110d2cda29fbc380273e6d0a97aa0bab455c55f613c8d5a8bfbe4",
    },
} as const;

/**
 * The chart's three images (RCM v0.2.0 `deploy/helm/values.yaml`: `image`, `rcm.shimDownloaderImage`,
 * `rcm.nodeInstallerImage`; the templates write `<repository>:<tag>`), set explicitly instead of trusting the
 * packaged chart's values (platform-contracts TRUST-13). A `digest` makes the tag `<tag>@sha256:<digest>`, which
 * pins the image (the templates then write `<repository>:<tag>@sha256:<digest>`, a valid reference: SUP-3). No public
 * source gives the digests of these v0.2.0 images and none is invented: Platform mirrors them into the registry
 * (runtimeImageMirror.ts) and passes the digests ACR stored at the first import.
 */
export interface ChartImage {
    repository: string;
    tag: string;
    /** `sha256:<64 hex>` of the image, when known. @default undefined (pinned by tag only) */
    digest?: string;
}
/** The chart's three images. */
export interface RcmImages {
    manager: ChartImage;
    shimDownloader: ChartImage;
    nodeInstaller: ChartImage;
}
/** Upstream, by tag: what Platform's RuntimeImageMirror (runtimeImageMirror.ts) imports into the registry and pins by digest. */
export const RCM_IMAGES: RcmImages = {
    manager: { repository: "ghcr.io/spinframework/runtime-class-manager", tag: "v0.2.0" },
    shimDownloader: { repository: "ghcr.io/spinframework/shim-downloader", tag: "v0.2.0" },
    nodeInstaller: { repository: "ghcr.io/spinframework/node-installer", tag: "v0.2.0" },
};

/** Chart values that name each image, by digest when one is given. */
export function rcmImageValues(images: RcmImages) {
    const tag = (i: ChartImage) => {
        if (i.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(i.digest)) throw new Error(`${i.repository}: digest ${JSON.stringify(i.digest)} is not sha256:<64 hex>`);
        return i.digest ? `${i.tag}@${i.digest}` : i.tag;
    };
    return {
        image: { repository: images.manager.repository, tag: tag(images.manager) },
        rcm: {
            shimDownloaderImage: { repository: images.shimDownloader.repository, tag: tag(images.shimDownloader) },
            nodeInstallerImage: { repository: images.nodeInstaller.repository, tag: tag(images.nodeInstaller) },
        },
    };
}

/** A containerd-shim-spin release: its tag and the sha256 of each tarball. */
export interface ShimRelease {
    shim: string;
    shimSha256: { x86_64: string; aarch64: string };
}

/**
 * The Shim's name, and with it three names RCM derives from it (RCM-3): the node label RCM keeps per node
 * (`spin-v2=provisioned`), the binary the downloader copies out of the tarball (`containerd-shim-spin-v2`, which
 * must be the file the release tarball holds) and so the containerd runtime name, which is the RuntimeClass
 * handler. It cannot carry a version: the downloader would look for `containerd-shim-<name>` in a tarball that
 * holds `containerd-shim-spin-v2`, and fail.
 */
export const SPIN_HANDLER = "spin-v2";

/** RCM's namespace when none is given. */
export const RCM_NAMESPACE = "runtime-class-manager";

export interface SpinKubeRuntimeArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** Placement of the Wasm pool: the RuntimeClass gets its selector and toleration. */
    placement: WasmPlacement;
    /**
     * Who installs the shim: runtime-class-manager (containerd 1.7, the `Ubuntu2204` pool), deployed here; or the
     * project's installer DaemonSet (AKS's containerd-2 images), which Platform composes beside this component
     * (shimInstaller.ts): then this component holds only the RuntimeClass. lib/azure/wasmNodeOs.ts picks it per OS SKU.
     * @default "runtime-class-manager"
     */
    installer?: ShimInstallerKind;
    /**
     * The chart's images. Platform passes the registry's mirrored copies, pinned by digest (RuntimeImageMirror);
     * the policy pack refuses anything else in this namespace (images-from-acr-by-digest).
     * @default RCM_IMAGES (upstream, by tag only)
     */
    images?: pulumi.Input<RcmImages>;
    /** Namespace for runtime-class-manager. @default "runtime-class-manager" */
    namespace?: string;
    /** Resources that must exist first (the node pool). @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Kubeconfig for the shim reinstall command (non-interactive; see lib/kubernetes/kubeconfig.ts). Without it, a change
     * of the shim version reaches only new nodes, and existing ones need the manual steps in docs/operations.md.
     * @default undefined (no reinstall command)
     */
    kubeconfig?: pulumi.Input<string>;
    /**
     * The Wasm pool's node selector: the nodes the reinstall command looks after (every node the Shim selects).
     * @default placement.nodeSelector
     */
    poolSelector?: Record<string, string>;
}

export class SpinKubeRuntime extends pulumi.ComponentResource {
    readonly runtimeClassName: pulumi.Output<string>;
    /** The Shim resource (runtime-class-manager only); workloads depend on it so they roll out after the shim is requested. */
    readonly shim?: k8s.apiextensions.CustomResource;
    /** What the nodes must run (see {@link shimInstallFingerprint}); a change reinstalls on existing nodes. */
    readonly shimFingerprint: string;
    /**
     * What Spin workloads and the gates that measure them wait for: the reinstall command when there is one (every
     * Wasm node runs the current shim and none is left cordoned), else the Shim resource.
     */
    readonly nodesReady: pulumi.Resource;

    constructor(name: string, args: SpinKubeRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:SpinKubeRuntime", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const nsName = args.namespace ?? RCM_NAMESPACE;
        this.shimFingerprint = shimInstallFingerprint(shimSpec(args.placement));

        if (args.installer === "aks-wasm-daemonset") {
            // The project's installer (a separate component, composed by Platform) labels the nodes it provisioned.
            const runtimeClass = new k8s.node.v1.RuntimeClass(`${name}-runtimeclass`, runtimeClassArgs(args.placement), { ...o, dependsOn: args.dependsOn });
            this.runtimeClassName = runtimeClass.metadata.name;
            // Readiness of the nodes is the installer DaemonSet's (Platform makes apps wait for it).
            this.nodesReady = runtimeClass;
            this.registerOutputs({ runtimeClassName: this.runtimeClassName, shimFingerprint: this.shimFingerprint });
            return;
        }

        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: nsName,
                    // RCM's installer Jobs run here, privileged, with hostPID and the node's `/` mounted, to edit
                    // containerd's config (RCM-4): this namespace must admit privileged pods. Only RCM runs here.
                    labels: { "pod-security.kubernetes.io/enforce": "privileged", "app.kubernetes.io/part-of": PROJECT },
                },
            },
            { ...o, dependsOn: args.dependsOn },
        );

        // Egress (TRUST-8): DNS, and HTTPS to the internet for the controller (the API server) and the installer
        // (the shim tarball); never the metadata service, the WireServer or the cluster's private ranges.
        for (const [suffix, spec] of Object.entries({ "default-deny-egress": defaultDenyEgressSpec(), "https-egress": internetEgressSpec({}, [443]) })) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${suffix}`,
                { metadata: { name: suffix, namespace: namespace.metadata.name, labels: { "app.kubernetes.io/part-of": PROJECT } }, spec },
                o,
            );
        }

        const rcm = new k8s.helm.v3.Release(
            `${name}-rcm`,
            {
                name: "runtime-class-manager",
                chart: "oci://ghcr.io/spinframework/charts/runtime-class-manager",
                version: SPINKUBE_VERSIONS.rcmChart,
                namespace: namespace.metadata.name,
                atomic: true,
                cleanupOnFail: true,
                values: pulumi.output(args.images ?? RCM_IMAGES).apply((images) => ({
                    ...rcmImageValues(images),
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                })),
            },
            o,
        );

        const runtimeClass = new k8s.node.v1.RuntimeClass(`${name}-runtimeclass`, runtimeClassArgs(args.placement), o);

        this.shim = new k8s.apiextensions.CustomResource(
            `${name}-shim`,
            {
                apiVersion: "runtime.spinkube.dev/v1alpha1",
                kind: "Shim",
                metadata: { name: SPIN_HANDLER },
                spec: shimSpec(args.placement),
            },
            { ...o, dependsOn: [rcm, runtimeClass] },
        );
        this.nodesReady = this.shim;
        if (args.kubeconfig !== undefined) {
            // Same script on create and update (see shimReinstallScript): on create it waits until RCM has provisioned
            // every Wasm node and records the fingerprint on each; afterwards it releases nodes a killed run left
            // cordoned and reinstalls, node by node, only where the recorded fingerprint is not the current one.
            const script = namespace.metadata.name.apply((ns) =>
                shimReinstallScript({ namespace: ns, shimName: SPIN_HANDLER, poolSelector: args.poolSelector ?? args.placement.nodeSelector }),
            );
            this.nodesReady = new command.local.Command(
                `${name}-shim-reinstall`,
                {
                    create: script,
                    update: script,
                    stdin: pulumi.secret(args.kubeconfig),
                    environment: {
                        SHIM_FINGERPRINT: this.shimFingerprint,
                        // Changes on every run, so the command runs on every `pulumi up` (one update in every preview):
                        // a node left cordoned by a killed run is released even when the config went back to the state
                        // Pulumi recorded before the failure (a failed update keeps the old state; CONV-6).
                        SHIM_RECONCILE_RUN: new Date().toISOString(),
                    },
                    addPreviousOutputInEnv: true,
                },
                // After the Shim carries the new spec: RCM reads the Shim when it reinstalls.
                { parent: this, dependsOn: [this.shim], additionalSecretOutputs: ["stdin"] },
            );
        }

        this.runtimeClassName = runtimeClass.metadata.name;
        this.registerOutputs({ runtimeClassName: this.runtimeClassName, shimFingerprint: this.shimFingerprint });
    }
}

/**
 * The RuntimeClass: the handler, and scheduling that places every pod using it on the Wasm pool (its selector and
 * toleration) and only on nodes labelled `<handler>=provisioned` (issue 19 item 5: Wasm pods land only where the
 * shim is). Both installers set that label: RCM when its install Job completes (RCM-2), the project's installer
 * when the running containerd reports the runtime (shimInstaller.ts). The Shim's own nodeSelector stays the pool's:
 * RCM must select nodes before they are provisioned.
 */
export function runtimeClassArgs(placement: WasmPlacement): k8s.node.v1.RuntimeClassArgs {
    return {
        metadata: { name: placement.runtimeClassName },
        handler: SPIN_HANDLER,
        scheduling: {
            nodeSelector: { ...placement.nodeSelector, [SPIN_HANDLER]: "provisioned" },
            tolerations: placement.tolerations,
        },
    };
}

/** The Shim's spec: which nodes, which tarball (verified), which containerd options, which RuntimeClass. */
export function shimSpec(placement: WasmPlacement, versions: ShimRelease = SPINKUBE_VERSIONS) {
    const release = `https://github.com/spinframework/containerd-shim-spin/releases/download/${versions.shim}`;
    return {
        nodeSelector: placement.nodeSelector,
        fetchStrategy: {
            platforms: (["x86_64", "aarch64"] as const).map((arch) => ({
                os: "linux",
                arch,
                location: `${release}/containerd-shim-spin-v2-linux-${arch}.tar.gz`,
                sha256: versions.shimSha256[arch],
            })),
        },
        containerdRuntimeOptions: { SystemdCgroup: "true" },
        runtimeClass: { name: placement.runtimeClassName, handler: SPIN_HANDLER },
        // RCM v0.2.0 implements only `recreate`; `rolling` is rejected ("rolling strategy not implemented yet").
        rolloutStrategy: { type: "recreate" },
    };
}

/**
 * What RCM installs on a node, as one value: the sha256 of the Shim's fetchStrategy (release URLs and tarball
 * digests). A new shim version or tarball changes it. `containerdRuntimeOptions` are left out on purpose: the
 * installer skips a runtime already present in containerd's config (RCM-5), so a reinstall would not apply them.
 */
export function shimInstallFingerprint(spec: Pick<ReturnType<typeof shimSpec>, "fetchStrategy">): string {
    return createHash("sha256").update(canonicalJson(spec.fetchStrategy)).digest("hex");
}

/** JSON with object keys sorted at every level: the same value gives the same text whatever the key order. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A label key or value as Kubernetes allows it (prefix/name; letters, digits, `-`, `_`, `.`). */
const LABEL_PART = /^[A-Za-z0-9]([-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?$/;

/**
 * The bounds of the reinstall: per node, the drain and the wait for RCM's `provisioned`; the whole run's budget,
 * after which it stops before the next node and asks for another `pulumi up` (it resumes); the poll interval; one
 * kubectl request. components/runDuration.ts adds {@link REINSTALL_TIMEOUT_SECONDS.budget} to a run's worst case.
 */
export const REINSTALL_TIMEOUT_SECONDS = { drain: 300, jobDelete: 60, install: 300, poll: 10, request: 10, budget: 1500 } as const;

/** The longest one node's reinstall can take: drain, Job delete, install wait, and the requests around them. */
export function reinstallNodeWorstCaseSeconds(t: { drain: number; jobDelete: number; install: number; poll: number; request: number } = REINSTALL_TIMEOUT_SECONDS): number {
    return t.drain + t.jobDelete + t.install + t.poll + 10 * t.request;
}

/** The node label the reinstall puts on a node before it cordons it, and removes after it uncordons it. */
export const REINSTALL_CORDON_MARK = "aks-wasm/shim-reinstall";
/** The node annotation recording the fingerprint the node's shim was last (re)installed for. */
export const REINSTALL_FINGERPRINT_ANNOTATION = "aks-wasm/shim-fingerprint";

/**
 * The command's script (`sh -c`, create and update alike; kubeconfig on stdin into a private temporary file removed
 * on any exit, as in every kubectl script of the stack). Its state lives on the nodes, so a run killed at any step
 * is finished by the next one (platform-contracts CONV-6):
 *
 * 1. **Release**: every node carrying {@link REINSTALL_CORDON_MARK} whose shim is `provisioned` and whose
 *    {@link REINSTALL_FINGERPRINT_ANNOTATION} is the current fingerprint is uncordoned and unmarked.
 * 2. **Reconcile**, node by node, over the Wasm pool's nodes:
 *    - recorded at the current fingerprint and unmarked: done;
 *    - no record, unmarked, and nothing changed since the last complete run (`$PULUMI_COMMAND_STDOUT` is the
 *      fingerprint, or this is the command's first run): RCM installed it from the current Shim (a new cluster, a
 *      node added since). Wait until it is `provisioned`, record the fingerprint;
 *    - otherwise (an older record, or a mark left by a killed run): reinstall. Mark, cordon, drain (evictions, so
 *      PodDisruptionBudgets hold; on the pool's only schedulable node, deletions, since evicted pods have nowhere
 *      to go), remove the record, delete RCM's install Job `<node>-<shim>-install` (cut to 63 characters; a
 *      finished Job's template cannot change, RCM-2), remove RCM's label so it installs the current spec, wait for
 *      `provisioned`, record the fingerprint, uncordon, unmark. A failed drain releases the node (its shim is
 *      untouched) and fails; a missing `provisioned` leaves it cordoned and marked, and fails.
 * 3. Before each reinstall, stop (and fail, asking for another `pulumi up`) when the run's budget could not hold
 *    one more node at its worst case: every run is bounded, and the next one resumes.
 *
 * stdout carries only the fingerprint (the command's output), printed once every node is done; progress and
 * every wait's reason go to stderr.
 */
export function shimReinstallScript(args: {
    namespace: string;
    shimName: string;
    /** The Wasm pool's node selector. */
    poolSelector: Record<string, string>;
    /** @default REINSTALL_TIMEOUT_SECONDS */
    timeouts?: { drain: number; jobDelete: number; install: number; poll: number; request: number; budget: number };
}): string {
    for (const [what, value] of [["namespace", args.namespace], ["shimName", args.shimName]]) {
        if (!DNS_LABEL.test(value)) throw new Error(`shimReinstallScript: ${what} = ${JSON.stringify(value)}: a lower-case DNS label`);
    }
    for (const [key, value] of Object.entries(args.poolSelector)) {
        if (!LABEL_PART.test(key) || !LABEL_PART.test(value)) throw new Error(`shimReinstallScript: poolSelector ${JSON.stringify(key)}=${JSON.stringify(value)}: a Kubernetes label`);
    }
    if (Object.keys(args.poolSelector).length === 0) throw new Error("shimReinstallScript: poolSelector is empty: it would select every node");
    const { namespace, shimName } = args;
    const t = args.timeouts ?? REINSTALL_TIMEOUT_SECONDS;
    const pool = Object.entries(args.poolSelector).map(([k, v]) => `${k}=${v}`).join(",");
    const mark = REINSTALL_CORDON_MARK;
    const record = REINSTALL_FINGERPRINT_ANNOTATION;
    const perNode = reinstallNodeWorstCaseSeconds(t);
    const say = (text: string) => `echo "shim ${shimName}: ${text}" >&2`;
    return [
        ...KUBECONFIG_FROM_STDIN,
        `k() { kubectl --kubeconfig "$kubeconfig" --request-timeout=${t.request}s "$@"; }`,
        `names() { k get nodes --selector "$1" --output 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'; }`,
        `field() { k get node "$1" --output "jsonpath={$2}"; }`,
        `provisioned() { [ "$(field "$1" .metadata.labels.${shimName})" = provisioned ]; }`,
        `recorded() { field "$1" '.metadata.annotations.${record}'; }`,
        `release() { k uncordon "$1" >&2; k label node "$1" '${mark}-' >&2; }`,
        `job_of() { printf '%.63s' "$1-${shimName}-install"; }`,
        "wait_provisioned() {",
        "  w0=$(date +%s)",
        '  until provisioned "$1"; do',
        `    if [ $(( $(date +%s) - w0 )) -ge ${t.install} ]; then`,
        `      ${say(`waited ${t.install}s for runtime-class-manager to label $1 ${shimName}=provisioned; check its installer: kubectl --namespace ${namespace} logs job/$(job_of "$1") --all-containers, and that no Azure Policy denies privileged pods in ${namespace} (docs/operations.md)`)}`,
        "      return 1",
        "    fi",
        `    sleep ${t.poll}`,
        "  done",
        "}",
        'F="$SHIM_FINGERPRINT"',
        'P="${PULUMI_COMMAND_STDOUT:-}"',
        "start=$(date +%s)",
        "done_nodes=0",
        `for node in $(names '${mark}'); do`,
        `  if provisioned "$node" && [ "$(recorded "$node")" = "$F" ]; then ${say("$node was left cordoned by an earlier run and runs the current shim: uncordoning it")}; release "$node"; fi`,
        "done",
        `for node in $(names '${pool}'); do`,
        '  now="$(recorded "$node")"',
        `  marked="$(field "$node" '.metadata.labels.${mark}')"`,
        '  if [ "$now" = "$F" ] && [ -z "$marked" ]; then continue; fi',
        '  if [ -z "$now" ] && [ -z "$marked" ] && { [ -z "$P" ] || [ "$P" = "$F" ]; }; then',
        `    if [ $(( $(date +%s) - start + ${t.install + t.poll} )) -gt ${t.budget} ]; then`,
        `      ${say(`$node and any after it might not be provisioned within the run's budget of ${t.budget}s: run pulumi up again, it resumes here`)}`,
        "      exit 1",
        "    fi",
        `    ${say("$node was installed by runtime-class-manager from the current Shim: waiting for it to be provisioned")}`,
        '    wait_provisioned "$node" || exit 1',
        `    k annotate node "$node" '${record}='"$F" --overwrite >&2`,
        "    continue",
        "  fi",
        `  if [ $(( $(date +%s) - start + ${perNode} )) -gt ${t.budget} ]; then`,
        `    ${say(`reinstalled $done_nodes node(s) in this run; $node and any after it might not finish within the run's budget of ${t.budget}s (${perNode}s per node at worst): run pulumi up again, it resumes here`)}`,
        "    exit 1",
        "  fi",
        `  ${say("reinstalling on $node")}`,
        `  k label node "$node" '${mark}=cordoned' --overwrite >&2`,
        '  k cordon "$node" >&2',
        "  others=0",
        `  for other in $(names '${pool}'); do`,
        '    if [ "$other" != "$node" ] && [ "$(field "$other" .spec.unschedulable)" != true ]; then others=$((others + 1)); fi',
        "  done",
        '  evict=""',
        '  if [ "$others" -eq 0 ]; then',
        '    evict="--disable-eviction"',
        `    ${say("$node is the only schedulable Wasm node: its Spin pods are deleted, not evicted (a PodDisruptionBudget cannot be met with nowhere to go); the apps are unavailable until it is provisioned again")}`,
        "  fi",
        `  if ! k drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=${t.drain}s $evict >&2; then`,
        '    release "$node"',
        `    ${say(`could not drain $node within ${t.drain}s (waited for its pods to leave; check PodDisruptionBudgets: kubectl get pdb --all-namespaces); uncordoned, its shim is untouched`)}`,
        "    exit 1",
        "  fi",
        `  k annotate node "$node" '${record}-' >&2`,
        `  k --namespace '${namespace}' delete job "$(job_of "$node")" --ignore-not-found --wait=true --timeout=${t.jobDelete}s >&2`,
        `  k label node "$node" '${shimName}-' >&2`,
        '  if ! wait_provisioned "$node"; then',
        `    ${say(`$node left cordoned (marked ${mark}): the next pulumi up uncordons it once it runs the current shim, or reinstalls it again`)}`,
        "    exit 1",
        "  fi",
        `  k annotate node "$node" '${record}='"$F" --overwrite >&2`,
        '  release "$node"',
        "  done_nodes=$((done_nodes + 1))",
        "done",
        `printf '%s\\n' "$F"`,
    ].join("\n");
}
