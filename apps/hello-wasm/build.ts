// `npm run build` (and so `spin build`): bundle + componentize into dist/hello-wasm.wasm, skipping j2w when the
// inputs are unchanged. `--force` componentizes regardless.
import { buildComponent } from "./tools/component.js";

const force = process.argv.slice(2).includes("--force");
buildComponent({ force, log: (line) => console.log(line) }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
