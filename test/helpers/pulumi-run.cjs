// Loads the program the way `pulumi up` does, minus the engine: Pulumi's own Node.js entry point
// (@pulumi/pulumi/cmd/run), which registers ts-node with the project's tsconfig.json and requires the package's
// `main`. The engine's resource monitor is replaced by the SDK's mocks, with the cloud stand-ins of
// lib/mockCloud.cjs. Config arrives as the CLI passes it, through PULUMI_CONFIG.
//
// Usage: node test/helpers/pulumi-run.cjs <projectDir> <stack> <resultFile>   (PULUMI_CONFIG set by the caller)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
    const [projectDir, stack, resultFile] = process.argv.slice(2);
    process.chdir(projectDir);
    process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
    const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [projectDir] }));
    const { mockOutputs, mockInvoke } = require(path.join(projectDir, "lib", "mockCloud.cjs"));
    const resources = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({ type: args.type, name: args.name });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args) } };
            },
            call: (args) => mockInvoke(args),
        },
        "aks-wasm",
        stack,
        false,
    );
    const { run } = require(require.resolve("@pulumi/pulumi/cmd/run/run.js", { paths: [projectDir] }));
    let failure;
    const outputs = await run(
        { _: ["."] },
        () => {},
        (err) => (failure = err),
        () => false,
    );
    const resolved = {};
    for (const [key, value] of Object.entries(outputs ?? {})) {
        resolved[key] = await new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v)));
        resolved[`${key}.isSecret`] = await pulumi.isSecret(pulumi.output(value));
    }
    fs.writeFileSync(resultFile, JSON.stringify({ resources, outputs: resolved, failure: failure && String(failure) }));
}

main().catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
});
