/**
 * The cluster's admission guard rails (lib/kubernetes/admissionPolicy.ts; platform-contracts TRUST-10): two
 * ValidatingAdmissionPolicies and their bindings to the namespaces the stack controls (labelled
 * `aks-wasm/guard-rails: enforced`: the app namespaces and the app teams' namespaces):
 * - uid 0 and a writable root filesystem only for pods on the Spin runtime class;
 * - no NetworkPolicy that reaches the metadata service;
 * - when `teamGateways` is given, for the teams' requests in their Gateway namespaces (`<ns>-gateway`, labelled
 *   `aks-wasm/team-gateways`), Gateways of that class only, with nothing that tells istiod how to build their proxy
 *   (GWNS-2).
 * The runtime installer's namespace is not bound: RCM's installer Jobs run privileged, as root, with the node's `/`
 * mounted (RCM-4), which is why only RCM runs there.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config";
import { guardedBinding, noMetadataEgressPolicy, rootOnlyOnSpinPolicy, teamGatewayBinding, teamGatewayPolicy } from "../../lib/kubernetes/admissionPolicy";

export interface ClusterGuardRailsArgs {
    /** The Spin RuntimeClass: the only one whose pods may run as root with a writable root filesystem. */
    runtimeClassName: string;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /**
     * App teams' Gateways (`gateway` mode with `appTeams`): the GatewayClass they must use and the teams' Entra groups
     * (the subjects of their Gateway Role). Unset = no team Gateway policy. @default undefined
     */
    teamGateways?: { gatewayClassName: string; groups: string[] };
}

export class ClusterGuardRails extends pulumi.ComponentResource {
    /** Names of the policies, bound in the guarded namespaces. */
    readonly policyNames: string[];

    constructor(name: string, args: ClusterGuardRailsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:ClusterGuardRails", name, {}, opts);
        const labels = { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" };
        const o = { parent: this, provider: args.provider };
        const policies = [rootOnlyOnSpinPolicy(args.runtimeClassName, labels), noMetadataEgressPolicy(labels)];
        for (const policy of policies) {
            const created = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-${policy.metadata.name}`, policy, o);
            const binding = guardedBinding(policy, labels);
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-${policy.metadata.name}-binding`, binding, { ...o, dependsOn: [created] });
        }
        if (args.teamGateways !== undefined) {
            const policy = teamGatewayPolicy(args.teamGateways.gatewayClassName, args.teamGateways.groups, labels);
            const created = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-${policy.metadata.name}`, policy, o);
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-${policy.metadata.name}-binding`, teamGatewayBinding(policy, labels), { ...o, dependsOn: [created] });
            policies.push(policy);
        }
        this.policyNames = policies.map((p) => p.metadata.name);
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
