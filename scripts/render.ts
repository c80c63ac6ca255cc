/**
 * `npm run render -- <dir> [--stack dev] [--set key=value ...]`
 *
 * Evaluates the stack offline (the Pulumi SDK's mocks; no cloud credentials, no CLI) and writes what it would
 * apply, for reviewers and newcomers:
 *   <dir>/manifests/NN-<kind>-<name>.yaml  every Kubernetes object the program registers, secrets redacted
 *   <dir>/plan.md, <dir>/plan.json         every resource: type, name, parent (plan.json adds redacted inputs)
 *   <dir>/schema.txt                       each manifest checked against the upstream Kubernetes OpenAPI schemas
 * These are the objects the program registers, captured at the mock monitor, not a second implementation.
 * Values that only the cloud knows (digests, identities, the kubeconfig) are the stand-ins of lib/mockCloud.cjs.
 * Exits 1 when a manifest fails its schema.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { loadKubernetesSchemas, NO_SCHEMA, toManifest, validateKubernetesObject, type KubernetesObject } from "../lib/kubernetesSchema";
import { evaluateStack, mapSecrets, type RecordedResource } from "../lib/offline";

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
    if (positionals.length !== 1) {
        console.error("usage: npm run render -- <dir> [--stack dev|prod] [--set key=value ...]");
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
    const outDir = resolve(positionals[0]);
    const projectDir = resolve(__dirname, "..");

    const evaluation = await evaluateStack({ projectDir, stack: values.stack!, overrides });
    await loadKubernetesSchemas();

    rmSync(join(outDir, "manifests"), { recursive: true, force: true });
    mkdirSync(join(outDir, "manifests"), { recursive: true });
    const plan: (PlanRow & { inputs: unknown })[] = [];
    const schemaLines: string[] = [];
    let invalid = 0;
    let written = 0;
    for (const resource of evaluation.resources) {
        const inputs = mapSecrets(resource.inputs, () => REDACTED) as Record<string, unknown>;
        const row: PlanRow & { inputs: unknown } = {
            type: resource.type,
            name: resource.name,
            parent: parentOf(resource, evaluation.resources),
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
    writeFileSync(join(outDir, "plan.json"), `${JSON.stringify({ stack: values.stack, overrides, resources: plan }, null, 2)}\n`);
    writeFileSync(
        join(outDir, "plan.md"),
        [
            `# Plan for stack \`${values.stack}\`${Object.keys(overrides).length ? ` with ${JSON.stringify(overrides)}` : ""}`,
            "",
            `${plan.length} resources, ${written} Kubernetes manifests. Offline evaluation: cloud values are stand-ins.`,
            "",
            "| type | name | parent | manifest |",
            "| --- | --- | --- | --- |",
            ...plan.map((r) => `| ${r.type} | ${r.name} | ${r.parent} | ${r.manifest ?? ""} |`),
            "",
        ].join("\n"),
    );
    writeFileSync(join(outDir, "schema.txt"), `${schemaLines.join("\n")}\n`);
    console.log(`${plan.length} resources, ${written} manifests, ${invalid} invalid → ${outDir}`);
    process.exit(invalid > 0 ? 1 : 0);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
