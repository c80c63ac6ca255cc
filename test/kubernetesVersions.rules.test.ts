/**
 * lib/azure/kubernetesVersions.ts: the version and date rules, derived from AKS's calendar table (platform-contracts
 * AKS-1, AKS-2, OS-2, CONV-3, CONV-4). Every expectation is computed from the table's own rows, so the table can be
 * updated to a new calendar without touching these tests; what they pin is the rules: boundaries are inclusive last
 * days judged against the day of the run (`today`), LTS needs Premium, the warning comes 30 days ahead and a refusal
 * the day after the end, SpinKube's Ubuntu 22.04 Wasm pool caps the minor.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    AKS_MINORS,
    AKS_VERSIONS_READ_ON,
    COMMUNITY_MINORS,
    creationKubernetesVersion,
    KUBERNETES_MINORS,
    communityMinors,
    constraintMaxMinor,
    CONTAINERD_KUBERNETES,
    kubectlVersion,
    kubernetesVersionAccepted,
    kubernetesVersionProblems,
    kubernetesVersionWarnings,
    LTS_ONLY_MINORS,
    ltsOnlyMinors,
    minorOf,
    parseKubernetesVersion,
    SPINKUBE_MAX_MINOR,
    spinKubeVersionProblems,
    spinKubeWarnings,
    supportOn,
    UBUNTU_2204_CONTAINERD_17,
    UBUNTU_2204_MAX_LTS_MINOR,
    versionPolicy,
    wasmPoolMinors,
    type NodeRuntimeConstraint,
} from "../lib/azure/kubernetesVersions";

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

    it("sorts the minors into community and LTS-only on any day, and fixes the static sets on the read date", () => {
        for (const day of [AKS_VERSIONS_READ_ON, "2026-12-03", "2027-04-01", "2027-08-01", "2030-01-01"]) {
            for (const row of AKS_MINORS) {
                const plan = supportOn(row.minor, day);
                assert.equal(communityMinors(day).includes(row.minor), plan === "community", `1.${row.minor} on ${day}`);
                assert.equal(ltsOnlyMinors(day).includes(row.minor), plan === "lts", `1.${row.minor} on ${day}`);
            }
        }
        assert.deepEqual(COMMUNITY_MINORS, communityMinors(AKS_VERSIONS_READ_ON));
        assert.deepEqual(LTS_ONLY_MINORS, ltsOnlyMinors(AKS_VERSIONS_READ_ON));
        const all = [...COMMUNITY_MINORS, ...LTS_ONLY_MINORS];
        assert.deepEqual([KUBERNETES_MINORS.min, KUBERNETES_MINORS.max], [Math.min(...all), Math.max(...all)]);
        assert.ok(COMMUNITY_MINORS.length > 0);
    });

    it("holds the calendar in order: each newer minor's community and LTS support end later than the one before", () => {
        // creationKubernetesVersion's preference for a minor that lasts beyond 30 days is marked equivalent for
        // mutation testing on this order (a newer minor never ends first); a calendar that breaks it fails here.
        for (let i = 1; i < AKS_MINORS.length; i++) {
            const [older, newer] = [AKS_MINORS[i - 1], AKS_MINORS[i]];
            assert.equal(newer.minor, older.minor + 1);
            assert.ok(newer.communityEnd > older.communityEnd && newer.ltsEnd > older.ltsEnd, `1.${newer.minor} after 1.${older.minor}`);
        }
    });
});

/** A fixed day of the run, so the dated rules do not move with the clock. */
const TODAY = "2026-12-03";

describe("kubernetesVersion", () => {
    it("reads 1.MINOR and 1.MINOR.PATCH, nothing else", () => {
        assert.equal(minorOf("1.35"), 35);
        assert.equal(minorOf("1.35.2"), 35);
        assert.equal(minorOf("1.35.12"), 35, "a two-digit patch");
        for (const bad of ["1", "2.35", "1.35.", "1.35.2.1", "v1.35", "1.x", " 1.35", "1.35 "]) assert.equal(minorOf(bad), undefined, bad);
    });

    it("accepts every minor in AKS's calendar, with or without a patch, and refuses the others with one accepted text", () => {
        for (const { minor } of AKS_MINORS) {
            assert.deepEqual(parseKubernetesVersion(`1.${minor}`), { value: `1.${minor}` });
            assert.deepEqual(parseKubernetesVersion(`1.${minor}.4`), { value: `1.${minor}.4` });
        }
        const minors = AKS_MINORS.map((m) => m.minor);
        const refusals = [`1.${Math.max(...minors) + 1}`, `1.${Math.min(...minors) - 1}`, "latest", "", "1.x"].map((bad) => parseKubernetesVersion(bad));
        for (const r of refusals) assert.deepEqual(r, refusals[0]);
        const accepted = (refusals[0] as { accepted: string }).accepted;
        for (const m of minors) assert.ok(accepted.includes(`1.${m}`), `1.${m} in ${accepted}`);
    });

    it("says what it accepts on the day: the community minors, and the LTS-only ones after Premium", () => {
        for (const day of [TODAY, "2027-04-01"]) {
            const text = kubernetesVersionAccepted(day);
            assert.ok(text.includes(day), text);
            for (const m of communityMinors(day)) assert.match(text, new RegExp(`1\\.${m}\\b.*Premium`), `1.${m} before Premium`);
            for (const m of ltsOnlyMinors(day)) assert.match(text, new RegExp(`Premium.*1\\.${m}\\b`), `1.${m} after Premium`);
        }
        const last = AKS_MINORS[AKS_MINORS.length - 1];
        // After every end: nothing accepted, and no Premium clause without LTS minors.
        const after = kubernetesVersionAccepted(addDays(last.ltsEnd, 1)).replace(/"[^"]*"/g, ""); // without the quoted example
        assert.doesNotMatch(after, /Premium/);
        for (const { minor } of AKS_MINORS) assert.doesNotMatch(after, new RegExp(`1\\.${minor}\\b`));
    });

    it("needs clusterTier Premium once a minor is past community support, and refuses it after LTS, on the day of the run", () => {
        for (const row of AKS_MINORS) {
            const v = (tier: string, day: string, version = `1.${row.minor}.1`) => kubernetesVersionProblems({ kubernetesVersion: version, clusterTier: tier }, day);
            for (const tier of ["Free", "Standard", "Premium"]) assert.deepEqual(v(tier, row.communityEnd), [], `1.${row.minor} ${tier} on its last community day`);
            const lts = addDays(row.communityEnd, 1);
            for (const tier of ["Free", "Standard"]) {
                const [p, ...rest] = v(tier, lts);
                assert.deepEqual(rest, [], `1.${row.minor} ${tier}`);
                assert.deepEqual([p.key, p.value], ["kubernetesVersion", `1.${row.minor}.1`]);
                assert.match(p.accepted, /Premium/);
                for (const m of communityMinors(lts)) assert.ok(p.accepted.includes(`1.${m}`), `the way out 1.${m} is named: ${p.accepted}`);
            }
            assert.deepEqual(v("Premium", lts), []);
            assert.deepEqual(v("Premium", row.ltsEnd), [], `1.${row.minor} Premium on its last LTS day`);
            for (const tier of ["Free", "Premium"]) {
                const refused = v(tier, addDays(row.ltsEnd, 1));
                assert.deepEqual(refused.map((p) => [p.key, p.value]), [["kubernetesVersion", `1.${row.minor}.1`]], `1.${row.minor} ${tier} after LTS`);
                assert.ok(refused[0].accepted.includes(row.ltsEnd) || refused[0].accepted.includes(row.communityEnd), refused[0].accepted);
            }
        }
        assert.deepEqual(kubernetesVersionProblems({ clusterTier: "Free" }, TODAY), []);
        assert.deepEqual(kubernetesVersionProblems({ kubernetesVersion: "junk", clusterTier: "Free" }, TODAY), []);
        assert.deepEqual(kubernetesVersionProblems({ kubernetesVersion: "1.99", clusterTier: "Free" }, TODAY), [], "a minor outside the table is the single-key check's");
    });
});

describe("support-end warnings", () => {
    const row = AKS_MINORS[AKS_MINORS.length - 1];
    const v = { kubernetesVersion: `1.${row.minor}` };

    it("warns from 30 days before the tier's end up to the end, and not before or after it (then it is refused)", () => {
        for (const [tier, end] of [["Standard", row.communityEnd], ["Premium", row.ltsEnd]] as const) {
            const c = { ...v, clusterTier: tier };
            assert.deepEqual(kubernetesVersionWarnings(c, addDays(end, -31)), [], tier);
            const soon = kubernetesVersionWarnings(c, addDays(end, -30));
            assert.equal(soon.length, 1, tier);
            assert.ok(soon[0].startsWith(`kubernetesVersion=1.${row.minor}: `), soon[0]);
            assert.ok(soon[0].includes(end), soon[0]);
            assert.equal(kubernetesVersionWarnings(c, end).length, 1, `${tier} on the last day`);
        }
        // Standard past the community end: LTS-only, refused by kubernetesVersionProblems, not warned about.
        assert.deepEqual(kubernetesVersionWarnings({ ...v, clusterTier: "Standard" }, addDays(row.communityEnd, 1)), []);
        assert.deepEqual(kubernetesVersionWarnings({ ...v, clusterTier: "Premium" }, addDays(row.ltsEnd, 1)), []);
        assert.match(kubernetesVersionWarnings({ ...v, clusterTier: "Premium" }, addDays(row.ltsEnd, -30))[0], /long-term support/);
        assert.match(kubernetesVersionWarnings({ ...v, clusterTier: "Standard" }, addDays(row.communityEnd, -30))[0], /community support/);
    });

    it("warns about the default a SpinKube cluster is created with, saying it is the default", () => {
        const spin = { clusterTier: "Standard", wasmRuntime: "spinkube" };
        const created = creationKubernetesVersion(spin, TODAY)!;
        const end = AKS_MINORS.find((m) => m.minor === minorOf(created))!.communityEnd;
        const [w, ...rest] = kubernetesVersionWarnings(spin, addDays(end, -10));
        assert.deepEqual(rest, []);
        assert.ok(w.startsWith(`kubernetesVersion=${created} (the default): `), w);
        assert.deepEqual(kubernetesVersionWarnings({ clusterTier: "Standard", wasmRuntime: "wasmwasi" }, addDays(end, -10)), [], "AKS's own default is AKS's");
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

    it("holds containerd's Kubernetes matrix as RELEASES.md@v2.3.4 states it (CONV-4)", () => {
        assert.deepEqual(CONTAINERD_KUBERNETES, { "1.7": [32, 33, 34, 35], "2.0": [32, 33, 34], "2.1": [32, 33, 34, 35], "2.2": [35, 36], "2.3": [36] });
    });

    it("caps Ubuntu 22.04 at 1.35 (containerd 1.7's matrix) below AKS's 1.36 offer, and LTS at 1.32", () => {
        assert.equal(SPINKUBE_MAX_MINOR, 35);
        assert.equal(UBUNTU_2204_MAX_LTS_MINOR, 32);
        const os: NodeRuntimeConstraint = { ...UBUNTU_2204_CONTAINERD_17 };
        assert.equal(constraintMaxMinor({ ...os, aksMaxMinor: 34 }), 34, "AKS's offer caps too");
        assert.equal(constraintMaxMinor({ ...os, containerd: "2.2", aksMaxMinor: 37 }), 36, "containerd 2.2's matrix ends at 1.36");
        assert.equal(constraintMaxMinor({ ...os, containerd: "9.9" }), 0, "an unknown containerd line runs nothing");
    });

    it("refuses a minor above what Ubuntu 22.04 runs with SpinKube, and above the LTS cap on Premium", () => {
        const problems = (kubernetesVersion: string, clusterTier: string, wasmRuntime = "spinkube") => spinKubeVersionProblems({ kubernetesVersion, clusterTier, wasmRuntime }, TODAY);
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR}`, "Standard"), []);
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard").map((p) => [p.key, p.value]), [["kubernetesVersion", `1.${SPINKUBE_MAX_MINOR + 1}`]]);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR}`, "Premium"), []);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}.2`, "Premium").map((p) => [p.key, p.value]), [["kubernetesVersion", `1.${UBUNTU_2204_MAX_LTS_MINOR + 1}.2`]]);
        assert.deepEqual(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}`, "Standard"), [], "the LTS cap is Premium's");
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Premium").length, 1, "one problem, not two");
        assert.deepEqual(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard", "wasmwasi"), []);
        assert.deepEqual(spinKubeVersionProblems({ clusterTier: "Premium", wasmRuntime: "spinkube" }, TODAY), []);
        assert.match(problems(`1.${SPINKUBE_MAX_MINOR + 1}`, "Standard")[0].accepted, new RegExp(`at most 1\\.${SPINKUBE_MAX_MINOR}\\b`));
        assert.match(problems(`1.${UBUNTU_2204_MAX_LTS_MINOR + 1}`, "Premium")[0].accepted, new RegExp(`at most 1\\.${UBUNTU_2204_MAX_LTS_MINOR}\\b`));
        // A minor within AKS's offer but outside containerd's matrix is refused as well.
        const below = { ...UBUNTU_2204_CONTAINERD_17, containerd: "2.2" };
        assert.deepEqual(spinKubeVersionProblems({ kubernetesVersion: "1.34", clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY, below).map((p) => p.key), ["kubernetesVersion"]);
        assert.deepEqual(spinKubeVersionProblems({ kubernetesVersion: "1.35", clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY, below), []);
        // AKS's offer of the OS caps below containerd's matrix: its highest minor is the last one accepted.
        const offer = { ...UBUNTU_2204_CONTAINERD_17, containerd: "2.2", aksMaxMinor: 35 };
        const v = (kubernetesVersion: string) => spinKubeVersionProblems({ kubernetesVersion, clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY, offer);
        assert.deepEqual(v("1.35"), []);
        assert.deepEqual(v("1.36").map((p) => [p.key, p.value]), [["kubernetesVersion", "1.36"]]);
    });

    it("refuses SpinKube once AKS no longer supports the Wasm pool's OS, naming wasmRuntime, and warns 30 days before", () => {
        const end = UBUNTU_2204_CONTAINERD_17.osSupport.lastDay;
        const spin = { kubernetesVersion: "1.35", clusterTier: "Standard", wasmRuntime: "spinkube" };
        const after = spinKubeVersionProblems(spin, addDays(end, 1));
        assert.deepEqual(after.map((p) => [p.key, p.value]), [["wasmRuntime", "spinkube"]]);
        assert.ok(after[0].accepted.includes(end), after[0].accepted);
        assert.deepEqual(spinKubeVersionProblems({ ...spin, wasmRuntime: "wasmwasi" }, addDays(end, 1)), []);
        assert.equal(spinKubeWarnings(spin, addDays(end, -30)).length, 1);
        assert.ok(spinKubeWarnings(spin, end)[0].includes(end));
        assert.deepEqual(spinKubeWarnings(spin, addDays(end, -31)), []);
        assert.deepEqual(spinKubeWarnings(spin, addDays(end, 1)), [], "refused then, not warned");
        assert.deepEqual(spinKubeWarnings({ wasmRuntime: "wasmwasi" }, end), []);
    });

    it("lists the minors a Wasm pool can run on the day: containerd's matrix, AKS's offer, AKS's support, LTS only on Premium", () => {
        assert.deepEqual(wasmPoolMinors("Standard", TODAY), [35], "1.34's community support ended on 2026-11-30");
        assert.deepEqual(wasmPoolMinors("Premium", TODAY), [32], "1.31's LTS ended on 2026-11-30; 1.33+ LTS needs Ubuntu 24.04");
        assert.deepEqual(wasmPoolMinors("Standard", "2026-11-30"), [34, 35]);
        assert.deepEqual(wasmPoolMinors("Premium", "2027-03-31"), [32], "1.32's last LTS day");
        assert.deepEqual(wasmPoolMinors("Premium", "2027-04-01"), [], "1.32's LTS ended");
        assert.deepEqual(wasmPoolMinors("Standard", addDays(AKS_MINORS.find((m) => m.minor === 35)!.communityEnd, 1)), []);
        const cd22 = { ...UBUNTU_2204_CONTAINERD_17, containerd: "2.2", aksMaxMinor: 37, ltsMaxMinor: 37 };
        assert.deepEqual(wasmPoolMinors("Standard", TODAY, cd22), [35, 36]);
        assert.deepEqual(wasmPoolMinors("Standard", TODAY, { ...cd22, aksMaxMinor: 35 }), [35]);
        assert.deepEqual(wasmPoolMinors("Premium", TODAY, { ...cd22, ltsMaxMinor: 35 }), [35], "LTS cap on Premium (35 is community, still supported)");
        assert.deepEqual(wasmPoolMinors("Standard", TODAY, { ...cd22, containerd: "9.9" }), []);
    });

    it("refuses an unset version when no minor is left for the Wasm pool on the day, naming kubernetesVersion", () => {
        const day = addDays(AKS_MINORS.find((m) => m.minor === 35)!.communityEnd, 1);
        const [p, ...rest] = spinKubeVersionProblems({ clusterTier: "Standard", wasmRuntime: "spinkube" }, day);
        assert.deepEqual(rest, []);
        assert.deepEqual([p.key, p.value], ["kubernetesVersion", ""]);
        assert.deepEqual(spinKubeVersionProblems({ clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY), []);
    });

    it("creates a SpinKube cluster on the newest minor its Wasm pool runs on the day when no version is set", () => {
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY), `1.${SPINKUBE_MAX_MINOR}`);
        assert.equal(creationKubernetesVersion({ clusterTier: "Premium", wasmRuntime: "spinkube" }, TODAY), `1.${UBUNTU_2204_MAX_LTS_MINOR}`);
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, "2026-11-30"), "1.35", "1.34 ends that day");
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, "2027-03-20"), "1.35", "ending soon, but the only one left");
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, "2027-04-01"), undefined, "none left");
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "wasmwasi" }, TODAY), undefined);
        assert.equal(creationKubernetesVersion({ kubernetesVersion: "1.33.1", clusterTier: "Premium", wasmRuntime: "spinkube" }, TODAY), "1.33.1");
        const cd22 = { ...UBUNTU_2204_CONTAINERD_17, containerd: "2.2", aksMaxMinor: 37 };
        assert.equal(creationKubernetesVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY, cd22), "1.36", "the newest of 1.35 and 1.36");
    });

    it("installs the kubectl of the minor the cluster is created on, or of the newest community minor for AKS's default", () => {
        assert.equal(kubectlVersion({ clusterTier: "Standard", wasmRuntime: "spinkube" }, TODAY), `v1.${SPINKUBE_MAX_MINOR}.0`);
        assert.equal(kubectlVersion({ kubernetesVersion: "1.33.4", clusterTier: "Premium", wasmRuntime: "wasmwasi" }, TODAY), "v1.33.0");
        assert.equal(kubectlVersion({ clusterTier: "Standard", wasmRuntime: "wasmwasi" }, TODAY), `v1.${Math.max(...communityMinors(TODAY))}.0`);
    });
});
