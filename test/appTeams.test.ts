/**
 * Rights for app teams: the `appTeams` config key (parsed in lib/kubernetes/appTeams.ts, validated with every other key in
 * config/) and AppTeamAccess under the SDK's mocks, with the exact role assignments it registers.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, type OfflineRun } from "../lib/offline/offline";
import { parseStackConfig } from "../config";
import { roleAssignmentName } from "../lib/azure/azureNames";

const TEAM = "1111aaaa-2222-3333-4444-555555555555";
const OTHER = "66666666-7777-8888-9999-000000000000";

describe("the appTeams config key", () => {
    it("parses one string per principal into its namespaces", () => {
        const c = parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=quotes,quotes-staging`, `${OTHER}=quotes`]) });
        assert.deepEqual(c.appTeams, [
            { principalId: TEAM, namespaces: ["quotes", "quotes-staging"] },
            { principalId: OTHER, namespaces: ["quotes"] },
        ]);
        assert.deepEqual(parseStackConfig({}).appTeams, [], "no teams by default");
    });

    for (const [entry, why] of [
        ["quotes", 'has no "="'],
        [`${TEAM.toUpperCase()}=quotes`, "is not a lower-case object ID"],
        [`${TEAM}=Quotes`, `namespace "Quotes" of ${TEAM} is not a DNS-1123 label`],
        [`${TEAM}=kube-system`, `namespace "kube-system" of ${TEAM} is reserved`],
        [`${TEAM}=kube-anything`, `namespace "kube-anything" of ${TEAM} is reserved`],
        [`${TEAM}=default`, `namespace "default" of ${TEAM} is reserved`],
        [`${TEAM}=kube-public`, `namespace "kube-public" of ${TEAM} is reserved`],
        [`${TEAM}=kube-node-lease`, `namespace "kube-node-lease" of ${TEAM} is reserved`],
        [`${TEAM}=quotes,runtime-class-manager`, `entry "${TEAM}=quotes,runtime-class-manager": namespace "runtime-class-manager"`],
        // Its repositories `spinkube/…` would include the runtime's mirrored images (runtimeImageMirror.ts).
        [`${TEAM}=spinkube`, `namespace "spinkube" of ${TEAM} is reserved`],
        [`${TEAM}=a,a`, "lists a namespace twice"],
    ] as const) {
        it(`refuses ${JSON.stringify(entry)}: ${why}`, () => {
            assert.throws(
                () => parseStackConfig({ appTeams: JSON.stringify([entry]) }),
                (e: Error) => e.message.includes("aks-wasm:appTeams = ") && e.message.includes(why),
            );
        });
    }

    it("refuses a principal listed twice and a namespace of one of the stack's own apps", () => {
        assert.throws(() => parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=a`, `${TEAM}=b`]) }), /is listed twice/);
        assert.throws(
            () => parseStackConfig({ apps: '["hello-wasm"]', appTeams: JSON.stringify([`${TEAM}=hello-wasm`]) }),
            /aks-wasm:appTeams = "\[\\"hello-wasm\\"\]": namespaces other than the stack's own apps/,
        );
    });

    it("refuses the <app>-gateway namespace of any of the stack's apps, naming the entry (whatever the ingress mode)", () => {
        for (const ingressMode of ["gateway", "ingress", "none"]) {
            assert.throws(
                () => parseStackConfig({ apps: '["hello-wasm"]', ingressMode, appTeams: JSON.stringify([`${TEAM}=quotes,hello-wasm-gateway`]) }),
                (e: Error) => e.message.includes(`entry "${TEAM}=quotes,hello-wasm-gateway": namespace "hello-wasm-gateway" is the Gateway namespace of the stack's app "hello-wasm"`),
            );
        }
        assert.doesNotThrow(() => parseStackConfig({ apps: '["hello-wasm"]', appTeams: JSON.stringify([`${TEAM}=quotes-gateway`]) }), "another app's name is free");
    });
});

describe("AppTeamAccess", () => {
    let run: OfflineRun;
    const CLUSTER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
    const REGISTRY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";

    before(async () => {
        run = await installOfflineMocks({});
        const k8s = await import("@pulumi/kubernetes");
        const { AppTeamAccess } = await import("../components/platform/appTeamAccess.js");
        const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
        new AppTeamAccess("app-teams", {
            teams: [
                { principalId: TEAM, namespaces: ["quotes", "quotes-staging"] },
                { principalId: OTHER, namespaces: ["quotes"] },
            ],
            provider,
            clusterId: CLUSTER,
            registryId: REGISTRY,
            subscriptionId: "s",
        });
        await settle();
    });

    const assignments = () => run.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment").map((r) => r.inputs);

    it("creates each namespace once, with the app namespaces' Pod Security (baseline enforced, restricted audited)", () => {
        // Teams deploy Spin apps there, which run as uid 0 with a writable root (SHIM-1..5): restricted would refuse them.
        const namespaces = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        assert.deepEqual(namespaces.map((n) => n.inputs.metadata.name), ["quotes", "quotes-staging"]);
        for (const ns of namespaces) {
            assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
            assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
        }
    });

    it("grants AKS RBAC Writer per namespace, scoped to the namespace, and nothing cluster-wide", () => {
        const writer = assignments().filter((a) => a.roleDefinitionId.endsWith("/a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb"));
        assert.deepEqual(
            writer.map((a) => [a.principalId, a.scope]).sort(),
            [
                [OTHER, `${CLUSTER}/namespaces/quotes`],
                [TEAM, `${CLUSTER}/namespaces/quotes`],
                [TEAM, `${CLUSTER}/namespaces/quotes-staging`],
            ].sort(),
        );
        assert.ok(assignments().every((a) => a.scope !== CLUSTER), "no assignment on the whole cluster");
        for (const a of writer) assert.equal(a.roleAssignmentName, roleAssignmentName(a.scope, a.principalId, "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb"));
    });

    it("grants Container Registry Repository Writer limited by an ABAC condition to the team's own repositories", () => {
        const writers = assignments().filter((a) => a.roleDefinitionId === "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a1e307c-b015-4ebd-883e-5b7698a07328");
        assert.deepEqual(writers.map((a) => a.principalId).sort(), [TEAM, OTHER].sort());
        for (const a of writers) {
            assert.equal(a.scope, REGISTRY);
            assert.equal(a.conditionVersion, "2.0");
            assert.equal(a.roleAssignmentName, roleAssignmentName(REGISTRY, a.principalId, "2a1e307c-b015-4ebd-883e-5b7698a07328"));
        }
        const team = writers.find((a) => a.principalId === TEAM)!.condition as string;
        for (const action of ["content/read", "content/write", "metadata/read", "metadata/write"]) {
            assert.ok(team.includes(`!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/${action}'})`), action);
        }
        const name = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
        for (const repo of ["quotes", "quotes-container", "quotes-staging", "quotes-staging-container"]) {
            assert.ok(team.includes(`${name} StringEqualsIgnoreCase '${repo}'`), repo);
        }
        assert.ok(team.includes(`${name} StringStartsWithIgnoreCase 'quotes/'`));
        assert.ok(!/StringStartsWithIgnoreCase 'quotes'\)/.test(team), "no bare prefix: 'quotes' would match quotes-staging's repositories");
        const other = writers.find((a) => a.principalId === OTHER)!.condition as string;
        assert.ok(!other.includes("quotes-staging"), "OTHER has no right on TEAM's other namespace's repositories");
    });

    it("grants each namespace's holders, as Entra groups, exactly the Gateway API rights an app stack needs there, in that namespace only (SUP-5, SUP-6)", () => {
        const of = (type: string) => run.resources.filter((r) => r.type === type).map((r) => r.inputs);
        assert.deepEqual(of("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"), [], "nothing cluster-wide");
        assert.deepEqual(of("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"), [], "nothing cluster-wide");
        const roles = of("kubernetes:rbac.authorization.k8s.io/v1:Role");
        assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ["quotes", "quotes-staging"]);
        for (const role of roles) {
            assert.deepEqual(role.rules, [
                {
                    apiGroups: ["gateway.networking.k8s.io"],
                    // HTTPRoutes and the TLS ReferenceGrant live in the app's namespace; the Gateway does not (it is in <app>-gateway).
                    resources: ["httproutes", "referencegrants"],
                    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
                },
            ]);
        }
        const bindings = of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        const subjects = Object.fromEntries(bindings.map((b) => [b.metadata.namespace, b.subjects]));
        const group = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
        assert.deepEqual(subjects, { quotes: [TEAM, OTHER].sort().map(group), "quotes-staging": [group(TEAM)] }, "OTHER holds quotes only");
        for (const b of bindings) {
            assert.deepEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "aks-wasm-app-team-routes" }, "a Role of the same namespace, never a ClusterRole");
            assert.equal(roles.find((r) => r.metadata.namespace === b.metadata.namespace)!.metadata.name, b.roleRef.name);
        }
    });

    it("grants no legacy AcrPush (not honoured in ABAC mode, and registry-wide)", () => {
        assert.ok(assignments().every((a) => !a.roleDefinitionId.endsWith("/8311e382-0749-4cb8-b61a-304f252e45ec")));
    });
});
