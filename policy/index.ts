/**
 * The aks-wasm CrossGuard policy pack. Constructing PolicyPack starts the analyzer server the Pulumi CLI talks to,
 * so only the CLI loads this file:
 *
 *   pulumi preview --stack prod --policy-pack policy
 *   pulumi preview --stack dev --policy-pack policy --policy-pack-config policy/dev.json
 *
 * Policy config (enforcement levels, per-policy options) follows
 * https://www.pulumi.com/docs/using-pulumi/crossguard/configuration/.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("aks-wasm", {
    description: "Guardrails for aks-wasm stacks (Wasm workloads, images, registry, cluster access, exposure).",
    enforcementLevel: "mandatory",
    policies,
});
