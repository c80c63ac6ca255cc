/**
 * The names the stack derives from an app's name, and the limit each must fit. Components check their own
 * arguments too, but only after earlier resources are registered; config validation checks them all first.
 * Each limit is read where it comes from (platform-contracts K8SNAME-1 .. K8SNAME-3).
 */

/** DNS-1123 label: namespaces, label values' usual form (k8s.io/apimachinery validation.IsDNS1123Label). */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1035 label: Service names must start with a letter (validation.IsDNS1035Label). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** OCI distribution spec repository path component (lib/spin/spinPush.ts uses the whole-name form). */
const OCI_REPOSITORY = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
/**
 * Gateway API `Hostname` (@kubernetes-models/gateway-api 2.0.0, IoK8sSigsGatewayApiApisV1Hostname: pattern
 * `^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`, maxLength 253; the type's doc says IP
 * addresses are not allowed). Ingress `host` has the same rules (networking validation: a DNS-1123 subdomain,
 * not an IP, a wildcard only as the whole first label). platform-contracts K8SNAME-3.
 */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^[0-9]+(\.[0-9]+){3}$/;

/** One derived name, what makes it, and the rule it must follow. */
export interface DerivedName {
    /** What it names, for the message: "load-test component (Job name prefix, instance label)". */
    what: string;
    value: string;
    /** Longest allowed. */
    max: number;
    /** Pattern it must match; DNS-1123 label by default. */
    pattern?: RegExp;
    /** Where the limit comes from. */
    why: string;
}

/** Which optional parts the stack creates for an app, as config decides. */
export interface AppParts {
    loadTest: boolean;
    /** The container baseline is deployed for the first app only (index.ts). */
    containerBaseline: boolean;
    gateway: boolean;
}

/**
 * Every name index.ts and the components derive from `app` (see index.ts and components/*), with its limit:
 * - namespace and Deployment: `<app>` (spinWorkload.ts: DNS-1123 label, ≤ 63); Service `<app>` (DNS-1035, ≤ 63).
 * - image repository `<app>` (OCI path component).
 * - load test: component `<app>-loadtest`, which loadTest.ts refuses above 40 characters (it prefixes the Job
 *   name, cut to fit 63 with its hash, and is the pods' `app.kubernetes.io/instance` label value, ≤ 63).
 * - container baseline: Deployment, Service and repository `<app>-container` (DNS-1035, ≤ 63).
 * - gateway: Gateway `<app>`, ≤ 46 because Istio names its Deployment/Service `<gateway>-approuting-istio`
 *   (appExposure.ts), and the namespace `<app>-gateway` (DNS-1123 label, ≤ 63).
 */
export function derivedNames(app: string, parts: AppParts): DerivedName[] {
    const names: DerivedName[] = [
        { what: "namespace", value: app, max: 63, why: "a namespace name is a DNS-1123 label" },
        { what: "Service", value: app, max: 63, pattern: DNS_1035_LABEL, why: "a Service name is a DNS-1035 label" },
        { what: "image repository", value: app, max: 255, pattern: OCI_REPOSITORY, why: "an OCI repository path component" },
    ];
    if (parts.loadTest) {
        names.push({
            what: "load-test component (Job name prefix and pod instance label)",
            value: `${app}-loadtest`,
            max: 40,
            why: "components/app/loadTest.ts refuses longer component names",
        });
    }
    if (parts.containerBaseline) {
        names.push({ what: "container baseline Deployment and Service", value: `${app}-container`, max: 63, pattern: DNS_1035_LABEL, why: "a Service name is a DNS-1035 label" });
    }
    if (parts.gateway) {
        names.push({ what: "Gateway", value: app, max: 46, why: 'Istio appends "-approuting-istio" and the result must be ≤ 63' });
        names.push({ what: "gateway namespace", value: `${app}-gateway`, max: 63, why: "a namespace name is a DNS-1123 label" });
    }
    return names;
}

/** Problems with the names derived from `app`: one line each, naming the derived name and its limit. */
export function derivedNameProblems(app: string, parts: AppParts): string[] {
    return derivedNames(app, parts)
        .filter((n) => n.value.length > n.max || !(n.pattern ?? DNS_1123_LABEL).test(n.value))
        .map((n) => `${n.what} "${n.value}" (${n.value.length} characters) must be at most ${n.max}: ${n.why}`);
}

/** Why `host` is not a valid Ingress host / Gateway hostname; undefined when it is. */
export function hostProblem(host: string): string | undefined {
    if (host.length > 253) return "at most 253 characters";
    if (IPV4.test(host) || host.includes(":")) return "a DNS name, not an IP address (Ingress hosts and Gateway hostnames refuse IPs)";
    if (!HOSTNAME.test(host)) return 'lower-case DNS labels of letters, digits and inner "-", a wildcard only as the whole first label ("*.example.com")';
    if (host.split(".").some((label) => label.length > 63)) return "each label 1-63 characters";
    return undefined;
}
