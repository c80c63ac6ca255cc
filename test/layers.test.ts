/**
 * The two layers stay apart: nothing under components/platform imports components/app (an app stack must be able
 * to use the platform's description without the platform's code depending on apps), and a component file imports
 * another component only when it composes it (Platform, SpinApp); shared workload pieces come from lib/.
 * Types flow one way: no import circle anywhere in the repository, and lib/ (the bottom layer) imports nothing
 * above it. lib/ holds only the folders docs/development.md (Layout) names.
 * Imports are read with TypeScript's own pre-processor, not a regular expression.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
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
    assert.deepEqual(components.sort(), ["components/app/containerImage", "components/app/spinApp", "components/platform/platform", "components/runDuration"]);
    assert.match(text, /new Platform\(/);
    assert.match(text, /config\.apps\.forEach\([^]*new SpinApp\(/);
});

/** Every source file of the repository (the program, its apps, tools, tests, scripts), outside node_modules. */
const sourceFiles = globSync("**/*.{ts,mts,cts,js,mjs,cjs}", { cwd: root, ignore: ["**/node_modules/**", "**/*.d.ts", "**/*.d.cts"] }).sort();

/** The source file an import of `file` names (TypeScript's and Node's resolution of a relative path), if any. */
function resolveImport(file: string, imported: string): string | undefined {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), imported));
    const candidates = [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), base.replace(/\.cjs$/, ".cts")];
    return candidates.find((c) => existsSync(path.join(root, c)) && statSync(path.join(root, c)).isFile());
}

/** The import graph: each file → the repository files it imports (type-only imports count: they bind the layers too). */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of files) {
        const info = ts.preProcessFile(read(file), true, true);
        const targets = info.importedFiles
            .map((f) => f.fileName)
            .filter((name) => name.startsWith("."))
            .map((name) => resolveImport(file, name))
            .filter((t): t is string => t !== undefined && !t.endsWith(".d.cts") && !t.endsWith(".d.ts"));
        graph.set(file, [...new Set(targets)].sort());
    }
    return graph;
}

/** Every import circle of `graph`, each as the files around it (first file repeated at the end); Tarjan's SCCs. */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    let index = 0;
    const indexOf = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const visit = (v: string) => {
        indexOf.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!indexOf.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
        }
        if (low.get(v) === indexOf.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
        }
    };
    for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) visit(v);
    // Name one circle per component: a shortest path back to its smallest file, through the component only.
    return components.map((component) => {
        const members = new Set(component);
        const start = [...component].sort()[0];
        const previous = new Map<string, string>();
        const queue = [start];
        while (queue.length > 0) {
            const v = queue.shift()!;
            for (const w of graph.get(v) ?? []) {
                if (!members.has(w)) continue;
                if (w === start) {
                    const circle = [start];
                    for (let u: string | undefined = v; u !== undefined && u !== start; u = previous.get(u)) circle.splice(1, 0, u);
                    return [...circle, start];
                }
                if (!previous.has(w)) {
                    previous.set(w, v);
                    queue.push(w);
                }
            }
        }
        return [...component, component[0]];
    });
}

const read = (file: string) => readFileSync(path.join(root, file), "utf8");

test("no import circle anywhere in the repository (the lower module owns what it shares)", () => {
    const circles = importCircles(importGraph(sourceFiles, read));
    assert.deepEqual(circles.map((c) => c.join(" → ")), [], "import circles");
});

test("the circle finder names a circle, and the graph sees type-only imports, require() and directory imports", () => {
    const graph = new Map<string, string[]>([
        ["a/one.ts", ["a/two.ts"]],
        ["a/two.ts", ["b/three.cjs"]],
        ["b/three.cjs", ["a/one.ts"]],
        ["b/leaf.ts", []],
    ]);
    assert.deepEqual(importCircles(graph), [["a/one.ts", "a/two.ts", "b/three.cjs", "a/one.ts"]]);
    graph.set("b/three.cjs", []);
    assert.deepEqual(importCircles(graph), []);
    // The real reader on real files: a type-only import, a require() of a .cjs file and a folder's index.ts count.
    const real = importGraph(["lib/registry/registryManifest.cjs", "lib/azure/capacityPlan.ts", "index.ts"], read);
    assert.ok(real.get("lib/registry/registryManifest.cjs")!.includes("lib/registry/acrToken.cjs"));
    assert.ok(real.get("lib/azure/capacityPlan.ts")!.includes("config/types.ts"), "import type counts");
    assert.ok(real.get("index.ts")!.includes("config/index.ts"), "./config resolves to config/index.ts");
});

/**
 * What lib/ may import besides lib/: the two leaf modules that describe the program's data without depending on
 * it (config/types.ts, the typed config; outputs.ts, the outputs contract) and the load generator's summary type.
 */
const LIB_MAY_IMPORT = new Set(["config/types.ts", "outputs.ts", "apps/loadtest/src/summary.ts"]);

test("lib/ imports nothing above it: no component, no config validation, not the program's entry", () => {
    const graph = importGraph(sourceFiles, read);
    for (const [file, targets] of graph) {
        if (!file.startsWith("lib/")) continue;
        const upward = targets.filter((t) => !t.startsWith("lib/") && !LIB_MAY_IMPORT.has(t));
        assert.deepEqual(upward, [], `${file} imports above lib/`);
    }
    // The leaves lib/ may import import only lib/ themselves (so lib/ cannot reach the program through them).
    for (const leaf of ["config/types.ts", "outputs.ts"]) {
        const above = graph.get(leaf)!.filter((t) => !t.startsWith("lib/"));
        assert.deepEqual(above, [], `${leaf} imports above lib/`);
    }
});

/** The folders of lib/ that docs/development.md's Layout block names (`lib/<folder>/  what it holds`). */
function layoutLibFolders(): string[] {
    const doc = readFileSync(path.join(root, "docs", "development.md"), "utf8");
    const layout = doc.slice(doc.indexOf("## Layout"));
    const block = layout.slice(layout.indexOf("```"), layout.indexOf("```", layout.indexOf("```") + 3));
    return [...block.matchAll(/^lib\/([a-z][a-zA-Z]*)\/\s/gm)].map((m) => m[1]).sort();
}

test("lib/ holds only the folders docs/development.md (Layout) names, and no loose files", () => {
    const entries = readdirSync(path.join(root, "lib"), { withFileTypes: true });
    assert.deepEqual(entries.filter((e) => !e.isDirectory()).map((e) => e.name), [], "loose files in lib/");
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.ok(layoutLibFolders().length >= 5, `the Layout block names lib/'s folders: ${layoutLibFolders().join(", ")}`);
    assert.deepEqual(folders, layoutLibFolders());
});

test("config/ keeps config.ts's public surface: the same names from ./config, nothing private leaked", async () => {
    const config = await import("../config/index.js");
    // config.ts's runtime exports before the split (its types are checked by the compiler at every import site).
    assert.deepEqual(Object.keys(config).sort(), [
        "APPS_DIR",
        "APP_ROUTING_NGINX_SUPPORT",
        "CONFIG_KEYS",
        "KUBERNETES_MINORS",
        "PROJECT",
        "StackConfigError",
        "WASI_NODE_POOLS_SUPPORT",
        "appHostFor",
        "configDefaults",
        "configWarnings",
        "evaluationMode",
        "isCpuQuantity",
        "isDeployment",
        "isMemoryQuantity",
        "loadStackConfig",
        "parseAllConfig",
        "parseStackConfig",
        "quantity",
        "splitStackConfig",
        "unknownKey",
    ]);
    // Moved one folder down, the apps folder is still the repository's apps/ (SpinApplication builds from it).
    assert.equal(config.APPS_DIR, path.join(root, "apps"));
    // One evaluation mode: what offline evaluation sets is what the config's isDeployment reads.
    const { evaluationMode } = await import("../lib/offline/evaluationMode.js");
    assert.equal(config.evaluationMode, evaluationMode);
});

test("no merge leftovers among the source files (*.orig, *.rej, *.BACKUP.*, *.LOCAL.*, *.REMOTE.*, *.BASE.*)", () => {
    // A merge tool's copies beside a source file are never compiled (their names do not end in .ts), so nothing else fails.
    const leftovers = globSync(["**/*.orig", "**/*.rej", "**/*.{BACKUP,LOCAL,REMOTE,BASE}.*"], { cwd: root, ignore: ["**/node_modules/**", ".git/**", ".ci/**"] });
    assert.deepEqual(leftovers, []);
});
