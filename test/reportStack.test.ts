/**
 * The report reads what the program really exports: the dev stack, evaluated offline (SDK mocks, lib/offline/offline),
 * turned into the JSON `pulumi stack output --json` prints (secret outputs as "[secret]", platform-contracts
 * REPORT-1), renders without error. The load-test and measurement figures in it are the stand-ins of
 * lib/offline/mockCloud.cjs (zeros, no load was generated): this pins the shape, not the numbers. One stack per file: the
 * program module loads once per process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { OUTPUTS_CONTRACT_VERSION } from "../outputs";
import { evaluateStack, valueOf } from "../lib/offline/offline";
import { buildReport } from "../scripts/report";

const ROOT = join(__dirname, "..");

/** Each output's value, or "[secret]" for a secret one, as the CLI prints them without --show-secrets. */
async function stackOutputJson(outputs: Record<string, pulumi.Output<unknown>>): Promise<string> {
    const entries = await Promise.all(
        Object.entries(outputs).map(async ([key, output]) => {
            const out = pulumi.output(output);
            // Output.isSecret is the SDK's own flag (a Promise<boolean>), set by pulumi.secret and carried through apply.
            const secret = await (out as unknown as { isSecret: Promise<boolean> }).isSecret;
            const value = await valueOf(out);
            return value === undefined ? [] : [[key, secret ? "[secret]" : value] as const];
        }),
    );
    return JSON.stringify(Object.fromEntries(entries.flat()), null, 2);
}

test("the report renders the outputs the dev stack exports (offline evaluation), with no secret in it", async () => {
    const evaluation = await evaluateStack({ projectDir: ROOT, stack: "dev" });
    const json = await stackOutputJson(evaluation.outputs);
    const outputs = JSON.parse(json);
    assert.equal(outputs.contractVersion, OUTPUTS_CONTRACT_VERSION);
    assert.equal(outputs.kubeconfig, "[secret]", "the kubeconfig output is a secret");
    assert.ok(outputs.loadTest?.["hello-wasm"]?.summaries?.wasm, "dev runs the load test");

    const { markdown, svg } = await buildReport(json, { withChart: true });
    assert.match(markdown, new RegExp(`Outputs contract ${OUTPUTS_CONTRACT_VERSION.replace(".", "\\.")}`));
    assert.match(markdown, /\n## hello-wasm\n/);
    assert.match(markdown, /\| load test \| `wasm` \| `container` \| wasm ÷ container \|/, "dev has the container baseline");
    assert.ok(svg?.startsWith("<svg"));
    assert.ok(!markdown.includes("[secret]") && !svg!.includes("[secret]"));
});
