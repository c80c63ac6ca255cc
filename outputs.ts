/**
 * The outputs contract: what other stacks may read from an aks-wasm stack through a `StackReference`.
 *
 * Versioned: `contractVersion` changes major when a field is removed or changes meaning, minor when one is added.
 * Consumers check it before use: lib/contract/platformContract.ts (`platformFromStackReference`), used by the component
 * package packages/aks-wasm-app (examples/app-stack). That package's version follows this one: a new major here is
 * a new package major (test/componentPackage.test.ts checks MAJOR.MINOR; its CHANGELOG says what changed).
 *
 * 1.1 adds what an app stack needs to deploy onto the platform: `acrResourceId`, `ingressClassName`,
 * `gatewayClassName`, `loadTestImage` and `appTeams`.
 *
 * 1.2 adds the scale measurement (issue 14): per app, `loadTest[app].measurements` (scale-out, startup,
 * footprint and pulled bytes per target) and `loadTest[app].measurementComparison` (Wasm ÷ container), and the
 * platform's `measureImage` for app stacks.
 *
 * 1.3 (issue 19) adds to each measurement's round times `timedOut` and `timeoutSeconds`, to each footprint
 * `noSampleReason`, and to `measurementComparison` the list `incomplete`; a time median now counts every round (a
 * timed-out round as longer than any measured one), and a time ratio is null unless both sides have every round.
 * Nothing is removed: a 1.2 reader still finds every field it read.
 *
 * 1.4 (issue 18) adds `teamGatewayNamespaces`: per team namespace of `appTeams`, the Gateway namespace the platform
 * created for it (`<ns>-gateway`), empty unless `ingressMode` is `gateway`. An app stack that does not create its
 * namespace checks its namespace there before it registers anything (lib/contract/platformContract.ts
 * `teamGatewayProblem`); a gateway platform older than 1.4 publishes no such map and is refused by such an app stack.
 */
import type { LoadTestComparison, LoadTestSummary } from "./lib/results/loadTestResult";
import type { MeasurementComparison, MeasurementSummary } from "./lib/results/measurementResult";
import type { WasmPlacement } from "./lib/kubernetes/workloadDefaults";

export const OUTPUTS_CONTRACT_VERSION = "1.4";

/** One deployed Spin app. */
export interface AppOutput {
    /** Image pinned by digest: `<login server>/<app>@sha256:…`. */
    image: string;
    /** Namespace the app runs in. */
    namespace: string;
    /** In-cluster URL of the app's Service. */
    serviceUrl: string;
    /** Public URL, when the app is exposed (`ingressMode` not `none`) and the address is known. */
    publicUrl?: string;
}

/** The load test of one app. */
export interface AppLoadTestOutput {
    summaries: Record<string, LoadTestSummary>;
    /** Wasm against the container baseline, when `containerBaseline` is on. */
    comparison?: LoadTestComparison;
    /** Scale-out, startup, footprint and pulled bytes per target (`wasm`, `container`), when `measure` is on. Since 1.2. */
    measurements?: Record<string, MeasurementSummary>;
    /** Wasm ÷ container of the measurements, when both targets are measured. Since 1.2. */
    measurementComparison?: MeasurementComparison;
}

/** The stack outputs of aks-wasm, contract version 1.x. */
export interface StackOutputs {
    contractVersion: string;
    resourceGroupName: string;
    clusterName: string;
    /** Kubeconfig for the cluster (kubelogin exec, non-interactive mode per `kubeloginMode`). Secret. */
    kubeconfig: string;
    oidcIssuerUrl: string;
    acrLoginServer: string;
    acrName: string;
    /** ARM resource ID of the registry (scope for the teams' Container Registry Repository Writer grants). Since 1.1. */
    acrResourceId: string;
    wasmRuntime: "spinkube" | "wasmwasi";
    wasmNodePoolName: string;
    runtimeClassName: string;
    /** What a workload needs to land on the Wasm pool. */
    wasmPlacement: WasmPlacement;
    ingressMode: "ingress" | "gateway" | "none";
    /** IngressClass apps use in `ingress` mode. Since 1.1. */
    ingressClassName: string;
    /** GatewayClass apps use in `gateway` mode. Since 1.1. */
    gatewayClassName: string;
    /** The load generator's image (apps/loadtest) pinned by digest, when `loadTest` is on. Since 1.1. */
    loadTestImage?: string;
    /** The scale measurement's image (apps/measure) pinned by digest, when `measure` is on. Since 1.2. */
    measureImage?: string;
    /** Per app-team principal (`appTeams`), the namespaces it may deploy into. Since 1.1. */
    appTeams: Record<string, string[]>;
    /**
     * Per team namespace (`appTeams`), the Gateway namespace the platform created for the team's Gateways
     * (`<ns>-gateway`); empty unless `ingressMode` is `gateway`. Since 1.4.
     */
    teamGatewayNamespaces: Record<string, string>;
    apps: Record<string, AppOutput>;
    /** Per app, when `loadTest` is on: the summary of each target (`wasm`, `container`) and their comparison. */
    loadTest?: Record<string, AppLoadTestOutput>;
}

/** What index.ts exports: each field of the contract, as a value or an Output of it. */
export type StackOutputInputs = { [K in keyof StackOutputs]: import("@pulumi/pulumi").Input<StackOutputs[K]> };
