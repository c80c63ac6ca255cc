/**
 * The project's own installer of containerd-shim-spin, for the Wasm pool's containerd-2 images (Ubuntu 24.04,
 * Azure Linux 3), where runtime-class-manager writes the runtime into the section containerd 2 drops (RCM-CD2,
 * CTD-MIG). A privileged DaemonSet on the Wasm pool runs, every {@link SHIM_INSTALLER_INTERVAL_SECONDS}, a bash
 * script (in a ConfigMap) in the node's own namespaces (`nsenter` into PID 1), with the node's own tools:
 *
 * 1. the shim binary: downloads the release tarball at the pinned version, checks its sha256 against the pinned
 *    sum, extracts `containerd-shim-spin-v2` into a directory named after the version, and records the binary's
 *    sha256 (checked on every later run);
 * 2. containerd's config: `installShimRuntime` (lib/spin/containerdShimConfig.ts) in bash — one marked block in
 *    /etc/containerd/config.toml, under the CRI plugin the file declares its runtimes in; the candidate must pass
 *    `containerd config dump` with the binary path in the result (containerd 2's migration would drop a misplaced
 *    runtime), the old file is kept beside it, and containerd restarts only when the file changed or the running
 *    containerd does not report the runtime; if it still does not after the restart, the old file comes back;
 * 3. the node label `<handler>=provisioned`, set with the node's own kubelet credentials, as AKS's own node scripts
 *    do (CD2-7): the RuntimeClass schedules only there. A broken install removes the label first.
 *
 * Why a loop rather than a Job: a reimage or an auto-repair gives the node a fresh /etc/containerd/config.toml (AKS's
 * provisioning script deletes and rewrites it, CD2-6) while the Node object, and a label, may survive; the DaemonSet's
 * pod comes back with the node and repairs within one interval. Scale-out and surge upgrades get a new pod.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { PROJECT } from "../../config";
import { CRI_RUNTIME_PLUGIN, blockMarkers, shimRuntimeBlock, type ShimRuntime } from "../../lib/spin/containerdShimConfig";
import type { WasmPlacement } from "../../lib/kubernetes/workloadDefaults";
import { defaultDenyEgressSpec } from "../../lib/kubernetes/egressPolicy";

/**
 * busybox 1.37.0 (glibc), multi-arch index digest, from docker-library/repo-info
 * `repos/busybox/remote/1.37.0-glibc.md`@af9c4c03 (platform-contracts CD2-8). The container only runs `sh`, `cat`
 * and `nsenter`; everything else runs with the node's own binaries. containerd-shim-spin's own node installer is
 * built `FROM busybox` and uses its `nsenter` the same way.
 */
export const SHIM_INSTALLER_IMAGE =
    "docker.io/library/busybox:1.37.0-glibc@sha256:efa394a68601344526b8934cf3d5b11a04041db5f2b7f216fd7d37b445f88df5";

/** Where shim versions live on the node: `<root>/<version>/containerd-shim-spin-v2`. */
export const SHIM_INSTALL_ROOT = "/opt/aks-wasm/containerd-shim-spin";
/** The binary the release tarball holds (platform-contracts SHIM-7). */
export const SHIM_BINARY = "containerd-shim-spin-v2";
/** Seconds between two runs of the install script on a node. */
export const SHIM_INSTALLER_INTERVAL_SECONDS = 60;
/** Namespace of the installer: privileged, and nothing else runs there. */
export const SHIM_INSTALLER_NAMESPACE = "aks-wasm-shim-installer";

/** How long `pulumi up` waits for the installer DaemonSet's rollout before it fails, naming the unready pods. */
export const SHIM_INSTALLER_TIMEOUT_SECONDS = 900;

/** A containerd-shim-spin release: its tag and the sha256 of each tarball (as SPINKUBE_VERSIONS gives them). */
export interface ShimTarballs {
    shim: string;
    shimSha256: { x86_64: string; aarch64: string };
}

/** What the script installs and where; the paths are parameters so the test can run it in a temporary root. */
export interface ShimInstallerScriptArgs {
    release: ShimTarballs;
    /** The runtime name, i.e. the RuntimeClass handler, and the node label key. */
    handler: string;
    /** @default SHIM_INSTALL_ROOT */
    installRoot?: string;
    /** @default "/etc/containerd/config.toml" */
    containerdConfig?: string;
    /** How long to wait for containerd to report the runtime after a restart. @default 60 */
    restartWaitSeconds?: number;
    /** How long a config containerd did not load is left alone before the next try (each try restarts containerd). @default 30 */
    refusedRetryMinutes?: number;
    /** How long a run waits for another run on the same node to finish. @default 300 */
    lockWaitSeconds?: number;
    /** containerd's task state directory, where each running task's bundle names its shim binary (CD2-15). @default "/run/containerd/io.containerd.runtime.v2.task" */
    taskStateDir?: string;
}

const VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The runtime a release becomes on a node: its versioned binary path, with SystemdCgroup (RCM's setting too). */
export function shimRuntime(args: Pick<ShimInstallerScriptArgs, "release" | "handler" | "installRoot">): ShimRuntime {
    return { handler: args.handler, binaryPath: `${args.installRoot ?? SHIM_INSTALL_ROOT}/${args.release.shim}/${SHIM_BINARY}`, systemdCgroup: true };
}

/** A bash ANSI-C quoted string (`$'…'`) holding exactly `s`. */
function bashQuote(s: string): string {
    return `$'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}

/**
 * The node script (bash). Modes, as its first argument:
 * - `config-install FILE` / `config-uninstall FILE`: print FILE with the block added / removed (what
 *   `installShimRuntime` / `uninstallShimRuntime` return; the test holds them to it);
 * - `node-install` (the DaemonSet's): binary, config, restart, label, as described above;
 * - `node-uninstall`: label off, block out, containerd restarted, binaries removed (docs/wasm-runtime.md).
 */
export function shimInstallerScript(args: ShimInstallerScriptArgs): string {
    const { release, handler } = args;
    if (!VERSION.test(release.shim)) throw new Error(`shimInstallerScript: shim version ${JSON.stringify(release.shim)}: vMAJOR.MINOR.PATCH`);
    for (const [arch, sum] of Object.entries(release.shimSha256)) {
        if (!SHA256.test(sum)) throw new Error(`shimInstallerScript: sha256 of ${arch} ${JSON.stringify(sum)}: 64 lower-case hex digits`);
    }
    const wait = args.restartWaitSeconds ?? 60;
    const refusedMinutes = args.refusedRetryMinutes ?? 30;
    const lockWait = args.lockWaitSeconds ?? 300;
    if (!Number.isInteger(lockWait) || lockWait < 1) throw new Error(`shimInstallerScript: lockWaitSeconds ${lockWait}: a whole number of seconds, at least 1`);
    if (!Number.isInteger(refusedMinutes) || refusedMinutes < 1) throw new Error(`shimInstallerScript: refusedRetryMinutes ${refusedMinutes}: a whole number of minutes, at least 1`);
    if (!Number.isInteger(wait) || wait < 1) throw new Error(`shimInstallerScript: restartWaitSeconds ${wait}: a whole number of seconds, at least 1`);
    const runtime = shimRuntime(args);
    const root = args.installRoot ?? SHIM_INSTALL_ROOT;
    const conf = args.containerdConfig ?? "/etc/containerd/config.toml";
    const m = blockMarkers(handler);
    const url = `https://github.com/spinframework/containerd-shim-spin/releases/download/${release.shim}/${SHIM_BINARY}-linux-`;
    return `#!/usr/bin/env bash
# aks-wasm shim installer (generated by components/platform/shimInstaller.ts; docs/wasm-runtime.md).
set -euo pipefail
# The node's own tools (nsenter keeps the container's PATH); AKS keeps kubectl in /opt/bin (CD2-7).
export PATH="\${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}:/opt/bin"
HANDLER=${bashQuote(handler)}
CONF=${bashQuote(conf)}
ROOT=${bashQuote(root)}
INSTALL_DIR=${bashQuote(`${root}/${release.shim}`)}
TASK_STATE=${bashQuote(args.taskStateDir ?? "/run/containerd/io.containerd.runtime.v2.task")}
BINARY=${bashQuote(runtime.binaryPath)}
BEGIN_MARK=${bashQuote(m.begin)}
END_MARK=${bashQuote(m.end)}
NEWLINE_FLAG=${bashQuote(m.newlineFlag)}
# The block for each CRI plugin, as lib/spin/containerdShimConfig.ts writes it (without the newline flag).
BLOCK_CONTAINERD2=${bashQuote(shimRuntimeBlock(runtime, CRI_RUNTIME_PLUGIN.containerd2))}
BLOCK_CONTAINERD17=${bashQuote(shimRuntimeBlock(runtime, CRI_RUNTIME_PLUGIN.containerd17))}

fail() { printf 'shim installer: %s\\n' "$*" >&2; exit 1; }
log() { printf 'shim installer: %s\\n' "$*" >&2; }

# The exact bytes of a file (command substitution would drop final newlines).
read_file() { REPLY="$(cat -- "$1"; printf x)"; REPLY="\${REPLY%x}"; }

strip_block() {
  local c="$1"
  if [[ "$c" != *"$BEGIN_MARK"* ]]; then REPLY="$c"; return 0; fi
  local before="\${c%%"$BEGIN_MARK"*}"
  if [[ -n "$before" && "$before" != *$'\\n' ]]; then fail "the marker \\"$BEGIN_MARK\\" is not at the start of a line"; fi
  local rest="\${c#*"$BEGIN_MARK"}"
  if [[ "$rest" != *"$END_MARK"$'\\n'* ]]; then fail "the block \\"$BEGIN_MARK\\" has no \\"$END_MARK\\" line"; fi
  local begin_line="\${rest%%$'\\n'*}"
  local after="\${rest#*"$END_MARK"$'\\n'}"
  if [[ "$begin_line" == *"$NEWLINE_FLAG" ]]; then before="\${before%$'\\n'}"; fi
  REPLY="$before$after"
}

runtime_plugin() {
  if grep -Eq '^[[:blank:]]*\\[plugins\\."io\\.containerd\\.cri\\.v1\\.runtime"\\.containerd[].]' <<<"$1"; then echo containerd2
  elif grep -Eq '^[[:blank:]]*\\[plugins\\."io\\.containerd\\.grpc\\.v1\\.cri"\\.containerd[].]' <<<"$1"; then echo containerd17
  fi
}

install_config() {
  strip_block "$1"; local base="$REPLY"
  if [[ "$base" == *"$BEGIN_MARK"* ]]; then fail "more than one aks-wasm block for this handler"; fi
  if grep -Eq "containerd\\.runtimes\\.(\\"?)$HANDLER(\\"?)[].]" <<<"$base"; then
    fail "containerd's config already declares a runtime \\"$HANDLER\\" outside the aks-wasm block; remove it first"
  fi
  local block
  case "$(runtime_plugin "$base")" in
    containerd2) block="$BLOCK_CONTAINERD2" ;;
    containerd17) block="$BLOCK_CONTAINERD17" ;;
    *) fail "containerd's config declares no CRI runtimes (no io.containerd.cri.v1.runtime or io.containerd.grpc.v1.cri containerd table)" ;;
  esac
  if [[ -n "$base" && "$base" != *$'\\n' ]]; then
    REPLY="$base"$'\\n'"$BEGIN_MARK$NEWLINE_FLAG\${block#"$BEGIN_MARK"}"
  else
    REPLY="$base$block"
  fi
}

# Bounded: an API server that does not answer fails the call after 30 s instead of hanging the loop.
kubectl_node() {
  local k; k="$(command -v kubectl || echo /opt/bin/kubectl)"
  "$k" --kubeconfig /var/lib/kubelet/kubeconfig --request-timeout=30s "$@"
}
label_value() { kubectl_node get node "$NODE_NAME" --output "jsonpath={.metadata.labels.$HANDLER}"; }
# A label the script cannot read is treated as present: it is removed, and the run stops if that fails too (the label
# says "the runtime is loaded here"; nothing may change containerd while it may still say so).
label_off() {
  local value
  value="$(label_value)" || value="(unreadable)"
  if [[ -n "$value" ]]; then
    log "removing label $HANDLER from $NODE_NAME"
    kubectl_node label node "$NODE_NAME" "$HANDLER-" >&2 || fail "cannot remove label $HANDLER from $NODE_NAME"
  fi
}
label_on() {
  if [[ "$(label_value)" != provisioned ]]; then kubectl_node label node "$NODE_NAME" "$HANDLER=provisioned" --overwrite >&2; fi
}

# Whether the running containerd reports the runtime (its CRI status carries the loaded config). The output is
# captured first: with pipefail, \`… | grep -q\` fails when grep's early exit kills the writer with SIGPIPE.
runtime_loaded() {
  local info
  info="$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock info 2>/dev/null)" || return 1
  grep -Fq "$BINARY" <<<"$info"
}

restart_and_wait() {
  systemctl restart containerd
  local waited=0
  # Bounded: the containerd unit restarts in seconds; a runtime still missing then means the config was not taken.
  until runtime_loaded; do
    if [[ "$waited" -ge ${wait} ]]; then return 1; fi
    sleep 2; waited=$((waited + 2))
  done
}

ensure_binary() {
  if [[ -x "$BINARY" && -f "$INSTALL_DIR/binary.sha256" ]] && (cd "$INSTALL_DIR" && sha256sum --status -c binary.sha256); then return 0; fi
  label_off
  local arch sha
  arch="$(uname -m)"
  case "$arch" in
    x86_64) sha=${bashQuote(release.shimSha256.x86_64)} ;;
    aarch64) sha=${bashQuote(release.shimSha256.aarch64)} ;;
    *) fail "no containerd-shim-spin tarball for $arch" ;;
  esac
  mkdir -p "$ROOT"
  rm -rf "$ROOT"/.tmp.*
  local tmp; tmp="$(mktemp -d "$ROOT/.tmp.XXXXXX")"
  log "downloading ${url}$arch.tar.gz"
  # HTTPS only, redirects included (GitHub redirects release assets); the sha256 below is what makes it trusted.
  curl -fsSL --proto =https --proto-redir =https --retry 5 --retry-delay 5 --connect-timeout 20 --max-time 300 -o "$tmp/shim.tar.gz" "${url}$arch.tar.gz" || { rm -rf "$tmp"; fail "download failed"; }
  printf '%s  %s\\n' "$sha" "$tmp/shim.tar.gz" | sha256sum --status -c - || { rm -rf "$tmp"; fail "the tarball's sha256 is not the pinned $sha"; }
  tar -xzf "$tmp/shim.tar.gz" -C "$tmp" ${SHIM_BINARY} || { rm -rf "$tmp"; fail "the tarball holds no ${SHIM_BINARY}"; }
  rm -f "$tmp/shim.tar.gz"
  chmod 0755 "$tmp" "$tmp/${SHIM_BINARY}"
  (cd "$tmp" && sha256sum ${SHIM_BINARY} > binary.sha256)
  rm -rf "$INSTALL_DIR"
  mv "$tmp" "$INSTALL_DIR"
  log "installed $BINARY"
}

# The file without our block, or nothing when it cannot be read as one (a half-written copy).
stripped() { ( strip_block "$1" && printf '%sx' "$REPLY" ) 2>/dev/null; }

# Puts back the file containerd ran before this installer's last change, atomically (a kill leaves either file, never
# half of one): the backup when it is the same AKS file as the current one apart from our block (an upgrade's
# previous version), else the current file without our block. Used when containerd does not load the runtime, also
# when the change was written by an earlier run that was killed before it restarted containerd.
restore_previous() {
  read_file "$CONF"; local current="$REPLY" previous
  previous="$(stripped "$current")" || fail "cannot read our block in $CONF; restore it by hand from $CONF.aks-wasm.bak"
  previous="\${previous%x}"
  if [[ -f "$CONF.aks-wasm.bak" ]]; then
    read_file "$CONF.aks-wasm.bak"; local backup="$REPLY" base
    if base="$(stripped "$backup")" && [[ "\${base%x}" == "$previous" ]]; then previous="$backup"; fi
  fi
  if [[ "$previous" != "$current" ]]; then
    printf '%s' "$previous" > "$CONF.aks-wasm.new"
    mv -f "$CONF.aks-wasm.new" "$CONF"
    systemctl restart containerd || true
  fi
}

# A candidate containerd did not load is not tried again for REFUSED_MINUTES: each try restarts containerd twice,
# and every pod on the node feels that (probes, pod starts). The marker holds the candidate's sha256.
REFUSED_MINUTES=${refusedMinutes}
refused_recently() {
  [[ -f "$ROOT/.refused" && "$(cat "$ROOT/.refused")" == "$1" ]] && [[ -n "$(find "$ROOT/.refused" -mmin -"$REFUSED_MINUTES")" ]]
}

ensure_config() {
  read_file "$CONF"; local current="$REPLY"
  install_config "$current"; local wanted="$REPLY"
  local changed=false candidate
  candidate="$(printf '%s' "$wanted" | sha256sum)"; candidate="\${candidate%% *}"
  if [[ "$wanted" != "$current" ]] || ! runtime_loaded; then
    if refused_recently "$candidate"; then
      label_off
      fail "containerd did not load this config less than $REFUSED_MINUTES minutes ago; not restarting it again yet (delete $ROOT/.refused to retry now)"
    fi
  fi
  if [[ "$wanted" != "$current" ]]; then
    label_off
    printf '%s' "$wanted" > "$CONF.aks-wasm.new"
    local dump=""
    dump="$(containerd --config "$CONF.aks-wasm.new" config dump 2>&1)" || dump=""
    if ! grep -Fq "$BINARY" <<<"$dump"; then
      rm -f "$CONF.aks-wasm.new"
      fail "containerd refuses the new config, or drops the runtime from it (containerd --config $CONF.aks-wasm.new config dump); $CONF is untouched"
    fi
    cp -p "$CONF" "$CONF.aks-wasm.bak.new"
    mv -f "$CONF.aks-wasm.bak.new" "$CONF.aks-wasm.bak"
    mv -f "$CONF.aks-wasm.new" "$CONF"
    changed=true
    log "registered runtime $HANDLER in $CONF (previous file: $CONF.aks-wasm.bak)"
  fi
  if [[ "$changed" == true ]] || ! runtime_loaded; then
    label_off
    if ! restart_and_wait; then
      printf '%s' "$candidate" > "$ROOT/.refused"
      restore_previous
      fail "containerd does not report runtime $HANDLER after a restart; the previous $CONF is back (next try in $REFUSED_MINUTES minutes)"
    fi
    rm -f "$ROOT/.refused"
  fi
}

# Whether a running task's bundle names a binary in this version directory. containerd writes a custom shim path to
# <task state>/<namespace>/<id>/shim-binary-path and, on every start, stats it: a task whose binary is gone has its
# bundle deleted and is lost (CD2-15). Pods are not restarted by a shim upgrade, so an old version stays while used.
version_in_use() {
  local f
  for f in "$TASK_STATE"/*/*/shim-binary-path; do
    [[ -f "$f" ]] || continue
    [[ "$(cat -- "$f")" == "$1"/* ]] && return 0
  done
  return 1
}

# Removes the version directories no running task uses (all but the current one when KEEP is set); prints those kept.
remove_unused_versions() {
  local d kept=""
  for d in "$ROOT"/*/; do
    d="\${d%/}"
    [[ -d "$d" ]] || continue
    [[ -n "\${1:-}" && "$d" == "$1" ]] && continue
    if version_in_use "$d"; then kept="$kept $d"; continue; fi
    rm -rf "$d" && log "removed $d"
  done
  REPLY="\${kept# }"
}

remove_other_versions() {
  rm -rf "$ROOT"/.tmp.*
  remove_unused_versions "$INSTALL_DIR"
  if [[ -n "$REPLY" ]]; then log "kept $REPLY: running containers use it (removed on a later run once they are gone)"; fi
  return 0
}

# One run at a time on a node: a DaemonSet pod being replaced (hostPID: its script runs in the node's PID namespace
# and may outlive the container briefly) and its successor, or a hand-run node-uninstall beside the DaemonSet.
# Bounded: a run that cannot get the lock within 5 minutes fails and the loop tries again.
take_lock() {
  mkdir -p "$(dirname -- "$ROOT")"
  exec 9>"$ROOT.lock"
  flock -w ${lockWait} 9 || fail "another run of the installer holds $ROOT.lock"
}

node_install() {
  : "\${NODE_NAME:?NODE_NAME is not set}"
  take_lock
  # Whatever stops the run, the node is not left labelled as able to run the shim (best effort: the API may be away).
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then label_off || true; fi; exit $rc' EXIT
  ensure_binary
  ensure_config
  label_on
  remove_other_versions
}

node_uninstall() {
  : "\${NODE_NAME:?NODE_NAME is not set}"
  take_lock
  label_off
  read_file "$CONF"; local current="$REPLY"
  strip_block "$current"
  if [[ "$REPLY" != "$current" ]]; then
    printf '%s' "$REPLY" > "$CONF.aks-wasm.new"
    mv -f "$CONF.aks-wasm.new" "$CONF"
    systemctl restart containerd
  fi
  rm -f "$CONF.aks-wasm.bak" "$CONF.aks-wasm.bak.new" "$CONF.aks-wasm.new"
  remove_unused_versions ""
  if [[ -n "$REPLY" ]]; then
    fail "kept $REPLY: running Wasm containers use it (containerd would lose them on its next start); drain the node and run node-uninstall again"
  fi
  rm -rf "$ROOT" "$ROOT.lock"
}

case "\${1:-node-install}" in
  config-install) read_file "$2"; install_config "$REPLY"; printf '%s' "$REPLY" ;;
  config-uninstall) read_file "$2"; strip_block "$REPLY"; printf '%s' "$REPLY" ;;
  node-install) node_install ;;
  node-uninstall) node_uninstall ;;
  *) fail "unknown mode \${1}: config-install FILE, config-uninstall FILE, node-install, node-uninstall" ;;
esac
`;
}

/**
 * The container's command (busybox `sh`): run the node script in the node's namespaces (PID 1's, `hostPID`), mark
 * the pod ready when it succeeded, and again after {@link SHIM_INSTALLER_INTERVAL_SECONDS}. SIGTERM ends it at once.
 */
export function installerLoop(scriptPath: string, intervalSeconds = SHIM_INSTALLER_INTERVAL_SECONDS): string {
    return [
        "trap 'exit 0' TERM INT",
        "while :; do",
        `  if nsenter --target 1 --mount --uts --ipc --net --pid -- bash -s node-install < ${scriptPath}; then touch /tmp/installed; else rm -f /tmp/installed; fi`,
        `  sleep ${intervalSeconds} & wait $!`,
        "done",
    ].join("\n");
}

export interface ShimInstallerArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** Placement of the Wasm pool: the DaemonSet runs on exactly these nodes (its selector and toleration). */
    placement: WasmPlacement;
    /** The shim release to install. */
    release: ShimTarballs;
    /** Runtime name and node label key (the RuntimeClass handler). */
    handler: string;
    /** Namespace of the DaemonSet. @default SHIM_INSTALLER_NAMESPACE */
    namespace?: string;
    /** Resources that must exist first (the node pool). @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class ShimInstaller extends pulumi.ComponentResource {
    /** The DaemonSet; `pulumi up` waits until its pod is ready on every Wasm node, i.e. the shim is installed there. */
    readonly daemonSet: k8s.apps.v1.DaemonSet;
    /** sha256 of the node script: a change rolls the DaemonSet, node by node. */
    readonly scriptDigest: string;

    constructor(name: string, args: ShimInstallerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:ShimInstaller", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const script = shimInstallerScript({ release: args.release, handler: args.handler });
        this.scriptDigest = createHash("sha256").update(script).digest("hex");
        const labels = { "app.kubernetes.io/name": "shim-installer", "app.kubernetes.io/part-of": PROJECT };

        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: args.namespace ?? SHIM_INSTALLER_NAMESPACE,
                    // The installer is privileged, shares the node's PID namespace and edits containerd's config:
                    // this namespace must admit privileged pods, and holds nothing else.
                    labels: { "pod-security.kubernetes.io/enforce": "privileged", "app.kubernetes.io/part-of": PROJECT },
                },
            },
            { ...o, dependsOn: args.dependsOn },
        );

        // Default-deny egress for the pod itself (TRUST-8): its work runs in the node's network namespace
        // (`nsenter --net` into PID 1), which NetworkPolicy does not govern, so the pod needs no egress of its own.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny-egress`,
            { metadata: { name: "default-deny-egress", namespace: namespace.metadata.name, labels: { "app.kubernetes.io/part-of": PROJECT } }, spec: defaultDenyEgressSpec() },
            o,
        );

        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            {
                metadata: { namespace: namespace.metadata.name, labels },
                // Immutable, under a generated name: a new script is a new ConfigMap and a new DaemonSet revision, so
                // it reaches the nodes one by one (maxUnavailable 1). A mutable one would be re-read by every pod's
                // next loop within a minute, all nodes at once, and could be edited in place without a rollout.
                immutable: true,
                data: { "install.sh": script, "loop.sh": installerLoop("/scripts/install.sh") },
            },
            o,
        );

        this.daemonSet = new k8s.apps.v1.DaemonSet(
            `${name}-ds`,
            {
                metadata: { name: "shim-installer", namespace: namespace.metadata.name, labels },
                spec: {
                    selector: { matchLabels: labels },
                    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                    template: {
                        metadata: { labels, annotations: { "aks-wasm/script-sha256": this.scriptDigest } },
                        spec: {
                            nodeSelector: args.placement.nodeSelector,
                            tolerations: args.placement.tolerations,
                            hostPID: true,
                            // It calls the API server with the node's own kubelet credentials (its own Node only);
                            // a ServiceAccount token would be a second, broader identity on every Wasm node.
                            automountServiceAccountToken: false,
                            terminationGracePeriodSeconds: 10,
                            containers: [
                                {
                                    name: "installer",
                                    image: SHIM_INSTALLER_IMAGE,
                                    command: ["sh", "/scripts/loop.sh"],
                                    env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                                    securityContext: { privileged: true },
                                    // The script runs in the container's cgroup: curl, tar and sha256sum count here.
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "256Mi" } },
                                    readinessProbe: { exec: { command: ["test", "-f", "/tmp/installed"] }, periodSeconds: 5 },
                                    volumeMounts: [{ name: "scripts", mountPath: "/scripts", readOnly: true }],
                                },
                            ],
                            volumes: [{ name: "scripts", configMap: { name: scripts.metadata.name } }],
                        },
                    },
                },
            },
            // Bounded: a node that cannot install (download refused, containerd refusing the config) fails the
            // update after 15 minutes with the DaemonSet's unready pods named.
            { ...o, customTimeouts: { create: `${SHIM_INSTALLER_TIMEOUT_SECONDS}s`, update: `${SHIM_INSTALLER_TIMEOUT_SECONDS}s` } },
        );

        this.registerOutputs({ scriptDigest: this.scriptDigest });
    }
}
