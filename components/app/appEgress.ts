/**
 * The egress fence of an app's namespace (platform-contracts TRUST-8, TRUST-9): default-deny for every pod but DNS,
 * then exactly what each pod needs:
 * - the Spin app's pods: the ports of its `allowed_outbound_hosts` on the internet (none when it declares none), never
 *   the cluster's networks, the metadata service or the WireServer (lib/kubernetes/egressPolicy.ts says why host names are
 *   left to Spin itself);
 * - the load test's pods: the app's and the baseline's pods in this namespace, on the app port;
 * - the measurement's pods (they hold a namespace-scoped API token): the API server (TCP 443) and the twins' app port.
 * The container baseline and the twins get nothing beyond DNS. Only what the stack runs here is opened: an app team
 * adds its own policies for its own pods, and the cluster's admission policy refuses any that opens the metadata
 * service (components/platform/clusterGuardRails.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    apiServerEgressSpec,
    defaultDenyEgressSpec,
    inNamespaceEgressSpec,
    internetEgressSpec,
    type OutboundPorts,
} from "../../lib/kubernetes/egressPolicy";
import { APP_PORT_NAME } from "../../lib/kubernetes/workloadDefaults";

type Labels = Record<string, string>;

export interface AppEgressArgs {
    /** The app's name: names the policies. */
    appName: string;
    /** The app's namespace. */
    namespace: pulumi.Input<string>;
    /** Labels of the Spin app's pods. */
    appSelector: Labels;
    /**
     * Ports of the app's declared outbound hosts (lib/kubernetes/egressPolicy.ts `outboundPorts` of its spin.toml).
     * @default [] (no egress but DNS)
     */
    outboundPorts?: OutboundPorts;
    /** Labels of the load test's pods: opens their path to the app's pods. @default none (no load test) */
    loadTestPods?: Labels;
    /** Labels of the measurement's pods: opens their paths (API server, twins). @default none (no measurement) */
    measurePods?: Labels;
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** Labels on every policy. @default {} */
    labels?: Labels;
}

/** The policies of an app namespace, by name suffix: pure, so tests and the policy pack read them directly. */
export function appEgressSpecs(args: Pick<AppEgressArgs, "appSelector" | "outboundPorts" | "loadTestPods" | "measurePods">): Record<string, k8s.types.input.networking.v1.NetworkPolicySpec> {
    const specs: Record<string, k8s.types.input.networking.v1.NetworkPolicySpec> = { "default-deny-egress": defaultDenyEgressSpec() };
    const ports = args.outboundPorts ?? [];
    if (ports === "all" || ports.length > 0) specs["outbound-hosts"] = internetEgressSpec(args.appSelector, ports);
    // Every pod the load test or the measurement calls serves on the app's named port (Spin app, baseline, twins).
    const anyAppPod = { "app.kubernetes.io/managed-by": "pulumi" };
    if (args.loadTestPods) specs["loadtest-egress"] = inNamespaceEgressSpec(args.loadTestPods, anyAppPod, APP_PORT_NAME);
    if (args.measurePods) {
        specs["measure-api-server"] = apiServerEgressSpec(args.measurePods);
        specs["measure-egress"] = inNamespaceEgressSpec(args.measurePods, anyAppPod, APP_PORT_NAME);
    }
    return specs;
}

export class AppEgress extends pulumi.ComponentResource {
    constructor(name: string, args: AppEgressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:AppEgress", name, {}, opts);
        for (const [suffix, spec] of Object.entries(appEgressSpecs(args))) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${suffix}`,
                { metadata: { name: `${args.appName}-${suffix}`, namespace: args.namespace, labels: args.labels ?? {} }, spec },
                { parent: this, provider: args.provider },
            );
        }
        this.registerOutputs({});
    }
}
