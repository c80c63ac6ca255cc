/**
 * The stack's whole configuration: read once, validated once, typed.
 *
 * `parseStackConfig` is pure (raw strings in, typed config or one error out) so the table test can call it with
 * dozens of bad inputs; `loadStackConfig` only gathers the raw values from Pulumi's config. Every problem is
 * reported together, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { appTeamNamespaces, parseAppTeams, type AppTeam } from "./lib/appTeams";

export const PROJECT = "aks-wasm";

export type WasmRuntime = "spinkube" | "wasmwasi";
export type IngressMode = "ingress" | "gateway" | "none";
export type AcrSku = "Basic" | "Standard" | "Premium";
export type ClusterTier = "Free" | "Standard";
export type KubeloginMode = "azurecli" | "workloadidentity" | "devicecode";

/** The validated configuration of one stack. Field names are the config keys (`pulumi config set <key>`). */
export interface StackConfig {
    /** Azure region, programmatic name (`westeurope`). */
    location: string;
    /** AKS Kubernetes version (`1.33` or `1.33.2`); undefined means AKS's default version. */
    kubernetesVersion?: string;
    /** AKS pricing tier: `Standard` carries the uptime SLA. */
    clusterTier: ClusterTier;
    /** Availability zones for both pools; empty means no zone pinning (regions without zones). */
    availabilityZones: string[];
    /** Entra ID group object IDs that become cluster admins. */
    adminGroupObjectIds: string[];
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
                problems.map((p) => `  - ${PROJECT}:${p.key} = ${JSON.stringify(p.value)}: ${p.accepted}`).join("\n"),
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

const VM_SIZE = /^Standard_[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$/;
const REGION = /^[a-z][a-z0-9]{2,30}$/;
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Arm64 sizes carry a "p" after the vCPU count: Standard_D2ps_v5, Standard_E4pds_v5, Standard_B2pls_v2. */
const ARM64_VM_SIZE = /^Standard_[A-Z]+[0-9]+[a-z]*p[a-z]*_v[0-9]+$/;
const CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[1-9][0-9]*(Ki|Mi|Gi)$/;
/** Kubernetes minors AKS supports as of November 2026 (1.31 as LTS); see the README. */
export const KUBERNETES_MINORS = { min: 31, max: 35 } as const;

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

function decimal(min: number, max: number, fallback: number): Rule<number> {
    return {
        default: fallback,
        parse: (raw) => {
            const n = Number(raw);
            return raw.trim() !== "" && Number.isFinite(n) && n >= min && n <= max
                ? { value: n }
                : { accepted: `a number from ${min} to ${max}` };
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

const kubernetesVersion: Rule<string | undefined> = {
    default: undefined,
    parse: (raw) => {
        const m = /^1\.([0-9]+)(\.[0-9]+)?$/.exec(raw);
        const minor = m ? Number(m[1]) : NaN;
        return m && minor >= KUBERNETES_MINORS.min && minor <= KUBERNETES_MINORS.max
            ? { value: raw }
            : {
                  accepted: `a Kubernetes version 1.${KUBERNETES_MINORS.min} to 1.${KUBERNETES_MINORS.max}, as MAJOR.MINOR or MAJOR.MINOR.PATCH (e.g. "1.33"), or unset for AKS's default`,
              };
    },
};

/** Every key, its default and its rule. The order is the README's. */
const RULES = {
    location: pattern(REGION, 'an Azure region\'s programmatic name, lower case without spaces (e.g. "westeurope")', "westeurope"),
    kubernetesVersion,
    clusterTier: oneOf<ClusterTier>(["Free", "Standard"], "Free"),
    availabilityZones: list(/^[1-3]$/, 'zones "1", "2" or "3"', []),
    adminGroupObjectIds: list(GUID, "Entra ID group object IDs (GUIDs)", []),
    kubeloginMode: oneOf<KubeloginMode>(["azurecli", "workloadidentity", "devicecode"], "azurecli"),
    systemVmSize: pattern(VM_SIZE, 'an Azure VM size such as "Standard_D2s_v5"', "Standard_D2s_v5"),
    systemNodeCount: integer(1, 10, 1),
    systemNodeCountMax: integer(0, 100, 0),
    wasmVmSize: pattern(VM_SIZE, 'an Azure VM size such as "Standard_D2s_v5"', "Standard_D2s_v5"),
    wasmNodeCount: integer(1, 100, 2),
    wasmNodeCountMax: integer(0, 1000, 0),
    wasmRuntime: oneOf<WasmRuntime>(["spinkube", "wasmwasi"], "spinkube"),
    acrSku: oneOf<AcrSku>(["Basic", "Standard", "Premium"], "Basic"),
    apps: list(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, "app folder names under apps/ (a lower-case letter, then lower case, digits and '-'; they name Services)", ["hello-wasm"], {
        nonEmpty: true,
    }),
    appReplicas: integer(1, 100, 3),
    appMaxReplicas: integer(0, 1000, 0),
    appCpuRequest: pattern(CPU, 'a CPU quantity such as "100m" or "0.5"', "50m"),
    appCpuLimit: pattern(CPU, 'a CPU quantity such as "500m" or "1"', "500m"),
    appMemoryRequest: pattern(MEMORY, 'a memory quantity in Ki, Mi or Gi such as "64Mi"', "64Mi"),
    appMemoryLimit: pattern(MEMORY, 'a memory quantity in Ki, Mi or Gi such as "256Mi"', "256Mi"),
    appHost: {
        default: "",
        parse: (raw: string) =>
            raw === "" || (raw.length <= 253 && DNS_NAME.test(raw) && raw.includes("."))
                ? { value: raw }
                : {
                      accepted:
                          'a lower-case DNS name with at least two labels (e.g. "hello.example.com"), each label 1-63 letters, digits or inner "-"; or empty for any host',
                  },
    } satisfies Rule<string>,
    ingressMode: oneOf<IngressMode>(["ingress", "gateway", "none"], "ingress"),
    ingressClassName: pattern(DNS_NAME, "a lower-case DNS subdomain name", "webapprouting.kubernetes.azure.com"),
    gatewayClassName: pattern(DNS_NAME, "a lower-case DNS subdomain name", "approuting-istio"),
    tlsSecretName: pattern(new RegExp(`^(${DNS_LABEL}(\\.${DNS_LABEL})*)?$`), "a Kubernetes Secret name, or empty for no TLS", ""),
    loadTest: boolean(true),
    loadTestDurationSeconds: integer(5, 600, 30),
    loadTestConnections: integer(1, 1000, 10),
    loadTestMaxP99Ms: integer(1, 60000, 500),
    loadTestMaxErrorRate: decimal(0, 1, 0.01),
    loadTestMinRps: integer(0, 1000000, 0),
    containerBaseline: boolean(false),
    protect: boolean(false),
    appTeams: { default: [], parse: parseAppTeams } satisfies Rule<AppTeam[]>,
} as const;

export const CONFIG_KEYS = Object.keys(RULES) as (keyof StackConfig)[];

/** Defaults of every key, as the README and Pulumi.yaml state them. */
export function configDefaults(): StackConfig {
    return Object.fromEntries(Object.entries(RULES).map(([k, r]) => [k, r.default])) as unknown as StackConfig;
}

/** Parses and validates the raw config. Throws one `StackConfigError` listing every problem. */
export function parseStackConfig(raw: RawConfig): StackConfig {
    const problems: ConfigProblem[] = [];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) {
        if (!(key in RULES)) {
            problems.push({ key, value: raw[key] ?? "", accepted: `unknown key; known keys: ${CONFIG_KEYS.join(", ")}` });
        }
    }
    for (const [key, rule] of Object.entries(RULES) as [string, Rule<unknown>][]) {
        const value = raw[key];
        if (value === undefined || (value === "" && rule.default === undefined)) {
            out[key] = rule.default;
            continue;
        }
        const result = rule.parse(value);
        if ("accepted" in result) problems.push({ key, value, accepted: result.accepted });
        else out[key] = result.value;
    }
    const config = out as unknown as StackConfig;
    if (problems.length === 0) problems.push(...crossKeyProblems(config));
    if (problems.length > 0) throw new StackConfigError(problems);
    if (config.wasmNodeCountMax === 0) config.wasmNodeCountMax = config.wasmNodeCount;
    if (config.systemNodeCountMax === 0) config.systemNodeCountMax = config.systemNodeCount;
    return config;
}

/** Rules that relate two keys; run only when each key is valid on its own. */
function crossKeyProblems(c: StackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (c.systemNodeCountMax !== 0 && c.systemNodeCountMax < c.systemNodeCount) {
        problems.push({
            key: "systemNodeCountMax",
            value: String(c.systemNodeCountMax),
            accepted: `at least systemNodeCount (${c.systemNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (c.wasmNodeCountMax !== 0 && c.wasmNodeCountMax < c.wasmNodeCount) {
        problems.push({
            key: "wasmNodeCountMax",
            value: String(c.wasmNodeCountMax),
            accepted: `at least wasmNodeCount (${c.wasmNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (c.appMaxReplicas !== 0 && c.appMaxReplicas < c.appReplicas) {
        problems.push({
            key: "appMaxReplicas",
            value: String(c.appMaxReplicas),
            accepted: `at least appReplicas (${c.appReplicas}), or 0 for no autoscaler`,
        });
    }
    if (quantity(c.appCpuLimit) < quantity(c.appCpuRequest)) {
        problems.push({ key: "appCpuLimit", value: c.appCpuLimit, accepted: `at least appCpuRequest (${c.appCpuRequest})` });
    }
    if (quantity(c.appMemoryLimit) < quantity(c.appMemoryRequest)) {
        problems.push({
            key: "appMemoryLimit",
            value: c.appMemoryLimit,
            accepted: `at least appMemoryRequest (${c.appMemoryRequest})`,
        });
    }
    if (c.tlsSecretName !== "" && c.ingressMode === "none") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: 'empty when ingressMode is "none" (nothing terminates TLS)' });
    }
    if (c.tlsSecretName !== "" && c.appHost === "") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: "empty unless appHost is set (a certificate names a host)" });
    }
    if (c.ingressMode === "ingress" && c.appHost === "" && c.apps.length > 1) {
        // Two host-less Ingresses on one class both claim "/" for every host: only one of them would serve.
        problems.push({ key: "appHost", value: "", accepted: "a host name when more than one app is exposed through ingress" });
    }
    const taken = appTeamNamespaces(c.appTeams).filter((ns) => c.apps.includes(ns));
    if (taken.length > 0) {
        // The stack's own apps create their namespaces; a team namespace of the same name would be created twice.
        problems.push({ key: "appTeams", value: JSON.stringify(taken), accepted: "namespaces other than the stack's own apps (apps)" });
    }
    if (c.wasmRuntime === "wasmwasi" && ARM64_VM_SIZE.test(c.wasmVmSize)) {
        // The WasmWasi preview was x86_64 only.
        problems.push({ key: "wasmVmSize", value: c.wasmVmSize, accepted: "an x86_64 VM size when wasmRuntime is wasmwasi" });
    }
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

/** A CPU or memory quantity in base units, for comparing request and limit of the same resource. */
export function quantity(q: string): number {
    const units: Record<string, number> = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
    const m = /^([0-9.]+)(m|Ki|Mi|Gi)?$/.exec(q);
    return m ? Number(m[1]) * (m[2] ? units[m[2]] : 1) : NaN;
}

/** Things that are valid but deserve a word at evaluation time. */
export function configWarnings(c: StackConfig): string[] {
    const warnings: string[] = [];
    if (c.wasmRuntime === "wasmwasi") {
        warnings.push(
            "wasmRuntime=wasmwasi: Azure retired WASI node pools; no new WasmWasi pool has been created since 2025-05-05 " +
                "and the WasmNodePoolPreview feature flag was removed (AKS release v20250720). Expect `pulumi up` to fail " +
                "when it creates the pool. Use wasmRuntime=spinkube (the default).",
        );
    }
    if (c.ingressMode === "ingress" && c.ingressClassName === "webapprouting.kubernetes.azure.com") {
        warnings.push(
            "ingressMode=ingress uses the AKS application routing add-on's managed NGINX, which Azure supports only " +
                "through November 2026 (ingress-nginx itself was retired in March 2026). Plan the move to ingressMode=gateway.",
        );
    }
    return warnings;
}

/** Reads this stack's raw config (every `aks-wasm:*` key) and validates it. */
export function loadStackConfig(): StackConfig {
    const prefix = `${PROJECT}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    return parseStackConfig(raw);
}
