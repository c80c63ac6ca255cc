/**
 * The stack's whole configuration: read once, validated once, typed.
 *
 * `parseStackConfig` is pure (raw strings in, typed config or one error out) so the table test can call it with
 * dozens of bad inputs; `loadStackConfig` only gathers the raw values from Pulumi's config. Every problem is
 * reported together, before any resource is registered.
 *
 * The folder's modules, lowest first: types.ts (the typed config and its error), rules.ts (one rule per key),
 * apps.ts (the apps' folders and hosts), datedSupports.ts, crossKeyRules.ts (rules that relate keys),
 * warnings.ts, parse.ts (the pure entry points), load.ts (Pulumi's config). This file is the public surface:
 * `import … from "./config"` keeps working, with the same names as before the split.
 */
export { KUBERNETES_MINORS } from "../lib/azure/kubernetesVersions";
export { evaluationMode } from "../lib/offline/evaluationMode";
export { APPS_DIR, appHostFor } from "./apps";
export { APP_ROUTING_NGINX_SUPPORT, WASI_NODE_POOLS_SUPPORT } from "./datedSupports";
export { isDeployment, loadStackConfig } from "./load";
export { parseAllConfig, parseStackConfig, splitStackConfig, unknownKey, type ParseOptions } from "./parse";
export { CONFIG_KEYS, configDefaults, isCpuQuantity, isMemoryQuantity, quantity } from "./rules";
export {
    PROJECT,
    StackConfigError,
    type AcrSku,
    type ClusterTier,
    type ConfigProblem,
    type IngressMode,
    type KubeloginMode,
    type RawConfig,
    type StackConfig,
    type WasmRuntime,
} from "./types";
export { configWarnings } from "./warnings";
