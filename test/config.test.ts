import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { configDefaults, configWarnings, parseAllConfig, parseStackConfig, quantity, StackConfigError, type RawConfig } from "../config";

const root = join(__dirname, "..");

/** A stand-in for the disk: every app folder holds a spin.toml except "missing-app". Keeps the table pure. */
const appManifestExists = (app: string) => app !== "missing-app";
/** A real-looking cluster admin, so that warnings about a missing admin stay out of tests about other keys. */
const ADMIN = { clusterAdminPrincipalIds: '["22222222-2222-2222-2222-222222222222"]' };

/** The day the table tests are judged on: dated support (lib/azure/datedSupport.ts) must not make them drift. */
const TODAY = "2026-12-03";

function problemsOf(raw: RawConfig): StackConfigError["problems"] {
    try {
        parseStackConfig(raw, { appManifestExists, today: TODAY });
    } catch (e) {
        assert.ok(e instanceof StackConfigError, `expected StackConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail(`expected ${JSON.stringify(raw)} to be refused`);
}

describe("stack config", () => {
    it("reports an app's spin.toml problems with the other config problems, before anything else runs", () => {
        // appManifestProblems stands in for lib/spin/spinManifest.ts's check of the file (test/spinManifest.test.ts).
        const appManifestProblems = (app: string) => (app === "shop" ? ["apps/shop/spin.toml:4:14: not valid TOML: unterminated string. Fix: correct the TOML syntax at that line (https://toml.io)"] : []);
        try {
            parseStackConfig({ apps: '["hello-wasm","shop"]', appHost: "example.com", appReplicas: "0" }, { appManifestExists, appManifestProblems });
            assert.fail("expected the config to be refused");
        } catch (e) {
            assert.ok(e instanceof StackConfigError);
            assert.deepEqual(e.problems.map((p) => p.key).sort(), ["appReplicas", "apps"]);
            assert.match(e.message, /aks-wasm:apps = .*app "shop" with a valid spin\.toml: apps\/shop\/spin\.toml:4:14: not valid TOML/);
        }
    });

    it("checks the project's own app manifests on disk by default (they pass)", () => {
        assert.doesNotThrow(() => parseStackConfig({ apps: '["hello-wasm"]' }));
    });

    it("gives the documented defaults when nothing is set", () => {
        const c = parseStackConfig({});
        assert.equal(c.wasmRuntime, "spinkube");
        assert.equal(c.ingressMode, "gateway", "the app routing add-on's NGINX lost Azure support with November 2026");
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
            measure: "false",
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
        ["1-vCPU system VM", { systemVmSize: "Standard_A1_v2" }, "systemVmSize", /at least 2 vCPUs/],
        ["1-vCPU Wasm VM", { wasmVmSize: "Standard_F1s" }, "wasmVmSize", /at least 2 vCPUs/],
        ["B-series system VM", { systemVmSize: "Standard_B2s" }, "systemVmSize", /B-series \(burstable\)/],
        ["Arm64 system VM with the amd64 load test", { systemVmSize: "Standard_D2ps_v5" }, "systemVmSize", /amd64 .*load-test/],
        ["Arm64 Wasm VM with the amd64 baseline beside the app", { wasmVmSize: "Standard_D4ps_v5", loadTest: "true", containerBaseline: "true" }, "wasmVmSize", /an amd64 size \(the container baseline runs on the Wasm pool, beside the app, and its image is built for linux\/amd64\); Standard_D4ps_v5 is arm64 .*; or set containerBaseline to false/],
        ["VM size with spaces", { systemVmSize: "Standard D2s v5" }, "systemVmSize", /VM size/],
        ["lower-case standard prefix", { systemVmSize: "standard_d2s_v5" }, "systemVmSize", /VM size/],
        ["display-name region", { location: "West Europe" }, "location", /programmatic name/],
        ["region with a dash", { location: "west-europe" }, "location", /programmatic name/],
        ["unknown runtime", { wasmRuntime: "wasmtime" }, "wasmRuntime", /"spinkube", "wasmwasi"/],
        ["runtime in wrong case", { wasmRuntime: "SpinKube" }, "wasmRuntime", /"spinkube"/],
        ["unknown ingress mode", { ingressMode: "nginx" }, "ingressMode", /"ingress", "gateway", "none"/],
        ["unknown ACR SKU", { acrSku: "Gold" }, "acrSku", /"Basic", "Standard", "Premium"/],
        ["unknown cluster tier", { clusterTier: "Gold" }, "clusterTier", /"Free", "Standard", "Premium"/],
        ["Kubernetes version not in AKS's calendar", { kubernetesVersion: "1.30" }, "kubernetesVersion", /a Kubernetes minor in AKS's calendar \(1\.31, .*1\.37, read 2026-11-26\)/],
        // Judged on the day of the run (TODAY), not the day the calendar was read (CONV-3).
        ["Kubernetes minor past community support", { kubernetesVersion: "1.34", wasmRuntime: "wasmwasi" }, "kubernetesVersion", /past AKS community support on 2026-12-03 .*support for Kubernetes 1\.34 on AKS \(community support\) ended on 2026-11-30.*choose one of 1\.35, 1\.36, 1\.37/],
        ["LTS minor past its LTS end", { kubernetesVersion: "1.31", clusterTier: "Premium", wasmRuntime: "wasmwasi" }, "kubernetesVersion", /today \(2026-12-03.*: 1\.35, 1\.36, 1\.37, or with clusterTier "Premium" .*1\.32, 1\.33, 1\.34.*Kubernetes 1\.31 on AKS \(long-term support, clusterTier Premium\) ended on 2026-11-30/],
        ["Kubernetes version too new", { kubernetesVersion: "1.38" }, "kubernetesVersion", /read 2026-11-26/],
        ["LTS-only version on Free", { kubernetesVersion: "1.33" }, "kubernetesVersion", /past AKS community support .* clusterTier to "Premium"/],
        ["LTS-only version on Standard", { kubernetesVersion: "1.32.5", clusterTier: "Standard" }, "kubernetesVersion", /past AKS community support .* clusterTier to "Premium"/],
        ["cluster admin not a GUID", { clusterAdminPrincipalIds: '["ci-deployer"]' }, "clusterAdminPrincipalIds", /service principal object IDs/],
        ["Kubernetes version with v prefix", { kubernetesVersion: "v1.33" }, "kubernetesVersion", /MAJOR\.MINOR/],
        ["Kubernetes major 2", { kubernetesVersion: "2.0" }, "kubernetesVersion", /MAJOR\.MINOR/],
        ["host with underscore", { appHost: "hello_wasm.example.com" }, "appHost", /DNS name/],
        ["host in upper case", { appHost: "Hello.Example.com" }, "appHost", /lower-case/],
        ["single-label host", { appHost: "localhost" }, "appHost", /at least two labels/],
        ["host with a URL scheme", { appHost: "https://hello.example.com" }, "appHost", /DNS name/],
        ["host label over 63 chars", { appHost: `${"a".repeat(64)}.example.com` }, "appHost", /1-63/],
        ["IPv4 address as host", { appHost: "10.0.0.1" }, "appHost", /not an IP address/],
        ["IPv6 address as host", { appHost: "fd00::1" }, "appHost", /not an IP address/],
        ["wildcard not in the first label", { appHost: "a.*.example.com" }, "appHost", /wildcard only as the whole first label/],
        ["partial wildcard label", { appHost: "*hello.example.com" }, "appHost", /wildcard only/],
        ["host over 253 characters", { appHost: `${"a".repeat(60)}.`.repeat(4) + "example.com" }, "appHost", /at most 253/],
        ["wildcard host with two apps", { apps: '["hello-wasm","other"]', appHost: "*.example.com" }, "appHost", /without a wildcard when there are several apps/],
        [
            "app subdomain over 253 characters",
            { apps: '["hello-wasm","a-rather-long-second-app"]', appHost: `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(40)}.example.com` },
            "appHost",
            /subdomain "a-rather-long-second-app\..*at most 253/,
        ],
        ["app folder without spin.toml", { apps: '["hello-wasm","missing-app"]' }, "apps", /no apps\/<name>\/spin\.toml for "missing-app"/],
        ["app name too long for the load-test Job", { apps: `["${"a".repeat(32)}"]` }, "apps", /load-test component .*at most 40/],
        ["baseline without the load test", { containerBaseline: "true", loadTest: "false" }, "containerBaseline", /unless loadTest is true/],
        ["measurement without the load test", { loadTest: "false", measure: "true" }, "measure", /false unless loadTest is true \(the footprint under load is sampled during the load test\)/],
        ["zero measurement replicas", { measureReplicas: "0" }, "measureReplicas", /whole number from 1 to 100/],
        ["101 measurement replicas", { measureReplicas: "101" }, "measureReplicas", /whole number from 1 to 100/],
        ["fractional measurement rounds", { measureRounds: "2.5" }, "measureRounds", /whole number from 1 to 10/],
        ["eleven measurement rounds", { measureRounds: "11" }, "measureRounds", /whole number from 1 to 10/],
        ["negative scale-out limit", { measureMaxScaleOutSeconds: "-1" }, "measureMaxScaleOutSeconds", /a number from 0 to 3600/],
        ["scale-out limit not a number", { measureMaxScaleOutSeconds: "fast" }, "measureMaxScaleOutSeconds", /a number from 0 to 3600/],
        ["first-response limit over an hour", { measureMaxFirstResponseSeconds: "3601" }, "measureMaxFirstResponseSeconds", /a number from 0 to 3600/],
        ["fractional pod memory limit", { measureMaxPodMemoryMiB: "12.5" }, "measureMaxPodMemoryMiB", /whole number from 0 to 65536/],
        ["Arm64 system pool with the measurement (its image is amd64)", { systemVmSize: "Standard_D4ps_v5", loadTest: "true", containerBaseline: "false" }, "systemVmSize", /measurement images are built for linux\/amd64/],
        ["Wasm pool too small for the twins", { measureReplicas: "100", wasmNodeCount: "1" }, "wasmNodeCount", /wasm pool cannot hold .*CPU requests/],
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
        ["CPU quantity with two points", { appCpuRequest: "1.5.2" }, "appCpuRequest", /CPU quantity/],
        ["negative CPU", { appCpuLimit: "-1" }, "appCpuLimit", /above 0/],
        ["zero CPU request", { appCpuRequest: "0" }, "appCpuRequest", /above 0/],
        ["memory in MB", { appMemoryLimit: "128MB" }, "appMemoryLimit", /Kubernetes memory quantity/],
        ["memory suffix Apimachinery does not know", { appMemoryRequest: "1Y" }, "appMemoryRequest", /Kubernetes memory quantity/],
        ["memory in millibytes", { appMemoryRequest: "500m" }, "appMemoryRequest", /at least 1Mi/],
        ["boolean as yes", { loadTest: "yes" }, "loadTest", /true or false/],
        ["error rate above 1", { loadTestMaxErrorRate: "1.5" }, "loadTestMaxErrorRate", /0 to 1/],
        ["negative p99", { loadTestMaxP99Ms: "-5" }, "loadTestMaxP99Ms", /whole number/],
        ["load test too long", { loadTestDurationSeconds: "3600" }, "loadTestDurationSeconds", /5 to 600/],
        // Issue 19: with the measurement on, the load must hold one whole metrics window (2 × 15 s + 5 s on AKS).
        ["load too short for a metrics window", { loadTestDurationSeconds: "20" }, "loadTestDurationSeconds", /^at least 35 while measure is true \(2 × metrics-server's 15 s resolution \+ 5 s, .*\), or set measure to false$/],
        ["unknown kubelogin mode", { kubeloginMode: "interactive" }, "kubeloginMode", /"azurecli"/],
        ["misspelt key (case)", { wasmVMSize: "Standard_D2s_v5" }, "wasmVMSize", /^unknown key; did you mean aks-wasm:wasmVmSize\? \(every key: Pulumi\.yaml, docs\/configuration\.md\)$/],
        ["near-miss key (a letter missing)", { appReplica: "3" }, "appReplica", /^unknown key; did you mean aks-wasm:appReplicas\?/],
        ["near-miss key (two letters swapped)", { appRpelicas: "3" }, "appRpelicas", /^unknown key; did you mean aks-wasm:appReplicas\?/],
        ["near-miss key (a letter wrong and one missing)", { measureRound: "3", loadTestMaxP99: "100" }, "measureRound", /^unknown key; did you mean aks-wasm:measureRounds\?/],
        ["key near none of ours: every key is listed", { colour: "blue" }, "colour", /^unknown key; known keys: location, .*appTeams$/],
        ["autoscaler max below min", { wasmNodeCount: "3", wasmNodeCountMax: "2" }, "wasmNodeCountMax", /at least wasmNodeCount \(3\)/],
        ["HPA max below replicas", { appReplicas: "3", appMaxReplicas: "2" }, "appMaxReplicas", /at least appReplicas \(3\)/],
        ["CPU limit below request", { appCpuRequest: "1", appCpuLimit: "500m" }, "appCpuLimit", /at least appCpuRequest \(1\)/],
        ["memory limit below request", { appMemoryRequest: "1Gi", appMemoryLimit: "512Mi" }, "appMemoryLimit", /at least appMemoryRequest/],
        ["TLS without exposure", { ingressMode: "none", tlsSecretName: "tls", appHost: "a.example.com" }, "tlsSecretName", /ingressMode is "none"/],
        ["TLS without a host", { tlsSecretName: "tls" }, "tlsSecretName", /unless appHost is set/],
        ["Arm64 VM for WasmWasi", { wasmRuntime: "wasmwasi", wasmVmSize: "Standard_D2ps_v5" }, "wasmVmSize", /x86_64/],
        ["system pool too small for what it hosts", { systemVmSize: "Standard_D2s_v5", systemNodeCount: "1" }, "systemNodeCount", /aks-wasm:systemVmSize .*1 × Standard_D2s_v5 .*CPU requests \d+m > allocatable 1900m/],
        ["Wasm pool too small for the replicas", { appReplicas: "60", appCpuRequest: "100m", wasmNodeCount: "1", measure: "false" }, "wasmNodeCount", /wasm pool cannot hold .*CPU requests 6\d{3}m > allocatable 1900m/],
        ["app pod larger than a node (CPU): its own key, beside the pool's", { appCpuRequest: "2", appCpuLimit: "2", wasmNodeCount: "10" }, "appCpuRequest", /^at most 1640m, so that one pod fits on a node: a wasm pool node \(Standard_D2s_v5\) has 1640m free after its per-node agents\. Or a larger aks-wasm:wasmVmSize \(now Standard_D2s_v5\); more nodes do not help$/],
        ["app pod larger than a node (memory, the issue's 64Gi)", { appMemoryRequest: "64Gi", appMemoryLimit: "64Gi" }, "appMemoryRequest", /^at most \d+Mi, so that one pod fits on a node: .*a wasm pool node \(Standard_D2s_v5\) has \d+Mi free .*aks-wasm:wasmVmSize \(now Standard_D2s_v5\); more nodes do not help$/],
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

    it("accepts a short load when the measurement is off, and 35 s with it on (issue 19)", () => {
        assert.equal(parseStackConfig({ loadTestDurationSeconds: "20", measure: "false" }).loadTestDurationSeconds, 20);
        assert.equal(parseStackConfig({ loadTestDurationSeconds: "35" }).loadTestDurationSeconds, 35);
        assert.ok(problemsOf({ loadTestDurationSeconds: "34" }).some((p) => p.key === "loadTestDurationSeconds"));
    });

    it("the dev and prod stacks load long enough for a metrics window", () => {
        for (const stack of ["dev", "prod"]) {
            const file = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
            const seconds = Number(file["aks-wasm:loadTestDurationSeconds"] ?? configDefaults().loadTestDurationSeconds);
            assert.ok(seconds >= 35, `${stack}: loadTestDurationSeconds ${seconds}`);
        }
    });

    it("refuses loadTest=false while measure keeps its default (true), naming aks-wasm:measure", () => {
        assert.deepEqual(problemsOf({ loadTest: "false" }).map((p) => p.key), ["measure"]);
        assert.doesNotThrow(() => parseStackConfig({ loadTest: "false", measure: "false" }, { appManifestExists }));
    });

    it("reads the measurement keys, decimals included", () => {
        const c = parseStackConfig(
            { measureReplicas: "5", measureRounds: "2", measureMaxScaleOutSeconds: "12.5", measureMaxFirstResponseSeconds: "0.75", measureMaxPodMemoryMiB: "64" },
            { appManifestExists },
        );
        assert.deepEqual(
            [c.measure, c.measureReplicas, c.measureRounds, c.measureMaxScaleOutSeconds, c.measureMaxFirstResponseSeconds, c.measureMaxPodMemoryMiB],
            [true, 5, 2, 12.5, 0.75, 64],
        );
    });

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

    it("reports cross-key problems beside per-key ones (a bad key hides nothing)", () => {
        const problems = problemsOf({ location: "West Europe", appReplicas: "3", appMaxReplicas: "2", containerBaseline: "true", loadTest: "false", measure: "false" });
        assert.deepEqual(problems.map((p) => p.key).sort(), ["appMaxReplicas", "containerBaseline", "location"]);
    });

    // Each row: a value Kubernetes accepts, which the config must accept too.
    const good: [string, RawConfig][] = [
        ["fractional Gi memory", { appMemoryRequest: "1.5Gi", appMemoryLimit: "2Gi", measure: "false" }],
        ["decimal-SI memory", { appMemoryRequest: "500M", appMemoryLimit: "1G", measure: "false" }],
        ["exponent memory", { appMemoryRequest: "1e8", appMemoryLimit: "1e9" }],
        ["cores as a decimal", { appCpuRequest: "0.5", appCpuLimit: "1", measure: "false" }],
        ["exponent CPU", { appCpuRequest: "1e-1", appCpuLimit: "1e0" }],
        ["Arm64 Wasm pool with SpinKube (the shim ships an aarch64 tarball)", { wasmVmSize: "Standard_D2ps_v5" }],
        ["Arm64 system pool when nothing amd64-only runs there", { systemVmSize: "Standard_D4ps_v5", loadTest: "false", containerBaseline: "false", measure: "false" }],
        ["wildcard host for one app", { appHost: "*.example.com" }],
        ["constrained-vCPU size name", { wasmVmSize: "Standard_E4-2s_v5" }],
    ];
    for (const [title, raw] of good) {
        it(`accepts ${title}`, () => {
            assert.doesNotThrow(() => parseStackConfig(raw, { appManifestExists }));
        });
    }

    it("parses quantities by the Kubernetes grammar, as base units", () => {
        assert.equal(quantity("1.5Gi"), 1.5 * 2 ** 30);
        assert.equal(quantity("500M"), 5e8);
        assert.equal(quantity("250m"), 0.25);
        assert.equal(quantity("1e3"), 1000);
        assert.equal(quantity(".5"), 0.5);
        assert.equal(quantity("2."), 2);
        for (const bad of ["", "1.5.2", "1Y", "1 Gi", "Gi", "1e", "1ki", "0x10"]) assert.ok(Number.isNaN(quantity(bad)), bad);
    });

    it("refuses the app on disk check without the stand-in: a real missing folder", () => {
        try {
            parseStackConfig({ apps: '["no-such-app-here"]' });
            assert.fail("expected an error");
        } catch (e) {
            assert.ok(e instanceof StackConfigError);
            assert.match(e.message, /aks-wasm:apps = "\[\\"no-such-app-here\\"\]": app folders that exist/);
        }
        assert.doesNotThrow(() => parseStackConfig({ apps: '["hello-wasm"]' }), "apps/hello-wasm/spin.toml is in the repository");
    });

    describe("keys Pulumi would silently ignore", () => {
        const refusedKey = (all: Record<string, string>, key: string, accepted: RegExp) => {
            try {
                parseAllConfig(all, { appManifestExists });
                assert.fail(`expected ${JSON.stringify(all)} to be refused`);
            } catch (e) {
                assert.ok(e instanceof StackConfigError, String(e));
                const problem = e.problems.find((p) => p.key === key);
                assert.ok(problem, JSON.stringify(e.problems));
                assert.match(problem.accepted, accepted);
                assert.match(e.message, new RegExp(`  - ${key.replace(/[-]/g, "\\-")} = `), "a foreign key is printed as given, not under aks-wasm:");
            }
        };
        it("refuses our key under an underscored project name", () => refusedKey({ "aks_wasm:apps": '["x"]' }, "aks_wasm:apps", /did you mean aks-wasm:apps/));
        it("refuses our key under a project name without the dash", () => refusedKey({ "akswasm:appReplicas": "4" }, "akswasm:appReplicas", /did you mean aks-wasm:appReplicas/));
        it("refuses our key under a mistyped project name", () => refusedKey({ "aks-wsam:location": "eastus" }, "aks-wsam:location", /"aks-wsam:" is not read/));
        it("suggests the near key too when both the project name and the key are mistyped", () =>
            refusedKey({ "aks_wasm:appReplica": "4" }, "aks_wasm:appReplica", /"aks_wasm:" is not read, so this value is ignored \(did you mean aks-wasm:appReplicas\?\)$/));
        it("does not guess under another namespace: only our exact names (any case) are warned about", () => {
            const { warnings } = parseAllConfig({ "other:appReplica": "4", "other:APPS": '["x"]' }, { appManifestExists });
            assert.deepEqual(warnings, ["other:APPS is set but not read by this program; did you mean aks-wasm:apps?"]);
        });
        it("refuses azure-native:location that differs from location", () =>
            refusedKey({ "aks-wasm:location": "westeurope", "azure-native:location": "eastus" }, "azure-native:location", /equal to aks-wasm:location \("westeurope"\)/));
        it("refuses azure-native:location that differs from the default location", () => refusedKey({ "azure-native:location": "eastus" }, "azure-native:location", /"westeurope"/));
        it("reports look-alike keys together with the project's own problems", () => {
            try {
                parseAllConfig({ "aks_wasm:apps": "[]", "aks-wasm:appReplicas": "0" }, { appManifestExists });
                assert.fail("expected an error");
            } catch (e) {
                assert.ok(e instanceof StackConfigError);
                assert.deepEqual(e.problems.map((p) => p.key).sort(), ["aks_wasm:apps", "appReplicas"]);
            }
        });
        it("accepts an equal azure-native:location and warns about our key names under other namespaces", () => {
            const { config, warnings } = parseAllConfig(
                { "aks-wasm:location": "northeurope", "azure-native:location": "northeurope", "other:apps": '["x"]', "kubernetes:context": "x" },
                { appManifestExists },
            );
            assert.equal(config.location, "northeurope");
            assert.deepEqual(warnings, ["other:apps is set but not read by this program; did you mean aks-wasm:apps?"]);
        });
    });

    it("warns about a region outside the dated list, and about zones in a region without them", () => {
        const unknown = configWarnings(parseStackConfig({ location: "westeurop" }, { appManifestExists }));
        assert.ok(unknown.some((w) => /location=westeurop is not in the list of Azure public regions read 2026-11-26/.test(w)), unknown.join("\n"));
        const zoneless = configWarnings(parseStackConfig({ location: "westus", availabilityZones: '["1"]' }, { appManifestExists }));
        assert.ok(zoneless.some((w) => /westus has no availability zones/.test(w)), zoneless.join("\n"));
        assert.deepEqual(configWarnings(parseStackConfig({ location: "swedencentral", availabilityZones: '["1","2","3"]', ingressMode: "gateway", ...ADMIN }, { appManifestExists })), []);
    });

    it("warns when a pool fits with less than 15% headroom", () => {
        // 2 × D2s_v5 Wasm pool (3800m): agents 520m, 13 + 1 Spin pods and 13 + 1 baseline pods at 100m: 3320m, 13% free.
        const sized = { wasmNodeCount: "2", appReplicas: "13", appCpuRequest: "100m", measure: "false" };
        const c = parseStackConfig({ ...sized, containerBaseline: "true" }, { appManifestExists });
        assert.ok(configWarnings(c).some((w) => /wasm pool \(2 × Standard_D2s_v5\) fits with only 13% headroom/.test(w)), configWarnings(c).join("\n"));
        // Without the baseline beside the app the Wasm pool has room (1920m).
        assert.ok(!configWarnings(parseStackConfig({ ...sized, containerBaseline: "false" }, { appManifestExists })).some((w) => /headroom/.test(w)));
    });

    it("warns when the autoscaler cannot add enough Wasm nodes for appMaxReplicas", () => {
        const c = parseStackConfig({ wasmNodeCount: "1", wasmNodeCountMax: "2", appMaxReplicas: "100", appCpuRequest: "100m", measure: "false" }, { appManifestExists });
        assert.ok(configWarnings(c).some((w) => /at appMaxReplicas the wasm pool needs .*wasmNodeCountMax=2/.test(w)), configWarnings(c).join("\n"));
    });

    it("warns about a system VM size under 4 vCPUs (one AKS page asks for 4) and not at 4", () => {
        const small = configWarnings(parseStackConfig({ systemVmSize: "Standard_D2s_v5", measure: "false" }, { appManifestExists }));
        assert.ok(small.some((w) => /^systemVmSize=Standard_D2s_v5 has 2 vCPUs: .*at least 4 vCPUs/.test(w)), small.join("\n"));
        const four = configWarnings(parseStackConfig({ systemVmSize: "Standard_D4s_v5" }, { appManifestExists }));
        assert.ok(!four.some((w) => /^systemVmSize=/.test(w)), four.join("\n"));
    });

    it("warns about a one-node system pool", () => {
        const c = parseStackConfig({ systemNodeCount: "1", systemVmSize: "Standard_D8s_v5" }, { appManifestExists });
        assert.ok(configWarnings(c).some((w) => /systemNodeCount=1: AKS documents/.test(w)));
    });

    it("accepts the minors AKS supports on the day of the run: community ones on Free, LTS-only ones on Premium", () => {
        const on = (raw: RawConfig, today: string) => parseStackConfig({ wasmRuntime: "wasmwasi", ...raw }, { today });
        for (const v of ["1.35.1", "1.36", "1.37"]) assert.equal(on({ kubernetesVersion: v }, TODAY).kubernetesVersion, v);
        for (const v of ["1.32.4", "1.33", "1.34"]) assert.equal(on({ kubernetesVersion: v, clusterTier: "Premium" }, TODAY).kubernetesVersion, v);
        // The same minor, a week earlier: 1.34 still had community support, 1.31 LTS too.
        assert.equal(on({ kubernetesVersion: "1.34" }, "2026-11-26").kubernetesVersion, "1.34");
        assert.equal(on({ kubernetesVersion: "1.31" , clusterTier: "Premium" }, "2026-11-30").kubernetesVersion, "1.31", "the last day is still supported");
        assert.throws(() => on({ kubernetesVersion: "1.31", clusterTier: "Premium" }, "2026-12-01"), /ended on 2026-11-30/);
    });

    it("spinkube refuses what containerd 1.7 on Ubuntu 22.04 cannot run: 1.36 and later, and LTS from 1.33", () => {
        // The SpinKube Wasm pool runs Ubuntu 22.04 with containerd 1.7 (platform-contracts OS-1, RCM-CD2, CTD-MIG);
        // containerd's RELEASES.md recommends 1.7 up to Kubernetes 1.35, not 1.36 (CONV-4); AKS offers Ubuntu2204 on 1.25-1.36 (OS-2).
        assert.equal(parseStackConfig({ kubernetesVersion: "1.35.1" }, { today: TODAY }).kubernetesVersion, "1.35.1");
        assert.equal(parseStackConfig({ kubernetesVersion: "1.32", clusterTier: "Premium" }, { today: TODAY }).kubernetesVersion, "1.32");
        for (const [v, tier, limit] of [["1.36", "Free", "at most 1.35"], ["1.37", "Free", "at most 1.35"], ["1.33", "Premium", "at most 1.32"]]) {
            try {
                parseStackConfig({ kubernetesVersion: v, clusterTier: tier }, { today: TODAY });
                assert.fail(`expected ${v} on ${tier} to be refused`);
            } catch (e) {
                assert.ok(e instanceof StackConfigError, String(e));
                assert.deepEqual(e.problems.map((p) => p.key), ["kubernetesVersion"]);
                assert.match(e.problems[0].accepted, new RegExp(`^${limit} with .*wasmRuntime "spinkube".*Ubuntu 22.04`));
            }
        }
        assert.match(problemsOf({ kubernetesVersion: "1.36" })[0].accepted, /containerd 1\.7 is recommended only for 1\.32, 1\.33, 1\.34, 1\.35 \(containerd\/containerd RELEASES\.md@v2\.3\.4/);
    });

    it("spinkube is refused once AKS retires the Wasm pool's Ubuntu 22.04, and warned about 30 days before", async () => {
        const { spinKubeVersionProblems, spinKubeWarnings } = await import("../lib/azure/kubernetesVersions.js");
        const c = { clusterTier: "Free", wasmRuntime: "spinkube" };
        assert.deepEqual(spinKubeWarnings(c, "2027-05-30"), []);
        assert.match(spinKubeWarnings(c, "2027-05-31").join(), /Ubuntu 22.04 node pools .* ends on 2027-06-30/);
        assert.deepEqual(spinKubeVersionProblems(c, "2027-06-30").filter((p) => p.key === "wasmRuntime"), []);
        assert.match(spinKubeVersionProblems(c, "2027-07-01")[0].accepted, /ended on 2027-06-30 \(MicrosoftDocs\/azure-aks-docs articles\/aks\/upgrade-os-version\.md/);
    });

    it("warns when the minor's support ends within 30 days of the day of the run, the default minor included", async () => {
        const { kubernetesVersionWarnings } = await import("../lib/azure/kubernetesVersions.js");
        assert.match(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Free" }, "2026-11-26").join(), /ends on 2026-11-30/);
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Free" }, "2026-10-30"), [], "31 days before");
        assert.match(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Free" }, "2026-10-31").join(), /ends on 2026-11-30/, "30 days before");
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.34", clusterTier: "Premium" }, "2026-11-26"), []);
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.36", clusterTier: "Free" }, "2026-11-26"), []);
        // The SpinKube default (1.35, community support until 2027-03-31) is warned about too.
        assert.match(kubernetesVersionWarnings({ clusterTier: "Free", wasmRuntime: "spinkube" }, "2027-03-05").join(), /kubernetesVersion=1\.35 \(the default\): .*ends on 2027-03-31/);
    });

    it("ingress (the add-on's managed NGINX) is accepted past its end of support as an explicit opt-in, with a dated warning", () => {
        const at = (today: string) => configWarnings(parseStackConfig({ ingressMode: "ingress", ...ADMIN }, { appManifestExists, today }), { today }).filter((w) => w.startsWith("ingressMode"));
        assert.deepEqual(at("2026-10-30"), []);
        assert.match(at("2026-11-01").join(), /ends on 2026-11-30/);
        assert.match(at(TODAY).join(), /ended on 2026-11-30 \(learn\.microsoft\.com\/azure\/aks\/app-routing-gateway-api.*read 2026-12-03\)\. Still accepted: .*Move to ingressMode=gateway/);
        const own = parseStackConfig({ ingressMode: "ingress", ingressClassName: "nginx.example.com", ...ADMIN }, { appManifestExists, today: TODAY });
        assert.deepEqual(configWarnings(own, { today: TODAY }).filter((w) => w.startsWith("ingressMode")), [], "another IngressClass is the user's own");
    });

    it("warns that a one-node SpinKube Wasm pool takes the apps down during a shim reinstall, and not with two nodes", () => {
        const one = configWarnings(parseStackConfig({ wasmNodeCount: "1", wasmNodeCountMax: "2", ...ADMIN }, { appManifestExists, today: TODAY }), { today: TODAY });
        assert.ok(one.some((w) => /^wasmNodeCount=1: a shim reinstall .* deletes the Spin pods on the only Wasm node/.test(w)), one.join("\n"));
        const two = configWarnings(parseStackConfig({ wasmNodeCount: "2", ...ADMIN }, { appManifestExists, today: TODAY }), { today: TODAY });
        assert.ok(!two.some((w) => w.startsWith("wasmNodeCount=1")));
    });

    it("warns at evaluation time that WasmWasi pools are no longer created, judged on the day of the run", () => {
        const warnings = configWarnings(parseStackConfig({ wasmRuntime: "wasmwasi" }));
        assert.ok(warnings.some((w) => /wasmRuntime=wasmwasi: support for AKS WASI node pools .* ended on 2025-05-04/.test(w) && /spinkube/.test(w)), warnings.join("\n"));
        const on = (today: string) => configWarnings(parseStackConfig({ wasmRuntime: "wasmwasi" }, { appManifestExists, today }), { today }).filter((w) => w.startsWith("wasmRuntime=wasmwasi"));
        assert.deepEqual(on("2025-03-01"), [], "before the last 30 days: nothing to say");
        assert.match(on("2025-04-20")[0], /ends on 2025-05-04/);
        assert.equal(configWarnings(parseStackConfig({ ingressMode: "gateway", ...ADMIN })).length, 0);
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
            const c = parseStackConfig(raw);
            // The stack files must fit their pools without a headroom warning (issue 10 item 4).
            assert.deepEqual(configWarnings(c).filter((w) => w.startsWith("capacity:")), []);
        });
    }
});
