// The bytes a node pulls for an image: config + layers of its manifest in the registry, for the scale
// measurement's `pulledBytes` (components/app/scaleMeasurement.ts). Prints one JSON line
// `{"pulledBytes": N, "manifestDigest": "sha256:…", "mediaType": "…"}` and nothing else: no token, ever.
//
// Plain CommonJS with no dependencies, run by `node` through the command provider's `local.run` like
// lib/registry/acrToken.cjs (components/app/containerImage.ts `freshRegistryToken`), so it needs no TypeScript loader.
// Types in registryManifest.d.cts.
//
// Credentials: a fresh ACR refresh token from lib/registry/acrToken.cjs (workload identity in CI, `az` on a laptop), then
// ACR's `POST /oauth2/token` with `grant_type=refresh_token`, `service=<login server>` and
// `scope=repository:<repo>:pull` for an access token good for pulling this one repository only
// (platform-contracts ACRMAN-1). Both tokens stay in this process's memory: they travel in HTTPS request
// bodies and one Authorization header, never in an argument, the environment, stdout or an error message.
"use strict";
const { acrToken, AcrTokenError } = require("./acrToken.cjs");

/** Manifest media types this reader asks for and understands (image-spec v1.1.1 media-types.md; ACRMAN-2). */
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(", ");

/** The platform the stack's nodes run (both pools are linux/amd64 for the images it builds; VM-4). */
const DEFAULT_PLATFORM = { os: "linux", architecture: "amd64" };

const PINNED = /^([^/\s@]+)\/([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)@(sha256:[0-9a-f]{64})$/;

class RegistryManifestError extends Error {}

/** `<login server>/<repository>@sha256:<hex>` split into its parts; throws on anything else. */
function parsePinnedRef(ref) {
    const m = PINNED.exec(String(ref));
    if (!m) throw new RegistryManifestError(`image ${JSON.stringify(ref)}: expected "<login server>/<repository>@sha256:<64 hex digits>"`);
    return { loginServer: m[1], repository: m[2], digest: m[3] };
}

function isIndex(manifest, contentType) {
    const type = (manifest && manifest.mediaType) || contentType;
    return type === OCI_INDEX || type === DOCKER_LIST || (Array.isArray(manifest && manifest.manifests) && !manifest.layers);
}

function checkSize(what, size) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RegistryManifestError(`${what}: size ${JSON.stringify(size)} is not a byte count`);
    return size;
}

/**
 * The bytes a pull of this image manifest fetches: its config blob plus every layer (image-spec v1.1.1
 * manifest.md: `config` and `layers` are descriptors with `size` in bytes; ACRMAN-2). Pure. The manifest itself
 * (a few hundred bytes) is not counted. Throws on an index (choose a manifest first) or a malformed manifest.
 */
function manifestPulledBytes(manifest) {
    if (isIndex(manifest)) throw new RegistryManifestError("an image index, not a manifest: choose the platform's manifest first (platformManifestDigest)");
    if (!manifest || typeof manifest !== "object" || !manifest.config || !Array.isArray(manifest.layers)) {
        throw new RegistryManifestError("not an image manifest: expected `config` and `layers`");
    }
    let total = checkSize("config", manifest.config.size);
    manifest.layers.forEach((layer, i) => {
        total += checkSize(`layers[${i}]`, layer && layer.size);
    });
    return total;
}

/**
 * The digest of the manifest an index lists for `platform` (image-spec v1.1.1 image-index.md: `platform.os`,
 * `platform.architecture`; ACRMAN-2). Entries without a platform, or with another one (BuildKit's attestations
 * are said to carry `unknown/unknown`, ACRMAN-3, unconfirmed), never match. Pure; throws when no entry matches.
 */
function platformManifestDigest(index, platform = DEFAULT_PLATFORM) {
    const entries = Array.isArray(index && index.manifests) ? index.manifests : [];
    const match = entries.find(
        (m) => m && m.platform && m.platform.os === platform.os && m.platform.architecture === platform.architecture && !isIndex({ mediaType: m.mediaType }),
    );
    if (!match || typeof match.digest !== "string") {
        const seen = entries.map((m) => (m && m.platform ? `${m.platform.os}/${m.platform.architecture}` : "no platform")).join(", ");
        throw new RegistryManifestError(`the image index lists no ${platform.os}/${platform.architecture} manifest (it lists: ${seen || "nothing"})`);
    }
    return match.digest;
}

async function readJson(response, what) {
    const text = await response.text();
    try {
        return JSON.parse(text);
    } catch {
        throw new RegistryManifestError(`${what}: the answer is not JSON`);
    }
}

/** An ACR access token for pulling `repository`, from an ACR refresh token (ACRMAN-1). */
async function pullAccessToken({ loginServer, repository, refreshToken, fetch: fetchImpl = globalThis.fetch, registryBaseUrl }) {
    const url = `${registryBaseUrl || `https://${loginServer}`}/oauth2/token`;
    const response = await fetchImpl(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ grant_type: "refresh_token", service: loginServer, scope: `repository:${repository}:pull`, refresh_token: refreshToken }).toString(),
    });
    if (!response.ok) throw new RegistryManifestError(`ACR token request at ${url} answered HTTP ${response.status}`);
    const body = await readJson(response, `ACR token request at ${url}`);
    if (typeof body.access_token !== "string" || body.access_token === "") throw new RegistryManifestError(`ACR token request at ${url} answered without an access_token`);
    return body.access_token;
}

async function getManifest({ base, repository, reference, accessToken, fetch: fetchImpl }) {
    const url = `${base}/v2/${repository}/manifests/${reference}`;
    const response = await fetchImpl(url, { headers: { Accept: ACCEPT, Authorization: `Bearer ${accessToken}` } });
    if (!response.ok) throw new RegistryManifestError(`GET ${url} answered HTTP ${response.status}`);
    const contentType = (response.headers.get("content-type") || "").split(";")[0].trim();
    return { manifest: await readJson(response, `GET ${url}`), contentType };
}

/**
 * What a node pulls for `imageRef` (pinned by digest): the manifest's config + layers, following an index to its
 * linux/amd64 manifest. `fetch` and `registryBaseUrl` are for tests (a stand-in registry).
 */
async function registryPulledBytes({ imageRef, registryName, env = process.env, fetch: fetchImpl = globalThis.fetch, registryBaseUrl, refreshToken }) {
    const { loginServer, repository, digest } = parsePinnedRef(imageRef);
    const refresh = refreshToken || (await acrToken({ loginServer, registryName, env, fetch: fetchImpl, registryBaseUrl }));
    const accessToken = await pullAccessToken({ loginServer, repository, refreshToken: refresh, fetch: fetchImpl, registryBaseUrl });
    const base = registryBaseUrl || `https://${loginServer}`;
    let { manifest, contentType } = await getManifest({ base, repository, reference: digest, accessToken, fetch: fetchImpl });
    let manifestDigest = digest;
    if (isIndex(manifest, contentType)) {
        manifestDigest = platformManifestDigest(manifest);
        ({ manifest, contentType } = await getManifest({ base, repository, reference: manifestDigest, accessToken, fetch: fetchImpl }));
    }
    return { pulledBytes: manifestPulledBytes(manifest), manifestDigest, mediaType: manifest.mediaType || contentType };
}

async function main() {
    try {
        const result = await registryPulledBytes({ imageRef: process.env.IMAGE_REF, registryName: process.env.ACR_NAME });
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return 0;
    } catch (err) {
        const known = err instanceof RegistryManifestError || err instanceof AcrTokenError;
        process.stderr.write(`registry-manifest: error: ${known ? err.message : err && err.stack ? err.stack : err}\n`);
        return 1;
    }
}

module.exports = {
    ACCEPT,
    RegistryManifestError,
    parsePinnedRef,
    manifestPulledBytes,
    platformManifestDigest,
    pullAccessToken,
    registryPulledBytes,
};

if (require.main === module) {
    main().then((code) => {
        process.exitCode = code;
    });
}
