import type { execFile as nodeExecFile } from "node:child_process";

export declare const TOKEN_USER: string;
export declare const ACR_SCOPE: string;
export declare class AcrTokenError extends Error {}

type Env = Record<string, string | undefined>;
type Fetch = typeof globalThis.fetch;
type ExecFile = typeof nodeExecFile;

export declare function tokenSource(env: Env): "workload-identity" | "azure-cli";
export declare function entraAccessToken(options: { env: Env; fetch?: Fetch; readTokenFile?: (file: string) => Promise<string> }): Promise<string>;
export declare function exchangeForAcrToken(options: {
    loginServer: string;
    tenant: string;
    accessToken: string;
    fetch?: Fetch;
    registryBaseUrl?: string;
}): Promise<string>;
export declare function azureCliToken(options: { registryName: string; execFile?: ExecFile }): Promise<string>;
export declare function acrToken(options: {
    loginServer: string | undefined;
    registryName: string | undefined;
    env?: Env;
    fetch?: Fetch;
    readTokenFile?: (file: string) => Promise<string>;
    execFile?: ExecFile;
    registryBaseUrl?: string;
}): Promise<string>;
export declare function checkTokenSource(options: { env?: Env; execFile?: ExecFile; readTokenFile?: (file: string) => Promise<string> }): Promise<
    "workload-identity" | "azure-cli"
>;
