/**
 * ScaleMeasurement (issue 14), the Pulumi side: the twins, their NetworkPolicy, the ServiceAccount/Role/RoleBinding,
 * the Jobs and the collection, registered by a SpinApp under the SDK's mocks (lib/offline/offline.ts) on a Platform with
 * the load test, the container baseline and an HPA; the pure pieces (Job manifest, deadline, settings, pulled-bytes
 * parsing); and the registry manifest reader (lib/registry/registryManifest.cjs) against manifests from the OCI image-spec
 * v1.1.1 examples and against a stand-in registry (a local HTTP server, named as such below).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { installOfflineMocks, isSecretInput, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

type Measure = typeof import("../components/app/scaleMeasurement");
type Summary = import("../lib/results/measurementResult").MeasurementSummary;

const MEASURE_IMAGE = `mockacr.azurecr.io/measure@sha256:${"ef".repeat(32)}`;
const LOADTEST_IMAGE = `mockacr.azurecr.io/loadtest@sha256:${"ab".repeat(32)}`;
const THRESHOLDS = { maxScaleOutSeconds: 12.5, maxFirstResponseSeconds: 0.75, maxPodMemoryMiB: 64 };

/** A result line as apps/measure prints it (lib/results/measurementResult.ts), with placeholder figures per target. */
function resultLine(target: string, allReady: number, memoryMiB: number): string {
    const times = (median: number) => ({ median, rounds: [median, median, median], timedOut: 0, timeoutSeconds: 300 });
    const footprint = { pods: 2, samples: 5, cpuMillicores: 3, memoryMiB, maxMemoryMiB: memoryMiB + 1, noSampleReason: null };
    return `aks-wasm-measurement ${JSON.stringify({
        schemaVersion: 2,
        target,
        namespace: "hello-wasm",
        twinDeployment: target === "wasm" ? "hello-wasm-twin" : "hello-wasm-container-twin",
        servingDeployment: target === "wasm" ? "hello-wasm" : "hello-wasm-container",
        replicas: 7,
        rounds: 3,
        startedAt: "2026-11-26T00:00:00.000Z",
        finishedAt: "2026-11-26T00:05:00.000Z",
        allReady: times(allReady),
        firstResponse: times(allReady / 2),
        scaleIn: times(1),
        footprint: { idle: footprint, underLoad: footprint },
        twinScaledToZero: true,
        thresholds: THRESHOLDS,
        breaches: [],
        verdict: "pass",
    })}`;
}

let run: OfflineRun;
let m: Measure;
let schema: typeof import("../lib/kubernetes/kubernetesSchema");
let app: InstanceType<typeof import("../components/app/spinApp").SpinApp>;
const dependencies = new Map<string, string[]>();

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}
const byMetadataName = (type: string, name: string) => {
    const found = run.resources.filter((r) => r.type === type && r.inputs?.metadata?.name === name);
    assert.equal(found.length, 1, `expected one ${type} with metadata.name ${name}, found ${found.length}`);
    return found[0].inputs;
};
const twinOf = (target: "wasm" | "container") => find("kubernetes:apps/v1:Deployment", `hello-wasm-measure-${target}-twin`).inputs;
const jobOf = (target: "wasm" | "container") => find("kubernetes:batch/v1:Job", `hello-wasm-measure-${target}`).inputs;

/** Whether a label selector (matchLabels) selects pods carrying `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

before(async () => {
    run = await installOfflineMocks({
        overrides: (args) => {
            if (args.type !== "command:local:Command" || !String(args.name).startsWith("hello-wasm-measure-")) return undefined;
            const wasm = String(args.name).startsWith("hello-wasm-measure-wasm-");
            return { stdout: `progress: round 3 of 3\n${wasm ? resultLine("wasm", 2, 10) : resultLine("container", 8, 40)}\n`, stderr: "" };
        },
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
        dependencies.set(req.getName(), req.getDependenciesList());
        return original(req, callback);
    };
    m = await import("../components/app/scaleMeasurement.js");
    schema = await import("../lib/kubernetes/kubernetesSchema.js");
    await schema.loadKubernetesSchemas();
    const { configDefaults, PROJECT } = await import("../config/index.js");
    const { Platform } = await import("../components/platform/platform.js");
    const { SpinApp } = await import("../components/app/spinApp.js");
    const platform = new Platform("platform", { ...configDefaults(), project: PROJECT, stack: "dev" });
    const described = { ...platform.describe({ loadTestImage: LOADTEST_IMAGE }), measureImage: MEASURE_IMAGE };
    const root = path.resolve(__dirname, "..");
    app = new SpinApp("hello-wasm", {
        platform: described,
        appDir: path.join(root, "apps", "hello-wasm"),
        replicas: 2,
        maxReplicas: 5,
        loadTest: { durationSeconds: 25 },
        containerBaseline: { context: root, dockerfile: path.join(root, "apps", "hello-wasm-container", "Dockerfile") },
        measure: { replicas: 7, rounds: 3, thresholds: THRESHOLDS },
    });
    await valueOf(app.output);
    await valueOf(app.loadTestOutput!);
    await settle();
});

describe("the twins", () => {
    it("are Deployments <app>-twin and <app>-container-twin at 0 replicas, without PDB or HPA", () => {
        assert.equal(twinOf("wasm").metadata.name, "hello-wasm-twin");
        assert.equal(twinOf("container").metadata.name, "hello-wasm-container-twin");
        for (const t of ["wasm", "container"] as const) assert.equal(twinOf(t).spec.replicas, 0);
        const pdbs = run.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget").map((r) => r.inputs.metadata.name);
        const hpas = run.resources.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
        assert.ok(!pdbs.some((n: string) => n.endsWith("-twin")), pdbs.join());
        assert.equal(hpas.length, 1, "the serving app's HPA only");
        assert.equal(hpas[0].inputs.spec.scaleTargetRef.name, "hello-wasm");
    });

    it("run the serving pod: same spec (image, runtime class, resources, security, env, placement), other labels", () => {
        for (const [target, serving] of [["wasm", "hello-wasm"], ["container", "hello-wasm-container"]] as const) {
            const servingTemplate = byMetadataName("kubernetes:apps/v1:Deployment", serving).spec.template;
            const twinTemplate = twinOf(target).spec.template;
            const withoutSpreadSelectors = (spec: any) => ({
                ...spec,
                topologySpreadConstraints: spec.topologySpreadConstraints.map((c: any) => ({ ...c, labelSelector: undefined })),
            });
            assert.deepEqual(withoutSpreadSelectors(twinTemplate.spec), withoutSpreadSelectors(servingTemplate.spec), target);
            // The spread counts the twin's own pods, not the serving ones.
            assert.deepEqual(twinTemplate.spec.topologySpreadConstraints[0].labelSelector.matchLabels, twinOf(target).spec.selector.matchLabels);
            assert.notDeepEqual(twinTemplate.metadata.labels, servingTemplate.metadata.labels);
            assert.equal(twinTemplate.metadata.labels["app.kubernetes.io/component"], "measure-twin");
        }
        assert.equal(twinOf("wasm").spec.template.spec.runtimeClassName, "wasmtime-spin-v2");
        assert.match(twinOf("wasm").spec.template.spec.containers[0].image, /\/hello-wasm@sha256:[0-9a-f]{64}$/);
    });

    it("are selected by none of the app's Services, PDBs, HPA or NetworkPolicies, and select no serving pod", () => {
        const twinLabels = [twinOf("wasm"), twinOf("container")].map((t) => t.spec.template.metadata.labels);
        const selectors: [string, Record<string, string>][] = [
            ...run.resources.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => [`Service ${r.inputs.metadata.name}`, r.inputs.spec.selector] as [string, Record<string, string>]),
            ...run.resources
                .filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget")
                .map((r) => [`PDB ${r.inputs.metadata.name}`, r.inputs.spec.selector.matchLabels] as [string, Record<string, string>]),
            ...run.resources
                // Ingress policies only: the namespace's egress policies (default-deny among them) select every pod by design.
                .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.inputs.spec.policyTypes?.includes("Ingress") && !r.inputs.metadata.name.endsWith("-twin-ingress"))
                .map((r) => [`NetworkPolicy ${r.inputs.metadata.name}`, r.inputs.spec.podSelector.matchLabels] as [string, Record<string, string>]),
        ];
        assert.equal(selectors.length, 5, "2 Services, the app's PDB, 2 NetworkPolicies");
        for (const [what, selector] of selectors) for (const labels of twinLabels) assert.ok(!selects(selector, labels), `${what} selects a twin`);
        for (const serving of ["hello-wasm", "hello-wasm-container"]) {
            const labels = byMetadataName("kubernetes:apps/v1:Deployment", serving).spec.template.metadata.labels;
            for (const t of ["wasm", "container"] as const) assert.ok(!selects(twinOf(t).spec.selector.matchLabels, labels), `twin ${t} selects ${serving}`);
        }
    });

    it("admit only the measurement pods to their port, through their own NetworkPolicy", () => {
        for (const t of ["wasm", "container"] as const) {
            const twin = twinOf(t);
            const policy = byMetadataName("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${twin.metadata.name}-ingress`);
            assert.deepEqual(policy.spec.podSelector.matchLabels, twin.spec.selector.matchLabels);
            assert.deepEqual(policy.spec.ingress, [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "measure" } } }], ports: [{ protocol: "TCP", port: "http-app" }] }]);
            assert.ok(selects(policy.spec.ingress[0].from[0].podSelector.matchLabels, jobOf(t).spec.template.metadata.labels), "the Job's pods are admitted");
        }
    });

    it("let Pulumi take replicas back from the program's field manager (patchForce)", () => {
        for (const t of ["wasm", "container"] as const) assert.equal(twinOf(t).metadata.annotations["pulumi.com/patchForce"], "true");
    });
});

describe("the measurement's identity (platform-contracts RBAC-1..3)", () => {
    it("is its own ServiceAccount, token not mounted by default", () => {
        const sa = find("kubernetes:core/v1:ServiceAccount", "hello-wasm-measure-sa").inputs;
        assert.equal(sa.metadata.name, "hello-wasm-measure");
        assert.equal(sa.automountServiceAccountToken, false);
    });

    it("has a Role that can read and scale only the twins, and read pods and pod metrics: exactly these rules", () => {
        const role = find("kubernetes:rbac.authorization.k8s.io/v1:Role", "hello-wasm-measure-role").inputs;
        assert.deepEqual(role.rules, [
            { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["hello-wasm-container-twin", "hello-wasm-twin"], verbs: ["patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["hello-wasm-container-twin", "hello-wasm-twin"], verbs: ["get"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
            { apiGroups: ["metrics.k8s.io"], resources: ["pods"], verbs: ["list"] },
        ]);
        // Nothing that writes outside the twins' scale, nothing on the serving Deployments, no wildcard.
        for (const rule of role.rules) {
            assert.ok(!rule.verbs.some((v: string) => ["create", "delete", "deletecollection", "update", "*"].includes(v)), JSON.stringify(rule));
            assert.ok(!rule.resources.includes("*") && !rule.apiGroups.includes("*"));
            if (rule.verbs.includes("patch")) assert.ok((rule.resourceNames ?? []).length > 0 && (rule.resourceNames ?? []).every((n: string) => n.endsWith("-twin")));
        }
    });

    it("binds that Role to that ServiceAccount in the app's namespace, and nothing else", () => {
        const binding = find("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "hello-wasm-measure-rolebinding").inputs;
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "hello-wasm-measure" });
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "hello-wasm-measure", namespace: "hello-wasm" }]);
        assert.equal(run.resources.filter((r) => r.type.includes("ClusterRole")).length, 0, "no cluster-wide grant");
    });
});

describe("the measurement Jobs", () => {
    it("wait for this rollout's load-test Job by its exact name, not for any pod that matches labels (issue 19)", () => {
        for (const t of ["wasm", "container"] as const) {
            const loadTestJob = find("kubernetes:batch/v1:Job", `hello-wasm-loadtest-${t}`).inputs.metadata.name;
            assert.match(loadTestJob, /^hello-wasm-loadtest-[a-z]+-[0-9a-f]{8}$/);
            const args: string[] = jobOf(t).spec.template.spec.containers[0].args;
            assert.ok(args.includes(`--loadtest-job=${loadTestJob}`), `--loadtest-job=${loadTestJob} in ${args.join(" ")}`);
            assert.ok(!args.some((a) => a.startsWith("--loadtest-selector")), "no label selector for the load test");
        }
    });

    it("run the program under restricted security on the system pool, the only pod with an API token", () => {
        for (const t of ["wasm", "container"] as const) {
            const pod = jobOf(t).spec.template.spec;
            assert.equal(pod.automountServiceAccountToken, true);
            assert.equal(pod.serviceAccountName, "hello-wasm-measure");
            assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
            assert.deepEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } });
            assert.deepEqual(pod.nodeSelector, { "kubernetes.azure.com/mode": "system" });
            assert.equal(pod.runtimeClassName, undefined);
            assert.equal(pod.containers[0].image, MEASURE_IMAGE);
        }
        const others = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || (r.type === "kubernetes:batch/v1:Job" && !r.name.startsWith("hello-wasm-measure")));
        for (const r of others) assert.equal(r.inputs.spec.template.spec.automountServiceAccountToken, false, r.name);
    });

    it("have a deadline and a stack wait computed from rounds × (scale-out + scale-in waits) plus the load (issue 19)", async () => {
        const { configDefaults } = await import("../config/index.js");
        for (const t of ["wasm", "container"] as const) {
            const job = jobOf(t);
            const deadline = job.spec.activeDeadlineSeconds;
            assert.equal(job.metadata.annotations["pulumi.com/timeoutSeconds"], String(deadline + 60), "the stack waits past the Job's own deadline");
        }
        const input = (over: { rounds?: number; load?: number }) => ({
            target: "container", namespace: "app", twinName: "app-twin", servingDeployment: "app", servingSelector: { a: "b" },
            loadTestJob: "app-loadtest-container-00000000", loadTestTargets: 2,
            settings: { replicas: 20, rounds: over.rounds ?? 3, thresholds: { maxScaleOutSeconds: 0, maxFirstResponseSeconds: 0, maxPodMemoryMiB: 0 }, loadTestDurationSeconds: over.load ?? 40 },
        });
        const b = m.measurementBudget(input({}));
        assert.equal(b.deadlineSeconds, b.footprintSeconds + b.roundsSeconds + b.retriesSeconds + b.marginSeconds);
        assert.equal(b.stackWaitSeconds, b.deadlineSeconds + 60);
        // Each round adds a scale-out wait and two scale-in waits (300 + 2 × 180 by default), and its PATCH's backoff.
        assert.equal(m.measurementBudget(input({ rounds: 4 })).roundsSeconds - b.roundsSeconds, 300 + 2 * 180);
        // Each second of load adds to the wait for both targets' loads (2 targets) and for this one's run.
        assert.equal(m.measurementBudget(input({ load: 41 })).footprintSeconds - b.footprintSeconds, 2 + 1);
        assert.deepEqual(m.measurementBudgetForConfig({ ...configDefaults(), containerBaseline: true }), b, "the config's budget is the longest Job's");
        assert.equal(m.measurementBudgetForConfig({ ...configDefaults(), measure: false }), undefined);
    });

    it("are bounded: no retry, a deadline that covers every wait of the program (so a slow valid run is not cut), a day's TTL", async () => {
        const { measureDeadlineSeconds, parseMeasureArguments } = await import("../apps/measure/src/options.js");
        for (const t of ["wasm", "container"] as const) {
            const spec = jobOf(t).spec;
            assert.equal(spec.backoffLimit, 0);
            assert.equal(spec.ttlSecondsAfterFinished, 86_400);
            const parsed = parseMeasureArguments(spec.template.spec.containers[0].args);
            assert.equal(parsed.kind, "run", "the program accepts the Job's args");
            if (parsed.kind !== "run") continue;
            // The load-test pod of the second target starts after the first's load (25 s each here): the wait covers both.
            assert.ok(parsed.options.loadTestStartTimeoutSeconds >= 2 * 25, "waits through both targets' loads");
            assert.ok(spec.activeDeadlineSeconds >= measureDeadlineSeconds(parsed.options), "deadline ≥ the program's longest run");
            assert.equal(jobOf(t).metadata.annotations["pulumi.com/timeoutSeconds"], String(spec.activeDeadlineSeconds + 60));
        }
    });

    it("pass the config's thresholds, N, rounds and the targets' names to the program", () => {
        const args: string[] = jobOf("container").spec.template.spec.containers[0].args;
        for (const expected of [
            "--target=container",
            "--namespace=hello-wasm",
            "--twin=hello-wasm-container-twin",
            "--serving-deployment=hello-wasm-container",
            "--serving-selector=app.kubernetes.io/name=hello-wasm-container,app.kubernetes.io/instance=hello-wasm-container",
            "--replicas=7",
            "--rounds=3",
            "--max-scale-out-seconds=12.5",
            "--max-first-response-seconds=0.75",
            "--max-pod-memory-mib=64",
        ]) {
            assert.ok(args.includes(expected), `${expected} in ${args.join(" ")}`);
        }
    });

    it("run beside the load test: they wait for the workloads, their twin and the RBAC, not for a load-test Job", () => {
        const urnOf = (type: string, name: string) => find(type, name).urn;
        for (const t of ["wasm", "container"] as const) {
            const deps = dependencies.get(`hello-wasm-measure-${t}`) ?? [];
            assert.ok(deps.includes(urnOf("kubernetes:apps/v1:Deployment", `hello-wasm-measure-${t}-twin`)), "its twin");
            assert.ok(deps.includes(urnOf("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "hello-wasm-measure-rolebinding")), "the RoleBinding");
            // A component in dependsOn stands for its resources: the serving Deployment among them.
            assert.ok(deps.includes(urnOf("kubernetes:apps/v1:Deployment", t === "wasm" ? "hello-wasm-deployment" : "hello-wasm-container-deployment")), "the serving Deployment");
            assert.ok(!deps.some((u) => u.includes("LoadTest") || /batch\/v1:Job::hello-wasm-loadtest/.test(u)), deps.join("\n"));
        }
    });

    it("validate against the upstream Kubernetes schemas, with everything else the measurement registers", () => {
        const kinds: [string, string, string][] = [
            ["kubernetes:apps/v1:Deployment", "apps/v1", "Deployment"],
            ["kubernetes:batch/v1:Job", "batch/v1", "Job"],
            ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "networking.k8s.io/v1", "NetworkPolicy"],
            ["kubernetes:core/v1:ServiceAccount", "v1", "ServiceAccount"],
            ["kubernetes:rbac.authorization.k8s.io/v1:Role", "rbac.authorization.k8s.io/v1", "Role"],
            ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rbac.authorization.k8s.io/v1", "RoleBinding"],
        ];
        let checked = 0;
        for (const r of run.resources.filter((x) => x.name.startsWith("hello-wasm-measure"))) {
            const kind = kinds.find(([type]) => type === r.type);
            if (!kind) continue;
            const object = { apiVersion: kind[1], kind: kind[2], ...r.inputs };
            assert.deepEqual(schema.validateKubernetesObject(object as any), [], `${kind[2]} ${r.name}`);
            checked++;
        }
        assert.equal(checked, 2 + 2 + 2 + 1 + 1 + 1, "2 twins, 2 twin policies, 2 Jobs, SA, Role, RoleBinding");
    });

    it("collect each Job's log with the kubeconfig on stdin only", () => {
        const cmd = find("command:local:Command", "hello-wasm-measure-wasm-result").inputs;
        assert.ok(isSecretInput(cmd.stdin));
        assert.equal(cmd.environment, undefined);
        assert.match(cmd.create, /logs "pod\/\$pod" --container 'measure'/);
        assert.ok(cmd.create.includes(`'batch.kubernetes.io/job-name=${jobOf("wasm").metadata.name}'`));
    });
});

describe("the measurement in the outputs", () => {
    it("exports per target the validated result plus the pulled bytes, and Wasm ÷ container", async () => {
        const out = await valueOf(app.loadTestOutput!);
        const measurements = out?.measurements as Record<string, Summary>;
        assert.deepEqual(Object.keys(measurements).sort(), ["container", "wasm"]);
        assert.equal(measurements.wasm.allReady.median, 2);
        assert.equal(measurements.container.footprint.underLoad.memoryMiB, 40);
        // The stand-in registry reader of lib/offline/mockCloud.cjs reports 0 bytes; the ratio is then null, not Infinity.
        assert.equal(measurements.wasm.pulledBytes, 0);
        const comparison = out?.measurementComparison;
        assert.equal(comparison?.allReadyMedian, 0.25);
        assert.equal(comparison?.underLoadMemoryMiB, 0.25);
        assert.equal(comparison?.pulledBytes, null);
        assert.ok(out?.summaries, "the load test's own summaries stay");
    });

    it("reads the pulled bytes with lib/registry/registryManifest.cjs at run time, naming only the registry and the image", () => {
        const calls = run.invokes.filter((i) => i.token === "command:local:run" && String(i.inputs.command).endsWith("registryManifest.cjs"));
        assert.equal(calls.length, 2, "one per target");
        const env = calls.map((c) => c.inputs.environment);
        assert.deepEqual(Object.keys(env[0]).sort(), ["ACR_LOGIN_SERVER", "ACR_NAME", "IMAGE_REF"]);
        assert.equal(calls[0].inputs.logging, "none");
        assert.deepEqual(calls[0].inputs.interpreter, [process.execPath]);
    });
});

describe("ScaleMeasurement pure pieces", () => {
    const settings = () => m.resolveMeasurementSettings("app-measure", { targets: [{ name: "wasm", twinName: "app-twin" } as any] });

    it("defaults to the stack config's defaults: 20 replicas, 3 rounds, no thresholds", () => {
        assert.deepEqual(settings(), { replicas: 20, rounds: 3, thresholds: { maxScaleOutSeconds: 0, maxFirstResponseSeconds: 0, maxPodMemoryMiB: 0 }, loadTestDurationSeconds: 40 });
    });

    it("reports every bad argument at once", () => {
        assert.throws(
            () =>
                m.resolveMeasurementSettings("app-measure", {
                    targets: [{ name: "wasm", twinName: "app-twin" } as any, { name: "wasm", twinName: "Twin" } as any],
                    replicas: 0,
                    rounds: 11,
                    thresholds: { maxScaleOutSeconds: -1, maxPodMemoryMiB: 1.5 },
                }),
            (e: Error) =>
                /6 problems/.test(e.message) &&
                /replicas = 0: a whole number from 1 to 100/.test(e.message) &&
                /rounds = 11/.test(e.message) &&
                /thresholds.maxScaleOutSeconds = -1/.test(e.message) &&
                /thresholds.maxPodMemoryMiB = 1.5/.test(e.message) &&
                /targets\[1\].twinName = "Twin"/.test(e.message) &&
                /targets\[1\].name = "wasm": distinct/.test(e.message),
        );
    });

    const job = (over: Partial<import("../components/app/scaleMeasurement").MeasurementJobInput> = {}) =>
        m.measurementJob({
            componentName: "app-measure",
            namespace: "app",
            image: MEASURE_IMAGE,
            serviceAccountName: "app-measure",
            target: "wasm",
            twinName: "app-twin",
            servingDeployment: "app",
            servingSelector: { "app.kubernetes.io/name": "app" },
            loadTestJob: "app-loadtest-wasm-0a1b2c3d",
            loadTestTargets: 1,
            rolloutTrigger: "app@sha256:1",
            settings: settings(),
            resources: m.DEFAULT_RESOURCES,
            nodeSelector: { "kubernetes.azure.com/mode": "system" },
            tolerations: [],
            ...over,
        });

    it("names the Job <component>-<target>-<hash>, re-run when an image digest changes and only then", () => {
        assert.match(job().metadata.name, /^app-measure-wasm-[0-9a-f]{8}$/);
        assert.equal(job().metadata.name, job().metadata.name);
        assert.notEqual(job({ rolloutTrigger: "app@sha256:2" }).metadata.name, job().metadata.name);
        assert.notEqual(job({ settings: { ...settings(), replicas: 10 } }).metadata.name, job().metadata.name);
    });

    it("takes only the pulledBytes the registry reader printed, and refuses anything else naming the target", () => {
        assert.equal(m.parsePulledBytes('{"pulledBytes":123,"manifestDigest":"sha256:x"}\n', "wasm"), 123);
        assert.throws(() => m.parsePulledBytes("", "wasm"), /registry manifest of "wasm": expected one JSON line/);
        assert.throws(() => m.parsePulledBytes('{"pulledBytes":-1}', "container"), /registry manifest of "container": pulledBytes = -1: a byte count/);
    });
});

describe("registry manifest sizes (lib/registry/registryManifest.cjs; platform-contracts ACRMAN-1, ACRMAN-2)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reader = require("../lib/registry/registryManifest.cjs") as typeof import("../lib/registry/registryManifest.cjs");
    const fixture = (name: string) => JSON.parse(readFileSync(path.join(__dirname, "fixtures", "registry", name), "utf8"));

    it("sums config + layers of an image manifest (OCI image-spec v1.1.1 example)", () => {
        assert.equal(reader.manifestPulledBytes(fixture("oci-image-manifest.image-spec-v1.1.1.json")), 7023 + 32654 + 16724 + 73109);
    });

    it("picks linux/amd64 out of an image index (OCI image-spec v1.1.1 example), never an entry without a platform", () => {
        const index = fixture("oci-image-index.image-spec-v1.1.1.json");
        assert.equal(reader.platformManifestDigest(index), "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270");
        // BuildKit pushes an attestation manifest beside the image's, with platform unknown/unknown.
        const withAttestation = { ...index, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1, digest: "sha256:att", platform: { os: "unknown", architecture: "unknown" } }, ...index.manifests] };
        assert.equal(reader.platformManifestDigest(withAttestation), "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270");
        assert.throws(() => reader.platformManifestDigest({ manifests: [index.manifests[0]] }), /lists no linux\/amd64 manifest \(it lists: linux\/ppc64le\)/);
        assert.throws(() => reader.manifestPulledBytes(index), /an image index, not a manifest/);
    });

    it("refuses a manifest with a size that is not a byte count", () => {
        const manifest = fixture("oci-image-manifest.image-spec-v1.1.1.json");
        manifest.layers[1].size = "16724";
        assert.throws(() => reader.manifestPulledBytes(manifest), /layers\[1\]: size "16724" is not a byte count/);
        assert.throws(() => reader.parsePinnedRef("myacr.azurecr.io/app:latest"), /pinned|sha256/);
    });

    describe("against a stand-in registry (a local HTTP server playing ACR's token and manifest endpoints)", () => {
        let server: Server;
        let base: string;
        const requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
        const index = fixture("oci-image-index.image-spec-v1.1.1.json");
        const manifest = fixture("oci-image-manifest.image-spec-v1.1.1.json");
        const INDEX_DIGEST = `sha256:${"11".repeat(32)}`;

        before(async () => {
            server = createServer((req, res) => {
                let body = "";
                req.on("data", (c) => (body += c));
                req.on("end", () => {
                    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
                    if (req.url === "/oauth2/token") {
                        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ access_token: "stand-in-access-token" }));
                    } else if (req.url === `/v2/team/app/manifests/${INDEX_DIGEST}`) {
                        res.writeHead(200, { "Content-Type": "application/vnd.oci.image.index.v1+json" }).end(JSON.stringify(index));
                    } else if (req.url === `/v2/team/app/manifests/${index.manifests[1].digest}`) {
                        res.writeHead(200, { "Content-Type": "application/vnd.oci.image.manifest.v1+json" }).end(JSON.stringify(manifest));
                    } else {
                        res.writeHead(404).end("{}");
                    }
                });
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        });
        after(() => server.close());

        it("exchanges the refresh token for a pull token on that one repository, then follows the index to linux/amd64", async () => {
            const result = await reader.registryPulledBytes({
                imageRef: `myacr.azurecr.io/team/app@${INDEX_DIGEST}`,
                registryName: "myacr",
                refreshToken: "stand-in-refresh-token",
                registryBaseUrl: base,
            });
            assert.deepEqual(result, { pulledBytes: 7023 + 32654 + 16724 + 73109, manifestDigest: index.manifests[1].digest, mediaType: "application/vnd.oci.image.manifest.v1+json" });
            const token = new URLSearchParams(requests[0].body);
            assert.equal(requests[0].url, "/oauth2/token");
            assert.deepEqual(Object.fromEntries(token), { grant_type: "refresh_token", service: "myacr.azurecr.io", scope: "repository:team/app:pull", refresh_token: "stand-in-refresh-token" });
            for (const r of requests.slice(1)) {
                assert.equal(r.headers.authorization, "Bearer stand-in-access-token");
                assert.match(String(r.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
                assert.match(String(r.headers.accept), /application\/vnd\.docker\.distribution\.manifest\.v2\+json/);
            }
            assert.equal(requests.length, 3);
        });

        it("says which request failed, without the token", async () => {
            await assert.rejects(
                reader.registryPulledBytes({ imageRef: `myacr.azurecr.io/team/other@${INDEX_DIGEST}`, registryName: "myacr", refreshToken: "stand-in-refresh-token", registryBaseUrl: base }),
                (e: Error) => /GET .*\/v2\/team\/other\/manifests\/.* answered HTTP 404/.test(e.message) && !e.message.includes("stand-in"),
            );
        });
    });
});
