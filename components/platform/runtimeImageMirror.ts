/**
 * Mirrors runtime-class-manager's three images (spinKubeRuntime.ts `RCM_IMAGES`, which Platform passes) into the
 * platform's registry with `az acr import`, and outputs the digest each mirrored tag holds, so that the chart names
 * every image as `<login server>/spinkube/<image>:<tag>@sha256:<digest>` (issue 18 item 6; platform-contracts
 * SUP-1..SUP-3).
 *
 * Why a mirror: no public source gives the digests of the v0.2.0 images (TRUST-13), and none is invented. The digest
 * is the one ACR stored at the first import ("trust on first import"): it is kept in the command's output in the
 * stack's state, and the chart values pin it. The command runs again only when its inputs change; a run that finds
 * a tag it pinned pointing at another digest fails instead of following it (a re-pin is deliberate: docs/security.md). The kubelet pulls the mirrored images with
 * the Container Registry Repository Reader it holds on the whole registry (containerRegistry.ts; TRUST-4), and
 * the pods no longer reach ghcr.io.
 *
 * Crash-safe and idempotent: per image, the script reads the tag's digest first and imports only a tag that is
 * missing (no `--force`: ACR's `NoForce` mode never overwrites a tag, SUP-1). Killed at any step, the next run finds
 * the tags already imported and only reads their digests; it writes no file and holds no credential (az uses its
 * own session; the source images are public). Every az call is bounded by `timeout` (Homebrew's `gtimeout` on macOS; {@link MIRROR_TIMEOUT_SECONDS}).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** An upstream image, by repository and tag (the shape of spinKubeRuntime.ts's `ChartImage`). */
export interface UpstreamImage {
    repository: string;
    tag: string;
}
/** The same image in the platform's registry, pinned by the digest stored at its first import. */
export interface PinnedImage extends UpstreamImage {
    digest: string;
}

/** The repository folder the runtime's images are mirrored under; reserved from app teams (lib/kubernetes/appTeams.ts). */
export const MIRROR_PREFIX = "spinkube";

/**
 * The longest one `az acr import` may take before the run gives up (it resumes on the next `pulumi up`), and one
 * read of a tag's digest. An import of one of these images (tens of MB) is a server-side copy of a few seconds to a
 * minute; the bound leaves room for a slow source registry.
 */
export const MIRROR_TIMEOUT_SECONDS = { import: 300, read: 60 } as const;

/** The command's worst case for `count` images: per image two reads and one import, each at its bound (components/runDuration.ts). */
export function imageMirrorWorstCaseSeconds(count: number, t: { import: number; read: number } = MIRROR_TIMEOUT_SECONDS): number {
    return count * (t.import + 2 * t.read);
}

/** One image to mirror: where it comes from and the repository and tag it gets in the registry. */
export interface MirrorTarget<K extends string = string> {
    /** The image's key in the set given (for RCM: `manager`, `shimDownloader`, `nodeInstaller`). */
    key: K;
    /** `<registry>/<repository>:<tag>` of the upstream image. */
    source: string;
    /** Repository in the platform's registry (`spinkube/<image>`). */
    repository: string;
    tag: string;
}

const REFERENCE_PART = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The mirror's targets: each image keeps its last path segment and tag, under {@link MIRROR_PREFIX}. */
export function mirrorTargets<K extends string>(images: Record<K, UpstreamImage>, prefix: string = MIRROR_PREFIX): MirrorTarget<K>[] {
    return (Object.keys(images) as K[]).map((key) => {
        const image = images[key];
        const name = image.repository.split("/").pop()!;
        const target = { key, source: `${image.repository}:${image.tag}`, repository: `${prefix}/${name}`, tag: image.tag };
        if (!/^[A-Za-z0-9]+$/.test(key) || !REFERENCE_PART.test(image.repository) || !REFERENCE_PART.test(target.repository) || !TAG.test(image.tag)) {
            throw new Error(`mirrorTargets: ${key}: ${JSON.stringify(target.source)} is not a repository:tag the script can quote safely`);
        }
        return target;
    });
}

/**
 * The command's script (`sh -c`; `$ACR_NAME` from the environment). Per target: read the tag's digest; import only
 * when the tag is missing; read it again; refuse a digest that differs from the one the previous run recorded for
 * the same `repository:tag` (`$PULUMI_COMMAND_STDOUT`). stdout holds one line per image, `<key> <repository>:<tag>
 * <digest>`, and nothing else; progress and every wait's reason go to stderr.
 */
export function imageMirrorScript(targets: readonly MirrorTarget[], timeouts: { import: number; read: number } = MIRROR_TIMEOUT_SECONDS): string {
    const timeoutSeconds = timeouts.import;
    const lines = [
        "set -eu",
        'command -v az >/dev/null 2>&1 || { echo "RuntimeImageMirror needs the Azure CLI (az) to import the runtime images into the registry" >&2; exit 1; }',
        // Every az call is bounded by coreutils' timeout; macOS has none by default, and Homebrew's coreutils names it
        // gtimeout. Without either, say so before any call, rather than failing each call as "took longer".
        'if command -v timeout >/dev/null 2>&1; then bound=timeout; elif command -v gtimeout >/dev/null 2>&1; then bound=gtimeout; else echo "RuntimeImageMirror needs timeout (GNU coreutils) to bound each az call; on macOS: brew install coreutils (gtimeout)" >&2; exit 1; fi',
        'P="${PULUMI_COMMAND_STDOUT:-}"',
        'out=""',
        // `stored <ref>` sets d to the tag's digest, or leaves it empty and keeps in `why` what az said (a missing tag,
        // but also a refused token or an unreachable registry) or that the read outlasted its bound. An empty d leads
        // to an import, which refuses to overwrite a tag that does exist (SUP-1); either way a failure message repeats
        // `why`, so the on-call engineer sees the read's own cause, not only the import's.
        "stored() {",
        '  d=""; why=""',
        `  if r="$("$bound" ${timeouts.read} az acr repository show --name "$ACR_NAME" --image "$1" --query digest --output tsv --only-show-errors 2>&1)"; then d="$r"`,
        `  elif [ "$?" -eq 124 ]; then why="no answer within ${timeouts.read}s"`,
        `  else why="$(printf '%s' "$r" | tr '\n' ' ')"`,
        "  fi",
        "}",
    ];
    for (const t of targets) {
        const ref = `${t.repository}:${t.tag}`;
        lines.push(
            `stored '${ref}'`,
            'if [ -z "$d" ]; then',
            `  echo "mirror: importing ${t.source} into $ACR_NAME as ${ref} (waiting at most ${timeoutSeconds}s)" >&2`,
            `  if ! "$bound" ${timeoutSeconds} az acr import --name "$ACR_NAME" --source '${t.source}' --image '${ref}' --only-show-errors --output none; then`,
            `    echo "mirror: az acr import of ${t.source} failed or took longer than ${timeoutSeconds}s (reading ${ref} before it: $why); run pulumi up again once the cause is fixed (images already imported are kept)" >&2`,
            "    exit 1",
            "  fi",
            `  stored '${ref}'`,
            "fi",
            `case "$d" in sha256:????????????????????????????????????????????????????????????????) ;; *) echo "mirror: $ACR_NAME reports digest '$d' for ${ref}, not sha256:<64 hex> (az: \${why:-no error}); run pulumi up again once the cause is fixed" >&2; exit 1;; esac`,
            `was="$(printf '%s\\n' "$P" | awk '$2 == "${ref}" { print $3 }')"`,
            'if [ -n "$was" ] && [ "$was" != "$d" ]; then',
            `  echo "mirror: ${ref} in $ACR_NAME now holds $d, but this stack pinned $was at its first import; someone re-tagged it. Compare both with upstream (docs/security.md, 'Runtime images'); to accept the new digest, pulumi up --replace this command" >&2`,
            "  exit 1",
            "fi",
            `out="\${out}${t.key} ${ref} $d\n"`,
        );
    }
    lines.push(`printf '%b' "$out"`);
    return lines.join("\n");
}

/** The digests in the command's stdout, per image; throws naming what is missing or malformed. */
export function parseMirrorOutput<K extends string>(stdout: string, targets: readonly MirrorTarget<K>[]): Record<K, string> {
    const found = new Map<string, string>();
    for (const line of stdout.split("\n").filter(Boolean)) {
        const [key, ref, digest] = line.trim().split(/\s+/);
        found.set(`${key} ${ref}`, digest);
    }
    const problems: string[] = [];
    const digests = {} as Record<K, string>;
    for (const t of targets) {
        const digest = found.get(`${t.key} ${t.repository}:${t.tag}`);
        if (digest === undefined || !DIGEST.test(digest)) problems.push(`${t.key} (${t.repository}:${t.tag}): ${digest === undefined ? "no line" : `digest ${JSON.stringify(digest)}`}`);
        else digests[t.key] = digest;
    }
    if (problems.length > 0) throw new Error(`RuntimeImageMirror: the mirror's output lacks a sha256 digest for ${problems.join("; ")}`);
    return digests;
}

/** The chart images after the mirror: the registry's repository, the same tag, and the stored digest. */
export function mirroredImages<K extends string>(loginServer: string, targets: readonly MirrorTarget<K>[], digests: Record<K, string>): Record<K, PinnedImage> {
    return Object.fromEntries(targets.map((t) => [t.key, { repository: `${loginServer}/${t.repository}`, tag: t.tag, digest: digests[t.key] }])) as Record<K, PinnedImage>;
}

export interface RuntimeImageMirrorArgs<K extends string> {
    /** The images to mirror (their upstream repository and tag), by key. */
    images: Record<K, UpstreamImage>;
    /** Name of the platform's registry (`az acr import --name`). */
    registryName: pulumi.Input<string>;
    /** Its login server: the mirrored images are named under it. */
    loginServer: pulumi.Input<string>;
    /** Resources that must exist first (the registry and its ABAC mode). @default [] */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class RuntimeImageMirror<K extends string> extends pulumi.ComponentResource {
    /** The images by key, named by the registry's repositories and the digests stored at the first import. */
    readonly images: pulumi.Output<Record<K, PinnedImage>>;

    constructor(name: string, args: RuntimeImageMirrorArgs<K>, opts?: pulumi.ComponentResourceOptions) {
        super("aks-wasm:index:RuntimeImageMirror", name, {}, opts);
        const targets = mirrorTargets(args.images);
        const script = imageMirrorScript(targets);
        const mirror = new command.local.Command(
            `${name}-import`,
            // Runs on create and when an input changes (a new tag, another registry); otherwise the stored output is
            // the pin. The marker comment lets the offline stand-in (lib/offline/mockCloud.cjs) recognise it.
            { create: `# rcm-image-mirror\n${script}`, update: `# rcm-image-mirror\n${script}`, environment: { ACR_NAME: args.registryName }, addPreviousOutputInEnv: true },
            { parent: this, dependsOn: args.dependsOn ?? [] },
        );
        this.images = pulumi.all([mirror.stdout, args.loginServer]).apply(([stdout, server]) => mirroredImages(server, targets, parseMirrorOutput(stdout, targets)));
        this.registerOutputs({ images: this.images });
    }
}
