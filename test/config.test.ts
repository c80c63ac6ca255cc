import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { configDefaults, configWarnings, parseStackConfig, StackConfigError, type RawConfig } from "../config";

const root = join(__dirname, "..");

function problemsOf(raw: RawConfig): StackConfigError["problems"] {
    try {
        parseStackConfig(raw);
    } catch (e) {
        assert.ok(e instanceof StackConfigError, `expected StackConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail(`expected ${JSON.stringify(raw)} to be refused`);
}

describe("stack config", () => {
    it("gives the documented defaults when nothing is set", () => {
        const c = parseStackConfig({});
        assert.equal(c.wasmRuntime, "spinkube");
        assert.equal(c.ingressMode, "ingress");
        assert.equal(c.wasmVmSize, "Standard_D2s_v5");
        assert.equal(c.wasmNodeCount, 2);
        assert.equal(c.wasmNodeCountMax, 2, "0 means: same as wasmNodeCount (no autoscaler)");
        assert.equal(c.appReplicas, 3);
        assert.equal(c.kubernetesVersion, undefined);
        assert.deepEqual(c.apps, ["hello-wasm"]);
        assert.equal(c.loadTestMaxErrorRate, 0.01);
    });

    it("parses the typed values Pulumi passes as strings", () => {
        const c = parseStackConfig({
            kubernetesVersion: "1.35.2",
            availabilityZones: '["1","2","3"]',
            wasmNodeCount: "3",
            wasmNodeCountMax: "10",
            loadTest: "false",
            loadTestMaxErrorRate: "0.001",
            appHost: "hello.example.com",
            tlsSecretName: "hello-tls",
        });
        assert.equal(c.kubernetesVersion, "1.35.2");
        assert.deepEqual(c.availabilityZones, ["1", "2", "3"]);
        assert.equal(c.wasmNodeCountMax, 10);
        assert.equal(c.loadTest, false);
        assert.equal(c.loadTestMaxErrorRate, 0.001);
    });

    // Each row: the raw config, the key the error must name, and a phrase of what is accepted.
    const bad: [string, RawConfig, string, RegExp][] = [
        ["negative wasm node count", { wasmNodeCount: "-1" }, "wasmNodeCount", /whole number from 1 to 100/],
        ["zero wasm node count", { wasmNodeCount: "0" }, "wasmNodeCount", /from 1 to 100/],
        ["fractional node count", { systemNodeCount: "1.5" }, "systemNodeCount", /whole number/],
        ["non-numeric node count", { systemNodeCount: "two" }, "systemNodeCount", /whole number/],
        ["too many system nodes", { systemNodeCount: "11" }, "systemNodeCount", /1 to 10/],
        ["malformed VM size", { wasmVmSize: "D2s_v5" }, "wasmVmSize", /Standard_D2s_v5/],
        ["VM size with spaces", { systemVmSize: "Standard D2s v5" }, "systemVmSize", /VM size/],
        ["lower-case standard prefix", { systemVmSize: "standard_d2s_v5" }, "systemVmSize", /VM size/],
        ["display-name region", { location: "West Europe" }, "location", /programmatic name/],
        ["region with a dash", { location: "west-europe" }, "location", /programmatic name/],
        ["unknown runtime", { wasmRuntime: "wasmtime" }, "wasmRuntime", /"spinkube", "wasmwasi"/],
        ["runtime in wrong case", { wasmRuntime: "SpinKube" }, "wasmRuntime", /"spinkube"/],
        ["unknown ingress mode", { ingressMode: "nginx" }, "ingressMode", /"ingress", "gateway", "none"/],
        ["unknown ACR SKU", { acrSku: "Gold" }, "acrSku", /"Basic", "Standard", "Premium"/],
        ["unknown cluster tier", { clusterTier: "Gold" }, "clusterTier", /"Free", "Standard", "Premium"/],
        ["Kubernetes version too old", { kubernetesVersion: "1.30" }, "kubernetesVersion", /1\.34, 1\.35, 1\.36, 1\.37, or with clusterTier "Premium" .* 1\.31, 1\.32, 1\.33/],
        ["Kubernetes version too new", { kubernetesVersion: "1.38" }, "kubernetesVersion", /read 2026-11-26/],
        ["LTS-only version on Free", { kubernetesVersion: "1.33" }, "kubernetesVersion", /past AKS community support .* clusterTier to "Premium"/],
        ["LTS-only version on Standard", { kubernetesVersion: "1.31.5", clusterTier: "Standard" }, "kubernetesVersion", /"Premium"/],
        ["cluster admin not a GUID", { clusterAdminPrincipalIds: '["ci-deployer"]' }, "clusterAdminPrincipalIds", /service principal object IDs/],
        ["Kubernetes version with v prefix", { kubernetesVersion: "v1.33" }, "kubernetesVersion", /MAJOR\.MINOR/],
        ["Kubernetes major 2", { kubernetesVersion: "2.0" }, "kubernetesVersion", /MAJOR\.MINOR/],
        ["host with underscore", { appHost: "hello_wasm.example.com" }, "appHost", /DNS name/],
        ["host in upper case", { appHost: "Hello.Example.com" }, "appHost", /lower-case/],
        ["single-label host", { appHost: "localhost" }, "appHost", /at least two labels/],
        ["host with a URL scheme", { appHost: "https://hello.example.com" }, "appHost", /DNS name/],
        ["host label over 63 chars", { appHost: `${"a".repeat(64)}.example.com` }, "appHost", /1-63/],
        ["zero replicas", { appReplicas: "0" }, "appReplicas", /1 to 100/],
        ["replicas not a number", { appReplicas: "many" }, "appReplicas", /whole number/],
        ["zone 4", { availabilityZones: '["1","4"]' }, "availabilityZones", /zones "1", "2" or "3"/],
        ["zones not a list", { availabilityZones: "1,2,3" }, "availabilityZones", /list/],
        ["duplicate zones", { availabilityZones: '["1","1"]' }, "availabilityZones", /distinct/],
        ["admin group not a GUID", { adminGroupObjectIds: '["platform-admins"]' }, "adminGroupObjectIds", /GUID/],
        ["empty app list", { apps: "[]" }, "apps", /non-empty/],
        ["app name with a slash", { apps: '["../etc"]' }, "apps", /app folder names/],
        ["app name starting with a digit", { apps: '["1st-app"]' }, "apps", /a lower-case letter/],
        ["CPU quantity with unit typo", { appCpuRequest: "100mc" }, "appCpuRequest", /CPU quantity/],
        ["memory in MB", { appMemoryLimit: "128MB" }, "appMemoryLimit", /Ki, Mi or Gi/],
        ["boolean as yes", { loadTest: "yes" }, "loadTest", /true or false/],
        ["error rate above 1", { loadTestMaxErrorRate: "1.5" }, "loadTestMaxErrorRate", /0 to 1/],
        ["negative p99", { loadTestMaxP99Ms: "-5" }, "loadTestMaxP99Ms", /whole number/],
        ["load test too long", { loadTestDurationSeconds: "3600" }, "loadTestDurationSeconds", /5 to 600/],
        ["unknown kubelogin mode", { kubeloginMode: "interactive" }, "kubeloginMode", /"azurecli"/],
        ["misspelt key", { wasmVMSize: "Standard_D2s_v5" }, "wasmVMSize", /unknown key; known keys: .*wasmVmSize/],
        ["autoscaler max below min", { wasmNodeCount: "3", wasmNodeCountMax: "2" }, "wasmNodeCountMax", /at least wasmNodeCount \(3\)/],
        ["HPA max below replicas", { appReplicas: "3", appMaxReplicas: "2" }, "appMaxReplicas", /at least appReplicas \(3\)/],
        ["CPU limit below request", { appCpuRequest: "1", appCpuLimit: "500m" }, "appCpuLimit", /at least appCpuRequest \(1\)/],
        ["memory limit below request", { appMemoryRequest: "1Gi", appMemoryLimit: "512Mi" }, "appMemoryLimit", /at least appMemoryRequest/],
        ["TLS without exposure", { ingressMode: "none", tlsSecretName: "tls", appHost: "a.example.com" }, "tlsSecretName", /ingressMode is "none"/],
        ["TLS without a host", { tlsSecretName: "tls" }, "tlsSecretName", /unless appHost is set/],
        ["Arm64 VM for WasmWasi", { wasmRuntime: "wasmwasi", wasmVmSize: "Standard_D2ps_v5" }, "wasmVmSize", /x86_64/],
    ];

    for (const [title, raw, key, accepted] of bad) {
        it(`refuses ${title}`, () => {
            const problems = problemsOf(raw);
            const problem = problems.find((p) => p.key === key);
            assert.ok(problem, `no problem reported for ${key}: ${JSON.stringify(problems)}`);
            assert.equal(problem.value, raw[key]);
            assert.match(problem.accepted, accepted);
        });
    }

    it("reports every problem at once, each with key, value and what is accepted", () => {
        try {
            parseStackConfig({ wasmNodeCount: "-1", location: "West Europe", ingressMode: "nginx", appHost: "x_y" });
            assert.fail("expected an error");
        } catch (e) {
            assert.ok(e instanceof StackConfigError);
            assert.deepEqual(e.problems.map((p) => p.key).sort(), ["appHost", "ingressMode", "location", "wasmNodeCount"]);
            assert.match(e.message, /4 problems/);
            assert.match(e.message, /aks-wasm:wasmNodeCount = "-1": a whole number from 1 to 100/);
            assert.match(e.message, /aks-wasm:location = "West Europe": an Azure region's programmatic name/);
        }
    });

    it("accepts every community minor on Free and the LTS-only minors on Premium", () => {
        for (const v of ["1.34", "1.35.1", "1.36", "1.37"]) assert.equal(parseStackConfig({ kubernetesVersion: v }).kubernetesVersion, v);
        for (const v of ["1.31", "1.32.4", "1.33"]) {
            assert.equal(parseStackConfig({ kubernetesVersion: v, clusterTier: "Premium" }).clusterTier, "Premium");
        }
    });

    it("warns when the chosen minor's support ends within 30 days, by the table's dates", async () => {
        const { kubernetesVersionWarnings } = await import("../lib/kubernetesVersions.js");
        assert.match(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Free" }, "2026-11-26").join(), /ends on 2026-11-30/);
        assert.match(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Free" }, "2026-12-02").join(), /ended on 2026-11-30/);
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Premium" }, "2026-11-26"), []);
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.36", clusterTier: "Free" }, "2026-11-26"), []);
    });

    it("warns at evaluation time that WasmWasi pools are no longer created", () => {
        const warnings = configWarnings(parseStackConfig({ wasmRuntime: "wasmwasi" }));
        assert.ok(warnings.some((w) => /2025-05-05/.test(w) && /spinkube/.test(w)), warnings.join("\n"));
        assert.equal(configWarnings(parseStackConfig({ ingressMode: "gateway" })).length, 0);
    });

    it("declares every key in Pulumi.yaml with a description and the same default", () => {
        const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
        const declared = project.config as Record<string, { type: string; description?: string; default: unknown }>;
        const defaults = configDefaults() as unknown as Record<string, unknown>;
        assert.deepEqual(Object.keys(declared).sort(), Object.keys(defaults).sort());
        const raw: Record<string, string> = {};
        for (const [key, spec] of Object.entries(declared)) {
            assert.ok(spec.description, `${key} has no description`);
            assert.ok("default" in spec, `${key} has no default`);
            raw[key] = typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
        }
        // The defaults Pulumi passes in must parse to the same config as no config at all.
        assert.deepEqual(parseStackConfig(raw), parseStackConfig({}));
    });

    for (const stack of ["dev", "prod"]) {
        it(`accepts the ${stack} stack file`, () => {
            const file = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8"));
            const raw: Record<string, string> = {};
            for (const [k, v] of Object.entries(file.config as Record<string, unknown>)) {
                raw[k.replace(/^aks-wasm:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
            }
            assert.doesNotThrow(() => parseStackConfig(raw));
        });
    }
});
