/**
 * AKS with Entra ID returns a kubeconfig whose user runs `kubelogin get-token --login devicecode`: interactive,
 * so `pulumi up` in CI would hang on a device-code prompt. This rewrites the exec arguments to a non-interactive
 * login mode, the documented equivalent of `kubelogin convert-kubeconfig -l <mode>`.
 * https://azure.github.io/kubelogin/concepts/login-modes.html
 *
 * One kubeconfig for laptops and CI. The mode written here is the stack's `kubeloginMode` (default `azurecli`, for
 * a person after `az login`), and it is the same whoever runs `pulumi up`, so the Kubernetes provider's kubeconfig
 * (and the state) does not flip between CI and laptop runs. CI switches the login per process instead:
 * kubelogin's `get-token` reads AAD_LOGIN_METHOD after its flags and lets it win over `--login`, and in
 * `workloadidentity` mode takes AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE from the
 * environment (Azure/kubelogin pkg/internal/token/options.go `UpdateFromEnv` @v0.2.19; platform-contracts
 * KUBELOGIN-1, -2). Every `get-token` is a new process that reads the token file afresh (KUBELOGIN-3), and the
 * exec plugin inherits the environment of the process that runs it: the Kubernetes provider (which Pulumi starts
 * with its own environment, CMD-3) and `kubectl` in the load test's command (CMD-1, KUBELOGIN-4). Two things in a
 * kubeconfig could defeat that override, so this removes them: `--disable-environment-override`, and exec `env`
 * entries for those variables (client-go appends them after the inherited environment, so they would win).
 */
import { parse, stringify } from "yaml";
import type { KubeloginMode } from "../../config/types";

/** kubelogin flags that only the device-code and interactive flows take. */
const INTERACTIVE_ONLY_FLAGS = new Set(["--client-id", "--tenant-id"]);
/** Turns kubelogin's environment override off (KUBELOGIN-1): CI's AAD_LOGIN_METHOD would be ignored. */
const DISABLE_ENV_OVERRIDE = "--disable-environment-override";
/**
 * Variables kubelogin reads for its login (pkg/internal/env/variables.go @v0.2.19). The kubeconfig must not pin
 * them: they belong to the environment of whoever runs the exec plugin.
 */
export const KUBELOGIN_LOGIN_VARIABLES: readonly string[] = [
    "AAD_LOGIN_METHOD",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AAD_SERVICE_PRINCIPAL_CLIENT_ID",
];

/** Returns the exec args for `mode`, given the args AKS generated. */
export function kubeloginArgs(args: readonly string[], mode: KubeloginMode): string[] {
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (arg === "--login" || arg === "-l") {
            i++; // the old mode
            continue;
        }
        if (arg.startsWith("--login=") || arg === DISABLE_ENV_OVERRIDE || arg.startsWith(`${DISABLE_ENV_OVERRIDE}=`)) continue;
        // azurecli and workloadidentity read the tenant and client from the environment (az login, or the
        // AZURE_* variables the workload identity webhook or the workflow sets); keeping the device-code
        // application's client id would make workloadidentity request a token for the wrong app.
        if (mode !== "devicecode" && INTERACTIVE_ONLY_FLAGS.has(arg)) {
            i++;
            continue;
        }
        out.push(arg);
    }
    return [...out, "--login", mode];
}

interface ExecConfig {
    command?: string;
    args?: string[];
    env?: { name?: string; value?: string }[] | null;
}

/** Rewrites every kubelogin exec user in `kubeconfig` to `mode`. Other users are left as they are. */
export function nonInteractiveKubeconfig(kubeconfig: string, mode: KubeloginMode): string {
    const config = parse(kubeconfig) as { users?: { user?: { exec?: ExecConfig } }[] };
    for (const entry of config.users ?? []) {
        const exec = entry.user?.exec;
        if (exec?.command !== "kubelogin" || !Array.isArray(exec.args)) continue;
        exec.args = kubeloginArgs(exec.args, mode);
        if (Array.isArray(exec.env)) {
            const kept = exec.env.filter((e) => !KUBELOGIN_LOGIN_VARIABLES.includes(e?.name ?? ""));
            exec.env = kept.length > 0 ? kept : null;
        }
    }
    return stringify(config);
}

/** The login `kubelogin get-token` ends up with. */
export interface KubeloginLogin {
    method: string;
    serverId?: string;
    clientId?: string;
    tenantId?: string;
    federatedTokenFile?: string;
}

/**
 * What `kubelogin get-token <args>` (v0.2.19) resolves for its login from its flags and `env`: flags first, then
 * `UpdateFromEnv` (pkg/cmd/token.go calls it before Validate), which overwrites the client and tenant from
 * AZURE_CLIENT_ID / AZURE_TENANT_ID, the method from AAD_LOGIN_METHOD, and in workloadidentity mode the token file
 * from AZURE_FEDERATED_TOKEN_FILE; none of it with `--disable-environment-override`. A model of upstream code
 * (pkg/internal/token/options.go), kept to the fields this stack relies on, so a test can check the kubeconfig
 * this file writes against the environment CI provides.
 */
export function kubeloginLogin(args: readonly string[], env: Readonly<Record<string, string | undefined>>): KubeloginLogin {
    const flag = (name: string): string | undefined => {
        let value: string | undefined;
        for (let i = 0; i < args.length; i++) {
            if (args[i] === name) value = args[i + 1];
            else if (args[i].startsWith(`${name}=`)) value = args[i].slice(name.length + 1);
        }
        return value;
    };
    const login: KubeloginLogin = {
        method: flag("--login") ?? flag("-l") ?? "devicecode",
        serverId: flag("--server-id"),
        clientId: flag("--client-id"),
        tenantId: flag("--tenant-id"),
        federatedTokenFile: flag("--federated-token-file"),
    };
    const disabled = args.some((a) => a === DISABLE_ENV_OVERRIDE || (a.startsWith(`${DISABLE_ENV_OVERRIDE}=`) && a !== `${DISABLE_ENV_OVERRIDE}=false`));
    if (disabled) return login;
    const has = (name: string) => Object.prototype.hasOwnProperty.call(env, name) && env[name] !== undefined;
    if (has("AAD_SERVICE_PRINCIPAL_CLIENT_ID")) login.clientId = env.AAD_SERVICE_PRINCIPAL_CLIENT_ID;
    if (has("AZURE_CLIENT_ID")) login.clientId = env.AZURE_CLIENT_ID;
    if (has("AZURE_TENANT_ID")) login.tenantId = env.AZURE_TENANT_ID;
    if (has("AAD_LOGIN_METHOD")) login.method = env.AAD_LOGIN_METHOD!;
    if (login.method === "workloadidentity" && has("AZURE_FEDERATED_TOKEN_FILE")) login.federatedTokenFile = env.AZURE_FEDERATED_TOKEN_FILE;
    return login;
}

/** The kubelogin exec args of the first kubelogin user in `kubeconfig`, or undefined. */
export function kubeloginExecArgs(kubeconfig: string): string[] | undefined {
    const config = parse(kubeconfig) as { users?: { user?: { exec?: ExecConfig } }[] };
    return config.users?.map((u) => u.user?.exec).find((e) => e?.command === "kubelogin")?.args;
}
