/**
 * Prints the kubectl release CI installs for a stack (`v1.<minor>.0`): the Kubernetes minor the stack's cluster
 * runs, from its config (lib/azure/kubernetesVersions.ts kubectlVersion; kubectl is supported within one minor of the API
 * server). Used by .github/workflows/deploy.yml before Azure/setup-kubectl.
 *
 * Usage: npx tsx scripts/kubectl-version.ts <stack>
 */
import * as path from "node:path";
import { parseStackConfig } from "../config";
import { kubectlVersionFor } from "../lib/azure/kubernetesVersions";
import { readStackConfig } from "../lib/offline/offline";
import { clusterCreationVersion } from "../lib/azure/wasmNodeOs";

const stack = process.argv[2];
if (!stack) {
    process.stderr.write("usage: tsx scripts/kubectl-version.ts <stack>\n");
    process.exit(2);
}
const root = path.join(__dirname, "..");
// The version Platform creates the cluster with (lib/azure/wasmNodeOs.ts clusterCreationVersion), on either Wasm pool path.
process.stdout.write(`${kubectlVersionFor(clusterCreationVersion(parseStackConfig(readStackConfig(root, stack))))}\n`);
