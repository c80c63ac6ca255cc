/**
 * lib/contract/platformContract.ts: an app stack reads the platform stack's outputs only after checking the contract's
 * major version and every field it uses, and reports every problem at once before any resource depends on them.
 * The StackReference here is a stand-in object answering `getOutputDetails` as the SDK does (a secret output in
 * `secretValue`, a plain one in `value`, a missing one with neither: platform-contracts PUL-1, PUL-2); the
 * Kubernetes provider is registered under the SDK's mocks.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { isSecretInput } from "../lib/offline/offline";
import { OUTPUTS_CONTRACT_VERSION } from "../outputs";
import { checkContractVersion, contractMajor, PlatformContractError, platformFromStackReference, platformOutputProblems, teamGatewayProblems } from "../lib/contract/platformContract";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const PLACEMENT = { runtimeClassName: "wasmtime-spin-v2", nodeSelector: { pool: "wasm" }, tolerations: [] };

function outputs(over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        acrLoginServer: "acr.azurecr.io",
        acrName: "acr",
        acrResourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
        wasmPlacement: PLACEMENT,
        ingressMode: "gateway",
        ingressClassName: "webapprouting.kubernetes.azure.com",
        gatewayClassName: "approuting-istio",
        loadTestImage: `acr.azurecr.io/loadtest@${DIGEST}`,
        measureImage: `acr.azurecr.io/measure@${DIGEST}`,
        ...over,
    };
}

/** The output names each problem is about. */
const named = (problems: string[]) => problems.map((p) => p.split(/[:= ]/)[0]);

describe("contract version", () => {
    it("reads the major of MAJOR.MINOR, nothing else", () => {
        assert.equal(contractMajor("1.2"), 1);
        assert.equal(contractMajor("12.0"), 12);
        for (const bad of ["1", "1.2.3", "v1.2", "1.x", " 1.2", "1.2 ", "", 1.2, null, undefined]) assert.equal(contractMajor(bad), undefined, String(bad));
    });

    it("accepts the same major at any minor, and refuses another major or no version, naming the stack", () => {
        assert.doesNotThrow(() => checkContractVersion("org/p/dev", "1.0", "1.2"));
        assert.doesNotThrow(() => checkContractVersion("org/p/dev", "1.99", "1.2"));
        for (const bad of ["2.0", "0.9", undefined, "1", 1]) {
            assert.throws(() => checkContractVersion("org/p/dev", bad, "1.2"), (e: Error) => e instanceof PlatformContractError && e.message.includes("'org/p/dev'"), String(bad));
        }
        assert.throws(() => checkContractVersion("s", "1.5", "2.1"), PlatformContractError, "compared with the expected major");
        assert.throws(() => checkContractVersion("s", "3.0", "2.1"), (e: Error) => e.name === "PlatformContractError" && /\b3\.0\b/.test(e.message) && /\b2\.x\b/.test(e.message) && /\b2\.1\b/.test(e.message), "names the version found and the one read");
        assert.throws(() => checkContractVersion("s", undefined, "2.1"), (e: Error) => /no usable contractVersion output/.test(e.message) && /\b2\.x\b/.test(e.message), "says the output is missing");
        assert.doesNotThrow(() => checkContractVersion("s", "2.5", "2.1"));
    });

    it("refuses an expected version that is not MAJOR.MINOR (a programming error, not the platform's)", () => {
        assert.throws(() => checkContractVersion("s", "1.0", "1"), (e: Error) => !(e instanceof PlatformContractError) && /not MAJOR\.MINOR/.test(e.message));
    });

    it("checks this program's own contract version by default", () => {
        const [major] = OUTPUTS_CONTRACT_VERSION.split(".");
        assert.doesNotThrow(() => checkContractVersion("s", `${major}.0`));
        assert.throws(() => checkContractVersion("s", `${Number(major) + 1}.0`), PlatformContractError);
    });
});

describe("platform outputs", () => {
    it("accepts a complete set, with or without the optional images", () => {
        assert.deepEqual(platformOutputProblems(outputs(), true), []);
        assert.deepEqual(platformOutputProblems(outputs({ loadTestImage: undefined, measureImage: undefined }), true), []);
        for (const mode of ["ingress", "gateway", "none"]) assert.deepEqual(platformOutputProblems(outputs({ ingressMode: mode }), true), [], mode);
    });

    it("names each missing output and the kubeconfig", () => {
        const all = Object.fromEntries(Object.keys(outputs()).map((k) => [k, undefined]));
        assert.deepEqual(named(platformOutputProblems(all, false)), [
            "acrLoginServer", "acrName", "acrResourceId", "wasmPlacement", "ingressMode", "ingressClassName", "gatewayClassName", "kubeconfig",
        ]);
        for (const p of platformOutputProblems(all, false)) assert.match(p, /: missing; expected \S/);
    });

    it("names each malformed output", () => {
        const cases: [string, unknown][] = [
            ["acrLoginServer", ""], ["acrLoginServer", 3], ["acrName", ""], ["acrResourceId", null], ["ingressClassName", ""], ["gatewayClassName", {}],
            ["ingressMode", "Ingress"], ["ingressMode", ""],
            ["wasmPlacement", null], ["wasmPlacement", "wasm"], ["wasmPlacement", { ...PLACEMENT, runtimeClassName: "" }],
            ["wasmPlacement", { ...PLACEMENT, nodeSelector: null }], ["wasmPlacement", { ...PLACEMENT, nodeSelector: "pool=wasm" }],
            ["wasmPlacement", { ...PLACEMENT, tolerations: {} }], ["wasmPlacement", { runtimeClassName: "x", tolerations: [] }],
        ];
        for (const [key, value] of cases) {
            const problems = platformOutputProblems(outputs({ [key]: value }), true);
            assert.deepEqual(named(problems), [key], `${key} = ${JSON.stringify(value)}`);
            assert.ok(problems[0].includes(JSON.stringify(value)), problems[0]);
            assert.match(problems[0], /: expected \S/, "says what is expected");
        }
    });

    it("takes an image only pinned by digest", () => {
        for (const key of ["loadTestImage", "measureImage"]) {
            for (const bad of ["acr.azurecr.io/loadtest:1.0", "acr.azurecr.io/loadtest", `acr.azurecr.io/x@sha256:${"ab".repeat(31)}`, `acr.azurecr.io/x@sha256:${"AB".repeat(32)}`, `acr .io/x@${DIGEST}`, `@${DIGEST}`, `a@b@${DIGEST}`, `x@${DIGEST} `, ""]) {
                assert.deepEqual(named(platformOutputProblems(outputs({ [key]: bad }), true)), [key], `${key} = ${bad}`);
            }
        }
    });
});

describe("team Gateway namespaces (contract 1.4)", () => {
    const STACK = "org/aks-wasm/dev";
    const platform = (contractVersion: string, mode: "ingress" | "gateway" | "none", teamGatewayNamespaces?: Record<string, string>) => ({ contractVersion, exposure: { mode }, teamGatewayNamespaces });

    it("takes the map as an object of names, or no output (a platform before 1.4)", () => {
        for (const ok of [undefined, {}, { quotes: "quotes-gateway", shop: "shop-gateway" }]) assert.deepEqual(platformOutputProblems(outputs({ teamGatewayNamespaces: ok }), true), [], JSON.stringify(ok));
        for (const bad of [null, [], ["quotes-gateway"], "quotes-gateway", { quotes: "" }, { quotes: 3 }, { quotes: null }]) {
            const problems = platformOutputProblems(outputs({ teamGatewayNamespaces: bad }), true);
            assert.deepEqual(named(problems), ["teamGatewayNamespaces"], JSON.stringify(bad));
            assert.ok(problems[0].includes(JSON.stringify(bad)), problems[0]);
        }
    });

    it("refuses a gateway platform older than 1.4, naming the stack, its contract, the namespace it lacks and the fix", () => {
        for (const old of ["1.3", "1.1", "1.0"]) {
            const problems = teamGatewayProblems(STACK, platform(old, "gateway"), "quotes");
            assert.equal(problems.length, 1, old);
            assert.ok(problems[0].includes(`Stack '${STACK}' publishes outputs contract ${old}`), problems[0]);
            assert.ok(problems[0].includes('namespaces "quotes-gateway" not found'), "the failure it prevents");
            assert.ok(problems[0].includes(`Update the platform stack '${STACK}' (pulumi up with this release)`), "the fix");
        }
    });

    it("refuses a namespace the platform made no Gateway namespace for, naming it, the team namespaces and the fix", () => {
        const problems = teamGatewayProblems(STACK, platform("1.4", "gateway", { quotes: "quotes-gateway", shop: "shop-gateway" }), "orders");
        assert.equal(problems.length, 1);
        assert.ok(problems[0].startsWith(`namespace "orders" is not a team namespace of stack '${STACK}' (contract 1.4`), problems[0]);
        assert.ok(problems[0].includes('no Gateway namespace "orders-gateway"'), problems[0]);
        assert.ok(problems[0].includes('its team namespaces: "quotes", "shop"'), problems[0]);
        assert.ok(problems[0].includes("Add \"orders\" to the platform's appTeams (pulumi config set --path 'appTeams[<n>]' '<object ID>=orders'"), problems[0]);
        assert.match(teamGatewayProblems(STACK, platform("1.4", "gateway", {}), "quotes")[0], /its team namespaces: none\./);
        // A name Object.prototype has is still not a key of the map.
        for (const inherited of ["constructor", "__proto__"]) assert.equal(teamGatewayProblems(STACK, platform("1.4", "gateway", {}), inherited).length, 1, inherited);
    });

    it("refuses a map that names another Gateway namespace than this release puts the Gateway in", () => {
        const problems = teamGatewayProblems(STACK, platform("1.5", "gateway", { quotes: "quotes-gw" }), "quotes");
        assert.equal(problems.length, 1);
        assert.ok(problems[0].includes('"quotes-gw"') && problems[0].includes('"quotes-gateway"'), problems[0]);
    });

    it("accepts a 1.4 gateway platform listing the namespace, and any platform that is not in gateway mode", () => {
        assert.deepEqual(teamGatewayProblems(STACK, platform("1.4", "gateway", { quotes: "quotes-gateway" }), "quotes"), []);
        assert.deepEqual(teamGatewayProblems(STACK, platform("1.7", "gateway", { quotes: "quotes-gateway" }), "quotes"), [], "a newer minor");
        for (const mode of ["ingress", "none"] as const) {
            assert.deepEqual(teamGatewayProblems(STACK, platform("1.3", mode), "quotes"), [], `1.3 ${mode}`);
            assert.deepEqual(teamGatewayProblems(STACK, platform("1.4", mode, {}), "quotes"), [], `1.4 ${mode}`);
        }
    });
});

describe("platformFromStackReference", () => {
    const providers: { name: string; inputs: Record<string, unknown> }[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    if (a.type === "pulumi:providers:kubernetes") providers.push({ name: a.name, inputs: a.inputs });
                    return { id: `${a.name}-id`, state: a.inputs };
                },
                call: (a) => a.inputs,
            },
            "app",
            "dev",
            false,
        );
    });

    /** A StackReference stand-in: `getOutputDetails` as the SDK answers it. */
    const reference = (values: Record<string, unknown>, secret: string[] = ["kubeconfig"]) =>
        ({
            getOutputDetails: async (key: string) => {
                const value = values[key];
                if (value === undefined) return {};
                return secret.includes(key) ? { secretValue: value } : { value };
            },
        }) as unknown as pulumi.StackReference;

    const all = (over: Record<string, unknown> = {}) => ({ contractVersion: OUTPUTS_CONTRACT_VERSION, kubeconfig: "apiVersion: v1\n", ...outputs(), ...over });

    it("describes the platform from its outputs, the kubeconfig kept secret even when it was published plain", async () => {
        for (const secret of [["kubeconfig"], []]) {
            const p = await platformFromStackReference(reference(all(), secret), "org/aks-wasm/dev");
            assert.equal(p.contractVersion, OUTPUTS_CONTRACT_VERSION);
            assert.deepEqual(p.registry, { loginServer: "acr.azurecr.io", name: "acr", resourceId: outputs().acrResourceId });
            assert.deepEqual(p.wasmPlacement, PLACEMENT);
            assert.deepEqual(p.exposure, { mode: "gateway", ingressClassName: "webapprouting.kubernetes.azure.com", gatewayClassName: "approuting-istio" });
            assert.equal(p.loadTestImage, outputs().loadTestImage);
            assert.equal(p.measureImage, outputs().measureImage);
            assert.deepEqual([p.workloadDependsOn, p.exposureDependsOn], [[], []]);
            assert.equal(await pulumi.isSecret(p.kubeconfig), true, `published secret: ${secret.length > 0}`);
            assert.ok(p.provider);
        }
        await new Promise((r) => setTimeout(r, 50));
        const provider = providers.find((x) => x.name === "platform");
        assert.ok(provider, "a Kubernetes provider named platform by default");
        assert.ok(isSecretInput(provider.inputs.kubeconfig), "the provider gets the kubeconfig as a secret");
        assert.equal((provider.inputs.kubeconfig as { value: unknown }).value, "apiVersion: v1\n");
        assert.equal(String(provider.inputs.enableServerSideApply), "true", "server-side apply, as the platform's own provider");
        await platformFromStackReference(reference(all()), "s", { providerName: "team" });
        await new Promise((r) => setTimeout(r, 50));
        assert.ok(providers.some((x) => x.name === "team"));
    });

    it("checks an app namespace against teamGatewayNamespaces before it registers the provider", async () => {
        const count = async (name: string) => {
            await new Promise((r) => setTimeout(r, 50));
            return providers.filter((x) => x.name === name).length;
        };
        const old = all({ contractVersion: "1.3", teamGatewayNamespaces: undefined });
        await assert.rejects(platformFromStackReference(reference(old), "org/aks-wasm/dev", { providerName: "refused", appNamespace: "quotes" }), (e: Error) => {
            assert.ok(e instanceof PlatformContractError);
            assert.match(e.message, /^Stack 'org\/aks-wasm\/dev' publishes outputs contract 1\.3 with ingressMode "gateway", but no teamGatewayNamespaces/);
            return true;
        });
        const current = all({ teamGatewayNamespaces: { shop: "shop-gateway" } });
        await assert.rejects(platformFromStackReference(reference(current), "s", { providerName: "refused", appNamespace: "quotes" }), /namespace "quotes" is not a team namespace of stack 's'/);
        assert.equal(await count("refused"), 0, "no provider for a refused platform");

        const ok = await platformFromStackReference(reference(all({ teamGatewayNamespaces: { quotes: "quotes-gateway" } })), "s", { providerName: "accepted", appNamespace: "quotes" });
        assert.deepEqual(ok.teamGatewayNamespaces, { quotes: "quotes-gateway" });
        // An app that creates its namespace (no appNamespace) makes its own <app>-gateway: a 1.3 platform is fine.
        const plain = await platformFromStackReference(reference(old), "s", { providerName: "accepted" });
        assert.equal(plain.teamGatewayNamespaces, undefined, "a 1.3 platform lists none: undefined, not {}");
        assert.equal(await count("accepted"), 2);
    });

    it("refuses another major before reading further, naming the stack", async () => {
        await assert.rejects(platformFromStackReference(reference(all({ contractVersion: "2.0" })), "org/aks-wasm/dev"), (e: Error) => e instanceof PlatformContractError && e.message.includes("'org/aks-wasm/dev'"));
        await assert.rejects(platformFromStackReference(reference(all({ contractVersion: undefined })), "s"), PlatformContractError);
    });

    it("refuses every problem at once, counting them, a secret kubeconfig found or not", async () => {
        await assert.rejects(platformFromStackReference(reference(all({ acrName: undefined, kubeconfig: undefined })), "s"), (e: Error) => {
            assert.ok(e instanceof PlatformContractError);
            assert.match(e.message, /\(2 problems\)/);
            assert.match(e.message, new RegExp(`\\(contract ${OUTPUTS_CONTRACT_VERSION.replace(".", "\\.")}\\)`), "the contract found");
            assert.ok(e.message.includes(`publishes contract ${OUTPUTS_CONTRACT_VERSION} or later`), "the contract needed");
            assert.match(e.message, /- acrName: missing/);
            assert.match(e.message, /- kubeconfig: missing/);
            return true;
        });
        await assert.rejects(platformFromStackReference(reference(all({ kubeconfig: "" })), "s"), /\(1 problem\):\n {2}- kubeconfig: missing/);
    });
});
