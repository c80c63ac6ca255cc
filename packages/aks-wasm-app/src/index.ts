/**
 * aks-wasm-app: the `SpinApp` component as a package, for app teams in their own repositories and languages.
 * Exports the component and nothing that starts a server: Pulumi's plugin runner finds the exported
 * ComponentResource classes and hosts them itself (platform-contracts PKG-4).
 */
export { SpinApp, spinAppInputProblems, type SpinAppArgs } from "./spinApp";
export type { SpinAppContainerBaseline, SpinAppLoadTest, SpinAppMeasure, SpinAppSettings } from "../../../components/app/spinApp";
export type { WorkloadResources } from "../../../lib/kubernetes/workloadDefaults";
export type { LoadTestThresholds } from "../../../components/app/loadTest";
export type { MeasurementThresholds } from "../../../lib/results/measurementResult";
export type { AppOutput } from "../../../outputs";
export { OUTPUTS_CONTRACT_VERSION } from "../../../outputs";
export { PlatformContractError } from "../../../lib/contract/platformContract";
