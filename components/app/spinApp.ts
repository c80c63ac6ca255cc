/**
 * One Spin app, end to end, on a platform it is given (lib/contract/platformContract.ts): build and push (SpinApplication),
 * the workload on the Wasm pool (SpinWorkload), its exposure (AppExposure), and when asked the container baseline
 * (ContainerBaseline from a Dockerfile) and the load-test gate (LoadTest). The same component serves the one-stack
 * program (index.ts, platform in-process) and an app team's own stack (examples/app-stack, platform from a
 * StackReference).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { appHostFor, type StackConfig } from "../../config";
import type { AppLoadTestOutput, AppOutput } from "../../outputs";
import type { PlatformDescription } from "../../lib/contract/platformContract";
import type { WorkloadResources } from "../../lib/kubernetes/workloadDefaults";
import { manifestOutboundHosts, outboundPorts, type OutboundPorts } from "../../lib/kubernetes/egressPolicy";
import { AppEgress } from "./appEgress";
import { AppExposure, defaultGatewayNamespace, exposureIngressSources } from "./appExposure";
import { teamGatewayNamespace } from "../../lib/kubernetes/appTeams";
import { baselinePlacement, ContainerBaseline } from "./containerBaseline";
import { ContainerImage } from "./containerImage";
import { LOADTEST_COMPONENT, LoadTest, type LoadTestTarget, type LoadTestThresholds } from "./loadTest";
import { MEASURE_COMPONENT, ScaleMeasurement, type MeasurementTarget } from "./scaleMeasurement";
import type { MeasurementThresholds } from "../../lib/results/measurementResult";
import { SpinApplication } from "./spinApplication";
import { SpinWorkload } from "./spinWorkload";

/** The load-test gate's settings. */
export interface SpinAppLoadTest {
    /** Pass/fail limits; unset ones take the defaults (500 ms p99, 1% errors, 0 rps). @default the stack config defaults */
    thresholds?: Partial<LoadTestThresholds>;
    /** Seconds of load per target; 30 when unset. @default 30 */
    durationSeconds?: number;
    /** Concurrent connections; 10 when unset. @default 10 */
    connections?: number;
}

/** The scale measurement's settings (components/app/scaleMeasurement.ts). */
export interface SpinAppMeasure {
    /** N: replicas each twin is scaled to from 0; 20 when unset. @default 20 */
    replicas?: number;
    /** Rounds per target; 3 when unset. @default 3 */
    rounds?: number;
    /** Limits; 0 or unset checks nothing. @default none */
    thresholds?: MeasurementThresholds;
}

/** The same app as an ordinary container image, deployed beside it for comparison. */
export interface SpinAppContainerBaseline {
    /** Absolute path of the build context. */
    context: string;
    /** Absolute path of the Dockerfile. */
    dockerfile: string;
}

/**
 * Everything about the app itself: where its source is, how it runs, is exposed and is gated. Every field is a
 * plain value of a named type, so Pulumi's component analyzer can turn it into a schema (the component package,
 * packages/aks-wasm-app; platform-contracts PKG-2).
 */
export interface SpinAppSettings {
    /** Absolute path of the app's folder (the one holding `spin.toml`). */
    appDir: string;
    /** The app's name: repository, Deployment, Service and (by default) namespace; the folder's name when unset. @default the folder's name */
    appName?: string;
    /** Further files whose change rebuilds the app (e.g. a workspace root's package-lock.json); none when unset. @default [] */
    extraSourceFiles?: string[];
    /** Namespace of the app; `appName` when unset. @default appName */
    namespace?: string;
    /**
     * Create the namespace. An app team deploying with namespace-scoped rights sets `false` and uses a namespace
     * the platform created for it (`appTeams`). True when unset. @default true
     */
    createNamespace?: boolean;
    /** Replicas (the HPA's minimum); 3 when unset. @default 3 */
    replicas?: number;
    /** HPA upper bound; 0 or unset means no HPA. @default 0 */
    maxReplicas?: number;
    /** Container resources; unset ones take 50m/500m CPU, 64Mi/128Mi memory (requests/limits). @default 50m/500m CPU, 64Mi/128Mi memory */
    resources?: WorkloadResources;
    /** Host name to route; empty or unset means any host. @default "" */
    host?: string;
    /** A `kubernetes.io/tls` Secret in the app's namespace; needs `host`. Unset means HTTP only. @default "" (HTTP only) */
    tlsSecretName?: string;
    /**
     * Run the load-test gate after each rollout, with the platform's load generator image. Unset means no load test.
     * @default undefined (no load test)
     */
    loadTest?: SpinAppLoadTest;
    /** Also deploy this container image of the app and load-test both. Unset means none. @default undefined (none) */
    containerBaseline?: SpinAppContainerBaseline;
    /**
     * Measure scale-out, startup and footprint on twins of the app (and of the baseline) beside the load test,
     * with the platform's measurement image. Needs `loadTest`. Unset means no measurement. @default undefined (no measurement)
     */
    measure?: SpinAppMeasure;
}

export interface SpinAppArgs extends SpinAppSettings {
    /** The platform to build for and deploy onto. */
    platform: PlatformDescription;
}

/** Problems that would only surface halfway through registering the app. */
/** The egress ports the app's spin.toml declares (`allowed_outbound_hosts`), with any entry it cannot read. */
export function appOutboundPorts(appDir: string): { ports: OutboundPorts; problems: string[] } {
    const manifest = path.join(appDir, "spin.toml");
    if (!existsSync(manifest)) return { ports: [], problems: [] };
    const { ports, problems } = outboundPorts(manifestOutboundHosts(readFileSync(manifest, "utf8")));
    return { ports, problems: problems.map((p) => `${manifest}: ${p}`) };
}

/** Problems in the app's own settings, found without the platform (the component package checks them first). */
export function spinAppSettingsProblems(args: SpinAppSettings): string[] {
    const problems: string[] = [...appOutboundPorts(args.appDir).problems];
    if (args.measure && !args.loadTest) {
        problems.push("measure is set without loadTest: the footprint under load is sampled while the load test runs; set loadTest too, or leave measure unset");
    }
    return problems;
}

export function spinAppProblems(args: SpinAppArgs): string[] {
    const problems: string[] = spinAppSettingsProblems(args);
    if (args.loadTest && args.platform.loadTestImage === undefined) {
        problems.push(
            "loadTest is set, but the platform publishes no loadTestImage: turn aks-wasm:loadTest on in the platform stack, or leave loadTest unset",
        );
    }
    if (args.measure && args.platform.measureImage === undefined) {
        problems.push(
            "measure is set, but the platform publishes no measureImage: turn aks-wasm:measure on in the platform stack (contract 1.2), or leave measure unset",
        );
    }
    return problems;
}

export class SpinApp extends pulumi.ComponentResource {
    readonly build: SpinApplication;
    readonly workload: SpinWorkload;
    readonly exposure: AppExposure;
    readonly baseline?: ContainerBaseline;
    readonly loadTest?: LoadTest;
    readonly measurement?: ScaleMeasurement;
    /** The app as the outputs contract describes it. */
    readonly output: pulumi.Output<AppOutput>;
    /** The load test's results, when there is one. */
    readonly loadTestOutput?: pulumi.Output<AppLoadTestOutput>;

    constructor(name: string, args: SpinAppArgs, opts?: pulumi.ComponentResourceOptions) {
        const appName = args.appName ?? path.basename(args.appDir);
        const problems = spinAppProblems(args);
        if (problems.length > 0) throw new Error(`SpinApp "${appName}": invalid arguments:\n  - ${problems.join("\n  - ")}`);
        super("aks-wasm:index:SpinApp", name, {}, opts);
        const p = args.platform;
        // These components were children of the stack before SpinApp existed; the alias keeps their URNs
        // (platform-contracts PUL-4).
        const child = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        // Without the right to create namespaces (an app team), the Gateway goes to the `<ns>-gateway` the platform
        // made for the team's namespace (AppTeamAccess); else SpinApp creates `<app>-gateway` as before.
        const createNamespace = args.createNamespace ?? true;
        const gatewayNamespace = createNamespace ? defaultGatewayNamespace(appName) : teamGatewayNamespace(args.namespace ?? appName);

        this.build = new SpinApplication(
            appName,
            { appName, appDir: args.appDir, registry: p.registry, extraSourceFiles: args.extraSourceFiles ?? [] },
            child,
        );

        this.workload = new SpinWorkload(
            appName,
            {
                appName,
                image: this.build.imageRef,
                placement: p.wasmPlacement,
                provider: p.provider,
                allowedIngressFrom: exposureIngressSources(p.exposure.mode, appName, gatewayNamespace),
                namespace: args.namespace,
                createNamespace: args.createNamespace,
                replicas: args.replicas,
                maxReplicas: args.maxReplicas,
                resources: args.resources,
                version: this.build.tag,
            },
            { ...child, dependsOn: p.workloadDependsOn },
        );

        // Default-deny egress for the namespace, opened for exactly what this app's pods need (TRUST-8).
        const egress = new AppEgress(
            `${appName}-egress`,
            {
                appName,
                namespace: this.workload.namespaceName,
                appSelector: this.workload.selectorLabels,
                outboundPorts: appOutboundPorts(args.appDir).ports,
                loadTestPods: args.loadTest && p.loadTestImage !== undefined ? { "app.kubernetes.io/component": LOADTEST_COMPONENT } : undefined,
                measurePods:
                    args.loadTest && p.loadTestImage !== undefined && args.measure && p.measureImage !== undefined
                        ? { "app.kubernetes.io/component": MEASURE_COMPONENT }
                        : undefined,
                provider: p.provider,
            },
            { parent: this, dependsOn: [this.workload] },
        );

        this.exposure = new AppExposure(
            appName,
            {
                mode: p.exposure.mode,
                appName,
                namespace: this.workload.namespaceName,
                serviceName: this.workload.serviceName,
                provider: p.provider,
                host: args.host ?? "",
                ingressClassName: p.exposure.ingressClassName,
                gatewayClassName: p.exposure.gatewayClassName,
                tlsSecretName: args.tlsSecretName ?? "",
                gatewayNamespace,
                createGatewayNamespace: createNamespace,
            },
            { ...child, dependsOn: p.exposureDependsOn },
        );

        if (args.containerBaseline) {
            const image = new ContainerImage(
                `${appName}-container-image`,
                { repository: `${appName}-container`, context: args.containerBaseline.context, dockerfile: args.containerBaseline.dockerfile, registry: p.registry },
                child,
            );
            this.baseline = new ContainerBaseline(
                `${appName}-container`,
                {
                    appName: `${appName}-container`,
                    namespace: this.workload.namespaceName,
                    image: image.imageRef,
                    provider: p.provider,
                    // Same count and resources as the Wasm app: a fair comparison (an HPA on the app is the one difference).
                    replicas: args.replicas,
                    resources: args.resources,
                    // Same pool as the Wasm app (same VM size, same nodes), under runc: no RuntimeClass, only the
                    // pool's selector and toleration. The two targets then differ only in the runtime, and both
                    // load generators run on the system pool (docs/measurements.md, "Fair comparison"; SCHED-1).
                    ...baselinePlacement(p.wasmPlacement),
                },
                // What the Spin workload waits for: the Wasm pool's nodes exist (through the shim install, which the
                // baseline itself does not need) and the admission guard rails hold, before its pods are created.
                // (Also reached through the namespace when SpinWorkload creates it; not when it is the platform's.)
                { ...child, dependsOn: p.workloadDependsOn },
            );
        }

        if (args.loadTest && p.loadTestImage !== undefined) {
            const baseline = this.baseline;
            // Each generator keeps off its target's nodes (LoadTest `podSelector`: the Service's selector).
            const targets: LoadTestTarget[] = [{ name: "wasm", url: this.workload.serviceUrl, podSelector: this.workload.selectorLabels }];
            if (baseline) targets.push({ name: "container", url: baseline.serviceUrl, podSelector: baseline.selectorLabels });
            this.loadTest = new LoadTest(
                `${appName}-loadtest`,
                {
                    provider: p.provider,
                    namespace: this.workload.namespaceName,
                    image: p.loadTestImage,
                    targets,
                    rolloutTrigger: pulumi.all([this.build.imageRef, baseline?.image ?? ""]).apply((refs) => refs.join(",")),
                    kubeconfig: p.kubeconfig,
                    thresholds: args.loadTest.thresholds,
                    durationSeconds: args.loadTest.durationSeconds,
                    connections: args.loadTest.connections,
                    // After the egress allows: under default-deny the load test reaches the app only through them.
                    dependsOn: [this.workload, egress, ...(baseline ? [baseline] : [])],
                },
                child,
            );
            if (args.measure && p.measureImage !== undefined) {
                const workload = this.workload;
                // This rollout's load-test Job of one target, by its exact name (issue 19).
                const loadTestJob = (target: string) => this.loadTest!.plannedJobNames[target];
                const targets: MeasurementTarget[] = [
                    {
                        name: "wasm",
                        servingDeployment: workload.deploymentName,
                        servingSelector: workload.selectorLabels,
                        loadTestJob: loadTestJob("wasm"),
                        twinName: `${appName}-twin`,
                        podTemplate: (pod) => workload.podTemplate(pod),
                        image: this.build.imageRef,
                        dependsOn: [workload, egress],
                    },
                ];
                if (baseline) {
                    targets.push({
                        name: "container",
                        servingDeployment: baseline.deploymentName,
                        servingSelector: baseline.selectorLabels,
                        loadTestJob: loadTestJob("container"),
                        twinName: `${appName}-container-twin`,
                        podTemplate: (pod) => baseline.podTemplate(pod),
                        image: baseline.image,
                        dependsOn: [baseline, egress],
                    });
                }
                this.measurement = new ScaleMeasurement(
                    `${appName}-measure`,
                    {
                        provider: p.provider,
                        namespace: this.workload.namespaceName,
                        image: p.measureImage,
                        targets,
                        replicas: args.measure.replicas,
                        rounds: args.measure.rounds,
                        thresholds: args.measure.thresholds,
                        loadTestDurationSeconds: this.loadTest.settings.durationSeconds,
                        kubeconfig: p.kubeconfig,
                        registry: p.registry,
                    },
                    { parent: this },
                );
            }
            const measurement = this.measurement;
            this.loadTestOutput = pulumi.output({
                summaries: this.loadTest.summaries,
                comparison: this.loadTest.comparison,
                ...(measurement ? { measurements: measurement.summaries, measurementComparison: measurement.comparison } : {}),
            });
        }

        this.output = pulumi.output({
            image: this.build.imageRef,
            namespace: this.workload.namespaceName,
            serviceUrl: this.workload.serviceUrl,
            publicUrl: this.exposure.publicUrl,
        });
        this.registerOutputs({ output: this.output });
    }
}

/**
 * What the one-stack program's config says about the `index`-th app in `apps`: sizing, host, TLS, load test,
 * measurement and (first app only) the container baseline built from `projectDir`. Pure; the platform, app folder
 * and source files come from the caller.
 */
export function spinAppSettingsFromConfig(
    config: StackConfig,
    index: number,
    projectDir: string,
): Omit<SpinAppArgs, "platform" | "appDir" | "extraSourceFiles"> {
    return {
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
        measure: config.measure
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
                ? { context: projectDir, dockerfile: path.join(projectDir, "apps", "hello-wasm-container", "Dockerfile") }
                : undefined,
    };
}
