/**
 * Content hashes of build inputs, so that an image is rebuilt exactly when its sources change.
 *
 * `@pulumi/command` has no file hash of its own (a `local.Command` re-runs only when an input changes), so the
 * program computes one at evaluation time and passes it as a trigger and as the image tag. The hash covers the
 * files matched by globs, never what a build writes (node_modules, dist, target, .spin), and it covers each file's
 * path relative to the app folder, so a rename is a change. It ignores timestamps and permissions: a fresh clone
 * hashes the same as the working copy it came from (given the same line endings).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse as parseToml } from "smol-toml";
import { globSync } from "tinyglobby";

/**
 * Files that are build inputs of a typical Spin app (JavaScript/TypeScript, Rust, Go): manifest, package
 * manifests and lockfiles, build scripts and configs at the top level, sources, WIT files.
 */
export const DEFAULT_SOURCE_GLOBS: readonly string[] = [
    "spin.toml",
    "runtime-config.toml",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "tsconfig*.json",
    "*.{js,mjs,cjs,ts,mts,cts}",
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain*",
    "go.mod",
    "go.sum",
    "src/**",
    "wit/**",
];

/** What builds write or tools keep locally; never hashed, whatever the globs say. */
export const BUILD_OUTPUT_IGNORES: readonly string[] = [
    "**/node_modules/**",
    "**/dist/**",
    "**/target/**",
    "**/.spin/**",
    "**/.git/**",
];

export interface SourceHashOptions {
    /**
     * Globs, relative to the folder, of the files to hash.
     * @default DEFAULT_SOURCE_GLOBS
     */
    globs?: readonly string[];
    /**
     * Globs of files never to hash, even when `globs` match them.
     * @default BUILD_OUTPUT_IGNORES
     */
    ignore?: readonly string[];
    /**
     * Further files to hash, absolute or relative to the folder; each must exist. For inputs outside the folder,
     * such as the workspace root's package-lock.json of an npm workspace member, or a Dockerfile kept elsewhere.
     * @default []
     */
    extraFiles?: readonly string[];
    /**
     * Keeps a matched file (path relative to the folder, `/`-separated) when it returns true: for rules globs
     * cannot say, such as a `.dockerignore` that re-includes files with `!`. Extra files are always kept.
     * @default every matched file is kept
     */
    filter?: (relativePath: string) => boolean;
}

export interface SourceHash {
    /** sha256 over every file's relative path, size and bytes, in sorted path order; 64 hex characters. */
    digest: string;
    /** The hashed files, as POSIX paths relative to the folder, sorted. */
    files: string[];
}

/** Bumped when the hash's layout changes, so that a new layout never collides with an old digest. */
const HASH_FORMAT = "aks-wasm/source-hash/v1";

/**
 * Hashes the sources of the folder `dir`. Deterministic: the same bytes under the same relative paths give the
 * same digest, whatever the order the files were created or listed in. Throws when nothing matches.
 */
export function hashSources(dir: string, options: SourceHashOptions = {}): SourceHash {
    const root = path.resolve(dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
        throw new Error(`Cannot hash sources: ${JSON.stringify(root)} is not a directory.`);
    }
    const globs = [...(options.globs ?? DEFAULT_SOURCE_GLOBS)];
    const matched = globSync(globs, {
        cwd: root,
        ignore: [...(options.ignore ?? BUILD_OUTPUT_IGNORES)],
        dot: true,
        onlyFiles: true,
        expandDirectories: false,
    })
        .map((p) => toPosix(p))
        .filter((p) => options.filter?.(p) ?? true);
    const extra = (options.extraFiles ?? []).map((f) => {
        const abs = path.resolve(root, f);
        if (!existsSync(abs) || !statSync(abs).isFile()) {
            throw new Error(`Cannot hash sources: extra file ${JSON.stringify(f)} (${abs}) does not exist or is not a file.`);
        }
        return toPosix(path.relative(root, abs));
    });
    const files = [...new Set([...matched, ...extra])].sort(byCodeUnit);
    if (files.length === 0) {
        throw new Error(
            `Cannot hash sources: no file in ${JSON.stringify(root)} matches ${JSON.stringify(globs)}; ` +
                "pass globs that match the app's build inputs.",
        );
    }
    const hash = createHash("sha256").update(`${HASH_FORMAT}\0`);
    for (const file of files) {
        const bytes = readFileSync(path.join(root, file));
        // Path and length first, NUL-separated, so that no two different file sets give the same byte stream.
        hash.update(`${file}\0${bytes.length}\0`);
        hash.update(bytes);
    }
    return { digest: hash.digest("hex"), files };
}

/** One digest over several labelled parts (a files digest, build arguments, a platform). Order matters. */
export function hashParts(parts: readonly string[]): string {
    const hash = createHash("sha256").update(`${HASH_FORMAT}/parts\0`);
    for (const part of parts) hash.update(`${Buffer.byteLength(part)}\0${part}`);
    return hash.digest("hex");
}

/** Default length of an image tag cut from a digest: 16 hex characters (64 bits; collisions are not a concern). */
export const DEFAULT_TAG_LENGTH = 16;

/** The image tag for a content digest: its first `length` hex characters. */
export function contentTag(digest: string, length: number = DEFAULT_TAG_LENGTH): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) {
        throw new Error(`contentTag: ${JSON.stringify(digest)} is not a sha256 hex digest (64 lower-case hex characters).`);
    }
    if (!Number.isInteger(length) || length < 8 || length > 64) {
        throw new Error(`contentTag: tag length ${length} is not accepted; use a whole number from 8 to 64.`);
    }
    return digest.slice(0, length);
}

/**
 * Build inputs a Spin manifest names itself: each component's `build.watch` globs (relative to `build.workdir`),
 * which are the files `spin watch` rebuilds on, and its `files` (static assets pushed as data layers). Added to the
 * default globs so an app that keeps its sources elsewhere is still hashed right.
 */
export function spinManifestGlobs(manifestToml: string): string[] {
    const manifest = parseToml(manifestToml) as { component?: Record<string, unknown> };
    const globs: string[] = [];
    for (const component of Object.values(manifest.component ?? {})) {
        if (!isRecord(component)) continue;
        const build = isRecord(component.build) ? component.build : {};
        const workdir = typeof build.workdir === "string" ? build.workdir : "";
        for (const watch of Array.isArray(build.watch) ? build.watch : []) {
            if (typeof watch === "string") globs.push(toPosix(path.posix.join(workdir, watch)));
        }
        for (const file of Array.isArray(component.files) ? component.files : []) {
            if (typeof file === "string") globs.push(file);
            else if (isRecord(file) && typeof file.source === "string") globs.push(file.source, `${file.source}/**`);
        }
    }
    // A glob that climbs out of the app folder cannot be matched relative to it; such inputs go in extraFiles.
    return globs.filter((g) => !g.startsWith("../") && !path.posix.isAbsolute(g));
}

/**
 * A path as a command should see it in Pulumi state: relative to the project folder (`base`, the program's
 * working directory), so that state does not change between a laptop and a CI runner. The engine starts the
 * language host and every provider in that same folder (pulumi sdk/go/common/resource/plugin: `newPlugin(ctx,
 * ctx.Pwd, …)`), so a relative `dir` or script path means the same to the program and to the command provider.
 * Absolute when the target lies outside the project.
 */
export function projectRelativePath(target: string, base: string = process.cwd()): string {
    const rel = toPosix(path.relative(base, target));
    if (rel === "") return ".";
    return rel.startsWith("../") || rel === ".." || path.isAbsolute(rel) ? toPosix(path.resolve(target)) : rel;
}

function toPosix(p: string): string {
    return p.split(path.sep).join("/");
}

function byCodeUnit(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
