/**
 * examples/consumer under the SDK's mocks. The StackReference's outputs come from the mock (a stand-in for the
 * referenced stack's state, as the engine would return it on read); everything else is the real program.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { installOfflineMocks, settle, valueOf } from "../lib/offline";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "../outputs";

/** The referenced stack's state: outputs, and which of them it marked secret. */
let referenced: { outputs: Record<string, unknown>; secretOutputNames: string[] };

function stackOutputs(overrides: Partial<StackOutputs> = {}): StackOutputs {
    return {
        contractVersion: OUTPUTS_CONTRACT_VERSION,
        resourceGroupName: "rg-aks-wasm-dev",
        clusterName: "aks-wasm-dev",
        kubeconfig: "apiVersion: v1\nkind: Config\n# mock kubeconfig\n",
        oidcIssuerUrl: "https://mock.oic.prod-aks.azure.com/x/",
        acrLoginServer: "acraksdev.azurecr.io",
        acrName: "acraksdev",
        wasmRuntime: "spinkube",
        wasmNodePoolName: "wasm",
        runtimeClassName: "wasmtime-spin-v2",
        wasmPlacement: { runtimeClassName: "wasmtime-spin-v2", nodeSelector: { spin: "true" }, tolerations: [] },
        ingressMode: "gateway",
        apps: {
            "hello-wasm": {
                image: `acraksdev.azurecr.io/hello-wasm@sha256:${"ab".repeat(32)}`,
                namespace: "apps",
                serviceUrl: "http://hello-wasm.apps.svc.cluster.local",
                publicUrl: "https://hello.example.com",
            },
        },
        ...overrides,
    };
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const runPromise = installOfflineMocks({
    project: "aks-wasm-consumer",
    stack: "dev",
    config: { aksWasmStack: "organization/aks-wasm/dev" },
    overrides: (args) => (args.type === "pulumi:pulumi:StackReference" ? { ...referenced } : undefined),
});

/** Waits for the previous case's registrations to finish, then forgets them. */
async function freshRecord() {
    const run = await runPromise;
    await settle();
    run.resources.length = 0;
    return run;
}

async function deploy() {
    await runPromise;
    const { deployConsumer } = await import("../examples/consumer/consumer.js");
    return deployConsumer();
}

test("passes with the current contract version and describes the app", async () => {
    referenced = { outputs: { ...stackOutputs() }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    const out = await deploy();
    assert.equal(out.contractVersion, OUTPUTS_CONTRACT_VERSION);
    assert.equal(out.appUrl, "https://hello.example.com");
    assert.equal(out.appNamespace, "apps");
    const ref = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
    assert.equal(ref?.inputs.name, "organization/aks-wasm/dev");
    await valueOf(out.configMapName);
    const cm = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap");
    assert.ok(cm, "a ConfigMap is registered");
    assert.equal(cm.inputs.metadata.namespace, "apps");
    assert.deepEqual(cm.inputs.data, {
        APP_NAME: "hello-wasm",
        APP_URL: "https://hello.example.com",
        SERVICE_URL: "http://hello-wasm.apps.svc.cluster.local",
        CONTRACT_VERSION: OUTPUTS_CONTRACT_VERSION,
    });
});

test("a newer minor of the same major is accepted", async () => {
    const [major] = OUTPUTS_CONTRACT_VERSION.split(".");
    referenced = { outputs: { ...stackOutputs({ contractVersion: `${major}.99` }) }, secretOutputNames: ["kubeconfig"] };
    const out = await deploy();
    assert.equal(out.contractVersion, `${major}.99`);
});

test("refuses another contract major with a message naming both versions and the fix", async () => {
    const next = `${Number(OUTPUTS_CONTRACT_VERSION.split(".")[0]) + 1}.0`;
    referenced = { outputs: { ...stackOutputs({ contractVersion: next }) }, secretOutputNames: ["kubeconfig"] };
    const run = await freshRecord();
    await assert.rejects(deploy(), (e: Error) => {
        assert.equal(
            e.message,
            `Stack 'organization/aks-wasm/dev' publishes outputs contract ${next}, but this program reads contract 1.x ` +
                `(OUTPUTS_CONTRACT_VERSION ${OUTPUTS_CONTRACT_VERSION}). Update the consumer for contract 2.x, or set ` +
                `aksWasmStack to a stack that publishes 1.x.`,
        );
        return true;
    });
    // Nothing that uses the cluster is registered once the contract is refused.
    assert.deepEqual(
        run.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference").map((r) => r.type),
        [],
    );
});

test("refuses a stack without a contract version", async () => {
    const { contractVersion: _omit, ...rest } = stackOutputs();
    referenced = { outputs: rest, secretOutputNames: ["kubeconfig"] };
    await assert.rejects(deploy(), /Stack 'organization\/aks-wasm\/dev' has no usable contractVersion output \(found undefined\); expected 1\.x/);
});

test("keeps the kubeconfig secret, even when the producer did not mark it", async () => {
    referenced = { outputs: { ...stackOutputs() }, secretOutputNames: [] };
    const run = await freshRecord();
    const out = await deploy();
    await valueOf(out.configMapName as pulumi.Output<string>);
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.ok(provider, "a kubernetes provider is registered");
    // The mock monitor receives inputs as the engine would: a secret arrives wrapped in the secret signature.
    assert.deepEqual(provider.inputs.kubeconfig, { [SECRET_SIG_KEY]: SECRET_SIG, value: stackOutputs().kubeconfig });
    // And no stack output carries it.
    assert.ok(!JSON.stringify({ ...out, configMapName: undefined }).includes("mock kubeconfig"));
});
