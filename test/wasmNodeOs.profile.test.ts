/**
 * lib/azure/wasmNodeOs.ts: what each `wasmOsSku` means for the Wasm pool (the containerd line AgentBaker ships, who installs
 * the shim, whether the path is experimental; platform-contracts CD2-9, RCM-CD2), and that its warnings are about
 * SpinKube only.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WASM_OS_SKUS, wasmOsProfile, wasmOsWarnings } from "../lib/azure/wasmNodeOs";

describe("wasmOsSku profiles", () => {
    it("gives each image its containerd line and installer: 1.7 with runtime-class-manager, 2.3 and 2.2 with the project's installer", () => {
        assert.deepEqual(wasmOsProfile("Ubuntu2204"), { sku: "Ubuntu2204", containerd: "1.7", installer: "runtime-class-manager", experimental: false });
        assert.deepEqual(wasmOsProfile("Ubuntu"), { sku: "Ubuntu", containerd: "2.3", installer: "aks-wasm-daemonset", experimental: true });
        assert.deepEqual(wasmOsProfile("AzureLinux"), { sku: "AzureLinux", containerd: "2.2", installer: "aks-wasm-daemonset", experimental: true });
        for (const sku of WASM_OS_SKUS) assert.equal(wasmOsProfile(sku).sku, sku);
    });

    it("warns about no OS image when the Wasm runtime is not SpinKube", () => {
        for (const wasmOsSku of WASM_OS_SKUS) {
            for (const today of ["2026-12-03", "2027-06-30", "2028-01-01"]) {
                assert.deepEqual(wasmOsWarnings({ wasmRuntime: "wasmwasi", wasmOsSku }, today), [], `${wasmOsSku} on ${today}`);
            }
        }
    });
});
