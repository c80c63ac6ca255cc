/**
 * Offline evaluation of the program under the Pulumi SDK's own mocks (`pulumi.runtime.setMocks`): no cloud, no
 * engine, no CLI. Used by `npm run render`, the tests and the bench, so all three see the objects the program
 * really registers.
 *
 * The mocks answer for the cloud: they echo a resource's inputs as its state and add the few outputs the
 * program reads (kubelet identity, login server, kubeconfig, pushed digest), from lib/offline/mockCloud.cjs. Those values
 * are stand-ins and look like it (`mock`, all-zero GUIDs).
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT } from "../../config/types";
import { evaluationMode } from "./evaluationMode";
import { isWireSecret, MOCK_KUBECONFIG, mockInvoke, mockOutputs } from "./mockCloud.cjs";

/** One resource the program registered. */
export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent, or undefined for a child of the stack. */
    parentUrn?: string;
    custom: boolean;
    /** Inputs as the program passed them (secrets unwrapped by the mock layer). */
    inputs: Record<string, any>;
    /** The `protect` resource option (pulumi destroy refuses until it is removed). */
    protect?: boolean;
    /** The aliases sent with the registration (alias specs: `{urn, spec: {name, type, parenturn, noparent, ...}}`). */
    aliases?: { urn?: string; spec?: { noparent?: boolean; parenturn?: string } }[];
}

export interface OfflineRun {
    resources: RecordedResource[];
    invokes: { token: string; inputs: Record<string, any> }[];
}

export { MOCK_KUBECONFIG };

/**
 * Installs recording mocks. Call (and await) before the program is imported. `overrides` lets a test add or
 * replace outputs for a resource type (for example a command's stdout).
 */
export async function installOfflineMocks(options: {
    project?: string;
    stack?: string;
    preview?: boolean;
    config?: Record<string, string>;
    overrides?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
}): Promise<OfflineRun> {
    const run: OfflineRun = { resources: [], invokes: [] };
    const project = options.project ?? PROJECT;
    const stack = options.stack ?? "dev";
    const byName = new Map<string, RecordedResource>();
    // Nothing here reaches ARM: judge the admins as a preview does (config/load.ts isDeployment).
    evaluationMode.offline = true;
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const state = { ...args.inputs, ...mockOutputs(args, options.preview ?? false), ...(options.overrides?.(args) ?? {}) };
                const resource: RecordedResource = {
                    type: args.type,
                    name: args.name,
                    urn: "",
                    custom: args.custom ?? true,
                    inputs: args.inputs,
                };
                run.resources.push(resource);
                byName.set(`${args.type}::${args.name}`, resource);
                return { id: args.custom === false ? undefined : `${args.name}-id`, state };
            },
            call(args) {
                run.invokes.push({ token: args.token, inputs: args.inputs });
                return mockInvoke(args);
            },
        },
        project,
        stack,
        options.preview ?? false,
    );
    recordParents(byName);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.config ?? {})) config[k.includes(":") ? k : `${project}:${k}`] = v;
    pulumi.runtime.setAllConfig(config);
    return run;
}

/**
 * The mock monitor knows each resource's URN and its parent's URN but does not pass them to `newResource`;
 * wrap its `registerResource` to note them. (Internal SDK surface, used only offline.)
 */
function recordParents(byName: Map<string, RecordedResource>): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings");
    const monitor = settings.getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) =>
        original(req, (err: any, res: any) => {
            const rec = byName.get(`${req.getType()}::${req.getName()}`);
            if (rec && res) {
                rec.urn = res.getUrn();
                rec.parentUrn = req.getParent() || undefined;
                if (req.getProtect?.()) rec.protect = true;
                rec.aliases = req.getAliasesList().map((a: { toObject(): object }) => a.toObject());
            }
            callback(err, res);
        });
}

/** Waits until every registered output has settled (the SDK keeps a count of pending work). */
export async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings");
    await waitForRPCs();
}

/** Resolves an output's value offline, including secrets. */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<T | undefined> {
    return new Promise((resolve) => pulumi.output(output as pulumi.Input<T>).apply((v) => resolve(v as T)));
}

/**
 * The config the Pulumi CLI would pass for `stack`: Pulumi.yaml's defaults overlaid with Pulumi.<stack>.yaml,
 * every value a string (lists and objects as JSON), keys without the project prefix.
 */
export function readStackConfig(projectDir: string, stack: string): Record<string, string> {
    const asString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    const project = parse(readFileSync(`${projectDir}/Pulumi.yaml`, "utf8"));
    const raw: Record<string, string> = {};
    for (const [key, spec] of Object.entries(project.config ?? {}) as [string, { default?: unknown }][]) {
        if (spec.default !== undefined) raw[key] = asString(spec.default);
    }
    const stackFile = `${projectDir}/Pulumi.${stack}.yaml`;
    if (existsSync(stackFile)) {
        for (const [key, value] of Object.entries(parse(readFileSync(stackFile, "utf8"))?.config ?? {})) {
            raw[key.replace(`${project.name}:`, "")] = asString(value);
        }
    }
    return raw;
}

/**
 * Pulumi's whole config map for `stack`, as the CLI hands it to the program (`pulumi.runtime.allConfig()`): the
 * project's defaults and its stack file's keys under their namespaces, with `overrides` on top (a key without a
 * namespace is the project's). `npm run render` checks this map with the same function `pulumi up` runs.
 */
export function stackConfigMap(projectDir: string, stack: string, overrides: Record<string, string> = {}): Record<string, string> {
    const project = String(parse(readFileSync(`${projectDir}/Pulumi.yaml`, "utf8")).name);
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...readStackConfig(projectDir, stack), ...overrides })) {
        all[key.includes(":") ? key : `${project}:${key}`] = value;
    }
    return all;
}

/** Whether a recorded input value is a (wrapped) secret. */
export const isSecretInput = isWireSecret;

/** Replaces every secret in a recorded input with `replacement(secretValue)`, recursively. */
export function mapSecrets(value: unknown, replacement: (secret: unknown) => unknown): unknown {
    if (isSecretInput(value)) return replacement(value.value);
    if (Array.isArray(value)) return value.map((v) => mapSecrets(v, replacement));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecrets(v, replacement)]));
    }
    return value;
}

/** The result of evaluating the whole program offline. */
export interface StackEvaluation extends OfflineRun {
    /** The program's exports (the stack outputs), as Outputs. */
    outputs: Record<string, pulumi.Output<unknown>>;
}

/**
 * Evaluates the program in `projectDir` for `stack` under the mocks, with `overrides` on top of the stack's
 * config. Once per process: the SDK's runtime state is global.
 */
export async function evaluateStack(options: {
    projectDir: string;
    stack: string;
    overrides?: Record<string, string>;
    preview?: boolean;
}): Promise<StackEvaluation> {
    const config = { ...readStackConfig(options.projectDir, options.stack), ...options.overrides };
    const run = await installOfflineMocks({ stack: options.stack, config, preview: options.preview });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = require(`${options.projectDir}/index`) as Record<string, pulumi.Output<unknown>>;
    await settle();
    return { ...run, outputs };
}
