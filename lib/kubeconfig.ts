/**
 * AKS with Entra ID returns a kubeconfig whose user runs `kubelogin get-token --login devicecode`: interactive,
 * so `pulumi up` in CI would hang on a device-code prompt. This rewrites the exec arguments to a non-interactive
 * login mode, the documented equivalent of `kubelogin convert-kubeconfig -l <mode>`.
 * https://azure.github.io/kubelogin/concepts/login-modes.html
 */
import { parse, stringify } from "yaml";
import type { KubeloginMode } from "../config";

/** kubelogin flags that only the device-code and interactive flows take. */
const INTERACTIVE_ONLY_FLAGS = new Set(["--client-id", "--tenant-id"]);

/** Returns the exec args for `mode`, given the args AKS generated. */
export function kubeloginArgs(args: readonly string[], mode: KubeloginMode): string[] {
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (arg === "--login") {
            i++; // the old mode
            continue;
        }
        // azurecli and workloadidentity read the tenant and client from the environment (az login, or the
        // AZURE_* variables the workload identity webhook or azure/login sets); keeping the device-code
        // application's client id would make workloadidentity request a token for the wrong app.
        if (mode !== "devicecode" && INTERACTIVE_ONLY_FLAGS.has(arg)) {
            i++;
            continue;
        }
        out.push(arg);
    }
    return [...out, "--login", mode];
}

/** Rewrites every kubelogin exec user in `kubeconfig` to `mode`. Other users are left as they are. */
export function nonInteractiveKubeconfig(kubeconfig: string, mode: KubeloginMode): string {
    const config = parse(kubeconfig) as { users?: { user?: { exec?: { command?: string; args?: string[] } } }[] };
    for (const entry of config.users ?? []) {
        const exec = entry.user?.exec;
        if (exec?.command === "kubelogin" && Array.isArray(exec.args)) exec.args = kubeloginArgs(exec.args, mode);
    }
    return stringify(config);
}
