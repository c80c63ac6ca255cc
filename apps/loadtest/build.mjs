// Bundles the CLI and everything it imports (autocannon, hdr-histogram-js) into one CommonJS file, the only file
// the container image ships. `npm run build` here and the image's build stage run exactly this.
// Usage: node build.mjs [--outfile PATH]   (default: dist/loadtest.cjs beside this file)
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const { values } = parseArgs({ options: { outfile: { type: "string" } } });

await build({
    entryPoints: [here("./src/cli.ts")],
    outfile: values.outfile ?? here("./dist/loadtest.cjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Deterministic output: module paths in the bundle's comments are relative to the workspace root, so the same
    // sources give the same bytes whatever the working directory (here, CI or the image's build stage).
    absWorkingDir: here("../.."),
    // Fixed here rather than read from the nearest tsconfig.json, which the image's build context does not have
    // (the root one would add "use strict" and change the bytes).
    tsconfigRaw: { compilerOptions: { strict: true } },
    sourcemap: false,
    legalComments: "eof",
    logLevel: "warning",
});
