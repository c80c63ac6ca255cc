// A fresh Azure Container Registry token for the identity running `pulumi up`, printed to stdout (and nothing
// else), for `spin registry login --password-stdin` (scripts/acr-login.sh) and for the docker-build Image's
// registry password (components/app/containerImage.ts, through the command provider's `local.run`).
//
// Plain CommonJS with no dependencies, so that a shell script can run it with `node` before any TypeScript
// loader exists, and the program can import it (types in acrToken.d.cts).
//
// Two sources, chosen by the environment:
//  - workload identity (CI): AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID set. The federated
//    token is read from its file at every call (the workflow keeps the file fresh), exchanged for an Entra ID
//    access token for ACR by the client-assertion grant (platform-contracts ACRAUTH-2), and that for an ACR
//    refresh token at the registry's /oauth2/exchange (ACRAUTH-1). No `az` session is involved, so nothing here
//    depends on the five-minute GitHub token az was logged in with, nor on az's one-hour session (AZCLI-1).
//    Every secret travels in an HTTPS request body, never in a process's arguments or environment.
//  - Azure CLI (a laptop after `az login`): `az acr login -n <name> --expose-token` (AZCLI-2), whose token
//    arrives on a pipe. az refreshes a person's session by itself.
"use strict";
const { execFile } = require("node:child_process");
const { readFile } = require("node:fs/promises");

/** Microsoft's documented user name for logging in to ACR with a token (ACRAUTH-1). */
const TOKEN_USER = "00000000-0000-0000-0000-000000000000";
/** Entra ID scope of ACR-audience tokens, accepted whether or not the registry accepts ARM tokens (ACRAUTH-3). */
const ACR_SCOPE = "https://containerregistry.azure.net/.default";
const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/";
const WORKLOAD_IDENTITY_VARIABLES = ["AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID"];

class AcrTokenError extends Error {}

/**
 * Which source `acrToken` uses for `env`: "workload-identity" when AZURE_FEDERATED_TOKEN_FILE is set (then
 * AZURE_CLIENT_ID and AZURE_TENANT_ID must be too), else "azure-cli".
 */
function tokenSource(env) {
    if (!env.AZURE_FEDERATED_TOKEN_FILE) return "azure-cli";
    const missing = WORKLOAD_IDENTITY_VARIABLES.filter((name) => !env[name]);
    if (missing.length > 0) {
        throw new AcrTokenError(
            `AZURE_FEDERATED_TOKEN_FILE is set but ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not: ` +
                "set all three for workload identity, or unset AZURE_FEDERATED_TOKEN_FILE to use 'az login'.",
        );
    }
    return "workload-identity";
}

/** The authority host with one trailing slash, as kubelogin and azidentity read AZURE_AUTHORITY_HOST. */
function authorityHost(env) {
    const host = env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST;
    return host.endsWith("/") ? host : `${host}/`;
}

/** POSTs a form and returns the parsed JSON answer, or throws with the service's (non-secret) error text. */
async function postForm(fetchImpl, url, form, what) {
    let response;
    try {
        response = await fetchImpl(url, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
            body: new URLSearchParams(form).toString(),
        });
    } catch (err) {
        throw new AcrTokenError(`${what}: could not reach ${url}: ${err && err.message ? err.message : err}`);
    }
    const text = await response.text();
    let body;
    try {
        body = JSON.parse(text);
    } catch {
        body = undefined;
    }
    if (!response.ok) {
        // Entra ID answers {error, error_description}; ACR answers {errors: [{code, message}]}. Neither echoes the
        // credentials sent.
        const detail = body && (body.error_description || body.error || (body.errors && JSON.stringify(body.errors)));
        throw new AcrTokenError(`${what}: ${url} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
    }
    return body || {};
}

/**
 * An Entra ID access token for ACR, by the client-credentials grant with the federated token as client assertion
 * (ACRAUTH-2). The file is read at every call: the workflow rewrites it before the token inside expires.
 */
async function entraAccessToken({ env, fetch: fetchImpl = globalThis.fetch, readTokenFile = (f) => readFile(f, "utf8") }) {
    tokenSource(env);
    let assertion;
    try {
        assertion = (await readTokenFile(env.AZURE_FEDERATED_TOKEN_FILE)).trim();
    } catch (err) {
        throw new AcrTokenError(`cannot read AZURE_FEDERATED_TOKEN_FILE ${env.AZURE_FEDERATED_TOKEN_FILE}: ${err && err.code ? err.code : err}`);
    }
    if (!assertion) throw new AcrTokenError(`AZURE_FEDERATED_TOKEN_FILE ${env.AZURE_FEDERATED_TOKEN_FILE} is empty.`);
    const url = `${authorityHost(env)}${encodeURIComponent(env.AZURE_TENANT_ID)}/oauth2/v2.0/token`;
    const body = await postForm(
        fetchImpl,
        url,
        {
            client_id: env.AZURE_CLIENT_ID,
            scope: ACR_SCOPE,
            client_assertion_type: CLIENT_ASSERTION_TYPE,
            client_assertion: assertion,
            grant_type: "client_credentials",
        },
        "Entra ID token request with the federated token",
    );
    if (typeof body.access_token !== "string" || body.access_token === "") {
        throw new AcrTokenError(`Entra ID token request: ${url} answered without an access_token.`);
    }
    return body.access_token;
}

/** Exchanges an Entra ID access token for an ACR refresh token at the registry (ACRAUTH-1). */
async function exchangeForAcrToken({ loginServer, tenant, accessToken, fetch: fetchImpl = globalThis.fetch, registryBaseUrl }) {
    const url = `${registryBaseUrl || `https://${loginServer}`}/oauth2/exchange`;
    const body = await postForm(
        fetchImpl,
        url,
        { grant_type: "access_token", service: loginServer, tenant, access_token: accessToken },
        `ACR token exchange at ${loginServer}`,
    );
    if (typeof body.refresh_token !== "string" || body.refresh_token === "") {
        throw new AcrTokenError(`ACR token exchange: ${url} answered without a refresh_token.`);
    }
    return body.refresh_token;
}

function run(file, args, runFile) {
    return new Promise((resolve) => {
        runFile(file, args, { encoding: "utf8", maxBuffer: 1 << 20 }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
    });
}

/** The ACR token `az acr login --expose-token` prints, for a person signed in with `az login` (AZCLI-2). */
async function azureCliToken({ registryName, execFile: runFile = execFile }) {
    const account = await run("az", ["account", "show", "--only-show-errors", "--output", "none"], runFile);
    if (account.error) {
        if (account.error.code === "ENOENT") {
            throw new AcrTokenError(
                "Azure CLI ('az') not found on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and sign in with 'az login'.",
            );
        }
        throw new AcrTokenError("not signed in to Azure: run 'az login' (in CI, set AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID).");
    }
    const login = await run(
        "az",
        ["acr", "login", "-n", registryName, "--expose-token", "--only-show-errors", "--query", "accessToken", "--output", "tsv"],
        runFile,
    );
    const token = (login.stdout || "").trim();
    if (login.error || token === "") {
        throw new AcrTokenError(
            `'az acr login -n ${registryName} --expose-token' failed${login.stderr ? `: ${login.stderr.trim()}` : ""}. Check that you hold AcrPush on the registry.`,
        );
    }
    return token;
}

/**
 * A fresh ACR token for `loginServer` (`registryName` for az), from the source `tokenSource(env)` picks. Use it as
 * the password of user TOKEN_USER. ACR tokens last about three hours.
 */
async function acrToken({ loginServer, registryName, env = process.env, fetch: fetchImpl, readTokenFile, execFile: runFile, registryBaseUrl }) {
    if (!loginServer) throw new AcrTokenError("ACR_LOGIN_SERVER is not set: give the login server (e.g. myacr.azurecr.io).");
    if (!registryName) throw new AcrTokenError("ACR_NAME is not set: give the registry name (e.g. myacr).");
    if (tokenSource(env) === "workload-identity") {
        const accessToken = await entraAccessToken({ env, fetch: fetchImpl, readTokenFile });
        return exchangeForAcrToken({ loginServer, tenant: env.AZURE_TENANT_ID, accessToken, fetch: fetchImpl, registryBaseUrl });
    }
    return azureCliToken({ registryName, execFile: runFile });
}

/**
 * `--check`: fails fast, before a long build, when no token can be had: the workload identity variables are
 * incomplete or the file is unreadable, or az is missing or signed out. Fetches no token.
 */
async function checkTokenSource({ env = process.env, execFile: runFile = execFile, readTokenFile = (f) => readFile(f, "utf8") }) {
    if (tokenSource(env) === "workload-identity") {
        try {
            await readTokenFile(env.AZURE_FEDERATED_TOKEN_FILE);
        } catch (err) {
            throw new AcrTokenError(`cannot read AZURE_FEDERATED_TOKEN_FILE ${env.AZURE_FEDERATED_TOKEN_FILE}: ${err && err.code ? err.code : err}`);
        }
        return "workload-identity";
    }
    const account = await run("az", ["account", "show", "--only-show-errors", "--output", "none"], runFile);
    if (account.error && account.error.code === "ENOENT") {
        throw new AcrTokenError(
            "Azure CLI ('az') not found on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and sign in with 'az login'.",
        );
    }
    if (account.error) throw new AcrTokenError("not signed in to Azure: run 'az login' (in CI, set AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID).");
    return "azure-cli";
}

async function main(argv) {
    try {
        if (argv.includes("--check")) {
            const source = await checkTokenSource({});
            process.stderr.write(`acr-token: registry credentials from ${source === "workload-identity" ? "workload identity (AZURE_FEDERATED_TOKEN_FILE)" : "the Azure CLI session"}\n`);
            return 0;
        }
        const token = await acrToken({ loginServer: process.env.ACR_LOGIN_SERVER, registryName: process.env.ACR_NAME });
        // No newline: `spin registry login --password-stdin` keeps every byte it reads.
        process.stdout.write(token);
        return 0;
    } catch (err) {
        process.stderr.write(`acr-token: error: ${err instanceof AcrTokenError ? err.message : err && err.stack ? err.stack : err}\n`);
        return 1;
    }
}

module.exports = {
    TOKEN_USER,
    ACR_SCOPE,
    AcrTokenError,
    tokenSource,
    entraAccessToken,
    exchangeForAcrToken,
    azureCliToken,
    acrToken,
    checkTokenSource,
};

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
