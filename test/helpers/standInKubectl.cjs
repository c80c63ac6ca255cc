// STAND-IN for kubectl (aks-wasm fault-injection tests), not the real tool and not a cluster. It plays the few calls
// the shim reinstall script makes against a JSON file ($STANDIN_STATE/cluster.json), and plays runtime-class-manager
// (RCM): a node whose `<shim>` label was removed is labelled `provisioned` again after `rcmPolls` reads of that label,
// and then runs the shim the Shim resource asks for (`cluster.shim`). Evictions follow the Spin workload's
// PodDisruptionBudget (maxUnavailable 1): a drain by eviction succeeds only when the pods have somewhere to go.
//
// cluster.json: { shim, shimLabel, rcmPolls, rcmNever, failOnce: ["drain n1"], nodes: { name: { labels, annotations,
//   unschedulable, pods, installed, polls } }, jobs: [] }
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const file = path.join(process.env.STANDIN_STATE, "cluster.json");
const c = JSON.parse(fs.readFileSync(file, "utf8"));
const save = () => fs.writeFileSync(file, JSON.stringify(c, null, 1));
const argv = process.argv.slice(2);
const args = [];
let kubeconfig;
for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--kubeconfig") kubeconfig = argv[++i];
    else if (argv[i].startsWith("--request-timeout=")) continue;
    else args.push(argv[i]);
}
// Every call must get a readable kubeconfig file (the script's private copy of stdin).
if (!kubeconfig || !fs.readFileSync(kubeconfig, "utf8").includes("kind: Config")) {
    process.stderr.write("stand-in kubectl: no kubeconfig\n");
    process.exit(1);
}
const line = args.join(" ");
const failIndex = (c.failOnce ?? []).findIndex((f) => line.startsWith(f));
if (failIndex >= 0) {
    c.failOnce.splice(failIndex, 1);
    save();
    process.stderr.write(`stand-in kubectl: injected failure of "${line}"\n`);
    process.exit(1);
}
const node = (name) => {
    const n = c.nodes[name];
    if (!n) {
        process.stderr.write(`Error from server (NotFound): nodes "${name}" not found\n`);
        process.exit(1);
    }
    return n;
};
const matches = (n, selector) =>
    selector.split(",").every((term) => {
        const [k, v] = term.split("=");
        return v === undefined ? k in n.labels : n.labels[k] === v;
    });
const pool = (n) => n.labels["aks-wasm/pool"] === "wasm";
const out = (s) => process.stdout.write(s);

const [verb, ...rest] = args;
if (verb === "get" && rest[0] === "nodes") {
    const selector = rest[rest.indexOf("--selector") + 1];
    out(Object.entries(c.nodes).filter(([, n]) => matches(n, selector)).map(([name]) => `${name}\n`).join(""));
} else if (verb === "get" && rest[0] === "node") {
    const n = node(rest[1]);
    const jsonpath = rest[rest.indexOf("--output") + 1].replace(/^jsonpath=\{|\}$/g, "");
    if (jsonpath === `.metadata.labels.${c.shimLabel}` && !(c.shimLabel in n.labels) && !c.rcmNever) {
        // RCM's node watch: after a few reads, the installer has run the current Shim on the node.
        n.polls = (n.polls ?? 0) + 1;
        if (n.polls >= c.rcmPolls) {
            n.labels[c.shimLabel] = "provisioned";
            n.installed = c.shim;
            n.polls = 0;
        }
        save();
    }
    const [, kind, ...key] = jsonpath.split(".");
    const value = kind === "spec" ? (n.unschedulable ? "true" : "") : (kind === "metadata" ? n[key[0]][key.slice(1).join(".")] : undefined);
    out(value ?? "");
} else if (verb === "cordon" || verb === "uncordon") {
    node(rest[0]).unschedulable = verb === "cordon";
    save();
} else if (verb === "drain") {
    const n = node(rest[0]);
    const elsewhere = Object.values(c.nodes).filter((o) => o !== n && pool(o) && !o.unschedulable);
    if (!rest.includes("--disable-eviction") && n.pods > 1 && elsewhere.length === 0) {
        process.stderr.write(`error when evicting pods: Cannot evict pod as it would violate the pod's disruption budget.\n`);
        process.exit(1);
    }
    if (elsewhere.length > 0) elsewhere[0].pods += n.pods;
    n.pods = 0;
    save();
} else if (verb === "label" || verb === "annotate") {
    const n = node(rest[1]);
    const bag = verb === "label" ? n.labels : n.annotations;
    const change = rest[2];
    if (change.endsWith("-")) delete bag[change.slice(0, -1)];
    else {
        const [k, v] = change.split("=");
        bag[k] = v;
    }
    save();
} else if (verb === "--namespace" && rest[1] === "delete" && rest[2] === "job") {
    c.jobs = (c.jobs ?? []).filter((j) => j !== rest[3]);
    save();
} else {
    process.stderr.write(`stand-in kubectl: unsupported call: ${line}\n`);
    process.exit(2);
}
