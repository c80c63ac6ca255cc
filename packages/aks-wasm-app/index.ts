/**
 * The entry point Pulumi's component analyzer looks for (an `index.ts` beside package.json): the build's
 * declarations, doc comments included, from which it derives the schema. Node and TypeScript consumers use
 * package.json's `main` and `types` (the same build). Run `npm run build` first (`npm pack` does).
 */
export * from "./dist/packages/aks-wasm-app/src/index";
