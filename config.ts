/**
 * The stack's whole configuration: read once, validated once, typed.
 *
 * `parseStackConfig` is pure (raw strings in, typed config or one error out) so the table test can call it with
 * dozens of bad inputs; `loadStackConfig` only gathers the raw values from Pulumi's config. Every problem is
 * reported together, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { regionWarnings } from "./lib/azureRegions";
import { parseVmSize, vmSizeProblems } from "./lib/azureVmSizes";
import { CAPACITY_KEYS, capacityPlan } from "./lib/capacityPlan";
import { editDistance, nearest, orList } from "./lib/editDistance";
import { derivedNameProblems, hostProblem } from "./lib/kubernetesNames";
import { parseQuantity } from "./lib/kubernetesQuantity";
import { METRICS_RESOLUTION_SECONDS, METRICS_WINDOW_MARGIN_SECONDS, minLoadSecondsForMetricsWindow } from "./lib/metricsWindow";
import { clusterAdminProblems, clusterAdminWarnings } from "./lib/clusterAdmins";
import { KUBERNETES_MINORS, kubernetesVersionProblems, kubernetesVersionWarnings, parseKubernetesVersion } from "./lib/kubernetesVersions";
import { judgeSupport, todayUtc, type DatedSupport } from "./lib/datedSupport";
import { appTeamNamespaces, parseAppTeams, reservedNamespaceProblems, type AppTeam } from "./lib/appTeams";
import { WASM_OS_SKUS, WASM_OS_SKU_DEFAULT, wasmOsProblems, wasmOsWarnings, type WasmOsSku } from "./lib/wasmNodeOs";
import { checkSpinManifestFile, formatManifestProblem } from "./lib/spinManifest";

export const PROJECT = "aks-wasm";

export type WasmRuntime = "spinkube" | "wasmwasi";
export type IngressMode = "ingress" | "gateway" | "none";
export type AcrSku = "Basic" | "Standard" | "Premium";
export type ClusterTier = "Free" | "Standard" | "Premium";
export type KubeloginMode = "azurecli" | "workloadidentity" | "devicecode";

/** The validated configuration of one stack. Field names are the config keys (`pulumi config set <key>`). */
export interface StackConfig {
    /** Azure region, programmatic name (`westeurope`). */
    location: string;
    /**
     * Resource group the stack deploys into, created in the one-time set-up (docs/ci-setup.md) so that this
     * environment's deploy identity holds rights on it alone; empty: the stack creates its own group (which needs
     * rights on the whole subscription).
     */
    resourceGroupName: string;
    /** AKS Kubernetes version (`1.33` or `1.33.2`); undefined means AKS's default version. */
    kubernetesVersion?: string;
    /** AKS pricing tier: `Standard` carries the uptime SLA; `Premium` adds long-term support (AKSLongTermSupport). */
    clusterTier: ClusterTier;
    /** Availability zones for both pools; empty means no zone pinning (regions without zones). */
    availabilityZones: string[];
    /** Entra ID group object IDs that become cluster admins. */
    adminGroupObjectIds: string[];
    /** Object IDs of the service principals (deploy identities) that become cluster admins. */
    clusterAdminPrincipalIds: string[];
    /** Object IDs of the Entra ID users (people deploying from a laptop) that become cluster admins. */
    adminUserObjectIds: string[];
    /** How the generated kubeconfig logs in through kubelogin (non-interactive by default). */
    kubeloginMode: KubeloginMode;
    systemVmSize: string;
    systemNodeCount: number;
    /** Autoscaler upper bound of the system pool; equal to `systemNodeCount` turns the autoscaler off. */
    systemNodeCountMax: number;
    wasmVmSize: string;
    /** Minimum (and initial) node count of the Wasm pool. */
    wasmNodeCount: number;
    /** Autoscaler upper bound of the Wasm pool; equal to `wasmNodeCount` turns the autoscaler off. */
    wasmNodeCountMax: number;
    wasmRuntime: WasmRuntime;
    /**
     * OS image of the SpinKube Wasm pool (lib/wasmNodeOs.ts): `Ubuntu2204` (containerd 1.7, runtime-class-manager;
     * until 2027-06-30), or `Ubuntu` / `AzureLinux` (containerd 2, the project's shim installer; experimental).
     */
    wasmOsSku: WasmOsSku;
    acrSku: AcrSku;
    /** Spin apps to build from `apps/<name>` and deploy. */
    apps: string[];
    appReplicas: number;
    /** HorizontalPodAutoscaler upper bound; 0 (or equal to `appReplicas`) means no autoscaler. */
    appMaxReplicas: number;
    appCpuRequest: string;
    appCpuLimit: string;
    appMemoryRequest: string;
    appMemoryLimit: string;
    /** Host name the app is exposed on; empty means any host (reach it by the load balancer's address). */
    appHost: string;
    ingressMode: IngressMode;
    ingressClassName: string;
    gatewayClassName: string;
    /** Name of a `kubernetes.io/tls` Secret in the app namespace; empty means plain HTTP. */
    tlsSecretName: string;
    /** Run the load-test Job after each rollout and fail `pulumi up` on a breach. */
    loadTest: boolean;
    loadTestDurationSeconds: number;
    loadTestConnections: number;
    loadTestMaxP99Ms: number;
    loadTestMaxErrorRate: number;
    loadTestMinRps: number;
    /** Also deploy the same handler as an ordinary container and load-test both. */
    containerBaseline: boolean;
    /** Measure scale-out, startup and footprint on twin Deployments beside the load test (needs `loadTest`). */
    measure: boolean;
    /** N: replicas each twin is scaled to from 0 in every round. */
    measureReplicas: number;
    /** Rounds per target; the exported times are medians over them. */
    measureRounds: number;
    /** Largest acceptable median time until all N twin pods are Ready, seconds; 0 checks nothing. */
    measureMaxScaleOutSeconds: number;
    /** Largest acceptable median time until a fresh twin pod answers, seconds; 0 checks nothing. */
    measureMaxFirstResponseSeconds: number;
    /** Largest acceptable per-pod memory under load, MiB; 0 checks nothing. */
    measureMaxPodMemoryMiB: number;
    /** Mark the resource group, cluster and registry `protect` (prod). */
    protect: boolean;
    /** App teams: principals and the namespaces the platform creates for them and lets them deploy into. */
    appTeams: AppTeam[];
}

/** A config problem: the key, the value given, and what is accepted. */
export interface ConfigProblem {
    key: string;
    value: string;
    accepted: string;
}

/** Thrown when the stack config is invalid; lists every problem. */
export class StackConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key.includes(":") ? p.key : `${PROJECT}:${p.key}`} = ${JSON.stringify(p.value)}: ${p.accepted}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

/** Raw config as Pulumi holds it: every value a string (arrays as JSON), keyed without the project prefix. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

type Rule<T> = {
    default: T;
    /** Returns the parsed value, or a message saying what is accepted. */
    parse(raw: string): { value: T } | { accepted: string };
};

const VM_SIZE = /^Standard_[A-Z][A-Za-z0-9-]*(_[A-Za-z0-9]+)*$/;
const REGION = /^[a-z][a-z0-9]{2,30}$/;
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Lowest and highest Kubernetes minor accepted on any tier (lib/kubernetesVersions.ts holds AKS's calendar). */
export { KUBERNETES_MINORS };

function oneOf<T extends string>(values: readonly T[], fallback: T): Rule<T> {
    return {
        default: fallback,
        parse: (raw) =>
            (values as readonly string[]).includes(raw)
                ? { value: raw as T }
                : { accepted: `one of ${values.map((v) => `"${v}"`).join(", ")}` },
    };
}

function integer(min: number, max: number, fallback: number): Rule<number> {
    return {
        default: fallback,
        parse: (raw) => {
            const n = Number(raw);
            return /^-?[0-9]+$/.test(raw.trim()) && n >= min && n <= max
                ? { value: n }
                : { accepted: `a whole number from ${min} to ${max}` };
        },
    };
}

/**
 * A decimal number as a person writes one in a stack file or `pulumi config set`: digits with an optional point and
 * an optional exponent ("0.05", "1", ".5", "5e-3"), an optional minus, spaces around. JavaScript's Number() also
 * reads hexadecimal, binary and octal ("0x10" is 16) and "Infinity": none of those is a rate or a number of seconds
 * anyone means, so they are refused rather than read.
 */
const DECIMAL_NOTATION = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

function decimal(min: number, max: number, fallback: number): Rule<number> {
    return {
        default: fallback,
        parse: (raw) => {
            const n = Number(raw);
            return DECIMAL_NOTATION.test(raw.trim()) && n >= min && n <= max
                ? { value: n }
                : { accepted: `a number from ${min} to ${max}, in decimal notation ("0.05", "1" or "5e-3"; not hexadecimal, binary or octal)` };
        },
    };
}

function boolean(fallback: boolean): Rule<boolean> {
    return {
        default: fallback,
        parse: (raw) => (raw === "true" || raw === "false" ? { value: raw === "true" } : { accepted: "true or false" }),
    };
}

function pattern(re: RegExp, accepted: string, fallback: string): Rule<string> {
    return { default: fallback, parse: (raw) => (re.test(raw) ? { value: raw } : { accepted }) };
}

/** A CPU quantity per the Kubernetes grammar (lib/kubernetesQuantity.ts), above zero. */
export function isCpuQuantity(q: string): boolean {
    return parseQuantity(q) > 0;
}

/**
 * A memory quantity per the Kubernetes grammar, at least 1Mi: Kubernetes accepts "500m" bytes, but below a
 * mebibyte it is a unit mistake, not a size.
 */
export function isMemoryQuantity(q: string): boolean {
    return parseQuantity(q) >= 2 ** 20;
}

function quantityRule(kind: "CPU" | "memory", fallback: string, example: string): Rule<string> {
    const ok = kind === "CPU" ? isCpuQuantity : isMemoryQuantity;
    const accepted =
        kind === "CPU"
            ? `a Kubernetes CPU quantity above 0 such as "${example}", "0.5" or "1" (suffix m; no unit means cores)`
            : `a Kubernetes memory quantity of at least 1Mi such as "${example}", "1.5Gi" or "500M" (suffixes Ki Mi Gi Ti, k M G T, or an exponent like 1e9)`;
    return { default: fallback, parse: (raw) => (ok(raw) ? { value: raw } : { accepted }) };
}

/** A VM size by Azure's naming convention that AKS accepts for a pool of `mode` (architecture is a cross-key rule). */
function vmSize(mode: "system" | "user", fallback: string): Rule<string> {
    return {
        default: fallback,
        parse: (raw) => {
            const size = VM_SIZE.test(raw) ? parseVmSize(raw) : undefined;
            if (!size) return { accepted: 'an Azure VM size such as "Standard_D2s_v5" (Standard_<family><vCPUs><features>[_v<version>])' };
            const problems = vmSizeProblems(size, { mode, archs: ["amd64", "arm64"], archReason: "" });
            return problems.length === 0 ? { value: raw } : { accepted: `a VM size with ${problems.join("; ")}` };
        },
    };
}

function list(item: RegExp, accepted: string, fallback: string[], options: { nonEmpty?: boolean } = {}): Rule<string[]> {
    return {
        default: fallback,
        parse: (raw) => {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                return { accepted: `a list of ${accepted}` };
            }
            const items = Array.isArray(parsed) ? parsed.map(String) : undefined;
            if (!items || items.some((i) => !item.test(i)) || new Set(items).size !== items.length) {
                return { accepted: `a list of distinct ${accepted}` };
            }
            if (options.nonEmpty && items.length === 0) return { accepted: `a non-empty list of ${accepted}` };
            return { value: items };
        },
    };
}

const kubernetesVersion: Rule<string | undefined> = { default: undefined, parse: parseKubernetesVersion };

/** Every key, its default and its rule. The order is docs/configuration.md's. */
const RULES = {
    location: pattern(REGION, 'an Azure region\'s programmatic name, lower case without spaces (e.g. "westeurope")', "westeurope"),
    // Azure's resource group name rules: 1-90 letters, digits, "_", "(", ")", "-", "." and not ending in ".".
    resourceGroupName: pattern(/^([-\w().]{0,89}[-\w()])?$/, 'an existing resource group\'s name (1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."), or empty for a group the stack creates', ""),
    kubernetesVersion,
    clusterTier: oneOf<ClusterTier>(["Free", "Standard", "Premium"], "Free"),
    availabilityZones: list(/^[1-3]$/, 'zones "1", "2" or "3"', []),
    adminGroupObjectIds: list(GUID, "Entra ID group object IDs (GUIDs)", []),
    clusterAdminPrincipalIds: list(GUID, "service principal object IDs (GUIDs)", []),
    adminUserObjectIds: list(GUID, "Entra ID user object IDs (GUIDs; az ad signed-in-user show --query id -o tsv)", []),
    kubeloginMode: oneOf<KubeloginMode>(["azurecli", "workloadidentity", "devicecode"], "azurecli"),
    // 4 vCPUs by default: use-system-pools.md says system pools "require a VM SKU of at least 4 vCPUs" while
    // quotas-skus-regions.md says 2 (platform-contracts VM-3); which one AKS enforces is unconfirmed, so the default
    // satisfies both, and smaller sizes are warned about (configWarnings), not refused.
    systemVmSize: vmSize("system", "Standard_D4s_v5"),
    // 2 by default: AKS documents a minimum of two system nodes (use-system-pools.md), and one small node cannot
    // hold kube-system, app routing's NGINX and the load test (see lib/capacityPlan.ts).
    systemNodeCount: integer(1, 10, 2),
    systemNodeCountMax: integer(0, 100, 0),
    wasmVmSize: vmSize("user", "Standard_D2s_v5"),
    wasmNodeCount: integer(1, 100, 2),
    wasmNodeCountMax: integer(0, 1000, 0),
    wasmRuntime: oneOf<WasmRuntime>(["spinkube", "wasmwasi"], "spinkube"),
    wasmOsSku: oneOf<WasmOsSku>(WASM_OS_SKUS, WASM_OS_SKU_DEFAULT),
    acrSku: oneOf<AcrSku>(["Basic", "Standard", "Premium"], "Basic"),
    apps: list(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, "app folder names under apps/ (a lower-case letter, then lower case, digits and '-'; they name Services)", ["hello-wasm"], {
        nonEmpty: true,
    }),
    appReplicas: integer(1, 100, 3),
    appMaxReplicas: integer(0, 1000, 0),
    appCpuRequest: quantityRule("CPU", "50m", "100m"),
    appCpuLimit: quantityRule("CPU", "500m", "500m"),
    appMemoryRequest: quantityRule("memory", "64Mi", "64Mi"),
    appMemoryLimit: quantityRule("memory", "256Mi", "256Mi"),
    appHost: {
        default: "",
        parse: (raw: string) => {
            // Ingress host and Gateway hostname rules (lib/kubernetesNames.ts, platform-contracts K8SNAME-3).
            const problem = raw === "" ? undefined : hostProblem(raw) ?? (raw.includes(".") ? undefined : "at least two labels");
            return problem === undefined
                ? { value: raw }
                : {
                      accepted: `a lower-case DNS name with at least two labels (e.g. "hello.example.com"), each label 1-63 letters, digits or inner "-"; or empty for any host (${problem})`,
                  };
        },
    } satisfies Rule<string>,
    // gateway by default: the app routing add-on's NGINX (ingress) lost Azure support with November 2026 (CONV-5).
    ingressMode: oneOf<IngressMode>(["ingress", "gateway", "none"], "gateway"),
    ingressClassName: pattern(DNS_NAME, "a lower-case DNS subdomain name", "webapprouting.kubernetes.azure.com"),
    gatewayClassName: pattern(DNS_NAME, "a lower-case DNS subdomain name", "approuting-istio"),
    tlsSecretName: pattern(new RegExp(`^(${DNS_LABEL}(\\.${DNS_LABEL})*)?$`), "a Kubernetes Secret name, or empty for no TLS", ""),
    loadTest: boolean(true),
    // 40 s: at least one whole metrics window (lib/metricsWindow.ts, 35 s on AKS) while the measurement is on.
    loadTestDurationSeconds: integer(5, 600, 40),
    loadTestConnections: integer(1, 1000, 10),
    loadTestMaxP99Ms: integer(1, 60000, 500),
    loadTestMaxErrorRate: decimal(0, 1, 0.01),
    loadTestMinRps: integer(0, 1000000, 0),
    containerBaseline: boolean(false),
    measure: boolean(true),
    // 20 is the guide's figure ("scale to 20 replicas"); 100 bounds the burst a measurement may put on a pool.
    measureReplicas: integer(1, 100, 20),
    measureRounds: integer(1, 10, 3),
    measureMaxScaleOutSeconds: decimal(0, 3600, 0),
    measureMaxFirstResponseSeconds: decimal(0, 3600, 0),
    measureMaxPodMemoryMiB: integer(0, 65536, 0),
    protect: boolean(false),
    appTeams: { default: [], parse: parseAppTeams } satisfies Rule<AppTeam[]>,
} as const;

export const CONFIG_KEYS = Object.keys(RULES) as (keyof StackConfig)[];

/** Defaults of every key, as docs/configuration.md and Pulumi.yaml state them. */
export function configDefaults(): StackConfig {
    return Object.fromEntries(Object.entries(RULES).map(([k, r]) => [k, r.default])) as unknown as StackConfig;
}

/** What validation needs from outside the config values; injectable so tests stay pure. */
export interface ParseOptions {
    /**
     * Refuse a config without any cluster admin (lib/clusterAdmins.ts): a stack that deploys needs one. Off for
     * partial configs in tests and tools. @default false
     */
    requireClusterAdmin?: boolean;
    /**
     * This evaluation deploys (`pulumi up`): what ARM or AKS would refuse after the cluster exists (a placeholder or
     * missing cluster admin) is refused now. A preview only warns (configWarnings). @default false
     */
    deploying?: boolean;
    /**
     * Further whole-config checks that run once every other rule passed, like the capacity plan: index.ts passes the
     * run-duration check (lib/runDuration.ts), which reads the components' bounds and so cannot be imported here
     * without an import circle. @default []
     */
    wholeConfigChecks?: ((c: StackConfig) => ConfigProblem[])[];
    /**
     * The day the run judges dated support against (YYYY-MM-DD; lib/datedSupport.ts).
     * @default today (UTC)
     */
    today?: string;
    /**
     * Whether `apps/<app>/spin.toml` exists and is a file. SpinApplication needs it (it hashes and builds that
     * folder), so a missing app is refused here, before any resource, instead of after the cluster is registered.
     * @default a check of the project's own apps/ folder on disk
     */
    appManifestExists?: (app: string) => boolean;
    /**
     * Problems in `apps/<app>/spin.toml` (lib/spinManifest.ts), each one line naming the file, the line and the fix;
     * empty when the manifest is missing (that is `appManifestExists`'s problem).
     * @default the manifest on disk, checked by checkSpinManifestFile
     */
    appManifestProblems?: (app: string) => string[];
}

/** The project's apps/ folder, beside this file. */
export const APPS_DIR = path.join(__dirname, "apps");

function appManifestOnDisk(app: string): boolean {
    const manifest = path.join(APPS_DIR, app, "spin.toml");
    return existsSync(manifest) && statSync(manifest).isFile();
}

/** The checks the dev server applies too, so an app `npm run dev` serves is one the stack accepts. */
function appManifestProblemsOnDisk(app: string): string[] {
    if (!appManifestOnDisk(app)) return [];
    const fs = { exists: existsSync, read: (file: string) => readFileSync(file, "utf8") };
    return checkSpinManifestFile(path.join(APPS_DIR, app), fs, `apps/${app}/spin.toml`).problems.map(formatManifestProblem);
}

/** Parses and validates the raw config. Throws one `StackConfigError` listing every problem. */
export function parseStackConfig(raw: RawConfig, options: ParseOptions = {}): StackConfig {
    const problems: ConfigProblem[] = [];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) {
        if (!(key in RULES)) problems.push({ key, value: raw[key] ?? "", accepted: unknownKey(key) });
    }
    const parsed = new Set<keyof StackConfig>();
    for (const [key, rule] of Object.entries(RULES) as [keyof StackConfig, Rule<unknown>][]) {
        const value = raw[key];
        if (value === undefined || (value === "" && rule.default === undefined)) {
            out[key] = rule.default;
            parsed.add(key);
            continue;
        }
        const result = rule.parse(value);
        if ("accepted" in result) problems.push({ key, value, accepted: result.accepted });
        else {
            out[key] = result.value;
            parsed.add(key);
        }
    }
    const config = out as unknown as StackConfig;
    // Cross-key rules run for every pair of keys that parsed, so one bad key hides no other problem.
    const today = options.today ?? todayUtc();
    // What the Wasm pool's OS allows (lib/wasmNodeOs.ts): the Ubuntu 22.04 / containerd 1.7 limits apply to that OS only.
    if (["kubernetesVersion", "clusterTier", "wasmRuntime", "wasmOsSku"].every((k) => parsed.has(k as keyof StackConfig))) {
        problems.push(...wasmOsProblems(config, today));
    }
    problems.push(...crossKeyProblems(config, parsed, options.appManifestExists ?? appManifestOnDisk, options.appManifestProblems ?? appManifestProblemsOnDisk, today));
    if (options.requireClusterAdmin && options.deploying && parsed.has("clusterAdminPrincipalIds") && parsed.has("adminUserObjectIds") && parsed.has("adminGroupObjectIds")) {
        problems.push(...clusterAdminProblems(config));
    }
    if (problems.length > 0) throw new StackConfigError(problems);
    if (config.wasmNodeCountMax === 0) config.wasmNodeCountMax = config.wasmNodeCount;
    if (config.systemNodeCountMax === 0) config.systemNodeCountMax = config.systemNodeCount;
    for (const check of options.wholeConfigChecks ?? []) problems.push(...check(config));
    if (problems.length > 0) throw new StackConfigError(problems);
    return config;
}

/** Rules that relate keys; each runs when the keys it reads parsed on their own. */
function crossKeyProblems(
    c: StackConfig,
    parsed: ReadonlySet<keyof StackConfig>,
    appManifestExists: (app: string) => boolean,
    appManifestProblems: (app: string) => string[],
    today: string,
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const ok = (...keys: (keyof StackConfig)[]) => keys.every((k) => parsed.has(k));
    // Dated support is judged against the day of the run (lib/datedSupport.ts, platform-contracts CONV-3).
    if (ok("kubernetesVersion", "clusterTier")) problems.push(...kubernetesVersionProblems(c, today));
    // The Wasm pool's OS limits (spinKubeVersionProblems for Ubuntu 22.04) run in parseStackConfig through wasmOsProblems.
    if (ok("ingressMode", "ingressClassName")) {
        const verdict = exposureSupport(c, today);
        if (verdict?.refuse) problems.push({ key: "ingressMode", value: c.ingressMode, accepted: `"gateway" or "none": ${verdict.message}` });
    }
    if (ok("systemNodeCount", "systemNodeCountMax") && c.systemNodeCountMax !== 0 && c.systemNodeCountMax < c.systemNodeCount) {
        problems.push({
            key: "systemNodeCountMax",
            value: String(c.systemNodeCountMax),
            accepted: `at least systemNodeCount (${c.systemNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (ok("wasmNodeCount", "wasmNodeCountMax") && c.wasmNodeCountMax !== 0 && c.wasmNodeCountMax < c.wasmNodeCount) {
        problems.push({
            key: "wasmNodeCountMax",
            value: String(c.wasmNodeCountMax),
            accepted: `at least wasmNodeCount (${c.wasmNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (ok("appReplicas", "appMaxReplicas") && c.appMaxReplicas !== 0 && c.appMaxReplicas < c.appReplicas) {
        problems.push({
            key: "appMaxReplicas",
            value: String(c.appMaxReplicas),
            accepted: `at least appReplicas (${c.appReplicas}), or 0 for no autoscaler`,
        });
    }
    if (ok("appCpuRequest", "appCpuLimit") && quantity(c.appCpuLimit) < quantity(c.appCpuRequest)) {
        problems.push({ key: "appCpuLimit", value: c.appCpuLimit, accepted: `at least appCpuRequest (${c.appCpuRequest})` });
    }
    if (ok("appMemoryRequest", "appMemoryLimit") && quantity(c.appMemoryLimit) < quantity(c.appMemoryRequest)) {
        problems.push({
            key: "appMemoryLimit",
            value: c.appMemoryLimit,
            accepted: `at least appMemoryRequest (${c.appMemoryRequest})`,
        });
    }
    if (ok("tlsSecretName", "ingressMode") && c.tlsSecretName !== "" && c.ingressMode === "none") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: 'empty when ingressMode is "none" (nothing terminates TLS)' });
    }
    if (ok("tlsSecretName", "appHost") && c.tlsSecretName !== "" && c.appHost === "") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: "empty unless appHost is set (a certificate names a host)" });
    }
    if (ok("ingressMode", "appHost", "apps") && c.ingressMode === "ingress" && c.appHost === "" && c.apps.length > 1) {
        // Two host-less Ingresses on one class both claim "/" for every host: only one of them would serve.
        problems.push({ key: "appHost", value: "", accepted: "a host name when more than one app is exposed through ingress" });
    }
    if (ok("appHost", "apps") && c.appHost !== "" && c.apps.length > 1) {
        if (c.appHost.startsWith("*.")) {
            problems.push({ key: "appHost", value: c.appHost, accepted: `a host without a wildcard when there are several apps (each further app gets "<app>.${c.appHost}", and "*" may only be the first label)` });
        } else {
            for (const i of c.apps.keys()) {
                const problem = i === 0 ? undefined : hostProblem(appHostFor(c, i));
                if (problem) problems.push({ key: "appHost", value: c.appHost, accepted: `a host whose app subdomain "${appHostFor(c, i)}" is valid: ${problem}` });
            }
        }
    }
    if (ok("apps")) {
        const missing = c.apps.filter((app) => !appManifestExists(app));
        if (missing.length > 0) {
            problems.push({
                key: "apps",
                value: JSON.stringify(c.apps),
                accepted: `app folders that exist and hold a Spin manifest: no apps/<name>/spin.toml for ${missing.map((m) => `"${m}"`).join(", ")}`,
            });
        }
        // Each app's manifest is checked here, with the config, so a broken spin.toml stops the run before any resource.
        for (const app of c.apps.filter((a) => !missing.includes(a))) {
            for (const problem of appManifestProblems(app)) problems.push({ key: "apps", value: JSON.stringify(c.apps), accepted: `app "${app}" with a valid spin.toml: ${problem}` });
        }
    }
    if (ok("apps", "loadTest", "containerBaseline", "ingressMode")) {
        for (const [i, app] of c.apps.entries()) {
            const parts = { loadTest: c.loadTest, containerBaseline: c.containerBaseline && i === 0, gateway: c.ingressMode === "gateway" };
            for (const problem of derivedNameProblems(app, parts)) {
                problems.push({ key: "apps", value: JSON.stringify(c.apps), accepted: `a shorter name than "${app}": its ${problem}` });
            }
        }
    }
    if (ok("containerBaseline", "loadTest") && c.containerBaseline && !c.loadTest) {
        // The baseline exists only to be load-tested beside the Wasm app; without the load test nothing uses it.
        problems.push({ key: "containerBaseline", value: "true", accepted: "false unless loadTest is true (the baseline is only there to be load-tested)" });
    }
    if (ok("measure", "loadTest") && c.measure && !c.loadTest) {
        // The footprint "under load" is sampled while the load test runs, and the measurement program's image is
        // published beside the load generator's: without the load test there is half a measurement.
        problems.push({ key: "measure", value: "true", accepted: "false unless loadTest is true (the footprint under load is sampled during the load test)" });
    }
    const windowFloor = minLoadSecondsForMetricsWindow();
    if (ok("measure", "loadTest", "loadTestDurationSeconds") && c.measure && c.loadTest && c.loadTestDurationSeconds < windowFloor) {
        // metrics-server's window between two scrapes must lie wholly inside the load at least once, or the memory
        // gate silently falls back to idle (issue 19; lib/metricsWindow.ts, MSWIN-1, MSWIN-2).
        problems.push({
            key: "loadTestDurationSeconds",
            value: String(c.loadTestDurationSeconds),
            accepted: `at least ${windowFloor} while measure is true (2 × metrics-server's ${METRICS_RESOLUTION_SECONDS} s resolution + ${METRICS_WINDOW_MARGIN_SECONDS} s, so that one whole metrics window lies inside the load), or set measure to false`,
        });
    }
    if (ok("appTeams", "apps")) {
        const taken = appTeamNamespaces(c.appTeams).filter((ns) => c.apps.includes(ns));
        if (taken.length > 0) {
            // The stack's own apps create their namespaces; a team namespace of the same name would be created twice.
            problems.push({ key: "appTeams", value: JSON.stringify(taken), accepted: "namespaces other than the stack's own apps (apps)" });
        }
        // A team in `<app>-gateway` would share the namespace of the gateway proxy that terminates the app's TLS.
        const gateways = reservedNamespaceProblems(c.appTeams, c.apps).filter((p) => !taken.some((ns) => p.includes(`namespace "${ns}" is`)));
        if (gateways.length > 0) {
            problems.push({ key: "appTeams", value: JSON.stringify(c.appTeams.map((t) => `${t.principalId}=${t.namespaces.join(",")}`)), accepted: `namespaces the platform does not reserve: ${gateways.join("; ")}` });
        }
    }
    if (ok("wasmRuntime", "wasmVmSize") && c.wasmRuntime === "wasmwasi" && parseVmSize(c.wasmVmSize)?.arch === "arm64") {
        // The WasmWasi preview was x86_64 only; containerd-shim-spin ships an aarch64 tarball too (spinkube is fine).
        problems.push({ key: "wasmVmSize", value: c.wasmVmSize, accepted: "an x86_64 VM size when wasmRuntime is wasmwasi" });
    }
    if (ok("systemVmSize", "loadTest", "containerBaseline", "measure") && (c.loadTest || c.containerBaseline || c.measure)) {
        const size = parseVmSize(c.systemVmSize);
        // The load-test, baseline and measurement images are built for linux/amd64 only
        // (components/app/containerImage.ts) and run on the system pool (platform-contracts VM-4).
        const why = "the load-test, container-baseline and measurement images are built for linux/amd64 and run on the system pool";
        if (size) for (const p of vmSizeProblems(size, { mode: "system", archs: ["amd64"], archReason: why }).filter((x) => x.includes("amd64"))) {
            problems.push({ key: "systemVmSize", value: c.systemVmSize, accepted: p });
        }
    }
    if (ok(...CAPACITY_KEYS) && problems.length === 0) problems.push(...capacityPlan(c).problems);
    return problems;
}

/**
 * The host an app is exposed on: the first app gets `appHost`, each further app the subdomain `<app>.<appHost>`
 * (empty stays empty: any host).
 */
export function appHostFor(c: Pick<StackConfig, "appHost" | "apps">, index: number): string {
    if (c.appHost === "" || index === 0) return c.appHost;
    return `${c.apps[index]}.${c.appHost}`;
}

/**
 * A CPU or memory quantity in base units (cores, bytes), per the Kubernetes quantity grammar; NaN when invalid.
 * The project's one quantity parser (lib/kubernetesQuantity.ts, platform-contracts CFG-1).
 */
export function quantity(q: string): number {
    return parseQuantity(q);
}

/**
 * The app routing add-on's managed NGINX (`ingressMode: ingress` on its own IngressClass): Azure supports it through
 * November 2026; the Gateway API implementation `approuting-istio` is the migration path (platform-contracts
 * CONV-5). Past its end it is still accepted, with a warning: the add-on keeps running on an existing cluster, and
 * moving a stack to `gateway` replaces its Ingress objects and its load balancer address, a change its owners make
 * on purpose (docs/operations.md). The issue keeps `ingress` as an explicit opt-in with the warning.
 */
export const APP_ROUTING_NGINX_SUPPORT: DatedSupport = {
    subject: "the AKS application routing add-on's managed NGINX (ingressMode=ingress)",
    lastDay: "2026-11-30",
    source: "learn.microsoft.com/azure/aks/app-routing-gateway-api; AKS blog 2026-03-18",
    readOn: "2026-12-03",
    afterEnd: "warn",
    warnOnlyBecause:
        "the add-on keeps running on an existing cluster, and moving to ingressMode=gateway (the default) changes the app's address, " +
        "so it is the stack owner's explicit choice; plan the move",
};

/**
 * AKS's WASI node pools (`wasmRuntime: wasmwasi`): Azure refuses new WasmWasi pools since 2025-05-05 (Azure/AKS#4770).
 * Judged like every dated support; past its end only warned about, since an existing stack's pool is still described
 * by this key until its owners move it to spinkube, and a new one fails at `pulumi up` when Azure refuses the pool.
 */
export const WASI_NODE_POOLS_SUPPORT: DatedSupport = {
    subject: "AKS WASI node pools (wasmRuntime=wasmwasi)",
    lastDay: "2025-05-04",
    source: "Azure/AKS#4770; AKS release v20250720",
    readOn: "2026-11-26",
    afterEnd: "warn",
    warnOnlyBecause: "an existing stack's WasmWasi pool is still described by this key until it moves to spinkube; Azure refuses to create a new one",
};

/** How the exposure mode stands on `today`: only the add-on's NGINX class is dated (another class is the user's). */
function exposureSupport(c: Pick<StackConfig, "ingressMode" | "ingressClassName">, today: string) {
    if (c.ingressMode !== "ingress" || c.ingressClassName !== "webapprouting.kubernetes.azure.com") return undefined;
    return judgeSupport(APP_ROUTING_NGINX_SUPPORT, today);
}

/** Things that are valid but deserve a word at evaluation time, judged on `today` (default: the day of the run). */
export function configWarnings(c: StackConfig, options: { today?: string } = {}): string[] {
    const today = options.today ?? todayUtc();
    const warnings: string[] = [...kubernetesVersionWarnings(c, today), ...clusterAdminWarnings(c)];
    // The Ubuntu 22.04 bridge's end is warned 90 days ahead by wasmOsWarnings (moving a pool's OS takes planning),
    // which covers spinKubeWarnings' 30 days with the way out named.
    warnings.push(...wasmOsWarnings(c, today));
    if (c.wasmRuntime === "wasmwasi") {
        const wasi = judgeSupport(WASI_NODE_POOLS_SUPPORT, today);
        if (wasi.message) {
            warnings.push(
                `wasmRuntime=wasmwasi: ${wasi.message} AKS release v20250720 removed the feature with its WasmNodePoolPreview ` +
                    "flag; the flag's registration may or may not still succeed, but `pulumi up` fails when it creates the pool. " +
                    "Use wasmRuntime=spinkube (the default).",
            );
        }
    }
    const exposure = exposureSupport(c, today);
    if (exposure?.message && !exposure.refuse) {
        warnings.push(`ingressMode=ingress: ${exposure.message} ingress-nginx itself was retired in March 2026. Move to ingressMode=gateway.`);
    }
    if (c.wasmRuntime === "spinkube" && c.wasmNodeCount === 1) {
        warnings.push(
            // components/platform/spinKubeRuntime.ts shimReinstallScript; platform-contracts CONV-6.
            "wasmNodeCount=1: a shim reinstall (a new containerd-shim-spin version) deletes the Spin pods on the only Wasm " +
                "node instead of evicting them, so the apps are down for the few minutes it takes. Set wasmNodeCount to 2 to keep them up.",
        );
    }
    warnings.push(...regionWarnings(c.location, c.availabilityZones));
    const systemSize = parseVmSize(c.systemVmSize);
    if (systemSize && systemSize.vcpus < 4) {
        warnings.push(
            // platform-contracts VM-3
            `systemVmSize=${c.systemVmSize} has ${systemSize.vcpus} vCPUs: AKS's use-system-pools.md says system pools "require a ` +
                'VM SKU of at least 4 vCPUs" (quotas-skus-regions.md says 2; which one AKS enforces is unconfirmed). If ' +
                "`pulumi up` is refused at the cluster, choose a 4-vCPU size such as Standard_D4s_v5.",
        );
    }
    if (c.systemNodeCount < 2) {
        warnings.push(
            // platform-contracts CFG-4
            "systemNodeCount=1: AKS documents that a system pool should have at least two nodes (three for production; " +
                "use-system-pools.md); with one node, an upgrade or a node failure takes DNS and ingress down.",
        );
    }
    warnings.push(...capacityPlan(c).warnings);
    return warnings;
}

/** Provider config keys that set what one of ours sets: `key` → our key (platform-contracts CFG-3). */
const PROVIDER_KEYS: Readonly<Record<string, keyof StackConfig>> = {
    // The azure-native provider's default region. Every resource here takes aks-wasm:location explicitly, so a
    // different provider location only misleads a reader of the stack file (and would place any resource that
    // forgot its location elsewhere).
    "azure-native:location": "location",
    "azure:location": "location",
};

/**
 * What an unknown key of ours is told: the nearest key by edit distance (lib/editDistance.ts), or, when none is
 * near, every key.
 */
export function unknownKey(key: string): string {
    const near = nearest(key, CONFIG_KEYS);
    if (near.length === 0) return `unknown key; known keys: ${CONFIG_KEYS.join(", ")}`;
    return `unknown key; did you mean ${orList(near.map((k) => `${PROJECT}:${k}`))}? (every key: Pulumi.yaml, docs/configuration.md)`;
}

/**
 * Splits Pulumi's whole config map (`namespace:key` → value) into this project's raw config (platform-contracts
 * CFG-2: the program reads only `aks-wasm:*`), and flags keys
 * meant for us that Pulumi would silently ignore: our key names under a namespace that looks like a mistyped
 * project name (an error: the value the user set is not used), our key names under any other namespace (a
 * warning), and provider keys that duplicate ours with a different value (an error). Pure.
 */
export function splitStackConfig(all: Readonly<Record<string, string>>): { raw: Record<string, string>; problems: ConfigProblem[]; warnings: string[] } {
    const prefix = `${PROJECT}:`;
    const raw: Record<string, string> = {};
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const squash = (ns: string) => ns.toLowerCase().replace(/[^a-z0-9]/g, "");
    for (const [fullKey, value] of Object.entries(all)) {
        if (fullKey.startsWith(prefix)) {
            raw[fullKey.slice(prefix.length)] = value;
            continue;
        }
        const colon = fullKey.indexOf(":");
        if (colon < 0) continue;
        const ns = fullKey.slice(0, colon);
        const key = fullKey.slice(colon + 1);
        // Under a mistyped project name the key may be mistyped too; under another namespace only our exact names
        // (any case) are flagged: a near miss there is more likely that namespace's own key.
        const ourKey = nearest(key, CONFIG_KEYS)[0];
        const sameName = CONFIG_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
        const projectLike = squash(ns) === squash(PROJECT) || editDistance(ns.toLowerCase(), PROJECT) <= 2;
        if (projectLike) {
            problems.push({
                key: fullKey,
                value,
                accepted: `a key under "${PROJECT}:", the project's name in Pulumi.yaml: "${ns}:" is not read, so this value is ignored${ourKey ? ` (did you mean ${PROJECT}:${ourKey}?)` : ""}`,
            });
        } else if (fullKey in PROVIDER_KEYS) {
            // Checked below, once our own value is known.
        } else if (sameName) {
            warnings.push(`${fullKey} is set but not read by this program; did you mean ${PROJECT}:${sameName}?`);
        }
    }
    for (const [providerKey, ourKey] of Object.entries(PROVIDER_KEYS)) {
        const theirs = all[providerKey];
        if (theirs === undefined) continue;
        const mine = raw[ourKey] ?? String(configDefaults()[ourKey]);
        if (theirs !== mine) {
            problems.push({
                key: providerKey,
                value: theirs,
                accepted: `unset, or equal to ${PROJECT}:${ourKey} (${JSON.stringify(mine)}): the stack places every resource by ${PROJECT}:${ourKey}; set the region there only`,
            });
        }
    }
    return { raw, problems, warnings };
}

/**
 * Validates Pulumi's whole config map: this project's keys and the look-alikes of `splitStackConfig`. Throws one
 * `StackConfigError` with every problem; returns the config and the warnings about keys. Pure (with options).
 */
export function parseAllConfig(all: Readonly<Record<string, string>>, options: ParseOptions = {}): { config: StackConfig; warnings: string[] } {
    const { raw, problems, warnings } = splitStackConfig(all);
    let config: StackConfig | undefined;
    try {
        config = parseStackConfig(raw, options);
    } catch (e) {
        if (!(e instanceof StackConfigError)) throw e;
        problems.unshift(...e.problems);
    }
    if (problems.length > 0 || !config) throw new StackConfigError(problems);
    return { config, warnings };
}

/**
 * How the program is being evaluated. lib/offline.ts sets `offline` for `npm run render`, the tests and the bench:
 * nothing reaches ARM there, so the admins are judged as in a preview (warned about, not refused).
 */
export const evaluationMode = { offline: false };

/** Whether this run deploys: `pulumi up` (not a preview, not an offline evaluation). */
export function isDeployment(): boolean {
    return !pulumi.runtime.isDryRun() && !evaluationMode.offline;
}

/** Reads this stack's config (Pulumi's whole config map) and validates it; warns about keys meant for us. */
export function loadStackConfig(options: Pick<ParseOptions, "wholeConfigChecks"> = {}): StackConfig {
    const { config, warnings } = parseAllConfig(pulumi.runtime.allConfig(), { ...options, requireClusterAdmin: true, deploying: isDeployment() });
    for (const warning of warnings) pulumi.log.warn(warning);
    return config;
}
