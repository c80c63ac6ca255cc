// The dev server's component host pieces, without HTTP: the core-module rewrite that lets a worker hand each fresh
// instance a recycled memory (memoryImage.ts), checked against what V8 itself does when instantiating the real
// hello-wasm component, and the in-memory wasi:http resources (memoryHost.ts) the component is served through.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, test } from "node:test";
import { buildComponent, packageDir, wasmPath } from "../apps/hello-wasm/tools/component";
import { Fields, IncomingRequest, InputStream } from "../apps/hello-wasm/tools/memoryHost";
import { IMPORT_MODULE, IMPORT_NAME, importMemory } from "../apps/hello-wasm/tools/memoryImage";

// Node's WebAssembly; @types/node declares only the Module type under lib ES2022.
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  Module: { imports(m: object): { module: string; name: string; kind: string }[] };
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** Stub functions for every function import: instantiation alone never calls them (no start function runs them). */
function stubImports(module: object): Record<string, Record<string, unknown>> {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of wasm.Module.imports(module)) if (i.kind === "function") (imports[i.module] ??= {})[i.name] = () => 0;
  return imports;
}

describe("the main core module, rewritten to import its memory", () => {
  let core: Uint8Array;
  before(async () => {
    await buildComponent();
    const jco = (await import(pathToFileURL(path.join(packageDir("@bytecodealliance/jco"), "dist", "api.js")).href)) as {
      transpile(component: Uint8Array, opts: Record<string, unknown>): Promise<{ files: Record<string, Uint8Array> }>;
    };
    const { files } = await jco.transpile(await readFile(wasmPath), { name: "component", noTypescript: true, wasiShim: true, instantiation: "sync" });
    core = files["component.core.wasm"]!;
  });

  test("its image is exactly the memory V8 builds when instantiating the original module", async () => {
    const rewritten = importMemory(core);
    assert.ok(rewritten, "the component's core module has the shape the rewrite handles (platform-contracts JCO2-4)");
    const original = await wasm.compile(core);
    const memory = new wasm.Instance(original, stubImports(original)).exports.memory as { buffer: ArrayBuffer };
    assert.equal(memory.buffer.byteLength, rewritten.image.length);
    assert.ok(Buffer.from(memory.buffer).equals(Buffer.from(rewritten.image)), "the image differs from the instantiated memory");
  });

  test("the rewritten module imports its memory and writes nothing into it at instantiation (segments passive)", async () => {
    const rewritten = importMemory(core)!;
    const module = await wasm.compile(rewritten.bytes);
    assert.ok(wasm.Module.imports(module).some((i) => i.module === IMPORT_MODULE && i.name === IMPORT_NAME && i.kind === "memory"));
    const memory = new wasm.Memory({ initial: rewritten.initialPages });
    const instance = new wasm.Instance(module, { ...stubImports(module), [IMPORT_MODULE]: { [IMPORT_NAME]: memory } });
    assert.equal(instance.exports.memory, memory, "the instance exports the memory it was given");
    assert.ok(new Uint8Array(memory.buffer).every((byte) => byte === 0), "an active data segment was left in the rewritten module");
  });

  test("a module it does not handle (one that imports its memory already) is left alone", async () => {
    // (module (import "m" "mem" (memory 1)) (data (i32.const 0) "x")): no memory section of its own.
    const bytes = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 10, 1, 1, 0x6d, 3, 0x6d, 0x65, 0x6d, 2, 0, 1, 11, 7, 1, 0, 0x41, 0, 0x0b, 1, 0x78]);
    await wasm.compile(bytes); // a valid module
    assert.equal(importMemory(bytes), undefined);
  });
});

describe("the in-memory wasi:http resources", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  test("fields refuse what the front owns (host, connection) and malformed names, and request headers are immutable", () => {
    const fields = new Fields();
    fields.append("x-request-id", bytes("a"));
    assert.deepEqual(fields.get("X-Request-Id"), [bytes("a")]);
    assert.throws(() => fields.append("host", bytes("evil.com")), (e: unknown) => (e as { tag: string }).tag === "forbidden");
    assert.throws(() => fields.set("connection", [bytes("close")]), (e: unknown) => (e as { tag: string }).tag === "forbidden");
    assert.throws(() => fields.append("bad name", bytes("x")), (e: unknown) => (e as { tag: string }).tag === "invalid-syntax");

    const request = new IncomingRequest({ method: "POST", pathWithQuery: "/p?q=1", authority: "127.0.0.1:1", headers: [["host", "evil.com"], ["x-a", "1"]], body: bytes("abc") });
    assert.equal(request.headers().has("host"), false, "the Host header is never passed on (the authority is the front's)");
    assert.throws(() => request.headers().append("x-b", bytes("2")), (e: unknown) => (e as { tag: string }).tag === "immutable");
    assert.deepEqual(request.method(), { tag: "post" });
    assert.equal(request.pathWithQuery(), "/p?q=1");
  });

  test("a body is read once, in pieces, then reports closed", () => {
    const request = new IncomingRequest({ method: "PUT", pathWithQuery: "/", authority: "a", headers: [], body: bytes("hello") });
    const stream = request.consume().stream();
    assert.throws(() => request.consume());
    assert.deepEqual(stream.read(3n), bytes("hel"));
    assert.deepEqual(stream.blockingRead(10n), bytes("lo"));
    assert.throws(() => stream.read(1n), (e: unknown) => (e as { tag: string }).tag === "closed");
    assert.throws(() => new InputStream(new Uint8Array()).read(1n), (e: unknown) => (e as { tag: string }).tag === "closed");
  });
});
