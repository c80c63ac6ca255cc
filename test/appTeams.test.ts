/**
 * Rights for app teams: the `appTeams` config key (parsed in lib/kubernetes/appTeams.ts, validated with every other key in
 * config/) and AppTeamAccess under the SDK's mocks, with the exact role assignments it registers.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installOfflineMocks, settle, type OfflineRun } from "../lib/offline/offline";
import { parseStackConfig } from "../config";
import { roleAssignmentName } from "../lib/azure/azureNames";
import { defaultDenyEgressSpec, egressReaches, inClusterEgressSpec } from "../lib/kubernetes/egressPolicy";
import { teamGatewayNamespaces } from "../lib/kubernetes/appTeams";

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

    it("refuses a team namespace that is the <ns>-gateway the platform creates for another entry's namespace, naming both entries", () => {
        // The team holding it would get Writer where the other team's gateway proxy runs.
        assert.throws(
            () => parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=quotes`, `${OTHER}=quotes-gateway`]) }),
            (e: Error) =>
                e.message.includes("aks-wasm:appTeams = ") &&
                e.message.includes(`entry "${OTHER}=quotes-gateway": namespace "quotes-gateway" is the Gateway namespace the platform creates for namespace "quotes" of entry "${TEAM}=quotes"`),
        );
        assert.throws(() => parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=quotes,quotes-gateway`]) }), /namespace "quotes-gateway" is the Gateway namespace the platform creates for namespace "quotes"/, "within one entry too");
        assert.doesNotThrow(() => parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=quotes`, `${OTHER}=gateway-quotes,quotes-gw`]) }), "only the exact <ns>-gateway is taken");
    });

    it("refuses a team namespace whose <ns>-gateway would be reserved, too long, or a stack app's namespace", () => {
        const refused = (entries: string[], apps: string[], why: string) =>
            assert.throws(
                () => parseStackConfig({ apps: JSON.stringify(apps), appTeams: JSON.stringify(entries) }),
                (e: Error) => e.message.includes("aks-wasm:appTeams = ") && e.message.includes(why),
                why,
            );
        refused([`${TEAM}=kube`], ["hello-wasm"], `would get the Gateway namespace "kube-gateway", which is reserved`);
        refused([`${TEAM}=${"a".repeat(56)}`], ["hello-wasm"], `is longer than 55 characters (its Gateway namespace "${"a".repeat(56)}-gateway" must be at most 63)`);
        refused([`${TEAM}=shop`], ["shop-gateway"], `entry "${TEAM}=shop": the Gateway namespace "shop-gateway" of its namespace "shop" is the namespace of the stack's own app "shop-gateway"`);
        assert.doesNotThrow(() => parseStackConfig({ appTeams: JSON.stringify([`${TEAM}=${"a".repeat(55)}`]) }), "55 characters fit");
    });
});

describe("teamGatewayNamespaces (the outputs contract's map, since 1.4)", () => {
    const teams = [
        { principalId: TEAM, namespaces: ["quotes", "quotes-staging"] },
        { principalId: OTHER, namespaces: ["quotes", "shop"] },
    ];
    it("maps each team namespace once to its <ns>-gateway in gateway mode", () => {
        assert.deepEqual(teamGatewayNamespaces(teams, true), { quotes: "quotes-gateway", "quotes-staging": "quotes-staging-gateway", shop: "shop-gateway" });
        assert.deepEqual(teamGatewayNamespaces([], true), {});
    });
    it("is empty when the platform makes no Gateway namespaces (ingressMode ingress or none)", () => {
        assert.deepEqual(teamGatewayNamespaces(teams, false), {});
    });
});

describe("AppTeamAccess", () => {
    let run: OfflineRun;
    let access: import("../components/platform/appTeamAccess").AppTeamAccess;
    const CLUSTER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
    const REGISTRY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";

    before(async () => {
        run = await installOfflineMocks({});
        const k8s = await import("@pulumi/kubernetes");
        const { AppTeamAccess } = await import("../components/platform/appTeamAccess.js");
        const provider = new k8s.Provider("cluster", { kubeconfig: "stand-in kubeconfig (mocks)" });
        access = new AppTeamAccess("app-teams", {
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
        assert.deepEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), ["quotes", "quotes-gateway", "quotes-staging", "quotes-staging-gateway"]);
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
        const roles = of("kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.metadata.name === "aks-wasm-app-team-routes");
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
        const bindings = of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((b) => b.metadata.name === "aks-wasm-app-team-routes");
        const subjects = Object.fromEntries(bindings.map((b) => [b.metadata.namespace, b.subjects]));
        const group = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
        assert.deepEqual(subjects, { quotes: [TEAM, OTHER].sort().map(group), "quotes-staging": [group(TEAM)] }, "OTHER holds quotes only");
        for (const b of bindings) {
            assert.deepEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "aks-wasm-app-team-routes" }, "a Role of the same namespace, never a ClusterRole");
            assert.equal(roles.find((r) => r.metadata.namespace === b.metadata.namespace)!.metadata.name, b.roleRef.name);
        }
    });

    describe("each team namespace's Gateway namespace <ns>-gateway", () => {
        const of = (type: string) => run.resources.filter((r) => r.type === type).map((r) => r.inputs);
        const GATEWAY_NAMESPACES = ["quotes-gateway", "quotes-staging-gateway"];

        it("is what the platform publishes as teamGatewayNamespaces (contract 1.4): each team namespace once, to exactly the namespace it creates", () => {
            assert.deepEqual(access.gatewayNamespaceByNamespace, { quotes: "quotes-gateway", "quotes-staging": "quotes-staging-gateway" });
            const created = of("kubernetes:core/v1:Namespace").map((n) => n.metadata.name).filter((n: string) => n.endsWith("-gateway"));
            assert.deepEqual(created.sort(), Object.values(access.gatewayNamespaceByNamespace).sort());
        });

        it("is created by the platform with the stack's gateway-namespace Pod Security and the team Gateway policy's label", () => {
            for (const name of GATEWAY_NAMESPACES) {
                const ns = of("kubernetes:core/v1:Namespace").find((n) => n.metadata.name === name);
                assert.ok(ns, name);
                // Istio's gateway pods set no seccompProfile (components/app/appExposure.ts): baseline, restricted audited.
                assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
                assert.equal(ns.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
                assert.equal(ns.metadata.labels["aks-wasm/team-gateways"], "restricted", "the team Gateway admission policy binds here");
                assert.equal(ns.metadata.labels["aks-wasm/guard-rails"], undefined, "as the stack's own gateway namespaces: only istiod's proxies run here");
            }
            const teamNs = of("kubernetes:core/v1:Namespace").find((n) => n.metadata.name === "quotes")!;
            assert.equal(teamNs.metadata.labels["aks-wasm/team-gateways"], undefined, "the Gateway policy is not bound in the team namespace itself");
        });

        it("denies the proxies' egress but DNS and pods in the cluster: never the internet or the metadata service", () => {
            for (const name of GATEWAY_NAMESPACES) {
                const policies = of("kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.metadata.namespace === name);
                assert.deepEqual(Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec])), {
                    "default-deny-egress": defaultDenyEgressSpec(),
                    "in-cluster-egress": inClusterEgressSpec(),
                });
                for (const p of policies) for (const ip of ["169.254.169.254", "20.1.2.3"]) assert.ok(!egressReaches(p.spec, ip), `${p.metadata.name} reaches ${ip}`);
            }
        });

        it("lets the team's groups manage exactly gateways there, and nothing else anywhere else (no Azure role there)", () => {
            // Every namespaced right the platform grants a team, as namespace → rules: the whole set, so a Role that
            // reached another namespace or another resource fails here.
            const rights = (subject: string) =>
                of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
                    .filter((b) => b.subjects.some((s: { name: string }) => s.name === subject))
                    .map((b) => {
                        const role = of("kubernetes:rbac.authorization.k8s.io/v1:Role").find((r) => r.metadata.namespace === b.metadata.namespace && r.metadata.name === b.roleRef.name);
                        return [b.metadata.namespace, role?.rules.flatMap((r: { resources: string[] }) => r.resources).join(",")];
                    })
                    .sort();
            assert.deepEqual(rights(TEAM), [
                ["quotes", "httproutes,referencegrants"],
                ["quotes-gateway", "gateways"],
                ["quotes-staging", "httproutes,referencegrants"],
                ["quotes-staging-gateway", "gateways"],
            ]);
            assert.deepEqual(rights(OTHER), [
                ["quotes", "httproutes,referencegrants"],
                ["quotes-gateway", "gateways"],
            ], "OTHER holds quotes only, so only its Gateway namespace");
            for (const ns of GATEWAY_NAMESPACES) {
                const role = of("kubernetes:rbac.authorization.k8s.io/v1:Role").find((r) => r.metadata.namespace === ns)!;
                assert.equal(role.metadata.name, "aks-wasm-app-team-gateways");
                assert.deepEqual(role.rules, [
                    { apiGroups: ["gateway.networking.k8s.io"], resources: ["gateways"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                ]);
                const binding = of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").find((b) => b.metadata.namespace === ns)!;
                assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "aks-wasm-app-team-gateways" });
                assert.ok(binding.subjects.every((s: { kind: string }) => s.kind === "Group"));
            }
            assert.ok(assignments().every((a) => !String(a.scope).endsWith("-gateway")), "no Azure role (Writer) in a Gateway namespace: no pods, Secrets or policies of the team there");
        });
    });

    it("grants no legacy AcrPush (not honoured in ABAC mode, and registry-wide)", () => {
        assert.ok(assignments().every((a) => !a.roleDefinitionId.endsWith("/8311e382-0749-4cb8-b61a-304f252e45ec")));
    });
});
