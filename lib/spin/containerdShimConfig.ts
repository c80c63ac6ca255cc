/**
 * The edit the shim installer makes to a node's containerd configuration, as pure functions: `installShimRuntime`
 * adds one marked block that registers containerd-shim-spin as a CRI runtime, `uninstallShimRuntime` removes it and
 * gives back the original bytes. The node script (components/platform/shimInstaller.ts, `shimInstallerScript`)
 * does the same edit in bash; test/containerdShimConfig.test.ts runs that script on AgentBaker's configurations and
 * asserts it writes exactly what these functions return.
 *
 * Where the block goes (platform-contracts CD2-1 … CD2-5):
 * - AKS writes one file, /etc/containerd/config.toml, headed `version = 2`, and declares no `imports`; containerd
 *   2.2/2.3 follow only the `imports` a loaded file declares, so /etc/containerd/conf.d is not read on AKS (CD2-3).
 *   The block therefore goes into the main file, appended at its end (a new TOML table; nothing above it changes).
 * - The section is the CRI plugin under which the file already declares its runtimes (`runc`, the default runtime
 *   every pod on the node uses): `io.containerd.cri.v1.runtime` on containerd-2 images (Ubuntu 24.04, Azure Linux
 *   3), `io.containerd.grpc.v1.cri` on Ubuntu 22.04 (containerd 1.7). containerd 2 reads a version-2 file's
 *   `io.containerd.cri.v1.runtime` table as written, and its migration copies `io.containerd.grpc.v1.cri` runtimes
 *   only where the new section has none (CD2-2, CTD-MIG): a runtime beside `runc` is read, one under the old name is
 *   dropped. That is the check runtime-class-manager gets wrong (it looks for the text `version = 3`, RCM-CD2).
 * - The runtime's `runtime_type` is the absolute path of the shim binary; containerd 2.2/2.3 and 1.7 run an absolute
 *   `runtime_type` as the shim binary (CD2-4). The path carries the shim version, so an upgrade writes a new file
 *   and a new block instead of rewriting a binary running shims execute.
 */

/** containerd's CRI plugin names, by the containerd line that reads its runtimes there. */
export const CRI_RUNTIME_PLUGIN = {
    /** containerd 2.x: the CRI runtime service (`plugins/cri/runtime`). */
    containerd2: "io.containerd.cri.v1.runtime",
    /** containerd 1.7: the CRI plugin (and what containerd 2 migrates from). */
    containerd17: "io.containerd.grpc.v1.cri",
} as const;
export type CriRuntimePlugin = (typeof CRI_RUNTIME_PLUGIN)[keyof typeof CRI_RUNTIME_PLUGIN];

/** The runtime the block registers. */
export interface ShimRuntime {
    /** Runtime name in containerd's config: the RuntimeClass handler (`spin-v2`). */
    handler: string;
    /** Absolute path of the shim binary on the node. */
    binaryPath: string;
    /** Pass `SystemdCgroup = true` to the shim (pod CPU metrics need it: containerd-shim-spin #180). */
    systemdCgroup: boolean;
}

const HANDLER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BINARY_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** The marker lines; the node script uses the same text (it is generated from these). */
export function blockMarkers(handler: string): { begin: string; end: string; newlineFlag: string } {
    return {
        begin: `# BEGIN aks-wasm shim runtime ${handler}`,
        end: `# END aks-wasm shim runtime ${handler}`,
        // On the BEGIN line when the original file did not end with a newline and the install added one before the
        // block: uninstall then removes that newline too, so the original comes back byte for byte.
        newlineFlag: " (added a final newline)",
    };
}

/**
 * The CRI plugin whose runtimes the file declares: containerd 2's when any table of it is in the file, else
 * containerd 1.7's, else none (the installer then refuses: it does not know where this containerd reads runtimes).
 * The same two tests as the node script's `grep -Eq`.
 */
export function runtimePluginOf(config: string): CriRuntimePlugin | undefined {
    for (const plugin of [CRI_RUNTIME_PLUGIN.containerd2, CRI_RUNTIME_PLUGIN.containerd17]) {
        const escaped = plugin.replace(/\./g, "\\.");
        if (new RegExp(`^[ \\t]*\\[plugins\\."${escaped}"\\.containerd[\\].]`, "m").test(config)) return plugin;
    }
    return undefined;
}

/** The block, from its BEGIN line to its END line and that line's newline. */
export function shimRuntimeBlock(runtime: ShimRuntime, plugin: CriRuntimePlugin, options: { addedNewline?: boolean } = {}): string {
    checkRuntime(runtime);
    const m = blockMarkers(runtime.handler);
    const table = `plugins."${plugin}".containerd.runtimes.${runtime.handler}`;
    return [
        `${m.begin}${options.addedNewline ? m.newlineFlag : ""}`,
        "# Written by the aks-wasm shim installer DaemonSet; it rewrites or removes this block. Do not edit.",
        `[${table}]`,
        `  runtime_type = "${runtime.binaryPath}"`,
        ...(runtime.systemdCgroup ? [`[${table}.options]`, "  SystemdCgroup = true"] : []),
        m.end,
        "",
    ].join("\n");
}

/** A problem the installer refuses to write over; the node script exits with the same words. */
export class ShimConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ShimConfigError";
    }
}

/** The file with our block removed (the original bytes), or the file itself when it has no block. */
export function uninstallShimRuntime(config: string, handler: string): string {
    const m = blockMarkers(handler);
    const at = config.indexOf(m.begin);
    if (at < 0) return config;
    if (at > 0 && config[at - 1] !== "\n") throw new ShimConfigError(`the marker "${m.begin}" is not at the start of a line`);
    const endAt = config.indexOf(`${m.end}\n`, at);
    if (endAt < 0) throw new ShimConfigError(`the block "${m.begin}" has no "${m.end}" line`);
    const beginLine = config.slice(at, config.indexOf("\n", at));
    const before = beginLine.endsWith(m.newlineFlag) ? config.slice(0, at - 1) : config.slice(0, at);
    return before + config.slice(endAt + m.end.length + 1);
}

/**
 * The file with the runtime registered: any block of ours is replaced by the current one at the end of the file
 * (idempotent: installing twice gives the same bytes). Refuses a file that declares the handler outside our block
 * (another installer's runtime, e.g. runtime-class-manager's, which a second table of the same name would break) or
 * declares no CRI runtimes at all.
 */
export function installShimRuntime(config: string, runtime: ShimRuntime): string {
    checkRuntime(runtime);
    const base = uninstallShimRuntime(config, runtime.handler);
    if (base.includes(blockMarkers(runtime.handler).begin)) throw new ShimConfigError("more than one aks-wasm block for this handler");
    if (declaresRuntime(base, runtime.handler)) {
        throw new ShimConfigError(`containerd's config already declares a runtime "${runtime.handler}" outside the aks-wasm block; remove it first`);
    }
    const plugin = runtimePluginOf(base);
    if (!plugin) throw new ShimConfigError("containerd's config declares no CRI runtimes (no io.containerd.cri.v1.runtime or io.containerd.grpc.v1.cri containerd table)");
    const addedNewline = base !== "" && !base.endsWith("\n");
    return base + (addedNewline ? "\n" : "") + shimRuntimeBlock(runtime, plugin, { addedNewline });
}

/** Whether a `…containerd.runtimes.<handler>` table (quoted or not) appears in the file. */
export function declaresRuntime(config: string, handler: string): boolean {
    return new RegExp(`containerd\\.runtimes\\.("?)${handler}("?)[\\].]`).test(config);
}

function checkRuntime(runtime: ShimRuntime): void {
    if (!HANDLER.test(runtime.handler)) throw new ShimConfigError(`handler ${JSON.stringify(runtime.handler)}: a lower-case DNS label`);
    if (!BINARY_PATH.test(runtime.binaryPath)) throw new ShimConfigError(`binaryPath ${JSON.stringify(runtime.binaryPath)}: an absolute path of letters, digits, '.', '_', '-' and '/'`);
}
