/**
 * The GitHub workflows: valid against SchemaStore's workflow schema, and wired the way the README promises
 * (tests before previews, PR comments, OIDC only, prod behind an environment, one deployment per stack at a time).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const ROOT = join(__dirname, "..");
const WORKFLOW_DIR = join(ROOT, ".github", "workflows");

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean | string };
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
    steps?: Step[];
};
type Workflow = { on: Record<string, any>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const files = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const workflows = new Map<string, Workflow>(files.map((f) => [f, parse(readFileSync(join(WORKFLOW_DIR, f), "utf8"))]));

function validator() {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "github-workflow.schema.json"), "utf8")));
}

function workflowOn(event: string): [string, Workflow] {
    const found = [...workflows].filter(([, w]) => w.on && event in w.on);
    assert.equal(found.length, 1, `exactly one workflow runs on ${event} (found ${found.map(([f]) => f).join(", ")})`);
    return found[0];
}

function pulumiStep(job: Job): Step | undefined {
    return job.steps?.find((s) => s.uses?.startsWith("pulumi/actions@"));
}

function stepIndex(job: Job, match: (s: Step) => boolean): number {
    return (job.steps ?? []).findIndex(match);
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

test("PR workflow: npm test runs first, then a preview of dev and prod commented on the PR", () => {
    const [file, wf] = workflowOn("pull_request");
    const previews = Object.entries(wf.jobs).filter(([, j]) => pulumiStep(j)?.with?.command === "preview");
    assert.equal(previews.length, 1, `${file}: one preview job`);
    const [name, job] = previews[0];
    const step = pulumiStep(job)!;
    assert.equal(step.with?.["comment-on-pr"], true);
    assert.match(String(step.with?.["github-token"]), /github\.token|secrets\.GITHUB_TOKEN/);
    assert.deepEqual(job.strategy?.matrix?.stack, ["dev", "prod"]);
    assert.equal(step.with?.["stack-name"], "${{ matrix.stack }}");
    assert.equal(step.with?.policyPacks, "policy");
    // npm test gates the preview: in an upstream job, after npm ci.
    const testJobs = [...upstream(wf, name)].filter((n) => runsNpmTest(wf.jobs[n]));
    assert.ok(testJobs.length > 0, `${name} must need a job that runs npm ci then npm test`);
});

test("PR workflow: the preview job may comment and use OIDC; the workflow default is read-only", () => {
    const [, wf] = workflowOn("pull_request");
    const [, job] = Object.entries(wf.jobs).find(([, j]) => pulumiStep(j)?.with?.command === "preview")!;
    assert.deepEqual(wf.permissions, { contents: "read" });
    assert.equal((job.permissions as Record<string, string>)["pull-requests"], "write");
    assert.equal((job.permissions as Record<string, string>)["id-token"], "write");
});

test("deploy workflow: on push to main, dev then prod, prod behind the prod environment", () => {
    const [file, wf] = workflowOn("push");
    assert.deepEqual(wf.on.push.branches, ["main"]);
    const ups = Object.entries(wf.jobs).filter(([, j]) => pulumiStep(j)?.with?.command === "up");
    const byStack = new Map(ups.map(([n, j]) => [pulumiStep(j)!.with!["stack-name"], { name: n, job: j }]));
    assert.deepEqual([...byStack.keys()].sort(), ["dev", "prod"], `${file}: pulumi up for dev and prod`);
    const dev = byStack.get("dev")!;
    const prod = byStack.get("prod")!;
    const envName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
    assert.equal(envName(prod.job), "prod");
    assert.ok(upstream(wf, prod.name).has(dev.name), "prod waits for dev");
    assert.ok([...upstream(wf, dev.name)].some((n) => runsNpmTest(wf.jobs[n])), "dev waits for npm test");
    // Prod runs the whole policy pack; dev the relaxed config.
    assert.equal(pulumiStep(prod.job)!.with?.policyPacks, "policy");
    assert.equal(pulumiStep(prod.job)!.with?.policyPackConfigs, undefined);
    assert.equal(pulumiStep(dev.job)!.with?.policyPackConfigs, "policy/dev.json");
    for (const { job } of [dev, prod]) assert.equal((job.permissions as Record<string, string>)["id-token"], "write");
});

test("deployments: one concurrency group per stack, never cancelling a running up", () => {
    const [, wf] = workflowOn("push");
    const groups = new Map<string, string>();
    for (const job of Object.values(wf.jobs)) {
        const step = pulumiStep(job);
        if (step?.with?.command !== "up") continue;
        assert.ok(job.concurrency, `up of ${step.with["stack-name"]} has a concurrency group`);
        assert.equal(job.concurrency["cancel-in-progress"], false);
        groups.set(String(step.with["stack-name"]), job.concurrency.group);
    }
    assert.equal(new Set(groups.values()).size, groups.size, "distinct groups per stack");
    for (const [stack, group] of groups) assert.ok(group.includes(stack), `${group} names ${stack}`);
});

test("every Pulumi job logs in to Azure by OIDC and has kubelogin, Spin and buildx before pulumi runs", () => {
    for (const [file, wf] of workflows) {
        for (const [name, job] of Object.entries(wf.jobs)) {
            const pulumi = stepIndex(job, (s) => s.uses?.startsWith("pulumi/actions@") ?? false);
            if (pulumi < 0) continue;
            const where = `${file}#${name}`;
            const login = stepIndex(job, (s) => s.uses?.startsWith("azure/login@") ?? false);
            assert.ok(login >= 0 && login < pulumi, `${where}: azure/login before pulumi`);
            const loginWith = job.steps![login].with ?? {};
            assert.deepEqual(Object.keys(loginWith).sort(), ["client-id", "subscription-id", "tenant-id"], `${where}: OIDC inputs only`);
            for (const v of Object.values(loginWith)) assert.match(String(v), /^\$\{\{ vars\.AZURE_[A-Z_]+ \}\}$/, where);
            const kubelogin = stepIndex(job, (s) => /az aks install-cli|use-kubelogin/.test(`${s.run ?? ""}${s.uses ?? ""}`));
            assert.ok(kubelogin > login && kubelogin < pulumi, `${where}: kubelogin installed after login, before pulumi`);
            assert.ok(stepIndex(job, (s) => s.uses?.startsWith("spinframework/actions/spin/setup@") ?? false) < pulumi, `${where}: Spin`);
            assert.ok(stepIndex(job, (s) => s.uses?.startsWith("docker/setup-buildx-action@") ?? false) >= 0, `${where}: buildx`);
            assert.ok(stepIndex(job, (s) => s.uses?.startsWith("docker/setup-buildx-action@") ?? false) < pulumi, `${where}: buildx first`);
            assert.equal(job.env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}", `${where}: state backend from a variable`);
        }
    }
});

test("no long-lived cloud credentials: the only secret is the config passphrase; actions pinned by major", () => {
    for (const [file, wf] of workflows) {
        const text = readFileSync(join(WORKFLOW_DIR, file), "utf8");
        const secrets = new Set([...text.matchAll(/secrets\.([A-Za-z_]+)/g)].map((m) => m[1]));
        secrets.delete("PULUMI_CONFIG_PASSPHRASE");
        assert.deepEqual([...secrets], [], `${file} uses secrets ${[...secrets].join(", ")}`);
        assert.doesNotMatch(text, /\bcreds:|client-secret|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|PULUMI_ACCESS_TOKEN/, file);
        for (const job of Object.values(wf.jobs)) {
            for (const step of job.steps ?? []) {
                if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w./-]+@v\d+$/, `${file}: ${step.uses} pinned by major tag`);
            }
        }
    }
});
