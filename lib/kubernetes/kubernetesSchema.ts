/**
 * Schema checks for the Kubernetes objects the stack registers, against the upstream OpenAPI schemas compiled
 * into `kubernetes-models` (core APIs) and `@kubernetes-models/gateway-api` (Gateway API). No API server needed:
 * the tests and the render script use it to catch a wrong type or a missing required field before `pulumi up`.
 *
 * Both packages are ESM only and export only the `import` condition, so this CommonJS program cannot `require`
 * them (ERR_PACKAGE_PATH_NOT_EXPORTED); they load through dynamic `import()`. Hence the two steps:
 * `await loadKubernetesSchemas()` once, then `validateKubernetesObject` is synchronous. They declare
 * `engines.node >=22`, but run on Node 20.19+ (checked on 20.20: nothing they use is newer).
 *
 * Limit: the upstream schemas carry no `additionalProperties: false`, so an unknown (misspelt) field passes here;
 * the Pulumi input types and the Gateway API types used in components/app/appExposure.ts catch those at compile time.
 */

/** API group-versions whose kinds get a schema. Others (CRDs such as the SpinKube `Shim`) get the no-schema marker. */
export const SCHEMA_GROUP_VERSIONS = [
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "autoscaling/v2",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "gateway.networking.k8s.io/v1",
    "gateway.networking.k8s.io/v1beta1",
] as const;

/** First words of the single message returned for an object whose kind has no schema here. */
export const NO_SCHEMA = "no schema:";

/** A plain Kubernetes object (what `kubectl apply -f` takes). */
export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

type ModelClass = { apiVersion: string; kind: string; new (data: unknown): { validate(): void } };

let models: Map<string, ModelClass> | undefined;
let loading: Promise<void> | undefined;

/** Imports the schema modules (about 0.7 s on this machine). Safe to call more than once. */
export function loadKubernetesSchemas(): Promise<void> {
    loading ??= (async () => {
        const modules = await Promise.all(SCHEMA_GROUP_VERSIONS.map(importGroupVersion));
        const byKey = new Map<string, ModelClass>();
        for (const module of modules) {
            for (const exported of Object.values(module)) {
                if (isModelClass(exported) && !exported.kind.endsWith("List")) byKey.set(key(exported.apiVersion, exported.kind), exported);
            }
        }
        models = byKey;
    })();
    return loading;
}

/** The module path of a group-version in the two packages. */
function importGroupVersion(groupVersion: (typeof SCHEMA_GROUP_VERSIONS)[number]): Promise<Record<string, unknown>> {
    // Literal specifiers, so bundlers and `tsc` see every module this file can load.
    switch (groupVersion) {
        case "v1":
            return import("kubernetes-models/v1");
        case "apps/v1":
            return import("kubernetes-models/apps/v1");
        case "batch/v1":
            return import("kubernetes-models/batch/v1");
        case "admissionregistration.k8s.io/v1":
            return import("kubernetes-models/admissionregistration.k8s.io/v1");
        case "policy/v1":
            return import("kubernetes-models/policy/v1");
        case "autoscaling/v2":
            return import("kubernetes-models/autoscaling/v2");
        case "networking.k8s.io/v1":
            return import("kubernetes-models/networking.k8s.io/v1");
        case "node.k8s.io/v1":
            return import("kubernetes-models/node.k8s.io/v1");
        case "rbac.authorization.k8s.io/v1":
            return import("kubernetes-models/rbac.authorization.k8s.io/v1");
        case "scheduling.k8s.io/v1":
            return import("kubernetes-models/scheduling.k8s.io/v1");
        case "gateway.networking.k8s.io/v1":
            return import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1");
        case "gateway.networking.k8s.io/v1beta1":
            return import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1");
    }
}

function isModelClass(value: unknown): value is ModelClass {
    return (
        typeof value === "function" &&
        typeof (value as Partial<ModelClass>).apiVersion === "string" &&
        typeof (value as Partial<ModelClass>).kind === "string"
    );
}

function key(apiVersion: string, kind: string): string {
    return `${apiVersion}/${kind}`;
}

function loaded(): Map<string, ModelClass> {
    if (!models) throw new Error("Kubernetes schemas are not loaded: `await loadKubernetesSchemas()` before validating.");
    return models;
}

/** Every kind with a schema, as `apiVersion/Kind` (e.g. `apps/v1/Deployment`), sorted. */
export function supportedKinds(): string[] {
    return [...loaded().keys()].sort();
}

/** Whether `apiVersion`/`kind` has a schema here. */
export function hasSchema(apiVersion: string, kind: string): boolean {
    return loaded().has(key(apiVersion, kind));
}

/**
 * Checks an object against its kind's schema. Returns one message per problem (empty = valid), each naming the
 * object and the field path; for a kind without a schema, a single message starting with {@link NO_SCHEMA}, so the
 * caller decides whether that is acceptable.
 */
export function validateKubernetesObject(obj: unknown): string[] {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return ["not a Kubernetes object: expected a plain object"];
    const { apiVersion, kind, metadata } = obj as Partial<KubernetesObject>;
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
        return [`not a Kubernetes object: apiVersion (${JSON.stringify(apiVersion)}) and kind (${JSON.stringify(kind)}) must be strings`];
    }
    const model = loaded().get(key(apiVersion, kind));
    const label = `${kind} ${metadata?.namespace ? `${metadata.namespace}/` : ""}${metadata?.name ?? "(unnamed)"}`;
    if (!model) return [`${NO_SCHEMA} ${apiVersion} ${kind} (${label}) is not in ${SCHEMA_GROUP_VERSIONS.join(", ")}`];
    try {
        new model(obj).validate();
        return [];
    } catch (error) {
        const details = (error as { errors?: SchemaError[] }).errors;
        if (!Array.isArray(details)) throw error;
        return details.map((e) => `${label}: ${e.instancePath || "/"} ${e.message ?? e.keyword}${describeParams(e)}`);
    }
}

/** The part of an Ajv error this module reads. */
interface SchemaError {
    instancePath: string;
    keyword: string;
    message?: string;
    params: Record<string, unknown>;
}

function describeParams(e: SchemaError): string {
    if (e.keyword === "enum" && Array.isArray(e.params.allowedValues)) return ` (allowed: ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`;
    if (e.keyword === "format" && typeof e.params.format === "string") return ` (format ${e.params.format})`;
    return "";
}

/** Pulumi Kubernetes types that are not one object (charts, YAML sets, kustomizations) or not a whole object (patches). */
const NOT_A_MANIFEST = /^kubernetes:(helm\.sh|yaml|kustomize)\/|Patch$|List$/;

/**
 * Turns a recorded Pulumi Kubernetes resource (type token, inputs) into the manifest it applies, or undefined for
 * a type that is not a single Kubernetes object (a provider, a component, a Helm release, a patch).
 *
 * Type tokens are `kubernetes:<group>/<version>:<Kind>`, with `core` standing for the empty group; custom resources
 * register the same way (`kubernetes:gateway.networking.k8s.io/v1:Gateway`). Null and undefined values are dropped,
 * as the API server would. `metadata.name` stays absent when the program left it to Pulumi's auto-naming.
 */
export function toManifest(type: string, inputs: Record<string, unknown>): KubernetesObject | undefined {
    const match = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!match || NOT_A_MANIFEST.test(type)) return undefined;
    const [, groupVersion, kind] = match;
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
    const body = dropEmpty(inputs) as Record<string, unknown>;
    delete body.status;
    return { ...body, apiVersion, kind };
}

function dropEmpty(value: unknown): unknown {
    if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(dropEmpty);
    if (typeof value === "object" && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = dropEmpty(v);
        return out;
    }
    return value;
}
