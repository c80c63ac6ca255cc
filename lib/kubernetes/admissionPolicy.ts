/**
 * The cluster's own admission rules, as ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, GA since
 * Kubernetes 1.30; platform-contracts TRUST-10), in the namespaces the stack controls: those labelled
 * {@link GUARDED_NAMESPACE_LABELS} (the stack's app namespaces and the app teams' namespaces; not the runtime
 * installer's, whose privileged root Jobs are the documented exception, nor the gateway proxies').
 *
 * 1. Root only on the Spin runtime class: a pod may run a container as uid 0, or with a writable root filesystem,
 *    only when its `runtimeClassName` is the Spin one (the shim writes `/` as root: SHIM-1, SHIM-2, SHIM-5).
 *    Everything else must resolve to a non-root user (runAsUser ≠ 0, or runAsNonRoot with no runAsUser) and a
 *    read-only root, as the `restricted` set does. Pod Security `baseline` still applies on top.
 * 2. No NetworkPolicy opens the metadata service: every egress rule names its peers (an empty `to` reaches
 *    everything), and every ipBlock that contains 169.254.169.254 lists it in `except`. NetworkPolicies only add
 *    up, so a team's own policy could otherwise undo the stack's default-deny for IMDS (TRUST-8). Uses Kubernetes'
 *    CEL CIDR library (`cidr()`, `ip()`; kubernetes/apiserver pkg/cel/library, from 1.30; TRUST-10).
 * 3. In the app teams' Gateway namespaces (labelled {@link TEAM_GATEWAY_NAMESPACE_LABELS}), for the teams' own
 *    requests: a Gateway carries nothing istiod would turn into its proxy's image, labels, annotations or address
 *    (GWNS-2), and uses the platform's GatewayClass ({@link teamGatewayPolicy}).
 *
 * Pure: the manifests are validated against the OpenAPI schemas and their CEL is evaluated by a CEL engine in the
 * tests (test/clusterGuardRails.test.ts).
 */
import { METADATA_SERVICE_CIDR } from "./egressPolicy";

/** Namespaces the admission policies bind to. */
export const GUARDED_NAMESPACE_LABELS: Record<string, string> = { "aks-wasm/guard-rails": "enforced" };

/** App teams' Gateway namespaces `<ns>-gateway` (AppTeamAccess): the team Gateway policy binds to them. */
export const TEAM_GATEWAY_NAMESPACE_LABELS: Record<string, string> = { "aks-wasm/team-gateways": "restricted" };

export const ROOT_ONLY_ON_SPIN_POLICY = "aks-wasm-root-only-on-spin";
export const TEAM_GATEWAY_POLICY = "aks-wasm-team-gateway";
export const NO_METADATA_EGRESS_POLICY = "aks-wasm-no-metadata-egress";

const METADATA_IP = METADATA_SERVICE_CIDR.split("/")[0];

interface Validation {
    expression: string;
    message: string;
    reason: string;
}
export interface AdmissionPolicy {
    apiVersion: "admissionregistration.k8s.io/v1";
    kind: "ValidatingAdmissionPolicy";
    metadata: { name: string; labels?: Record<string, string> };
    spec: {
        failurePolicy: "Fail";
        matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
        matchConditions?: { name: string; expression: string }[];
        variables?: { name: string; expression: string }[];
        validations: Validation[];
    };
}
export interface AdmissionPolicyBinding {
    apiVersion: "admissionregistration.k8s.io/v1";
    kind: "ValidatingAdmissionPolicyBinding";
    metadata: { name: string; labels?: Record<string, string> };
    spec: { policyName: string; validationActions: "Deny"[]; matchResources: { namespaceSelector: { matchLabels: Record<string, string> } } };
}

/** A container's effective user is not root: its own runAsUser, else the pod's, else runAsNonRoot (its own, else the pod's). */
const NON_ROOT =
    "has(c.securityContext) && has(c.securityContext.runAsUser) ? c.securityContext.runAsUser != 0 : " +
    "(variables.podUser >= 0 ? variables.podUser != 0 : " +
    "(has(c.securityContext) && has(c.securityContext.runAsNonRoot) ? c.securityContext.runAsNonRoot : variables.podNonRoot))";
const READ_ONLY_ROOT = "has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem";

/** A DNS-1123 subdomain name, what a RuntimeClass's or GatewayClass's name must be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The parts every policy here shares: admissionregistration.k8s.io/v1, refused when it cannot be evaluated (`Fail`). */
function validatingPolicy(name: string, labels: Record<string, string>, spec: Omit<AdmissionPolicy["spec"], "failurePolicy">): AdmissionPolicy {
    return { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name, labels }, spec: { failurePolicy: "Fail", ...spec } };
}

/** Policy 1: uid 0 and a writable root only for pods on the Spin runtime class `runtimeClassName`. */
export function rootOnlyOnSpinPolicy(runtimeClassName: string, labels: Record<string, string> = {}): AdmissionPolicy {
    if (!DNS_SUBDOMAIN.test(runtimeClassName)) throw new Error(`runtimeClassName ${JSON.stringify(runtimeClassName)} is not a DNS subdomain name`);
    return validatingPolicy(ROOT_ONLY_ON_SPIN_POLICY, labels, {
        matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }] },
        variables: [
            { name: "spin", expression: `has(object.spec.runtimeClassName) && object.spec.runtimeClassName == '${runtimeClassName}'` },
            { name: "containers", expression: "object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])" },
            {
                name: "podUser",
                expression: "has(object.spec.securityContext) && has(object.spec.securityContext.runAsUser) ? object.spec.securityContext.runAsUser : -1",
            },
            {
                name: "podNonRoot",
                expression: "has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot",
            },
        ],
        validations: [
            {
                expression: `variables.spin || variables.containers.all(c, ${NON_ROOT})`,
                message: `only pods on the Spin runtime class (${runtimeClassName}) may run as root: set runAsNonRoot, or a runAsUser other than 0`,
                reason: "Forbidden",
            },
            {
                expression: `variables.spin || variables.containers.all(c, ${READ_ONLY_ROOT})`,
                message: `only pods on the Spin runtime class (${runtimeClassName}) may have a writable root filesystem: set readOnlyRootFilesystem: true`,
                reason: "Forbidden",
            },
        ],
    });
}

/** Policy 2: no NetworkPolicy egress rule reaches the metadata service. */
export function noMetadataEgressPolicy(labels: Record<string, string> = {}): AdmissionPolicy {
    const covers = (cidr: string) => `cidr(${cidr}).containsIP(ip('${METADATA_IP}'))`;
    return validatingPolicy(NO_METADATA_EGRESS_POLICY, labels, {
        matchConstraints: {
            resourceRules: [{ apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["networkpolicies"] }],
        },
        validations: [
            {
                expression: "!has(object.spec.egress) || object.spec.egress.all(r, has(r.to) && size(r.to) > 0)",
                message: "every egress rule names its destinations (a rule without `to` reaches everything, the metadata service included)",
                reason: "Forbidden",
            },
            {
                expression:
                    "!has(object.spec.egress) || object.spec.egress.all(r, !has(r.to) || r.to.all(p, !has(p.ipBlock) || " +
                    `!${covers("p.ipBlock.cidr")} || (has(p.ipBlock.except) && p.ipBlock.except.exists(e, ${covers("e")}))))`,
                message: `an egress ipBlock that contains ${METADATA_IP} must list ${METADATA_SERVICE_CIDR} in except (the metadata service hands out the node's identity)`,
                reason: "Forbidden",
            },
        ],
    });
}

/** The binding of `policy` to the guarded namespaces, denying what it refuses. */
export function guardedBinding(policy: AdmissionPolicy, labels: Record<string, string> = {}): AdmissionPolicyBinding {
    return denyingBinding(policy, labels, GUARDED_NAMESPACE_LABELS);
}

/** A binding of `policy`, denying what it refuses, in the namespaces labelled `namespaceLabels`. */
function denyingBinding(policy: AdmissionPolicy, labels: Record<string, string>, namespaceLabels: Record<string, string>): AdmissionPolicyBinding {
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: policy.metadata.name, labels },
        spec: { policyName: policy.metadata.name, validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { ...namespaceLabels } } } },
    };
}

/** Annotations a team's Gateway may carry: istiod's own version stamp, and kubectl's client-side apply record. */
export const TEAM_GATEWAY_ANNOTATIONS: readonly string[] = ["gateway.istio.io/controller-version", "kubectl.kubernetes.io/last-applied-configuration"];

/**
 * Policy 3, for the app teams' Gateway namespaces: a team may create Gateways there (AppTeamAccess), but istiod builds
 * each Gateway's proxy ServiceAccount, Deployment and LoadBalancer Service from the Gateway itself (GWNS-2): it copies
 * the Gateway's labels and annotations (or `spec.infrastructure`'s) onto them (Azure load balancer annotations,
 * workload identity and Istio labels included), reads the proxy's image, service type, account and name from
 * annotations, overlays a `parametersRef` ConfigMap, and sets `loadBalancerIP` from `spec.addresses[0]`. A team's
 * Gateway may use none of these, and only the platform's GatewayClass. It applies to requests of the teams' Entra
 * groups only (the subjects of their Role there), so istiod's own updates of the Gateway (it stamps its version
 * annotation) and the platform's admins are never refused.
 */
export function teamGatewayPolicy(gatewayClassName: string, teamGroups: readonly string[], labels: Record<string, string> = {}): AdmissionPolicy {
    if (!DNS_SUBDOMAIN.test(gatewayClassName)) throw new Error(`gatewayClassName ${JSON.stringify(gatewayClassName)} is not a DNS subdomain name`);
    const bad = teamGroups.filter((g) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(g));
    if (teamGroups.length === 0 || bad.length > 0) throw new Error(`teamGroups ${JSON.stringify(teamGroups)}: one or more lower-case object IDs (GUIDs)`);
    const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
    return validatingPolicy(TEAM_GATEWAY_POLICY, labels, {
        matchConstraints: {
            resourceRules: [{ apiGroups: ["gateway.networking.k8s.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["gateways"] }],
        },
        matchConditions: [
            { name: "from-an-app-team", expression: `has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${list([...teamGroups].sort())})` },
        ],
        validations: [
            {
                expression: `object.spec.gatewayClassName == '${gatewayClassName}'`,
                message: `a team Gateway uses the platform's GatewayClass ${gatewayClassName}`,
                reason: "Forbidden",
            },
            {
                expression: `!has(object.metadata.annotations) || object.metadata.annotations.all(k, k in ${list(TEAM_GATEWAY_ANNOTATIONS)})`,
                message:
                    "a team Gateway carries no annotations: istiod copies them onto its proxy's pods, account and load balancer Service, and reads the proxy's image and service type from them",
                reason: "Forbidden",
            },
            {
                expression: "!has(object.metadata.labels) || object.metadata.labels.all(k, !k.contains('/') || k.startsWith('app.kubernetes.io/'))",
                message: "a team Gateway's labels are unprefixed or app.kubernetes.io/*: istiod copies them onto its proxy's pods (Istio and workload identity labels included)",
                reason: "Forbidden",
            },
            {
                expression: "!has(object.spec.infrastructure)",
                message: "a team Gateway sets no spec.infrastructure (its labels, annotations and parametersRef shape the proxy's pods and load balancer)",
                reason: "Forbidden",
            },
            {
                expression: "!has(object.spec.addresses) || size(object.spec.addresses) == 0",
                message: "a team Gateway requests no spec.addresses (the first becomes its load balancer's IP)",
                reason: "Forbidden",
            },
        ],
    });
}

/** The binding of the team Gateway policy to the app teams' Gateway namespaces, denying what it refuses. */
export function teamGatewayBinding(policy: AdmissionPolicy, labels: Record<string, string> = {}): AdmissionPolicyBinding {
    return denyingBinding(policy, labels, TEAM_GATEWAY_NAMESPACE_LABELS);
}
