/**
 * The cluster's guard rails: the egress NetworkPolicies (lib/kubernetes/egressPolicy.ts, components/app/appEgress.ts) and the
 * ValidatingAdmissionPolicies (lib/kubernetes/admissionPolicy.ts). Manifests are validated against the Kubernetes OpenAPI
 * schemas (lib/kubernetes/kubernetesSchema.ts); the policies' CEL is evaluated by a CEL engine (test/helpers/admissionCel.ts,
 * with stand-ins for Kubernetes' CIDR library, said so there) on the cases each rule exists for.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { appEgressSpecs } from "../components/app/appEgress";
import { appOutboundPorts } from "../components/app/spinApp";
import {
    guardedBinding,
    noMetadataEgressPolicy,
    rootOnlyOnSpinPolicy,
    teamGatewayBinding,
    teamGatewayPolicy,
    GUARDED_NAMESPACE_LABELS,
    TEAM_GATEWAY_NAMESPACE_LABELS,
} from "../lib/kubernetes/admissionPolicy";
import { gatewaySpec } from "../components/app/appExposure";
import { teamGatewayNamespaceLabels } from "../components/platform/appTeamAccess";
import { recommendedLabels } from "../lib/kubernetes/workloadDefaults";
import {
    cidrContains,
    defaultDenyEgressSpec,
    egressReaches,
    inClusterEgressSpec,
    internetEgressSpec,
    manifestOutboundHosts,
    outboundPorts,
} from "../lib/kubernetes/egressPolicy";
import { loadKubernetesSchemas, validateKubernetesObject } from "../lib/kubernetes/kubernetesSchema";
import { refusals } from "./helpers/admissionCel";

const SPIN = "wasmtime-spin-v2";
const IMDS = "169.254.169.254";
const root = rootOnlyOnSpinPolicy(SPIN);
const egress = noMetadataEgressPolicy();
const netpol = (spec: object) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "ns" }, spec });

/** Every NetworkPolicy spec the stack writes, by where it goes. */
const STACK_SPECS = {
    ...Object.fromEntries(Object.entries(appEgressSpecs({ appSelector: { app: "a" }, outboundPorts: [443], loadTestPods: { "app.kubernetes.io/component": "loadtest" }, measurePods: { "app.kubernetes.io/component": "measure" } })).map(([k, v]) => [`app ${k}`, v])),
    "app with any-port hosts": appEgressSpecs({ appSelector: { app: "a" }, outboundPorts: "all" })["outbound-hosts"],
    "gateway in-cluster": inClusterEgressSpec(),
    "runtime installer https": internetEgressSpec({}, [443]),
};

before(loadKubernetesSchemas);

describe("egress NetworkPolicies", () => {
    it("validate against the Kubernetes OpenAPI schema", () => {
        for (const [name, spec] of Object.entries(STACK_SPECS)) assert.deepEqual(validateKubernetesObject(netpol(spec)), [], name);
    });

    it("default-deny selects every pod and allows DNS to kube-dns only", () => {
        const spec = defaultDenyEgressSpec() as any;
        assert.deepEqual(spec.podSelector, {});
        assert.deepEqual(spec.policyTypes, ["Egress"]);
        assert.equal(spec.egress.length, 1);
        assert.ok(!egressReaches(spec as never, "8.8.8.8") && !egressReaches(spec as never, IMDS));
    });

    it("no stack policy reaches the metadata service, the WireServer or the cluster's private ranges", () => {
        for (const [name, spec] of Object.entries(STACK_SPECS)) {
            for (const ip of [IMDS, "168.63.129.16", "10.0.0.1", "10.244.1.7", "192.168.1.1"]) {
                // In-cluster pod selectors (the gateway's) match pods, never an ipBlock address.
                assert.equal(egressReaches(spec as never, ip), false, `${name} reaches ${ip}`);
            }
        }
    });

    it("an app with no outbound hosts gets DNS only; declared hosts open their ports on the internet only", () => {
        assert.deepEqual(Object.keys(appEgressSpecs({ appSelector: { app: "a" } })), ["default-deny-egress"]);
        const open = appEgressSpecs({ appSelector: { app: "a" }, outboundPorts: [443] })["outbound-hosts"] as any;
        assert.ok(egressReaches(open as never, "20.1.2.3"));
        assert.deepEqual(open.egress[0].ports, [{ protocol: "TCP", port: 443 }]);
    });

    it("hello-wasm declares no outbound host: its namespace has no egress but DNS", () => {
        const app = join(__dirname, "..", "apps", "hello-wasm");
        assert.deepEqual(manifestOutboundHosts(readFileSync(join(app, "spin.toml"), "utf8")), []);
        assert.deepEqual(appOutboundPorts(app), { ports: [], problems: [] });
    });

    it("reads the ports of Spin's allowed_outbound_hosts forms, and names entries it cannot read", () => {
        assert.deepEqual(outboundPorts(["https://api.example.com", "http://example.com:8080", "redis://cache:6380", "https://self"]).ports, [443, 6380, 8080]);
        assert.equal(outboundPorts(["https://example.com:*"]).ports, "all");
        assert.equal(outboundPorts(["*://example.com"]).ports, "all");
        assert.deepEqual(outboundPorts(["https://example.com:8000..8002"]).ports, [8000, 8001, 8002]);
        assert.deepEqual(outboundPorts(["example.com", "ftp://example.com"]).problems, [
            'allowed_outbound_hosts entry "example.com" is not "scheme://host[:port]"',
            'allowed_outbound_hosts entry "ftp://example.com" names no port and scheme "ftp" has no known default',
        ]);
    });

    it("cidrContains follows IPv4 prefixes", () => {
        assert.ok(cidrContains("0.0.0.0/0", IMDS));
        assert.ok(cidrContains("169.254.0.0/16", IMDS));
        assert.ok(!cidrContains("10.0.0.0/8", IMDS));
        assert.ok(!cidrContains("169.254.169.255/32", IMDS));
    });
});

describe("ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1)", () => {
    it("validate against the Kubernetes OpenAPI schema, bound (Deny) to the guarded namespaces", () => {
        for (const policy of [root, egress]) {
            assert.deepEqual(validateKubernetesObject(policy), [], policy.metadata.name);
            const binding = guardedBinding(policy);
            assert.deepEqual(validateKubernetesObject(binding), [], `${policy.metadata.name} binding`);
            assert.deepEqual(binding.spec.validationActions, ["Deny"]);
            assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchLabels, GUARDED_NAMESPACE_LABELS);
            assert.equal(policy.spec.failurePolicy, "Fail");
        }
    });

    const ok = { runAsNonRoot: true, readOnlyRootFilesystem: true };
    const pod = (spec: object) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });
    for (const [what, spec, refused] of [
        ["a Spin pod as uid 0 with a writable root", { runtimeClassName: SPIN, securityContext: { runAsUser: 0 }, containers: [{ name: "c", securityContext: { readOnlyRootFilesystem: false } }] }, 0],
        ["a container with no security context at all", { containers: [{ name: "c" }] }, 2],
        ["uid 0 on another runtime class", { runtimeClassName: "runc", containers: [{ name: "c", securityContext: { runAsUser: 0, readOnlyRootFilesystem: true } }] }, 1],
        ["the restricted set (pod runAsNonRoot, container read-only)", { securityContext: { runAsNonRoot: true, runAsUser: 65532 }, containers: [{ name: "c", securityContext: { readOnlyRootFilesystem: true } }] }, 0],
        ["a container's uid 0 over the pod's non-root user", { securityContext: { runAsUser: 65532 }, containers: [{ name: "c", securityContext: { runAsUser: 0, readOnlyRootFilesystem: true } }] }, 1],
        ["a root init container", { securityContext: { runAsNonRoot: true }, initContainers: [{ name: "i", securityContext: { runAsUser: 0, readOnlyRootFilesystem: true } }], containers: [{ name: "c", securityContext: ok }] }, 1],
        ["a writable root outside Spin", { containers: [{ name: "c", securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: false } }] }, 1],
        ["pod runAsNonRoot false, no user", { securityContext: { runAsNonRoot: false }, containers: [{ name: "c", securityContext: { readOnlyRootFilesystem: true } }] }, 1],
    ] as const) {
        it(`root-only-on-Spin: ${what} is ${refused ? "refused" : "admitted"}`, () => {
            assert.deepEqual(validateKubernetesObject(pod(spec)), [], "the case is a valid Pod");
            assert.equal(refusals(root, pod(spec)).length, refused, JSON.stringify(refusals(root, pod(spec))));
        });
    }

    for (const [what, spec, refused] of [
        ["default-deny with DNS", defaultDenyEgressSpec(), 0],
        ["an ipBlock of the internet without the metadata service", { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }] }] }, 0],
        ["an ipBlock of a private range", { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }, 0],
        ["an ipBlock of the internet that includes the metadata service", { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }, 1],
        ["the metadata service itself", { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }] }] }, 1],
        ["an except that misses it", { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "169.254.0.0/16", except: ["169.254.1.0/24"] } }] }] }, 1],
        ["an egress rule without destinations", { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] }, 1],
        ["an ingress-only policy", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] }, 0],
    ] as const) {
        it(`no-metadata-egress: ${what} is ${refused ? "refused" : "admitted"}`, () => {
            assert.deepEqual(validateKubernetesObject(netpol(spec)), []);
            assert.equal(refusals(egress, netpol(spec)).length, refused, JSON.stringify(refusals(egress, netpol(spec))));
        });
    }

    it("admits every NetworkPolicy the stack itself writes", () => {
        for (const [name, spec] of Object.entries(STACK_SPECS)) assert.deepEqual(refusals(egress, netpol(spec)), [], name);
    });
});

describe("the team Gateway policy (app teams' <ns>-gateway namespaces; GWNS-2)", () => {
    const TEAM_GROUP = "1111aaaa-2222-3333-4444-555555555555";
    const OTHER_GROUP = "66666666-7777-8888-9999-000000000000";
    const policy = teamGatewayPolicy("approuting-istio", [TEAM_GROUP, OTHER_GROUP]);
    const asTeam = { userInfo: { username: "someone@example.com", groups: ["system:authenticated", TEAM_GROUP] } };
    const gateway = (spec: object, metadata: object = {}) => ({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "quotes", namespace: "quotes-gateway", labels: recommendedLabels({ name: "quotes", instance: "quotes", component: "exposure" }), ...metadata },
        spec,
    });
    const plain = gatewaySpec({ gatewayClassName: "approuting-istio", host: "quotes.example.com", tlsSecretName: "quotes-tls" }, "quotes");

    it("validates against the Kubernetes OpenAPI schema, bound (Deny) to exactly the namespaces AppTeamAccess labels as team Gateway namespaces", () => {
        assert.deepEqual(validateKubernetesObject(policy), []);
        const binding = teamGatewayBinding(policy);
        assert.deepEqual(validateKubernetesObject(binding), []);
        assert.deepEqual(binding.spec.validationActions, ["Deny"]);
        assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchLabels, TEAM_GATEWAY_NAMESPACE_LABELS);
        const labels = teamGatewayNamespaceLabels();
        assert.ok(Object.entries(TEAM_GATEWAY_NAMESPACE_LABELS).every(([k, v]) => labels[k] === v), "the namespaces carry the selector's labels");
        assert.deepEqual(policy.spec.matchConstraints.resourceRules, [
            { apiGroups: ["gateway.networking.k8s.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["gateways"] },
        ]);
        assert.equal(policy.spec.failurePolicy, "Fail");
    });

    for (const [what, object, refused] of [
        ["the Gateway SpinApp writes (HTTP and HTTPS listeners, recommended labels)", gateway(plain), 0],
        ["the same after istiod stamped its version on it (a team's later update carries it)", gateway(plain, { annotations: { "gateway.istio.io/controller-version": "5" } }), 0],
        ["another GatewayClass", gateway({ ...plain, gatewayClassName: "some-other-class" }), 1],
        ["a proxy image of its choosing", gateway(plain, { annotations: { "sidecar.istio.io/proxyImage": "evil.example.com/proxy:1" } }), 1],
        ["an Istio service type", gateway(plain, { annotations: { "networking.istio.io/service-type": "NodePort" } }), 1],
        ["an Azure load balancer annotation (copied onto the Service)", gateway(plain, { annotations: { "service.beta.kubernetes.io/azure-pip-name": "platform-ip" } }), 1],
        ["a workload identity label (copied onto the proxy pods)", gateway(plain, { labels: { "azure.workload.identity/use": "true" } }), 1],
        ["an Istio revision label", gateway(plain, { labels: { "istio.io/rev": "canary" } }), 1],
        ["an unprefixed label of its own", gateway(plain, { labels: { team: "quotes" } }), 0],
        ["infrastructure annotations for the load balancer", gateway({ ...plain, infrastructure: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" } } }), 1],
        ["an infrastructure parametersRef", gateway({ ...plain, infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "overlay" } } }), 1],
        ["a requested address", gateway({ ...plain, addresses: [{ type: "IPAddress", value: "20.1.2.3" }] }), 1],
        ["an empty address list", gateway({ ...plain, addresses: [] }), 0],
    ] as const) {
        it(`from a team: ${what} is ${refused ? "refused" : "admitted"}`, () => {
            assert.equal(refusals(policy, object, asTeam).length, refused, JSON.stringify(refusals(policy, object, asTeam)));
        });
    }

    it("applies to the teams' groups only: istiod's own update and an admin's are not refused", () => {
        const stamped = gateway({ ...plain, gatewayClassName: "other" }, { annotations: { "sidecar.istio.io/proxyImage": "x/y" } });
        assert.equal(refusals(policy, stamped, asTeam).length, 2, "the case is refused for a team");
        assert.deepEqual(refusals(policy, stamped, { userInfo: { username: "system:serviceaccount:aks-istio-system:istiod", groups: ["system:serviceaccounts"] } }), []);
        assert.deepEqual(refusals(policy, stamped, { userInfo: { username: "admin@example.com" } }), [], "a request without groups");
        assert.equal(refusals(policy, stamped, { userInfo: { username: "x", groups: [OTHER_GROUP] } }).length, 2, "every team's group");
    });

    it("refuses a GatewayClass or group that is not what it claims (both are written into the CEL)", () => {
        assert.throws(() => teamGatewayPolicy("x' || true || '", [TEAM_GROUP]), /is not a DNS subdomain name/);
        assert.throws(() => teamGatewayPolicy("approuting-istio", ["x'] || true || ['"]), /lower-case object IDs/);
        assert.throws(() => teamGatewayPolicy("approuting-istio", []), /lower-case object IDs/);
    });
});
