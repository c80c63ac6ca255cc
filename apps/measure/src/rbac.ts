/**
 * The Kubernetes API rights the measurement program uses, and nothing else: the Role the stack grants its
 * ServiceAccount (components/app, written by the stack from this list) and the README's table come from here, so
 * the program, the Role and its test cannot drift apart. Pure data: no import, so the Pulumi program can load it.
 *
 * Each rule is one call the program makes (apps/measure/src/kube.ts):
 *  - PATCH (merge patch) of `deployments/scale` of the twin: scale 0 → N → 0 (the answer is the new Scale, so no GET).
 *    `resourceNames` pins it to the twin: the serving Deployment can never be scaled (platform-contracts K8SAPI-3).
 *  - GET of `deployments` of the twin: read its pod selector (spec.selector.matchLabels) and replica count.
 *  - LIST and WATCH of `pods` in the namespace: the twin's pods (Ready, pod IP), the serving pods' names, the
 *    load-test pod's phase. `resourceNames` narrows a list or a watch only when it carries a `metadata.name`
 *    field selector naming one object, which a label-selected list cannot use, so this rule is namespace-wide
 *    (read only) by necessity (K8SAPI-4).
 *  - LIST of `pods` in API group `metrics.k8s.io` in the namespace: CPU and memory per pod (METRICS-1).
 * No create, delete, update, exec, logs, secrets, or anything cluster-scoped.
 */

/** One rule of a Role, as `rbac.authorization.k8s.io/v1` PolicyRule spells it. */
export interface MeasurePolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/**
 * The Role's rules for measuring the given twin Deployments (one measurement Job per target; targets sharing a
 * namespace may share a Role by passing both twins). Throws on an empty list: a Role without a twin would grant
 * `deployments/scale` on nothing, which is a bug in the caller.
 */
export function measureRoleRules(twinDeployments: readonly string[]): MeasurePolicyRule[] {
    if (twinDeployments.length === 0 || twinDeployments.some((n) => typeof n !== "string" || n === "")) {
        throw new Error(`measureRoleRules: twinDeployments = ${JSON.stringify(twinDeployments)}: at least one Deployment name`);
    }
    const twins = [...new Set(twinDeployments)].sort();
    return [
        { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: twins, verbs: ["patch"] },
        { apiGroups: ["apps"], resources: ["deployments"], resourceNames: twins, verbs: ["get"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
        { apiGroups: ["metrics.k8s.io"], resources: ["pods"], verbs: ["list"] },
    ];
}
