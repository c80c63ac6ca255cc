/**
 * `SpinApp` for app teams: one Spin app on an aks-wasm platform that the component finds by the platform stack's
 * name. It reads the platform stack's outputs itself (a StackReference), checks the outputs contract
 * (lib/contract/platformContract.ts: another major, a missing or malformed output, all reported at once), builds the
 * Kubernetes provider from the kubeconfig kept secret, and deploys the app with the platform program's own
 * SpinApp (components/app/spinApp.ts). Every argument and output is a plain value of a named type, so the same
 * class serves a TypeScript stack (npm) and, through Pulumi's component analyzer, Python, Go, .NET, Java and YAML
 * (`pulumi package add`; platform-contracts PKG-1 to PKG-5).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SpinApp as PlatformSpinApp, spinAppSettingsProblems, type SpinAppSettings } from "../../../components/app/spinApp";
import { validateSpinApplicationArgs } from "../../../components/app/spinApplication";
import { platformFromStackReference } from "../../../lib/contract/platformContract";
import type { AppOutput } from "../../../outputs";

/** `<organization>/<project>/<stack>`, or the shorter forms a StackReference also takes (`<stack>`, `<project>/<stack>`). */
const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

export interface SpinAppArgs extends SpinAppSettings {
    /**
     * The aks-wasm platform stack to deploy onto, as `<organization>/<project>/<stack>` (e.g.
     * `organization/aks-wasm/dev` on a DIY backend). The component reads that stack's outputs and refuses another
     * outputs-contract major or a missing output before it deploys anything that uses the platform; the identity
     * running `pulumi up` needs read access to that stack's state.
     */
    platformStack: string;
}

/**
 * Problems with the arguments that need no platform, each naming the argument, its value and what is accepted:
 * checked before the component registers anything, the StackReference included.
 */
export function spinAppInputProblems(args: SpinAppArgs): string[] {
    const problems: string[] = [];
    if (typeof args.platformStack !== "string" || !STACK_NAME.test(args.platformStack)) {
        problems.push(
            `platformStack ${JSON.stringify(args.platformStack)}: expected the platform stack's name, <organization>/<project>/<stack> (e.g. "organization/aks-wasm/dev")`,
        );
    }
    if (typeof args.appDir !== "string" || !path.isAbsolute(args.appDir)) {
        // From another language the component runs in the plugin's own process and working directory, where a
        // relative path would name another folder than the caller meant.
        problems.push(
            `appDir ${JSON.stringify(args.appDir)}: expected an absolute path to the folder holding spin.toml (TypeScript: path.join(__dirname, "quotes"); Python: os.path.abspath("quotes"); YAML: \${pulumi.cwd}/quotes)`,
        );
        return problems;
    }
    const appName = args.appName ?? path.basename(args.appDir);
    // The registry is the platform's, unknown until the StackReference is read; only the app's own fields are checked here.
    problems.push(...validateSpinApplicationArgs({ appName, appDir: args.appDir, registry: { loginServer: "", name: "" } }));
    problems.push(...spinAppSettingsProblems(args));
    return problems;
}

/**
 * One Spin app on an aks-wasm platform: built and pushed to the platform's registry, run on its Wasm pool,
 * exposed the way the platform exposes apps, and (when asked) gated by a load test.
 */
export class SpinApp extends pulumi.ComponentResource {
    /** The outputs contract version the platform stack publishes (`MAJOR.MINOR`). */
    readonly platformContractVersion: pulumi.Output<string>;
    /** The app's image, pinned by digest: `<login server>/<app>@sha256:<hex>`. */
    readonly image: pulumi.Output<string>;
    /** The namespace the app runs in. */
    readonly namespace: pulumi.Output<string>;
    /** The in-cluster URL of the app's Service. */
    readonly serviceUrl: pulumi.Output<string>;
    /** The public URL, when the platform exposes apps and the address is known. */
    readonly publicUrl: pulumi.Output<string | undefined>;
    /** The app as the outputs contract's `apps` entry describes it: image, namespace, in-cluster and public URL. */
    readonly app: pulumi.Output<AppOutput>;

    constructor(name: string, args: SpinAppArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super(), so that bad arguments register nothing, not even the StackReference.
        const problems = spinAppInputProblems(args);
        if (problems.length > 0) throw new Error(`SpinApp "${name}": invalid arguments:\n  - ${problems.join("\n  - ")}`);
        super("aks-wasm-app:index:SpinApp", name, {}, opts);

        const deployed = deployOnPlatform(this, name, args);
        // A refused platform fails the run through the outputs (the SDK reports an output's error where it
        // serializes it); rethrown where nothing catches it, it also reaches Pulumi's handler of unhandled errors
        // (the CLI's run, or the plugin host answering `construct`) should nothing serialize them (PKG-5).
        deployed.catch((error: unknown) => {
            throw error;
        });
        this.platformContractVersion = pulumi.output(deployed.then((d) => d.contractVersion));
        this.app = pulumi.output(deployed.then((d) => d.app));
        this.image = this.app.image;
        this.namespace = this.app.namespace;
        this.serviceUrl = this.app.serviceUrl;
        this.publicUrl = this.app.apply((a) => a.publicUrl);
        this.registerOutputs({ platformContractVersion: this.platformContractVersion, app: this.app });
    }
}

/**
 * Reads and checks the platform, then deploys the app with the platform program's SpinApp, as children of
 * `parent`. A function, not a method: the analyzer reads every class member as an output (PKG-3).
 */
async function deployOnPlatform(
    parent: SpinApp,
    name: string,
    args: SpinAppArgs,
): Promise<{ contractVersion: string; app: pulumi.Output<AppOutput> }> {
    const { platformStack, ...settings } = args;
    // The StackReference and provider were the app stack's own (named "platform") before this component existed;
    // the aliases keep their URNs (platform-contracts PUL-4).
    const formerly = [{ name: "platform", parent: pulumi.rootStackResource }];
    const ref = new pulumi.StackReference(`${name}-platform`, { name: platformStack }, { parent, aliases: formerly });
    // Without the right to create its namespace, the app's Gateway needs the platform's `<ns>-gateway`: checked
    // before the provider or any Kubernetes resource is registered (teamGatewayProblems, contract 1.4).
    const appNamespace = settings.namespace ?? settings.appName ?? path.basename(settings.appDir);
    const platform = await platformFromStackReference(ref, platformStack, {
        providerName: `${name}-platform`,
        parent,
        aliases: formerly,
        ...((settings.createNamespace ?? true) ? {} : { appNamespace }),
    });
    const app = new PlatformSpinApp(name, { ...settings, platform }, { parent, aliases: [{ parent: pulumi.rootStackResource }] });
    return { contractVersion: platform.contractVersion, app: app.output };
}
