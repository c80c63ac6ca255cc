/** What a valid config is still warned about at evaluation time (dated support ahead, sizes AKS may refuse, ...). */
import { regionWarnings } from "../lib/azure/azureRegions";
import { parseVmSize } from "../lib/azure/azureVmSizes";
import { capacityPlan } from "../lib/azure/capacityPlan";
import { clusterAdminWarnings } from "../lib/azure/clusterAdmins";
import { judgeSupport, todayUtc } from "../lib/azure/datedSupport";
import { kubernetesVersionWarnings } from "../lib/azure/kubernetesVersions";
import { wasmOsWarnings } from "../lib/azure/wasmNodeOs";
import { exposureSupport, WASI_NODE_POOLS_SUPPORT } from "./datedSupports";
import type { StackConfig } from "./types";

/** Things that are valid but deserve a word at evaluation time, judged on `today` (default: the day of the run). */
export function configWarnings(c: StackConfig, options: { today?: string } = {}): string[] {
    const today = options.today ?? todayUtc();
    const warnings: string[] = [...kubernetesVersionWarnings(c, today), ...clusterAdminWarnings(c)];
    // The Ubuntu 22.04 bridge's end is warned 90 days ahead by wasmOsWarnings (moving a pool's OS takes planning),
    // which covers spinKubeWarnings' 30 days with the way out named.
    warnings.push(...wasmOsWarnings(c, today));
    if (c.wasmRuntime === "wasmwasi") {
        const wasi = judgeSupport(WASI_NODE_POOLS_SUPPORT, today);
        if (wasi.message) {
            warnings.push(
                `wasmRuntime=wasmwasi: ${wasi.message} AKS release v20250720 removed the feature with its WasmNodePoolPreview ` +
                    "flag; the flag's registration may or may not still succeed, but `pulumi up` fails when it creates the pool. " +
                    "Use wasmRuntime=spinkube (the default).",
            );
        }
    }
    const exposure = exposureSupport(c, today);
    if (exposure?.message && !exposure.refuse) {
        warnings.push(`ingressMode=ingress: ${exposure.message} ingress-nginx itself was retired in March 2026. Move to ingressMode=gateway.`);
    }
    if (c.wasmRuntime === "spinkube" && c.wasmNodeCount === 1) {
        warnings.push(
            // components/platform/spinKubeRuntime.ts shimReinstallScript; platform-contracts CONV-6.
            "wasmNodeCount=1: a shim reinstall (a new containerd-shim-spin version) deletes the Spin pods on the only Wasm " +
                "node instead of evicting them, so the apps are down for the few minutes it takes. Set wasmNodeCount to 2 to keep them up.",
        );
    }
    warnings.push(...regionWarnings(c.location, c.availabilityZones));
    const systemSize = parseVmSize(c.systemVmSize);
    if (systemSize && systemSize.vcpus < 4) {
        warnings.push(
            // platform-contracts VM-3
            `systemVmSize=${c.systemVmSize} has ${systemSize.vcpus} vCPUs: AKS's use-system-pools.md says system pools "require a ` +
                'VM SKU of at least 4 vCPUs" (quotas-skus-regions.md says 2; which one AKS enforces is unconfirmed). If ' +
                "`pulumi up` is refused at the cluster, choose a 4-vCPU size such as Standard_D4s_v5.",
        );
    }
    if (c.systemNodeCount < 2) {
        warnings.push(
            // platform-contracts CFG-4
            "systemNodeCount=1: AKS documents that a system pool should have at least two nodes (three for production; " +
                "use-system-pools.md); with one node, an upgrade or a node failure takes DNS and ingress down.",
        );
    }
    warnings.push(...capacityPlan(c).warnings);
    return warnings;
}
