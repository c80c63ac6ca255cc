/**
 * ContainerImage: a linux/amd64 image pushed to ACR, tagged by a hash of what the build can see, deployed by
 * digest; registry credentials fetched anew on every `pulumi up` and handed to the Image as a secret (never in
 * plain text in state, never in a command's arguments or environment); no build and no token in preview.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { installOfflineMocks, isSecretInput, mapSecrets, settle, valueOf, type OfflineRun } from "../lib/offline/offline";
import { contentTag } from "../lib/spin/sourceHash";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "container-app");
const LOGIN_SERVER = "acrmock.azurecr.io";
/** A digest as BuildKit reports it (format only; the value is a stand-in). */
const IMAGE_DIGEST = `sha256:${"5e".repeat(32)}`;
/** The token lib/offline/mockCloud.cjs answers for the helper's `local.run` (a stand-in, not a credential). */
const STANDIN_TOKEN = "stand-in-acr-token";
const ZERO_USER = "00000000-0000-0000-0000-000000000000";

type ContainerImageModule = typeof import("../components/app/containerImage");
let mod: ContainerImageModule;
let run: OfflineRun;
const mockArgs: MockResourceArgs[] = [];
const temps: string[] = [];

before(async () => {
    run = await installOfflineMocks({
        overrides: (args) => {
            mockArgs.push(args);
            return args.type === "docker-build:index:Image" ? { digest: IMAGE_DIGEST } : undefined;
        },
    });
    mod = await import("../components/app/containerImage.js");
});

after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const registry = { loginServer: pulumi.output(LOGIN_SERVER), name: pulumi.output("acrmock") };

function fixtureCopy(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "aks-wasm-ctrimg-"));
    temps.push(dir);
    cpSync(FIXTURE, dir, { recursive: true });
    return dir;
}

function find(type: string, name: string) {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${type} ${name} is registered`);
    return found;
}

/**
 * The Image's recorded `registries`, and whether its password is a secret. The SDK may mark the password itself or
 * the whole list that holds it; either way the engine stores it encrypted.
 */
function registriesOf(image: { inputs: Record<string, any> }): { entries: any[]; passwordSecret: boolean[] } {
    const outer = image.inputs.registries;
    const entries = (isSecretInput(outer) ? outer.value : outer) as any[];
    return {
        entries: entries.map((e) => ({ ...e, password: isSecretInput(e.password) ? e.password.value : e.password })),
        passwordSecret: entries.map((e) => isSecretInput(outer) || isSecretInput(e.password)),
    };
}

/** The tag a context would get, computed the way the component documents it. */
function tagOf(args: Parameters<ContainerImageModule["contextDigest"]>[0]): string {
    const read = (f: string) => {
        try {
            return readFileSync(f, "utf8");
        } catch {
            return undefined;
        }
    };
    return contentTag(mod.contextDigest(args, read).digest);
}

test("the image is built for linux/amd64, pushed, not built in preview, tagged by content and deployed by digest", async () => {
    const img = new mod.ContainerImage("loadgen", {
        repository: "loadtest",
        context: FIXTURE,
        registry,
        buildArgs: { NODE_ENV: "production" },
    });
    assert.equal(img.tag, tagOf({ repository: "loadtest", context: FIXTURE, registry, buildArgs: { NODE_ENV: "production" } }));
    assert.match(img.tag, /^[0-9a-f]{16}$/);
    assert.equal(await valueOf(img.imageRef), `${LOGIN_SERVER}/loadtest@${IMAGE_DIGEST}`);
    assert.equal(await valueOf(img.taggedRef), `${LOGIN_SERVER}/loadtest:${img.tag}`);
    await settle();

    const image = find("docker-build:index:Image", "loadgen-image");
    assert.deepEqual(image.inputs.platforms, ["linux/amd64"]);
    assert.equal(image.inputs.push, true);
    assert.equal(image.inputs.buildOnPreview, false);
    assert.deepEqual(image.inputs.tags, [`${LOGIN_SERVER}/loadtest:${img.tag}`]);
    assert.deepEqual(image.inputs.buildArgs, { NODE_ENV: "production" });
    // Inside the project, paths in state are relative, so state is the same on every machine.
    assert.equal(process.cwd(), ROOT, "run the tests from the repository root");
    assert.deepEqual(image.inputs.context, { location: "test/fixtures/container-app" });
    assert.deepEqual(image.inputs.dockerfile, { location: "test/fixtures/container-app/Dockerfile" });

    const component = find("aks-wasm:index:ContainerImage", "loadgen");
    const provider = find("pulumi:providers:docker-build", "loadgen-docker-build");
    for (const child of [image, provider]) assert.equal(child.parentUrn, component.urn);
    const imageArgs = mockArgs.find((a) => a.type === "docker-build:index:Image" && a.name === "loadgen-image");
    assert.match(String(imageArgs?.provider), /pulumi:providers:docker-build::loadgen-docker-build::loadgen-docker-build-id$/);
    // No login command: a command's login ran only when it was created (DOCKERBUILD-1).
    assert.equal(run.resources.filter((r) => r.type === "command:local:Command").length, 0);
});

test("the Image carries no registry credential: no `registries`, no token request (TRUST-7)", async () => {
    // What the state would keep: the Image's inputs. A password there, even a secret one, is readable by anyone who
    // can decrypt the state, for the token's lifetime (hours). The host's Docker login, made right before
    // `pulumi up` (.github/scripts/registry-login.sh), is what docker-build uses instead (DOCKERBUILD-1).
    const invokesBefore = run.invokes.length;
    new mod.ContainerImage("run1", { repository: "loadtest", context: FIXTURE, registry });
    await settle();
    assert.equal(run.invokes.slice(invokesBefore).filter((i) => i.token === "command:local:run").length, 0, "no token fetched by the program");
    const image = find("docker-build:index:Image", "run1-image");
    assert.equal(image.inputs.registries, undefined);
    assert.doesNotMatch(JSON.stringify(image.inputs), /password/i);
});

test("no token in plain text in any recorded input (what state stores), nor in any command", async () => {
    new mod.ContainerImage("plain", { repository: "loadtest", context: FIXTURE, registry });
    await settle();
    for (const resource of run.resources) {
        const plain = JSON.stringify(mapSecrets(resource.inputs, () => "[secret]"));
        assert.doesNotMatch(plain, new RegExp(STANDIN_TOKEN), `${resource.type} ${resource.name}`);
    }
    for (const cmd of run.resources.filter((r) => r.type.startsWith("command:"))) {
        assert.doesNotMatch(JSON.stringify(cmd.inputs), new RegExp(STANDIN_TOKEN));
    }
});

test("a caller's own token is used instead, still as a secret", async () => {
    const invokesBefore = run.invokes.length;
    new mod.ContainerImage("own", { repository: "loadtest", context: FIXTURE, registry, registryToken: "caller-token" });
    await settle();
    assert.equal(run.invokes.slice(invokesBefore).filter((i) => i.token === "command:local:run").length, 0);
    const { entries, passwordSecret } = registriesOf(find("docker-build:index:Image", "own-image"));
    assert.equal(entries[0].username, ZERO_USER);
    assert.equal(entries[0].password, "caller-token");
    assert.deepEqual(passwordSecret, [true]);
});

test("the tag follows what the build can see: sources, Dockerfile, build arguments; not ignored files", () => {
    const dir = fixtureCopy();
    const args = { repository: "loadtest", context: dir, registry };
    const base = tagOf(args);
    assert.equal(tagOf({ ...args }), base, "deterministic");

    writeFileSync(path.join(dir, "NOTES.md"), "# edited notes, excluded by .dockerignore\n");
    mkdirSync(path.join(dir, "node_modules", "left-pad"), { recursive: true });
    writeFileSync(path.join(dir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
    mkdirSync(path.join(dir, ".git"), { recursive: true });
    writeFileSync(path.join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
    assert.equal(tagOf(args), base, "ignored files, node_modules and .git leave the tag alone");

    assert.notEqual(tagOf({ ...args, buildArgs: { NODE_ENV: "test" } }), base, "a build argument");
    assert.notEqual(tagOf({ ...args, platform: "linux/arm64" }), base, "the platform");

    writeFileSync(path.join(dir, "src", "config.js"), 'module.exports = { greeting: "hi" };\n');
    const afterSource = tagOf(args);
    assert.notEqual(afterSource, base, "a source line");

    writeFileSync(path.join(dir, "Dockerfile"), readFileSync(path.join(dir, "Dockerfile"), "utf8").replace("USER 65532", "USER 65533"));
    assert.notEqual(tagOf(args), afterSource, "the Dockerfile");
});

test("a Dockerfile outside the context is hashed too", () => {
    const dir = fixtureCopy();
    const elsewhere = path.join(path.dirname(dir), `${path.basename(dir)}-df`);
    temps.push(elsewhere);
    mkdirSync(elsewhere);
    const dockerfile = path.join(elsewhere, "Dockerfile");
    writeFileSync(dockerfile, "FROM scratch\n");
    const args = { repository: "loadtest", context: dir, dockerfile, registry };
    const before = tagOf(args);
    writeFileSync(dockerfile, "FROM scratch\nLABEL x=y\n");
    assert.notEqual(tagOf(args), before);
});

test("dockerignore: Docker's rules, re-includes too, and <Dockerfile>.dockerignore before the context's", () => {
    const keep = mod.dockerignoreFilter("# comment\n*\n!package.json\n!apps/loadtest/src/\napps/loadtest/src/*.test.ts\n");
    assert.deepEqual(
        ["package.json", "README.md", "apps/loadtest/src/cli.ts", "apps/loadtest/src/cli.test.ts", "apps/other/x.ts"].filter(keep),
        ["package.json", "apps/loadtest/src/cli.ts"],
    );
    const args = { repository: "loadtest", context: "/ctx", dockerfile: "/ctx/apps/x/Dockerfile", registry };
    assert.equal(mod.dockerignoreFor(args, () => true), "/ctx/apps/x/Dockerfile.dockerignore");
    assert.equal(mod.dockerignoreFor(args, (f) => f === "/ctx/.dockerignore"), "/ctx/.dockerignore");
    assert.equal(mod.dockerignoreFor(args, () => false), undefined);
});

test("an allowlist ignore file keeps unrelated changes in the context from changing the tag", () => {
    const dir = fixtureCopy();
    const dockerfile = path.join(dir, "Dockerfile");
    writeFileSync(`${dockerfile}.dockerignore`, "*\n!Dockerfile\n!package.json\n");
    const args = { repository: "loadtest", context: dir, dockerfile, registry };
    const before = tagOf(args);
    writeFileSync(path.join(dir, "unrelated.txt"), "not in the build\n");
    assert.equal(tagOf(args), before);
    writeFileSync(path.join(dir, "package.json"), "{}\n");
    assert.notEqual(tagOf(args), before);
});

test("invalid arguments are reported together and register nothing", async () => {
    await settle();
    const before = run.resources.length;
    assert.throws(
        () =>
            new mod.ContainerImage("bad", {
                repository: "LoadTest",
                context: path.join(FIXTURE, "missing"),
                registry,
                buildArgs: { "not-an-arg": "x" },
                tagLength: 100,
            }),
        (err: Error) => {
            assert.match(err.message, /ContainerImage bad: invalid arguments:/);
            assert.match(err.message, /repository "LoadTest": expected lower-case letters/);
            assert.match(err.message, /context ".*missing": expected the absolute path of an existing folder/);
            assert.match(err.message, /dockerfile ".*missing\/Dockerfile": expected the absolute path of an existing Dockerfile/);
            assert.match(err.message, /buildArgs key "not-an-arg": expected an ARG name/);
            assert.match(err.message, /tagLength 100: expected a whole number from 8 to 64/);
            return true;
        },
    );
    assert.equal(run.resources.length, before);
});

test("in preview nothing is built and no token is fetched: the Image is registered, imageRef is unknown", async () => {
    await settle();
    const previewRun = await installOfflineMocks({
        preview: true,
        // A real preview with buildOnPreview false exports nothing, so there is no digest.
        overrides: (args) => (args.type === "docker-build:index:Image" ? { digest: undefined, ref: undefined } : undefined),
    });
    const img = new mod.ContainerImage("pv", { repository: "loadtest", context: FIXTURE, registry });
    await settle();
    const image = previewRun.resources.find((r) => r.type === "docker-build:index:Image" && r.name === "pv-image");
    assert.ok(image);
    assert.equal(image.inputs.buildOnPreview, false);
    // A read-only preview identity needs no registry rights: no token request, no credential.
    assert.equal(previewRun.invokes.filter((i) => i.token === "command:local:run").length, 0);
    assert.equal(image.inputs.registries, undefined);
    assert.equal(await (img.imageRef as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    assert.match(img.tag, /^[0-9a-f]{16}$/);
});

test("acr-login.sh docker (for people pushing by hand), with stand-in tools: the token reaches docker login on stdin only", () => {
    // Stand-ins (fake processes written by this test) for the Azure CLI and the Docker client: they log their
    // arguments and stdin, so the test can see where the token goes.
    const bin = mkdtempSync(path.join(tmpdir(), "aks-wasm-standins-"));
    const log = mkdtempSync(path.join(tmpdir(), "aks-wasm-standin-log-"));
    temps.push(bin, log);
    const write = (name: string, body: string) => {
        writeFileSync(path.join(bin, name), body);
        chmodSync(path.join(bin, name), 0o755);
    };
    write("az", `#!/bin/bash\nprintf '%s\\n' "$*" >> "$STANDIN_LOG/az.argv"\ncase "$1 $2" in\n  "account show") echo '{}' ;;\n  "acr login") echo "stand-in-token-K2p" ;;\n  *) exit 2 ;;\nesac\n`);
    const nodeDir = path.dirname(process.execPath);
    write("docker", `#!/bin/bash\nprintf '%s\\n' "$@" > "$STANDIN_LOG/docker.argv"\ncat > "$STANDIN_LOG/docker.stdin"\necho "Login Succeeded"\n`);
    const r = spawnSync("/bin/bash", [path.join(ROOT, "scripts", "acr-login.sh"), "docker"], {
        encoding: "utf8",
        env: { PATH: `${bin}:${nodeDir}:/usr/bin:/bin`, ACR_NAME: "acrmock", ACR_LOGIN_SERVER: LOGIN_SERVER, STANDIN_LOG: log },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "Login Succeeded\n");
    const argv = readFileSync(path.join(log, "docker.argv"), "utf8");
    assert.deepEqual(argv.trim().split("\n"), ["login", "-u", "00000000-0000-0000-0000-000000000000", "--password-stdin", LOGIN_SERVER]);
    assert.equal(readFileSync(path.join(log, "docker.stdin"), "utf8"), "stand-in-token-K2p");
    for (const text of [r.stdout, r.stderr, argv, readFileSync(path.join(log, "az.argv"), "utf8")]) assert.doesNotMatch(text, /stand-in-token/);

    const bad = spawnSync("/bin/bash", [path.join(ROOT, "scripts", "acr-login.sh"), "podman"], {
        encoding: "utf8",
        env: { PATH: `${bin}:/usr/bin:/bin`, ACR_NAME: "acrmock", ACR_LOGIN_SERVER: LOGIN_SERVER },
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /usage: acr-login.sh spin\|docker \(got 'podman'\)/);
});
