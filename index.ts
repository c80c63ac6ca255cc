/**
 * aks-wasm, the one-stack way: the platform and one SpinApp per configured app, in one program. The same
 * outputs (outputs.ts) let app teams deploy their own apps onto this platform from their own stacks
 * (examples/app-stack). Every rule lives in config.ts, every part in components/platform and components/app.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ContainerImage } from "./components/app/containerImage";
import { SpinApp } from "./components/app/spinApp";
import { Platform } from "./components/platform/platform";
import { appHostFor, configWarnings, loadStackConfig, PROJECT } from "./config";
import type { AppLoadTestOutput, AppOutput, StackOutputInputs } from "./outputs";

const config = loadStackConfig();
for (const warning of configWarnings(config)) pulumi.log.warn(warning);

// The platform: cluster, Wasm pool and runtime, registry, Gateway API enablement, app teams' rights.
const platform = new Platform("platform", { ...config, project: PROJECT, stack: pulumi.getStack() });

// The load generator's image, pushed to the platform's registry and published for app stacks too.
const loadTestImage = config.loadTest
    ? new ContainerImage(
          "loadtest-image",
          {
              repository: "loadtest",
              context: __dirname,
              dockerfile: path.join(__dirname, "apps", "loadtest", "Dockerfile"),
              registry: platform.registryTarget,
          },
      ).imageRef
    : undefined;
// The scale measurement's program (apps/measure), built the same way and published for app stacks too.
// MERGE NOTE (m2-stack): the existence check only bridges the time before apps/measure lands; the lead removes it.
const measureDockerfile = path.join(__dirname, "apps", "measure", "Dockerfile");
if (config.measure && !existsSync(measureDockerfile)) pulumi.log.warn(`aks-wasm:measure is on but ${measureDockerfile} does not exist: no measurement.`);
const measureImage =
    config.measure && existsSync(measureDockerfile)
        ? new ContainerImage("measure-image", { repository: "measure", context: __dirname, dockerfile: measureDockerfile, registry: platform.registryTarget }).imageRef
        : undefined;
const described = { ...platform.describe({ loadTestImage }), measureImage };

// One SpinApp per app: build and push, workload on the Wasm pool, exposure, container baseline, load test.
const apps: Record<string, pulumi.Output<AppOutput>> = {};
const loadTests: Record<string, pulumi.Output<AppLoadTestOutput>> = {};
config.apps.forEach((appName, index) => {
    const app = new SpinApp(appName, {
        platform: described,
        appDir: path.join(__dirname, "apps", appName),
        extraSourceFiles: [path.join(__dirname, "package-lock.json")],
        replicas: config.appReplicas,
        maxReplicas: config.appMaxReplicas,
        resources: {
            cpuRequest: config.appCpuRequest,
            cpuLimit: config.appCpuLimit,
            memoryRequest: config.appMemoryRequest,
            memoryLimit: config.appMemoryLimit,
        },
        host: appHostFor(config, index),
        tlsSecretName: config.tlsSecretName,
        loadTest: config.loadTest
            ? {
                  thresholds: { maxP99Ms: config.loadTestMaxP99Ms, maxErrorRate: config.loadTestMaxErrorRate, minRps: config.loadTestMinRps },
                  durationSeconds: config.loadTestDurationSeconds,
                  connections: config.loadTestConnections,
              }
            : undefined,
        measure: measureImage
            ? {
                  replicas: config.measureReplicas,
                  rounds: config.measureRounds,
                  thresholds: {
                      maxScaleOutSeconds: config.measureMaxScaleOutSeconds,
                      maxFirstResponseSeconds: config.measureMaxFirstResponseSeconds,
                      maxPodMemoryMiB: config.measureMaxPodMemoryMiB,
                  },
              }
            : undefined,
        // The baseline is hello-wasm's handler as an ordinary image: only the first app gets one.
        containerBaseline:
            config.containerBaseline && index === 0
                ? { context: __dirname, dockerfile: path.join(__dirname, "apps", "hello-wasm-container", "Dockerfile") }
                : undefined,
    });
    apps[appName] = app.output;
    if (app.loadTestOutput) loadTests[appName] = app.loadTestOutput;
});

const outputs: StackOutputInputs = {
    ...platform.outputs({ loadTestImage }),
    measureImage,
    apps: pulumi.output(apps),
    loadTest: config.loadTest ? pulumi.output(loadTests) : undefined,
};

export = outputs;
