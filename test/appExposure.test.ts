/**
 * AppExposure in each mode and AppRoutingGatewayApi under Pulumi's mocks: exact inputs by type and name, and
 * every object checked against the upstream Kubernetes and Gateway API schemas. The enable/disable scripts run
 * against a stand-in `az` (a shell script written by this test that records its arguments), since no Azure CLI
 * or Azure account exists here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, valueOf, type OfflineRun, type RecordedResource } from "../lib/offline/offline";

let run: OfflineRun;
let mod: typeof import("../components/app/appExposure");
let gw: typeof import("../components/platform/gatewayApi");
let schema: typeof import("../lib/kubernetes/kubernetesSchema");
const out: Record<string, unknown> = {};

function find(type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}
function childrenOf(type: string, name: string): string[] {
    const parent = find(type, name);
    return run.resources.filter((r) => r.parentUrn === parent.urn).map((r) => `${r.type} ${r.name}`).sort();
}

before(async () => {
    run = await installOfflineMocks({});
    const k8s = await import("@pulumi/kubernetes");
    mod = await import("../components/app/appExposure.js");
    gw = await import("../components/platform/gatewayApi.js");
    schema = await import("../lib/kubernetes/kubernetesSchema.js");
    await schema.loadKubernetesSchemas();
    const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
    const common = { provider, namespace: "hello", serviceName: "hello" };
    const ing = new mod.AppExposure("ing", { ...common, mode: "ingress", appName: "hello", host: "hello.example.com", tlsSecretName: "hello-tls" });
    const anyHost = new mod.AppExposure("anyhost", { ...common, mode: "ingress", appName: "hello" });
    const gate = new mod.AppExposure("gate", { ...common, mode: "gateway", appName: "hello" });
    new mod.AppExposure("gatetls", { ...common, mode: "gateway", appName: "hello", gatewayName: "edge", host: "hello.example.com", tlsSecretName: "hello-tls" });
    const team = new mod.AppExposure("team", { ...common, namespace: "quotes", mode: "gateway", appName: "quotes", host: "q.example.com", tlsSecretName: "q-tls", gatewayNamespace: "quotes-gateway", createGatewayNamespace: false });
    const none = new mod.AppExposure("none", { ...common, mode: "none", appName: "hello" });
    new gw.AppRoutingGatewayApi("gwapi", { resourceGroupName: "rg-aks", clusterName: "aks-dev" });
    await settle();
    out.ingNamespaces = await valueOf(ing.controllerNamespaces);
    out.ingUrl = await valueOf(ing.publicUrl);
    out.anyHostUrl = await valueOf(anyHost.publicUrl);
    out.gateNamespaces = await valueOf(gate.controllerNamespaces);
    out.gateSources = gate.ingressSources;
    out.noneNamespaces = await valueOf(none.controllerNamespaces);
    out.teamNamespaces = await valueOf(team.controllerNamespaces);
});

describe("AppExposure ingress mode", () => {
    it("routes the host to the Service through the app routing add-on, with TLS from the Secret", () => {
        const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "ing-ingress").inputs;
        assert.equal(ingress.metadata.namespace, "hello");
        assert.deepEqual(ingress.spec, {
            ingressClassName: "webapprouting.kubernetes.azure.com",
            rules: [
                {
                    host: "hello.example.com",
                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "hello", port: { number: 80 } } } }] },
                },
            ],
            tls: [{ hosts: ["hello.example.com"], secretName: "hello-tls" }],
        });
    });
    it("matches any host when none is set", () => {
        const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "anyhost-ingress").inputs;
        assert.equal(ingress.spec.rules[0].host, undefined);
        assert.equal(ingress.spec.tls, undefined);
    });
    it("names the controller namespace and the URL", () => {
        assert.deepEqual(out.ingNamespaces, ["app-routing-system"]);
        assert.equal(out.ingUrl, "https://hello.example.com");
        // The mocks give the Ingress no load balancer address, so the URL is unknown rather than invented.
        assert.equal(out.anyHostUrl, undefined);
    });
});

describe("AppExposure gateway mode", () => {
    const fromApp = { namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": "hello" } } } };

    it("puts the Gateway in its own namespace under PSA baseline (Istio's proxy pods set no seccomp profile)", () => {
        assert.deepEqual(childrenOf("aks-wasm:index:AppExposure", "gate"), [
            "kubernetes:core/v1:Namespace gate-gateway-ns",
            "kubernetes:gateway.networking.k8s.io/v1:Gateway gate-gateway",
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute gate-route",
            // Egress of the gateway's proxies: DNS and the cluster's pods only (TRUST-8).
            "kubernetes:networking.k8s.io/v1:NetworkPolicy gate-gateway-default-deny-egress",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy gate-gateway-in-cluster-egress",
        ]);
        const ns = find("kubernetes:core/v1:Namespace", "gate-gateway-ns").inputs.metadata;
        assert.equal(ns.name, "hello-gateway");
        assert.equal(ns.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(ns.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(ns.labels["pod-security.kubernetes.io/audit"], "restricted");
    });
    it("creates an HTTP Gateway on approuting-istio admitting routes from the app namespace only", () => {
        const gateway = find("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gate-gateway").inputs;
        assert.equal(gateway.metadata.name, "hello");
        assert.equal(gateway.metadata.namespace, "hello-gateway");
        assert.deepEqual(gateway.spec, {
            gatewayClassName: "approuting-istio",
            listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: fromApp }],
        });
    });
    it("routes everything to the Service from beside it", () => {
        const route = find("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "gate-route").inputs;
        assert.equal(route.metadata.namespace, "hello");
        assert.deepEqual(route.spec, {
            parentRefs: [{ name: "hello", namespace: "hello-gateway", sectionName: "http" }],
            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "hello", port: 80 }] }],
        });
    });
    it("with TLS: an HTTPS listener on the Secret, the app on HTTPS and HTTP redirected", () => {
        const gateway = find("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gatetls-gateway").inputs;
        assert.equal(gateway.metadata.name, "edge");
        assert.deepEqual(gateway.spec.listeners[1], {
            name: "https",
            port: 443,
            protocol: "HTTPS",
            hostname: "hello.example.com",
            allowedRoutes: fromApp,
            tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "hello-tls", namespace: "hello" }] },
        });
        const route = find("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "gatetls-route").inputs;
        assert.deepEqual(route.spec.parentRefs, [{ name: "edge", namespace: "edge-gateway", sectionName: "https" }]);
        assert.deepEqual(route.spec.hostnames, ["hello.example.com"]);
        const redirect = find("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "gatetls-redirect").inputs;
        assert.deepEqual(redirect.spec.parentRefs, [{ name: "edge", namespace: "edge-gateway", sectionName: "http" }]);
        assert.deepEqual(redirect.spec.rules[0].filters, [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
        assert.equal(redirect.spec.rules[0].backendRefs, undefined);
    });
    it("with TLS: grants the gateway namespace's Gateways that one Secret of the app namespace", () => {
        const grant = find("kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant", "gatetls-tls-grant").inputs;
        assert.equal(grant.metadata.namespace, "hello");
        assert.deepEqual(grant.spec, {
            from: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "edge-gateway" }],
            to: [{ group: "", kind: "Secret", name: "hello-tls" }],
        });
    });
    it("names the gateway pods, in the gateway namespace, as the NetworkPolicy source", () => {
        assert.deepEqual(out.gateNamespaces, ["hello-gateway"]);
        assert.deepEqual(out.gateSources, [{ namespace: "hello-gateway", podLabels: { "gateway.networking.k8s.io/gateway-name": "hello" } }]);
    });
});

describe("AppExposure gateway mode in a Gateway namespace the platform made (an app team's)", () => {
    it("creates no namespace and no policy there, only the Gateway, with the routes and the TLS grant beside the app", () => {
        assert.deepEqual(childrenOf("aks-wasm:index:AppExposure", "team"), [
            "kubernetes:gateway.networking.k8s.io/v1:Gateway team-gateway",
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute team-redirect",
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute team-route",
            "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant team-tls-grant",
        ]);
        assert.equal(find("kubernetes:gateway.networking.k8s.io/v1:Gateway", "team-gateway").inputs.metadata.namespace, "quotes-gateway");
        for (const name of ["team-route", "team-redirect"]) {
            const route = find("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", name).inputs;
            assert.equal(route.metadata.namespace, "quotes");
            assert.equal(route.spec.parentRefs[0].namespace, "quotes-gateway");
        }
        const grant = find("kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant", "team-tls-grant").inputs;
        assert.equal(grant.metadata.namespace, "quotes");
        assert.deepEqual(grant.spec.from, [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "quotes-gateway" }]);
        assert.deepEqual(out.teamNamespaces, ["quotes-gateway"]);
    });
});

describe("AppExposure none mode and sources", () => {
    it("creates nothing", () => {
        assert.deepEqual(childrenOf("aks-wasm:index:AppExposure", "none"), []);
        assert.deepEqual(out.noneNamespaces, []);
    });
    it("gives the controller sources per mode", () => {
        assert.deepEqual(mod.exposureIngressSources("ingress", "x"), [{ namespace: "app-routing-system" }]);
        assert.deepEqual(mod.exposureIngressSources("gateway", "x"), [{ namespace: "x-gateway", podLabels: { "gateway.networking.k8s.io/gateway-name": "x" } }]);
        assert.deepEqual(mod.exposureIngressSources("gateway", "x", "edge"), [{ namespace: "edge", podLabels: { "gateway.networking.k8s.io/gateway-name": "x" } }]);
        assert.deepEqual(mod.exposureIngressSources("none", "x"), []);
    });
    it("reports every bad argument at once", () => {
        assert.throws(
            () => mod.resolveExposure({ mode: "gateway", appName: "hello", host: "Hello.Example.com", tlsSecretName: "t", gatewayName: "g".repeat(47) }),
            {
                message: [
                    'Invalid AppExposure "hello" (2 problems):',
                    '  - host = "Hello.Example.com": a lower-case DNS name, or empty for any host',
                    `  - gatewayName = "${"g".repeat(47)}": a DNS name of at most 46 characters (Istio appends "-approuting-istio", 63 at most)`,
                ].join("\n"),
            },
        );
        assert.throws(() => mod.resolveExposure({ mode: "none", appName: "hello", host: "a.b", tlsSecretName: "t" }), /tlsSecretName = "t": empty when mode is "none"/);
        assert.throws(() => mod.resolveExposure({ mode: "ingress", appName: "hello", tlsSecretName: "t" }), /tlsSecretName = "t": empty unless host is set/);
    });
});

describe("exposure objects against the schemas", () => {
    it("every Ingress, Namespace, Gateway, HTTPRoute and ReferenceGrant validates", () => {
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(objects.length, 18);
        for (const r of objects) assert.deepEqual(schema.validateKubernetesObject(schema.toManifest(r.type, r.inputs)), [], `${r.type} ${r.name}`);
    });
});

describe("AppRoutingGatewayApi", () => {
    const scripts = () => gw.gatewayApiCommands();
    /** The same scripts with short waits, for runs against the stand-in az. */
    const fastScripts = () => gw.gatewayApiCommands({ timeoutSeconds: 5, pollSeconds: 1 });

    it("runs the enable and disable scripts with the cluster named through the environment", () => {
        const cmd = find("command:local:Command", "gwapi-enable").inputs;
        assert.equal(cmd.create, scripts().create);
        assert.equal(cmd.delete, scripts().delete);
        assert.deepEqual(cmd.environment, { RESOURCE_GROUP: "rg-aks", CLUSTER: "aks-dev", CLUSTER_SPEC: "" });
        assert.equal(cmd.update, scripts().create, "an update re-asserts with the same idempotent script");
        assert.equal(find("command:local:Command", "gwapi-enable").parentUrn, find("aks-wasm:index:AppRoutingGatewayApi", "gwapi").urn);
    });

    /** Runs a script against the stand-in `az`; returns its exit status, stderr and the recorded az calls. */
    function runWithStandInAz(script: string, env: { version: string; helpHasYes?: boolean; rg: string; cluster: string }) {
        const dir = mkdtempSync(join(tmpdir(), "aks-wasm-az-"));
        const log = join(dir, "calls.log");
        writeFileSync(
            join(dir, "az"),
            [
                "#!/bin/sh",
                '[ "$1" = version ] && { echo "$STANDIN_AZ_VERSION"; exit 0; }',
                'case " $* " in *" --help "*) [ -n "$STANDIN_AZ_YES" ] && echo "  --yes -y"; exit 0;; esac',
                'sep=""; for a in "$@"; do printf "%s%s" "$sep" "$a" >> "$STANDIN_AZ_LOG"; sep="|"; done; echo >> "$STANDIN_AZ_LOG"',
                // AKS as az reports it: idle; the gateway settings once an update was sent, the Istio mode enabled.
                'case " $* " in *" provisioningState "*) echo Succeeded;; *".appRoutingIstio.mode "*) echo Enabled;; *" show "*) grep -q "^aks|update|" "$STANDIN_AZ_LOG" && printf "Standard\\tEnabled\\n";; esac',
            ].join("\n"),
        );
        chmodSync(join(dir, "az"), 0o755);
        const result = spawnSync("sh", ["-c", script], {
            cwd: dir,
            encoding: "utf8",
            env: {
                PATH: `${dir}:${process.env.PATH}`,
                STANDIN_AZ_VERSION: env.version,
                STANDIN_AZ_YES: env.helpHasYes ? "1" : "",
                STANDIN_AZ_LOG: log,
                RESOURCE_GROUP: env.rg,
                CLUSTER: env.cluster,
            },
        });
        return { status: result.status, stderr: result.stderr, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [], dir };
    }

    it("refuses an Azure CLI older than 2.86.0", () => {
        const r = runWithStandInAz(fastScripts().create, { version: "2.85.1", rg: "rg", cluster: "aks" });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /needs azure-cli >= 2\.86\.0 \(found 2\.85\.1\)/);
        assert.deepEqual(r.calls, []);
    });
    it("enables managed Gateway API and app routing Istio, passing names verbatim (no shell evaluation)", () => {
        const hostile = "rg$(touch pwned)";
        const r = runWithStandInAz(fastScripts().create, { version: "2.90.0", rg: hostile, cluster: "aks dev" });
        assert.equal(r.status, 0, r.stderr);
        const settings = `aks|show|--resource-group|${hostile}|--name|aks dev|--query|[ingressProfile.gatewayApi.installation, ingressProfile.webAppRouting.gatewayApiImplementations.appRoutingIstio.mode]|--output|tsv|--only-show-errors`;
        const state = `aks|show|--resource-group|${hostile}|--name|aks dev|--query|provisioningState|--output|tsv|--only-show-errors`;
        // Read, wait until idle, read again, update without waiting, then poll until both settings show and AKS is idle.
        assert.deepEqual(r.calls, [
            settings,
            state,
            settings,
            `aks|update|--enable-gateway-api|--enable-app-routing-istio|--resource-group|${hostile}|--name|aks dev|--no-wait|--only-show-errors|--output|none`,
            settings,
            state,
        ]);
        assert.equal(existsSync(join(r.dir, "pwned")), false);
    });
    it("disables only the Istio implementation, confirming when az asks", () => {
        const mode = "aks|show|--resource-group|rg|--name|aks|--query|ingressProfile.webAppRouting.gatewayApiImplementations.appRoutingIstio.mode|--output|tsv|--only-show-errors";
        const withYes = runWithStandInAz(fastScripts().delete, { version: "2.86.0", helpHasYes: true, rg: "rg", cluster: "aks" });
        assert.equal(withYes.status, 0, withYes.stderr);
        assert.deepEqual(withYes.calls, [mode, "aks|approuting|gateway|istio|disable|--resource-group|rg|--name|aks|--yes|--only-show-errors|--output|none"]);
        const withoutYes = runWithStandInAz(fastScripts().delete, { version: "2.86.0", rg: "rg", cluster: "aks" });
        assert.deepEqual(withoutYes.calls, [mode, "aks|approuting|gateway|istio|disable|--resource-group|rg|--name|aks|--only-show-errors|--output|none"]);
    });
});
