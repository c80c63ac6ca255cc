/**
 * The config's rules (config/) as a user meets them: every refusal names its key and says what is accepted, ranges are
 * enforced exactly where the refusal says they end, cross-key rules refuse only the key they are about, and the
 * evaluation-time warnings fire at their thresholds. Ranges are read from the refusal itself, so a key's range can
 * change without touching this file; what is pinned is that the stated range is the enforced one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
    appHostFor,
    CONFIG_KEYS,
    loadStackConfig,
    configDefaults,
    configWarnings,
    parseAllConfig,
    parseStackConfig,
    splitStackConfig,
    StackConfigError,
    type RawConfig,
    type StackConfig,
} from "../config";
import { addDays } from "../lib/azure/datedSupport";
import { AKS_MINORS } from "../lib/azure/kubernetesVersions";

const appManifestExists = () => true;
const ADMIN = { clusterAdminPrincipalIds: '["00000000-0000-0000-0000-000000000001"]' };

function problems(raw: RawConfig, options: { requireClusterAdmin?: boolean; deploying?: boolean; today?: string } = {}): StackConfigError["problems"] {
    try {
        parseStackConfig(raw, { appManifestExists, ...options });
        return [];
    } catch (e) {
        assert.ok(e instanceof StackConfigError, String(e));
        return e.problems;
    }
}
const keysRefused = (raw: RawConfig) => problems(raw).map((p) => p.key);
const parses = (raw: RawConfig) => parseStackConfig(raw, { appManifestExists });

/** The keys whose refusal of "x" states a range ("a whole number from A to B" or "a number from A to B"). */
function ranges(): { key: string; whole: boolean; min: number; max: number; accepted: string }[] {
    const out = [];
    for (const key of CONFIG_KEYS) {
        const p = problems({ [key]: "x" }).find((q) => q.key === key);
        const m = p && /^a (whole )?number from (-?[0-9.]+) to (-?[0-9.]+)(?:, in decimal notation .*)?$/.exec(p.accepted);
        if (m) out.push({ key, whole: m[1] !== undefined, min: Number(m[2]), max: Number(m[3]), accepted: p.accepted });
    }
    return out;
}

describe("config: each key's own rule", () => {
    it("enforces every stated range exactly, whole numbers as whole", () => {
        const all = ranges();
        assert.ok(all.filter((r) => r.whole).length >= 10 && all.filter((r) => !r.whole).length >= 3, JSON.stringify(all.map((r) => r.key)));
        for (const { key, whole, min, max, accepted } of all) {
            const step = whole ? 1 : 0.001;
            // Other keys keep their defaults; only this key's range refusal is looked at (a cross-key rule may refuse
            // the same key for another reason, e.g. loadTestDurationSeconds below one metrics window while measuring).
            const refused = (v: string) => problems({ [key]: v }).some((p) => p.key === key && p.accepted === accepted);
            assert.ok(!refused(String(min)), `${key} = ${min}`);
            assert.ok(!refused(String(max)), `${key} = ${max}`);
            assert.ok(refused(String(min - step)), `${key} = ${min - step}`);
            assert.ok(refused(String(max + step)), `${key} = ${max + step}`);
            for (const bad of ["", " ", "x", "Infinity", "NaN"]) assert.ok(refused(bad), `${key} = ${JSON.stringify(bad)}`);
            if (whole) for (const bad of [`${min}.5`, "1e1", "+1", "0x10"]) assert.ok(refused(bad), `${key} = ${bad}`);
            // Each of these is 1 to Number(), inside every decimal key's range: only the notation is refused.
            if (!whole) for (const bad of ["0x1", "0b1", "0o1", "+1", "1_0", "1e", "1,0", "- 1"]) assert.ok(refused(bad), `${key} = ${bad}`);
        }
    });

    it("reads decimal keys in decimal notation only, refusing 0x10 under the key with what it accepts", () => {
        for (const [raw, value] of [["0.05", 0.05], ["1", 1], ["1.", 1], [".5", 0.5], ["5e-3", 0.005], ["1E-2", 0.01], ["0.5e+0", 0.5], [".25", 0.25], ["1e-10", 1e-10], [" 0.25 ", 0.25], ["0", 0]] as const) {
            assert.equal(parses({ loadTestMaxErrorRate: raw }).loadTestMaxErrorRate, value, JSON.stringify(raw));
        }
        assert.equal(parses({ measureMaxScaleOutSeconds: "1.5e2" }).measureMaxScaleOutSeconds, 150);
        // Number("0x10") is 16, within measureMaxFirstResponseSeconds' 0 to 3600: refused for its notation, not its size.
        const [p, ...rest] = problems({ measureMaxFirstResponseSeconds: "0x10", loadTestMaxErrorRate: "0x0" });
        assert.equal(rest.length, 1, "both keys, at once");
        assert.deepEqual([p.key, p.value], ["loadTestMaxErrorRate", "0x0"]);
        assert.deepEqual([rest[0].key, rest[0].value], ["measureMaxFirstResponseSeconds", "0x10"]);
        for (const q of [p, rest[0]]) assert.match(q.accepted, /decimal notation/);
    });

    it("reads whole numbers with surrounding spaces and a sign, decimals with a point", () => {
        assert.equal(parses({ appReplicas: " 4 " }).appReplicas, 4);
        assert.equal(parses({ loadTestMaxErrorRate: "0.25" }).loadTestMaxErrorRate, 0.25);
        assert.equal(parses({ loadTestMaxErrorRate: " .5" }).loadTestMaxErrorRate, 0.5);
    });

    it("takes booleans as exactly true or false", () => {
        assert.equal(parses({ protect: "true" }).protect, true);
        assert.equal(parses({ protect: "false" }).protect, false);
        for (const bad of ["True", "1", "yes", ""]) assert.deepEqual(keysRefused({ protect: bad }), ["protect"], bad);
    });

    it("takes each listed value of a choice, case and all, and names them when refusing", () => {
        for (const [key, values] of [["clusterTier", ["Free", "Standard", "Premium"]], ["acrSku", ["Basic", "Standard", "Premium"]], ["ingressMode", ["ingress", "gateway", "none"]], ["kubeloginMode", ["azurecli", "workloadidentity", "devicecode"]]] as const) {
            for (const v of values) assert.ok(!keysRefused({ [key]: v, ...(v === "none" ? {} : {}) }).includes(key), `${key} = ${v}`);
            const p = problems({ [key]: values[0].toUpperCase() + "x" }).find((q) => q.key === key)!;
            for (const v of values) assert.ok(p.accepted.includes(`"${v}"`), `${key}: ${p.accepted}`);
            assert.ok(keysRefused({ [key]: "" }).includes(key));
        }
        assert.equal(parses({ wasmRuntime: "wasmwasi" }).wasmRuntime, "wasmwasi");
    });

    it("takes a region's programmatic name: lower case, 3 to 31 characters", () => {
        for (const ok of ["westeurope", "abc", `a${"b".repeat(30)}`, "eastus2"]) assert.ok(!keysRefused({ location: ok }).includes("location"), ok);
        for (const bad of ["West Europe", "WestEurope", "ab", `a${"b".repeat(31)}`, "2east", "west-europe", " westeurope"]) {
            assert.ok(keysRefused({ location: bad }).includes("location"), bad);
        }
    });

    it("takes GUIDs in either case, and nothing shorter or longer", () => {
        const guid = "0f0e0d0c-0b0a-0908-0706-050403020100";
        assert.deepEqual(parses({ adminGroupObjectIds: JSON.stringify([guid, guid.toUpperCase()]) }).adminGroupObjectIds, [guid, guid.toUpperCase()]);
        for (const bad of [guid.slice(1), `${guid}0`, `x${guid}`, guid.replace(/-/g, "")]) assert.deepEqual(keysRefused({ adminGroupObjectIds: JSON.stringify([bad]) }), ["adminGroupObjectIds"], bad);
    });

    it("takes lists as JSON arrays of distinct items only", () => {
        assert.deepEqual(parses({ availabilityZones: '["1","3"]' }).availabilityZones, ["1", "3"]);
        assert.deepEqual(parses({ availabilityZones: "[1,2]" }).availabilityZones, ["1", "2"], "numbers, as Pulumi's --path set stores them");
        assert.deepEqual(parses({ availabilityZones: "[]" }).availabilityZones, []);
        for (const bad of ['"1"', '{"a":1}', "[1,1]", "[", "null"]) assert.deepEqual(keysRefused({ availabilityZones: bad }), ["availabilityZones"], bad);
    });

    it("takes DNS names for the class names and the TLS Secret, labels of 1 to 63", () => {
        const label = "a".repeat(63);
        for (const key of ["ingressClassName", "gatewayClassName"]) {
            for (const ok of ["a", "a-b.c", `${label}.${label}`]) assert.ok(!keysRefused({ [key]: ok }).includes(key), `${key} = ${ok}`);
            for (const bad of ["", "A", "-a", "a-", "a..b", `${label}a`, "a_b", ".a"]) assert.ok(keysRefused({ [key]: bad }).includes(key), `${key} = ${bad}`);
        }
        const tls = (v: string) => keysRefused({ tlsSecretName: v, appHost: "a.example.com" }).includes("tlsSecretName");
        assert.ok(!tls("") && !tls("tls") && !tls("tls.x"));
        assert.ok(tls("TLS") && tls("a..b") && tls("-tls"));
    });

    it("takes an Azure VM size by the naming convention", () => {
        assert.ok(!keysRefused({ wasmVmSize: "Standard_D4s_v5" }).includes("wasmVmSize"));
        for (const bad of ["standard_D2s_v5", "Standard_d2s_v5", "Standard_", "Standard_D2s_v5 ", "D2s_v5", "xStandard_D2s_v5"]) {
            assert.ok(keysRefused({ wasmVmSize: bad }).includes("wasmVmSize"), bad);
        }
        assert.match(problems({ systemVmSize: "Standard_B4ms" }).find((p) => p.key === "systemVmSize")!.accepted, /B-series/, "AKS's pool rules, by pool");
        assert.ok(!keysRefused({ wasmVmSize: "Standard_B4ms" }).includes("wasmVmSize"));
    });

    it("takes CPU above 0 and memory from 1Mi", () => {
        assert.ok(!keysRefused({ appCpuRequest: "0.001", appCpuLimit: "1" }).includes("appCpuRequest"));
        assert.ok(keysRefused({ appCpuRequest: "0" }).includes("appCpuRequest"));
        assert.ok(!keysRefused({ appMemoryRequest: "1Mi", appMemoryLimit: "1Mi" }).includes("appMemoryRequest"));
        assert.ok(!keysRefused({ appMemoryRequest: "1048576", appMemoryLimit: "1Mi" }).includes("appMemoryRequest"));
        assert.ok(keysRefused({ appMemoryRequest: "1048575" }).includes("appMemoryRequest"));
        assert.match(problems({ appCpuRequest: "1x" })[0].accepted, /CPU quantity above 0/);
        assert.match(problems({ appMemoryRequest: "1x" })[0].accepted, /memory quantity of at least 1Mi/);
    });

    it("takes an app host of two labels or more, or empty", () => {
        for (const ok of ["", "hello.example.com", "*.example.com"]) assert.ok(!keysRefused({ appHost: ok }).includes("appHost"), ok);
        for (const bad of ["hello", "Hello.example.com", "hello..com"]) assert.ok(keysRefused({ appHost: bad }).includes("appHost"), bad);
        assert.match(problems({ appHost: "hello" })[0].accepted, /\(at least two labels\)$/);
    });

    it("takes an empty kubernetesVersion as unset (AKS's default)", () => {
        assert.equal(parses({ kubernetesVersion: "" }).kubernetesVersion, undefined);
        assert.deepEqual(keysRefused({ appReplicas: "" }), ["appReplicas"], "an empty value for a key with a default is refused");
    });

    it("names an unknown key, with a suggestion only when one is close", () => {
        const [near] = problems({ APPREPLICAS: "3" });
        assert.deepEqual([near.key, near.value], ["APPREPLICAS", "3"]);
        assert.match(near.accepted, /did you mean aks-wasm:appReplicas\?/);
        const [far] = problems({ colour: "blue" });
        assert.doesNotMatch(far.accepted, /did you mean/);
        assert.match(far.accepted, /known keys: .*appReplicas/);
    });
});

describe("config: errors and cross-key rules", () => {
    it("lists every problem in one error, each under aks-wasm: unless the key names its namespace", () => {
        try {
            parseAllConfig({ "aks-wasm:appReplicas": "0", "aks-wasm:protect": "maybe", "aks_wasm:apps": "[]" }, { appManifestExists });
            assert.fail("expected a refusal");
        } catch (e) {
            assert.ok(e instanceof StackConfigError);
            assert.equal(e.name, "StackConfigError");
            assert.match(e.message, /^Invalid stack configuration \(3 problems\):\n/);
            assert.match(e.message, /\n {2}- aks-wasm:appReplicas = "0": /);
            assert.match(e.message, /\n {2}- aks-wasm:protect = "maybe": true or false/);
            assert.match(e.message, /\n {2}- aks_wasm:apps = "\[\]": /);
        }
        assert.match(new StackConfigError([{ key: "k", value: "v", accepted: "a" }]).message, /^Invalid stack configuration \(1 problem\):\n {2}- aks-wasm:k = "v": a$/);
    });

    it("refuses a maximum below its minimum, not equal to it, and takes 0 as the minimum itself", () => {
        for (const [min, max] of [["systemNodeCount", "systemNodeCountMax"], ["wasmNodeCount", "wasmNodeCountMax"], ["appReplicas", "appMaxReplicas"]]) {
            assert.deepEqual(keysRefused({ [min]: "3", [max]: "2", wasmNodeCountMax: max === "wasmNodeCountMax" ? "2" : "10", wasmNodeCount: min === "wasmNodeCount" ? "3" : "3" }).filter((k) => k === max), [max], max);
            assert.ok(!keysRefused({ [min]: "3", [max]: "3", wasmNodeCount: "3", wasmNodeCountMax: max === "wasmNodeCountMax" ? "3" : "10" }).includes(max), `${max} = ${min}`);
        }
        const c = parses({ systemNodeCount: "3", systemNodeCountMax: "0", wasmNodeCount: "3", wasmNodeCountMax: "0" });
        assert.deepEqual([c.systemNodeCountMax, c.wasmNodeCountMax], [3, 3]);
        assert.equal(parses({ wasmNodeCount: "2", wasmNodeCountMax: "5" }).wasmNodeCountMax, 5);
        assert.equal(parses({ systemNodeCount: "2", systemNodeCountMax: "4" }).systemNodeCountMax, 4);
    });

    it("takes limits equal to requests", () => {
        const refused = keysRefused({ appCpuRequest: "100m", appCpuLimit: "0.1", appMemoryRequest: "64Mi", appMemoryLimit: "67108864" });
        assert.deepEqual(refused.filter((k) => /Limit$/.test(k)), []);
        assert.deepEqual(keysRefused({ appCpuRequest: "100m", appCpuLimit: "99m" }), ["appCpuLimit"]);
        assert.deepEqual(keysRefused({ appMemoryRequest: "64Mi", appMemoryLimit: "67108863" }), ["appMemoryLimit"]);
    });

    it("names each app subdomain that would be invalid, and no wildcard with several apps", () => {
        const two = { apps: '["a","b"]', ingressMode: "gateway" };
        assert.deepEqual(problems({ ...two, appHost: "example.com" }), []);
        assert.deepEqual(keysRefused({ ...two, appHost: "*.example.com" }), ["appHost"]);
        const long = [..."xyz"].map((c) => c.repeat(63)).join(".") + `.${"w".repeat(56)}.com`; // 252 characters: "b." makes 254
        assert.deepEqual(problems({ ...two, appHost: long }).map((p) => p.accepted.includes(`"b.${long}"`)), [true]);
        assert.deepEqual(problems({ apps: '["a"]', appHost: "*.example.com" }), [], "one app may have a wildcard host");
        assert.deepEqual(keysRefused({ apps: '["a","b"]', ingressMode: "ingress" }), ["appHost"], "two host-less Ingresses");
        assert.deepEqual(problems({ apps: '["a","b"]', ingressMode: "none" }), []);
    });

    it("puts each further app on its own subdomain", () => {
        const c = { appHost: "example.com", apps: ["a", "b", "c"] };
        assert.deepEqual([0, 1, 2].map((i) => appHostFor(c, i)), ["example.com", "b.example.com", "c.example.com"]);
        assert.equal(appHostFor({ appHost: "", apps: ["a", "b"] }, 1), "");
    });

    it("refuses an app team namespace that is one of the stack's apps, naming the namespace", () => {
        const team = (ns: string) => JSON.stringify([`00000000-0000-0000-0000-000000000002=${ns}`]);
        const [p, ...rest] = problems({ appTeams: team("quotes,hello-wasm") });
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["appTeams", '["hello-wasm"]']);
        assert.deepEqual(problems({ appTeams: team("quotes") }), []);
    });

    it("asks for a cluster admin only when asked to and deploying, and takes a principal or a group", () => {
        const up = { requireClusterAdmin: true, deploying: true };
        assert.deepEqual(problems({}), []);
        assert.deepEqual(problems({}, up).map((p) => p.key), ["clusterAdminPrincipalIds"]);
        assert.deepEqual(problems({}, { requireClusterAdmin: true }), [], "a preview only warns");
        assert.deepEqual(problems(ADMIN, up), []);
        assert.deepEqual(problems({ adminGroupObjectIds: '["00000000-0000-0000-0000-000000000003"]' }, up), []);
        assert.deepEqual(problems({ adminGroupObjectIds: "nope" }, up).map((p) => p.key), ["adminGroupObjectIds"], "not asked while the admin keys are broken");
    });

    it("refuses an Arm64 system pool only while amd64 images run there", () => {
        const arm = { systemVmSize: "Standard_D4ps_v5" };
        assert.ok(keysRefused({ ...arm }).includes("systemVmSize"));
        assert.ok(!keysRefused({ ...arm, loadTest: "false", measure: "false" }).includes("systemVmSize"));
        assert.ok(keysRefused({ ...arm, loadTest: "true", measure: "false" }).includes("systemVmSize"));
    });

    it("refuses an Arm64 Wasm pool only while the amd64 container baseline runs there, beside the app", () => {
        const arm = { wasmVmSize: "Standard_D4ps_v5", wasmNodeCount: "3", loadTest: "true" };
        assert.ok(keysRefused({ ...arm, containerBaseline: "true" }).includes("wasmVmSize"));
        assert.ok(!keysRefused({ ...arm, containerBaseline: "false" }).includes("wasmVmSize"), "the Spin app alone runs on Arm64 (the shim ships aarch64)");
        assert.ok(!keysRefused({ wasmVmSize: "Standard_D4s_v5", wasmNodeCount: "3", loadTest: "true", containerBaseline: "true" }).includes("wasmVmSize"));
    });

    it("runs the capacity plan only when every other rule passed", () => {
        const tooSmall = { systemVmSize: "Standard_D2s_v5", systemNodeCount: "1", systemNodeCountMax: "1" };
        assert.ok(keysRefused(tooSmall).includes("systemNodeCount"));
        assert.deepEqual(keysRefused({ ...tooSmall, tlsSecretName: "tls" }), ["tlsSecretName"], "the plan waits until the other rules pass");
    });
});

describe("config: warnings at evaluation time", () => {
    const config = (over: Partial<StackConfig> = {}): StackConfig => ({ ...configDefaults(), ...over, systemNodeCountMax: 2, wasmNodeCountMax: 2 });

    it("warns about the retired WasmWasi pools, NGINX's end only with the add-on's class, small system pools", () => {
        const w = (over: Partial<StackConfig>) => configWarnings(config(over));
        assert.equal(w({ wasmRuntime: "wasmwasi" }).filter((x) => x.startsWith("wasmRuntime=wasmwasi")).length, 1);
        assert.equal(w({}).filter((x) => x.startsWith("wasmRuntime")).length, 0);
        assert.equal(w({ ingressMode: "ingress" }).filter((x) => x.startsWith("ingressMode=ingress")).length, 1);
        assert.equal(w({ ingressMode: "ingress", ingressClassName: "nginx-internal" }).filter((x) => x.startsWith("ingressMode")).length, 0);
        assert.equal(w({ ingressMode: "gateway" }).filter((x) => x.startsWith("ingressMode")).length, 0);
        assert.equal(w({ systemVmSize: "Standard_D2s_v5", systemNodeCount: 3 }).filter((x) => x.startsWith("systemVmSize=Standard_D2s_v5 has 2 vCPUs")).length, 1);
        assert.equal(w({ systemVmSize: "Standard_D4s_v5" }).filter((x) => x.startsWith("systemVmSize")).length, 0);
        assert.equal(w({ systemNodeCount: 1 }).filter((x) => x.startsWith("systemNodeCount=1")).length, 1);
        assert.equal(w({ systemNodeCount: 2 }).filter((x) => x.startsWith("systemNodeCount")).length, 0);
        assert.ok(w({ location: "narnia" }).some((x) => x.startsWith("location=narnia")), "the region list's warning");
        // A minor whose community support ends within 30 days of the run's day is warned about; the day after its end
        // it is refused instead (kubernetesVersionProblems), not warned about.
        const row = AKS_MINORS[AKS_MINORS.length - 1];
        const version = { kubernetesVersion: `1.${row.minor}`, clusterTier: "Free" } as const;
        const on = (today: string) => configWarnings(config(version), { today }).filter((x) => x.startsWith(`kubernetesVersion=1.${row.minor}: `));
        assert.equal(on(addDays(row.communityEnd, -10)).length, 1, "the version calendar's warning");
        assert.equal(on(addDays(row.communityEnd, -31)).length, 0);
        const after = (kubernetesVersion: string) => problems({ kubernetesVersion, clusterTier: "Free" }, { today: addDays(row.communityEnd, 1) }).map((p) => p.key);
        assert.ok(after(`1.${row.minor}`).includes("kubernetesVersion"), "refused the day after");
        assert.ok(!after(`1.${row.minor}`).includes("clusterTier"), "the version is refused, not the tier");
    });
});

describe("config: the stack's own config", () => {
    it("reads Pulumi's config map and asks for a cluster admin", () => {
        // Through the SDK's own setter: once @pulumi/pulumi is loaded (another test file in the same process), its
        // store holds a copy of the environment, so setting PULUMI_CONFIG alone would not reach allConfig().
        const saved = pulumi.runtime.allConfig();
        try {
            pulumi.runtime.setAllConfig({ "aks-wasm:appReplicas": "0" });
            assert.throws(() => loadStackConfig(), (e: Error) => e instanceof StackConfigError && e.problems.map((p) => p.key).join() === "appReplicas,clusterAdminPrincipalIds");
        } finally {
            pulumi.runtime.setAllConfig(saved);
        }
    });
});

describe("config: keys Pulumi would ignore", () => {
    it("refuses our keys under a namespace within two edits of the project's name, warns under others", () => {
        for (const ns of ["aks-wasn", "aks-was", "aksswasm", "AKS-WASM", "aks_wasm"]) {
            const { problems: p } = splitStackConfig({ [`${ns}:appReplicas`]: "3" });
            assert.deepEqual(p.map((x) => x.key), [`${ns}:appReplicas`], ns);
        }
        const far = splitStackConfig({ "myapp:appReplicas": "3", "myapp:other": "x", nocolon: "y", "wasm:apps": "[]", ":protect": "true" });
        assert.deepEqual(far.problems, [], "wasm is four edits from aks-wasm");
        assert.deepEqual(far.warnings.length, 3);
        assert.match(far.warnings[0], /^myapp:appReplicas is set but not read by this program; did you mean aks-wasm:appReplicas\?$/);
        assert.deepEqual(splitStackConfig({ "aks-wasm:appReplicas": "3" }).raw, { appReplicas: "3" });
        assert.doesNotMatch(splitStackConfig({ "aks-wasn:colour": "x" }).problems[0].accepted, /did you mean/);
    });

    it("takes a provider location equal to ours, given or default, and refuses another", () => {
        assert.deepEqual(splitStackConfig({ "azure-native:location": "westeurope" }).problems, []);
        assert.deepEqual(splitStackConfig({ "azure:location": "eastus", "aks-wasm:location": "eastus" }).problems, []);
        assert.deepEqual(splitStackConfig({ "azure:location": "westus" }).problems.map((p) => p.key), ["azure:location"]);
        assert.deepEqual(splitStackConfig({ "azure-native:location": "westus" }).warnings, []);
    });
});
