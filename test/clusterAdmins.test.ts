/**
 * Stable admin identities (platform-contracts AZN-3): who is cluster admin comes from config, so a preview by another
 * identity (CI's deploy identity, a colleague, a PR identity) plans the same role assignments, and a stack without
 * any admin is refused before any resource.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseStackConfig } from "../config";
import { clusterAdminProblems, clusterAdminWarnings, PLACEHOLDER_PRINCIPAL_ID } from "../lib/clusterAdmins";

const ROOT = join(__dirname, "..");

function evaluateAs(stack: string, objectId: string): { handedOut: string[]; assignments: { name: string; inputs: Record<string, unknown> }[] } {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(__dirname, "helpers", "evaluateAs.ts"), stack, objectId], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out);
}

describe("cluster admins", () => {
    it("a preview by a different identity proposes the same role assignments", () => {
        const ci = evaluateAs("prod", "aaaaaaaa-0000-0000-0000-00000000c1c1");
        const person = evaluateAs("prod", "bbbbbbbb-0000-0000-0000-0000000be45e");
        // The stand-in took effect: the two runs saw different identities.
        assert.deepEqual(ci.handedOut, ["aaaaaaaa-0000-0000-0000-00000000c1c1"]);
        assert.deepEqual(person.handedOut, ["bbbbbbbb-0000-0000-0000-0000000be45e"]);
        assert.ok(ci.assignments.some((a) => a.name.startsWith("aks-wasm-admin-sp-")), "the configured admin is assigned");
        assert.deepEqual(person.assignments, ci.assignments);
    });

    it("refuses a stack with neither admin principals nor admin groups, naming the key", () => {
        const c = parseStackConfig({});
        const [problem] = clusterAdminProblems(c);
        assert.equal(problem.key, "clusterAdminPrincipalIds");
        assert.match(problem.accepted, /object ID of at least one service principal.*or Entra ID groups in adminGroupObjectIds/);
        assert.deepEqual(clusterAdminProblems({ ...c, adminGroupObjectIds: ["11111111-1111-1111-1111-111111111111"] }), []);
    });

    it("warns while a stack file still holds the placeholder object ID", () => {
        const c = parseStackConfig({ clusterAdminPrincipalIds: JSON.stringify([PLACEHOLDER_PRINCIPAL_ID]) });
        assert.match(clusterAdminWarnings(c).join("\n"), /placeholder 00000000-0000-0000-0000-000000000000/);
        assert.deepEqual(clusterAdminWarnings({ ...c, clusterAdminPrincipalIds: ["22222222-2222-2222-2222-222222222222"] }), []);
    });
});
