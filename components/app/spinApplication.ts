/**
 * A Spin app built from `apps/<name>` and pushed to ACR as an OCI artifact, addressed by its digest.
 *
 * The program hashes the app's sources at evaluation time (lib/spin/sourceHash.ts); the hash is the build command's
 * trigger and, cut short, the image tag. So `pulumi up` on unchanged sources runs nothing, a changed source
 * builds and pushes once, and the Deployment gets `<login server>/<app>@sha256:…` and rolls exactly when the
 * pushed image changes. The build runs in scripts/spin-build-push.sh, at `pulumi up` only: a `local.Command` runs
 * nothing in preview, so a CI preview needs neither Spin nor Docker nor registry credentials.
 *
 * Registry login: the script logs Spin in right before it pushes, with a token fetched at that moment by
 * lib/registry/acrToken.cjs (workload identity in CI, `az` on a laptop) and piped into `--password-stdin`. So every run of
 * the command has a fresh login, none is left over from the run that created it, and a run after a long cluster
 * create does not depend on az's five-minute CI session (platform-contracts ACRAUTH-1, SPINCLI-2).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import {
    DEFAULT_SOURCE_GLOBS,
    DEFAULT_TAG_LENGTH,
    contentTag,
    hashSources,
    projectRelativePath,
    spinManifestGlobs,
} from "../../lib/spin/sourceHash";
import type { RegistryTarget } from "../../lib/contract/platformContract";
import { isRepositoryName, parsePushedDigest, pinnedImageRef, taggedImageRef } from "../../lib/spin/spinPush";
import { checkSpinManifestFile, formatManifestProblem } from "../../lib/spin/spinManifest";

/** The build-and-push script, committed beside the program. */
export const SPIN_BUILD_PUSH_SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "spin-build-push.sh");

export interface SpinApplicationArgs {
    /**
     * The app's name: the repository in the registry (`<login server>/<appName>`). Lower case, digits, "-".
     */
    appName: string;
    /** Absolute path of the app's folder, the one holding `spin.toml` (e.g. `<repo>/apps/hello-wasm`). */
    appDir: string;
    /** The registry to push to. The deployer needs Container Registry Repository Writer on the repository (ABAC mode, TRUST-4; `az login` as someone who has it). */
    registry: RegistryTarget;
    /**
     * Globs, relative to `appDir`, of the build inputs to hash. The manifest's own `build.watch` and `files`
     * globs are always added.
     * @default DEFAULT_SOURCE_GLOBS (spin.toml, package manifests and lockfiles, top-level build scripts and
     *   configs, src/**, wit/**; never node_modules, dist, target or .spin)
     */
    sourceGlobs?: string[];
    /**
     * Further files to hash, absolute or relative to `appDir`. For an npm workspace member, pass the workspace
     * root's package-lock.json: it pins the app's dependencies, and the app folder has no lockfile of its own.
     * @default []
     */
    extraSourceFiles?: string[];
    /**
     * Hex characters of the source hash used as the image tag. 16 (64 bits) makes a collision between two
     * source states of one app not a concern while keeping tags short.
     * @default 16
     */
    tagLength?: number;
    /**
     * What the command's output Pulumi shows. The script's stdout is Spin's push result (digest, no secret) and
     * its stderr the build log; the registry token never reaches either.
     * @default "stdoutAndStderr"
     */
    logging?: local.Logging;
}

/**
 * Problems in `<appDir>/spin.toml` (lib/spin/spinManifest.ts: the checks config validation and the dev server apply),
 * each naming the file (relative to the working directory), the line and the fix.
 */
export function appManifestProblems(appDir: string): string[] {
    const display = path.relative(process.cwd(), path.join(appDir, "spin.toml")) || "spin.toml";
    const fs = { exists: existsSync, read: (file: string) => readFileSync(file, "utf8") };
    return checkSpinManifestFile(appDir, fs, display).problems.map(formatManifestProblem);
}

/** Problems with the arguments, each naming the argument, its value and what is accepted. */
export function validateSpinApplicationArgs(args: SpinApplicationArgs): string[] {
    const problems: string[] = [];
    if (!isRepositoryName(args.appName) || args.appName.includes("/")) {
        problems.push(`appName ${JSON.stringify(args.appName)}: expected a repository name of lower-case letters, digits and "-" (e.g. "hello-wasm")`);
    }
    if (!path.isAbsolute(args.appDir)) {
        problems.push(`appDir ${JSON.stringify(args.appDir)}: expected an absolute path (e.g. path.join(__dirname, "apps", "${args.appName}"))`);
    } else if (!existsSync(path.join(args.appDir, "spin.toml")) || !statSync(path.join(args.appDir, "spin.toml")).isFile()) {
        problems.push(`appDir ${JSON.stringify(args.appDir)}: expected a folder holding a Spin manifest (spin.toml); none found`);
    } else {
        problems.push(...appManifestProblems(args.appDir));
    }
    if (args.tagLength !== undefined && (!Number.isInteger(args.tagLength) || args.tagLength < 8 || args.tagLength > 64)) {
        problems.push(`tagLength ${args.tagLength}: expected a whole number from 8 to 64`);
    }
    return problems;
}

export class SpinApplication extends pulumi.ComponentResource {
    /** Image pinned by digest, `<login server>/<app>@sha256:<hex>`: what a Deployment should run. Unknown in preview. */
    readonly imageRef: pulumi.Output<string>;
    /** The pushed digest, `sha256:<hex>`. Unknown in preview. */
    readonly digest: pulumi.Output<string>;
    /** The tag pushed to: the first `tagLength` hex characters of `sourceHash`. Known at evaluation. */
    readonly tag: string;
    /** `<login server>/<app>:<tag>`. */
    readonly taggedRef: pulumi.Output<string>;
    /** sha256 of the app's build inputs (see lib/spin/sourceHash.ts). Known at evaluation. */
    readonly sourceHash: string;
    /** The hashed files, relative to `appDir`. */
    readonly sourceFiles: string[];
    /** The build-and-push command (to order other resources after it). */
    readonly buildPush: local.Command;

    constructor(name: string, args: SpinApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super(), so that bad arguments register nothing at all.
        const problems = validateSpinApplicationArgs(args);
        if (problems.length > 0) {
            throw new Error(`SpinApplication ${name}: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        super("aks-wasm:index:SpinApplication", name, {}, opts);

        const manifest = readFileSync(path.join(args.appDir, "spin.toml"), "utf8");
        const { digest: sourceHash, files } = hashSources(args.appDir, {
            globs: [...(args.sourceGlobs ?? DEFAULT_SOURCE_GLOBS), ...spinManifestGlobs(manifest)],
            extraFiles: args.extraSourceFiles ?? [],
        });
        this.sourceHash = sourceHash;
        this.sourceFiles = files;
        this.tag = contentTag(sourceHash, args.tagLength ?? DEFAULT_TAG_LENGTH);
        this.taggedRef = pulumi.output(args.registry.loginServer).apply((server) => taggedImageRef(server, args.appName, this.tag));

        // Paths relative to the project keep the command's text (stored in state) the same on every machine; the
        // script path is relative to the command's working directory, the app folder (absolute only for an app
        // outside the project).
        const dir = projectRelativePath(args.appDir);
        const script = path.isAbsolute(dir)
            ? SPIN_BUILD_PUSH_SCRIPT
            : path.relative(args.appDir, SPIN_BUILD_PUSH_SCRIPT).split(path.sep).join("/");
        this.buildPush = new local.Command(
            `${name}-build-push`,
            {
                create: `bash ${shellQuote(script)}`,
                dir,
                // Not secret, and stored in state: names only. The token is fetched inside the script and piped;
                // the credentials' own variables (CI's AZURE_*) are inherited from `pulumi up` (CMD-1), never
                // stored here, so CI and laptop runs record the same inputs.
                environment: {
                    ACR_NAME: args.registry.name,
                    ACR_LOGIN_SERVER: args.registry.loginServer,
                    SPIN_APP_REFERENCE: this.taggedRef,
                },
                // A change of sources or registry replaces the command, which runs `create` again; equal triggers
                // run nothing.
                triggers: [sourceHash, args.registry.loginServer],
                addPreviousOutputInEnv: false,
                logging: args.logging ?? "stdoutAndStderr",
            },
            { parent: this },
        );

        this.digest = this.buildPush.stdout.apply(parsePushedDigest);
        this.imageRef = pulumi
            .all([args.registry.loginServer, this.digest])
            .apply(([server, digest]) => pinnedImageRef(server, args.appName, digest));

        this.registerOutputs({
            imageRef: this.imageRef,
            digest: this.digest,
            tag: this.tag,
            taggedRef: this.taggedRef,
            sourceHash: this.sourceHash,
        });
    }
}

/** Single-quotes a word for /bin/sh unless it is made only of safe characters. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
