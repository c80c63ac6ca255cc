/**
 * Kubernetes quantities as apimachinery reads them (platform-contracts CFG-1, MUT-1): the capacity plan adds up
 * requests with these numbers and config refuses what the API server would refuse.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCpu, formatMemory, parseQuantity } from "../lib/kubernetes/kubernetesQuantity";

describe("parseQuantity", () => {
    it("reads every suffix of apimachinery's tables as its factor", () => {
        const cases: [string, number][] = [
            ["1Ki", 2 ** 10], ["1Mi", 2 ** 20], ["1Gi", 2 ** 30], ["1Ti", 2 ** 40], ["1Pi", 2 ** 50], ["1Ei", 2 ** 60],
            ["1n", 1e-9], ["1u", 1e-6], ["1m", 1e-3], ["1", 1], ["1k", 1e3], ["1M", 1e6], ["1G", 1e9], ["1T", 1e12],
            ["1P", 1e15], ["1E", 1e18],
        ];
        for (const [q, want] of cases) assert.equal(parseQuantity(q), want, q);
    });

    it("reads E and Ei as suffixes (exa, exbi), not as an exponent (MUT-1: suffix.go looks the tables up first)", () => {
        assert.equal(parseQuantity("1E"), 1e18);
        assert.equal(parseQuantity("2Ei"), 2 * 2 ** 60);
        assert.equal(parseQuantity("1.5E"), 1.5e18);
    });

    it("reads e/E followed by a signed integer as a power of ten", () => {
        assert.equal(parseQuantity("1e3"), 1000);
        assert.equal(parseQuantity("1E3"), 1000);
        assert.equal(parseQuantity("5e-1"), 0.5);
        assert.equal(parseQuantity("2e+2"), 200);
        assert.equal(parseQuantity("12E0"), 12);
        assert.equal(parseQuantity("1e12"), 1e12, "a multi-digit exponent");
    });

    it("takes the number forms d, d.d, d. and .d, with a sign", () => {
        assert.equal(parseQuantity("1.5Gi"), 1.5 * 2 ** 30);
        assert.equal(parseQuantity("2."), 2);
        assert.equal(parseQuantity(".5"), 0.5);
        assert.equal(parseQuantity(".25"), 0.25);
        assert.equal(parseQuantity("12.5Mi"), 12.5 * 2 ** 20);
        assert.equal(parseQuantity("+3m"), 0.003);
        assert.equal(parseQuantity("-3m"), -0.003);
        assert.equal(parseQuantity("-1Ki"), -1024);
        assert.equal(parseQuantity("0"), 0);
    });

    it("refuses what apimachinery refuses: NaN, never a number", () => {
        for (const bad of ["", " 1", "1 ", "1 Gi", "Gi", "1Y", "1Z", "1da", "1K", "1ki", "1MB", "1e", "1e+", "1e1.5", "1Eii", "1.2.3", "0x10", "--1", "1-"]) {
            assert.ok(Number.isNaN(parseQuantity(bad)), JSON.stringify(bad));
        }
    });
});

describe("formatCpu and formatMemory", () => {
    it("write millicores and MiB, rounded to the nearest", () => {
        assert.equal(formatCpu(1.9), "1900m");
        assert.equal(formatCpu(0.0004), "0m");
        assert.equal(formatCpu(0.0005), "1m");
        assert.equal(formatMemory(5894 * 2 ** 20), "5894Mi");
        assert.equal(formatMemory(1.4 * 2 ** 20), "1Mi");
        assert.equal(formatMemory(1.5 * 2 ** 20), "2Mi");
    });
});
