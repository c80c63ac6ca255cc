/**
 * One rule per config key: its default and how its raw string parses, with what is accepted when it does not.
 * Keys are read on their own here; rules that relate keys are in crossKeyRules.ts.
 */
import { parseVmSize, vmSizeProblems } from "../lib/azure/azureVmSizes";
import { parseKubernetesVersion } from "../lib/azure/kubernetesVersions";
import { WASM_OS_SKUS, WASM_OS_SKU_DEFAULT, type WasmOsSku } from "../lib/azure/wasmNodeOs";
import { parseAppTeams, type AppTeam } from "../lib/kubernetes/appTeams";
import { hostProblem } from "../lib/kubernetes/kubernetesNames";
import { parseQuantity } from "../lib/kubernetes/kubernetesQuantity";
import type { AcrSku, ClusterTier, IngressMode, KubeloginMode, StackConfig, WasmRuntime } from "./types";

/** How one key is read: its default, and its parser. */
export type Rule<T> = {
    default: T;
    /** Returns the parsed value, or a message saying what is accepted. */
    parse(raw: string): { value: T } | { accepted: string };
};

const VM_SIZE = /^Standard_[A-Z][A-Za-z0-9-]*(_[A-Za-z0-9]+)*$/;
const REGION = /^[a-z][a-z0-9]{2,30}$/;
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** A CPU quantity per the Kubernetes grammar (lib/kubernetes/kubernetesQuantity.ts), above zero. */
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
export const RULES = {
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
    // hold kube-system, app routing's NGINX and the load test (see lib/azure/capacityPlan.ts).
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
            // Ingress host and Gateway hostname rules (lib/kubernetes/kubernetesNames.ts, platform-contracts K8SNAME-3).
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
    // 40 s: at least one whole metrics window (lib/results/metricsWindow.ts, 35 s on AKS) while the measurement is on.
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

/**
 * A CPU or memory quantity in base units (cores, bytes), per the Kubernetes quantity grammar; NaN when invalid.
 * The project's one quantity parser (lib/kubernetes/kubernetesQuantity.ts, platform-contracts CFG-1).
 */
export function quantity(q: string): number {
    return parseQuantity(q);
}
