/**
 * Stable admin identities (platform-contracts AZN-3): who is cluster admin comes from config, so a preview by another
 * identity (CI's deploy identity, a colleague, a PR identity) plans the same role assignments, and a stack without
 * any admin is refused before any resource.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseStackConfig, StackConfigError } from "../config";
import { clusterAdminProblems, clusterAdminWarnings, PLACEHOLDER_PRINCIPAL_ID } from "../lib/azure/clusterAdmins";

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

    it("refuses a stack with no admin at all, naming the keys and the command for each object ID", () => {
        const c = parseStackConfig({});
        const [problem, ...more] = clusterAdminProblems(c);
        assert.deepEqual(more, []);
        assert.equal(problem.key, "clusterAdminPrincipalIds");
        assert.match(problem.accepted, /az ad sp show --id <client-id> --query id -o tsv/);
        assert.match(problem.accepted, /adminUserObjectIds, .*az ad signed-in-user show --query id -o tsv/);
        assert.match(problem.accepted, /adminGroupObjectIds, .*az ad group show -g <name> --query id -o tsv/);
        for (const key of ["clusterAdminPrincipalIds", "adminUserObjectIds", "adminGroupObjectIds"] as const) {
            assert.deepEqual(clusterAdminProblems({ ...c, [key]: ["11111111-1111-1111-1111-111111111111"] }), [], `${key} alone is enough`);
        }
    });

    it("refuses the placeholder in any admin key, naming that key and its command, even beside a real admin", () => {
        const real = "11111111-1111-1111-1111-111111111111";
        const cases = [
            ["clusterAdminPrincipalIds", /az ad sp show --id <client-id> --query id -o tsv/],
            ["adminUserObjectIds", /az ad signed-in-user show --query id -o tsv/],
            ["adminGroupObjectIds", /az ad group show -g <name> --query id -o tsv/],
        ] as const;
        for (const [key, command] of cases) {
            const c = parseStackConfig({ [key]: JSON.stringify([PLACEHOLDER_PRINCIPAL_ID, real]) });
            const problems = clusterAdminProblems(c);
            assert.deepEqual(problems.map((p) => p.key), [key]);
            assert.match(problems[0].accepted, /not the placeholder 00000000-0000-0000-0000-000000000000/);
            assert.match(problems[0].accepted, command);
            assert.match(problems[0].accepted, new RegExp(`pulumi config set --path '${key}\\[0\\]' <object-id>`));
        }
    });

    it("pulumi up refuses what a preview only warns about (config/parse.ts deploying)", () => {
        const raw = { clusterAdminPrincipalIds: JSON.stringify([PLACEHOLDER_PRINCIPAL_ID]) };
        const preview = parseStackConfig(raw, { requireClusterAdmin: true, deploying: false });
        assert.match(clusterAdminWarnings(preview).join("\n"), /clusterAdminPrincipalIds = .*pulumi up` will refuse this stack.*placeholder 00000000-0000-0000-0000-000000000000/);
        assert.throws(
            () => parseStackConfig(raw, { requireClusterAdmin: true, deploying: true }),
            (e: unknown) => e instanceof StackConfigError && /aks-wasm:clusterAdminPrincipalIds = .*placeholder.*az ad sp show --id <client-id> --query id -o tsv/.test(e.message),
        );
        assert.throws(() => parseStackConfig({}, { requireClusterAdmin: true, deploying: true }), /at least one cluster admin/);
        const fine = { adminUserObjectIds: '["33333333-3333-3333-3333-333333333333"]' };
        assert.equal(parseStackConfig(fine, { requireClusterAdmin: true, deploying: true }).adminUserObjectIds[0], "33333333-3333-3333-3333-333333333333");
        assert.deepEqual(clusterAdminWarnings(parseStackConfig(fine)), []);
    });
});
