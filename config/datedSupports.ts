/**
 * The dated support of what a config key chooses outside the AKS calendar (the app routing add-on's NGINX, WASI
 * node pools), judged like every dated support (lib/azure/datedSupport.ts).
 */
import { judgeSupport, type DatedSupport } from "../lib/azure/datedSupport";
import type { StackConfig } from "./types";

/**
 * The app routing add-on's managed NGINX (`ingressMode: ingress` on its own IngressClass): Azure supports it through
 * November 2026; the Gateway API implementation `approuting-istio` is the migration path (platform-contracts
 * CONV-5). Past its end it is still accepted, with a warning: the add-on keeps running on an existing cluster, and
 * moving a stack to `gateway` replaces its Ingress objects and its load balancer address, a change its owners make
 * on purpose (docs/operations.md). The issue keeps `ingress` as an explicit opt-in with the warning.
 */
export const APP_ROUTING_NGINX_SUPPORT: DatedSupport = {
    subject: "the AKS application routing add-on's managed NGINX (ingressMode=ingress)",
    lastDay: "2026-11-30",
    source: "learn.microsoft.com/azure/aks/app-routing-gateway-api; AKS blog 2026-03-18",
    readOn: "2026-12-03",
    afterEnd: "warn",
    warnOnlyBecause:
        "the add-on keeps running on an existing cluster, and moving to ingressMode=gateway (the default) changes the app's address, " +
        "so it is the stack owner's explicit choice; plan the move",
};

/**
 * AKS's WASI node pools (`wasmRuntime: wasmwasi`): Azure refuses new WasmWasi pools since 2025-05-05 (Azure/AKS#4770).
 * Judged like every dated support; past its end only warned about, since an existing stack's pool is still described
 * by this key until its owners move it to spinkube, and a new one fails at `pulumi up` when Azure refuses the pool.
 */
export const WASI_NODE_POOLS_SUPPORT: DatedSupport = {
    subject: "AKS WASI node pools (wasmRuntime=wasmwasi)",
    lastDay: "2025-05-04",
    source: "Azure/AKS#4770; AKS release v20250720",
    readOn: "2026-11-26",
    afterEnd: "warn",
    warnOnlyBecause: "an existing stack's WasmWasi pool is still described by this key until it moves to spinkube; Azure refuses to create a new one",
};

/** How the exposure mode stands on `today`: only the add-on's NGINX class is dated (another class is the user's). */
export function exposureSupport(c: Pick<StackConfig, "ingressMode" | "ingressClassName">, today: string) {
    if (c.ingressMode !== "ingress" || c.ingressClassName !== "webapprouting.kubernetes.azure.com") return undefined;
    return judgeSupport(APP_ROUTING_NGINX_SUPPORT, today);
}
