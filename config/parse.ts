/**
 * Parsing and validation: raw strings in, a typed config or one `StackConfigError` listing every problem out.
 * Pure (what it needs from outside comes in `ParseOptions`), so the table tests call it with dozens of bad inputs.
 */
import { clusterAdminProblems } from "../lib/azure/clusterAdmins";
import { todayUtc } from "../lib/azure/datedSupport";
import { wasmOsProblems } from "../lib/azure/wasmNodeOs";
import { editDistance, nearest, orList } from "../lib/text/editDistance";
import { appManifestOnDisk, appManifestProblemsOnDisk } from "./apps";
import { crossKeyProblems } from "./crossKeyRules";
import { CONFIG_KEYS, configDefaults, RULES, type Rule } from "./rules";
import { PROJECT, StackConfigError, type ConfigProblem, type RawConfig, type StackConfig } from "./types";

/** What validation needs from outside the config values; injectable so tests stay pure. */
export interface ParseOptions {
    /**
     * Refuse a config without any cluster admin (lib/azure/clusterAdmins.ts): a stack that deploys needs one. Off for
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
     * run-duration check (components/runDuration.ts), which reads the components' bounds and so cannot be imported here
     * without an import circle. @default []
     */
    wholeConfigChecks?: ((c: StackConfig) => ConfigProblem[])[];
    /**
     * The day the run judges dated support against (YYYY-MM-DD; lib/azure/datedSupport.ts).
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
     * Problems in `apps/<app>/spin.toml` (lib/spin/spinManifest.ts), each one line naming the file, the line and the fix;
     * empty when the manifest is missing (that is `appManifestExists`'s problem).
     * @default the manifest on disk, checked by checkSpinManifestFile
     */
    appManifestProblems?: (app: string) => string[];
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
    // What the Wasm pool's OS allows (lib/azure/wasmNodeOs.ts): the Ubuntu 22.04 / containerd 1.7 limits apply to that OS only.
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

/** Provider config keys that set what one of ours sets: `key` → our key (platform-contracts CFG-3). */
const PROVIDER_KEYS: Readonly<Record<string, keyof StackConfig>> = {
    // The azure-native provider's default region. Every resource here takes aks-wasm:location explicitly, so a
    // different provider location only misleads a reader of the stack file (and would place any resource that
    // forgot its location elsewhere).
    "azure-native:location": "location",
    "azure:location": "location",
};

/**
 * What an unknown key of ours is told: the nearest key by edit distance (lib/text/editDistance.ts), or, when none is
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
