/**
 * The dev stack on the experimental containerd-2 Wasm pool (wasmOsSku=AzureLinux, the project's own shim installer,
 * docs/wasm-runtime.md) passes the policy pack too: the installer is privileged by design, and the pack admits it
 * only in its own namespace, the named exception beside runtime-class-manager's (policy/podSecurityPolicies.ts).
 * One stack per file: the program module loads once per process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateStack, mapSecrets } from "../lib/offline/offline";
import { evaluatePolicies, type PackConfig } from "../policy/evaluate";

const ROOT = join(__dirname, "..");

test("dev stack on containerd 2: no mandatory violation; the installer passes only in its own namespace", async () => {
    const evaluation = await evaluateStack({ projectDir: ROOT, stack: "dev", overrides: { "aks-wasm:wasmOsSku": "AzureLinux", "aks-wasm:kubernetesVersion": "1.37" } });
    const resources = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: mapSecrets(r.inputs, (v) => v) as Record<string, any> }));
    const installer = resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet" && r.props.metadata?.name === "shim-installer");
    assert.ok(installer, "the containerd-2 path registers the shim installer");
    const config = JSON.parse(readFileSync(join(ROOT, "policy", "dev.json"), "utf8")) as PackConfig;
    const mandatory = (await evaluatePolicies(resources, config)).filter((v) => v.enforcementLevel === "mandatory");
    assert.deepEqual(mandatory, []);
    // The exception is the namespace, not the pod: the same DaemonSet anywhere else is refused.
    const moved = { ...installer, props: { ...installer.props, metadata: { ...installer.props.metadata, namespace: "team-a" } } };
    const refused = (await evaluatePolicies([moved], config)).filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy);
    assert.ok(refused.includes("pod-security-basics"), JSON.stringify(refused));
    // In its namespace an upstream image must still be pinned by digest: by tag it is refused.
    const spec = installer.props.spec.template.spec;
    const byTag = { ...installer, props: { ...installer.props, spec: { ...installer.props.spec, template: { ...installer.props.spec.template, spec: { ...spec, containers: [{ ...spec.containers[0], image: "docker.io/library/busybox:1.37.0-glibc" }] } } } } };
    const tagRefused = (await evaluatePolicies([byTag], config)).filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy);
    assert.deepEqual(tagRefused, ["images-from-acr-by-digest"]);
});
