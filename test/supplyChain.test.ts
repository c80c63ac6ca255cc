/**
 * Supply chain (platform-contracts TRUST-12, TRUST-13): every Dockerfile base image and BuildKit frontend by digest,
 * the load generator on Node 24, the runtime chart's images named explicitly (never the chart's `latest`), and the
 * downloaded tools checked against sha256 values kept in the repository.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { globSync } from "tinyglobby";
import { RCM_IMAGES, rcmImageValues } from "../components/platform/spinKubeRuntime";

const ROOT = join(__dirname, "..");
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const dockerfiles = globSync(["apps/*/Dockerfile", "apps/*/*.Dockerfile"], { cwd: ROOT });

/** The images a Dockerfile pulls: FROM lines with ARG defaults substituted, stage names excluded, and its syntax frontend. */
function baseImages(text: string): string[] {
    const args = new Map<string, string>();
    const stages = new Set<string>();
    const images: string[] = [];
    const syntax = /^#\s*syntax=(\S+)/m.exec(text);
    if (syntax) images.push(syntax[1]);
    for (const line of text.split("\n")) {
        const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
        if (arg) args.set(arg[1], arg[2]);
        const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
        if (!from) continue;
        const image = from[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? `<unset ${a ?? b}>`);
        if (!stages.has(image)) images.push(image);
        if (from[2]) stages.add(from[2]);
    }
    return images;
}

describe("images by digest", () => {
    it("finds the Dockerfiles", () => assert.ok(dockerfiles.length >= 3, dockerfiles.join(", ")));
    for (const file of dockerfiles) {
        it(`${file}: every FROM and the syntax frontend are pinned by digest`, () => {
            const images = baseImages(readFileSync(join(ROOT, file), "utf8"));
            assert.ok(images.length >= 2);
            for (const image of images) assert.match(image, DIGEST, `${file}: ${image}`);
        });
    }
    it("the check can fail: a tag-only FROM is caught", () => {
        assert.deepEqual(baseImages("ARG N=node:24-alpine\nFROM ${N} AS b\nFROM b\n").filter((i) => !DIGEST.test(i)), ["node:24-alpine"]);
    });
    it("the load generator runs on Node 24", () => {
        for (const image of baseImages(readFileSync(join(ROOT, "apps", "loadtest", "Dockerfile"), "utf8")).slice(1)) assert.match(image, /\/node:24-alpine@/);
    });
    it("every digest in a Dockerfile is recorded, with its source, in the register (TRUST-13)", () => {
        const register = readFileSync(join(ROOT, "docs", "platform-contracts.md"), "utf8");
        for (const file of dockerfiles) {
            for (const image of baseImages(readFileSync(join(ROOT, file), "utf8"))) assert.ok(register.includes(image.split("@")[1]), `${image} in docs/platform-contracts.md`);
        }
    });
});

describe("the runtime chart's images", () => {
    it("names all three images at v0.2.0, never the chart's `latest` default", () => {
        assert.deepEqual(rcmImageValues(RCM_IMAGES), {
            image: { repository: "ghcr.io/spinframework/runtime-class-manager", tag: "v0.2.0" },
            rcm: {
                shimDownloaderImage: { repository: "ghcr.io/spinframework/shim-downloader", tag: "v0.2.0" },
                nodeInstallerImage: { repository: "ghcr.io/spinframework/node-installer", tag: "v0.2.0" },
            },
        });
    });
    it("pins by digest when one is given (the chart writes <repository>:<tag>), and refuses a malformed one", () => {
        const d = `sha256:${"1".repeat(64)}`;
        const v = rcmImageValues({ ...RCM_IMAGES, manager: { ...RCM_IMAGES.manager, digest: d } });
        assert.equal(`${v.image.repository}:${v.image.tag}`, `ghcr.io/spinframework/runtime-class-manager:v0.2.0@${d}`);
        assert.throws(() => rcmImageValues({ ...RCM_IMAGES, manager: { ...RCM_IMAGES.manager, digest: "sha256:abc" } }), /not sha256:<64 hex>/);
    });
});

describe("tool checksums kept in the repository (TRUST-12)", () => {
    const script = join(ROOT, ".github", "scripts", "verify-tool-checksum.sh");
    const inDir = (content: string, name: string) => {
        const dir = mkdtempSync(join(tmpdir(), "aks-wasm-tool-"));
        writeFileSync(join(dir, name), content);
        return dir;
    };
    it("records kubelogin at the version the workflows install", () => {
        const list = readFileSync(join(ROOT, ".github", "scripts", "tool-checksums.txt"), "utf8");
        const version = /KUBELOGIN_VERSION: (v[\d.]+)/.exec(readFileSync(join(ROOT, ".github", "workflows", "deploy.yml"), "utf8"))![1];
        assert.match(list, new RegExp(`^[0-9a-f]{64} kubelogin ${version.replace(/\./g, "\\.")} kubelogin-linux-amd64\\.zip$`, "m"));
    });
    it("records Spin at the version the workflows install (strictly checked: no fall-back to the release's own file)", () => {
        const list = readFileSync(join(ROOT, ".github", "scripts", "tool-checksums.txt"), "utf8");
        const version = /SPIN_VERSION: (v[\d.]+)/.exec(readFileSync(join(ROOT, ".github", "workflows", "deploy.yml"), "utf8"))![1];
        const v = version.replace(/\./g, "\\.");
        assert.match(list, new RegExp(`^[0-9a-f]{64} spin ${v} spin-${v}-linux-amd64\\.tar\\.gz$`, "m"));
    });
    it("refuses a download whose sha256 differs from the recorded one (a replaced release asset)", () => {
        const r = spawnSync("bash", [script, "kubelogin", "v0.2.19", "kubelogin-linux-amd64.zip"], { cwd: inDir("not the release", "kubelogin-linux-amd64.zip"), encoding: "utf8" });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /records ebaeff02/);
    });
    it("refuses an unrecorded tool, unless told to fall back to the release's checksum (then warns)", () => {
        const dir = inDir("x", "spin.tar.gz");
        const strict = spawnSync("bash", [script, "spin", "v9.9.9", "spin.tar.gz"], { cwd: dir, encoding: "utf8" });
        assert.equal(strict.status, 1);
        assert.match(strict.stderr, /no sha256 recorded for spin v9\.9\.9/);
        const lenient = spawnSync("bash", [script, "spin", "v9.9.9", "spin.tar.gz", "--allow-unrecorded"], { cwd: dir, encoding: "utf8" });
        assert.equal(lenient.status, 0);
        assert.match(lenient.stdout, /::warning::no sha256 recorded/);
    });
    it("both installers call it after the release's own check", () => {
        for (const [file, call] of [
            ["install-kubelogin.sh", /verify-tool-checksum\.sh" kubelogin "\$KUBELOGIN_VERSION" kubelogin-linux-amd64\.zip$/m],
            ["install-spin.sh", /verify-tool-checksum\.sh" spin "\$SPIN_VERSION" "\$asset"$/m],
        ] as const) {
            assert.match(readFileSync(join(ROOT, ".github", "scripts", file), "utf8"), call, file);
        }
    });
});
