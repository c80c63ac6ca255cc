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
 * nodes by itself but existing nodes only through {@link shimReinstallScript}, run by a command resource when
 * {@link shimInstallFingerprint} changes.
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultDenyEgressSpec, internetEgressSpec } from "../../lib/egressPolicy";
import { createHash } from "node:crypto";
import { PROJECT } from "../../config";
import { KUBECONFIG_FROM_STDIN } from "../../lib/jobResult";
import type { ShimInstallerKind } from "../../lib/wasmNodeOs";
import type { WasmPlacement } from "../../lib/workloadDefaults";

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
 * pins the image; none is recorded: no public source gives the digests of these v0.2.0 images, and none is invented.
 * To pin them, mirror the images into the registry (`az acr import`) and record the digests the import reports.
 */
export interface ChartImage {
    repository: string;
    tag: string;
    /** `sha256:<64 hex>` of the image, when known. @default undefined (pinned by tag only) */
    digest?: string;
}
export const RCM_IMAGES: { manager: ChartImage; shimDownloader: ChartImage; nodeInstaller: ChartImage } = {
    manager: { repository: "ghcr.io/spinframework/runtime-class-manager", tag: "v0.2.0" },
    shimDownloader: { repository: "ghcr.io/spinframework/shim-downloader", tag: "v0.2.0" },
    nodeInstaller: { repository: "ghcr.io/spinframework/node-installer", tag: "v0.2.0" },
};

/** Chart values that name each image, by digest when one is given. */
export function rcmImageValues(images: typeof RCM_IMAGES) {
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
     * (shimInstaller.ts): then this component holds only the RuntimeClass. lib/wasmNodeOs.ts picks it per OS SKU.
     * @default "runtime-class-manager"
     */
    installer?: ShimInstallerKind;
    /** Namespace for runtime-class-manager. @default "runtime-class-manager" */
    namespace?: string;
    /** Resources that must exist first (the node pool). @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Kubeconfig for the shim reinstall command (non-interactive; see lib/kubeconfig.ts). Without it, a change
     * of the shim version reaches only new nodes, and existing ones need the manual steps in the README.
     * @default undefined (no reinstall command)
     */
    kubeconfig?: pulumi.Input<string>;
}

export class SpinKubeRuntime extends pulumi.ComponentResource {
    readonly runtimeClassName: pulumi.Output<string>;
    /** The Shim resource (runtime-class-manager only); workloads depend on it so they roll out after the shim is requested. */
    readonly shim?: k8s.apiextensions.CustomResource;
    /** What the nodes must run (see {@link shimInstallFingerprint}); a change reinstalls on existing nodes. */
    readonly shimFingerprint: string;

    constructor(name: string, args: SpinKubeRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:SpinKubeRuntime", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const nsName = args.namespace ?? RCM_NAMESPACE;
        this.shimFingerprint = shimInstallFingerprint(shimSpec(args.placement));

        if (args.installer === "aks-wasm-daemonset") {
            // The project's installer (a separate component, composed by Platform) labels the nodes it provisioned.
            const runtimeClass = new k8s.node.v1.RuntimeClass(`${name}-runtimeclass`, runtimeClassArgs(args.placement), { ...o, dependsOn: args.dependsOn });
            this.runtimeClassName = runtimeClass.metadata.name;
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
                values: {
                    ...rcmImageValues(RCM_IMAGES),
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                },
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
        if (args.kubeconfig !== undefined) {
            // Runs nothing on create (the nodes install what the Shim asks); on an update whose fingerprint
            // differs from the one it printed last time, reinstalls node by node (see shimReinstallScript).
            new command.local.Command(
                `${name}-shim-reinstall`,
                {
                    create: SHIM_RECORD_SCRIPT,
                    update: namespace.metadata.name.apply((ns) => shimReinstallScript({ namespace: ns, shimName: SPIN_HANDLER })),
                    stdin: pulumi.secret(args.kubeconfig),
                    environment: { SHIM_FINGERPRINT: this.shimFingerprint },
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

/** The command's `create`: nothing to reinstall yet; remember the fingerprint (stdout) for the next update. */
export const SHIM_RECORD_SCRIPT = `cat > /dev/null\nprintf '%s\\n' "$SHIM_FINGERPRINT"`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** How long one node may take to drain, and to reinstall (download, install, containerd restart). */
export const REINSTALL_TIMEOUT_SECONDS = { drain: 600, install: 600, poll: 10 } as const;

/**
 * The command's `update` (`sh -c`; kubeconfig on stdin into a private temporary file, as in LoadTest). When
 * `$SHIM_FINGERPRINT` equals the previous run's stdout (`PULUMI_COMMAND_STDOUT`, e.g. only the kubeconfig
 * changed), it does nothing. Otherwise, one node at a time, for every node carrying RCM's label:
 *
 * 1. cordon and drain it (evictions, so PodDisruptionBudgets hold): no Spin pod keeps a shim process running from
 *    the binary the installer overwrites in place (RCM-5). A failed drain uncordons the node and stops, the shim
 *    untouched;
 * 2. delete the node's install Job, `<node>-<shim>-install` cut to 63 characters: RCM server-side-applies a Job
 *    of that name, and a finished Job's pod template cannot change (RCM-2);
 * 3. remove the label: RCM's node watch reconciles the Shim and installs the current spec on the node (RCM-2);
 * 4. wait until RCM labels it `provisioned`, then uncordon. If it does not, stop with the node left cordoned, so
 *    no Wasm pod lands on a node whose shim is in doubt.
 *
 * stdout carries only the fingerprint (the command's output); progress goes to stderr.
 */
export function shimReinstallScript(args: {
    namespace: string;
    shimName: string;
    /** @default REINSTALL_TIMEOUT_SECONDS */
    timeouts?: { drain: number; install: number; poll: number };
}): string {
    for (const [what, value] of [["namespace", args.namespace], ["shimName", args.shimName]]) {
        if (!DNS_LABEL.test(value)) throw new Error(`shimReinstallScript: ${what} = ${JSON.stringify(value)}: a lower-case DNS label`);
    }
    const { namespace, shimName } = args;
    const t = args.timeouts ?? REINSTALL_TIMEOUT_SECONDS;
    return [
        ...KUBECONFIG_FROM_STDIN,
        `if [ "\${PULUMI_COMMAND_STDOUT:-}" = "$SHIM_FINGERPRINT" ]; then printf '%s\\n' "$SHIM_FINGERPRINT"; exit 0; fi`,
        'k() { kubectl --kubeconfig "$kubeconfig" "$@"; }',
        `nodes="$(k get nodes --selector '${shimName}' --output 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}')"`,
        'for node in $nodes; do',
        `  echo "shim ${shimName}: reinstalling on $node" >&2`,
        '  k cordon "$node" >&2',
        `  if ! k drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout=${t.drain}s >&2; then`,
        '    k uncordon "$node" >&2',
        `    echo "shim ${shimName}: could not drain $node; its shim is untouched" >&2`,
        "    exit 1",
        "  fi",
        `  job="$(printf '%.63s' "$node-${shimName}-install")"`,
        `  k --namespace '${namespace}' delete job "$job" --ignore-not-found --wait=true >&2`,
        `  k label node "$node" '${shimName}-' >&2`,
        "  waited=0",
        `  until [ "$(k get node "$node" --output 'jsonpath={.metadata.labels.${shimName}}')" = provisioned ]; do`,
        `    if [ "$waited" -ge ${t.install} ]; then`,
        `      echo "shim ${shimName}: $node not provisioned after ${t.install}s; left cordoned (kubectl --namespace ${namespace} logs job/$job --all-containers)" >&2`,
        "      exit 1",
        "    fi",
        `    sleep ${t.poll}`,
        `    waited=$((waited + ${t.poll}))`,
        "  done",
        '  k uncordon "$node" >&2',
        "done",
        `printf '%s\\n' "$SHIM_FINGERPRINT"`,
    ].join("\n");
}
