/**
 * lib/azure/azureVmSizes.ts: what the stack reads out of a VM size name (platform-contracts VM-1, VM-2, VM-3), and what it
 * leaves unknown rather than guess. test/capacityPlan.test.ts reads the common sizes; this file pins the grammar's
 * edges and the memory table's limits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseVmSize, vmSizeProblems } from "../lib/azure/azureVmSizes";

describe("parseVmSize", () => {
    it("reads only a whole name", () => {
        for (const bad of ["xStandard_D2s_v5", "Standard_D2s_v5x", "Standard_D2s_v5 ", "Standard_D2s_v"]) assert.equal(parseVmSize(bad), undefined, bad);
    });

    it("reads multi-digit constrained vCPUs and versions", () => {
        assert.equal(parseVmSize("Standard_M64-32ms")?.vcpus, 32);
        assert.equal(parseVmSize("Standard_D2s_v10")?.version, 10);
        assert.equal(parseVmSize("Standard_D2s")?.version, 1, "no version: 1");
    });

    it("knows memory only where its table holds the series and version", () => {
        assert.equal(parseVmSize("Standard_D2_v2")?.memoryGiB, undefined, "D v2 sizes have 7 GiB per 2 vCPUs, not the v3+ ratio");
        assert.equal(parseVmSize("Standard_D2_v3")?.memoryGiB, 8);
        assert.equal(parseVmSize("Standard_D2ls_v4")?.memoryGiB, undefined, "the low-memory row holds from v5");
        assert.equal(parseVmSize("Standard_F2s_v2")?.memoryGiB, 4);
        for (const name of ["Standard_D4ms_v5", "Standard_E4ts_v5", "Standard_E4mts_v5"]) assert.equal(parseVmSize(name)?.memoryGiB, undefined, `${name}: memory variants the table does not hold`);
        assert.equal(parseVmSize("Standard_E4ds_v5")?.memoryGiB, 32, "d adds a disk, not memory");
    });
});

describe("vmSizeProblems", () => {
    const any = { archs: ["amd64", "arm64"] as const, archReason: "" };

    it("leaves memory unchecked when it is unknown, and checks the vCPUs all the same", () => {
        const unknown = parseVmSize("Standard_DS2_v2")!;
        assert.deepEqual(vmSizeProblems(unknown, { mode: "system", ...any }), []);
        assert.equal(vmSizeProblems({ ...unknown, vcpus: 1 }, { mode: "user", ...any }).length, 1);
    });

    it("takes 2 GiB on a user pool and 4 GiB on a system pool, at the edge", () => {
        const at = (memoryGiB: number) => ({ ...parseVmSize("Standard_D2s_v5")!, memoryGiB });
        assert.deepEqual(vmSizeProblems(at(2), { mode: "user", ...any }), []);
        assert.equal(vmSizeProblems(at(1), { mode: "user", ...any }).length, 1);
        assert.deepEqual(vmSizeProblems(at(4), { mode: "system", ...any }), []);
        assert.equal(vmSizeProblems(at(3), { mode: "system", ...any }).length, 1);
    });

    it("says why an architecture is needed and what the size is", () => {
        const [p] = vmSizeProblems(parseVmSize("Standard_D2ps_v5")!, { mode: "user", archs: ["amd64"], archReason: "amd64 images" });
        assert.match(p, /\(amd64 images\)/);
        assert.match(p, /Standard_D2ps_v5 is arm64/);
    });
});
