/**
 * `npm run render` as a reviewer uses it: the sizing, the protected resources and the capacity plan in plan.md;
 * no stale output after a failed render; bad config refused in `pulumi up`'s words; an unknown --stack refused with
 * the known ones listed. Runs the real
 * script in a child process (the Pulumi SDK's runtime state is global, one evaluation per process).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { knownStacks } from "../scripts/render";

const exec = promisify(execFile);
const root = join(__dirname, "..");

async function render(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", join(root, "scripts", "render.ts"), dir, ...args], { cwd: root });
        return { code: 0, stdout, stderr };
    } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
}

describe("npm run render", () => {
    const dir = mkdtempSync(join(tmpdir(), "aks-wasm-render-test-"));
    let prod: { code: number; stdout: string; stderr: string };
    let planMd = "";

    before(async () => {
        prod = await render(dir, "--stack", "prod");
        planMd = readFileSync(join(dir, "plan.md"), "utf8");
    });

    it("knows the stacks by their Pulumi.<stack>.yaml files", () => {
        assert.deepEqual(knownStacks(root), ["dev", "prod"]);
    });

    it("shows the sizing: VM sizes, node counts with autoscaler bounds, zones and tier", () => {
        assert.equal(prod.code, 0, prod.stderr);
        assert.match(planMd, /## Sizing/);
        assert.match(planMd, /\| VM size \| Standard_D4s_v5 \| Standard_D4s_v5 \|/);
        assert.match(planMd, /\| nodes \| 3 to 5 \(autoscaler\) \| 3 to 10 \(autoscaler\) \|/);
        assert.match(planMd, /\| zones \| 1, 2, 3 \| 1, 2, 3 \|/);
        assert.match(planMd, /Cluster tier Standard/);
    });

    it("lists the protected resources", () => {
        const section = planMd.slice(planMd.indexOf("## Protected resources"), planMd.indexOf("## Capacity plan"));
        // prod deploys into the resource group of the one-time set-up (docs/ci-setup.md): the stack owns no group.
        assert.doesNotMatch(section, /ResourceGroup/);
        assert.match(section, /- azure-native:containerservice:ManagedCluster::aks-wasm-aks/);
        assert.match(section, /- azure-native:containerregistry:Registry::registry-acr/);
        const json = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8"));
        assert.equal(json.protected.length, 2);
    });

    it("shows the capacity plan per pool", () => {
        assert.match(planMd, /## Capacity plan/);
        // The measurement's budget (issue 19): the deadline and the stack's wait, computed, in plan.md.
        assert.match(planMd, /## Measurement budget\n[\s\S]*\| rounds × \(scale-out \+ 2 × scale-in waits\) \| \d+ \|[\s\S]*\| \*\*Job deadline \(activeDeadlineSeconds\)\*\* \| \*\*\d+\*\* \|\n\| \*\*the stack's wait for it \(pulumi\.com\/timeoutSeconds\)\*\* \| \*\*\d+\*\* \|/);
        assert.match(planMd, /### system pool: 3–5 × Standard_D4s_v5/);
        assert.match(planMd, /\| istiod \| 2 \| 500m \| 2048Mi \|/);
        assert.match(planMd, /### wasm pool: 3–10 × Standard_D4s_v5/);
        assert.match(planMd, /Every pool fits with at least 15% headroom/);
    });

    it("leaves no output of an earlier run after a failed render", async () => {
        assert.ok(existsSync(join(dir, "manifests")));
        writeFileSync(join(dir, "notes.txt"), "the reviewer's own file");
        const failed = await render(dir, "--stack", "dev", "--set", "systemNodeCount=1", "--set", "systemVmSize=Standard_D2s_v5");
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, /aks-wasm:systemNodeCount = "1": more nodes, or a larger aks-wasm:systemVmSize/);
        assert.deepEqual(readdirSync(dir), ["notes.txt"], "only the file the render does not own is left");
    });

    it("refuses bad config in the same words as `pulumi up` (the program under the SDK's mocks, config/load.ts loadStackConfig)", async () => {
        const overrides = {
            appReplica: "3", // a near miss
            "aks_wasm:apps": '["hello-wasm"]', // our key under a mistyped project name
            "azure-native:location": "eastus", // a provider key that contradicts ours
        };
        const rendered = await render(dir, "--stack", "dev", ...Object.entries(overrides).flatMap(([k, v]) => ["--set", `${k}=${v}`]));
        assert.equal(rendered.code, 1);
        // `pulumi up` runs index.ts with Pulumi's whole config map; evaluateStack hands the program the same map.
        const up = await exec(
            process.execPath,
            [
                "--import",
                "tsx",
                "-e",
                `require("./lib/offline/offline").evaluateStack({ projectDir: process.cwd(), stack: "dev", overrides: JSON.parse(process.argv[1]) })
                   .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`,
                JSON.stringify(overrides),
            ],
            { cwd: root },
        ).then(
            () => ({ stderr: "" }),
            (e: { stderr: string }) => e,
        );
        const refusal = /Invalid stack configuration[^]*$/.exec(up.stderr)?.[0].trim();
        assert.ok(refusal, `the program refused: ${up.stderr}`);
        assert.match(refusal, /aks-wasm:appReplica = "3": unknown key; did you mean aks-wasm:appReplicas\?/);
        assert.match(refusal, /aks_wasm:apps = .*"aks_wasm:" is not read/);
        assert.match(refusal, /azure-native:location = "eastus": unset, or equal to aks-wasm:location/);
        assert.equal(rendered.stderr.trim(), refusal, "render's refusal is up's, word for word");
    });

    it("refuses an unknown --stack, listing the known ones", async () => {
        const result = await render(dir, "--stack", "staging");
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--stack "staging": unknown stack; known stacks \(Pulumi\.<stack>\.yaml\): dev, prod/);
    });
});
