// `npm run build` (and so `spin build`): bundle src/ with esbuild and the Spin plugin, then componentize with j2w
// into dist/quotes.wasm. The same toolchain and versions as the platform repository's apps/hello-wasm.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
// @ts-ignore -- the plugin ships JavaScript without type declarations
import { SpinEsbuildPlugin } from "@spinframework/build-tools/plugins/esbuild/index.js";

const appDir = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.join(appDir, ".build", "bundle.js");
const wasm = path.join(appDir, "dist", "quotes.wasm");

// The plugin reads the app's package.json from the working directory to find the WIT imports to leave external.
process.chdir(appDir);
mkdirSync(path.dirname(bundle), { recursive: true });
mkdirSync(path.dirname(wasm), { recursive: true });
await build({
  absWorkingDir: appDir,
  entryPoints: [path.join(appDir, "src", "index.ts")],
  outfile: bundle,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
  plugins: [await SpinEsbuildPlugin()],
});
const j2w = path.join(path.dirname(createRequire(import.meta.url).resolve("@spinframework/build-tools/package.json")), "dist", "index.js");
const result = spawnSync(process.execPath, [j2w, "-i", bundle, "-o", wasm], { cwd: appDir, stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`quotes: built ${path.relative(appDir, wasm)}`);
