/**
 * What a stack's configuration is: the typed config, a problem with it, and the error listing them. The lowest
 * module of config/: lib/ modules that take the config (the capacity plan, kubeconfig, the platform contract,
 * workload defaults) import their types from here, so nothing in lib/ imports the validation above it.
 */
import type { AppTeam } from "../lib/kubernetes/appTeams";
import type { WasmOsSku } from "../lib/azure/wasmNodeOs";

export const PROJECT = "aks-wasm";

export type WasmRuntime = "spinkube" | "wasmwasi";
export type IngressMode = "ingress" | "gateway" | "none";
export type AcrSku = "Basic" | "Standard" | "Premium";
export type ClusterTier = "Free" | "Standard" | "Premium";
export type KubeloginMode = "azurecli" | "workloadidentity" | "devicecode";

/** The validated configuration of one stack. Field names are the config keys (`pulumi config set <key>`). */
export interface StackConfig {
    /** Azure region, programmatic name (`westeurope`). */
    location: string;
    /**
     * Resource group the stack deploys into, created in the one-time set-up (docs/ci-setup.md) so that this
     * environment's deploy identity holds rights on it alone; empty: the stack creates its own group (which needs
     * rights on the whole subscription).
     */
    resourceGroupName: string;
    /** AKS Kubernetes version (`1.33` or `1.33.2`); undefined means AKS's default version. */
    kubernetesVersion?: string;
    /** AKS pricing tier: `Standard` carries the uptime SLA; `Premium` adds long-term support (AKSLongTermSupport). */
    clusterTier: ClusterTier;
    /** Availability zones for both pools; empty means no zone pinning (regions without zones). */
    availabilityZones: string[];
    /** Entra ID group object IDs that become cluster admins. */
    adminGroupObjectIds: string[];
    /** Object IDs of the service principals (deploy identities) that become cluster admins. */
    clusterAdminPrincipalIds: string[];
    /** Object IDs of the Entra ID users (people deploying from a laptop) that become cluster admins. */
    adminUserObjectIds: string[];
    /** How the generated kubeconfig logs in through kubelogin (non-interactive by default). */
    kubeloginMode: KubeloginMode;
    systemVmSize: string;
    systemNodeCount: number;
    /** Autoscaler upper bound of the system pool; equal to `systemNodeCount` turns the autoscaler off. */
    systemNodeCountMax: number;
    wasmVmSize: string;
    /** Minimum (and initial) node count of the Wasm pool. */
    wasmNodeCount: number;
    /** Autoscaler upper bound of the Wasm pool; equal to `wasmNodeCount` turns the autoscaler off. */
    wasmNodeCountMax: number;
    wasmRuntime: WasmRuntime;
    /**
     * OS image of the SpinKube Wasm pool (lib/azure/wasmNodeOs.ts): `Ubuntu2204` (containerd 1.7, runtime-class-manager;
     * until 2027-06-30), or `Ubuntu` / `AzureLinux` (containerd 2, the project's shim installer; experimental).
     */
    wasmOsSku: WasmOsSku;
    acrSku: AcrSku;
    /** Spin apps to build from `apps/<name>` and deploy. */
    apps: string[];
    appReplicas: number;
    /** HorizontalPodAutoscaler upper bound; 0 (or equal to `appReplicas`) means no autoscaler. */
    appMaxReplicas: number;
    appCpuRequest: string;
    appCpuLimit: string;
    appMemoryRequest: string;
    appMemoryLimit: string;
    /** Host name the app is exposed on; empty means any host (reach it by the load balancer's address). */
    appHost: string;
    ingressMode: IngressMode;
    ingressClassName: string;
    gatewayClassName: string;
    /** Name of a `kubernetes.io/tls` Secret in the app namespace; empty means plain HTTP. */
    tlsSecretName: string;
    /** Run the load-test Job after each rollout and fail `pulumi up` on a breach. */
    loadTest: boolean;
    loadTestDurationSeconds: number;
    loadTestConnections: number;
    loadTestMaxP99Ms: number;
    loadTestMaxErrorRate: number;
    loadTestMinRps: number;
    /** Also deploy the same handler as an ordinary container and load-test both. */
    containerBaseline: boolean;
    /** Measure scale-out, startup and footprint on twin Deployments beside the load test (needs `loadTest`). */
    measure: boolean;
    /** N: replicas each twin is scaled to from 0 in every round. */
    measureReplicas: number;
    /** Rounds per target; the exported times are medians over them. */
    measureRounds: number;
    /** Largest acceptable median time until all N twin pods are Ready, seconds; 0 checks nothing. */
    measureMaxScaleOutSeconds: number;
    /** Largest acceptable median time until a fresh twin pod answers, seconds; 0 checks nothing. */
    measureMaxFirstResponseSeconds: number;
    /** Largest acceptable per-pod memory under load, MiB; 0 checks nothing. */
    measureMaxPodMemoryMiB: number;
    /** Mark the resource group, cluster and registry `protect` (prod). */
    protect: boolean;
    /** App teams: principals and the namespaces the platform creates for them and lets them deploy into. */
    appTeams: AppTeam[];
}

/** A config problem: the key, the value given, and what is accepted. */
export interface ConfigProblem {
    key: string;
    value: string;
    accepted: string;
}

/** Thrown when the stack config is invalid; lists every problem. */
export class StackConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key.includes(":") ? p.key : `${PROJECT}:${p.key}`} = ${JSON.stringify(p.value)}: ${p.accepted}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

/** Raw config as Pulumi holds it: every value a string (arrays as JSON), keyed without the project prefix. */
export type RawConfig = Readonly<Record<string, string | undefined>>;
