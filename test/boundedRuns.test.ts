/**
 * Bounded runs (issue 17 item 4, platform-contracts CONV-8, CONV-9): one `pulumi up` ends inside the CI deploy
 * job's timeout with a margin, computed from the config; a config that could outlast it is refused; CI's kubectl
 * matches the cluster's minor.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { measurementBudgetForConfig } from "../components/app/scaleMeasurement";
import { REINSTALL_TIMEOUT_SECONDS } from "../components/platform/spinKubeRuntime";
import { parseStackConfig, StackConfigError, type RawConfig } from "../config";
import { kubectlVersion, minorOf, creationKubernetesVersion } from "../lib/azure/kubernetesVersions";
import { readStackConfig } from "../lib/offline/offline";
import { DEPLOY_JOB_TIMEOUT_MINUTES, RUN_MARGIN_MINUTES, runDurationProblems, runWaits, runWorstCaseSeconds } from "../components/runDuration";

const ROOT = join(__dirname, "..");
const TODAY = "2026-12-03";
const appManifestExists = () => true;
const config = (raw: RawConfig) => parseStackConfig(raw, { appManifestExists, today: TODAY });
type Job = { "timeout-minutes"?: number; steps: { id?: string; uses?: string; run?: string; with?: Record<string, string> }[] };
const deployJobs = () => {
    const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "deploy.yml"), "utf8")) as { jobs: Record<string, Job> };
    return Object.entries(workflow.jobs).filter(([name]) => name.startsWith("deploy-")) as [string, Job][];
};

describe("one pulumi up fits the deploy job's timeout", () => {
    it("the constant the config is judged against is the deploy jobs' timeout-minutes", () => {
        const jobs = deployJobs();
        assert.deepEqual(jobs.map(([name]) => name), ["deploy-dev", "deploy-prod"]);
        for (const [name, job] of jobs) assert.equal(job["timeout-minutes"], DEPLOY_JOB_TIMEOUT_MINUTES, name);
    });

    for (const stack of ["dev", "prod"]) {
        it(`the ${stack} stack's worst case fits with ${RUN_MARGIN_MINUTES} minutes to spare`, () => {
            const c = config(readStackConfig(ROOT, stack));
            assert.deepEqual(runDurationProblems(c), []);
            assert.ok(runWorstCaseSeconds(c) <= (DEPLOY_JOB_TIMEOUT_MINUTES - RUN_MARGIN_MINUTES) * 60);
        });
    }

    it("adds every bounded wait at its bound: admins' access, gateway, runtime images' import, shim reinstall budget, rollout, the longer gate", () => {
        const c = config({ ingressMode: "gateway", wasmNodeCount: "3", wasmNodeCountMax: "10" });
        assert.deepEqual(
            runWaits(c).map((w) => w.what),
            [
                "cluster admins' access (kubectl auth can-i)",
                "Gateway API enablement (az aks update)",
                "runtime images' import (az acr import)",
                "shim reinstall (run budget)",
                "Spin Deployment rollout",
                "scale measurement (beside the load test)",
            ],
        );
        const reinstall = runWaits(c).find((w) => w.what.startsWith("shim"))!;
        assert.equal(reinstall.seconds, REINSTALL_TIMEOUT_SECONDS.budget + 10 * 3 * REINSTALL_TIMEOUT_SECONDS.request, "the budget plus the reads of every node");
        assert.ok(!runWaits(config({ ingressMode: "none" })).some((w) => w.what.startsWith("Gateway")));
        assert.ok(!runWaits(config({ measure: "false", loadTest: "false" })).some((w) => /gate|load test|measurement/.test(w.what)));
    });

    it("takes the measurement's deadline from components/app/scaleMeasurement.ts (it moves with it)", () => {
        for (const [duration, rounds] of [["40", "3"], ["120", "5"]]) {
            const c = config({ loadTestDurationSeconds: duration, measureRounds: rounds });
            assert.equal(runWaits(c).at(-1)!.seconds, measurementBudgetForConfig(c)!.stackWaitSeconds);
        }
    });

    it("refuses a config whose worst case does not fit, naming the largest wait's key and every wait, before any resource", () => {
        const raw = { loadTestDurationSeconds: "600", containerBaseline: "true", measureRounds: "10" };
        const checked = () => parseStackConfig(raw, { appManifestExists, today: TODAY, wholeConfigChecks: [runDurationProblems] });
        assert.throws(checked, (e: unknown) => {
            assert.ok(e instanceof StackConfigError);
            assert.deepEqual(e.problems.map((p) => p.key), ["measureRounds"]);
            assert.match(e.problems[0].accepted, new RegExp(`fits the deploy job's ${DEPLOY_JOB_TIMEOUT_MINUTES} minutes with ${RUN_MARGIN_MINUTES} to spare: its bounded waits add up to \\d+ minutes \\(cluster admins' access .*scale measurement \\(beside the load test\\) \\d+s\\)`));
            assert.match(e.problems[0].accepted, /raise timeout-minutes in \.github\/workflows\/deploy\.yml and DEPLOY_JOB_TIMEOUT_MINUTES/);
            return true;
        });
        assert.equal(parseStackConfig(raw, { appManifestExists, today: TODAY }).measureRounds, 10, "without the check the keys parse: the check is what refuses");
    });
});

describe("CI's kubectl comes from the cluster's minor", () => {
    it("each deploy job installs the version scripts/kubectl-version.ts prints for its own stack", () => {
        for (const [name, job] of deployJobs()) {
            const stack = name.replace("deploy-", "");
            const step = job.steps.findIndex((s) => s.id === "kubectl-version");
            assert.match(job.steps[step].run ?? "", new RegExp(`tsx scripts/kubectl-version\\.ts ${stack}\\)" >> "\\$GITHUB_OUTPUT"$`));
            const setup = job.steps.findIndex((s) => s.uses?.startsWith("Azure/setup-kubectl@"));
            assert.ok(setup > step, `${name}: the version is known before kubectl is installed`);
            assert.equal(job.steps[setup].with?.version, "${{ steps.kubectl-version.outputs.version }}");
        }
    });

    it("prints the minor the cluster is created on, within the version skew of the API server", () => {
        const out = execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "kubectl-version.ts"), "dev"], { cwd: ROOT, encoding: "utf8" });
        assert.match(out, /^v1\.\d+\.0\n$/);
        for (const raw of [{}, { clusterTier: "Premium" }, { kubernetesVersion: "1.33.2", clusterTier: "Premium", wasmRuntime: "wasmwasi" }, { wasmRuntime: "wasmwasi" }] as RawConfig[]) {
            const c = config(raw);
            const kubectl = minorOf(kubectlVersion(c, TODAY).slice(1))!;
            const server = minorOf(creationKubernetesVersion(c, TODAY) ?? "1.37")!;
            assert.ok(Math.abs(kubectl - server) <= 1, `${JSON.stringify(raw)}: kubectl 1.${kubectl} against 1.${server}`);
        }
        assert.equal(kubectlVersion(config({}), TODAY), "v1.35.0");
        assert.equal(kubectlVersion(config({ clusterTier: "Premium" }), TODAY), "v1.32.0");
    });
});
