/**
 * lib/kubernetesVersions.ts: the version and date rules, derived from AKS's calendar table (platform-contracts
 * AKS-1, AKS-2, OS-2). Every expectation is computed from the table's own rows, so the table can be updated to a new
 * calendar without touching these tests; what they pin is the rules: boundaries are inclusive last days, LTS needs
 * Premium, the warning comes 30 days ahead, SpinKube's Wasm pool caps the minor.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    AKS_MINORS,
    AKS_VERSIONS_READ_ON,
    COMMUNITY_MINORS,
    creationKubernetesVersion,
    KUBERNETES_MINORS,
    KUBERNETES_VERSION_ACCEPTED,
    kubernetesVersionTierProblems,
    kubernetesVersionWarnings,
    LTS_ONLY_MINORS,
    minorOf,
    parseKubernetesVersion,
    SPINKUBE_MAX_MINOR,
    spinKubeVersionProblems,
    supportOn,
    UBUNTU_2204_MAX_LTS_MINOR,
    versionPolicy,
} from "../lib/kubernetesVersions";

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe("AKS support by date", () => {
    it("is community up to and including the community end, LTS up to and including the LTS end, then none", () => {
        for (const row of AKS_MINORS) {
            assert.equal(supportOn(row.minor, row.communityEnd), "community", `1.${row.minor}`);
            assert.equal(supportOn(row.minor, addDays(row.communityEnd, 1)), "lts", `1.${row.minor}`);
            assert.equal(supportOn(row.minor, row.ltsEnd), "lts", `1.${row.minor}`);
            assert.equal(supportOn(row.minor, addDays(row.ltsEnd, 1)), undefined, `1.${row.minor}`);
        }
        assert.equal(supportOn(99, "2026-01-01"), undefined);
    });

    it("accepts exactly the minors supported on the read date, community and LTS-only apart", () => {
        for (const row of AKS_MINORS) {
            const plan = supportOn(row.minor, AKS_VERSIONS_READ_ON);
            assert.equal(COMMUNITY_MINORS.includes(row.minor), plan === "community", `1.${row.minor}`);
            assert.equal(LTS_ONLY_MINORS.includes(row.minor), plan === "lts", `1.${row.minor}`);
        }
        const all = [...COMMUNITY_MINORS, ...LTS_ONLY_MINORS];
        assert.deepEqual([KUBERNETES_MINORS.min, KUBERNETES_MINORS.max], [Math.min(...all), Math.max(...all)]);
        assert.ok(COMMUNITY_MINORS.length > 0);
    });
});

describe("kubernetesVersion", () => {
    it("reads 1.MINOR and 1.MINOR.PATCH, nothing else", () => {
        assert.equal(minorOf("1.35"), 35);
        assert.equal(minorOf("1.35.2"), 35);
        assert.equal(minorOf("1.35.12"), 35, "a two-digit patch");
        for (const bad of ["1", "2.35", "1.35.", "1.35.2.1", "v1.35", "1.x", " 1.35", "1.35 "]) assert.equal(minorOf(bad), undefined, bad);
    });

    it("accepts every supported minor, with or without a patch, and refuses the others with one accepted text", () => {
        for (const m of [...COMMUNITY_MINORS, ...LTS_ONLY_MINORS]) {
            assert.deepEqual(parseKubernetesVersion(`1.${m}`), { value: `1.${m}` });
            assert.deepEqual(parseKubernetesVersion(`1.${m}.4`), { value: `1.${m}.4` });
        }
        for (const bad of [`1.${KUBERNETES_MINORS.max + 1}`, `1.${KUBERNETES_MINORS.min - 1}`, "latest", ""]) {
            assert.deepEqual(parseKubernetesVersion(bad), { accepted: KUBERNETES_VERSION_ACCEPTED }, bad);
        }
        for (const m of COMMUNITY_MINORS) assert.ok(KUBERNETES_VERSION_ACCEPTED.includes(`1.${m}`));
        for (const m of LTS_ONLY_MINORS) assert.match(KUBERNETES_VERSION_ACCEPTED, new RegExp(`Premium.*1\\.${m}\\b`));
    });

    it("needs clusterTier Premium for an LTS-only minor, naming kubernetesVersion", () => {
        for (const m of LTS_ONLY_MINORS) {
            const [p, ...rest] = kubernetesVersionTierProblems({ kubernetesVersion: `1.${m}.1`, clusterTier: "Standard" });
            assert.deepEqual(rest, []);
            assert.deepEqual([p.key, p.value], ["kubernetesVersion", `1.${m}.1`]);
            assert.match(p.accepted, /Premium/);
            assert.deepEqual(kubernetesVersionTierProblems({ kubernetesVersion: `1.${m}`, clusterTier: "Premium" }), []);
        }
        for (const m of COMMUNITY_MINORS) assert.deepEqual(kubernetesVersionTierProblems({ kubernetesVersion: `1.${m}`, clusterTier: "Free" }), []);
        assert.deepEqual(kubernetesVersionTierProblems({ clusterTier: "Free" }), []);
        assert.deepEqual(kubernetesVersionTierProblems({ kubernetesVersion: "junk", clusterTier: "Free" }), []);
    });
});

describe("support-end warnings", () => {
    const row = AKS_MINORS[AKS_MINORS.length - 1];
    const v = { kubernetesVersion: `1.${row.minor}` };

    it("warns from 30 days before the tier's end, says ended after it, and not before", () => {
        for (const [tier, end] of [["Standard", row.communityEnd], ["Premium", row.ltsEnd]] as const) {
            const c = { ...v, clusterTier: tier };
            assert.deepEqual(kubernetesVersionWarnings(c, addDays(end, -31)), [], tier);
            const soon = kubernetesVersionWarnings(c, addDays(end, -30));
            assert.equal(soon.length, 1, tier);
            assert.ok(soon[0].startsWith(`kubernetesVersion=1.${row.minor}: `), soon[0]);
            assert.ok(soon[0].includes(end) && / ends on /.test(soon[0]), soon[0]);
            assert.match(kubernetesVersionWarnings(c, end)[0], / ends on /);
            assert.match(kubernetesVersionWarnings(c, addDays(end, 1))[0], / ended on /);
        }
        assert.match(kubernetesVersionWarnings({ ...v, clusterTier: "Premium" }, addDays(row.ltsEnd, -30))[0], /long-term support/);
        assert.match(kubernetesVersionWarnings({ ...v, clusterTier: "Standard" }, addDays(row.communityEnd, -30))[0], /community support/);
    });

    it("has nothing to say without a version or for a minor outside the table", () => {
        assert.deepEqual(kubernetesVersionWarnings({ clusterTier: "Free" }, "2099-01-01"), []);
        assert.deepEqual(kubernetesVersionWarnings({ kubernetesVersion: "1.99", clusterTier: "Free" }, "2099-01-01"), []);
    });
});

describe("upgrades and the SpinKube Wasm pool", () => {
    it("gives Premium long-term support on the patch channel, the others community on stable unless pinned", () => {
        assert.deepEqual(versionPolicy("Premium"), { supportPlan: "AKSLongTermSupport", upgradeChannel: "patch" });
        assert.deepEqual(versionPolicy("Premium", { pinMinor: false }), { supportPlan: "AKSLongTermSupport", upgradeChannel: "patch" });
        assert.deepEqual(versionPolicy("Standard"), { supportPlan: "KubernetesOfficial", upgradeChannel: "stable" });
        assert.deepEqual(versionPolicy("Free", { pinMinor: true }), { supportPlan: "KubernetesOfficial", upgradeChannel: "patch" });
    });

    it("refuses a minor above what Ubuntu 22.04 runs with SpinKube, and above the LTS cap on Premium", () => {
        const problems = (kubernetesVersion: string, clusterTier: string, wasmRuntime = "spinkube") => spinKubeVersionProblems({ kubernetesVersion, clusterTier, wasmRuntime });
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR}`, "Standard"), []);
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard").map((p) => [p.key, p.value]), [["kubernetesVersion", `1.${SPINKUBE_MAX_MINOR + 1}`]]);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR}`, "Premium"), []);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}.2`, "Premium").map((p) => [p.key, p.value]), [["kubernetesVersion", `1.${UBUNTU_2204_MAX_LTS_MINOR + 1}.2`]]);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}`, "Standard"), [], "the LTS cap is Premium's");
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Premium").length, 1, "one problem, not two");
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard", "wasmwasi"), []);
        assert.deepEqual(spinKubeVersionProblems({ clusterTier: "Premium", wasmRuntime: "spinkube" }), []);
        assert.match(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard")[0].accepted, new RegExp(`at most 1\\.${SPINKUBE_MAX_MINOR}`));
        assert.match(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}`, "Premium")[0].accepted, new RegExp(`at most 1\\.${UBUNTU_2204_MAX_LTS_MINOR}`));
    });

    it("creates a SpinKube cluster on the newest minor its Wasm pool runs when no version is set", () => {
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }), `1.${SPINKUBE_MAX_MINOR}`);
        assert.equal(creationKubernetesVersion({ clusterTier: "Premium", wasmRuntime: "spinkube" }), `1.${UBUNTU_2204_MAX_LTS_MINOR}`);
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "wasmwasi" }), undefined);
        assert.equal(creationKubernetesVersion({ kubernetesVersion: "1.33.1", clusterTier: "Premium", wasmRuntime: "spinkube" }), "1.33.1");
    });
});
