/**
 * An ordinary container image (the load generator, the container baseline of the handler), built with BuildKit
 * through `@pulumi/docker-build`, tagged by a hash of its build context and deployed by digest.
 *
 * Registry credentials. docker-build reads the host's Docker credentials once, when its provider is configured,
 * and turns credential helpers off inside the build (pulumi-docker-build provider/internal/host.go `newHost`,
 * cli.go `wrap`/`applyAuthSandbox`; platform-contracts DOCKERBUILD-1): a `docker login` made by a command that ran
 * only when it was created leaves every later run unauthenticated. So the Image gets its credentials in
 * `registries` instead, fetched anew on every `pulumi up`:
 *  - the token comes from lib/acrToken.cjs through the command provider's `local.run` function, at program run
 *    time. An invoke's command and result are not stored in state (unlike a `local.Command`'s), and it runs in
 *    the command provider's process, which inherits the environment of `pulumi up` (CMD-1, CMD-3): in CI the
 *    workload identity variables, on a laptop the `az login` session. Its output is not logged (`logging: none`).
 *  - the token is a secret: the state holds it encrypted, never in plain text; it expires about three hours later.
 *  - docker-build's diff ignores a changed registry password (image.go `Diff`, DOCKERBUILD-2), so a new token on
 *    every run changes nothing and rebuilds nothing; a build that does run uses the new inputs' token.
 *  - in preview no token is fetched (nothing is built: `buildOnPreview: false`), so a read-only preview identity
 *    needs no registry rights; the password is simply absent, which the diff also ignores.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import dockerignore from "@balena/dockerignore";
import { local } from "@pulumi/command";
import * as dockerBuild from "@pulumi/docker-build";
import { DEFAULT_TAG_LENGTH, contentTag, hashParts, hashSources, projectRelativePath } from "../../lib/sourceHash";
import { isRepositoryName, pinnedImageRef, taggedImageRef } from "../../lib/spinPush";
import type { RegistryTarget } from "../../lib/platformContract";

/** The registry token helper (prints a fresh ACR token on stdout), committed beside the program. */
export const ACR_TOKEN_HELPER = path.resolve(__dirname, "..", "..", "lib", "acrToken.cjs");
/** Microsoft's documented user name for logging in to ACR with a token (ACRAUTH-1). */
export const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/** Never part of the context hash: VCS data and installed dependencies (the lockfile stands for them). */
export const CONTEXT_IGNORES: readonly string[] = ["**/.git/**", "**/node_modules/**"];

export interface ContainerImageArgs {
    /** Repository in the registry (`<login server>/<repository>`), e.g. `loadtest`. */
    repository: string;
    /** Absolute path of the build context folder. */
    context: string;
    /**
     * Absolute path of the Dockerfile.
     * @default `<context>/Dockerfile`
     */
    dockerfile?: string;
    /** The registry to push to; the deployer needs AcrPush on it. */
    registry: RegistryTarget;
    /**
     * Build arguments (`--build-arg`). Stored in the image and in state: never put a secret here.
     * @default {}
     */
    buildArgs?: Record<string, string>;
    /**
     * Target platform. AKS's Linux node pools here are x86_64.
     * @default "linux/amd64"
     */
    platform?: dockerBuild.Platform;
    /**
     * Globs, relative to `context`, of the files to hash for the tag. The default hashes everything the build
     * can see: the whole context minus `.dockerignore` (negated `!` patterns make it hash everything) and minus
     * `CONTEXT_IGNORES`.
     * @default ["**"]
     */
    contextGlobs?: string[];
    /**
     * Hex characters of the context hash used as the tag.
     * @default 16
     */
    tagLength?: number;
    /**
     * The registry password (a token for user `00000000-0000-0000-0000-000000000000`), for a caller that has its
     * own. Treated as a secret.
     * @default a fresh ACR token from lib/acrToken.cjs on every `pulumi up` (none in preview)
     */
    registryToken?: pulumi.Input<string>;
}

/** Problems with the arguments, each naming the argument, its value and what is accepted. */
export function validateContainerImageArgs(args: ContainerImageArgs): string[] {
    const problems: string[] = [];
    if (!isRepositoryName(args.repository)) {
        problems.push(`repository ${JSON.stringify(args.repository)}: expected lower-case letters, digits, ".", "_" or "-" in components joined by "/" (e.g. "loadtest")`);
    }
    if (!path.isAbsolute(args.context) || !existsSync(args.context) || !statSync(args.context).isDirectory()) {
        problems.push(`context ${JSON.stringify(args.context)}: expected the absolute path of an existing folder`);
    }
    const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");
    if (!path.isAbsolute(dockerfile) || !existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
        problems.push(`dockerfile ${JSON.stringify(dockerfile)}: expected the absolute path of an existing Dockerfile`);
    }
    for (const key of Object.keys(args.buildArgs ?? {})) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problems.push(`buildArgs key ${JSON.stringify(key)}: expected an ARG name (letters, digits, "_")`);
    }
    if (args.tagLength !== undefined && (!Number.isInteger(args.tagLength) || args.tagLength < 8 || args.tagLength > 64)) {
        problems.push(`tagLength ${args.tagLength}: expected a whole number from 8 to 64`);
    }
    return problems;
}

/**
 * The ignore file BuildKit uses for this build: `<Dockerfile>.dockerignore` beside the Dockerfile when it exists
 * (it takes precedence), else `<context>/.dockerignore`, else none.
 */
export function dockerignoreFor(args: ContainerImageArgs, exists: (file: string) => boolean): string | undefined {
    const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");
    return [`${dockerfile}.dockerignore`, path.join(args.context, ".dockerignore")].find(exists);
}

/**
 * Which context files the build can see, by Docker's own `.dockerignore` rules (including `!` re-includes,
 * which allowlist-style ignore files rely on), through @balena/dockerignore.
 */
export function dockerignoreFilter(text: string): (relativePath: string) => boolean {
    return dockerignore().add(text).createFilter();
}

/** The tag's digest: the context's files, the Dockerfile, the build arguments (sorted) and the platform. */
export function contextDigest(args: ContainerImageArgs, readDockerignore: (file: string) => string | undefined): { digest: string; files: string[] } {
    const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");
    const ignoreFile = dockerignoreFor(args, (file) => readDockerignore(file) !== undefined);
    const sources = hashSources(args.context, {
        globs: args.contextGlobs ?? ["**"],
        ignore: CONTEXT_IGNORES,
        filter: ignoreFile === undefined ? undefined : dockerignoreFilter(readDockerignore(ignoreFile)!),
        extraFiles: [dockerfile],
    });
    const buildArgs = Object.entries(args.buildArgs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const digest = hashParts([
        sources.digest,
        `dockerfile=${path.relative(args.context, dockerfile).split(path.sep).join("/")}`,
        `buildArgs=${JSON.stringify(buildArgs)}`,
        `platform=${args.platform ?? "linux/amd64"}`,
    ]);
    return { digest, files: sources.files };
}

export class ContainerImage extends pulumi.ComponentResource {
    /** Image pinned by digest, `<login server>/<repository>@sha256:<hex>`. Unknown in preview. */
    readonly imageRef: pulumi.Output<string>;
    /** The content tag (first `tagLength` hex characters of `contentHash`). Known at evaluation. */
    readonly tag: string;
    /** `<login server>/<repository>:<tag>`. */
    readonly taggedRef: pulumi.Output<string>;
    /** Digest over the context, Dockerfile, build arguments and platform. */
    readonly contentHash: string;
    /** The underlying docker-build Image. */
    readonly image: dockerBuild.Image;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super(), so that bad arguments register nothing at all.
        const problems = validateContainerImageArgs(args);
        if (problems.length > 0) {
            throw new Error(`ContainerImage ${name}: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        super("aks-wasm:index:ContainerImage", name, {}, opts);
        const platform = args.platform ?? "linux/amd64";
        const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");
        const { digest } = contextDigest(args, readIfFile);
        this.contentHash = digest;
        this.tag = contentTag(digest, args.tagLength ?? DEFAULT_TAG_LENGTH);
        this.taggedRef = pulumi.output(args.registry.loginServer).apply((server) => taggedImageRef(server, args.repository, this.tag));

        // The component's own provider, kept so that existing stacks see no provider change: a changed provider
        // reference makes the engine consult DiffConfig, and a replaced Image deletes the manifest it pushed,
        // which an unchanged rebuild has just pushed again (DOCKERBUILD-3). Host credentials it loads do not
        // matter: `registries` entries override them for the same registry (cli.go `wrap`, DOCKERBUILD-1).
        const provider = new dockerBuild.Provider(`${name}-docker-build`, {}, { parent: this });
        const token = args.registryToken ?? (pulumi.runtime.isDryRun() ? undefined : freshRegistryToken(args.registry, this));
        const registries = [
            {
                address: args.registry.loginServer,
                username: ACR_TOKEN_USER,
                ...(token === undefined ? {} : { password: pulumi.secret(token) }),
            },
        ];

        this.image = new dockerBuild.Image(
            `${name}-image`,
            {
                context: { location: projectRelativePath(args.context) },
                dockerfile: { location: projectRelativePath(dockerfile) },
                platforms: [platform],
                buildArgs: args.buildArgs ?? {},
                tags: [this.taggedRef],
                registries,
                push: true,
                // The default (true) builds every image in every preview: minutes per PR and a BuildKit daemon on
                // the CI runner. Skipping it keeps previews fast and daemon-free; Dockerfile syntax is still
                // checked in preview, and the build itself runs in `pulumi up`.
                buildOnPreview: false,
            },
            { parent: this, provider },
        );

        this.imageRef = pulumi
            .all([args.registry.loginServer, this.image.digest])
            .apply(([server, imageDigest]) => pinnedImageRef(server, args.repository, imageDigest));

        this.registerOutputs({
            imageRef: this.imageRef,
            tag: this.tag,
            taggedRef: this.taggedRef,
            contentHash: this.contentHash,
        });
    }
}

/**
 * A fresh ACR token, from lib/acrToken.cjs run by the command provider's `local.run` function at program run time.
 * `node` runs the helper directly (no shell); the environment names the registry only, and the token is on stdout,
 * which is neither logged nor stored.
 */
export function freshRegistryToken(registry: RegistryTarget, parent: pulumi.Resource): pulumi.Output<string> {
    const result = local.runOutput(
        {
            command: ACR_TOKEN_HELPER,
            interpreter: [process.execPath],
            environment: pulumi.all([registry.name, registry.loginServer]).apply(([ACR_NAME, ACR_LOGIN_SERVER]) => ({ ACR_NAME, ACR_LOGIN_SERVER })),
            logging: "none",
            addPreviousOutputInEnv: false,
        },
        { parent },
    );
    return pulumi.secret(
        result.stdout.apply((stdout) => {
            const token = (stdout ?? "").trim();
            if (token === "") throw new Error(`${ACR_TOKEN_HELPER} printed no registry token.`);
            return token;
        }),
    );
}

function readIfFile(file: string): string | undefined {
    return existsSync(file) && statSync(file).isFile() ? readFileSync(file, "utf8") : undefined;
}
