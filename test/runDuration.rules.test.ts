/**
 * components/runDuration.ts: one `pulumi up`'s worst case from the config, and the refusal of a config whose worst case
 * does not fit the deploy job's timeout less the margin (platform-contracts CONV-8). Each wait is pinned to the bound
 * its component sets (imported, so a component's bound can change without touching this file); what is pinned is
 * which waits a config has, how they add up, where the refusal starts and which key it names.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configDefaults, parseStackConfig, StackConfigError, type StackConfig } from "../config";
import { activeDeadlineSeconds, AWAIT_MARGIN_SECONDS } from "../components/app/loadTest";
import { measurementBudgetForConfig } from "../components/app/scaleMeasurement";
import { SHIM_INSTALLER_TIMEOUT_SECONDS } from "../components/platform/shimInstaller";
import { imageMirrorWorstCaseSeconds } from "../components/platform/runtimeImageMirror";
import { REINSTALL_TIMEOUT_SECONDS } from "../components/platform/spinKubeRuntime";
import { DEPLOY_JOB_TIMEOUT_MINUTES, RUN_MARGIN_MINUTES, runDurationProblems, runWaits, runWorstCaseSeconds, WHOLE_CONFIG_CHECKS } from "../components/runDuration";

const config = (over: Partial<StackConfig> = {}): StackConfig => ({ ...configDefaults(), ...over });
const wait = (c: StackConfig, key: string) => runWaits(c).filter((w) => w.key === key);
const LIMIT_SECONDS = (DEPLOY_JOB_TIMEOUT_MINUTES - RUN_MARGIN_MINUTES) * 60;

describe("a run's bounded waits", () => {
    it("waits for the shim installer DaemonSet on a containerd-2 pool, and for the image import and the reinstall budget on Ubuntu 22.04", () => {
        for (const wasmOsSku of ["Ubuntu", "AzureLinux"] as const) {
            const c = config({ wasmRuntime: "spinkube", wasmOsSku });
            assert.deepEqual(wait(c, "wasmOsSku").map((w) => w.seconds), [SHIM_INSTALLER_TIMEOUT_SECONDS], wasmOsSku);
            assert.deepEqual(wait(c, "wasmNodeCountMax"), [], wasmOsSku);
        }
        const legacy = config({ wasmRuntime: "spinkube", wasmOsSku: "Ubuntu2204", wasmNodeCount: 2, wasmNodeCountMax: 4 });
        // The release pass reads each node the pool can have (the larger of its count and maximum): 3 requests each.
        assert.deepEqual(wait(legacy, "wasmNodeCountMax").map((w) => w.seconds), [REINSTALL_TIMEOUT_SECONDS.budget + 4 * 3 * REINSTALL_TIMEOUT_SECONDS.request]);
        // runtime-class-manager's three images are imported into the registry first (runtimeImageMirror.ts).
        assert.deepEqual(wait(legacy, "wasmOsSku").map((w) => w.seconds), [imageMirrorWorstCaseSeconds(3)]);
        const wasi = config({ wasmRuntime: "wasmwasi" });
        assert.deepEqual([...wait(wasi, "wasmOsSku"), ...wait(wasi, "wasmNodeCountMax")], [], "no shim to install");
    });

    it("waits for the load test per target, or for the measurement beside it when that is longer, and for no gate without the load test", () => {
        const d = 120;
        const alone = config({ loadTest: true, measure: false, containerBaseline: false, loadTestDurationSeconds: d });
        assert.deepEqual(wait(alone, "loadTestDurationSeconds").map((w) => w.seconds), [activeDeadlineSeconds(d) + AWAIT_MARGIN_SECONDS]);
        const both = config({ loadTest: true, measure: false, containerBaseline: true, loadTestDurationSeconds: d });
        assert.deepEqual(wait(both, "loadTestDurationSeconds").map((w) => w.seconds), [2 * activeDeadlineSeconds(d) + AWAIT_MARGIN_SECONDS], "Wasm and container, one after the other");

        const measured = config({ loadTest: true, measure: true, containerBaseline: false, loadTestDurationSeconds: 40 });
        const budget = measurementBudgetForConfig(measured)!.stackWaitSeconds;
        assert.ok(budget > activeDeadlineSeconds(40) + AWAIT_MARGIN_SECONDS, "the defaults' measurement outlasts their load test");
        assert.deepEqual(wait(measured, "measureRounds").map((w) => w.seconds), [budget]);
        assert.deepEqual(wait(measured, "loadTestDurationSeconds"), [], "the longer of the two side by side, not both");
        const none = config({ loadTest: false, measure: true });
        assert.deepEqual([...wait(none, "loadTestDurationSeconds"), ...wait(none, "measureRounds")], []);
    });

    it("adds every wait at its bound", () => {
        for (const c of [config(), config({ ingressMode: "gateway", containerBaseline: true }), config({ wasmRuntime: "wasmwasi", loadTest: false })]) {
            assert.equal(runWorstCaseSeconds(c), runWaits(c).reduce((s, w) => s + w.seconds, 0));
        }
        assert.equal(wait(config({ ingressMode: "gateway" }), "ingressMode").length, 1);
        assert.equal(wait(config({ ingressMode: "ingress" }), "ingressMode").length, 0);
    });
});

describe("the run-duration refusal", () => {
    // Durations past config's own range, to reach the job's limit with the load test alone (the rule, not the key's range).
    const atDuration = (d: number) => config({ loadTest: true, measure: false, containerBaseline: false, loadTestDurationSeconds: d });
    const fitting = 100 + LIMIT_SECONDS - runWorstCaseSeconds(atDuration(100));

    it("accepts a worst case of exactly the job's timeout less the margin, and refuses one second more", () => {
        assert.equal(LIMIT_SECONDS, 155 * 60);
        assert.equal(runWorstCaseSeconds(atDuration(fitting)), LIMIT_SECONDS);
        assert.deepEqual(runDurationProblems(atDuration(fitting)), []);
        const [p, ...rest] = runDurationProblems(atDuration(fitting + 1));
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["loadTestDurationSeconds", String(fitting + 1)], "the largest wait's key and value");
        assert.ok(p.accepted.includes(`${DEPLOY_JOB_TIMEOUT_MINUTES} minutes`), p.accepted);
        assert.ok(p.accepted.includes(`${Math.ceil((LIMIT_SECONDS + 1) / 60)} minutes`), p.accepted);
        assert.ok(p.accepted.includes(`more than ${LIMIT_SECONDS / 60}`), p.accepted);
    });

    it("names the largest wait, not the last one", () => {
        // A pool large enough that the shim reinstall's release pass outgrows the job (a count past config's range,
        // for the rule alone); the Deployment rollout is the last wait.
        const c = config({ wasmRuntime: "spinkube", wasmOsSku: "Ubuntu2204", loadTest: false, wasmNodeCount: 1, wasmNodeCountMax: 300 });
        const waits = runWaits(c);
        assert.notEqual(waits[waits.length - 1].key, "wasmNodeCountMax");
        const [p, ...rest] = runDurationProblems(c);
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["wasmNodeCountMax", "300"]);
    });

    it("accepts the stack's defaults", () => {
        assert.deepEqual(runDurationProblems(config()), []);
    });

    it("names the first of two equally long largest waits (the shim reinstall before the load test)", () => {
        // Both past config's ranges, for the rule alone: a reinstall budget and a load test of the same length, together
        // past the limit. The refusal names one key, the earlier wait's, whichever way the config lists them.
        const reinstall = REINSTALL_TIMEOUT_SECONDS.budget + 120 * 3 * REINSTALL_TIMEOUT_SECONDS.request;
        const d = reinstall - activeDeadlineSeconds(0) - AWAIT_MARGIN_SECONDS;
        const c = config({ wasmRuntime: "spinkube", wasmOsSku: "Ubuntu2204", wasmNodeCount: 1, wasmNodeCountMax: 120, loadTest: true, measure: false, containerBaseline: false, loadTestDurationSeconds: d });
        assert.deepEqual([wait(c, "wasmNodeCountMax")[0].seconds, wait(c, "loadTestDurationSeconds")[0].seconds], [reinstall, reinstall], "a tie");
        assert.ok(runWorstCaseSeconds(c) > LIMIT_SECONDS);
        const [p, ...rest] = runDurationProblems(c);
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["wasmNodeCountMax", "120"]);
    });
});

describe("the program's whole-config checks (index.ts and npm run render pass WHOLE_CONFIG_CHECKS)", () => {
    // The config rules cannot import components/runDuration.ts (an import circle): the refusal reaches `pulumi up` only
    // through this list, so an empty or shortened list would let a run GitHub kills through.
    const parse = (raw: Record<string, string>) =>
        parseStackConfig(raw, { wholeConfigChecks: WHOLE_CONFIG_CHECKS, today: "2026-12-03", appManifestExists: () => true, appManifestProblems: () => [] });

    it("refuses, before any resource, a config within every key's range whose run does not fit the deploy job", () => {
        // Ubuntu 22.04: the shim reinstall's release pass reads up to wasmNodeCountMax nodes, 1500 + 100 × 30 s with
        // the rest past the 155 minutes; without the checks the same values parse.
        const raw = { wasmOsSku: "Ubuntu2204", wasmNodeCountMax: "100" };
        assert.equal(parseStackConfig(raw, { today: "2026-12-03", appManifestExists: () => true, appManifestProblems: () => [] }).wasmNodeCountMax, 100);
        assert.throws(
            () => parse(raw),
            (e: unknown) => e instanceof StackConfigError && e.problems.length === 1 && e.problems[0].key === "wasmNodeCountMax" && e.problems[0].value === "100",
        );
    });

    it("accepts the defaults, and the same pool on containerd 2 (no reinstall pass)", () => {
        assert.equal(parse({}).wasmOsSku, configDefaults().wasmOsSku);
        assert.equal(parse({ wasmOsSku: "Ubuntu", wasmNodeCountMax: "100" }).wasmNodeCountMax, 100);
    });
});
