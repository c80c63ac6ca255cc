/**
 * .github/scripts/federated-token-refresher.sh, the job-long source of fresh GitHub OIDC tokens for kubelogin
 * (workloadidentity), the azblob state backend and `az login --federated-token @file`.
 *
 * GitHub's token endpoint is not reachable here: a STAND-IN HTTP server on 127.0.0.1 plays it, answering the
 * request shape @actions/core's getIDToken uses (GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=<uri-encoded>,
 * `Authorization: bearer <request token>`, JSON `{"value": "<jwt>"}`: platform-contracts GHA-1). The script, curl,
 * jq and the background process are real.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const SCRIPT = join(__dirname, "..", ".github", "scripts", "federated-token-refresher.sh");
const REQUEST_TOKEN = "request-token-must-never-be-printed";

/** A JWT-shaped token, different on every call, so a refresh is visible in the file. */
function jwt(n: number): string {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ aud: "api://AzureADTokenExchange", n })}.c2lnbmF0dXJl${n}`;
}

type Seen = { url: string; authorization?: string };
type StandIn = { server: Server; url: string; seen: Seen[]; issued: string[] };

/** Stand-in for GitHub's OIDC token endpoint. `answer` decides the status and body per request. */
async function standIn(answer: (req: IncomingMessage, n: number) => { status: number; body: string }): Promise<StandIn> {
    const seen: Seen[] = [];
    const issued: string[] = [];
    const server = createServer((req, res) => {
        seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
        const { status, body } = answer(req, seen.length);
        if (status === 200) issued.push(body);
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return { server, url: `http://127.0.0.1:${port}/_apis/idtoken?api-version=2.0`, seen, issued };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(SCRIPT, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

function jobEnv(url: string, extra: Record<string, string> = {}) {
    const runnerTemp = mkdtempSync(join(tmpdir(), "refresher-"));
    const githubEnv = join(runnerTemp, "github_env");
    writeFileSync(githubEnv, "");
    const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ACTIONS_ID_TOKEN_REQUEST_URL: url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
        AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
        AZURE_TENANT_ID: "66666666-7777-8888-9999-000000000000",
        GITHUB_ENV: githubEnv,
        RUNNER_TEMP: runnerTemp,
        ...extra,
    };
    return { env, runnerTemp, githubEnv, tokenFile: join(runnerTemp, "federated-token", "azure-identity-token") };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (cond()) return true;
        await sleep(100);
    }
    return cond();
}

test("refresher: writes the token to a mode-600 file, exports the workload-identity variables, never prints a token (stand-in token server)", async () => {
    const gh = await standIn((_req, n) => ({ status: 200, body: JSON.stringify({ value: jwt(n) }) }));
    const job = jobEnv(gh.url, { TOKEN_REFRESH_SECONDS: "1" });
    try {
        const started = await run(["start"], job.env);
        assert.equal(started.code, 0, started.stderr);

        // The request GitHub's toolkit makes: the request URL plus &audience=api%3A%2F%2FAzureADTokenExchange, bearer auth.
        assert.equal(gh.seen[0].url, "/_apis/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange");
        assert.equal(gh.seen[0].authorization, `bearer ${REQUEST_TOKEN}`);

        const mode = statSync(job.tokenFile).mode & 0o777;
        assert.equal(mode.toString(8), "600", "token file readable by the job's user only");
        assert.equal((statSync(join(job.runnerTemp, "federated-token")).mode & 0o777).toString(8), "700");
        const first = readFileSync(job.tokenFile, "utf8");
        assert.equal(first, JSON.parse(gh.issued[0]).value, "the file holds exactly the issued token, no newline");

        // What c2's kubeconfig/scripts and kubelogin rely on (platform-contracts NODE-1): exactly these variables.
        assert.deepEqual(readFileSync(job.githubEnv, "utf8").trim().split("\n"), [
            `AZURE_FEDERATED_TOKEN_FILE=${job.tokenFile}`,
            `AZURE_CLIENT_ID=${job.env.AZURE_CLIENT_ID}`,
            `AZURE_TENANT_ID=${job.env.AZURE_TENANT_ID}`,
            "AAD_LOGIN_METHOD=workloadidentity",
        ]);

        // The background refresher replaces the token after the interval, and the file stays mode 600.
        assert.ok(await waitFor(() => gh.issued.length >= 3, 8000), `refreshed (${gh.issued.length} tokens issued)`);
        const later = readFileSync(job.tokenFile, "utf8");
        assert.notEqual(later, first);
        assert.ok(gh.issued.map((b) => JSON.parse(b).value).includes(later));
        assert.equal((statSync(job.tokenFile).mode & 0o777).toString(8), "600");

        const stopped = await run(["stop"], job.env);
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.equal(existsSync(job.tokenFile), false, "stop deletes the token");
        const count = gh.seen.length;
        await sleep(2500);
        assert.equal(gh.seen.length, count, "no requests after stop");

        const printed = started.stdout + started.stderr + stopped.stdout + stopped.stderr +
            readFileSync(join(job.runnerTemp, "federated-token", "refresher.log"), "utf8");
        for (const body of gh.issued) assert.ok(!printed.includes(JSON.parse(body).value), "an ID token was printed");
        assert.ok(!printed.includes(REQUEST_TOKEN), "the request token was printed");
    } finally {
        await run(["stop"], job.env);
        gh.server.close();
        rmSync(job.runnerTemp, { recursive: true, force: true });
    }
});

test("refresher: a refused token request fails the step with the cause, writes no file and prints no token", async () => {
    const gh = await standIn(() => ({ status: 401, body: JSON.stringify({ message: "bad request token" }) }));
    const job = jobEnv(gh.url);
    try {
        const r = await run(["start"], job.env);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /id-token: write/);
        assert.equal(existsSync(job.tokenFile), false);
        assert.equal(readFileSync(job.githubEnv, "utf8"), "", "nothing exported when there is no token");
        assert.ok(!(r.stdout + r.stderr).includes(REQUEST_TOKEN));
    } finally {
        await run(["stop"], job.env);
        gh.server.close();
        rmSync(job.runnerTemp, { recursive: true, force: true });
    }
});

test("refresher: a 200 without a JWT in .value is refused without echoing the body", async () => {
    const secretish = jwt(42);
    const gh = await standIn(() => ({ status: 200, body: JSON.stringify({ token: secretish, value: 7 }) }));
    const job = jobEnv(gh.url);
    try {
        const r = await run(["start"], job.env);
        assert.notEqual(r.code, 0);
        assert.equal(existsSync(job.tokenFile), false);
        assert.ok(!(r.stdout + r.stderr).includes(secretish), "the response body was printed");
    } finally {
        await run(["stop"], job.env);
        gh.server.close();
        rmSync(job.runnerTemp, { recursive: true, force: true });
    }
});

test("refresher: outside a job with id-token: write it says what is missing", async () => {
    const job = jobEnv("");
    delete (job.env as Record<string, unknown>).ACTIONS_ID_TOKEN_REQUEST_URL;
    try {
        const r = await run(["start"], job.env);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ACTIONS_ID_TOKEN_REQUEST_URL is not set.*id-token: write/);
    } finally {
        rmSync(job.runnerTemp, { recursive: true, force: true });
    }
});

test("refresher: az-login refreshes the file and hands az the token as @file, never in argv (stand-in az and token server)", async () => {
    const gh = await standIn((_req, n) => ({ status: 200, body: JSON.stringify({ value: jwt(n) }) }));
    const job = jobEnv(gh.url, { AZURE_SUBSCRIPTION_ID: "sub-id" });
    // A STAND-IN `az` on PATH that records its arguments, one per line (no Azure CLI on this machine).
    const bin = join(job.runnerTemp, "bin");
    const argvLog = join(job.runnerTemp, "az-argv");
    mkdirSync(bin);
    writeFileSync(join(bin, "az"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${argvLog}'\necho --- >> '${argvLog}'\n`, { mode: 0o755 });
    try {
        const r = await run(["az-login"], { ...job.env, PATH: `${bin}:${job.env.PATH}` });
        assert.equal(r.code, 0, r.stderr);
        const calls = readFileSync(argvLog, "utf8").split("---\n").filter(Boolean).map((c) => c.trim().split("\n"));
        assert.deepEqual(calls[0], [
            "login", "--service-principal", "--username", job.env.AZURE_CLIENT_ID, "--tenant", job.env.AZURE_TENANT_ID,
            "--federated-token", `@${job.tokenFile}`, "--only-show-errors", "--output", "none",
        ]);
        assert.deepEqual(calls[1], ["account", "set", "--subscription", "sub-id", "--only-show-errors"]);
        const token = readFileSync(job.tokenFile, "utf8");
        assert.equal(token, JSON.parse(gh.issued.at(-1)!).value, "a token fetched for this login");
        assert.ok(!readFileSync(argvLog, "utf8").includes(token), "the token reached az's argv");
        assert.ok(!(r.stdout + r.stderr).includes(token));
    } finally {
        await run(["stop"], job.env);
        gh.server.close();
        rmSync(job.runnerTemp, { recursive: true, force: true });
    }
});

test("refresher: the request token reaches curl on stdin, not as an argument", () => {
    const text = readFileSync(SCRIPT, "utf8");
    assert.match(text, /curl --config -/);
    assert.doesNotMatch(text, /(-H|--header) "Authorization/);
});
