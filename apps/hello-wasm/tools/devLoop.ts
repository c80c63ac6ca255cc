// The dev loop, like `spin build && spin up` and `spin watch`, for any Spin app of the project or an app stack: read
// the app's spin.toml with the checks the stack applies (lib/spin/spinManifest.ts), run each component's build command,
// serve the app on the dev server (devServer.ts) with Spin's routes and outbound host rules, and, when watching,
// rebuild when a file matching a component's `build.watch` globs changes (or spin.toml itself) and swap the new
// build in on the same port. A failed build is reported and the last good build keeps serving.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { globSync } from "tinyglobby";
import { AllowedHosts, checkSpinManifestFile, formatManifestProblem, resolveTemplate, variableValues, type SpinManifest } from "../../../lib/spin/spinManifest.js";
import { startDevServer, type DevApp, type DevServer } from "./devServer.js";

/** The repository root (apps/hello-wasm/tools/../../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * The app folder `--app` names: a folder holding spin.toml (absolute, or relative to `cwd`), or the name of a
 * project app (`apps/<name>`). Throws saying what was tried.
 */
export function resolveAppDir(app: string | undefined, cwd = process.cwd(), root = repoRoot): string {
  const name = app ?? "hello-wasm";
  const candidates = [path.resolve(cwd, name), path.join(root, "apps", name)];
  for (const dir of candidates) if (existsSync(path.join(dir, "spin.toml")) && statSync(path.join(dir, "spin.toml")).isFile()) return dir;
  throw new Error(`--app (${name}): no spin.toml in ${candidates.map((c) => path.relative(cwd, c) || ".").join(" or ")}; give an app folder (e.g. examples/app-stack/quotes) or the name of a folder under apps/`);
}

/** The manifest read and checked as the stack does; throws listing every problem (file:line and fix). */
export function readManifest(appDir: string, display = path.relative(process.cwd(), path.join(appDir, "spin.toml")) || "spin.toml"): SpinManifest {
  const { manifest, problems } = checkSpinManifestFile(appDir, { exists: existsSync, read: (f) => readFileSync(f, "utf8") }, display);
  if (problems.length > 0 || !manifest) throw new Error(`${display} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${formatManifestProblem(p)}`).join("\n")}`);
  return manifest;
}

/** A build command that failed: its exit and output, shown to the developer. */
export class BuildError extends Error {}

/**
 * Runs a component's build command in its workdir through the shell, as `spin build` does, and resolves when it
 * succeeds; rejects with a BuildError carrying its output otherwise. Bounded by `timeoutMs`.
 */
export function runBuild(appDir: string, manifest: SpinManifest, id: string, log: (line: string) => void, timeoutMs = 10 * 60_000): Promise<void> {
  const build = manifest.components.get(id)?.build;
  if (!build) return Promise.resolve();
  const command = Array.isArray(build.command) ? build.command.join(" && ") : build.command;
  const cwd = path.join(appDir, build.workdir);
  return new Promise((resolve, reject) => {
    // This Node first on PATH, so `npm run build` and its tsx run on the Node the loop runs on.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-32_768));
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new BuildError(`[component.${id}.build] could not run "${command}": ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        log(`${id}: built ("${command}")`);
        resolve();
      } else reject(new BuildError(`[component.${id}.build] "${command}" failed (${signal ? `killed by ${signal}${signal === "SIGKILL" ? ` after ${timeoutMs} ms` : ""}` : `exit code ${code}`}) in ${path.relative(process.cwd(), cwd) || "."}:\n${output.trim()}`));
    });
  });
}

/**
 * The app as the dev server serves it: components at their built sources, `allowed_outbound_hosts` resolved with
 * the app's variables (defaults, overridden by SPIN_VARIABLE_<NAME> from `env`, as Spin's environment provider).
 */
export function devAppOf(appDir: string, manifest: SpinManifest, env: Readonly<Record<string, string | undefined>> = process.env): DevApp {
  const values = variableValues(manifest, env);
  const components = [...manifest.components.values()].map((c) => {
    if (c.source === undefined) throw new Error(`[component.${c.id}] has a registry or URL source; the dev server serves local .wasm files only`);
    const wasmPath = path.resolve(appDir, c.source);
    if (!existsSync(wasmPath)) throw new Error(`[component.${c.id}] source ${c.source} does not exist after the build`);
    const hosts = c.allowedOutboundHosts.map((h) => resolveTemplate(h, values));
    AllowedHosts.parse(hosts); // a resolved template that Spin would refuse fails here, as it fails in Spin
    return { id: c.id, wasmPath, allowedOutboundHosts: hosts };
  });
  return { name: manifest.name, triggers: manifest.triggers, components };
}

/** The files whose changes rebuild each component: its `build.watch` globs, relative to its workdir. */
export function watchedFiles(appDir: string, manifest: SpinManifest): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const c of manifest.components.values()) {
    if (!c.build || c.build.watch.length === 0) continue;
    const cwd = path.join(appDir, c.build.workdir);
    files.set(c.id, globSync(c.build.watch, { cwd, absolute: true, ignore: ["**/node_modules/**"], dot: false }));
  }
  return files;
}

/** A snapshot of files: path -> "mtime:size" (absent files are left out, so a deletion is a change too). */
function snapshot(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    try {
      const s = statSync(f);
      out.set(f, `${s.mtimeMs}:${s.size}`);
    } catch {
      /* deleted meanwhile */
    }
  }
  return out;
}

function changed(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return true;
  for (const [k, v] of a) if (b.get(k) !== v) return true;
  return false;
}

/** What the loop reports as it goes. */
export type DevLoopEvent =
  | { type: "building"; components: string[] }
  | { type: "served"; generation: number; ms: number; buildMs?: number; swapMs?: number }
  | { type: "build-failed"; message: string }
  | { type: "drained"; generation: number; leftInFlight: number };

export interface DevLoopOptions {
  /** The app folder (resolveAppDir). */
  readonly appDir: string;
  /** @default "127.0.0.1" */
  readonly hostname?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Rebuild and swap on changes. @default false */
  readonly watch?: boolean;
  /** Skip the first build when every source already exists (tests, the bench). @default false */
  readonly skipFirstBuild?: boolean;
  /** Component worker threads per component. @default the cores shared out between the components */
  readonly workers?: number;
  /** How often the watched files are looked at, and how long a change must settle (Spin's debounce is 100 ms). @default 100 */
  readonly pollMs?: number;
  /** The app's variables come from here (SPIN_VARIABLE_<NAME>). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** The components' own output and the server's log lines. */
  readonly onOutput: (chunk: string) => void;
  /** Each step of the loop. @default nothing */
  readonly onEvent?: (event: DevLoopEvent) => void;
}

export interface DevLoop {
  readonly server: DevServer;
  readonly url: string;
  /** Serving generation: 1 for the first build, +1 per swap. */
  generation(): number;
  /** Stops watching, then the server (after the draining pools). */
  close(): Promise<void>;
}

/** Builds and serves the app; with `watch`, keeps rebuilding and swapping until `close`. */
export async function startDevLoop(options: DevLoopOptions): Promise<DevLoop> {
  const { appDir, log } = options;
  const env = options.env ?? process.env;
  const emit = options.onEvent ?? (() => {});
  const manifestPath = path.join(appDir, "spin.toml");
  let manifest = readManifest(appDir);
  const buildAll = async (m: SpinManifest, ids: string[]) => {
    emit({ type: "building", components: ids });
    for (const id of ids) await runBuild(appDir, m, id, log);
  };
  const allIds = (m: SpinManifest) => [...m.components.values()].filter((c) => c.build).map((c) => c.id);
  const prebuilt = options.skipFirstBuild && [...manifest.components.values()].every((c) => c.source !== undefined && existsSync(path.resolve(appDir, c.source)));
  if (!prebuilt) await buildAll(manifest, allIds(manifest));
  const server = await startDevServer({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onOutput: options.onOutput,
    app: devAppOf(appDir, manifest, env),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  let generation = 1;
  emit({ type: "served", generation, ms: 0 });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  if (options.watch) {
    const pollMs = options.pollMs ?? 100;
    let watched = watchedFiles(appDir, manifest);
    const all = () => [manifestPath, ...[...watched.values()].flat()];
    let seen = snapshot(all());
    let lastFiles = new Map([...watched].map(([id, files]) => [id, snapshot(files)]));
    let pendingSince: number | undefined;
    const tick = async () => {
      // New files matching a glob count too: the globs are expanded again on each look.
      watched = watchedFiles(appDir, manifest);
      const now = snapshot(all());
      if (changed(seen, now)) {
        seen = now;
        pendingSince = Date.now();
        return; // wait for the change to settle (debounce), as spin watch does
      }
      if (pendingSince === undefined || Date.now() - pendingSince < pollMs) return;
      const started = pendingSince;
      pendingSince = undefined;
      // What this attempt builds from: recorded before the build, so an edit made while it runs is seen as a change.
      const attemptManifest = snapshot([manifestPath]).get(manifestPath) ?? "";
      const attemptFiles = new Map([...watched].map(([id, files]) => [id, snapshot(files)]));
      try {
        const manifestChanged = attemptManifest !== lastManifest;
        const next = manifestChanged ? readManifest(appDir) : manifest;
        const ids = manifestChanged ? allIds(next) : [...attemptFiles].filter(([id, files]) => changed(lastFiles.get(id) ?? new Map(), files)).map(([id]) => id);
        if (!manifestChanged && ids.length === 0) return; // touched and put back, or a file outside every glob
        log(`change detected: rebuilding ${ids.length > 0 ? ids.join(", ") : "nothing (spin.toml changed)"}...`);
        const buildStarted = Date.now();
        await buildAll(next, ids);
        const swapStarted = Date.now();
        const { drained } = await server.reload(devAppOf(appDir, next, env));
        const swapMs = Date.now() - swapStarted;
        manifest = next;
        lastManifest = attemptManifest;
        lastFiles = manifestChanged ? new Map([...watchedFiles(appDir, next)].map(([id, files]) => [id, attemptFiles.get(id) ?? snapshot(files)])) : attemptFiles;
        watched = watchedFiles(appDir, manifest);
        const served = ++generation;
        const ms = Date.now() - started;
        log(`serving build ${served} on ${server.url} (${ms} ms after the change: build ${swapStarted - buildStarted} ms, load and swap ${swapMs} ms)`);
        emit({ type: "served", generation: served, ms, buildMs: swapStarted - buildStarted, swapMs });
        void drained.then((left) => emit({ type: "drained", generation: served - 1, leftInFlight: left }));
      } catch (error) {
        // The last good build keeps serving. What changed stays pending (lastFiles and lastManifest are kept), so
        // the next save rebuilds everything not yet served, the manifest included.
        const message = error instanceof Error ? error.message : String(error);
        log(`build failed; still serving build ${generation}:\n${message}`);
        emit({ type: "build-failed", message });
      }
    };
    let lastManifest = snapshot([manifestPath]).get(manifestPath) ?? "";
    const loop = () => {
      if (stopped) return;
      running = tick().finally(() => {
        if (!stopped) timer = setTimeout(loop, pollMs);
      });
    };
    timer = setTimeout(loop, pollMs);
    log(`watching ${[...watched.values()].flat().length} files of ${[...watched.keys()].join(", ") || "no component"} and spin.toml`);
  }
  return {
    server,
    url: server.url,
    generation: () => generation,
    close: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => {});
      await server.close();
    },
  };
}
