/**
 * A STAND-IN for the Kubernetes API server's Node endpoints (node:http on 127.0.0.1), enough for the real kubectl to
 * run the shim command's reads and record-keeping: discovery, `get`/`list` of Nodes (label selectors `k`, `k=v`,
 * comma-joined), and patches of their labels, annotations and `spec.unschedulable` (what `kubectl label`,
 * `annotate`, `cordon` and `uncordon` send). It is not Kubernetes: no drain or Jobs; a test that needs those uses
 * the stand-in kubectl.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInNode {
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: { unschedulable?: boolean };
}

export async function nodeApiStandIn(nodes: StandInNode[]): Promise<{ url: string; nodes: StandInNode[]; requests: string[]; close(): Promise<void> }> {
    const requests: string[] = [];
    const asJson = (n: StandInNode) => ({ apiVersion: "v1", kind: "Node", ...n, metadata: { ...n.metadata, resourceVersion: "1" } });
    const matches = (n: StandInNode, selector: string) =>
        selector.split(",").every((term) => {
            const [k, v] = term.split("=");
            return v === undefined ? k in n.metadata.labels : n.metadata.labels[k] === v;
        });
    const server: Server = createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://stand-in");
            requests.push(`${req.method} ${url.pathname}${url.search}${body ? ` ${body}` : ""}`);
            const send = (o: unknown, code = 200) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify(o));
            };
            const byName = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
            const node = byName ? nodes.find((n) => n.metadata.name === byName[1]) : undefined;
            if (url.pathname === "/api") return send({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
            if (url.pathname === "/apis") return send({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
            if (url.pathname === "/api/v1") {
                return send({ kind: "APIResourceList", groupVersion: "v1", resources: [{ name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs: ["get", "list", "patch"] }] });
            }
            if (url.pathname === "/api/v1/nodes" && req.method === "GET") {
                const selector = url.searchParams.get("labelSelector") ?? "";
                return send({ kind: "NodeList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: nodes.filter((n) => !selector || matches(n, selector)).map(asJson) });
            }
            if (node && req.method === "GET") return send(asJson(node));
            if (node && req.method === "PATCH") {
                const patch = JSON.parse(body) as {
                    metadata?: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };
                    spec?: { unschedulable?: boolean | null };
                };
                if (patch.spec && "unschedulable" in patch.spec) node.spec.unschedulable = patch.spec.unschedulable === true;
                for (const [bag, changes] of [[node.metadata.labels, patch.metadata?.labels], [node.metadata.annotations, patch.metadata?.annotations]] as const) {
                    for (const [k, v] of Object.entries(changes ?? {})) {
                        if (v === null) delete bag[k];
                        else bag[k] = v;
                    }
                }
                return send(asJson(node));
            }
            send({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }, 404);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, nodes, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
