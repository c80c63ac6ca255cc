/**
 * Exposure that holds (platform-contracts TRUST-11): TLS that covers every routed host and names its certificate
 * Secret, and no plain-HTTP path to an app beside TLS. Prod-only like `tls-on-exposed-endpoints`: `policy/dev.json`
 * lowers them to advisory, where a dev stack may serve plain HTTP.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";
const GATEWAY_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/v1(beta1)?:Gateway$/;
const HTTP_ROUTE_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/v1(beta1)?:HTTPRoute$/;
/** ingress-nginx (and AKS app routing's NGINX) redirects HTTP to HTTPS for a TLS host unless this says "false". */
const SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect";

/** Whether a TLS host (possibly `*.example.com`) covers a routed host. */
export function tlsHostCovers(tlsHost: string, host: string): boolean {
    if (tlsHost === host) return true;
    return tlsHost.startsWith("*.") && host.endsWith(tlsHost.slice(1)) && !host.slice(0, -tlsHost.length + 1).includes(".");
}

/** What keeps an Ingress's TLS from covering what it routes. */
export function ingressTlsProblems(spec: { rules?: { host?: string }[]; tls?: { hosts?: string[]; secretName?: string }[] } | undefined): string[] {
    const tls = spec?.tls ?? [];
    if (tls.length === 0) return []; // no TLS at all: tls-on-exposed-endpoints reports it
    const problems: string[] = [];
    tls.forEach((t, i) => {
        if (!t.secretName) problems.push(`tls[${i}] names no secretName`);
        if ((t.hosts ?? []).length === 0) problems.push(`tls[${i}] lists no hosts`);
    });
    for (const [i, rule] of (spec?.rules ?? []).entries()) {
        if (rule.host === undefined) problems.push(`rules[${i}] has no host: it serves every host, which no certificate covers`);
        else if (!tls.some((t) => t.secretName && (t.hosts ?? []).some((h) => tlsHostCovers(h, rule.host!)))) problems.push(`rules[${i}] host '${rule.host}' is covered by no tls entry`);
    }
    return problems;
}

/** What keeps a Gateway's HTTPS listeners from terminating TLS for a named host with a named certificate. */
export function gatewayTlsProblems(spec: { listeners?: { name?: string; protocol?: string; hostname?: string; tls?: { mode?: string; certificateRefs?: { name?: string }[] } }[] } | undefined): string[] {
    const problems: string[] = [];
    for (const l of spec?.listeners ?? []) {
        if (l.protocol !== "HTTPS") continue;
        if (!(l.tls?.certificateRefs ?? []).some((r) => r.name)) problems.push(`listener '${l.name ?? "?"}' names no certificate Secret (tls.certificateRefs)`);
        if (l.tls?.mode !== undefined && l.tls.mode !== "Terminate") problems.push(`listener '${l.name ?? "?"}' does not terminate TLS (mode ${l.tls.mode})`);
        if (!l.hostname) problems.push(`listener '${l.name ?? "?"}' has no hostname: it accepts every host, which no certificate covers`);
    }
    return problems;
}

export const tlsCoversRoutedHosts: ResourceValidationPolicy = {
    name: "tls-covers-routed-hosts",
    description: "TLS on an Ingress or Gateway covers every host it routes and names its certificate Secret.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set the stack's appHost and tlsSecretName: every routed host then appears in the TLS hosts, with the Secret named.",
    validateResource: (args, reportViolation) => {
        const problems = args.type === INGRESS_TYPE ? ingressTlsProblems(args.props.spec) : GATEWAY_TYPE.test(args.type) ? gatewayTlsProblems(args.props.spec) : [];
        for (const problem of problems) reportViolation(`${args.type.split(":")[2]} '${args.name}': ${problem}.`);
    },
};

export interface PlainHttpConfig {
    /** Gateway listener names that speak plain HTTP. @default ["http"] */
    httpListenerNames?: string[];
}

export const noPlainHttpBesideTls: ResourceValidationPolicy = {
    name: "no-plain-http-beside-tls",
    description:
        "No plain-HTTP path to an app: HTTPRoutes that forward to backends attach to an HTTPS listener (the HTTP listener only redirects), and TLS Ingresses keep NGINX's HTTP-to-HTTPS redirect.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Attach the app's HTTPRoute to the HTTPS listener (parentRefs[].sectionName) and give the HTTP listener only a RequestRedirect to https; do not set nginx.ingress.kubernetes.io/ssl-redirect: \"false\".",
    configSchema: { properties: { httpListenerNames: { type: "array", items: { type: "string" }, default: ["http"], description: "Listener names that speak plain HTTP." } } },
    validateResource: (args, reportViolation) => {
        if (args.type === INGRESS_TYPE) {
            if ((args.props.spec?.tls ?? []).length > 0 && args.props.metadata?.annotations?.[SSL_REDIRECT] === "false") {
                reportViolation(`Ingress '${args.name}': ${SSL_REDIRECT} is "false", so its TLS hosts are served in plain HTTP too.`);
            }
            return;
        }
        if (!HTTP_ROUTE_TYPE.test(args.type)) return;
        const http = args.getConfig<PlainHttpConfig>().httpListenerNames ?? ["http"];
        const forwards = (args.props.spec?.rules ?? []).some((r: { backendRefs?: unknown[] }) => (r.backendRefs ?? []).length > 0);
        if (!forwards) return;
        for (const [i, parent] of (args.props.spec?.parentRefs ?? []).entries()) {
            const section: string | undefined = parent.sectionName;
            if (section === undefined || http.includes(section)) {
                reportViolation(
                    `HTTPRoute '${args.name}': parentRefs[${i}] ${section === undefined ? "names no listener (attaches to all, the HTTP one too)" : `attaches to the plain-HTTP listener '${section}'`} and the route forwards to backends.`,
                );
            }
        }
    },
};

export const exposurePolicies: ResourceValidationPolicy[] = [tlsCoversRoutedHosts, noPlainHttpBesideTls];
