/**
 * Policies on the Kubernetes objects a stack deploys. Exported as plain policy objects so tests can call
 * `validateResource` without constructing the PolicyPack (which starts the analyzer's gRPC server).
 *
 * Type checks use `args.type` instead of `validateResourceOfType`, so the pack does not load `@pulumi/kubernetes`.
 * Values that are undefined (not set, or not known yet) are skipped, never reported.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, usesSpinEntryPoint } from "./podSpec";
import { wasmContainerProblems } from "./wasmContainer";

/** Runtime class the Spin shim registers (SpinKube RCM `Shim`, or the retired AKS WASI pool). */
export const DEFAULT_WASM_RUNTIME_CLASSES = ["wasmtime-spin-v2"];

/** An image in an Azure Container Registry, addressed by digest. */
export const DEFAULT_IMAGE_PATTERN = "^[a-z0-9]+\\.azurecr\\.io/.+@sha256:[0-9a-f]{64}$";
/** Any registry, pinned by digest: what the containerd-2 shim installer's namespace may run. */
const PINNED_BY_DIGEST = /^[^@\s]+@sha256:[0-9a-f]{64}$/;
/**
 * The one namespace that may run an image from outside the registry (pinned by digest all the same): the project's
 * containerd-2 shim installer runs `busybox` from Docker Hub by index digest (CD2-8). runtime-class-manager's
 * namespace is not here: its images are mirrored into the registry (components/platform/runtimeImageMirror.ts).
 */
export const DIGEST_ONLY_NAMESPACES = ["aks-wasm-shim-installer"];
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** The chart values that name runtime-class-manager's images (RCM v0.2.0 `deploy/helm/values.yaml`; SUP-3). */
const RCM_CHART_IMAGE_VALUES = ["image", "rcm.shimDownloaderImage", "rcm.nodeInstallerImage"] as const;
/** The chart, named by its OCI or repository URL, by name with `repositoryOpts`, or as a packaged `.tgz`. */
const RCM_CHART = /(^|\/)runtime-class-manager(-[0-9][^/]*\.tgz)?$/;

/**
 * The images a runtime-class-manager Release names through its values, as the chart's templates write them
 * (`<repository>:<tag>`); undefined where a value is not known yet. The Release's pods are invisible to the pack
 * (Helm renders them in the cluster), so its values are what the pack can check.
 */
export function rcmChartImages(props: any): { where: string; image: string | undefined }[] {
    if (typeof props?.chart !== "string" || !RCM_CHART.test(props.chart)) return [];
    return RCM_CHART_IMAGE_VALUES.map((path) => {
        const value = path.split(".").reduce((v: any, k) => v?.[k], props.values);
        const where = `values.${path}`;
        if (value === undefined) return { where, image: props.values !== undefined ? "<unset: the chart default, latest>" : undefined };
        // A value given in part is known: the chart fills what is missing from its own defaults (SUP-3), by tag.
        const repository = typeof value?.repository === "string" ? value.repository : "<unset: the chart default repository>";
        const tag = typeof value?.tag === "string" ? value.tag : "<unset: the chart default tag>";
        return { where, image: `${repository}:${tag}` };
    });
}

const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";

const GATEWAY_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/v1(beta1)?:Gateway$/;
const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";

/** Config of `wasm-workload-runtime-class-and-limits`. */
export interface WasmWorkloadConfig {
    /** Runtime classes that mark a Deployment as a Wasm workload. @default ["wasmtime-spin-v2"] */
    runtimeClassNames?: string[];
}

/** Config of `images-from-acr-by-digest`. */
export interface ImageConfig {
    /** Regular expression every container image must match. @default DEFAULT_IMAGE_PATTERN */
    imagePattern?: string;
}

/** The config both Wasm-workload policies take: which runtime classes mark a Deployment as Wasm. */
const WASM_WORKLOAD_CONFIG_SCHEMA = {
    properties: {
        runtimeClassNames: {
            type: "array" as const,
            items: { type: "string" as const },
            default: DEFAULT_WASM_RUNTIME_CLASSES,
            description: "Runtime classes that mark a Deployment as a Wasm workload.",
        },
    },
};

export const wasmWorkloadRuntimeClassAndLimits: ResourceValidationPolicy = {
    name: "wasm-workload-runtime-class-and-limits",
    description:
        "Wasm (Spin) Deployments run under the Spin runtime class and set CPU and memory limits on every container.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Set spec.template.spec.runtimeClassName to the Spin runtime class (wasmtime-spin-v2) and resources.limits.cpu/memory on each container; use the WasmPlacement output for nodeSelector and tolerations.',
    configSchema: WASM_WORKLOAD_CONFIG_SCHEMA,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:apps/v1:Deployment") return;
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        const runtimeClasses = args.getConfig<WasmWorkloadConfig>().runtimeClassNames ?? DEFAULT_WASM_RUNTIME_CLASSES;
        const containers = containersOf(spec);
        const runtimeClass = spec.runtimeClassName;
        const hasWasmClass = runtimeClass !== undefined && runtimeClasses.includes(runtimeClass);
        const spinEntryPoint = containers.filter(({ container }) => usesSpinEntryPoint(container));
        if (!hasWasmClass && spinEntryPoint.length === 0) return; // an ordinary container workload
        if (!hasWasmClass) {
            reportViolation(
                `Deployment '${args.name}': ${spinEntryPoint[0].where} uses the Spin entry point (command ["/"]) ` +
                    `but runtimeClassName is ${runtimeClass === undefined ? "unset" : `'${runtimeClass}'`}; ` +
                    `set it to one of: ${runtimeClasses.join(", ")}.`,
            );
        }
        for (const { where, container } of containers) {
            const missing = ["cpu", "memory"].filter((r) => container.resources?.limits?.[r] === undefined);
            if (missing.length > 0) {
                reportViolation(
                    `Deployment '${args.name}': ${where} has no ${missing.join(" and ")} limit; ` +
                        `set resources.limits.${missing.join(" and resources.limits.")}.`,
                );
            }
        }
    },
};

export const wasmWorkloadStartsOnTheShim: ResourceValidationPolicy = {
    name: "wasm-workload-starts-on-the-shim",
    description:
        "Wasm (Spin) Deployments have what containerd-shim-spin needs to start (a writable root filesystem it owns, a listen port it may bind and that the pod declares) and keep the hardening that still applies (no privilege escalation, all capabilities dropped, seccomp RuntimeDefault).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Use the Wasm security context of lib/kubernetes/workloadDefaults.ts (uid 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, capabilities drop ALL, seccomp RuntimeDefault) and set SPIN_HTTP_LISTEN_ADDR to 0.0.0.0:<port above 1023> with the same containerPort.",
    configSchema: WASM_WORKLOAD_CONFIG_SCHEMA,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:apps/v1:Deployment") return;
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        const runtimeClasses = args.getConfig<WasmWorkloadConfig>().runtimeClassNames ?? DEFAULT_WASM_RUNTIME_CLASSES;
        const wasmClass = spec.runtimeClassName !== undefined && runtimeClasses.includes(spec.runtimeClassName);
        for (const { where, container } of containersOf(spec)) {
            if (!wasmClass && !usesSpinEntryPoint(container)) continue;
            for (const problem of wasmContainerProblems(spec, container)) reportViolation(`Deployment '${args.name}': ${where} ${problem}.`);
        }
    },
};

export const imagesFromAcrByDigest: ResourceValidationPolicy = {
    name: "images-from-acr-by-digest",
    description:
        "Workload containers, and the runtime-class-manager chart's images, come from an Azure Container Registry, pinned by digest (only the containerd-2 shim installer's namespace may use another registry, by digest).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Push the image to the stack's registry and reference it as <registry>.azurecr.io/<repository>@sha256:<digest> (the pushed image's digest output).",
    configSchema: {
        properties: {
            imagePattern: {
                type: "string",
                default: DEFAULT_IMAGE_PATTERN,
                description: "Regular expression every container image must match.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const acr = new RegExp(args.getConfig<ImageConfig>().imagePattern ?? DEFAULT_IMAGE_PATTERN);
        if (args.type === HELM_RELEASE) {
            for (const { where, image } of rcmChartImages(args.props)) {
                if (image !== undefined && !acr.test(image)) {
                    reportViolation(`Release '${args.name}': ${where} names '${image}', which does not match ${acr.source}; mirror the image into the registry and pin its digest (RuntimeImageMirror).`);
                }
            }
            return;
        }
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        // The containerd-2 shim installer's namespace (the pack's one named exception) runs an upstream image, which
        // must still be pinned by digest (CD2-8); everywhere else, runtime-class-manager's namespace included, images
        // come from the stack's ACR.
        const upstreamAllowed = DIGEST_ONLY_NAMESPACES.includes(args.props?.metadata?.namespace);
        const pattern = upstreamAllowed ? PINNED_BY_DIGEST : acr;
        for (const { where, container } of containersOf(spec)) {
            const image = container.image;
            if (image === undefined) continue; // not known yet: the digest comes from the push
            if (!pattern.test(image)) {
                reportViolation(
                    `${args.type.split(":")[2]} '${args.name}': ${where} image '${image}' does not match ${pattern.source}; ` +
                        `use <registry>.azurecr.io/<repository>@sha256:<digest>.`,
                );
            }
        }
    },
};

export const noPublicLoadBalancerServices: ResourceValidationPolicy = {
    name: "no-public-load-balancer-services",
    description:
        "Services of type LoadBalancer are internal (azure-load-balancer-internal); public traffic enters through the Ingress or Gateway.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Use type ClusterIP behind the Ingress/Gateway, or annotate the Service with ${INTERNAL_LB_ANNOTATION}: "true".`,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Service") return;
        if (args.props.spec?.type !== "LoadBalancer") return;
        const internal = args.props.metadata?.annotations?.[INTERNAL_LB_ANNOTATION];
        if (internal !== "true") {
            reportViolation(
                `Service '${args.name}' is type LoadBalancer without ${INTERNAL_LB_ANNOTATION}: "true" ` +
                    `(found ${internal === undefined ? "no annotation" : `'${String(internal)}'`}), so Azure gives it a public IP.`,
            );
        }
    },
};

export const tlsOnExposedEndpoints: ResourceValidationPolicy = {
    name: "tls-on-exposed-endpoints",
    description: "Ingresses declare spec.tls and Gateways have an HTTPS listener.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Set the stack's tlsSecretName to a kubernetes.io/tls Secret in the app namespace. Dev stacks may relax this policy to advisory (policy/dev.json).",
    validateResource: (args, reportViolation) => {
        if (args.type === INGRESS_TYPE) {
            const tls = args.props.spec?.tls;
            if (!Array.isArray(tls) || tls.length === 0) {
                reportViolation(`Ingress '${args.name}' has no spec.tls: it serves plain HTTP.`);
            }
        } else if (GATEWAY_TYPE.test(args.type)) {
            const listeners: { name?: string; protocol?: string }[] = args.props.spec?.listeners ?? [];
            if (!listeners.some((l) => l.protocol === "HTTPS")) {
                const protocols = listeners.map((l) => `${l.name ?? "?"}:${l.protocol ?? "?"}`).join(", ") || "none";
                reportViolation(`Gateway '${args.name}' has no HTTPS listener (listeners: ${protocols}).`);
            }
        }
    },
};

export const kubernetesPolicies: ResourceValidationPolicy[] = [
    wasmWorkloadRuntimeClassAndLimits,
    wasmWorkloadStartsOnTheShim,
    imagesFromAcrByDigest,
    noPublicLoadBalancerServices,
    tlsOnExposedEndpoints,
];
