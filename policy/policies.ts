/**
 * Every policy of the aks-wasm pack, in one list. Importing this module does not start anything; index.ts hands the
 * list to PolicyPack.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { azurePolicies } from "./azurePolicies";
import { exposurePolicies } from "./exposurePolicies";
import { kubernetesPolicies } from "./kubernetesPolicies";
import { podSecurityPolicies } from "./podSecurityPolicies";

export const policies: ResourceValidationPolicy[] = [...azurePolicies, ...kubernetesPolicies, ...podSecurityPolicies, ...exposurePolicies];

/**
 * Policies that guard production exposure and access rather than the workload itself. Mandatory by default;
 * `policy/dev.json` lowers them to advisory for dev stacks, so a dev preview still shows the findings.
 */
export const PROD_ONLY_POLICY_NAMES = [
    "aks-azure-rbac-enabled",
    "aks-local-accounts-disabled",
    "tls-on-exposed-endpoints",
    "tls-covers-routed-hosts",
    "no-plain-http-beside-tls",
];
