/**
 * The gates' log collection (lib/results/jobResult.ts), run for real in `sh` with a STAND-IN kubectl
 * (test/helpers/standInKubectl.ts: a shell script playing kubectl's two calls on a table of pods; not kubectl).
 * It must read exactly one pod, the Job's newest Succeeded pod; fail, saying what to run, when the result is gone;
 * fail (and leave no kubeconfig behind) when kubectl fails or the script is killed at any step; and converge on
 * the next run, never reading a stale or empty result as fresh (issue 19).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { jobLogScript, repeatPreviousResultScript, RESULT_GONE_EXIT, resultGoneAdvice } from "../lib/results/jobResult";
import { StandInKubectl, type StandInPod } from "./helpers/standInKubectl";

const NS = "hello";
const JOB = "hello-loadtest-wasm-0a1b2c3d";
const URN = "urn:pulumi:dev::aks-wasm::aks-wasm:index:SpinApp$aks-wasm:index:LoadTest$kubernetes:batch/v1:Job::hello-loadtest-wasm";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: TOKEN-collect-7d1e\n";
const script = () => jobLogScript(NS, JOB, "loadtest", URN);

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Runs `text` in sh with `stdin`, in its own process group (so the test can kill the group, as Ctrl-C does). */
function sh(text: string, stdin: string, env: Record<string, string>, killWhen?: { ready: () => boolean; signal: NodeJS.Signals }): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", text], { env: { ...process.env, ...env }, detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin);
        const guard = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 20_000);
        let poll: NodeJS.Timeout | undefined;
        if (killWhen) {
            poll = setInterval(() => {
                if (killWhen.ready()) {
                    clearInterval(poll);
                    process.kill(-child.pid!, killWhen.signal);
                }
            }, 20);
        }
        child.on("error", reject);
        child.on("close", (code, signal) => {
            clearTimeout(guard);
            clearInterval(poll);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

const pod = (over: Partial<StandInPod>): StandInPod => ({ namespace: NS, job: JOB, phase: "Succeeded", creationTimestamp: "2026-12-03T09:00:00Z", name: `${JOB}-aaaaa`, ...over });

describe("the collection script (real sh, stand-in kubectl)", () => {
    let dir: string;
    let kubectl: StandInKubectl;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "collect-"));
        kubectl = new StandInKubectl(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads only the Job's newest Succeeded pod: not a disrupted one, not an earlier rollout's Job, by pod name, never `logs --selector`", async () => {
        kubectl.set([
            // Listed first by the API (name order), but older: a first run of the same Job.
            pod({ name: `${JOB}-aaaaa`, creationTimestamp: "2026-12-03T09:00:00Z", log: "old run\n" }),
            // Lost to a node drain (Failed, DisruptionTarget), the newest of all.
            pod({ name: `${JOB}-bbbbb`, phase: "Failed", creationTimestamp: "2026-12-03T09:20:00Z", log: "partial\n" }),
            pod({ name: `${JOB}-ccccc`, creationTimestamp: "2026-12-03T09:10:00Z", log: "the final run\n" }),
            // The previous rollout's Job, finished and still there for a day.
            { namespace: NS, job: "hello-loadtest-wasm-99999999", phase: "Succeeded", creationTimestamp: "2026-12-03T09:30:00Z", name: "hello-loadtest-wasm-99999999-zzzzz", log: "previous rollout\n" },
        ]);
        const run = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, "the final run\n");
        const calls = kubectl.calls();
        assert.equal(calls.length, 2);
        assert.match(calls[0], new RegExp(`--namespace ${NS} get pods --selector batch\\.kubernetes\\.io/job-name=${JOB} --field-selector status\\.phase=Succeeded --output jsonpath=`));
        assert.match(calls[1], new RegExp(`--namespace ${NS} logs pod/${JOB}-ccccc --container loadtest$`));
        assert.ok(!calls.some((c) => / logs .*--selector/.test(c)), "never kubectl logs --selector");
    });

    it("hands kubectl the stdin kubeconfig as a private file, removed afterwards, never as an argument", async () => {
        kubectl.set([pod({ log: "result\n" })]);
        const run = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
        assert.equal(run.code, 0, run.stderr);
        for (const k of kubectl.kubeconfigs()) {
            assert.equal(k.mode, "600");
            assert.equal(k.content, KUBECONFIG);
            assert.equal(k.existsNow, false, "the temporary kubeconfig is removed");
        }
        assert.ok(!kubectl.calls().some((c) => c.includes("TOKEN-collect-7d1e")));
    });

    it("fails with what to run, never an empty result, when the Job's pods are gone (TTL, a removed node)", async () => {
        // kubectl prints "No resources found" on stderr and exits 0: the old `logs --selector` stored "" (KLOGS-2).
        kubectl.set([pod({ phase: "Failed", log: "disrupted\n" })]);
        const run = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
        assert.equal(run.code, RESULT_GONE_EXIT);
        assert.equal(run.stdout, "");
        assert.ok(run.stderr.includes(resultGoneAdvice(NS, JOB, URN)), run.stderr);
        assert.ok(run.stderr.includes(`pulumi up --replace '${URN}'`));
        assert.equal(kubectl.calls().length, 1, "no log is read");
        assert.ok(kubectl.kubeconfigs().every((k) => !k.existsNow));
    });

    for (const step of ["get", "logs"] as const) {
        it(`fails at kubectl's failure in \`${step}\` (no result, no kubeconfig left); the next run reads the fresh result`, async () => {
            kubectl.set([pod({ log: "fresh result\n" })], { failAt: step });
            const failed = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
            assert.equal(failed.code, 1);
            assert.equal(failed.stdout, "", "nothing that a parser could take for a result");
            assert.ok(kubectl.kubeconfigs().every((k) => !k.existsNow));
            kubectl.set([pod({ log: "fresh result\n" })]);
            const again = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
            assert.equal(again.code, 0, again.stderr);
            assert.equal(again.stdout, "fresh result\n");
        });

        it(`killed during \`${step}\` (SIGTERM to the process group): exits 143, removes the kubeconfig; the next run converges`, async () => {
            kubectl.set([pod({ log: "fresh result\n" })], { hangAt: step });
            const killed = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH }, { ready: () => kubectl.hanging, signal: "SIGTERM" });
            assert.equal(killed.code, 143);
            assert.equal(killed.stdout, "");
            assert.ok(kubectl.kubeconfigs().length > 0 && kubectl.kubeconfigs().every((k) => !k.existsNow), "no kubeconfig left on disk");
            rmSync(path.join(dir, "hanging"), { force: true });
            kubectl.set([pod({ log: "fresh result\n" })]);
            const again = await sh(script(), KUBECONFIG, { PATH: kubectl.PATH });
            assert.equal(again.code, 0, again.stderr);
            assert.equal(again.stdout, "fresh result\n");
        });
    }

    it("refuses a namespace or Job name that is not a DNS label, and a URN that could leave its quotes", () => {
        assert.throws(() => jobLogScript("hello'; rm -rf /", JOB, "loadtest", URN), /namespace = .*a lower-case DNS label/);
        assert.throws(() => jobLogScript(NS, JOB, "loadtest", "urn:pulumi:x'; rm -rf /"), /urn = .*a Pulumi URN/);
    });
});

describe("the update script (the same Job, a changed kubeconfig or script)", () => {
    it("repeats the stored result", async () => {
        const run = await sh(repeatPreviousResultScript(NS, JOB, URN), KUBECONFIG, { PULUMI_COMMAND_STDOUT: "progress\n{\"a\":1}" });
        assert.equal(run.code, 0);
        assert.equal(run.stdout, "progress\n{\"a\":1}\n");
    });

    it("refuses to repeat an empty stored result (what `logs --selector` stored once the pods were gone) and says what to run", async () => {
        for (const env of [{ PULUMI_COMMAND_STDOUT: "" }, {}] as Record<string, string>[]) {
            const run = await sh(repeatPreviousResultScript(NS, JOB, URN), KUBECONFIG, env);
            assert.equal(run.code, RESULT_GONE_EXIT);
            assert.equal(run.stdout, "");
            assert.ok(run.stderr.includes(`pulumi up --replace '${URN}'`), run.stderr);
        }
    });
});
