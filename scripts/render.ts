/**
 * `npm run render -- <dir> [--stack dev] [--set key=value ...]`
 *
 * Evaluates the stack offline (the Pulumi SDK's mocks; no cloud credentials, no CLI) and writes what it would
 * apply, for reviewers and newcomers:
 *   <dir>/manifests/NN-<kind>-<name>.yaml  every Kubernetes object the program registers, secrets redacted
 *   <dir>/plan.md, <dir>/plan.json         every resource: type, name, parent (plan.json adds redacted inputs)
 *   <dir>/schema.txt                       each manifest checked against the upstream Kubernetes OpenAPI schemas
 * These are the objects the program registers, captured at the mock monitor, not a second implementation.
 * Values that only the cloud knows (digests, identities, the kubeconfig) are the stand-ins of lib/offline/mockCloud.cjs.
 * plan.md opens with the sizing (VM sizes, node counts and autoscaler bounds, zones, tier), the protected
 * resources and the capacity plan (lib/azure/capacityPlan.ts).
 *
 * A failed render (bad config, unknown stack, a program error) leaves none of these outputs behind: the earlier
 * run's are removed first and the new ones are written to a temporary folder and moved in only when complete.
 * Exits 1 when a manifest fails its schema (the outputs are written, for review), 2 on bad arguments.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { parseAllConfig, type StackConfig } from "../config";
import { measurementBudgetForConfig, measurementBudgetMarkdown } from "../components/app/scaleMeasurement";
import { capacityPlan, capacityPlanMarkdown } from "../lib/azure/capacityPlan";
import { loadKubernetesSchemas, NO_SCHEMA, toManifest, validateKubernetesObject, type KubernetesObject } from "../lib/kubernetes/kubernetesSchema";
import { evaluateStack, mapSecrets, stackConfigMap, type RecordedResource } from "../lib/offline/offline";
import { WHOLE_CONFIG_CHECKS } from "../components/runDuration";

/** What a render writes into its folder; only these are removed before a render. */
export const RENDER_OUTPUTS = ["manifests", "plan.md", "plan.json", "schema.txt"] as const;

/** The stacks that have a Pulumi.<stack>.yaml in `projectDir`, sorted. */
export function knownStacks(projectDir: string): string[] {
    return readdirSync(projectDir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The sizing a reviewer checks first, as Markdown lines. */
export function sizingMarkdown(c: StackConfig): string[] {
    const bounds = (min: number, max: number) => (max > min ? `${min} to ${max} (autoscaler)` : `${min} (no autoscaler)`);
    return [
        "| | system pool | Wasm pool |",
        "| --- | --- | --- |",
        `| VM size | ${c.systemVmSize} | ${c.wasmVmSize} |`,
        `| nodes | ${bounds(c.systemNodeCount, c.systemNodeCountMax)} | ${bounds(c.wasmNodeCount, c.wasmNodeCountMax)} |`,
        `| zones | ${c.availabilityZones.length ? c.availabilityZones.join(", ") : "none"} | ${c.availabilityZones.length ? c.availabilityZones.join(", ") : "none"} |`,
        "",
        `Cluster tier ${c.clusterTier}, Kubernetes ${c.kubernetesVersion ?? "AKS default"}, region ${c.location}, ` +
            `Wasm runtime ${c.wasmRuntime}, apps ${c.apps.join(", ")} × ${c.appReplicas} replicas` +
            `${c.appMaxReplicas > c.appReplicas ? ` (HPA up to ${c.appMaxReplicas})` : ""}, exposure ${c.ingressMode}.`,
    ];
}

/** Removes an earlier render's outputs from `outDir` (and nothing else). */
export function clearRenderOutputs(outDir: string): void {
    for (const name of RENDER_OUTPUTS) rmSync(join(outDir, name), { recursive: true, force: true });
}

export const REDACTED = "[secret]";

/** A row of the plan: what a reviewer scans. */
export interface PlanRow {
    type: string;
    name: string;
    parent: string;
    manifest?: string;
}

/** `urn:pulumi:stack::project::parent$type::name` → `type::name` of the parent, or "(stack)". */
export function parentOf(resource: RecordedResource, all: RecordedResource[]): string {
    if (!resource.parentUrn) return "(stack)";
    const parent = all.find((r) => r.urn === resource.parentUrn);
    if (parent) return `${parent.type}::${parent.name}`;
    return resource.parentUrn.includes("pulumi:pulumi:Stack") ? "(stack)" : resource.parentUrn;
}

/** File name for the n-th manifest: stable, sortable, readable. */
export function manifestFileName(index: number, manifest: KubernetesObject, resourceName: string): string {
    const name = String(manifest.metadata?.name ?? `${resourceName}-autonamed`);
    return `${String(index + 1).padStart(2, "0")}-${manifest.kind.toLowerCase()}-${name.replace(/[^a-z0-9.-]/gi, "-")}.yaml`;
}

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: { stack: { type: "string", default: "dev" }, set: { type: "string", multiple: true, default: [] } },
    });
    const projectDir = resolve(__dirname, "..");
    const stacks = knownStacks(projectDir);
    if (positionals.length !== 1) {
        console.error(`usage: npm run render -- <dir> [--stack ${stacks.join("|")}] [--set key=value ...]`);
        process.exit(2);
    }
    const outDir = resolve(positionals[0]);
    // Whatever happens next, the folder must not show an earlier run's plan as if it were this one's.
    clearRenderOutputs(outDir);
    if (!stacks.includes(values.stack!)) {
        console.error(`--stack ${JSON.stringify(values.stack)}: unknown stack; known stacks (Pulumi.<stack>.yaml): ${stacks.join(", ")}`);
        process.exit(2);
    }
    const overrides: Record<string, string> = {};
    for (const pair of values.set ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) {
            console.error(`--set ${JSON.stringify(pair)}: expected key=value (e.g. --set ingressMode=gateway)`);
            process.exit(2);
        }
        overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
    }

    // The same config map and the same check as `pulumi up` (config/load.ts loadStackConfig), so both refuse alike.
    const { config } = parseAllConfig(stackConfigMap(projectDir, values.stack!, overrides), { requireClusterAdmin: true, wholeConfigChecks: WHOLE_CONFIG_CHECKS });
    const evaluation = await evaluateStack({ projectDir, stack: values.stack!, overrides });
    await loadKubernetesSchemas();
    const capacity = capacityPlan(config);

    mkdirSync(dirname(outDir), { recursive: true });
    mkdirSync(outDir, { recursive: true });
    // Written next to the target (same file system, so the final moves are renames), moved in when complete.
    const work = mkdtempSync(join(dirname(outDir), ".render-"));
    try {
        const invalid = writeRender(work, values.stack!, overrides, evaluation.resources, config, capacity);
        for (const name of RENDER_OUTPUTS) if (existsSync(join(work, name))) renameSync(join(work, name), join(outDir, name));
        console.log(`${evaluation.resources.length} resources, ${invalid.written} manifests, ${invalid.count} invalid → ${outDir}`);
        process.exitCode = invalid.count > 0 ? 1 : 0;
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

function writeRender(
    outDir: string,
    stack: string,
    overrides: Record<string, string>,
    resources: RecordedResource[],
    config: StackConfig,
    capacity: ReturnType<typeof capacityPlan>,
): { count: number; written: number } {
    mkdirSync(join(outDir, "manifests"), { recursive: true });
    const plan: (PlanRow & { inputs: unknown })[] = [];
    const schemaLines: string[] = [];
    let invalid = 0;
    let written = 0;
    for (const resource of resources) {
        const inputs = mapSecrets(resource.inputs, () => REDACTED) as Record<string, unknown>;
        const row: PlanRow & { inputs: unknown } = {
            type: resource.type,
            name: resource.name,
            parent: parentOf(resource, resources),
            inputs,
        };
        const manifest = toManifest(resource.type, inputs);
        if (manifest) {
            const file = manifestFileName(written++, manifest, resource.name);
            writeFileSync(join(outDir, "manifests", file), stringify(manifest));
            row.manifest = `manifests/${file}`;
            const errors = validateKubernetesObject(manifest);
            const noSchema = errors.length === 1 && errors[0].startsWith(NO_SCHEMA);
            if (errors.length > 0 && !noSchema) invalid++;
            schemaLines.push(`${errors.length === 0 ? "valid    " : noSchema ? "no schema" : "INVALID  "} ${file}${errors.length && !noSchema ? `\n    ${errors.join("\n    ")}` : ""}`);
        }
        plan.push(row);
    }
    const protectedResources = resources.filter((r) => r.protect).map((r) => `${r.type}::${r.name}`);
    writeFileSync(
        join(outDir, "plan.json"),
        `${JSON.stringify({ stack, overrides, protected: protectedResources, capacity, resources: plan }, null, 2)}\n`,
    );
    writeFileSync(
        join(outDir, "plan.md"),
        [
            `# Plan for stack \`${stack}\`${Object.keys(overrides).length ? ` with ${JSON.stringify(overrides)}` : ""}`,
            "",
            `${plan.length} resources, ${written} Kubernetes manifests. Offline evaluation: cloud values are stand-ins.`,
            "",
            "## Sizing",
            "",
            ...sizingMarkdown(config),
            "",
            "## Protected resources",
            "",
            ...(protectedResources.length
                ? ["`pulumi destroy` refuses to delete these until `protect` is turned off:", "", ...protectedResources.map((r) => `- ${r}`)]
                : ["None (`protect` is false): `pulumi destroy` deletes everything."]),
            "",
            "## Capacity plan",
            "",
            "Requests against allocatable (AKS reservations subtracted); see docs/configuration.md, Capacity plan.",
            "",
            ...capacityPlanMarkdown(capacity),
            "## Measurement budget",
            "",
            "One measurement Job per target, all at once; the longest (its load-test pod starts last):",
            "",
            ...measurementBudgetMarkdown(measurementBudgetForConfig(config)),
            "",
            "## Resources",
            "",
            "| type | name | parent | manifest |",
            "| --- | --- | --- | --- |",
            ...plan.map((r) => `| ${r.type} | ${r.name} | ${r.parent} | ${r.manifest ?? ""} |`),
            "",
        ].join("\n"),
    );
    writeFileSync(join(outDir, "schema.txt"), `${schemaLines.join("\n")}\n`);
    return { count: invalid, written };
}

if (require.main === module) {
    main().then(
        () => process.exit(process.exitCode ?? 0),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
