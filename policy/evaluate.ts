/**
 * Runs the pack's policies over resources outside the Pulumi engine (offline renders, tests), applying a policy pack
 * config's enforcement levels the way the analyzer does: per-policy level, else `all`, else the policy's own.
 */
import type { EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { policies as packPolicies } from "./policies";

/** A resource as the analyzer sees it: type, name and input props. */
export interface ResourceUnderPolicy {
    type: string;
    name: string;
    urn?: string;
    props: Record<string, any>;
}

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    resource: string;
    message: string;
}

/** A policy pack config file (`--policy-pack-config`): a level, or an object with a level and policy options. */
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

function levelOf(policy: ResourceValidationPolicy, config: PackConfig): EnforcementLevel {
    const own = config[policy.name];
    const all = config["all"];
    const pick = (c: PackConfig[string] | undefined) => (typeof c === "string" ? c : c?.enforcementLevel);
    return pick(own) ?? pick(all) ?? policy.enforcementLevel ?? "advisory";
}

function optionsOf(policy: ResourceValidationPolicy, config: PackConfig): Record<string, unknown> {
    const own = config[policy.name];
    if (typeof own !== "object") return {};
    const { enforcementLevel: _level, ...options } = own;
    return options;
}

/** Every violation the pack reports on the given resources; disabled policies are skipped. */
export async function evaluatePolicies(
    resources: ResourceUnderPolicy[],
    config: PackConfig = {},
    policies: ResourceValidationPolicy[] = packPolicies,
): Promise<Violation[]> {
    const violations: Violation[] = [];
    for (const policy of policies) {
        const enforcementLevel = levelOf(policy, config);
        if (enforcementLevel === "disabled" || !policy.validateResource) continue;
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        for (const r of resources) {
            const args: ResourceValidationArgs = {
                type: r.type,
                name: r.name,
                urn: r.urn ?? `${r.type}::${r.name}`,
                props: r.props,
                opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
                stackTags: new Map(),
                isType: () => false,
                asType: () => undefined,
                getConfig: <T extends object>() => optionsOf(policy, config) as T,
                notApplicable: (reason?: string): never => {
                    throw new Error(`policy ${policy.name} not applicable: ${reason ?? ""}`);
                },
            };
            for (const validate of validations) {
                await validate(args, (message) =>
                    violations.push({ policy: policy.name, enforcementLevel, resource: `${r.type}::${r.name}`, message }),
                );
            }
        }
    }
    return violations;
}
