/**
 * SpinWorkload under Pulumi's mocks: the exact inputs of every child, by type and name, for the properties the
 * stack relies on (what containerd-shim-spin needs to start, Pod Security `baseline` with the hardening that still
 * holds, the shim's conventions, availability), and every object checked against the upstream Kubernetes schemas.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

const DIGEST = "sha256:" + "ab".repeat(32);
const IMAGE = `mockacr.azurecr.io/hello-wasm@${DIGEST}`;
const PLACEMENT = {
    runtimeClassName: "wasmtime-spin-v2",
    nodeSelector: { spin: "true" },
    tolerations: [{ key: "workload", operator: "Equal" as const, value: "wasm", effect: "NoSchedule" as const }],
};
const SELECTOR = { "app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello" };

let run: OfflineRun;
let mod: typeof import("../components/app/spinWorkload");
let shared: typeof import("../lib/kubernetes/workloadDefaults");
let schema: typeof import("../lib/kubernetes/kubernetesSchema");
let defaults: typeof import("../lib/kubernetes/workloadDefaults");
let outputs: { namespace?: string; service?: string; url?: string };

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

before(async () => {
    run = await installOfflineMocks({});
    const k8s = await import("@pulumi/kubernetes");
    mod = await import("../components/app/spinWorkload.js");
    shared = await import("../lib/kubernetes/workloadDefaults.js");
    schema = await import("../lib/kubernetes/kubernetesSchema.js");
    defaults = await import("../lib/kubernetes/workloadDefaults.js");
    await schema.loadKubernetesSchemas();
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    const hello = new mod.SpinWorkload("hello", {
        appName: "hello",
        image: IMAGE,
        placement: PLACEMENT,
        provider,
        allowedIngressFrom: [{ namespace: "app-routing-system" }],
    });
    new mod.SpinWorkload("scaled", {
        appName: "scaled",
        image: IMAGE,
        placement: PLACEMENT,
        provider,
        replicas: 2,
        maxReplicas: 8,
        namespace: "scaled-apps",
        loadTestPodLabels: null,
        resources: { cpuRequest: "100m", memoryLimit: "256Mi" },
    });
    await settle();
    outputs = { namespace: await valueOf(hello.namespaceName), service: await valueOf(hello.serviceName), url: await valueOf(hello.serviceUrl) };
});

describe("SpinWorkload namespace", () => {
    it("enforces Pod Security `baseline` (pinned version), which admits the Spin pod, and audits/warns `restricted` at latest", () => {
        const ns = find("kubernetes:core/v1:Namespace", "hello-ns").inputs;
        assert.equal(ns.metadata.name, "hello");
        const labels = ns.metadata.labels;
        // `restricted` would refuse the Spin pod (uid 0, platform-contracts SHIM-5): the enforced level must be baseline.
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "v1.31");
        assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(labels["pod-security.kubernetes.io/warn-version"], "latest");
    });
    it("names the namespace from args when given", () => {
        assert.equal(find("kubernetes:core/v1:Namespace", "scaled-ns").inputs.metadata.name, "scaled-apps");
    });
});

describe("SpinWorkload Deployment", () => {
    const deployment = () => find("kubernetes:apps/v1:Deployment", "hello-deployment").inputs;
    const pod = () => deployment().spec.template.spec;
    const container = () => pod().containers[0];

    it("runs on the Wasm runtime and pool with the shim's conventions", () => {
        assert.equal(pod().runtimeClassName, "wasmtime-spin-v2");
        assert.deepEqual(pod().nodeSelector, { spin: "true" });
        assert.deepEqual(pod().tolerations, PLACEMENT.tolerations);
        assert.equal(container().image, IMAGE);
        assert.deepEqual(container().command, ["/"]);
    });
    it("has a writable root filesystem, because the shim writes /.cache and /spin.json there (SHIM-1, SHIM-2)", () => {
        assert.equal(container().securityContext.readOnlyRootFilesystem, false);
    });
    it("runs as uid 0, because '/' of the container is root-owned 0755 and the shim writes there as the container user (SHIM-4, SHIM-5)", () => {
        assert.equal(pod().securityContext.runAsUser, 0);
        assert.equal(pod().securityContext.runAsNonRoot, false);
        assert.equal(container().securityContext.runAsNonRoot, undefined, "no container-level override");
        assert.equal(container().securityContext.runAsUser, undefined, "no container-level override");
    });
    it("keeps every hardening that still holds: no escalation, not privileged, all capabilities dropped, seccomp RuntimeDefault, no API token", () => {
        assert.deepEqual(container().securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
        });
        assert.equal(container().securityContext.capabilities.add, undefined, "not even NET_BIND_SERVICE: the port is above 1023");
        assert.deepEqual(pod().securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.equal(pod().automountServiceAccountToken, false);
        assert.equal(pod().enableServiceLinks, false);
    });
    it("takes its security context from the Wasm set in lib/kubernetes/workloadDefaults.ts, not the restricted one", () => {
        assert.deepEqual(pod().securityContext, defaults.wasmPodSecurityContext);
        assert.deepEqual(container().securityContext, defaults.wasmContainerSecurityContext);
        assert.notDeepEqual(pod().securityContext, defaults.restrictedPodSecurityContext);
    });
    it("listens, through SPIN_HTTP_LISTEN_ADDR, on the unprivileged port the container declares (SHIM-3)", () => {
        assert.deepEqual(container().env, [{ name: "SPIN_HTTP_LISTEN_ADDR", value: "0.0.0.0:8080" }]);
        assert.deepEqual(container().ports, [{ name: "http-app", containerPort: 8080, protocol: "TCP" }]);
        const listenPort = Number(container().env[0].value.split(":").pop());
        assert.ok(listenPort > 1023, "no capability needed to bind it");
        assert.deepEqual(
            container().ports.map((p: any) => p.containerPort),
            [listenPort],
            "the declared port is the one Spin binds",
        );
    });
    it("probes /healthz on the named port, which is the port Spin listens on", () => {
        const httpGet = { path: "/healthz", port: "http-app" };
        assert.equal(container().ports.find((p: any) => p.name === httpGet.port)?.containerPort, 8080);
        assert.deepEqual(container().readinessProbe, { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
        assert.deepEqual(container().livenessProbe, { httpGet, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
        assert.deepEqual(container().startupProbe, { httpGet, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 });
    });
    it("has default requests and limits", () => {
        assert.deepEqual(container().resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
    });
    it("keeps every replica serving during a rollout and spreads pods over zones and nodes", () => {
        assert.equal(deployment().spec.replicas, 3);
        assert.deepEqual(deployment().spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        assert.deepEqual(
            pod().topologySpreadConstraints.map((c: any) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable, c.labelSelector.matchLabels]),
            [
                ["topology.kubernetes.io/zone", 1, "ScheduleAnyway", SELECTOR],
                ["kubernetes.io/hostname", 1, "ScheduleAnyway", SELECTOR],
            ],
        );
    });
    it("selects by the stable labels and labels pods with the recommended set", () => {
        assert.deepEqual(deployment().spec.selector.matchLabels, SELECTOR);
        assert.deepEqual(deployment().spec.template.metadata.labels, {
            ...SELECTOR,
            "app.kubernetes.io/component": "spin-app",
            "app.kubernetes.io/part-of": "aks-wasm",
            "app.kubernetes.io/managed-by": "pulumi",
        });
        assert.equal(deployment().metadata.namespace, "hello");
    });
});

describe("SpinWorkload Service, PDB, NetworkPolicy", () => {
    it("exposes port 80 to the named container port (8080), in-cluster only", () => {
        const svc = find("kubernetes:core/v1:Service", "hello-service").inputs;
        const container = find("kubernetes:apps/v1:Deployment", "hello-deployment").inputs.spec.template.spec.containers[0];
        assert.equal(container.ports.find((p: any) => p.name === svc.spec.ports[0].targetPort)?.containerPort, 8080);
        assert.equal(svc.spec.type, "ClusterIP");
        assert.deepEqual(svc.spec.selector, SELECTOR);
        assert.deepEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http-app", protocol: "TCP" }]);
    });
    it("allows one voluntary disruption at a time", () => {
        const pdb = find("kubernetes:policy/v1:PodDisruptionBudget", "hello-pdb").inputs;
        assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    });
    it("admits only the controller namespace and the load-test pods of the app namespace, on the app port", () => {
        const np = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "hello-netpol").inputs;
        assert.deepEqual(np.spec.podSelector, { matchLabels: SELECTOR });
        assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
        assert.deepEqual(np.spec.ingress, [
            {
                from: [
                    { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app-routing-system" } } },
                    { podSelector: { matchLabels: { "app.kubernetes.io/component": "loadtest" } } },
                ],
                ports: [{ protocol: "TCP", port: "http-app" }],
            },
        ]);
    });
    it("denies all ingress when nothing is admitted", () => {
        const np = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "scaled-netpol").inputs;
        assert.deepEqual(np.spec.ingress[0].from ?? [], []);
    });
    it("builds peers: namespace and pods in it, pods of the app namespace", () => {
        assert.deepEqual(shared.networkPolicyPeers([{ namespace: "gw", podLabels: { a: "b" } }], null), [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gw" } }, podSelector: { matchLabels: { a: "b" } } },
        ]);
        assert.deepEqual(shared.networkPolicyPeers([], { x: "y" }), [{ podSelector: { matchLabels: { x: "y" } } }]);
    });
});

describe("SpinWorkload autoscaling", () => {
    it("creates no HPA when maxReplicas is 0", () => {
        assert.equal(run.resources.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && r.name === "hello-hpa").length, 0);
    });
    it("creates an HPA from replicas to maxReplicas on CPU and leaves the replica count to it", () => {
        const hpa = find("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "scaled-hpa").inputs;
        assert.equal(hpa.spec.minReplicas, 2);
        assert.equal(hpa.spec.maxReplicas, 8);
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "scaled" });
        assert.deepEqual(hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
        const deployment = find("kubernetes:apps/v1:Deployment", "scaled-deployment").inputs;
        assert.equal(deployment.spec.replicas, undefined);
        assert.deepEqual(deployment.spec.template.spec.containers[0].resources, {
            requests: { cpu: "100m", memory: "64Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        });
    });
});

describe("SpinWorkload outputs and structure", () => {
    it("gives the in-cluster URL", () => {
        assert.deepEqual(outputs, { namespace: "hello", service: "hello", url: "http://hello.hello.svc.cluster.local" });
    });
    it("parents every child to the component and names it after it", () => {
        const component = find("aks-wasm:index:SpinWorkload", "hello");
        const children = run.resources.filter((r) => r.parentUrn === component.urn);
        assert.deepEqual(children.map((r) => r.name).sort(), ["hello-deployment", "hello-netpol", "hello-ns", "hello-pdb", "hello-service"]);
    });
    it("registers only objects that match the Kubernetes schemas", () => {
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(objects.length, 11);
        for (const r of objects) {
            const manifest = schema.toManifest(r.type, r.inputs);
            assert.ok(manifest, `${r.type} ${r.name} has a manifest`);
            assert.deepEqual(schema.validateKubernetesObject(manifest), [], `${r.type} ${r.name}`);
        }
    });
});

describe("SpinWorkload argument checks", () => {
    const base = { appName: "hello", image: IMAGE, placement: PLACEMENT };
    it("reports every problem at once, with key, value and what is accepted", () => {
        assert.throws(
            () =>
                mod.resolveWorkloadSettings({
                    ...base,
                    appName: "1hello",
                    namespace: "hello",
                    replicas: 0,
                    maxReplicas: -1,
                    resources: { cpuRequest: "2", cpuLimit: "1", memoryLimit: "128MB" },
                    image: "mockacr.azurecr.io/hello-wasm:latest",
                }),
            {
                message: [
                    'Invalid SpinWorkload "1hello" (6 problems):',
                    '  - appName = "1hello": a DNS-1035 label: 1-63 lower-case letters, digits or \'-\', starting with a letter (it names the Service)',
                    "  - replicas = 0: a whole number of at least 1",
                    "  - maxReplicas = -1: a whole number, 0 for no autoscaler",
                    '  - resources.memoryLimit = "128MB": a Kubernetes memory quantity of at least 1Mi such as "64Mi" or "1.5Gi"',
                    '  - resources.cpuLimit = "1": at least resources.cpuRequest (2)',
                    '  - image = "mockacr.azurecr.io/hello-wasm:latest": an image pinned by digest, "<registry>/<repository>@sha256:<64 hex digits>"',
                ].join("\n"),
            },
        );
    });
    it("rejects a maxReplicas below replicas", () => {
        assert.throws(() => mod.resolveWorkloadSettings({ ...base, replicas: 4, maxReplicas: 2 }), /maxReplicas = 2: 0 \(no autoscaler\) or at least replicas \(4\)/);
    });
    it("treats maxReplicas equal to replicas as no autoscaler", () => {
        assert.equal(mod.resolveWorkloadSettings({ ...base, replicas: 3, maxReplicas: 3 }).hpa, false);
    });
    it("accepts only digest-pinned images", () => {
        assert.equal(shared.checkPinnedImage(IMAGE), undefined);
        assert.match(shared.checkPinnedImage(`mockacr.azurecr.io/hello-wasm:1.0@sha256:${"ab".repeat(31)}`) ?? "", /pinned by digest/);
    });
});
