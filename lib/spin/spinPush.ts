/**
 * What `spin registry push` prints, and the image references built from it.
 *
 * The format comes from Spin's own source (github.com/spinframework/spin, commit 94a8fc8a, 2026-08-21),
 * src/commands/registry.rs, `Push::run`, lines 123-126:
 *
 *     match digest {
 *         Some(digest) => println!("Pushed with digest {digest}"),
 *         None => println!("Pushed; the registry did not return the digest"),
 *     };
 *
 * `digest` is the last path segment of the manifest URL the registry answers with
 * (crates/oci/src/client.rs, `digest_from_url`, line 849: "https://host/v2/refname/manifests/sha256:..."), so the
 * line reads `Pushed with digest sha256:<64 hex>`. Spin has printed it since March 2023 (commit b48c3938). The
 * progress spinner ("Pushing app to the Registry...") goes to stderr through indicatif, not to stdout.
 */

/** The success line of `spin registry push`, anchored to a whole line. */
const PUSHED_WITH_DIGEST = /^Pushed with digest (\S+)\s*$/gm;
/** The line Spin prints when the registry's answer carried no digest. */
const PUSHED_WITHOUT_DIGEST = "Pushed; the registry did not return the digest";

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A registry host, optionally with a port: lower case, as ACR's login server is (`myacr.azurecr.io`). */
const LOGIN_SERVER = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/;
/** OCI distribution spec repository name: lower-case path components joined by `/`. */
const REPOSITORY = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** OCI distribution spec tag. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * The digest (`sha256:<64 hex>`) from the stdout of `spin registry push`. Strict: throws when there is no
 * digest line, when the registry returned none, when there is more than one, or when it is not a sha256 digest.
 */
export function parsePushedDigest(stdout: string): string {
    const found = [...stdout.matchAll(PUSHED_WITH_DIGEST)].map((m) => m[1]);
    if (found.length === 0) {
        if (stdout.split(/\r?\n/).some((line) => line.trim() === PUSHED_WITHOUT_DIGEST)) {
            throw new Error(
                `spin registry push reported "${PUSHED_WITHOUT_DIGEST}": the image cannot be pinned by digest. ` +
                    "Check the registry (an OCI distribution registry returns the manifest URL with its digest).",
            );
        }
        throw new Error(
            `No digest in the output of spin registry push: expected a line "Pushed with digest sha256:<64 hex>", got ${quoteOutput(stdout)}.`,
        );
    }
    if (new Set(found).size > 1) {
        throw new Error(`The output of spin registry push names ${found.length} different digests (${found.join(", ")}); expected one.`);
    }
    return assertSha256Digest(found[0]);
}

/** Returns `digest` when it is `sha256:` and 64 lower-case hex characters; throws otherwise. */
export function assertSha256Digest(digest: string): string {
    if (!SHA256_DIGEST.test(digest)) {
        throw new Error(`Invalid image digest ${JSON.stringify(digest)}: expected "sha256:" followed by 64 lower-case hex characters.`);
    }
    return digest;
}

/** `<loginServer>/<repository>@sha256:<hex>`: the reference a Deployment should use, so it rolls exactly when the image changes. */
export function pinnedImageRef(loginServer: string, repository: string, digest: string): string {
    return `${checkLoginServer(loginServer)}/${checkRepository(repository)}@${assertSha256Digest(digest)}`;
}

/** `<loginServer>/<repository>:<tag>`: the reference pushed to. */
export function taggedImageRef(loginServer: string, repository: string, tag: string): string {
    if (!TAG.test(tag)) {
        throw new Error(`Invalid image tag ${JSON.stringify(tag)}: expected 1-128 letters, digits, "_", "." or "-", not starting with "." or "-".`);
    }
    return `${checkLoginServer(loginServer)}/${checkRepository(repository)}:${tag}`;
}

/** Whether `name` is a valid OCI repository name (lower-case components joined by `/`). */
export function isRepositoryName(name: string): boolean {
    return name.length <= 255 && REPOSITORY.test(name);
}

function checkLoginServer(loginServer: string): string {
    if (!LOGIN_SERVER.test(loginServer)) {
        throw new Error(`Invalid registry login server ${JSON.stringify(loginServer)}: expected a lower-case host name such as "myacr.azurecr.io".`);
    }
    return loginServer;
}

function checkRepository(repository: string): string {
    if (!isRepositoryName(repository)) {
        throw new Error(
            `Invalid repository name ${JSON.stringify(repository)}: expected lower-case letters and digits, separated by ".", "_", "__" or "-", in components joined by "/".`,
        );
    }
    return repository;
}

function quoteOutput(stdout: string): string {
    const trimmed = stdout.trim();
    if (trimmed === "") return "no output";
    return JSON.stringify(trimmed.length > 400 ? `…${trimmed.slice(-400)}` : trimmed);
}
