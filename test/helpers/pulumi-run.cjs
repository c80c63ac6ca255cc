// Loads the program the way `pulumi up` does, minus the engine: Pulumi's own Node.js entry point
// (@pulumi/pulumi/cmd/run), which registers ts-node with the project's tsconfig.json and requires the package's
// `main`. The engine's resource monitor is replaced by the SDK's mocks, with the cloud stand-ins of
// lib/offline/mockCloud.cjs. Config arrives as the CLI passes it, through PULUMI_CONFIG.
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
    const { mockOutputs, mockInvoke, isWireSecret } = require(path.join(projectDir, "lib", "offline", "mockCloud.cjs"));
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
    // run.js requires its folder's index.js, the CLI front door, which parses argv and starts a run against a real
    // engine as a side effect of being loaded. Pre-load a stand-in for it holding the one constant run.js reads.
    const frontDoor = require.resolve("@pulumi/pulumi/cmd/run/index.js", { paths: [projectDir] });
    require.cache[frontDoor] = { id: frontDoor, filename: frontDoor, loaded: true, exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 } };
    const { run } = require(require.resolve("@pulumi/pulumi/cmd/run/run.js", { paths: [projectDir] }));
    let failure;
    try {
        await run({ _: ["."] }, () => {}, (err) => (failure = err), () => false);
    } catch (err) {
        failure = err;
    }
    // What the engine would receive: the Stack resource's registered outputs, secrets still marked.
    const settings = require(require.resolve("@pulumi/pulumi/runtime/settings.js", { paths: [projectDir] }));
    await settings.waitForRPCs();
    const monitor = settings.getMonitor();
    const stackState = [...monitor.getRegisteredResources().values()].find((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
    const outputs = {};
    const secret = {};
    const raw = stackState && stackState.state && stackState.state.toJavaScript ? stackState.state.toJavaScript() : {};
    for (const [key, value] of Object.entries(raw)) {
        const isSecret = isWireSecret(value);
        secret[key] = Boolean(isSecret);
        outputs[key] = isSecret ? "[secret]" : value;
    }
    fs.writeFileSync(resultFile, JSON.stringify({ resources, outputs, secret, failure: failure && String(failure.message || failure) }));
}

main().catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
});
