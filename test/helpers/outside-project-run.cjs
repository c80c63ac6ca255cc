// Runs a Pulumi TypeScript project that lives outside the repository the way `pulumi up` does, minus the engine
// (like pulumi-run.cjs): Pulumi's Node.js entry point (@pulumi/pulumi/cmd/run, resolved from the project, which
// registers ts-node with the project's tsconfig.json and requires its `main`), with the SDK's mocks as the
// resource monitor. The mocks answer with the repository's cloud stand-ins (lib/offline/mockCloud.cjs), except the
// StackReference, whose state (the platform stack's outputs) comes from a JSON file: a stand-in for the platform
// stack as the engine would read it. Failures are recorded the way the CLI reports them (run.js's handler of
// unhandled errors), so a refused platform shows as the run's failure.
//
// Usage: node outside-project-run.cjs <projectDir> <project> <stack> <platformStateFile> <resultFile>
//        (PULUMI_CONFIG set by the caller)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
    const [projectDir, project, stack, platformStateFile, resultFile] = process.argv.slice(2);
    process.chdir(projectDir);
    process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
    const fromProject = (id) => require(require.resolve(id, { paths: [projectDir] }));
    const pulumi = fromProject("@pulumi/pulumi");
    const { mockOutputs, mockInvoke } = require(path.join(__dirname, "..", "..", "lib", "offline", "mockCloud.cjs"));
    const platformState = JSON.parse(fs.readFileSync(platformStateFile, "utf8"));
    const resources = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({ type: args.type, name: args.name, inputs: args.inputs });
                if (args.type === "pulumi:pulumi:StackReference") return { id: args.name, state: { name: args.inputs.name, ...platformState } };
                return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args) } };
            },
            call: (args) => mockInvoke(args),
        },
        project,
        stack,
        false,
    );
    // run.js's folder index.js is the CLI front door, which starts a run against a real engine when loaded: pre-load
    // a stand-in holding the one constant run.js reads (as pulumi-run.cjs does).
    const frontDoor = require.resolve("@pulumi/pulumi/cmd/run/index.js", { paths: [projectDir] });
    require.cache[frontDoor] = { id: frontDoor, filename: frontDoor, loaded: true, exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 } };
    const { run } = fromProject("@pulumi/pulumi/cmd/run/run.js");
    // Every error the CLI would print, in order (a failed output is reported where it is serialized, and again
    // as itself when nothing handled it).
    const failures = [];
    try {
        await run({ _: ["."] }, () => {}, (err) => failures.push(err), () => false);
    } catch (err) {
        failures.push(err);
    }
    const settings = fromProject("@pulumi/pulumi/runtime/settings.js");
    try {
        await settings.waitForRPCs();
    } catch (err) {
        failures.push(err);
    }
    const registered = [...settings.getMonitor().getRegisteredResources().values()];
    const urns = registered.map((r) => r.urn);
    const stackState = registered.find((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
    const outputs = stackState && stackState.state && stackState.state.toJavaScript ? stackState.state.toJavaScript() : {};
    fs.writeFileSync(
        resultFile,
        JSON.stringify({ resources, urns, outputs, failures: failures.map((f) => ({ name: f && f.name, message: String((f && f.message) || f) })) }),
    );
}

main().catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
});
