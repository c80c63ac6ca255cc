// Bundles the CLI and everything it imports (@kubernetes/client-node and its dependencies, the shared lib/ files)
// into one CommonJS file, the only file the container image ships. `npm run build` here and the image's build
// stage run exactly this. Usage: node build.mjs [--outfile PATH]   (default: dist/measure.cjs beside this file)
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const { values } = parseArgs({ options: { outfile: { type: "string" } } });

await build({
    entryPoints: [here("./src/cli.ts")],
    outfile: values.outfile ?? here("./dist/measure.cjs"),
    bundle: true,
    platform: "node",
    // @kubernetes/client-node 2 depends on undici 8, which needs Node >= 22.19; the image runs Node 24.
    target: "node24",
    format: "cjs",
    // Deterministic output: module paths in the bundle's comments are relative to the workspace root.
    absWorkingDir: here("../.."),
    tsconfigRaw: { compilerOptions: { strict: true } },
    sourcemap: false,
    legalComments: "eof",
    logLevel: "warning",
});
