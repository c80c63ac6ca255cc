/**
 * The source hash decides when an app is rebuilt and what its tag is: it must be the same for the same sources
 * (or every `pulumi up` rebuilds) and different for any change a build could see (or a change never ships).
 */
import { createHash } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    DEFAULT_SOURCE_GLOBS,
    contentTag,
    hashParts,
    hashSources,
    projectRelativePath,
    spinManifestGlobs,
} from "../lib/spin/sourceHash";

const FIXTURE = path.join(__dirname, "fixtures", "spin-app");

/** The fixture's globs, as SpinApplication computes them. */
function appGlobs(dir: string): string[] {
    return [...DEFAULT_SOURCE_GLOBS, ...spinManifestGlobs(readFileSync(path.join(dir, "spin.toml"), "utf8"))];
}

function hashApp(dir: string) {
    return hashSources(dir, { globs: appGlobs(dir) });
}

/** A temporary copy of the fixture; `populate` adds build output as a real build would. */
function copyFixture(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-srchash-"));
    cpSync(FIXTURE, dir, { recursive: true });
    return dir;
}

function addBuildOutput(dir: string): void {
    mkdirSync(path.join(dir, "node_modules", "@spinframework", "wasi-http-proxy"), { recursive: true });
    writeFileSync(path.join(dir, "node_modules", "@spinframework", "wasi-http-proxy", "index.js"), "export {};\n");
    mkdirSync(path.join(dir, "dist"), { recursive: true });
    writeFileSync(path.join(dir, "dist", "fixture-app.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    mkdirSync(path.join(dir, ".spin"), { recursive: true });
    writeFileSync(path.join(dir, ".spin", "logs.txt"), "log\n");
    mkdirSync(path.join(dir, "target", "wasm32-wasip1"), { recursive: true });
    writeFileSync(path.join(dir, "target", "wasm32-wasip1", "app.wasm"), "x");
}

test("the hash covers the manifest, package files, lockfile, build script, sources and static files, nothing else", () => {
    const dir = copyFixture();
    try {
        addBuildOutput(dir);
        assert.deepEqual(hashApp(dir).files, [
            "build.mjs",
            "package-lock.json",
            "package.json",
            "spin.toml",
            "src/handler.js",
            "src/index.js",
            "static/index.html",
        ]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("the same sources created in a different order hash the same", () => {
    const files = new Map<string, Buffer>();
    for (const rel of hashApp(FIXTURE).files) files.set(rel, readFileSync(path.join(FIXTURE, rel)));
    const make = (order: string[]) => {
        const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-srchash-order-"));
        for (const rel of order) {
            mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            writeFileSync(path.join(dir, rel), files.get(rel)!);
        }
        return dir;
    };
    const forward = make([...files.keys()]);
    const backward = make([...files.keys()].reverse());
    try {
        // Different modification times too: the hash is of content, not of metadata.
        utimesSync(path.join(backward, "spin.toml"), new Date(0), new Date(0));
        const a = hashApp(forward);
        const b = hashApp(backward);
        assert.equal(a.digest, b.digest);
        assert.deepEqual(a.files, b.files);
        assert.match(a.digest, /^[0-9a-f]{64}$/);
        // And a copy made by cp hashes like the fixture itself.
        assert.equal(hashApp(FIXTURE).digest, a.digest);
    } finally {
        rmSync(forward, { recursive: true, force: true });
        rmSync(backward, { recursive: true, force: true });
    }
});

test("a changed source line, a renamed file, an added source or a changed lockfile changes the hash", () => {
    const dir = copyFixture();
    try {
        const base = hashApp(dir).digest;
        const seen = new Set([base]);
        const expectNew = (what: string) => {
            const next = hashApp(dir).digest;
            assert.ok(!seen.has(next), `${what} must change the hash`);
            seen.add(next);
        };

        const handler = path.join(dir, "src", "handler.js");
        writeFileSync(handler, readFileSync(handler, "utf8").replace("hello from fixture-app", "hello again"));
        expectNew("an edited source line");

        // Same bytes under another name: only the path differs.
        renameSync(path.join(dir, "src", "index.js"), path.join(dir, "src", "main.js"));
        expectNew("a renamed file");

        writeFileSync(path.join(dir, "src", "extra.js"), "export const x = 1;\n");
        expectNew("an added source file");

        const lock = path.join(dir, "package-lock.json");
        writeFileSync(lock, readFileSync(lock, "utf8").replace('"version": "1.0.1"', '"version": "1.0.2"'));
        expectNew("a changed lockfile");

        writeFileSync(path.join(dir, "static", "index.html"), "<p>changed</p>\n");
        expectNew("a changed static file named in spin.toml");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("moving content between two files changes the hash (paths and lengths are framed)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-srchash-frame-"));
    try {
        mkdirSync(path.join(dir, "src"));
        writeFileSync(path.join(dir, "src", "a.js"), "ab");
        writeFileSync(path.join(dir, "src", "b.js"), "c");
        const one = hashSources(dir).digest;
        writeFileSync(path.join(dir, "src", "a.js"), "a");
        writeFileSync(path.join(dir, "src", "b.js"), "bc");
        assert.notEqual(hashSources(dir).digest, one);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("build output and installed dependencies never change the hash", () => {
    const dir = copyFixture();
    try {
        const base = hashApp(dir).digest;
        addBuildOutput(dir);
        assert.equal(hashApp(dir).digest, base, "adding node_modules, dist, .spin, target");
        writeFileSync(path.join(dir, "dist", "fixture-app.wasm"), "rebuilt");
        writeFileSync(path.join(dir, "node_modules", "@spinframework", "wasi-http-proxy", "index.js"), "// touched\n");
        mkdirSync(path.join(dir, "src", "node_modules"), { recursive: true });
        writeFileSync(path.join(dir, "src", "node_modules", "nested.js"), "x");
        assert.equal(hashApp(dir).digest, base, "touching files in build output, at any depth");
        // Even when a caller's glob names them.
        assert.equal(
            hashSources(dir, { globs: [...appGlobs(dir), "dist/**", "node_modules/**"] }).digest,
            base,
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("the digest follows the documented layout (a layout change re-tags every image, so it must be deliberate)", () => {
    // Recomputed here from the layout lib/spin/sourceHash documents: format line, then per file path, length, bytes.
    const { files, digest } = hashApp(FIXTURE);
    const h = createHash("sha256").update("aks-wasm/source-hash/v1\0");
    for (const f of files) {
        const bytes = readFileSync(path.join(FIXTURE, f));
        h.update(`${f}\0${bytes.length}\0`).update(bytes);
    }
    assert.equal(digest, h.digest("hex"));
});

test("extra files outside the folder are hashed under their relative path, and must exist", () => {
    const root = mkdtempSync(path.join(tmpdir(), "aks-wasm-srchash-ws-"));
    try {
        const app = path.join(root, "apps", "app");
        cpSync(FIXTURE, app, { recursive: true });
        writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
        const withLock = hashSources(app, { globs: appGlobs(app), extraFiles: [path.join(root, "package-lock.json")] });
        assert.ok(withLock.files.includes("../../package-lock.json"));
        writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3,"packages":{}}\n');
        const changed = hashSources(app, { globs: appGlobs(app), extraFiles: ["../../package-lock.json"] });
        assert.notEqual(changed.digest, withLock.digest);
        assert.throws(
            () => hashSources(app, { extraFiles: ["../../missing.lock"] }),
            /extra file "\.\.\/\.\.\/missing\.lock" \(.*missing\.lock\) does not exist or is not a file/,
        );
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});

test("a folder with no matching file, or no folder at all, is an error that says what was looked for", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-srchash-empty-"));
    try {
        writeFileSync(path.join(dir, "README.md"), "docs only\n");
        assert.throws(() => hashSources(dir), /no file in ".*" matches \["spin.toml",/);
        assert.throws(() => hashSources(path.join(dir, "nope")), /is not a directory/);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("spinManifestGlobs reads build.watch (under build.workdir) and files from every component", () => {
    const globs = spinManifestGlobs(`
spin_manifest_version = 2
[application]
name = "x"
[component.a]
source = "a.wasm"
files = ["assets/**/*", { source = "public", destination = "/" }, "../outside/**"]
[component.a.build]
command = "make"
workdir = "a"
watch = ["src/**/*.rs", "Cargo.toml"]
[component.b]
source = "b.wasm"
`);
    assert.deepEqual(globs, ["a/src/**/*.rs", "a/Cargo.toml", "assets/**/*", "public", "public/**"]);
});

test("contentTag is the digest's prefix, 16 by default, and rejects what is not a digest", () => {
    const digest = "ab".repeat(32);
    assert.equal(contentTag(digest), "abababababababab");
    assert.equal(contentTag(digest, 12), "abababababab");
    assert.throws(() => contentTag("xyz"), /"xyz" is not a sha256 hex digest/);
    assert.throws(() => contentTag(digest, 4), /tag length 4 is not accepted; use a whole number from 8 to 64/);
});

test("hashParts is order- and boundary-sensitive", () => {
    assert.notEqual(hashParts(["a", "b"]), hashParts(["b", "a"]));
    assert.notEqual(hashParts(["ab", "c"]), hashParts(["a", "bc"]));
    assert.equal(hashParts(["a", "b"]), hashParts(["a", "b"]));
});

test("projectRelativePath keeps paths in state machine-independent inside the project", () => {
    assert.equal(projectRelativePath("/repo/apps/hello-wasm", "/repo"), "apps/hello-wasm");
    assert.equal(projectRelativePath("/repo", "/repo"), ".");
    assert.equal(projectRelativePath("/elsewhere/app", "/repo"), "/elsewhere/app");
});
