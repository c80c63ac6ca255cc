/**
 * `wasmOsSku`: the Wasm pool's OS image, its installer, and the dated and version rules (lib/azure/wasmNodeOs.ts), as
 * `parseStackConfig` applies them, with the day injected (OS-2, CD2-9).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configWarnings, parseStackConfig, StackConfigError, type RawConfig } from "../config";
import { communityMinors, kubectlVersionFor, SPINKUBE_MAX_MINOR } from "../lib/azure/kubernetesVersions";
import { clusterCreationVersion, limitedByUbuntu2204, usesShimInstaller, wasmOsProfile, wasmOsProblems, wasmOsWarnings, UBUNTU_2204_RETIREMENT } from "../lib/azure/wasmNodeOs";

const TODAY = "2026-12-03";
const parse = (raw: RawConfig, today = TODAY) => parseStackConfig(raw, { today, appManifestExists: () => true });
function problems(raw: RawConfig, today = TODAY): { key: string; value: string; accepted: string }[] {
    try {
        parse(raw, today);
        return [];
    } catch (e) {
        if (e instanceof StackConfigError) return e.problems;
        throw e;
    }
}

describe("wasmOsSku", () => {
    it("defaults to Ubuntu2204 with runtime-class-manager (the proven path) and accepts AKS's containerd-2 images", () => {
        assert.equal(parse({}).wasmOsSku, "Ubuntu2204");
        assert.equal(wasmOsProfile("Ubuntu2204").installer, "runtime-class-manager");
        for (const sku of ["Ubuntu", "AzureLinux"] as const) {
            assert.equal(parse({ wasmOsSku: sku }).wasmOsSku, sku);
            assert.deepEqual([wasmOsProfile(sku).installer, wasmOsProfile(sku).experimental], ["aks-wasm-daemonset", true]);
        }
    });

    it("refuses another value, naming the key, the value and what is accepted", () => {
        assert.deepEqual(problems({ wasmOsSku: "Ubuntu2404" }), [{ key: "wasmOsSku", value: "Ubuntu2404", accepted: 'one of "Ubuntu2204", "Ubuntu", "AzureLinux"' }]);
    });

    it("accepts Kubernetes 1.37, and long-term support past 1.32, with SpinKube on containerd 2", () => {
        for (const sku of ["Ubuntu", "AzureLinux"]) {
            assert.equal(parse({ wasmOsSku: sku, kubernetesVersion: "1.37" }).kubernetesVersion, "1.37");
            assert.equal(parse({ wasmOsSku: sku, kubernetesVersion: "1.33", clusterTier: "Premium" }).kubernetesVersion, "1.33");
        }
    });

    it("keeps Ubuntu 22.04's limits on Ubuntu2204: 1.36 and 1.37 refused with the reason and the way out", () => {
        const p = problems({ kubernetesVersion: "1.37" });
        assert.equal(p.length, 1);
        assert.equal(p[0].key, "kubernetesVersion");
        assert.match(p[0].accepted, /at most 1\.35/);
        assert.match(p[0].accepted, /or set wasmOsSku to "Ubuntu" or "AzureLinux"/, "names the way out");
    });

    it("keeps Ubuntu2204 as the bridge until its retirement, judged against the day of the run", () => {
        assert.deepEqual(problems({}, TODAY), []);
        // On its last day the OS itself is still accepted (by then no minor <= 1.35 may be left in AKS's community
        // support, which kubernetesVersion reports on its own key).
        assert.ok(!problems({}, UBUNTU_2204_RETIREMENT).some((p) => p.key === "wasmOsSku"));
        const after = problems({}, "2027-07-01");
        assert.equal(after.length, 1);
        assert.deepEqual([after[0].key, after[0].value], ["wasmOsSku", "Ubuntu2204"]);
        assert.match(after[0].accepted, /"Ubuntu" or "AzureLinux": AKS supported Ubuntu 22.04 node images until 2027-06-30 \(today is 2027-07-01\)/);
        assert.deepEqual(problems({ wasmOsSku: "AzureLinux" }, "2027-07-01"), []);
        assert.deepEqual(problems({ wasmRuntime: "wasmwasi" }, "2027-07-01"), [], "the WasmWasi pool never runs Ubuntu2204");
    });

    it("warns 90 days before Ubuntu 22.04's retirement, and about the experimental path", () => {
        const c = parse({});
        assert.deepEqual(wasmOsWarnings(c, "2027-03-31"), []);
        assert.match(wasmOsWarnings(c, "2027-04-01")[0], /until 2027-06-30/);
        assert.match(wasmOsWarnings(parse({ wasmOsSku: "Ubuntu" }), TODAY)[0], /wasmOsSku=Ubuntu is experimental/);
        assert.ok(configWarnings(parse({ wasmOsSku: "AzureLinux" })).some((w) => /experimental/.test(w)));
    });

    it("caps and pins the cluster's minor only for an Ubuntu 22.04 SpinKube pool", () => {
        assert.equal(limitedByUbuntu2204(parse({})), true);
        assert.equal(limitedByUbuntu2204(parse({ wasmOsSku: "Ubuntu" })), false);
        assert.equal(limitedByUbuntu2204(parse({ wasmRuntime: "wasmwasi" })), false);
        assert.deepEqual(wasmOsProblems({ ...parse({ wasmOsSku: "AzureLinux" }), kubernetesVersion: "1.37" }, TODAY), []);
    });
});

describe("what the Wasm pool's OS decides for the cluster", () => {
    const c = (over: Partial<{ kubernetesVersion: string; wasmRuntime: string; wasmOsSku: "Ubuntu2204" | "Ubuntu" | "AzureLinux" }>) => ({
        clusterTier: "Standard",
        wasmRuntime: "spinkube",
        wasmOsSku: "Ubuntu2204" as const,
        ...over,
    });
    it("creates the cluster below AKS's default only for an Ubuntu 22.04 SpinKube pool; CI's kubectl follows it", () => {
        assert.equal(clusterCreationVersion(c({}), TODAY), `1.${SPINKUBE_MAX_MINOR}`);
        assert.equal(clusterCreationVersion(c({ wasmOsSku: "AzureLinux", kubernetesVersion: "1.37" }), TODAY), "1.37");
        assert.equal(clusterCreationVersion(c({ wasmOsSku: "Ubuntu" }), TODAY), undefined, "AKS's default");
        assert.equal(kubectlVersionFor(clusterCreationVersion(c({ wasmOsSku: "AzureLinux", kubernetesVersion: "1.37.2" }), TODAY), TODAY), "v1.37.0");
        assert.equal(kubectlVersionFor(undefined, TODAY), `v1.${Math.max(...communityMinors(TODAY))}.0`);
    });
    it("uses the project's installer exactly for SpinKube on a containerd-2 image", () => {
        assert.equal(usesShimInstaller(c({})), false);
        assert.equal(usesShimInstaller(c({ wasmOsSku: "Ubuntu" })), true);
        assert.equal(usesShimInstaller(c({ wasmOsSku: "AzureLinux" })), true);
        assert.equal(usesShimInstaller(c({ wasmOsSku: "AzureLinux", wasmRuntime: "wasmwasi" })), false);
    });
});
