/**
 * The edges of the exposure policies (policy/exposurePolicies.ts, TRUST-11) beyond test/policyTrust.test.ts: which
 * hosts a wildcard certificate covers, each way an Ingress's or a Gateway's TLS can fail to cover what it routes (one
 * problem each, counted), which listeners and routes the plain-HTTP rule looks at, and the default the analyzer fills
 * in from its config schema. Verdicts and counts, not wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";
import { gatewayTlsProblems, ingressTlsProblems, noPlainHttpBesideTls, tlsCoversRoutedHosts, tlsHostCovers } from "../policy/exposurePolicies";

const ING = "kubernetes:networking.k8s.io/v1:Ingress";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect";

async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, options?: Record<string, unknown>): Promise<string[]> {
    const config = options ? { [policy.name]: options } : {};
    return (await evaluatePolicies([{ type, name: "subject", props }], config, [policy])).map((v) => v.message);
}

describe("which hosts a TLS host covers", () => {
    it("covers the same host, and one label under a wildcard only", () => {
        assert.equal(tlsHostCovers("a.example.com", "a.example.com"), true);
        assert.equal(tlsHostCovers("*.example.com", "a.example.com"), true);
        assert.equal(tlsHostCovers("*.example.com", "x.y.example.com"), false, "a wildcard covers one label");
        assert.equal(tlsHostCovers("*.example.com", "example.com"), false, "nor the apex");
        assert.equal(tlsHostCovers("*.example.com", "a.example.org"), false);
        assert.equal(tlsHostCovers("b.example.com", "a.example.com"), false);
        assert.equal(tlsHostCovers("a.example.com", "*.example.com"), false, "a specific certificate does not cover a wildcard route");
    });
});

describe("an Ingress's TLS", () => {
    const rules = [{ host: "a.example.com" }];
    it("reports nothing without TLS (tls-on-exposed-endpoints does) or with TLS that covers every rule", () => {
        assert.deepEqual(ingressTlsProblems(undefined), []);
        assert.deepEqual(ingressTlsProblems({ rules, tls: [] }), []);
        assert.deepEqual(ingressTlsProblems({ rules: [{ host: "a.example.com" }, { host: "b.example.com" }], tls: [{ hosts: ["a.example.com"], secretName: "s" }, { hosts: ["*.example.com"], secretName: "w" }] }), []);
    });

    it("counts one problem per broken entry and per uncovered rule", () => {
        assert.equal(ingressTlsProblems({ rules, tls: [{ hosts: [], secretName: "s" }] }).length, 2, "no hosts, so the rule is uncovered too");
        assert.equal(ingressTlsProblems({ rules, tls: [{ secretName: "s" }] }).length, 2, "hosts unset");
        // An entry without a Secret covers nothing: the rule is uncovered as well.
        assert.equal(ingressTlsProblems({ rules, tls: [{ hosts: ["a.example.com"] }] }).length, 2);
        assert.equal(ingressTlsProblems({ rules, tls: [{ hosts: ["a.example.com"] }, { hosts: ["a.example.com"], secretName: "s" }] }).length, 1, "the second entry covers it");
        assert.equal(ingressTlsProblems({ rules: [{ host: "a.example.com" }, {}, { host: "c.example.org" }], tls: [{ hosts: ["*.example.com"], secretName: "s" }] }).length, 2);
    });

    it("is reported through the policy, one violation per problem, for Ingresses only", async () => {
        const props = { spec: { rules, tls: [{ hosts: [], secretName: "s" }] } };
        assert.equal((await violations(tlsCoversRoutedHosts, ING, props)).length, 2);
        assert.deepEqual(await violations(tlsCoversRoutedHosts, "kubernetes:networking.k8s.io/v1beta1:Ingress", props), []);
        assert.deepEqual(await violations(tlsCoversRoutedHosts, "kubernetes:core/v1:Service", props), []);
    });
});

describe("a Gateway's TLS", () => {
    const https = { name: "https", protocol: "HTTPS", hostname: "a.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "t" }] } };
    it("looks at HTTPS listeners only, and takes Terminate or an unset mode", () => {
        assert.deepEqual(gatewayTlsProblems({ listeners: [{ name: "http", protocol: "HTTP" }, https] }), []);
        assert.deepEqual(gatewayTlsProblems({ listeners: [{ ...https, tls: { certificateRefs: [{ name: "t" }] } }] }), []);
        assert.deepEqual(gatewayTlsProblems(undefined), []);
        assert.deepEqual(gatewayTlsProblems({}), []);
    });

    it("counts one problem for each of: no named certificate, a mode that does not terminate, no hostname", () => {
        assert.equal(gatewayTlsProblems({ listeners: [{ ...https, tls: { mode: "Passthrough", certificateRefs: [{ name: "t" }] } }] }).length, 1);
        assert.equal(gatewayTlsProblems({ listeners: [{ ...https, tls: { mode: "Terminate", certificateRefs: [{}] } }] }).length, 1, "a reference without a name");
        assert.equal(gatewayTlsProblems({ listeners: [{ ...https, tls: undefined }] }).length, 1);
        assert.equal(gatewayTlsProblems({ listeners: [{ protocol: "HTTPS" }] }).length, 2, "no certificate, no hostname");
        assert.equal(gatewayTlsProblems({ listeners: [{ protocol: "HTTPS", tls: { mode: "Passthrough" } }, https] }).length, 3);
    });

    it("is reported through the policy for v1beta1 Gateways too", async () => {
        const props = { spec: { listeners: [{ protocol: "HTTPS" }] } };
        assert.equal((await violations(tlsCoversRoutedHosts, "kubernetes:gateway.networking.k8s.io/v1beta1:Gateway", props)).length, 2);
        assert.deepEqual(await violations(tlsCoversRoutedHosts, "kubernetes:gateway.networking.k8s.io/v1alpha2:Gateway", props), []);
    });
});

describe("no plain HTTP beside TLS", () => {
    const backends = [{ backendRefs: [{ name: "svc", port: 80 }] }];
    it("leaves an Ingress without TLS to tls-on-exposed-endpoints, and one that keeps the redirect alone", async () => {
        assert.deepEqual(await violations(noPlainHttpBesideTls, ING, { metadata: { annotations: { [SSL_REDIRECT]: "false" } }, spec: {} }), []);
        assert.deepEqual(await violations(noPlainHttpBesideTls, ING, { metadata: { annotations: { [SSL_REDIRECT]: "true" } }, spec: { tls: [{ hosts: ["a.example.com"] }] } }), []);
    });

    it("looks at v1 and v1beta1 HTTPRoutes that forward, one violation per parent on a plain-HTTP listener", async () => {
        const props = { spec: { parentRefs: [{ name: "g", sectionName: "http" }, { name: "g", sectionName: "https" }, { name: "g" }], rules: backends } };
        assert.equal((await violations(noPlainHttpBesideTls, ROUTE, props)).length, 2);
        assert.equal((await violations(noPlainHttpBesideTls, "kubernetes:gateway.networking.k8s.io/v1beta1:HTTPRoute", props)).length, 2);
        assert.deepEqual(await violations(noPlainHttpBesideTls, "kubernetes:gateway.networking.k8s.io/v1alpha2:HTTPRoute", props), []);
        assert.deepEqual(await violations(noPlainHttpBesideTls, ROUTE, { spec: { parentRefs: [{ name: "g" }], rules: [{ backendRefs: [] }, {}] } }), [], "forwards nowhere");
        assert.deepEqual(await violations(noPlainHttpBesideTls, ROUTE, { spec: { rules: backends } }), [], "no parent");
    });

    it("takes the plain-HTTP listener names from its options, http by default, and declares that default to the analyzer", async () => {
        const props = { spec: { parentRefs: [{ name: "g", sectionName: "web" }, { name: "g", sectionName: "http" }], rules: backends } };
        assert.equal((await violations(noPlainHttpBesideTls, ROUTE, props, { httpListenerNames: ["web"] })).length, 1);
        assert.match((await violations(noPlainHttpBesideTls, ROUTE, props, { httpListenerNames: ["web"] }))[0], /'web'/);
        assert.match((await violations(noPlainHttpBesideTls, ROUTE, props))[0], /'http'/);
        const schema = (noPlainHttpBesideTls.configSchema?.properties as any).httpListenerNames;
        assert.deepEqual([schema.type, schema.items, schema.default], ["array", { type: "string" }, ["http"]]);
        assert.ok(schema.description.length > 0);
    });
});
