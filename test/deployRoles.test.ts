/**
 * The deploy identity's Role Based Access Control Administrator assignment (README, CI set-up step 6) is limited by
 * a condition to the roles the stack itself assigns. A role the stack starts assigning without being added there
 * would make the first real `pulumi up` fail with AuthorizationFailed: this test fails first.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { AKS_RBAC_CLUSTER_ADMIN_ROLE } from "../components/platform/aksCluster";
import { ACR_PUSH_ROLE, AKS_RBAC_WRITER_ROLE } from "../components/platform/appTeamAccess";
import { ACR_PULL_ROLE } from "../components/platform/containerRegistry";

test("README: the deploy identity may assign exactly the roles the stack assigns", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const line = /^\s*ROLES="([^"]*)"/m.exec(readme);
    assert.ok(line, "README step 6 sets ROLES");
    const allowed = line[1].split(",").map((s) => s.trim()).sort();
    assert.deepEqual(allowed, [ACR_PULL_ROLE, AKS_RBAC_CLUSTER_ADMIN_ROLE, ACR_PUSH_ROLE, AKS_RBAC_WRITER_ROLE].sort());
});

test("every role the stack assigns is one of the README's four (no component assigns an unlisted role)", () => {
    const sources = ["components/platform/aksCluster.ts", "components/platform/appTeamAccess.ts", "components/platform/containerRegistry.ts"];
    const listed = new Set([ACR_PULL_ROLE, AKS_RBAC_CLUSTER_ADMIN_ROLE, ACR_PUSH_ROLE, AKS_RBAC_WRITER_ROLE]);
    const files = ["platform", "app"].flatMap((d) => readdirSync(join(__dirname, "..", "components", d)).map((f) => join("components", d, f)));
    for (const file of files) {
        const text = readFileSync(join(__dirname, "..", file), "utf8");
        for (const guid of text.match(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g) ?? []) {
            if (guid === "00000000-0000-0000-0000-000000000000") continue;
            assert.ok(listed.has(guid), `${file} names role ${guid}, which README step 6 does not let the deploy identity assign`);
        }
    }
    assert.ok(sources.every((s) => files.includes(s)));
});

test("the role IDs are Azure's built-in roles (MicrosoftDocs azure-docs built-in-roles, read 2026-11-26; register K8SRBAC-4, GHA-10)", () => {
    // Literal values on purpose: a typo in a constant would otherwise pass every test that compares it with itself.
    assert.equal(ACR_PULL_ROLE, "7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull");
    assert.equal(ACR_PUSH_ROLE, "8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush");
    assert.equal(AKS_RBAC_CLUSTER_ADMIN_ROLE, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "Azure Kubernetes Service RBAC Cluster Admin");
    assert.equal(AKS_RBAC_WRITER_ROLE, "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb", "Azure Kubernetes Service RBAC Writer");
});
