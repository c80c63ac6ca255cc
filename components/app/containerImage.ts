/**
 * An ordinary container image (the load generator, the container baseline of the handler), built with BuildKit
 * through `@pulumi/docker-build`, tagged by a hash of its build context and deployed by digest.
 *
 * Registry credentials: none in the state (platform-contracts TRUST-7). docker-build reads the host's Docker
 * credentials once, when its provider is configured, and turns credential helpers off inside the build
 * (pulumi-docker-build provider/internal/host.go `newHost`, cli.go `wrap`/`applyAuthSandbox`; DOCKERBUILD-1). So
 * whoever runs `pulumi up` logs Docker in to the registry first, with a fresh Entra ID token:
 *  - in CI the deploy job runs `.github/scripts/registry-login.sh` right before `pulumi up` (workload identity);
 *  - on a laptop `ACR_NAME=… ACR_LOGIN_SERVER=… scripts/acr-login.sh docker` (or `az acr login -n …`).
 * The Image then carries no `registries` entry at all: an input's password, even a secret one, is kept
 * (encrypted) in the state, where anyone who can decrypt the state could use it for hours (an ACR refresh token
 * lives about three hours). Without a login, the push fails with the registry's 401 and the stack converges on the
 * next run after a login; nothing is left half-done (the Image is created only when its push succeeded).
 *  - in preview nothing is built (`buildOnPreview: false`), so a read-only preview identity needs no registry rights.
 * A caller that must pass a token anyway (`registryToken`) gets it into `registries` as a secret, knowingly.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import dockerignore from "@balena/dockerignore";
import * as dockerBuild from "@pulumi/docker-build";
import { DEFAULT_TAG_LENGTH, contentTag, hashParts, hashSources, projectRelativePath } from "../../lib/spin/sourceHash";
import { isRepositoryName, pinnedImageRef, taggedImageRef } from "../../lib/spin/spinPush";
import type { RegistryTarget } from "../../lib/contract/platformContract";

/** The registry token helper (prints a fresh ACR token on stdout), committed beside the program. */
export const ACR_TOKEN_HELPER = path.resolve(__dirname, "..", "..", "lib", "registry", "acrToken.cjs");
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
    /** The registry to push to; the deployer needs Container Registry Repository Writer on the repository (the registry runs in ABAC mode: TRUST-4). */
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
     * The registry password (a token for user `00000000-0000-0000-0000-000000000000`), for a caller that cannot log
     * Docker in before `pulumi up`. It is kept in the state (encrypted, as a secret): prefer the host login.
     * @default none: docker-build uses the host's Docker login, made right before `pulumi up` (TRUST-7)
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
        // No token unless the caller insists: the host login made before `pulumi up` is used (TRUST-7).
        const registries =
            args.registryToken === undefined
                ? undefined
                : [{ address: args.registry.loginServer, username: ACR_TOKEN_USER, password: pulumi.secret(args.registryToken) }];

        this.image = new dockerBuild.Image(
            `${name}-image`,
            {
                context: { location: projectRelativePath(args.context) },
                dockerfile: { location: projectRelativePath(dockerfile) },
                platforms: [platform],
                buildArgs: args.buildArgs ?? {},
                tags: [this.taggedRef],
                ...(registries === undefined ? {} : { registries }),
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

function readIfFile(file: string): string | undefined {
    return existsSync(file) && statSync(file).isFile() ? readFileSync(file, "utf8") : undefined;
}
