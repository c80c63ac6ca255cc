/**
 * aks-wasm, the one-stack way: the platform and one SpinApp per configured app, in one program. The same
 * outputs (outputs.ts) let app teams deploy their own apps onto this platform from their own stacks
 * (examples/app-stack). Every rule lives in config/, every part in components/platform and components/app.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ContainerImage } from "./components/app/containerImage";
import { SpinApp, spinAppSettingsFromConfig } from "./components/app/spinApp";
import { Platform } from "./components/platform/platform";
import { configWarnings, loadStackConfig, PROJECT } from "./config";
import { WHOLE_CONFIG_CHECKS } from "./components/runDuration";
import type { AppLoadTestOutput, AppOutput, StackOutputInputs } from "./outputs";

// Refused when one `pulumi up` could outlast the CI deploy job's timeout (components/runDuration.ts).
const config = loadStackConfig({ wholeConfigChecks: WHOLE_CONFIG_CHECKS });
for (const warning of configWarnings(config)) pulumi.log.warn(warning);

// The platform: cluster, Wasm pool and runtime, registry, Gateway API enablement, app teams' rights.
const platform = new Platform("platform", { ...config, project: PROJECT, stack: pulumi.getStack() });

// The load generator and the scale measurement's program (apps/loadtest, apps/measure), in the platform's registry
// and published for app stacks too.
const toolImage = (name: string) =>
    new ContainerImage(`${name}-image`, {
        repository: name,
        context: __dirname,
        dockerfile: path.join(__dirname, "apps", name, "Dockerfile"),
        registry: platform.registryTarget,
    }).imageRef;
const loadTestImage = config.loadTest ? toolImage("loadtest") : undefined;
const measureImage = config.measure ? toolImage("measure") : undefined;
const described = { ...platform.describe({ loadTestImage }), measureImage };

// One SpinApp per app: build and push, workload on the Wasm pool, exposure, container baseline, load test, measurement.
const apps: Record<string, pulumi.Output<AppOutput>> = {};
const loadTests: Record<string, pulumi.Output<AppLoadTestOutput>> = {};
config.apps.forEach((appName, index) => {
    const app = new SpinApp(appName, {
        platform: described,
        appDir: path.join(__dirname, "apps", appName),
        extraSourceFiles: [path.join(__dirname, "package-lock.json")],
        ...spinAppSettingsFromConfig(config, index, __dirname),
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
