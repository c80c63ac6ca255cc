/**
 * Prints the kubectl release CI installs for a stack (`v1.<minor>.0`): the Kubernetes minor the stack's cluster
 * runs, from its config (lib/kubernetesVersions.ts kubectlVersion; kubectl is supported within one minor of the API
 * server). Used by .github/workflows/deploy.yml before Azure/setup-kubectl.
 *
 * Usage: npx tsx scripts/kubectl-version.ts <stack>
 */
import * as path from "node:path";
import { parseStackConfig } from "../config";
import { kubectlVersion } from "../lib/kubernetesVersions";
import { readStackConfig } from "../lib/offline";
import { limitedByUbuntu2204 } from "../lib/wasmNodeOs";

const stack = process.argv[2];
if (!stack) {
    process.stderr.write("usage: tsx scripts/kubectl-version.ts <stack>\n");
    process.exit(2);
}
const root = path.join(__dirname, "..");
const config = parseStackConfig(readStackConfig(root, stack));
// Only a SpinKube pool on Ubuntu 22.04 holds the cluster below AKS's default minor (platform.ts sends the same version).
process.stdout.write(`${kubectlVersion(limitedByUbuntu2204(config) ? config : { ...config, wasmRuntime: "unconstrained" })}\n`);
