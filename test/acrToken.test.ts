/**
 * lib/registry/acrToken.cjs: a fresh ACR token on every call, from the workload identity token file in CI (read anew each
 * time, exchanged over HTTPS request bodies only) or from `az` on a laptop; the token only ever on stdout.
 *
 * No Azure here: the network is a stand-in `fetch` (a fake written by this test, or test/helpers/standin-fetch.cjs
 * preloaded into a child process) answering as Entra ID and ACR document it, and `az` is a stand-in program on
 * PATH that logs its arguments. Each stand-in says so where it is defined.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ACR_SCOPE, TOKEN_USER, acrToken, entraAccessToken, tokenSource } from "../lib/registry/acrToken.cjs";

const ROOT = path.resolve(__dirname, "..");
const HELPER = path.join(ROOT, "lib", "registry", "acrToken.cjs");
const STANDIN_FETCH = path.join(__dirname, "helpers", "standin-fetch.cjs");
const LOGIN_SERVER = "acrmock.azurecr.io";
const TENANT = "00000000-0000-0000-0000-0000000000aa";
const CLIENT = "00000000-0000-0000-0000-00000000d3e1";
const temps: string[] = [];
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

/** A federated token file as the workflow's refresher keeps it (contents are a stand-in, not a JWT). */
function tokenFile(contents: string): string {
    const file = path.join(tempDir("aks-wasm-fedtoken-"), "token");
    writeFileSync(file, contents);
    return file;
}

interface Recorded {
    url: string;
    form: Record<string, string>;
}

/** STAND-IN fetch (a fake written by this test): answers like Entra ID and ACR, records every request. */
function standInFetch(log: Recorded[], answers?: { entraStatus?: number }) {
    return (async (url: string | URL, init?: RequestInit) => {
        const form = Object.fromEntries(new URLSearchParams(String(init?.body)));
        log.push({ url: String(url), form });
        const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
        if (String(url).endsWith("/oauth2/v2.0/token")) {
            if (answers?.entraStatus) {
                return json(answers.entraStatus, { error: "invalid_client", error_description: "AADSTS700024: Client assertion is not within its valid time range." });
            }
            return json(200, { token_type: "Bearer", expires_in: 3599, access_token: `entra-for-${form.client_assertion}` });
        }
        if (String(url).endsWith("/oauth2/exchange")) return json(200, { refresh_token: `acr-for-${form.access_token}` });
        return json(404, {});
    }) as typeof fetch;
}

const ciEnv = (file: string) => ({ AZURE_FEDERATED_TOKEN_FILE: file, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT });

describe("ACR token source", () => {
    it("is workload identity when the federated token file and its client and tenant are set, else the Azure CLI", () => {
        assert.equal(tokenSource({}), "azure-cli");
        assert.equal(tokenSource(ciEnv("/tmp/x")), "workload-identity");
        assert.throws(
            () => tokenSource({ AZURE_FEDERATED_TOKEN_FILE: "/tmp/x", AZURE_CLIENT_ID: CLIENT }),
            /AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID is not: set all three for workload identity, or unset AZURE_FEDERATED_TOKEN_FILE to use 'az login'/,
        );
    });
});

describe("ACR token with workload identity (stand-in Entra ID and ACR)", () => {
    it("exchanges the federated token for an ACR-scoped Entra token, then for an ACR refresh token", async () => {
        const log: Recorded[] = [];
        const file = tokenFile("federated-1\n");
        const token = await acrToken({ loginServer: LOGIN_SERVER, registryName: "acrmock", env: ciEnv(file), fetch: standInFetch(log) });
        assert.equal(token, "acr-for-entra-for-federated-1");
        assert.equal(log.length, 2);
        assert.equal(log[0].url, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
        assert.deepEqual(log[0].form, {
            client_id: CLIENT,
            scope: "https://containerregistry.azure.net/.default",
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: "federated-1",
            grant_type: "client_credentials",
        });
        assert.equal(ACR_SCOPE, "https://containerregistry.azure.net/.default");
        assert.equal(log[1].url, `https://${LOGIN_SERVER}/oauth2/exchange`);
        assert.deepEqual(log[1].form, { grant_type: "access_token", service: LOGIN_SERVER, tenant: TENANT, access_token: "entra-for-federated-1" });
        assert.equal(TOKEN_USER, "00000000-0000-0000-0000-000000000000");
    });

    it("reads the token file at every call, so a file the workflow refreshed is used (no token cached)", async () => {
        const log: Recorded[] = [];
        const file = tokenFile("federated-early");
        const env = ciEnv(file);
        const first = await acrToken({ loginServer: LOGIN_SERVER, registryName: "acrmock", env, fetch: standInFetch(log) });
        writeFileSync(file, "federated-later");
        const second = await acrToken({ loginServer: LOGIN_SERVER, registryName: "acrmock", env, fetch: standInFetch(log) });
        assert.equal(first, "acr-for-entra-for-federated-early");
        assert.equal(second, "acr-for-entra-for-federated-later");
    });

    it("honours AZURE_AUTHORITY_HOST as kubelogin does, and reports Entra's error without echoing the assertion", async () => {
        const log: Recorded[] = [];
        const file = tokenFile("federated-secret-assertion");
        await assert.rejects(
            entraAccessToken({ env: { ...ciEnv(file), AZURE_AUTHORITY_HOST: "https://login.example.test" }, fetch: standInFetch(log, { entraStatus: 400 }) }),
            (err: Error) => {
                assert.match(err.message, /https:\/\/login\.example\.test\/00000000-0000-0000-0000-0000000000aa\/oauth2\/v2\.0\/token answered HTTP 400: AADSTS700024/);
                assert.doesNotMatch(err.message, /federated-secret-assertion/);
                return true;
            },
        );
        await assert.rejects(entraAccessToken({ env: ciEnv(path.join(tempDir("aks-wasm-nofile-"), "missing")) }), /cannot read AZURE_FEDERATED_TOKEN_FILE .*missing: ENOENT/);
    });

    it("as a program: the token is stdout (no newline) and nowhere else; no az is needed", () => {
        // No az on PATH at all; the network is test/helpers/standin-fetch.cjs, a stand-in preloaded into node.
        const log = path.join(tempDir("aks-wasm-fetchlog-"), "fetch.jsonl");
        const r = spawnSync(process.execPath, [HELPER], {
            encoding: "utf8",
            env: {
                PATH: tempDir("aks-wasm-empty-"),
                NODE_OPTIONS: `--require ${STANDIN_FETCH}`,
                STANDIN_FETCH_LOG: log,
                ACR_NAME: "acrmock",
                ACR_LOGIN_SERVER: LOGIN_SERVER,
                ...ciEnv(tokenFile("federated-cli")),
            },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "stand-in-acr-refresh-token");
        assert.equal(r.stderr, "");
        const requests = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
        assert.equal(requests[0].form.client_assertion, "federated-cli");
        assert.equal(requests[1].url, `https://${LOGIN_SERVER}/oauth2/exchange`);
    });
});

/** STAND-IN `az` (a fake program written by this test): logs its arguments, answers `account show` and `acr login`. */
function standInAz(signedIn = true): { bin: string; log: string } {
    const bin = tempDir("aks-wasm-standin-az-");
    const log = path.join(tempDir("aks-wasm-azlog-"), "az.argv");
    writeFileSync(
        path.join(bin, "az"),
        `#!/bin/bash\nprintf '%s\\n' "$*" >> "${log}"\ncase "$1 $2" in\n  "account show") ${signedIn ? "exit 0" : `echo "Please run 'az login' to setup account." >&2; exit 1`} ;;\n  "acr login") echo "stand-in-az-token-9Zt" ;;\n  *) exit 2 ;;\nesac\n`,
    );
    chmodSync(path.join(bin, "az"), 0o755);
    return { bin, log };
}

describe("ACR token from the Azure CLI (stand-in az)", () => {
    it("takes `az acr login --expose-token`'s token from its stdout; the token is in no argument", () => {
        const az = standInAz();
        const r = spawnSync(process.execPath, [HELPER], {
            encoding: "utf8",
            env: { PATH: `${az.bin}:/usr/bin:/bin`, ACR_NAME: "acrmock", ACR_LOGIN_SERVER: LOGIN_SERVER },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "stand-in-az-token-9Zt", "trimmed: spin keeps every byte it reads");
        const argv = readFileSync(az.log, "utf8");
        assert.match(argv, /^acr login -n acrmock --expose-token --only-show-errors --query accessToken --output tsv$/m);
        assert.doesNotMatch(argv + r.stderr, /stand-in-az-token/);
    });

    it("fails with the fix when az is signed out or missing, or the registry is not named", () => {
        const signedOut = spawnSync(process.execPath, [HELPER], {
            encoding: "utf8",
            env: { PATH: `${standInAz(false).bin}:/usr/bin:/bin`, ACR_NAME: "acrmock", ACR_LOGIN_SERVER: LOGIN_SERVER },
        });
        assert.equal(signedOut.status, 1);
        assert.equal(signedOut.stdout, "");
        assert.match(signedOut.stderr, /acr-token: error: not signed in to Azure: run 'az login' \(in CI, set AZURE_FEDERATED_TOKEN_FILE/);

        const noAz = spawnSync(process.execPath, [HELPER, "--check"], { encoding: "utf8", env: { PATH: tempDir("aks-wasm-empty-") } });
        assert.equal(noAz.status, 1);
        assert.match(noAz.stderr, /Azure CLI \('az'\) not found on PATH: install it/);

        const unnamed = spawnSync(process.execPath, [HELPER], { encoding: "utf8", env: { PATH: tempDir("aks-wasm-empty-"), ACR_NAME: "acrmock" } });
        assert.match(unnamed.stderr, /ACR_LOGIN_SERVER is not set/);
    });
});
