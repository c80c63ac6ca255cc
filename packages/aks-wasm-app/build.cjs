// Builds dist/: compiles src/ with the platform-program modules it imports (tsconfig.build.json), then copies
// the files those modules run at deploy time by path (the build-and-push script, the ACR token helpers), to the
// same places relative to the compiled modules. Starts from an empty dist/, so nothing stale ships.
"use strict";
const { execFileSync } = require("node:child_process");
const { cpSync, rmSync } = require("node:fs");
const path = require("node:path");

const here = __dirname;
const repo = path.join(here, "..", "..");
const dist = path.join(here, "dist");
/** Run by path from the compiled modules: SPIN_BUILD_PUSH_SCRIPT, ACR_TOKEN_HELPER, REGISTRY_MANIFEST_HELPER. */
const RUNTIME_FILES = ["scripts/spin-build-push.sh", "scripts/acr-login.sh", "lib/registry/acrToken.cjs", "lib/registry/registryManifest.cjs"];

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [repo] }), "-p", path.join(here, "tsconfig.build.json")], {
    stdio: "inherit",
});
for (const file of RUNTIME_FILES) cpSync(path.join(repo, file), path.join(dist, file));
