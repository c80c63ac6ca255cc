/** Reading this stack's config from Pulumi: the one impure step, on top of the pure parse. */
import * as pulumi from "@pulumi/pulumi";
import { evaluationMode } from "../lib/offline/evaluationMode";
import { parseAllConfig, type ParseOptions } from "./parse";
import type { StackConfig } from "./types";

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
