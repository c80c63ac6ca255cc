/**
 * aks-wasm: one stack per environment. This file only reads the config, composes the components and exports
 * the outputs contract (outputs.ts). Every part lives in components/, every rule in config.ts.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { AksCluster } from "./components/platform/aksCluster";
import { AppExposure, exposureIngressSources } from "./components/app/appExposure";
import { ContainerBaseline } from "./components/app/containerBaseline";
import { ContainerImage } from "./components/app/containerImage";
import { ContainerRegistry } from "./components/platform/containerRegistry";
import { AppRoutingGatewayApi } from "./components/platform/gatewayApi";
import { LoadTest, type LoadTestTarget } from "./components/app/loadTest";
import { SpinApplication } from "./components/app/spinApplication";
import { SpinKubeRuntime } from "./components/platform/spinKubeRuntime";
import { SpinWorkload } from "./components/app/spinWorkload";
import { WasmNodePool } from "./components/platform/wasmNodePool";
import { appHostFor, configWarnings, loadStackConfig, PROJECT } from "./config";
import { registryName } from "./lib/azureNames";
import { OUTPUTS_CONTRACT_VERSION, type AppLoadTestOutput, type AppOutput, type StackOutputInputs } from "./outputs";

const config = loadStackConfig();
for (const warning of configWarnings(config)) pulumi.log.warn(warning);

const stack = pulumi.getStack();
const tags = { project: PROJECT, stack };
const client = authorization.getClientConfigOutput();

const cluster = new AksCluster(PROJECT, {
    location: config.location,
    kubernetesVersion: config.kubernetesVersion,
    tier: config.clusterTier,
    availabilityZones: config.availabilityZones,
    systemVmSize: config.systemVmSize,
    systemNodeCount: config.systemNodeCount,
    systemNodeCountMax: config.systemNodeCountMax,
    adminGroupObjectIds: config.adminGroupObjectIds,
    kubeloginMode: config.kubeloginMode,
    enableWebAppRouting: config.ingressMode === "ingress",
    tags,
    protect: config.protect,
});

const pool = new WasmNodePool("wasm", {
    resourceGroupName: cluster.resourceGroupName,
    clusterName: cluster.clusterName,
    runtime: config.wasmRuntime,
    vmSize: config.wasmVmSize,
    nodeCount: config.wasmNodeCount,
    nodeCountMax: config.wasmNodeCountMax,
    availabilityZones: config.availabilityZones,
    tags,
});

// On a WasmWasi pool AKS itself installs the shim and the RuntimeClass; SpinKube is needed only on ordinary pools.
const runtime =
    config.wasmRuntime === "spinkube"
        ? new SpinKubeRuntime("spinkube", { provider: cluster.provider, placement: pool.placement, dependsOn: [pool] })
        : undefined;

const registry = new ContainerRegistry("registry", {
    resourceGroupName: cluster.resourceGroupName,
    location: config.location,
    registryName: client.subscriptionId.apply((subscription) => registryName(PROJECT, stack, subscription)),
    subscriptionId: client.subscriptionId,
    sku: config.acrSku,
    pullerObjectId: cluster.kubeletObjectId,
    tags,
    protect: config.protect,
});
const registryTarget = { loginServer: registry.loginServer, name: registry.registryName };

const gatewayApi =
    config.ingressMode === "gateway"
        ? new AppRoutingGatewayApi("gateway-api", {
              resourceGroupName: cluster.resourceGroupName,
              clusterName: cluster.clusterName,
              triggers: [cluster.clusterId],
          })
        : undefined;

const loadTestImage =
    config.loadTest
        ? new ContainerImage("loadtest-image", {
              repository: "loadtest",
              context: __dirname,
              dockerfile: path.join(__dirname, "apps", "loadtest", "Dockerfile"),
              registry: registryTarget,
          })
        : undefined;

const apps: Record<string, pulumi.Output<AppOutput>> = {};
const loadTests: Record<string, pulumi.Output<AppLoadTestOutput>> = {};

config.apps.forEach((appName, index) => {
    const build = new SpinApplication(appName, {
        appName,
        appDir: path.join(__dirname, "apps", appName),
        registry: registryTarget,
        extraSourceFiles: [path.join(__dirname, "package-lock.json")],
    });

    const workload = new SpinWorkload(
        appName,
        {
            appName,
            image: build.imageRef,
            placement: pool.placement,
            provider: cluster.provider,
            allowedIngressFrom: exposureIngressSources(config.ingressMode, appName),
            replicas: config.appReplicas,
            maxReplicas: config.appMaxReplicas,
            resources: {
                cpuRequest: config.appCpuRequest,
                cpuLimit: config.appCpuLimit,
                memoryRequest: config.appMemoryRequest,
                memoryLimit: config.appMemoryLimit,
            },
            version: build.tag,
        },
        { dependsOn: [runtime?.shim ?? pool] },
    );

    const exposure = new AppExposure(
        appName,
        {
            mode: config.ingressMode,
            appName,
            namespace: workload.namespaceName,
            serviceName: workload.serviceName,
            provider: cluster.provider,
            host: appHostFor(config, index),
            ingressClassName: config.ingressClassName,
            gatewayClassName: config.gatewayClassName,
            tlsSecretName: config.tlsSecretName,
        },
        { dependsOn: gatewayApi ? [gatewayApi] : [] },
    );

    // The container baseline is the same handler as hello-wasm, built as an ordinary image.
    const baseline =
        config.containerBaseline && index === 0
            ? new ContainerBaseline(`${appName}-container`, {
                  appName: `${appName}-container`,
                  namespace: workload.namespaceName,
                  image: new ContainerImage(`${appName}-container-image`, {
                      repository: `${appName}-container`,
                      context: __dirname,
                      dockerfile: path.join(__dirname, "apps", "hello-wasm-container", "Dockerfile"),
                      registry: registryTarget,
                  }).imageRef,
                  provider: cluster.provider,
                  // Same count as the Wasm app: a fair comparison (an HPA on the app is the one difference).
                  replicas: config.appReplicas,
                  resources: {
                      cpuRequest: config.appCpuRequest,
                      cpuLimit: config.appCpuLimit,
                      memoryRequest: config.appMemoryRequest,
                      memoryLimit: config.appMemoryLimit,
                  },
              })
            : undefined;

    if (loadTestImage) {
        const targets: LoadTestTarget[] = [{ name: "wasm", url: workload.serviceUrl }];
        if (baseline) targets.push({ name: "container", url: baseline.serviceUrl });
        const test = new LoadTest(`${appName}-loadtest`, {
            provider: cluster.provider,
            namespace: workload.namespaceName,
            image: loadTestImage.imageRef,
            targets,
            rolloutTrigger: pulumi.all([build.imageRef, baseline?.image ?? ""]).apply((refs) => refs.join(",")),
            kubeconfig: cluster.kubeconfig,
            thresholds: {
                maxP99Ms: config.loadTestMaxP99Ms,
                maxErrorRate: config.loadTestMaxErrorRate,
                minRps: config.loadTestMinRps,
            },
            durationSeconds: config.loadTestDurationSeconds,
            connections: config.loadTestConnections,
            dependsOn: [workload, ...(baseline ? [baseline] : [])],
        });
        loadTests[appName] = pulumi.output({ summaries: test.summaries, comparison: test.comparison });
    }

    apps[appName] = pulumi.output({
        image: build.imageRef,
        namespace: workload.namespaceName,
        serviceUrl: workload.serviceUrl,
        publicUrl: exposure.publicUrl,
    });
});

const outputs: StackOutputInputs = {
    contractVersion: OUTPUTS_CONTRACT_VERSION,
    resourceGroupName: cluster.resourceGroupName,
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    acrLoginServer: registry.loginServer,
    acrName: registry.registryName,
    wasmRuntime: config.wasmRuntime,
    wasmNodePoolName: pool.poolName,
    runtimeClassName: pool.runtimeClassName,
    wasmPlacement: pool.placement,
    ingressMode: config.ingressMode,
    apps: pulumi.output(apps),
    loadTest: config.loadTest ? pulumi.output(loadTests) : undefined,
};

export = outputs;
