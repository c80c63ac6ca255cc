/**
 * The app stack: read the platform through its outputs (a StackReference), then deploy one Spin app on it with
 * `SpinApp` - its own build and push, workload on the Wasm pool, exposure and load-test gate. It registers no
 * platform resource: the cluster, pool, runtime, registry and this team's namespace are the platform stack's.
 *
 * The identity running it needs (docs/app-teams.md, "Rights for app teams"): AcrPush on the platform's registry and
 * "Azure Kubernetes Service RBAC Writer" in its namespace, both granted by the platform's `appTeams`, and read
 * access to the platform stack's state.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SpinApp } from "../../components/app/spinApp";
import { appManifestProblems } from "../../components/app/spinApplication";
import { platformFromStackReference } from "../../lib/contract/platformContract";
import type { AppOutput } from "../../outputs";

/** The platform stack read when `platformStack` is not set: the dev stack on a DIY backend. */
export const DEFAULT_PLATFORM_STACK = "organization/aks-wasm/dev";

/** What this stack exports. */
export interface AppStackOutputs {
    /** The platform's outputs contract version. */
    platformContractVersion: string;
    /** The deployed app: image by digest, namespace, in-cluster and public URL. */
    app: pulumi.Output<AppOutput>;
}

/** The app this stack deploys. */
export const QUOTES_DIR = path.join(__dirname, "quotes");

/** @param appDir the app's folder (tests point it elsewhere). @default QUOTES_DIR */
export async function deployAppStack(appDir: string = QUOTES_DIR): Promise<AppStackOutputs> {
    // The app's spin.toml is checked before any resource (the StackReference included): a broken manifest fails
    // here naming its file, line and fix, as the platform stack's config validation does.
    const manifestProblems = appManifestProblems(appDir);
    if (manifestProblems.length > 0) throw new Error(`quotes: invalid spin.toml:\n${manifestProblems.map((p) => `  - ${p}`).join("\n")}`);
    const config = new pulumi.Config();
    const platformStack = config.get("platformStack") || DEFAULT_PLATFORM_STACK;
    const ref = new pulumi.StackReference("platform", { name: platformStack });
    // Checked before any resource that uses the platform is registered: another contract major or a missing
    // field fails here with one message.
    const platform = await platformFromStackReference(ref, platformStack);

    const loadTest = config.getBoolean("loadTest") ?? true;
    const app = new SpinApp("quotes", {
        platform,
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
    return { platformContractVersion: platform.contractVersion, app: app.output };
}
