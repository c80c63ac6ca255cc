/**
 * The schema validator itself: it must reject broken objects (a validator that accepts everything would make the
 * component tests meaningless), mark kinds it has no schema for, and turn recorded Pulumi resources into manifests.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadKubernetesSchemas, NO_SCHEMA, supportedKinds, toManifest, validateKubernetesObject, hasSchema } from "../lib/kubernetes/kubernetesSchema";

function deployment(overrides: { replicas?: unknown; container?: Record<string, unknown> } = {}) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "hello", namespace: "apps" },
        spec: {
            replicas: "replicas" in overrides ? overrides.replicas : 3,
            selector: { matchLabels: { app: "hello" } },
            template: {
                metadata: { labels: { app: "hello" } },
                spec: { containers: [overrides.container ?? { name: "hello", image: "r.example/hello@sha256:" + "0".repeat(64) }] },
            },
        },
    };
}

describe("validateKubernetesObject", () => {
    it("refuses to run before the schemas are loaded, saying what to do", () => {
        assert.throws(() => validateKubernetesObject(deployment()), { message: "Kubernetes schemas are not loaded: `await loadKubernetesSchemas()` before validating." });
    });

    it("loads the core and Gateway API kinds the stack uses", async () => {
        await loadKubernetesSchemas();
        const kinds = supportedKinds();
        for (const k of [
            "v1/Namespace",
            "v1/Service",
            "apps/v1/Deployment",
            "batch/v1/Job",
            "policy/v1/PodDisruptionBudget",
            "networking.k8s.io/v1/NetworkPolicy",
            "networking.k8s.io/v1/Ingress",
            "autoscaling/v2/HorizontalPodAutoscaler",
            "node.k8s.io/v1/RuntimeClass",
            "gateway.networking.k8s.io/v1/Gateway",
            "gateway.networking.k8s.io/v1/HTTPRoute",
        ]) {
            assert.ok(kinds.includes(k), `${k} is supported`);
        }
        assert.equal(hasSchema("apps/v1", "DeploymentList"), false);
    });

    it("accepts a valid Deployment", () => {
        assert.deepEqual(validateKubernetesObject(deployment()), []);
    });

    it("rejects a Deployment with replicas as a string", () => {
        assert.deepEqual(validateKubernetesObject(deployment({ replicas: "three" })), ["Deployment apps/hello: /spec/replicas must be integer"]);
    });

    it("rejects a container without a name", () => {
        assert.deepEqual(validateKubernetesObject(deployment({ container: { image: "x" } })), [
            "Deployment apps/hello: /spec/template/spec/containers/0 must have required property name",
        ]);
    });

    it("rejects a Deployment without a selector or template", () => {
        const broken = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: {} };
        assert.deepEqual(validateKubernetesObject(broken), [
            "Deployment d: /spec must have required property selector",
            "Deployment d: /spec must have required property template",
        ]);
    });

    it("rejects a Gateway listener with a string port and a missing GatewayClass", () => {
        const gateway = {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "g", namespace: "apps" },
            spec: { listeners: [{ name: "http", port: "80", protocol: "HTTP" }] },
        };
        const errors = validateKubernetesObject(gateway);
        assert.ok(errors.includes("Gateway apps/g: /spec must have required property gatewayClassName"), errors.join("\n"));
        assert.ok(errors.includes("Gateway apps/g: /spec/listeners/0/port must be integer"), errors.join("\n"));
    });

    it("rejects an HTTPRoute path match type outside the enum, naming the allowed values", () => {
        const route = {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: "r" },
            spec: { rules: [{ matches: [{ path: { type: "Prefix", value: "/" } }] }] },
        };
        assert.deepEqual(validateKubernetesObject(route), [
            'HTTPRoute r: /spec/rules/0/matches/0/path/type must be equal to one of the allowed values (allowed: "Exact", "PathPrefix", "RegularExpression")',
        ]);
    });

    it("marks a kind without a schema (the SpinKube Shim) instead of passing or failing it", () => {
        const errors = validateKubernetesObject({ apiVersion: "runtime.spinkube.dev/v1alpha1", kind: "Shim", metadata: { name: "spin-v2" } });
        assert.equal(errors.length, 1);
        assert.ok(errors[0].startsWith(`${NO_SCHEMA} runtime.spinkube.dev/v1alpha1 Shim (Shim spin-v2)`), errors[0]);
    });

    it("rejects things that are not Kubernetes objects", () => {
        assert.deepEqual(validateKubernetesObject([]), ["not a Kubernetes object: expected a plain object"]);
        assert.deepEqual(validateKubernetesObject({ kind: "Deployment" }), [
            "not a Kubernetes object: apiVersion (undefined) and kind (\"Deployment\") must be strings",
        ]);
    });
});

describe("toManifest", () => {
    it("maps core/v1 to apiVersion v1 and drops empty values and status", () => {
        assert.deepEqual(
            toManifest("kubernetes:core/v1:Service", {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "hello", annotations: undefined },
                spec: { ports: [{ port: 80, nodePort: null }] },
                status: undefined,
            }),
            { apiVersion: "v1", kind: "Service", metadata: { name: "hello" }, spec: { ports: [{ port: 80 }] } },
        );
    });
    it("keeps group/version for named groups and custom resources", () => {
        assert.equal(toManifest("kubernetes:apps/v1:Deployment", { spec: {} })?.apiVersion, "apps/v1");
        assert.deepEqual(toManifest("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", { metadata: { name: "r" } }), {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: "r" },
        });
        assert.equal(toManifest("kubernetes:runtime.spinkube.dev/v1alpha1:Shim", {})?.kind, "Shim");
    });
    it("returns undefined for what is not one whole Kubernetes object", () => {
        for (const type of [
            "pulumi:providers:kubernetes",
            "aks-wasm:index:SpinWorkload",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:helm.sh/v4:Chart",
            "kubernetes:yaml/v2:ConfigGroup",
            "kubernetes:apps/v1:DeploymentPatch",
            "kubernetes:core/v1:ConfigMapList",
            "azure-native:containerservice:ManagedCluster",
        ]) {
            assert.equal(toManifest(type, {}), undefined, type);
        }
    });
});
