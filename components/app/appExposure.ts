/**
 * Puts an app's Service behind the cluster's HTTP entry point, by mode:
 *
 * - `ingress`: a networking.k8s.io/v1 Ingress for the AKS application routing add-on's managed NGINX
 *   (`webapprouting.kubernetes.azure.com`; controller pods in `app-routing-system`). Supported by Azure only
 *   through November 2026 (ingress-nginx itself was retired in March 2026).
 * - `gateway`: a Gateway API `Gateway` + `HTTPRoute` for the AKS application routing Gateway API implementation
 *   (GatewayClass `approuting-istio`; meshless Istio, GA since AKS release v20260428). For each Gateway, istiod
 *   creates a Deployment, LoadBalancer Service, HPA and PDB named `<gateway>-approuting-istio` in the Gateway's own
 *   namespace, and labels its pods `gateway.networking.k8s.io/gateway-name: <gateway>`
 *   (learn.microsoft.com/azure/aks/app-routing-gateway-api; istio `kube-gateway.yaml` template). The cluster must
 *   have it enabled: see components/platform/gatewayApi.ts.
 *
 *   The Gateway gets its own namespace under PSA `baseline`, not the app's `restricted` one: Istio's gateway pod
 *   template sets no seccompProfile unless `gateways.seccompProfile` is configured (not exposed by AKS), and
 *   `restricted` rejects pods without one. The HTTPRoute stays beside the Service; the listener admits routes from
 *   the app namespace only, and with TLS a ReferenceGrant lets the Gateway read the Secret in the app namespace.
 * - `none`: nothing; the app is reachable in-cluster only.
 */
import type { IGatewaySpec } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewaySpec";
import type { IHTTPRouteSpec } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteSpec";
import type { IReferenceGrantSpec } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ReferenceGrantSpec";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultDenyEgressSpec, inClusterEgressSpec } from "../../lib/kubernetes/egressPolicy";
import type { IngressMode } from "../../config";
import { POD_SECURITY_LABELS, recommendedLabels, type IngressSource } from "../../lib/kubernetes/workloadDefaults";

/** Namespace of the application routing add-on's NGINX controller pods. */
export const APP_ROUTING_NAMESPACE = "app-routing-system";
/** Label the Istio gateway controller puts on the pods of each Gateway it deploys. */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

export interface AppExposureArgs {
    /** `ingress`, `gateway` or `none`. */
    mode: IngressMode;
    /** Name of the app; names the Ingress, Gateway and HTTPRoutes. */
    appName: string;
    /** Namespace of the app's Service; the Ingress, Gateway and routes go there too. */
    namespace: pulumi.Input<string>;
    /** The app's ClusterIP Service. */
    serviceName: pulumi.Input<string>;
    /** Provider for the target cluster. */
    provider: k8s.Provider;
    /** Port of the Service. @default 80 */
    servicePort?: number;
    /** Host name to route; empty = any host (reach the app by the load balancer's address). @default "" */
    host?: string;
    /** IngressClass for mode `ingress`. @default "webapprouting.kubernetes.azure.com" */
    ingressClassName?: string;
    /** GatewayClass for mode `gateway`. @default "approuting-istio" */
    gatewayClassName?: string;
    /**
     * A `kubernetes.io/tls` Secret in `namespace` to terminate TLS with; requires `host`. With it, plain HTTP is
     * redirected to HTTPS (gateway mode; the add-on's NGINX does the same by default). @default "" (HTTP only)
     */
    tlsSecretName?: string;
    /** Name of the Gateway (mode `gateway`); at most 46 characters, as Istio appends "-approuting-istio". @default appName */
    gatewayName?: string;
    /** Namespace of the Gateway and its proxy pods (mode `gateway`). @default "<gatewayName>-gateway" */
    gatewayNamespace?: string;
    /**
     * Create `gatewayNamespace` with its Pod Security labels and egress policies. `false` when the platform made it
     * (an app team's `<ns>-gateway`, components/platform/appTeamAccess.ts): then only the Gateway goes there.
     * @default true
     */
    createGatewayNamespace?: boolean;
}

/**
 * PSA labels of the gateway namespace: the app namespaces' set (lib/kubernetes/workloadDefaults.ts), `baseline` enforced (see the
 * file comment for why not `restricted`), `restricted` audited and warned, so the gap stays visible.
 */
export const GATEWAY_POD_SECURITY_LABELS: Record<string, string> = POD_SECURITY_LABELS;

/** Default namespace of a Gateway. */
export function defaultGatewayNamespace(gatewayName: string): string {
    return `${gatewayName}-gateway`;
}

/**
 * The pods that carry traffic from outside to the app, as NetworkPolicy sources for SpinWorkload. Pure, so it
 * can be computed before the workload exists (the exposure itself needs the workload's Service).
 */
export function exposureIngressSources(
    mode: IngressMode,
    gatewayName: string,
    gatewayNamespace = defaultGatewayNamespace(gatewayName),
): IngressSource[] {
    switch (mode) {
        case "ingress":
            return [{ namespace: APP_ROUTING_NAMESPACE }];
        case "gateway":
            // The Gateway's proxy pods run in the Gateway's namespace.
            return [{ namespace: gatewayNamespace, podLabels: { [GATEWAY_NAME_LABEL]: gatewayName } }];
        case "none":
            return [];
    }
}

interface ResolvedExposure {
    host: string;
    tlsSecretName: string;
    servicePort: number;
    ingressClassName: string;
    gatewayClassName: string;
    gatewayName: string;
    gatewayNamespace: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Applies defaults and checks the arguments; throws one error listing every problem. */
export function resolveExposure(args: Omit<AppExposureArgs, "provider" | "namespace" | "serviceName">): ResolvedExposure {
    const r: ResolvedExposure = {
        host: args.host ?? "",
        tlsSecretName: args.tlsSecretName ?? "",
        servicePort: args.servicePort ?? 80,
        ingressClassName: args.ingressClassName ?? "webapprouting.kubernetes.azure.com",
        gatewayClassName: args.gatewayClassName ?? "approuting-istio",
        gatewayName: args.gatewayName ?? args.appName,
        gatewayNamespace: args.gatewayNamespace ?? defaultGatewayNamespace(args.gatewayName ?? args.appName),
    };
    const problems: string[] = [];
    const problem = (key: string, value: unknown, accepted: string) => problems.push(`${key} = ${JSON.stringify(value)}: ${accepted}`);
    if (!["ingress", "gateway", "none"].includes(args.mode)) problem("mode", args.mode, 'one of "ingress", "gateway", "none"');
    if (r.host !== "" && (r.host.length > 253 || !DNS_NAME.test(r.host))) problem("host", r.host, "a lower-case DNS name, or empty for any host");
    if (r.tlsSecretName !== "" && r.host === "") problem("tlsSecretName", r.tlsSecretName, "empty unless host is set (a certificate names a host)");
    if (r.tlsSecretName !== "" && args.mode === "none") problem("tlsSecretName", r.tlsSecretName, 'empty when mode is "none" (nothing terminates TLS)');
    if (!Number.isInteger(r.servicePort) || r.servicePort < 1 || r.servicePort > 65535) problem("servicePort", r.servicePort, "a port from 1 to 65535");
    if (args.mode === "gateway" && (r.gatewayName.length > 46 || !DNS_NAME.test(r.gatewayName))) {
        problem("gatewayName", r.gatewayName, 'a DNS name of at most 46 characters (Istio appends "-approuting-istio", 63 at most)');
    }
    if (args.mode === "gateway" && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(r.gatewayNamespace)) {
        problem("gatewayNamespace", r.gatewayNamespace, "a DNS-1123 label: 1-63 lower-case letters, digits or inner '-'");
    }
    if (problems.length > 0) {
        throw new Error(`Invalid AppExposure "${args.appName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    }
    return r;
}

/**
 * Gateway listeners: HTTP on 80 always; HTTPS on 443 terminating with the Secret (in the app namespace) when one
 * is given. Both admit routes from the app namespace only.
 */
export function gatewaySpec(r: Pick<ResolvedExposure, "gatewayClassName" | "host" | "tlsSecretName">, appNamespace: string): IGatewaySpec {
    const common = {
        ...(r.host ? { hostname: r.host } : {}),
        allowedRoutes: { namespaces: { from: "Selector" as const, selector: { matchLabels: { "kubernetes.io/metadata.name": appNamespace } } } },
    };
    return {
        gatewayClassName: r.gatewayClassName,
        listeners: [
            { name: "http", port: 80, protocol: "HTTP", ...common },
            ...(r.tlsSecretName
                ? [
                      {
                          name: "https",
                          port: 443,
                          protocol: "HTTPS",
                          ...common,
                          tls: { mode: "Terminate" as const, certificateRefs: [{ group: "", kind: "Secret", name: r.tlsSecretName, namespace: appNamespace }] },
                      },
                  ]
                : []),
        ],
    };
}

/**
 * Routes: the app route on the HTTP listener, or with TLS on the HTTPS listener plus a 301 redirect to HTTPS
 * on the HTTP listener.
 */
export function httpRouteSpecs(
    r: Pick<ResolvedExposure, "gatewayName" | "gatewayNamespace" | "host" | "tlsSecretName" | "servicePort">,
    serviceName: string,
): { app: IHTTPRouteSpec; redirect?: IHTTPRouteSpec } {
    const hostnames = r.host ? { hostnames: [r.host] } : {};
    const everything = [{ path: { type: "PathPrefix" as const, value: "/" } }];
    const app: IHTTPRouteSpec = {
        parentRefs: [{ name: r.gatewayName, namespace: r.gatewayNamespace, sectionName: r.tlsSecretName ? "https" : "http" }],
        ...hostnames,
        rules: [{ matches: everything, backendRefs: [{ name: serviceName, port: r.servicePort }] }],
    };
    if (!r.tlsSecretName) return { app };
    const redirect: IHTTPRouteSpec = {
        parentRefs: [{ name: r.gatewayName, namespace: r.gatewayNamespace, sectionName: "http" }],
        ...hostnames,
        rules: [{ matches: everything, filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
    };
    return { app, redirect };
}

/** Lets Gateways of the gateway namespace use the TLS Secret of the app namespace (and nothing else there). */
export function tlsReferenceGrantSpec(r: Pick<ResolvedExposure, "gatewayNamespace" | "tlsSecretName">): IReferenceGrantSpec {
    return {
        from: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: r.gatewayNamespace }],
        to: [{ group: "", kind: "Secret", name: r.tlsSecretName }],
    };
}

export class AppExposure extends pulumi.ComponentResource {
    readonly mode: IngressMode;
    /** Namespaces where the pods that forward traffic to the app run ([] for `none`). */
    readonly controllerNamespaces: pulumi.Output<string[]>;
    /** The same pods as NetworkPolicy sources (equal to `exposureIngressSources(mode, gatewayName)`). */
    readonly ingressSources: IngressSource[];
    /**
     * Load balancer IP or host name when Pulumi can know it: for `ingress` once the Ingress has an address
     * (Pulumi waits for it); undefined for `gateway` (Pulumi does not wait on Gateways; read
     * `.status.addresses[0].value` of the Gateway) and for `none`.
     */
    readonly publicAddress: pulumi.Output<string | undefined>;
    /** `http(s)://<host>` when a host is set, else `http://<publicAddress>` when known. */
    readonly publicUrl: pulumi.Output<string | undefined>;
    readonly gatewayName?: string;
    readonly gatewayNamespace?: string;

    constructor(name: string, args: AppExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AppExposure", name, {}, opts);
        const r = resolveExposure(args);
        const child = { parent: this, provider: args.provider };
        const labels = recommendedLabels({ name: args.appName, instance: args.appName, component: "exposure" });
        const metadata = { name: args.appName, namespace: args.namespace, labels };
        this.mode = args.mode;
        this.ingressSources = exposureIngressSources(args.mode, r.gatewayName, r.gatewayNamespace);
        let address: pulumi.Output<string | undefined> = pulumi.output(undefined);

        if (args.mode === "ingress") {
            const ingress = new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata,
                    spec: {
                        ingressClassName: r.ingressClassName,
                        rules: [
                            {
                                ...(r.host ? { host: r.host } : {}),
                                http: {
                                    paths: [
                                        { path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { number: r.servicePort } } } },
                                    ],
                                },
                            },
                        ],
                        ...(r.tlsSecretName ? { tls: [{ hosts: [r.host], secretName: r.tlsSecretName }] } : {}),
                    },
                },
                child,
            );
            address = ingress.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip ?? s?.loadBalancer?.ingress?.[0]?.hostname);
            this.controllerNamespaces = pulumi.output([APP_ROUTING_NAMESPACE]);
        } else if (args.mode === "gateway") {
            this.gatewayName = r.gatewayName;
            this.gatewayNamespace = r.gatewayNamespace;
            let gatewayNamespace: pulumi.Output<string> = pulumi.output(r.gatewayNamespace);
            if (args.createGatewayNamespace ?? true) {
                const gatewayNs = new k8s.core.v1.Namespace(
                    `${name}-gateway-ns`,
                    { metadata: { name: r.gatewayNamespace, labels: { ...labels, ...GATEWAY_POD_SECURITY_LABELS } } },
                    child,
                );
                gatewayNamespace = gatewayNs.metadata.name;
                // Egress of the gateway's proxy pods (TRUST-8): DNS, and pods in the cluster (the app's pods, istiod);
                // nothing outside it, never the metadata service.
                for (const [suffix, spec] of Object.entries({ "default-deny-egress": defaultDenyEgressSpec(), "in-cluster-egress": inClusterEgressSpec() })) {
                    new k8s.networking.v1.NetworkPolicy(
                        `${name}-gateway-${suffix}`,
                        { metadata: { name: suffix, namespace: gatewayNamespace, labels }, spec },
                        child,
                    );
                }
            }
            const gatewayV1 = "gateway.networking.k8s.io/v1";
            new k8s.apiextensions.CustomResource(
                `${name}-gateway`,
                {
                    apiVersion: gatewayV1,
                    kind: "Gateway",
                    metadata: { ...metadata, name: r.gatewayName, namespace: gatewayNamespace },
                    spec: pulumi.output(args.namespace).apply((ns) => gatewaySpec(r, ns)),
                },
                child,
            );
            const routes = pulumi.output(args.serviceName).apply((svc) => httpRouteSpecs(r, svc));
            new k8s.apiextensions.CustomResource(`${name}-route`, { apiVersion: gatewayV1, kind: "HTTPRoute", metadata, spec: routes.app }, child);
            if (r.tlsSecretName) {
                new k8s.apiextensions.CustomResource(
                    `${name}-redirect`,
                    { apiVersion: gatewayV1, kind: "HTTPRoute", metadata: { ...metadata, name: `${args.appName}-https-redirect` }, spec: routes.redirect },
                    child,
                );
                new k8s.apiextensions.CustomResource(
                    `${name}-tls-grant`,
                    {
                        // v1beta1: served by every standard-channel Gateway API release; v1 is recent.
                        apiVersion: "gateway.networking.k8s.io/v1beta1",
                        kind: "ReferenceGrant",
                        metadata: { ...metadata, name: `${args.appName}-gateway-tls` },
                        spec: tlsReferenceGrantSpec(r),
                    },
                    child,
                );
            }
            this.controllerNamespaces = gatewayNamespace.apply((ns) => [ns]);
        } else {
            this.controllerNamespaces = pulumi.output([]);
        }

        this.publicAddress = address;
        this.publicUrl = address.apply((a) => (r.host ? `${r.tlsSecretName ? "https" : "http"}://${r.host}` : a ? `http://${a}` : undefined));
        this.registerOutputs({
            mode: this.mode,
            controllerNamespaces: this.controllerNamespaces,
            publicAddress: this.publicAddress,
            publicUrl: this.publicUrl,
        });
    }
}
