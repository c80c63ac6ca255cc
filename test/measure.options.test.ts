/**
 * apps/measure's contract with the stack: the Job's args (`measureArgs`, parsed back by the CLI), the deadline the
 * settings need, and the Role rules the ServiceAccount gets (nothing beyond the twin).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MEASURE_DEFAULTS, measureArgs, measureBudget, measureDeadlineSeconds, parseMeasureArguments, selectorFromLabels, selectorProblem } from "../apps/measure/src/options";
import { measureRoleRules } from "../apps/measure/src/rbac";

const required = { target: "wasm", namespace: "apps", twinDeployment: "hello-wasm-twin", servingDeployment: "hello-wasm", servingSelector: "app.kubernetes.io/instance=hello,app.kubernetes.io/name=hello-wasm" };

describe("measureArgs and parseMeasureArguments", () => {
    it("writes flags the CLI reads back to the same options, defaults filled in", () => {
        const args = measureArgs({ ...required, loadTestJob: "hello-loadtest-wasm-1a2b3c4d", maxScaleOutSeconds: 30 });
        assert.deepEqual(args, [
            "--target=wasm", "--namespace=apps", "--twin=hello-wasm-twin", "--serving-deployment=hello-wasm",
            "--serving-selector=app.kubernetes.io/instance=hello,app.kubernetes.io/name=hello-wasm",
            "--loadtest-job=hello-loadtest-wasm-1a2b3c4d", "--max-scale-out-seconds=30",
        ]);
        const parsed = parseMeasureArguments(args);
        assert.equal(parsed.kind, "run");
        if (parsed.kind !== "run") return;
        assert.deepEqual(parsed.options, { ...MEASURE_DEFAULTS, ...required, loadTestJob: "hello-loadtest-wasm-1a2b3c4d", maxScaleOutSeconds: 30 });
        assert.equal(parsed.options.replicas, 20);
        assert.equal(parsed.options.rounds, 3);
        assert.equal(parsed.options.port, 8080);
        assert.equal(parsed.options.healthPath, "/healthz");
    });

    it("refuses options the CLI would refuse, listing every problem, at preview time", () => {
        assert.throws(
            () => measureArgs({ ...required, namespace: "Apps", replicas: 0, servingSelector: "app in (a,b)" }),
            (e: Error) => {
                assert.match(e.message, /^measureArgs: invalid measurement options:/);
                assert.match(e.message, /--namespace: "Apps" is not accepted; expected a namespace name/);
                assert.match(e.message, /--serving-selector: "app in \(a,b\)" is not accepted; expected an equality label selector/);
                assert.match(e.message, /--replicas: "0" is not accepted; expected a whole number from 1 to 200/);
                return true;
            },
        );
    });

    it("reads --flag value as well as --flag=value, and refuses a flag given twice", () => {
        const parsed = parseMeasureArguments(["--target", "container", "--namespace", "apps", "--twin", "t", "--serving-deployment", "s", "--serving-selector", "a=b", "--rounds", "1", "--rounds=2"]);
        assert.deepEqual(parsed, { kind: "invalid", problems: [`--rounds: given more than once ("1" and "2"); give it once`] });
    });

    it("accepts only equality selectors, as matchLabels gives them", () => {
        assert.equal(selectorProblem("app.kubernetes.io/name=hello-wasm,pod-template-hash=6f7c9d8b4"), undefined);
        assert.equal(selectorProblem("app="), undefined, "an empty label value is a value");
        for (const bad of ["app", "app!=x", "app==x", "app in (x)", "=x", "a=b,", "a b=c"]) assert.notEqual(selectorProblem(bad), undefined, bad);
        assert.equal(selectorFromLabels({ b: "2", a: "1" }), "a=1,b=2");
    });
});

describe("measureDeadlineSeconds", () => {
    it("covers every wait at its timeout, every retry's backoff and a margin, so a slow valid run is not cut short", () => {
        // Defaults, with a load test: footprint 600 + 900 + 180; rounds 3 × (300 + 2 × 180): a round may first wait
        // for a twin the previous round left up (issue 19: the old budget had one scale-in wait in all); retries
        // 15.5 s of backoff × (6 footprint calls + the first GET + 3 pre-round PATCHes) = 155 s; margin 120.
        assert.deepEqual(measureBudget({ loadTestJob: "x" }), { footprintSeconds: 1680, roundsSeconds: 1980, retriesSeconds: 155, marginSeconds: 120, totalSeconds: 3935 });
        assert.equal(measureDeadlineSeconds({ loadTestJob: "x" }), 3935);
        // Without a load test only the settle wait precedes the rounds; one attempt per call: no backoff.
        assert.equal(measureDeadlineSeconds({ rounds: 1, scaleOutTimeoutSeconds: 60, scaleInTimeoutSeconds: 60, apiAttempts: 1 }, 0), 180 + 60 + 2 * 60);
    });

    it("grows by a scale-out and two scale-in waits per round", () => {
        const at = (rounds: number) => measureBudget({ rounds, scaleOutTimeoutSeconds: 100, scaleInTimeoutSeconds: 10, apiAttempts: 1 }, 0).totalSeconds;
        assert.equal(at(4) - at(3), 100 + 2 * 10);
    });
});

describe("measureRoleRules", () => {
    it("grants get/patch of the twin's scale, get of the twin, list/watch of pods and list of pod metrics: nothing else", () => {
        assert.deepEqual(measureRoleRules(["hello-wasm-twin"]), [
            { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["hello-wasm-twin"], verbs: ["patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["hello-wasm-twin"], verbs: ["get"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
            { apiGroups: ["metrics.k8s.io"], resources: ["pods"], verbs: ["list"] },
        ]);
    });

    it("names every twin of a shared namespace, and never an empty list", () => {
        assert.deepEqual(measureRoleRules(["web-twin", "hello-wasm-twin", "web-twin"])[0].resourceNames, ["hello-wasm-twin", "web-twin"]);
        assert.throws(() => measureRoleRules([]), /measureRoleRules: twinDeployments = \[\]: at least one Deployment name/);
    });

    it("never grants a write verb outside deployments/scale, a wildcard, or a secret", () => {
        for (const rule of measureRoleRules(["t"])) {
            assert.ok(![...rule.verbs, ...rule.resources, ...rule.apiGroups].includes("*"));
            assert.ok(!rule.resources.includes("secrets"));
            const writes = rule.verbs.filter((v) => !["get", "list", "watch"].includes(v));
            if (writes.length > 0) assert.deepEqual([rule.resources, writes, rule.resourceNames], [["deployments/scale"], ["patch"], ["t"]]);
        }
    });
});
