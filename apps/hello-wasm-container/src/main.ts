// Container entry point (bundled by build.mjs into server.mjs).
import { startContainerServer } from "./server.js";

startContainerServer().catch((error: unknown) => {
  process.stderr.write(`hello-wasm-container: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
