/**
 * The platform description: everything an app needs from the platform to be built, pushed, run on the Wasm pool,
 * exposed and load-tested. `SpinApp` takes it and nothing else from the platform.
 *
 * Two ways to get one:
 * - in-process, from the `Platform` component (the one-stack way: index.ts);
 * - in an app stack, from a `StackReference` to the platform stack's outputs (`platformFromStackReference`),
 *   which checks the outputs contract's major version and every field before any resource uses them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IngressMode } from "../../config/types";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "../../outputs";
import { teamGatewayNamespace } from "../kubernetes/appTeams";
import type { WasmPlacement } from "../kubernetes/workloadDefaults";

/** The registry to push to: both names, as `containerregistry.Registry` outputs them. */
export interface RegistryTarget {
    /** Login server, e.g. `myacr.azurecr.io`. */
    loginServer: pulumi.Input<string>;
    /** Registry name, as `az acr login -n` takes it, e.g. `myacr`. */
    name: pulumi.Input<string>;
}

/** The platform's registry, with the resource ID a platform team grants Container Registry Repository Writer on (with a repository condition). */
export interface PlatformRegistry extends RegistryTarget {
    /** ARM resource ID of the registry. */
    resourceId: pulumi.Input<string>;
}

/** How the platform exposes apps. */
export interface PlatformExposure {
    /** `ingress` (app routing add-on), `gateway` (Gateway API, approuting-istio) or `none`. */
    mode: IngressMode;
    /** IngressClass for mode `ingress`. */
    ingressClassName: string;
    /** GatewayClass for mode `gateway`. */
    gatewayClassName: string;
}

/** What an app needs from the platform. */
export interface PlatformDescription {
    /** The outputs contract version the description was built from (`MAJOR.MINOR`). */
    contractVersion: string;
    registry: PlatformRegistry;
    /** Kubeconfig of the cluster (kubelogin exec config). Always a secret. */
    kubeconfig: pulumi.Output<string>;
    /** Kubernetes provider for the cluster, built from `kubeconfig`. */
    provider: k8s.Provider;
    /** What a workload needs to land on the Wasm pool. */
    wasmPlacement: WasmPlacement;
    exposure: PlatformExposure;
    /** The load generator's image (apps/loadtest), pinned by digest; undefined when the platform publishes none. */
    loadTestImage?: pulumi.Input<string>;
    /** The scale measurement's image (apps/measure), pinned by digest; undefined when the platform publishes none (before 1.2). */
    measureImage?: pulumi.Input<string>;
    /**
     * Per team namespace, the Gateway namespace the platform created for it (empty unless gateway mode); undefined
     * when the platform publishes none (before 1.4).
     */
    teamGatewayNamespaces?: Record<string, string>;
    /**
     * Resources an app's workload must wait for: the Wasm runtime (Shim or pool) in-process; none from a
     * StackReference, where the platform stack has already finished.
     */
    workloadDependsOn: pulumi.Resource[];
    /** Resources an app's exposure must wait for: the Gateway API enablement in-process; none from a StackReference. */
    exposureDependsOn: pulumi.Resource[];
}

/** Thrown when a platform stack's outputs cannot be used: another contract major, or fields missing or malformed. */
export class PlatformContractError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlatformContractError";
    }
}

/** The major part of a `MAJOR.MINOR` contract version, or undefined when the text is not one. */
export function contractMajor(version: unknown): number | undefined {
    if (typeof version !== "string") return undefined;
    const m = /^(\d+)\.(\d+)$/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/**
 * Checks a platform stack's `contractVersion` against the version this program reads. A newer minor is fine
 * (minors only add fields); another major, or no version at all, is refused.
 */
export function checkContractVersion(stackName: string, actual: unknown, expected = OUTPUTS_CONTRACT_VERSION): void {
    const want = contractMajor(expected);
    if (want === undefined) throw new Error(`expected contract version '${expected}' is not MAJOR.MINOR`);
    const got = contractMajor(actual);
    if (got === undefined) {
        throw new PlatformContractError(
            `Stack '${stackName}' has no usable contractVersion output (found ${JSON.stringify(actual)}); expected ${want}.x. ` +
                "Is it an aks-wasm platform stack, deployed with a release that publishes the outputs contract?",
        );
    }
    if (got !== want) {
        throw new PlatformContractError(
            `Stack '${stackName}' publishes outputs contract ${String(actual)}, but this program reads contract ${want}.x ` +
                `(OUTPUTS_CONTRACT_VERSION ${expected}). Update this program for contract ${got}.x, or point it at a ` +
                `platform stack that publishes ${want}.x.`,
        );
    }
}

/** The outputs an app stack reads, with what each must be. `kubeconfig` is read separately (it is a secret). */
const REQUIRED: { key: keyof StackOutputs; check: (v: unknown) => boolean; accepted: string }[] = [
    { key: "acrLoginServer", check: isNonEmptyString, accepted: "the registry's login server (e.g. myacr.azurecr.io)" },
    { key: "acrName", check: isNonEmptyString, accepted: "the registry's name" },
    { key: "acrResourceId", check: isNonEmptyString, accepted: "the registry's ARM resource ID" },
    { key: "wasmPlacement", check: isPlacement, accepted: "{runtimeClassName, nodeSelector, tolerations}" },
    { key: "ingressMode", check: (v) => v === "ingress" || v === "gateway" || v === "none", accepted: '"ingress", "gateway" or "none"' },
    { key: "ingressClassName", check: isNonEmptyString, accepted: "an IngressClass name" },
    { key: "gatewayClassName", check: isNonEmptyString, accepted: "a GatewayClass name" },
];

/** The first contract minor that publishes `teamGatewayNamespaces`. */
export const TEAM_GATEWAY_NAMESPACES_SINCE = "1.4";

function isNonEmptyString(v: unknown): v is string {
    return typeof v === "string" && v !== "";
}

function isPlacement(v: unknown): v is WasmPlacement {
    const p = v as WasmPlacement | undefined;
    return (
        typeof p === "object" &&
        p !== null &&
        isNonEmptyString(p.runtimeClassName) &&
        typeof p.nodeSelector === "object" &&
        p.nodeSelector !== null &&
        Array.isArray(p.tolerations)
    );
}

/**
 * Problems with a platform stack's (non-secret) outputs, each naming the output, what was found and what is
 * expected. `kubeconfigFound` says whether the kubeconfig output exists.
 */
export function platformOutputProblems(outputs: Record<string, unknown>, kubeconfigFound: boolean): string[] {
    const problems: string[] = [];
    for (const { key, check, accepted } of REQUIRED) {
        const value = outputs[key];
        if (value === undefined) problems.push(`${key}: missing; expected ${accepted}`);
        else if (!check(value)) problems.push(`${key} = ${JSON.stringify(value)}: expected ${accepted}`);
    }
    for (const key of ["loadTestImage", "measureImage"]) {
        const image = outputs[key];
        if (image !== undefined && !/^[^\s@]+@sha256:[0-9a-f]{64}$/.test(String(image))) {
            problems.push(`${key} = ${JSON.stringify(image)}: expected an image pinned by digest, or no output`);
        }
    }
    const gateways = outputs.teamGatewayNamespaces;
    if (gateways !== undefined && !isStringMap(gateways)) {
        problems.push(`teamGatewayNamespaces = ${JSON.stringify(gateways)}: expected an object of team namespace to Gateway namespace names, or no output (before 1.4)`);
    }
    if (!kubeconfigFound) problems.push("kubeconfig: missing; expected the cluster's kubeconfig (a secret output)");
    return problems;
}

function isStringMap(v: unknown): v is Record<string, string> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(isNonEmptyString);
}

/**
 * Why an app that does not create its namespace (SpinApp `createNamespace: false`: an app team's stack) cannot put
 * its Gateway on this platform, or an empty list. Only a `gateway` platform matters: there the app's Gateway goes to
 * the `<ns>-gateway` the platform created for the team namespace (AppTeamAccess), which a platform deployed before
 * contract 1.4 does not create (and does not list), and no platform creates for a namespace outside `appTeams`.
 * Without this check `pulumi up` fails late, at the Gateway, with `namespaces "<ns>-gateway" not found`
 * (NamespaceLifecycle: platform-contracts TGN-1).
 *
 * @param stackName the platform stack's name, as the messages should say it.
 * @param platform what the platform publishes: its contract version, exposure mode and `teamGatewayNamespaces`.
 * @param namespace the namespace the app deploys into.
 */
export function teamGatewayProblems(
    stackName: string,
    platform: Pick<PlatformDescription, "contractVersion" | "teamGatewayNamespaces"> & { exposure: Pick<PlatformExposure, "mode"> },
    namespace: string,
): string[] {
    if (platform.exposure.mode !== "gateway") return [];
    const want = teamGatewayNamespace(namespace);
    const map = platform.teamGatewayNamespaces;
    if (map === undefined) {
        return [
            `Stack '${stackName}' publishes outputs contract ${platform.contractVersion} with ingressMode "gateway", but no teamGatewayNamespaces ` +
                `(contract ${TEAM_GATEWAY_NAMESPACES_SINCE}): a gateway platform deployed before ${TEAM_GATEWAY_NAMESPACES_SINCE} creates no Gateway ` +
                `namespace for team namespaces, so this app's Gateway would fail with namespaces "${want}" not found. ` +
                `Update the platform stack '${stackName}' (pulumi up with this release), then run this again.`,
        ];
    }
    const found = Object.prototype.hasOwnProperty.call(map, namespace) ? map[namespace] : undefined;
    if (found === undefined) {
        const known = Object.keys(map);
        return [
            `namespace "${namespace}" is not a team namespace of stack '${stackName}' (contract ${platform.contractVersion}, ingressMode "gateway"), ` +
                `so the platform created no Gateway namespace "${want}" for this app's Gateway; its team namespaces: ` +
                `${known.length > 0 ? known.map((n) => `"${n}"`).join(", ") : "none"}. Add "${namespace}" to the platform's appTeams ` +
                `(pulumi config set --path 'appTeams[<n>]' '<object ID>=${namespace}' in stack '${stackName}', then pulumi up there), ` +
                "or deploy into one of its team namespaces.",
        ];
    }
    if (found !== want) {
        return [
            `stack '${stackName}' names the Gateway namespace of team namespace "${namespace}" "${found}", but this release puts the app's ` +
                `Gateway in "${want}". Use a release of this package and a platform of the same outputs contract minor.`,
        ];
    }
    return [];
}

/** One output's value, secret or not; `found` false when the stack has no such output. */
async function readOutput(ref: pulumi.StackReference, key: string): Promise<{ found: boolean; value: unknown }> {
    // getOutputDetails puts a secret output in `secretValue` and a plain one in `value`, and never throws for a
    // secret (getOutputValue does); a missing output gives `value: undefined` (platform-contracts PUL-1, PUL-2).
    const details = await ref.getOutputDetails(key);
    const value = details.secretValue !== undefined ? details.secretValue : details.value;
    return { found: value !== undefined, value };
}

/**
 * The platform description from a StackReference to a platform stack (`aks-wasm` contract 1.x). Reads the
 * outputs, refuses another contract major and reports every missing or malformed field at once, before a single
 * resource depends on them; then builds a Kubernetes provider from the kubeconfig, kept secret whether or not
 * the platform stack marked it (platform-contracts PUL-3).
 *
 * @param stackName the platform stack's name, as the error messages should say it.
 * @param providerName name of the Kubernetes provider resource. @default "platform"
 * @param aliases the provider's earlier identities (a caller that moved it under a component keeps its URN).
 * @param appNamespace the namespace of an app that does not create it (SpinApp `createNamespace: false`): checked
 *   with {@link teamGatewayProblems} before the provider is registered. @default undefined (no such check)
 */
export async function platformFromStackReference(
    ref: pulumi.StackReference,
    stackName: string,
    opts: { providerName?: string; parent?: pulumi.Resource; aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[]; appNamespace?: string } = {},
): Promise<PlatformDescription> {
    const version = await readOutput(ref, "contractVersion");
    checkContractVersion(stackName, version.value);

    const keys = [...REQUIRED.map((r) => r.key), "loadTestImage", "measureImage", "teamGatewayNamespaces"] as const;
    const read = await Promise.all(keys.map((k) => readOutput(ref, k)));
    const outputs: Record<string, unknown> = Object.fromEntries(keys.map((k, i) => [k, read[i].value]));
    const kubeconfig = await readOutput(ref, "kubeconfig");
    const problems = platformOutputProblems(outputs, kubeconfig.found && isNonEmptyString(kubeconfig.value));
    if (problems.length > 0) {
        throw new PlatformContractError(
            `Stack '${stackName}' (contract ${String(version.value)}) lacks what an app stack needs ` +
                `(${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}\n` +
                "Update the platform stack (pulumi up with this release) so it publishes contract " +
                `${OUTPUTS_CONTRACT_VERSION} or later.`,
        );
    }
    const o = outputs as Pick<StackOutputs, (typeof keys)[number]>;
    // A 1.3 platform has no teamGatewayNamespaces: undefined, not {} (which would say "no team namespaces"; TGN-2).
    const teamGateways = outputs.teamGatewayNamespaces === undefined ? undefined : o.teamGatewayNamespaces;
    if (opts.appNamespace !== undefined) {
        const refused = teamGatewayProblems(stackName, { contractVersion: String(version.value), exposure: { mode: o.ingressMode }, teamGatewayNamespaces: teamGateways }, opts.appNamespace);
        if (refused.length > 0) throw new PlatformContractError(refused.join("\n"));
    }
    const secretKubeconfig = pulumi.secret(kubeconfig.value as string);
    const provider = new k8s.Provider(
        opts.providerName ?? "platform",
        { kubeconfig: secretKubeconfig, enableServerSideApply: true },
        { ...(opts.parent ? { parent: opts.parent } : {}), ...(opts.aliases ? { aliases: opts.aliases } : {}) },
    );
    return {
        contractVersion: String(version.value),
        registry: { loginServer: o.acrLoginServer, name: o.acrName, resourceId: o.acrResourceId },
        kubeconfig: secretKubeconfig,
        provider,
        wasmPlacement: o.wasmPlacement,
        exposure: { mode: o.ingressMode, ingressClassName: o.ingressClassName, gatewayClassName: o.gatewayClassName },
        loadTestImage: o.loadTestImage,
        measureImage: o.measureImage,
        teamGatewayNamespaces: teamGateways,
        workloadDependsOn: [],
        exposureDependsOn: [],
    };
}
