/**
 * The app stack: one Spin app on an aks-wasm platform with the `aks-wasm-app` component package, the way an app
 * team's own repository uses it (installed by name; no import from the platform program's source). `SpinApp`
 * reads the platform stack's outputs itself, checks the outputs contract before it deploys anything that uses the
 * platform, then builds and pushes the app, runs it on the Wasm pool, exposes it and gates it with the load test.
 * It registers no platform resource: the cluster, pool, runtime, registry and this team's namespace are the
 * platform stack's.
 *
 * The identity running it needs (docs/app-teams.md, "Rights for app teams"): Container Registry Repository Writer
 * on its repository and "Azure Kubernetes Service RBAC Writer" in its namespace, both granted by the platform's
 * `appTeams`, and read access to the platform stack's state.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SpinApp, type AppOutput } from "aks-wasm-app";

/** The platform stack read when `platformStack` is not set: the dev stack on a DIY backend. */
export const DEFAULT_PLATFORM_STACK = "organization/aks-wasm/dev";

/** What this stack exports. */
export interface AppStackOutputs {
    /** The platform's outputs contract version. */
    platformContractVersion: pulumi.Output<string>;
    /** The deployed app: image by digest, namespace, in-cluster and public URL. */
    app: pulumi.Output<AppOutput>;
}

/** The app this stack deploys. */
export const QUOTES_DIR = path.join(__dirname, "quotes");

/** @param appDir the app's folder (tests point it elsewhere). @default QUOTES_DIR */
export function deployAppStack(appDir: string = QUOTES_DIR): AppStackOutputs {
    const config = new pulumi.Config();
    const loadTest = config.getBoolean("loadTest") ?? true;
    // Bad arguments (the app's spin.toml included) fail here, before anything is registered; another contract
    // major or a missing platform output fails before anything that uses the platform is.
    const app = new SpinApp("quotes", {
        platformStack: config.get("platformStack") || DEFAULT_PLATFORM_STACK,
        appDir,
        // The repository's root lockfile pins the app's toolchain (it is an npm workspace member here).
        extraSourceFiles: [path.join(__dirname, "..", "..", "package-lock.json")],
        namespace: config.get("namespace") || "quotes",
        // The platform created the namespace for this team; namespace-scoped rights cannot create one.
        createNamespace: false,
        replicas: config.getNumber("replicas") ?? 2,
        host: config.get("host") ?? "",
        loadTest: loadTest ? { durationSeconds: 20 } : undefined,
    });
    return { platformContractVersion: app.platformContractVersion, app: app.app };
}
