// Cheaper fresh instances for the dev server's workers. Most of a request's instantiation time is V8 allocating
// the component's 9 MB linear memory and copying its ~10,000 active data segments into it (the kernel zero-fills
// every page touched); `npm run bench -- app` reports the split. This module rewrites the main core module once, at
// startup, so that it IMPORTS its memory and its data segments are passive, and computes the memory's initial image
// (what instantiation would have written). A worker then gives each new instance a memory holding exactly that
// image: a recycled WebAssembly.Memory reset by one copy, or a new one. Every request still gets a new instance
// (new globals, table and glue state) over a memory byte-identical to a newly instantiated one, the way wasmtime's
// pooling allocator (what Spin runs) recycles memory slots reset to the module's initial image
// (platform-contracts JCO2-5).
//
// The rewrite handles what this component contains (one defined memory, no memory imports, active segments at
// `i32.const` offsets into memory 0); anything else returns undefined and the caller instantiates as before.

/** The rewritten module and what a worker needs to give each instance its memory. */
export interface ImportedMemoryModule {
  /** The core module, with memory 0 imported as `IMPORT_MODULE`.`IMPORT_NAME` and its data segments passive. */
  readonly bytes: Uint8Array;
  /** Initial size of memory 0 in 64 KiB pages, and its maximum when it has one. */
  readonly initialPages: number;
  readonly maximumPages: number | undefined;
  /** Memory 0 as instantiation leaves it: zeroes with every active data segment applied in order. */
  readonly image: Uint8Array;
}

export const IMPORT_MODULE = "aks-wasm:dev-server";
export const IMPORT_NAME = "memory";
const PAGE = 65536;

class Reader {
  constructor(
    readonly b: Uint8Array,
    public i = 0,
  ) {}
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.b[this.i++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  }
  s32(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.b[this.i++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    return shift < 32 && byte & 0x40 ? result | (-1 << shift) : result;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function section(id: number, body: Uint8Array | number[]): Uint8Array {
  return Buffer.concat([Uint8Array.from([id, ...leb(body.length)]), Uint8Array.from(body)]);
}

const IMPORT = 2;
const MEMORY = 5;
const DATA = 11;

/**
 * Rewrites a core module (WebAssembly binary format, sections 2 import, 5 memory, 11 data) so that its only memory
 * is imported and its data segments are passive; undefined when the module is not of the shape handled here.
 */
export function importMemory(bytes: Uint8Array): ImportedMemoryModule | undefined {
  const r = new Reader(bytes, 8);
  const sections: { id: number; body: Uint8Array }[] = [];
  while (r.i < bytes.length) {
    const id = bytes[r.i++]!;
    const size = r.u32();
    sections.push({ id, body: bytes.subarray(r.i, r.i + size) });
    r.i += size;
  }
  const memory = sections.find((s) => s.id === MEMORY);
  const data = sections.find((s) => s.id === DATA);
  if (!memory || !data) return undefined;

  // Memory section: exactly one memory, 32-bit, not shared (limits flag 0: min; 1: min and max).
  const m = new Reader(memory.body);
  if (m.u32() !== 1) return undefined;
  const flags = m.u32();
  if (flags !== 0 && flags !== 1) return undefined;
  const initialPages = m.u32();
  const maximumPages = flags === 1 ? m.u32() : undefined;

  // No memory already imported (it would be memory 0 instead).
  const importSection = sections.find((s) => s.id === IMPORT);
  const imports = new Reader(importSection?.body ?? new Uint8Array([0]));
  const importCount = imports.u32();
  for (let n = 0; n < importCount; n++) {
    for (let field = 0; field < 2; field++) {
      const len = imports.u32(); // module, then name
      imports.i += len;
    }
    const kind = imports.b[imports.i++]!;
    if (kind === 0) imports.u32();
    else if (kind === 2) return undefined;
    else return undefined; // tables, globals, tags: not in this component; keep the parser small
  }

  // Data section: active segments into memory 0 at i32.const offsets become passive; the image gets their bytes.
  const image = new Uint8Array(initialPages * PAGE);
  const d = new Reader(data.body);
  const count = d.u32();
  const out: Uint8Array[] = [Uint8Array.from(leb(count))];
  for (let n = 0; n < count; n++) {
    const kind = d.u32();
    if (kind === 1) {
      const len = d.u32();
      out.push(Uint8Array.from([1, ...leb(len)]), d.b.subarray(d.i, d.i + len));
      d.i += len;
      continue;
    }
    if (kind === 2 && d.u32() !== 0) return undefined;
    if (kind !== 0 && kind !== 2) return undefined;
    if (d.b[d.i++] !== 0x41) return undefined; // i32.const
    const offset = d.s32() >>> 0;
    if (d.b[d.i++] !== 0x0b) return undefined; // end
    const len = d.u32();
    if (offset + len > image.length) return undefined; // would trap at instantiation: leave that to V8
    image.set(d.b.subarray(d.i, d.i + len), offset);
    out.push(Uint8Array.from([1, ...leb(len)]), d.b.subarray(d.i, d.i + len));
    d.i += len;
  }

  const limits = maximumPages === undefined ? [0, ...leb(initialPages)] : [1, ...leb(initialPages), ...leb(maximumPages)];
  const name = (s: string) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
  const newImport = [...name(IMPORT_MODULE), ...name(IMPORT_NAME), 2, ...limits];
  const entries = new Reader(importSection?.body ?? new Uint8Array([0]));
  entries.u32(); // the count, rewritten below
  const importBody = [...leb(importCount + 1), ...entries.b.subarray(entries.i), ...newImport];

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let importWritten = false;
  for (const s of sections) {
    if (s.id === IMPORT) {
      parts.push(section(IMPORT, importBody));
      importWritten = true;
    } else if (s.id === MEMORY) {
      continue; // now imported
    } else if (s.id === DATA) {
      parts.push(section(DATA, Buffer.concat(out)));
    } else {
      if (!importWritten && s.id !== 0 && s.id > IMPORT) {
        parts.push(section(IMPORT, importBody)); // the module had no import section: it goes before the others
        importWritten = true;
      }
      parts.push(section(s.id, s.body));
    }
  }
  return { bytes: Buffer.concat(parts), initialPages, maximumPages, image };
}
