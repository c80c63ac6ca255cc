// Builds the hello-wasm component (esbuild bundle, then j2w componentize) and inspects it. Shared by `npm run build`
// (build.ts, which `spin build` runs), the root dev script, the tests and the bench.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile, open } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** apps/hello-wasm, wherever the checkout is. */
export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const manifestPath = path.join(appDir, "spin.toml");
/** The component Spin loads (`[component.hello-wasm] source`). */
export const wasmPath = path.join(appDir, "dist", "hello-wasm.wasm");
/** Hash of the componentize inputs, stamped next to the output so an unchanged build skips j2w. */
export const stampPath = `${wasmPath}.inputs.json`;
const workDir = path.join(appDir, ".build");
const entryPoint = path.join(appDir, "src", "index.ts");

/** Bumped when the stamp's meaning changes, so old stamps never match. */
const STAMP_VERSION = 1;

export interface BuildOptions {
  /**
   * Componentize even when the stamp says nothing changed.
   * @default false
   */
  readonly force?: boolean;
  /**
   * Progress lines (the j2w output is only shown on failure).
   * @default no output
   */
  readonly log?: (line: string) => void;
}

export interface BuildResult {
  readonly wasmPath: string;
  /** False when the stamp matched and j2w was skipped. */
  readonly componentized: boolean;
  /** sha256 of everything componentize depends on (see `componentInputHash`). */
  readonly inputHash: string;
  readonly bytes: number;
  /** Wall time of the whole build, bundle included. */
  readonly ms: number;
}

/** What the stamp file holds. */
export interface BuildStamp {
  version: number;
  inputHash: string;
  /** sha256 of the .wasm written with that input hash, so a truncated or replaced output is rebuilt. */
  outputSha256: string;
}

/**
 * The directory of package `name` as Node would find it from `fromDir` (nearest node_modules upwards). Looked up on
 * disk rather than through require.resolve: several toolchain packages export neither package.json nor a require
 * entry.
 */
export function packageDir(name: string, fromDir = appDir): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`package ${name} is not installed (looked upwards from ${fromDir}); run npm ci at the repository root`);
  }
}

async function packageVersion(dir: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The installed versions of everything j2w's output depends on besides the bundle: the toolchain, and the app's
 * runtime dependencies, whose package.json `witDependencies` make up the component's WIT world.
 */
export async function toolchainVersions(): Promise<Record<string, string>> {
  const buildTools = packageDir("@spinframework/build-tools");
  const componentizeJs = packageDir("@bytecodealliance/componentize-js", buildTools);
  const app = JSON.parse(await readFile(path.join(appDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const versions: Record<string, string> = {
    "@spinframework/build-tools": await packageVersion(buildTools),
    "@bytecodealliance/componentize-js": await packageVersion(componentizeJs),
    // j2w resolves the shim from componentize-js; FIELD-NOTES §6: 0.26 breaks it, 0.17.x works.
    "@bytecodealliance/preview2-shim": await packageVersion(packageDir("@bytecodealliance/preview2-shim", componentizeJs)),
  };
  for (const name of Object.keys(app.dependencies ?? {})) versions[name] = await packageVersion(packageDir(name));
  return versions;
}

/** sha256 over the bundled JavaScript and the installed versions it is componentized with (key order ignored). */
export function componentInputHash(bundle: Uint8Array | string, versions: Record<string, string>): string {
  const hash = createHash("sha256");
  hash.update(`hello-wasm-stamp/${STAMP_VERSION}\0`);
  hash.update(JSON.stringify(Object.entries(versions).sort(([a], [b]) => a.localeCompare(b))));
  hash.update("\0");
  hash.update(bundle);
  return hash.digest("hex");
}

/** True when the stamp records this input hash and the output on disk is the one written with it. */
export function isUpToDate(stamp: BuildStamp | undefined, inputHash: string, outputSha256: string | undefined): boolean {
  return stamp !== undefined && stamp.version === STAMP_VERSION && stamp.inputHash === inputHash && outputSha256 !== undefined && stamp.outputSha256 === outputSha256;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readStamp(): Promise<BuildStamp | undefined> {
  const raw = await readIfExists(stampPath);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.toString("utf8")) as BuildStamp;
  } catch {
    return undefined; // a corrupt stamp just means "rebuild"
  }
}

async function bundle(outfile: string): Promise<void> {
  const { build } = await import("esbuild");
  // @ts-ignore -- the plugin ships JavaScript without type declarations
  const { SpinEsbuildPlugin } = (await import("@spinframework/build-tools/plugins/esbuild/index.js")) as {
    SpinEsbuildPlugin: () => Promise<import("esbuild").Plugin>;
  };
  // The plugin reads the app's package.json from the working directory (synchronously, once its WIT tools are
  // loaded) to find the WIT imports to leave external; everything else here uses absolute paths.
  const cwd = process.cwd();
  process.chdir(appDir);
  let plugin: import("esbuild").Plugin;
  try {
    plugin = await SpinEsbuildPlugin();
  } finally {
    process.chdir(cwd);
  }
  await build({
    // Fixed working dir: esbuild writes source paths relative to it into the bundle, and so into the input hash.
    absWorkingDir: appDir,
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: false,
    logLevel: "silent",
    plugins: [plugin],
  });
}

function runJ2w(input: string, output: string): Promise<{ code: number | null; output: string }> {
  const buildTools = packageDir("@spinframework/build-tools");
  const j2w = path.join(buildTools, "dist", "index.js");
  return new Promise((resolve, reject) => {
    // cwd = the app: j2w reads its package.json to assemble the WIT world (wasi-http-proxy -> incoming-handler).
    const child = spawn(process.execPath, [j2w, "-i", input, "-o", output], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output: text }));
  });
}

/** A Wasm component binary starts with `\0asm`, version 0x0d, layer 1 (a core module has layer 0). */
export function isComponentBinary(bytes: Uint8Array): boolean {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
  return bytes.length > header.length && header.every((b, i) => bytes[i] === b);
}

/** Serialises builds across processes (tests run in parallel processes, the bench may run beside them). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(workDir, { recursive: true });
  const lockPath = path.join(workDir, "build.lock");
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number((await readIfExists(lockPath))?.toString("utf8"));
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
        await rm(lockPath, { force: true }); // left by a build that was killed
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockPath} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Bundles src/ and componentizes it into dist/hello-wasm.wasm, skipping j2w when the input hash matches the stamp
 * and the output on disk is the one stamped. The output is replaced atomically, so a reader never sees half a file.
 */
export async function buildComponent(options: BuildOptions = {}): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  return withBuildLock(async () => {
    const scratch = await mkdtemp(path.join(workDir, "build-"));
    try {
      const bundlePath = path.join(scratch, "bundle.js");
      await bundle(bundlePath);
      const [bundleBytes, toolchain] = await Promise.all([readFile(bundlePath), toolchainVersions()]);
      const inputHash = componentInputHash(bundleBytes, toolchain);
      const existing = await readIfExists(wasmPath);
      if (!options.force && isUpToDate(await readStamp(), inputHash, existing && sha256(existing))) {
        log(`hello-wasm: ${path.relative(process.cwd(), wasmPath)} is up to date (inputs ${inputHash.slice(0, 12)})`);
        return { wasmPath, componentized: false, inputHash, bytes: existing!.byteLength, ms: performance.now() - started };
      }

      log("hello-wasm: componentizing with j2w...");
      const tmpOut = path.join(scratch, "hello-wasm.wasm");
      const j2w = await runJ2w(bundlePath, tmpOut);
      const output = await readIfExists(tmpOut);
      // j2w reports its own failures on stderr and still exits 0, so the output file is the real verdict.
      if (j2w.code !== 0 || output === undefined || !isComponentBinary(output)) {
        throw new Error(
          `j2w did not produce a Wasm component (exit code ${j2w.code}). Toolchain: ${JSON.stringify(toolchain)}; ` +
            `j2w needs @bytecodealliance/preview2-shim 0.17.x where componentize-js resolves it (0.26 fails with ` +
            `"failed to read path for WIT"). j2w output:\n${j2w.output.trim()}`,
        );
      }
      await mkdir(path.dirname(wasmPath), { recursive: true });
      await rename(tmpOut, wasmPath);
      const stamp: BuildStamp = { version: STAMP_VERSION, inputHash, outputSha256: sha256(output) };
      await writeFile(stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
      log(`hello-wasm: wrote ${path.relative(process.cwd(), wasmPath)} (${output.byteLength} bytes)`);
      return { wasmPath, componentized: true, inputHash, bytes: output.byteLength, ms: performance.now() - started };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}

/** Removes the built component and its stamp (the bench's "cold build" starts here). */
export async function cleanBuild(): Promise<void> {
  await rm(path.join(appDir, "dist"), { recursive: true, force: true });
}

/** The component's WIT world as text, read from the binary itself by jco (wasm-tools `component wit`). */
export async function componentWit(file = wasmPath): Promise<string> {
  const jcoApi = pathToFileURL(path.join(packageDir("@bytecodealliance/jco"), "dist", "api.js")).href;
  const jco = (await import(jcoApi)) as { componentWit: (binary: Uint8Array) => Promise<string> | string };
  return jco.componentWit(await readFile(file));
}

/** Interfaces the component exports, e.g. `wasi:http/incoming-handler@0.2.3`, parsed from its WIT world. */
export function exportsOfWit(wit: string): string[] {
  const exported: string[] = [];
  for (const match of wit.matchAll(/^\s*export\s+([^;\s]+)\s*;/gm)) exported.push(match[1]!);
  return exported;
}

/** Size on disk, or undefined when not built. */
export async function builtSize(file = wasmPath): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}
