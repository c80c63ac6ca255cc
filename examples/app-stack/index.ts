/**
 * quotes: an app team's stack on the aks-wasm platform.
 *
 *   cd examples/app-stack
 *   pulumi stack init dev
 *   pulumi config set platformStack organization/aks-wasm/dev
 *   pulumi up
 *
 * Pulumi runs an exported function and turns the object it returns into the stack outputs.
 */
import { deployAppStack } from "./appStack";

export = deployAppStack;
