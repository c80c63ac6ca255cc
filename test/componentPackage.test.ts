/**
 * packages/aks-wasm-app, the SpinApp component package, as an app team gets it: packed with `npm pack` (which
 * builds it), installed with npm into a TypeScript project outside the repository, offline, then
 *   - read by Pulumi's own component analyzer (the code `pulumi package add` runs to make a schema for Python, Go,
 *     .NET, Java and YAML): the schema's inputs, types, descriptions and outputs;
 *   - run the way `pulumi up` runs it (Pulumi's Node.js entry point, ts-node, the project's tsconfig) under the
 *     SDK's mocks, against a stand-in for the platform stack's outputs: it deploys the quotes app, and refuses a
 *     platform of another contract major, and a gateway platform without the quotes team's Gateway namespace.
 * Installing offline: the package's own dependencies come from npm's cache (`npm ci` of this repository fills it
 * with every tarball the lockfile names), and its peer dependencies, the Pulumi SDKs, are links into this
 * repository's node_modules, as an app team's project would already have them (platform-contracts PKG-6).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "../outputs";
import { ACR_TOKEN_HELPER } from "../components/app/containerImage";
import { REGISTRY_MANIFEST_HELPER } from "../components/app/scaleMeasurement";
import { SPIN_BUILD_PUSH_SCRIPT } from "../components/app/spinApplication";

const exec = promisify(execFile);
const root = path.resolve(__dirname, "..");
const packageDir = path.join(root, "packages", "aks-wasm-app");
const packageJson = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
/** The Pulumi SDKs the package declares as peers, plus the Node types the project's TypeScript needs. */
const LINKED = [...Object.keys(packageJson.peerDependencies), "@types/node"];
/** Under `npm test` npm_execpath is the npm that runs us; otherwise the npm on PATH (as test/appDev.test.ts). */
function npm(args: string[], cwd: string) {
    const [command, prefix] = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
    return exec(command, [...prefix, ...args], { cwd, timeout: 180_000 });
}

const PLACEMENT = {
    runtimeClassName: "wasmtime-spin-v2",
    nodeSelector: { "aks-wasm/pool": "wasm-outside" },
    tolerations: [{ key: "aks-wasm/pool", operator: "Equal", value: "wasm-outside", effect: "NoSchedule" }],
};
const LOADTEST_IMAGE = `acrplatform.azurecr.io/loadtest@sha256:${"ab".repeat(32)}`;
const KUBECONFIG = "apiVersion: v1\nkind: Config\n# platform kubeconfig stand-in (outside project)\n";

function platformOutputs(overrides: Partial<StackOutputs> = {}): Partial<StackOutputs> {
    return {
        contractVersion: OUTPUTS_CONTRACT_VERSION,
        kubeconfig: KUBECONFIG,
        acrLoginServer: "acrplatform.azurecr.io",
        acrName: "acrplatform",
        acrResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrplatform",
        wasmPlacement: PLACEMENT as StackOutputs["wasmPlacement"],
        ingressMode: "gateway",
        ingressClassName: "internal.example.com",
        gatewayClassName: "approuting-istio",
        loadTestImage: LOADTEST_IMAGE,
        teamGatewayNamespaces: { quotes: "quotes-gateway" },
        ...overrides,
    };
}

/** The app team's program: TypeScript, importing the package by name, nothing from this repository. */
const PROGRAM = `import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SpinApp } from "aks-wasm-app";

const config = new pulumi.Config();
const app = new SpinApp("quotes", {
    platformStack: config.require("platformStack"),
    appDir: config.get("appDir") ?? path.join(__dirname, "quotes"),
    createNamespace: false,
    replicas: 2,
    loadTest: { durationSeconds: 20 },
});
export const platformContractVersion = app.platformContractVersion;
export const image = app.image;
export const serviceUrl = app.serviceUrl;
`;

/**
 * The outside project's lockfile: the tarball, and the closure of its dependencies with this repository's
 * lockfile entries (version and integrity) for them.
 */
function outsideLockfile(tgz: string, pkg: { name: string; version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string> }) {
    const repoLock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")).packages as Record<string, { dependencies?: Record<string, string> }>;
    const packages: Record<string, unknown> = {
        "": { name: "outside-team", dependencies: { [pkg.name]: `file:${tgz}` } },
        [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: `file:${tgz}`, dependencies: pkg.dependencies, peerDependencies: pkg.peerDependencies },
    };
    const pending = Object.keys(pkg.dependencies);
    while (pending.length > 0) {
        const name = pending.shift()!;
        const entry = repoLock[`node_modules/${name}`];
        assert.ok(entry, `${name} is in this repository's lockfile`);
        if (packages[`node_modules/${name}`]) continue;
        packages[`node_modules/${name}`] = entry;
        pending.push(...Object.keys(entry.dependencies ?? {}));
    }
    return { name: "outside-team", lockfileVersion: 3, requires: true, packages };
}

let work: string;
let project: string;
let tarball: string;

interface RunResult {
    resources: { type: string; name: string; inputs: Record<string, any> }[];
    urns: string[];
    outputs: Record<string, unknown>;
    /** What the CLI would report, in order. */
    failures: { name: string; message: string }[];
}

/**
 * The run's first failure. The SDK reports an output's error where it serializes it, prefixing the error's own
 * message with `error serializing property "<name>": ` (platform-contracts PKG-5).
 */
function failureOf(result: RunResult): { name: string; message: string } | undefined {
    return result.failures[0];
}

/** One `pulumi up` of the outside project under mocks, in its own process (the SDK's runtime state is global). */
async function runOutside(platform: Record<string, unknown>, config: Record<string, string> = {}): Promise<RunResult> {
    const stateFile = path.join(work, `platform-${Date.now()}-${Math.random()}.json`);
    const resultFile = `${stateFile}.result.json`;
    writeFileSync(stateFile, JSON.stringify({ outputs: platform, secretOutputNames: ["kubeconfig"] }));
    const pulumiConfig = Object.fromEntries(
        Object.entries({ platformStack: "organization/aks-wasm/dev", ...config }).map(([k, v]) => [`outside-team:${k}`, v]),
    );
    await exec(process.execPath, [path.join(root, "test", "helpers", "outside-project-run.cjs"), project, "outside-team", "dev", stateFile, resultFile], {
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify(pulumiConfig) },
        timeout: 180_000,
    });
    return JSON.parse(readFileSync(resultFile, "utf8"));
}

before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "aks-wasm-app-package-"));
    // `npm pack` runs the package's prepack (the build), as publishing would.
    const { stdout } = await npm(["pack", "--json", "--pack-destination", work], packageDir);
    tarball = path.join(work, JSON.parse(stdout)[0].filename);

    project = path.join(work, "outside-team");
    mkdirSync(project);
    writeFileSync(path.join(project, "Pulumi.yaml"), "name: outside-team\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    writeFileSync(
        path.join(project, "package.json"),
        JSON.stringify({ name: "outside-team", private: true, main: "index.ts", dependencies: { "aks-wasm-app": `file:${tarball}` } }, null, 2),
    );
    writeFileSync(
        path.join(project, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "nodenext", moduleResolution: "nodenext", types: ["node"] }, files: ["index.ts"] }),
    );
    writeFileSync(path.join(project, "index.ts"), PROGRAM);
    cpSync(path.join(root, "examples", "app-stack", "quotes"), path.join(project, "quotes"), {
        recursive: true,
        filter: (src) => !/[/\\](node_modules|dist)$/.test(src),
    });
    // Offline: the package's dependencies from npm's cache. A lockfile names them by integrity (the same tarballs
    // this repository's lockfile pins, so `npm ci` here has cached them); without one npm would ask the registry
    // for their metadata. Its peers are not installed by npm (--legacy-peer-deps)...
    writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(outsideLockfile(tarball, packageJson), null, 2));
    await npm(["ci", "--offline", "--legacy-peer-deps", "--no-audit", "--no-fund", "--ignore-scripts"], project);
    // ...but linked to the SDKs already on this machine, as an app team's project has its own.
    for (const name of LINKED) {
        const link = path.join(project, "node_modules", name);
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(path.join(root, "node_modules", name), link, "dir");
    }
});

after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
    test("holds the compiled SpinApp, the files it runs at deploy time, and no platform program", async () => {
        const { stdout } = await exec("tar", ["-tzf", tarball]);
        const files = stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
        for (const needed of [
            "PulumiPlugin.yaml",
            "index.ts",
            "tsconfig.json",
            "CHANGELOG.md",
            "dist/packages/aks-wasm-app/src/index.js",
            "dist/packages/aks-wasm-app/src/index.d.ts",
            "dist/components/app/spinApp.js",
            "dist/scripts/spin-build-push.sh",
            "dist/scripts/acr-login.sh",
            "dist/lib/registry/acrToken.cjs",
            "dist/lib/registry/registryManifest.cjs",
        ]) {
            assert.ok(files.includes(needed), `${needed} is in the tarball`);
        }
        assert.deepEqual(files.filter((f) => f.startsWith("dist/components/platform/") || f === "dist/index.js" || f.startsWith("src/")), []);
        assert.deepEqual(files.filter((f) => f.startsWith("dist/test/") || f.startsWith("dist/scripts/") && !f.endsWith(".sh")), []);
    });

    test("ships every file the compiled modules run by path, where they look for it", () => {
        // The paths the platform program's modules compute from their own folder; the package's dist/ mirrors the
        // repository's layout, so each must exist at the same place under dist/ (build.cjs copies them).
        const installedDist = path.join(project, "node_modules", "aks-wasm-app", "dist");
        for (const file of [SPIN_BUILD_PUSH_SCRIPT, ACR_TOKEN_HELPER, REGISTRY_MANIFEST_HELPER]) {
            const shipped = path.join(installedDist, path.relative(root, file));
            assert.ok(existsSync(shipped), `${path.relative(root, file)} is shipped at ${path.relative(project, shipped)}`);
        }
    });

    test("its version follows the outputs contract: same major and minor, and a CHANGELOG entry for it", () => {
        const [major, minor] = String(packageJson.version).split(".");
        assert.equal(`${major}.${minor}`, OUTPUTS_CONTRACT_VERSION);
        const changelog = readFileSync(path.join(packageDir, "CHANGELOG.md"), "utf8");
        assert.match(changelog, new RegExp(`^## ${packageJson.version.replace(/\./g, "\\.")} `, "m"));
    });
});

describe("Pulumi's component analyzer on the installed package", () => {
    let schema: any;
    before(async () => {
        const installed = path.join(project, "node_modules", "aks-wasm-app");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental");
        // The name `pulumi package add` gives it: package.json's name without scope (run-plugin; PKG-5).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { SpinApp } = require(installed);
        schema = JSON.parse(await new ComponentProvider({ name: "aks-wasm-app", dirname: installed, components: [SpinApp] }).getSchema());
    });

    test("names the package and its version, and SpinApp as a component", () => {
        assert.equal(schema.name, "aks-wasm-app");
        assert.equal(schema.version, packageJson.version);
        assert.deepEqual(Object.keys(schema.resources), ["aks-wasm-app:index:SpinApp"]);
        assert.equal(schema.resources["aks-wasm-app:index:SpinApp"].isComponent, true);
    });

    test("takes the platform by its stack's name and the app's settings as plain values, each described", () => {
        const spinApp = schema.resources["aks-wasm-app:index:SpinApp"];
        const inputs = spinApp.inputProperties;
        assert.deepEqual(spinApp.requiredInputs.sort(), ["appDir", "platformStack"]);
        const shape = Object.fromEntries(Object.entries<any>(inputs).map(([k, v]) => [k, v.type ?? v.$ref]));
        assert.deepEqual(shape, {
            platformStack: "string",
            appDir: "string",
            appName: "string",
            extraSourceFiles: "array",
            namespace: "string",
            createNamespace: "boolean",
            replicas: "number",
            maxReplicas: "number",
            resources: "#/types/aks-wasm-app:index:WorkloadResources",
            host: "string",
            tlsSecretName: "string",
            loadTest: "#/types/aks-wasm-app:index:SpinAppLoadTest",
            containerBaseline: "#/types/aks-wasm-app:index:SpinAppContainerBaseline",
            measure: "#/types/aks-wasm-app:index:SpinAppMeasure",
        });
        for (const [key, input] of Object.entries<any>(inputs)) {
            assert.ok(input.description && input.description.length > 10, `input ${key} is described`);
            assert.equal(input.plain, true, `input ${key} is a plain value`);
        }
        assert.match(inputs.platformStack.description, /<organization>\/<project>\/<stack>/);
        assert.match(inputs.replicas.description, /3 when unset/, "a default reaches the schema in prose (the analyzer drops @default)");
        assert.equal(inputs.extraSourceFiles.items.type, "string");
    });

    test("describes every nested type and every property in it", () => {
        const types = schema.types;
        assert.deepEqual(Object.keys(types).sort(), [
            "aks-wasm-app:index:AppOutput",
            "aks-wasm-app:index:MeasurementThresholds",
            "aks-wasm-app:index:PartialLoadTestThresholds",
            "aks-wasm-app:index:SpinAppContainerBaseline",
            "aks-wasm-app:index:SpinAppLoadTest",
            "aks-wasm-app:index:SpinAppMeasure",
            "aks-wasm-app:index:WorkloadResources",
        ]);
        for (const [name, type] of Object.entries<any>(types)) {
            for (const [key, prop] of Object.entries<any>(type.properties)) {
                assert.ok(prop.description, `${name}.${key} is described`);
            }
        }
        assert.deepEqual(Object.keys(types["aks-wasm-app:index:WorkloadResources"].properties), ["cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"]);
        assert.deepEqual(types["aks-wasm-app:index:SpinAppContainerBaseline"].required.sort(), ["context", "dockerfile"]);
    });

    test("outputs the contract version and the deployed app, each described", () => {
        const spinApp = schema.resources["aks-wasm-app:index:SpinApp"];
        const shape = Object.fromEntries(Object.entries<any>(spinApp.properties).map(([k, v]) => [k, v.type ?? v.$ref]));
        assert.deepEqual(shape, {
            platformContractVersion: "string",
            image: "string",
            namespace: "string",
            serviceUrl: "string",
            publicUrl: "string",
            app: "#/types/aks-wasm-app:index:AppOutput",
        });
        assert.deepEqual(spinApp.required.sort(), ["app", "image", "namespace", "platformContractVersion", "serviceUrl"], "publicUrl may be absent");
        for (const [key, output] of Object.entries<any>(spinApp.properties)) assert.ok(output.description, `output ${key} is described`);
    });
});

describe("a TypeScript project outside the repository, with the package installed", () => {
    test("deploys the quotes app onto the platform its outputs describe", async () => {
        const result = await runOutside(platformOutputs());
        assert.deepEqual(result.failures, []);
        const byType = (type: string) => result.resources.filter((r) => r.type === type);
        assert.ok(result.urns.some((u) => /[:$]aks-wasm-app:index:SpinApp::quotes$/.test(u)), `the package's component, by its schema token: ${result.urns.join(" ")}`);

        const build = byType("command:local:Command").find((r) => r.name === "quotes-build-push");
        assert.ok(build, "quotes is built and pushed");
        assert.equal(build.inputs.dir, "quotes", "from the outside project's own folder");
        assert.match(build.inputs.create, /^bash '?\.\.\/node_modules\/aks-wasm-app\/dist\/scripts\/spin-build-push\.sh'?$/, "with the script the package ships");
        assert.equal(build.inputs.environment.ACR_LOGIN_SERVER, "acrplatform.azurecr.io");

        const deployment = byType("kubernetes:apps/v1:Deployment").find((r) => r.name === "quotes-deployment");
        assert.ok(deployment);
        const pod = deployment.inputs.spec.template.spec;
        assert.equal(pod.runtimeClassName, PLACEMENT.runtimeClassName);
        assert.deepEqual(pod.nodeSelector, PLACEMENT.nodeSelector, "the platform's placement");
        assert.match(pod.containers[0].image, /^acrplatform\.azurecr\.io\/quotes@sha256:[0-9a-f]{64}$/);
        assert.equal(deployment.inputs.spec.replicas, 2);
        // The default (gateway) platform: the Gateway goes into the <namespace>-gateway the platform made for the
        // team, and the team's stack creates no namespace (docs/app-teams.md).
        assert.deepEqual(byType("kubernetes:networking.k8s.io/v1:Ingress"), []);
        const gateways = byType("kubernetes:gateway.networking.k8s.io/v1:Gateway");
        assert.deepEqual(gateways.map((g) => [g.inputs.metadata.namespace, g.inputs.spec.gatewayClassName]), [["quotes-gateway", "approuting-istio"]]);
        const routes = byType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.ok(routes.length > 0 && routes.every((r) => r.inputs.spec.parentRefs.every((p: any) => p.namespace === "quotes-gateway")), "routes attach to that Gateway");
        assert.equal(byType("kubernetes:batch/v1:Job")[0]?.inputs.spec.template.spec.containers[0].image, LOADTEST_IMAGE);
        assert.deepEqual(byType("kubernetes:core/v1:Namespace"), [], "the platform's namespace is used, not created");

        const provider = byType("pulumi:providers:kubernetes")[0];
        assert.equal(provider.inputs.kubeconfig?.value, KUBECONFIG);
        assert.ok(provider.inputs.kubeconfig["4dabf18193072939515e22adb298388d"], "the provider gets the kubeconfig as a secret");
        assert.equal(result.outputs.platformContractVersion, OUTPUTS_CONTRACT_VERSION);
        assert.equal(result.outputs.serviceUrl, "http://quotes.quotes.svc.cluster.local");
        assert.ok(!JSON.stringify(result.outputs).includes("kubeconfig stand-in"));
    });

    test("refuses a platform of another contract major, naming both versions, before anything uses the platform", async () => {
        const result = await runOutside(platformOutputs({ contractVersion: "2.0" }));
        const failure = failureOf(result);
        assert.equal(failure?.name, "PlatformContractError");
        assert.match(failure.message, /^error serializing property "outputs": Stack 'organization\/aks-wasm\/dev' publishes outputs contract 2\.0, but this program reads contract 1\.x/);
        assert.deepEqual(result.resources.map((r) => r.type).sort(), ["aks-wasm-app:index:SpinApp", "pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"]);
    });

    test("refuses a gateway platform before contract 1.4, or one without its namespace, before any Kubernetes resource", async () => {
        // A gateway platform deployed before 1.4 made no quotes-gateway: refused, with the platform stack, its
        // contract and the fix, instead of failing at the Gateway with `namespaces "quotes-gateway" not found`.
        const { teamGatewayNamespaces: _t, ...before14 } = platformOutputs({ contractVersion: "1.3" });
        const old = await runOutside(before14);
        assert.equal(failureOf(old)?.name, "PlatformContractError");
        assert.match(
            failureOf(old)?.message ?? "",
            /^error serializing property "outputs": Stack 'organization\/aks-wasm\/dev' publishes outputs contract 1\.3 with ingressMode "gateway", but no teamGatewayNamespaces .*Update the platform stack 'organization\/aks-wasm\/dev' \(pulumi up with this release\)/s,
        );
        assert.deepEqual(old.resources.map((r) => r.type).sort(), ["aks-wasm-app:index:SpinApp", "pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"], "not even the Kubernetes provider");

        const elsewhere = await runOutside(platformOutputs({ teamGatewayNamespaces: { shop: "shop-gateway" } }));
        assert.match(failureOf(elsewhere)?.message ?? "", /namespace "quotes" is not a team namespace of stack 'organization\/aks-wasm\/dev' .*its team namespaces: "shop"\. Add "quotes" to the platform's appTeams/s);
        assert.ok(!elsewhere.resources.some((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:") || r.type.startsWith("command:")));
    });

    test("refuses a platform that lacks outputs, listing every one", async () => {
        const { acrResourceId: _a, ingressClassName: _i, ...lacking } = platformOutputs({ contractVersion: "1.0" });
        const result = await runOutside(lacking);
        assert.match(failureOf(result)?.message ?? "", /\(contract 1\.0\) lacks what an app stack needs \(2 problems\):\n {2}- acrResourceId: missing.*\n {2}- ingressClassName: missing/);
        assert.ok(!result.resources.some((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("command:")));
    });

    test("refuses to load-test when the platform publishes no load generator image", async () => {
        const { loadTestImage: _l, ...noImage } = platformOutputs();
        const result = await runOutside(noImage);
        assert.match(failureOf(result)?.message ?? "", /^error serializing property "outputs": SpinApp "quotes": invalid arguments:\n {2}- loadTest is set, but the platform publishes no loadTestImage/);
        assert.ok(!result.resources.some((r) => r.type.startsWith("kubernetes:apps/") || r.type.startsWith("command:")));
    });

    test("refuses bad arguments before registering anything, every problem at once", async () => {
        const result = await runOutside(platformOutputs(), { platformStack: "not a stack name", appDir: "quotes" });
        assert.match(failureOf(result)?.message ?? "", /^SpinApp "quotes": invalid arguments:\n {2}- platformStack "not a stack name": expected the platform stack's name.*\n {2}- appDir "quotes": expected an absolute path/);
        assert.deepEqual(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "nothing registered, not even the StackReference");
    });
});
