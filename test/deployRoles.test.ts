/**
 * The one-time set-up in docs/ci-setup.md, read as the commands a platform engineer runs: no identity's role reaches
 * another environment (or the whole subscription), the deploy identity's Role Based Access Control Administrator
 * condition names exactly the roles the stack assigns and bounds the principals each may go to, and each federated
 * credential trusts only the workflow runs that should hold its rights (platform-contracts TRUST-1, TRUST-2).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { AKS_RBAC_CLUSTER_ADMIN_ROLE } from "../components/platform/aksCluster";
import { AKS_RBAC_WRITER_ROLE, REPOSITORY_WRITER_ROLE } from "../components/platform/appTeamAccess";
import { REPOSITORY_READER_ROLE } from "../components/platform/containerRegistry";

const ROOT = join(__dirname, "..");
const SETUP = readFileSync(join(ROOT, "docs", "ci-setup.md"), "utf8");
const ENVIRONMENTS = ["dev", "prod"] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const STACK_ROLES = [AKS_RBAC_CLUSTER_ADMIN_ROLE, REPOSITORY_READER_ROLE, REPOSITORY_WRITER_ROLE, AKS_RBAC_WRITER_ROLE];

/** The shell of the document's fenced `sh` blocks, continuation lines joined. */
function shell(markdown: string): string[] {
    return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].replace(/\\\n\s*/g, " ").split("\n").map((l) => l.trim()));
}

interface Grant {
    principal: string;
    role: string;
    scope: string;
    condition?: string;
}

/** Every `grant "<object id var>" "<role>" "<scope>" [condition]` line. */
function grants(lines: string[]): Grant[] {
    return lines.flatMap((line) => {
        const m = /^grant "\$(\w+)" "([^"]+)" "([^"]+)"(?: "(.*)")?$/.exec(line);
        return m ? [{ principal: m[1], role: m[2], scope: m[3], condition: m[4] }] : [];
    });
}

/** The environment a principal variable belongs to (`DEV_DEPLOY_OID` -> dev). */
function principalEnvironment(variable: string): Environment | undefined {
    return ENVIRONMENTS.find((env) => variable.startsWith(`${env.toUpperCase()}_`));
}

/**
 * The environment a scope lies in, from how the document defines it: a variable assigned from that environment's
 * resource group, vault or key, or that environment's state container. Anything else (the subscription, the state
 * account, a management group) lies in no single environment and covers both.
 */
function scopeEnvironment(scope: string, lines: string[]): Environment | "all" {
    const container = /^\$STATE_ACCOUNT_ID\/blobServices\/default\/containers\/state-(dev|prod)$/.exec(scope);
    if (container) return container[1] as Environment;
    const variable = /^\$(\w+)$/.exec(scope)?.[1];
    const definition = variable && lines.find((l) => l.startsWith(`${variable}=`));
    if (!definition) return "all";
    const rhs = definition.slice(variable!.length + 1);
    for (const env of ENVIRONMENTS) {
        if (new RegExp(`^\\$\\(az group create -n aks-wasm-${env} `).test(rhs)) return env;
        if (new RegExp(`^\\$\\(az keyvault create -n "\\$\\{PREFIX\\}-${env}" `).test(rhs)) return env;
        const parent = /^\$(\w+)\/keys\/pulumi-secrets$/.exec(rhs)?.[1];
        if (parent && scopeEnvironment(`$${parent}`, lines) === env) return env;
    }
    return "all";
}

/** Every grant whose scope is not its principal's environment. */
function crossEnvironmentGrants(lines: string[]): string[] {
    return grants(lines).flatMap((g) => {
        const mine = principalEnvironment(g.principal);
        const where = scopeEnvironment(g.scope, lines);
        return mine !== undefined && where === mine ? [] : [`${g.principal} gets "${g.role}" on ${g.scope} (${where})`];
    });
}

describe("docs/ci-setup.md: each environment's identities stay in that environment", () => {
    const lines = shell(SETUP);

    it("grants roles to exactly the four identities, and every scope is the identity's own environment", () => {
        assert.deepEqual([...new Set(grants(lines).map((g) => g.principal))].sort(), ["DEV_DEPLOY_OID", "DEV_PREVIEW_OID", "PROD_DEPLOY_OID", "PROD_PREVIEW_OID"]);
        assert.deepEqual(crossEnvironmentGrants(lines), []);
    });

    it("would catch a scope that covers the other environment (the check can fail)", () => {
        const widened = lines.map((l) => (l === 'grant "$DEV_DEPLOY_OID" "Contributor" "$DEV_RG_ID"' ? 'grant "$DEV_DEPLOY_OID" "Contributor" "/subscriptions/$SUB"' : l));
        assert.notDeepEqual(widened, lines);
        assert.deepEqual(crossEnvironmentGrants(widened), ['DEV_DEPLOY_OID gets "Contributor" on /subscriptions/$SUB (all)']);
        const crossed = lines.map((l) => l.replace('grant "$DEV_PREVIEW_OID" "Key Vault Crypto User" "$DEV_KEY_ID"', 'grant "$DEV_PREVIEW_OID" "Key Vault Crypto User" "$PROD_KEY_ID"'));
        assert.deepEqual(crossEnvironmentGrants(crossed), ['DEV_PREVIEW_OID gets "Key Vault Crypto User" on $PROD_KEY_ID (prod)']);
    });

    it("deploys each stack into the resource group the set-up creates for its environment", () => {
        for (const env of ENVIRONMENTS) {
            const stack = parse(readFileSync(join(ROOT, `Pulumi.${env}.yaml`), "utf8")).config;
            assert.equal(stack["aks-wasm:resourceGroupName"], `aks-wasm-${env}`);
            assert.ok(lines.some((l) => l.startsWith(`${env.toUpperCase()}_RG_ID=$(az group create -n aks-wasm-${env} `)), env);
        }
    });

    it("gives the preview identities read rights only (and the key they need to diff secrets)", () => {
        const readOnly = new Set(["Reader", "Azure Kubernetes Service Cluster User Role", "Azure Kubernetes Service RBAC Reader", "Storage Blob Data Reader", "Key Vault Crypto User"]);
        for (const g of grants(lines).filter((g) => g.principal.endsWith("_PREVIEW_OID"))) assert.ok(readOnly.has(g.role), `${g.principal}: ${g.role}`);
    });

    it("keeps the state storage closed to the deploy identities: no shared keys, a delete lock, one container each", () => {
        const all = lines.join("\n");
        assert.match(all, /az storage account create [^\n]*--allow-shared-key-access false/);
        assert.match(all, /az lock create --name state-cannot-delete --lock-type CanNotDelete --resource "\$STATE_ACCOUNT_ID"/);
        for (const g of grants(lines).filter((g) => g.scope.startsWith("$STATE_ACCOUNT_ID"))) {
            assert.match(g.scope, /\/containers\/state-(dev|prod)$/, `${g.principal} reaches the account itself`);
        }
        // No identity has a control-plane role on the state's group (where the account, its lock and the vaults are).
        assert.ok(grants(lines).every((g) => !["$STATE_RG", "$STATE_ACCOUNT_ID"].includes(g.scope)));
    });
});

describe("docs/ci-setup.md: the deploy identity's role-assignment condition", () => {
    const lines = shell(SETUP);

    it("lets it assign exactly the roles the stack assigns", () => {
        const line = lines.find((l) => l.startsWith('ROLES="'));
        assert.ok(line, "the set-up sets ROLES");
        const allowed = /^ROLES="([^"]*)"/.exec(line)![1].split(",").map((s) => s.trim()).sort();
        assert.deepEqual(allowed, [...STACK_ROLES].sort());
    });

    it("bounds the principals: Cluster Admin only to the listed admins, team roles only to the teams, the kubelet's Reader only to service principals", () => {
        const body = lines.find((l) => l.startsWith("echo \"((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))"));
        assert.ok(body, "the condition's text");
        const role = "$role";
        assert.ok(body.includes(`(${role} {${AKS_RBAC_CLUSTER_ADMIN_ROLE}} AND $who {$1})`), "Cluster Admin only to the admins passed in");
        assert.ok(body.includes(`(${role} {${REPOSITORY_READER_ROLE}} AND $kind {'ServicePrincipal'})`));
        assert.ok(body.includes(`(${role} {${REPOSITORY_WRITER_ROLE}, ${AKS_RBAC_WRITER_ROLE}} AND $who {$TEAMS})`));
        assert.ok(lines.includes('local who="@Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals"'));
        for (const env of ENVIRONMENTS) {
            const E = env.toUpperCase();
            const admin = grants(lines).filter((g) => g.principal === `${E}_DEPLOY_OID` && g.role === "Role Based Access Control Administrator");
            assert.equal(admin.length, 1);
            assert.equal(admin[0].condition, `$(only_these "$${E}_DEPLOY_OID, $ADMIN_GROUP")`, `${env}: its own deploy identity and the admin group only`);
        }
    });

    it("every role the stack's components assign is one the condition allows", () => {
        const listed = new Set(STACK_ROLES);
        const files = ["platform", "app"].flatMap((d) => readdirSync(join(ROOT, "components", d)).map((f) => join("components", d, f)));
        for (const file of files) {
            const text = readFileSync(join(ROOT, file), "utf8");
            for (const guid of text.match(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g) ?? []) {
                if (guid === "00000000-0000-0000-0000-000000000000") continue;
                assert.ok(listed.has(guid), `${file} names role ${guid}, which docs/ci-setup.md does not let the deploy identity assign`);
            }
        }
    });
});

describe("docs/ci-setup.md: who may use which identity", () => {
    const lines = shell(SETUP);
    const subjects = Object.fromEntries(
        lines.flatMap((l) => {
            const m = /^fed "\$(\w+)_ID" [\w-]+ "repo:\$REPO:([^"]+)"$/.exec(l);
            return m ? [[m[1], m[2]]] : [];
        }),
    );

    it("trusts pull requests with the dev preview identity only; every other identity only inside its GitHub environment", () => {
        assert.deepEqual(subjects, {
            DEV_PREVIEW: "pull_request",
            DEV_DEPLOY: "environment:dev",
            PROD_PREVIEW: "environment:prod-preview",
            PROD_DEPLOY: "environment:prod",
        });
    });

    it("lets the dev, prod-preview and prod environments accept main only", () => {
        assert.ok(lines.includes("for env in dev prod-preview prod; do"));
        assert.ok(lines.some((l) => l.includes('"custom_branch_policies": true')));
        assert.ok(lines.includes('gh api -X POST "repos/$REPO/environments/$env/deployment-branch-policies" -f name=main -f type=branch >/dev/null'));
    });

    it("encrypts each stack's secrets with its own environment's Key Vault key, and keeps no passphrase", () => {
        assert.ok(lines.includes('pulumi stack init "$stack" --secrets-provider "azurekeyvault://${PREFIX}-$stack.vault.azure.net/keys/pulumi-secrets"'));
        assert.ok(!lines.some((l) => /PULUMI_CONFIG_PASSPHRASE/.test(l) && /gh secret set/.test(l)), "no passphrase secret is set");
    });

    it("the role IDs are Azure's built-in roles (MicrosoftDocs azure-docs built-in-roles; register K8SRBAC-4, TRUST-4)", () => {
        // Literal values on purpose: a typo in a constant would otherwise pass every test that compares it with itself.
        assert.equal(REPOSITORY_READER_ROLE, "b93aa761-3e63-49ed-ac28-beffa264f7ac", "Container Registry Repository Reader");
        assert.equal(REPOSITORY_WRITER_ROLE, "2a1e307c-b015-4ebd-883e-5b7698a07328", "Container Registry Repository Writer");
        assert.equal(AKS_RBAC_CLUSTER_ADMIN_ROLE, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "Azure Kubernetes Service RBAC Cluster Admin");
        assert.equal(AKS_RBAC_WRITER_ROLE, "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb", "Azure Kubernetes Service RBAC Writer");
    });
});
