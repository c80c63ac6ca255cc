// STAND-IN for az (aks-wasm fault-injection tests), not the Azure CLI and not Azure. It plays the few calls the
// AppRoutingGatewayApi scripts make against a JSON file ($STANDIN_STATE/azure.json), the way az reports them: a
// managed cluster's gateway settings and provisioningState, an `--no-wait` update that AKS finishes after
// `updatePolls` reads of the cluster, a missing cluster (ResourceNotFound) and a logged-out az.
//
// azure.json: { loggedIn, cluster: null | { installation, istio, provisioningState, polls }, updatePolls, failUpdateWith,
//   showError }
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const file = path.join(process.env.STANDIN_STATE, "azure.json");
const a = JSON.parse(fs.readFileSync(file, "utf8"));
const save = () => fs.writeFileSync(file, JSON.stringify(a, null, 1));
const args = process.argv.slice(2);
const line = args.join(" ");
const has = (...words) => words.every((w) => args.includes(w));
const fail = (code, message) => {
    process.stderr.write(`${message}\n`);
    process.exit(code);
};

if (has("version")) {
    process.stdout.write("2.86.1\n");
    process.exit(0);
}
if (has("--help")) {
    process.stdout.write("Arguments\n    --yes -y : Do not prompt for confirmation.\n");
    process.exit(0);
}
if (!a.loggedIn) fail(1, "ERROR: Please run 'az login' to setup account.");
const c = a.cluster;
if (!c) fail(3, "ERROR: (ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/aks' under resource group 'rg' was not found.");
if (has("aks", "show")) {
    if (a.showError) fail(1, a.showError);
    if (c.provisioningState === "Updating") {
        c.polls = (c.polls ?? 0) + 1;
        if (c.polls >= a.updatePolls) {
            c.provisioningState = a.failUpdateWith ?? "Succeeded";
            if (!a.failUpdateWith) Object.assign(c, { installation: "Standard", istio: "Enabled" });
            c.polls = 0;
        }
        save();
    }
    const query = args[args.indexOf("--query") + 1];
    if (query === "provisioningState") process.stdout.write(`${c.provisioningState}\n`);
    else if (query.endsWith("appRoutingIstio.mode")) process.stdout.write(`${c.istio ?? ""}\n`);
    else process.stdout.write(`${c.installation ?? ""}\t${c.istio ?? ""}\n`);
} else if (has("aks", "update")) {
    if (c.provisioningState === "Updating") fail(1, "ERROR: (OperationNotAllowed) Operation is not allowed because there's an in progress update managed cluster operation on the managed cluster.");
    c.provisioningState = "Updating";
    c.polls = 0;
    save();
} else if (has("aks", "approuting", "gateway", "istio", "disable")) {
    c.istio = "Disabled";
    save();
} else {
    fail(2, `stand-in az: unsupported call: ${line}`);
}
