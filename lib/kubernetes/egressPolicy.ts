/**
 * Egress NetworkPolicies: default-deny in every namespace the stack or an app team gets, opened for exactly what
 * each pod needs (platform-contracts TRUST-8, TRUST-9). Pure functions, so the specs are tested directly and
 * validated against the Kubernetes OpenAPI schemas.
 *
 * The cluster's policy engine is Cilium (components/platform/aksCluster.ts `networkPolicy: "cilium"`), which
 * enforces standard `networking.k8s.io/v1` NetworkPolicy. Host names (a Spin app's `allowed_outbound_hosts`) cannot
 * be matched by it: FQDN policies on AKS need Advanced Container Networking Services (CiliumNetworkPolicy
 * `toFQDNs`, a paid add-on this stack does not turn on). The trade-off chosen: an app that declares outbound hosts
 * may reach the internet on the declared ports only, never the cluster's own networks nor the Azure host endpoints
 * (IMDS, the WireServer); the host names themselves are enforced by Spin, which refuses any outbound request to a
 * host not in `allowed_outbound_hosts`. An app that declares none (hello-wasm) has no egress but DNS.
 */
import type * as k8s from "@pulumi/kubernetes";
import { parse as parseToml } from "smol-toml";

type Labels = Record<string, string>;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** Azure's instance metadata service: hands out the node's managed identity tokens (the kubelet identity). */
export const METADATA_SERVICE_CIDR = "169.254.169.254/32";
/** Azure's WireServer (host agent and platform DNS): nothing a workload pod needs. */
export const WIRESERVER_CIDR = "168.63.129.16/32";
/** Private and link-local ranges: the cluster's pods, Services and nodes, and the VNet. No internet host lives here. */
export const PRIVATE_CIDRS: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];
/** Never reachable from a workload pod through a stack policy. */
export const BLOCKED_FOR_WORKLOADS: readonly string[] = [METADATA_SERVICE_CIDR, WIRESERVER_CIDR, ...PRIVATE_CIDRS];

/** The cluster DNS (CoreDNS, `k8s-app: kube-dns` in kube-system): every pod resolves names through it. */
export const DNS_PEER: NetworkPolicyPeer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
export const DNS_PORTS: NetworkPolicyPort[] = [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
];

/**
 * Every pod of the namespace: egress denied except DNS. Selecting all pods with policyTypes [Egress] makes every
 * other destination depend on an allow rule of another policy (NetworkPolicies add up).
 */
export function defaultDenyEgressSpec(): NetworkPolicySpec {
    return { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [DNS_PEER], ports: DNS_PORTS }] };
}

/** Every pod of any namespace, any port, for every pod of this one (a gateway proxy forwarding to its backends and istiod). */
export function inClusterEgressSpec(): NetworkPolicySpec {
    return { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] };
}

/** The internet (anything but {@link BLOCKED_FOR_WORKLOADS}) on the given ports, for the selected pods. */
export function internetEgressSpec(selector: Labels, ports: OutboundPorts): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Egress"],
        egress: [
            {
                to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...BLOCKED_FOR_WORKLOADS] } }],
                ...(ports === "all" ? {} : { ports: ports.map((port) => ({ protocol: "TCP", port })) }),
            },
        ],
    };
}

/** Pods of the same namespace matching `to`, on the (named) port, for the selected pods. */
export function inNamespaceEgressSpec(selector: Labels, to: Labels, port: string | number): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: to } }], ports: [{ protocol: "TCP", port }] }],
    };
}

/**
 * The API server for the selected pods. On AKS the `kubernetes` Service's ClusterIP is translated to the managed
 * control plane's public address before policy applies, which is not known when the stack is rendered: the rule
 * allows TCP 443 to the internet (minus {@link BLOCKED_FOR_WORKLOADS}), which is how far a standard NetworkPolicy
 * reaches (Cilium's `kube-apiserver` entity would need a CiliumNetworkPolicy; TRUST-9).
 */
export function apiServerEgressSpec(selector: Labels): NetworkPolicySpec {
    return internetEgressSpec(selector, [443]);
}

/** The TCP ports an app's outbound hosts need: a list, or "all" when a host allows any port. */
export type OutboundPorts = number[] | "all";

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, redis: 6379, mysql: 3306, postgres: 5432, mqtt: 1883 };

/**
 * The ports of Spin `allowed_outbound_hosts` entries (`scheme://host[:port]`; `*` for any scheme, host or port;
 * `self` addresses the app itself). Returns the ports, and problems naming each entry it cannot read. `self`
 * needs no egress rule: Spin serves a request to the app itself in-process.
 */
export function outboundPorts(hosts: readonly string[]): { ports: OutboundPorts; problems: string[] } {
    const ports = new Set<number>();
    const problems: string[] = [];
    for (const entry of hosts) {
        const m = /^([a-z*][a-z0-9+.*-]*):\/\/([^/:]+)(?::([0-9]+|\*|[0-9]+\.\.[0-9]+))?\/?$/.exec(entry);
        if (!m) {
            problems.push(`allowed_outbound_hosts entry ${JSON.stringify(entry)} is not "scheme://host[:port]"`);
            continue;
        }
        const [, scheme, host, port] = m;
        if (host === "self" || host === "self.alt") continue;
        if (port === "*" || (port === undefined && scheme === "*")) return { ports: "all", problems };
        if (port !== undefined && port.includes("..")) {
            const [lo, hi] = port.split("..").map(Number);
            if (hi - lo > 64) return { ports: "all", problems };
            for (let p = lo; p <= hi; p++) ports.add(p);
        } else if (port !== undefined) {
            ports.add(Number(port));
        } else if (DEFAULT_PORTS[scheme] !== undefined) {
            ports.add(DEFAULT_PORTS[scheme]);
        } else {
            problems.push(`allowed_outbound_hosts entry ${JSON.stringify(entry)} names no port and scheme "${scheme}" has no known default`);
        }
    }
    return { ports: [...ports].sort((a, b) => a - b), problems };
}

/** Every `allowed_outbound_hosts` entry of every component of a spin.toml (manifest version 2). */
export function manifestOutboundHosts(spinToml: string): string[] {
    const manifest = parseToml(spinToml) as { component?: Record<string, { allowed_outbound_hosts?: unknown }> };
    return Object.values(manifest.component ?? {}).flatMap((c) =>
        Array.isArray(c.allowed_outbound_hosts) ? c.allowed_outbound_hosts.filter((h): h is string => typeof h === "string") : [],
    );
}

/** Whether `cidr` (IPv4) contains `ip`. */
export function cidrContains(cidr: string, ip: string): boolean {
    const [base, bits] = cidr.split("/");
    const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const size = Number(bits ?? 32);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(base) || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const mask = size === 0 ? 0 : 2 ** 32 - 2 ** (32 - size);
    const and = (n: number) => Number(BigInt(n) & BigInt(mask));
    return and(toInt(base)) === and(toInt(ip));
}

/**
 * Whether an egress rule set lets the selected pods reach `ip`: a rule without `to` reaches everything; an ipBlock
 * reaches its CIDR minus its exceptions. Pod and namespace selectors match pods only, never a host address.
 */
export function egressReaches(spec: { egress?: { to?: { ipBlock?: { cidr: string; except?: string[] } }[] }[] }, ip: string): boolean {
    return (spec.egress ?? []).some(
        (rule) =>
            rule.to === undefined ||
            rule.to.length === 0 ||
            rule.to.some((peer) => peer.ipBlock !== undefined && cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, ip))),
    );
}
