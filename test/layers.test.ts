/**
 * The two layers stay apart: nothing under components/platform imports components/app (an app stack must be able
 * to use the platform's description without the platform's code depending on apps), and a component file imports
 * another component only when it composes it (Platform, SpinApp); shared workload pieces come from lib/.
 * Imports are read with TypeScript's own pre-processor, not a regular expression.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { globSync } from "tinyglobby";

const root = path.resolve(__dirname, "..");

/** Every relative import of `file`, resolved to a path relative to the repository root. */
function importsOf(file: string): string[] {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
    return info.importedFiles
        .map((f) => f.fileName)
        .filter((name) => name.startsWith("."))
        .map((name) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), name)).split(path.sep).join("/"));
}

const platformFiles = globSync("components/platform/*.ts", { cwd: root });
const appFiles = globSync("components/app/*.ts", { cwd: root });
/** The composites: they compose their own layer's components. */
const COMPOSITES = new Set(["components/platform/platform.ts", "components/app/spinApp.ts"]);

test("the layers are where docs/development.md (Layout) says", () => {
    assert.deepEqual(platformFiles.sort(), [
        "components/platform/aksCluster.ts",
        "components/platform/appTeamAccess.ts",
        "components/platform/clusterGuardRails.ts",
        "components/platform/containerRegistry.ts",
        "components/platform/gatewayApi.ts",
        "components/platform/platform.ts",
        "components/platform/runtimeImageMirror.ts",
        "components/platform/shimInstaller.ts",
        "components/platform/spinKubeRuntime.ts",
        "components/platform/wasmNodePool.ts",
    ]);
    assert.ok(appFiles.includes("components/app/spinApp.ts") && appFiles.includes("components/app/spinWorkload.ts"));
});

test("nothing in the platform layer imports the app layer", () => {
    for (const file of platformFiles) {
        const offending = importsOf(file).filter((i) => i.startsWith("components/app/"));
        assert.deepEqual(offending, [], `${file} imports the app layer`);
    }
});

test("no component reaches into another component's file; only Platform and SpinApp compose", () => {
    for (const file of [...platformFiles, ...appFiles]) {
        if (COMPOSITES.has(file)) continue;
        const offending = importsOf(file).filter((i) => i.startsWith("components/"));
        assert.deepEqual(offending, [], `${file} imports another component`);
    }
});

test("the import reader sees imports (the checks above are not vacuous)", () => {
    assert.ok(importsOf("components/app/spinApp.ts").includes("components/app/spinWorkload"));
    assert.ok(importsOf("components/platform/platform.ts").includes("components/platform/aksCluster"));
});

test("index.ts only composes: under 80 lines, the Platform and one SpinApp per app, no component internals", () => {
    const text = readFileSync(path.join(root, "index.ts"), "utf8");
    assert.ok(text.split("\n").length < 80, `index.ts has ${text.split("\n").length} lines`);
    const components = importsOf("index.ts").filter((f) => f.startsWith("components/"));
    assert.deepEqual(components.sort(), ["components/app/containerImage", "components/app/spinApp", "components/platform/platform"]);
    assert.match(text, /new Platform\(/);
    assert.match(text, /config\.apps\.forEach\([^]*new SpinApp\(/);
});
