/**
 * What every policy of the pack tells the person who hits it: the resource to fix, by name (and, for a workload, the
 * container), whatever the policy. One resource of each kind the pack inspects, broken in every way its policies
 * check, goes through the pack's own evaluator; each violation must name that resource, and every policy must find
 * something. Wording beyond the names is left free.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluatePolicies, type ResourceUnderPolicy } from "../policy/evaluate";
import { policies } from "../policy/policies";

const SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect";

/** Each resource broken for every policy that inspects its kind; the names are unique, so a message shows whose it is. */
const BROKEN: ResourceUnderPolicy[] = [
    { type: "azure-native:containerregistry:Registry", name: "registry-open", props: { adminUserEnabled: true, anonymousPullEnabled: true } },
    { type: "azure-native:containerservice:ManagedCluster", name: "cluster-local", props: {} },
    {
        type: "kubernetes:apps/v1:Deployment",
        name: "spin-unclassed",
        props: {
            metadata: { namespace: "apps" },
            spec: { template: { spec: { containers: [{ name: "handler", image: "nginx:latest", command: ["/"], securityContext: { privileged: true } }] } } },
        },
    },
    { type: "kubernetes:core/v1:Service", name: "lb-public", props: { spec: { type: "LoadBalancer" } } },
    { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "ingress-plain", props: { spec: { rules: [{ host: "a.example.com" }] } } },
    {
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        name: "ingress-uncovered",
        props: { metadata: { annotations: { [SSL_REDIRECT]: "false" } }, spec: { tls: [{ hosts: ["b.example.com"] }], rules: [{ host: "a.example.com" }] } },
    },
    { type: "kubernetes:gateway.networking.k8s.io/v1:Gateway", name: "gateway-http", props: { spec: { listeners: [{ name: "http", protocol: "HTTP" }] } } },
    { type: "kubernetes:gateway.networking.k8s.io/v1:Gateway", name: "gateway-nocert", props: { spec: { listeners: [{ name: "https", protocol: "HTTPS" }] } } },
    {
        type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
        name: "route-everywhere",
        props: { spec: { parentRefs: [{ name: "gateway-http" }], rules: [{ backendRefs: [{ name: "app" }] }] } },
    },
    { type: "kubernetes:core/v1:Namespace", name: "namespace-open", props: { metadata: { name: "namespace-open", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } } },
];

describe("every violation names the resource to fix", () => {
    it("names the resource in each message, for every policy of the pack", async () => {
        const violations = await evaluatePolicies(BROKEN);
        for (const v of violations) {
            const name = v.resource.slice(v.resource.lastIndexOf("::") + 2);
            assert.ok(v.message.includes(`'${name}'`), `${v.policy}: ${v.message}`);
        }
        const silent = policies.map((p) => p.name).filter((name) => !violations.some((v) => v.policy === name));
        assert.deepEqual(silent, [], "every policy finds its break in the broken resources");
    });

    it("names the container a workload's violation is about", async () => {
        const violations = (await evaluatePolicies(BROKEN)).filter((v) => v.resource.endsWith("::spin-unclassed"));
        const policiesSeen = new Set(violations.map((v) => v.policy));
        assert.deepEqual(
            [...policiesSeen].sort(),
            ["images-from-acr-by-digest", "pod-security-basics", "wasm-workload-runtime-class-and-limits", "wasm-workload-starts-on-the-shim"],
        );
        for (const v of violations) assert.ok(v.message.includes("containers[0] 'handler'"), `${v.policy}: ${v.message}`);
    });
});
