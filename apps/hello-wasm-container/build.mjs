// Bundles the server and the Wasm app's handler into one ES module with no dependencies, for a distroless image.
// Usage: node build.mjs [outfile]   (default dist/server.mjs). The Dockerfile and the tests run this same script.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
await build({
  absWorkingDir: here,
  entryPoints: ["src/main.ts"],
  outfile: process.argv[2] ?? "dist/server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  // Only Node built-ins are imported; anything else would be a dependency missing from the runtime image.
  packages: "bundle",
  logLevel: "warning",
});
