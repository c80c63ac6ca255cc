// Stand-ins for what Azure, the registry and the deploy-time commands return, for evaluating the program under
// the Pulumi SDK's mocks (lib/offline/offline.ts, `npm run render`, the tests, and the child process that loads the
// program the way `pulumi up` does). Plain CommonJS so that child can load it before Pulumi registers ts-node.
// Every value here is a stand-in and looks like one (`mock`, all-zero GUIDs, digests hashed from the inputs).
"use strict";
const { createHash } = require("node:crypto");

/** What AKS returns for `format=exec` with Entra ID: a kubelogin exec config in device-code mode. */
const MOCK_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: bW9jay1jYQ==
    server: https://mock.hcp.westeurope.azmk8s.io:443
  name: mock
contexts:
- context:
    cluster: mock
    user: clusterUser_mock_mock
  name: mock
current-context: mock
users:
- name: clusterUser_mock_mock
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 00000000-0000-0000-0000-0000000000aa
      - --login
      - devicecode
      env: null
      installHint: install kubelogin
      interactiveMode: IfAvailable
      provideClusterInfo: false
`;

const sha256 = (value) => createHash("sha256").update(JSON.stringify(value ?? null)).digest("hex");

/** A load-test summary line as apps/loadtest prints it; the numbers are placeholders, not measurements. */
function standInSummary(url) {
    return JSON.stringify({
        url,
        name: null,
        durationSeconds: 0,
        connections: 0,
        requests: 0,
        rps: 0,
        latency: { p50: 0, p95: 0, p99: 0 },
        errors: 0,
        non2xx: 0,
        timeouts: 0,
        errorRate: 0,
        verdict: "pass",
        breaches: [],
        standIn: "offline evaluation: no load was generated",
    });
}

/**
 * A measurement result line as apps/measure prints it (lib/results/measurementResult.ts: prefix "aks-wasm-measurement ",
 * schema 2) for the target the Job name carries (`<component>-<target>-<8 hex>`); nothing here was measured.
 */
function standInMeasurement(script) {
    const m = /job-name=[^']*-([a-z0-9]+)-[0-9a-f]{8}'/.exec(script);
    // One round that reached nothing (null): the shape a timed-out round has; no figure is invented.
    const none = { median: null, rounds: [null], timedOut: 1, timeoutSeconds: 1 };
    const footprint = { pods: 0, samples: 0, cpuMillicores: null, memoryMiB: null, maxMemoryMiB: null, noSampleReason: "offline evaluation: nothing was sampled" };
    return `aks-wasm-measurement ${JSON.stringify({
        schemaVersion: 2,
        target: m ? m[1] : "unknown",
        namespace: "stand-in",
        twinDeployment: "stand-in",
        servingDeployment: "stand-in",
        replicas: 1,
        rounds: 1,
        startedAt: "1970-01-01T00:00:00.000Z",
        finishedAt: "1970-01-01T00:00:00.000Z",
        allReady: none,
        firstResponse: none,
        scaleIn: none,
        footprint: { idle: footprint, underLoad: footprint },
        twinScaledToZero: true,
        thresholds: {},
        breaches: [],
        verdict: "pass",
        standIn: "offline evaluation: nothing was measured",
    })}`;
}

/**
 * Outputs the program reads from resources, keyed by resource type. In a preview, commands have not run and
 * images are not built, so their outputs stay unknown, as they do in a real `pulumi preview`.
 */
function mockOutputs(args, preview = false) {
    const id = `${args.name}-id`;
    const inputs = args.inputs || {};
    switch (args.type) {
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName || args.name };
        case "azure-native:containerservice:ManagedCluster":
            return {
                name: inputs.resourceName || args.name,
                fqdn: `${args.name}.mock.azmk8s.io`,
                oidcIssuerProfile: { enabled: true, issuerURL: `https://mock.oic.prod-aks.azure.com/${id}/` },
                identityProfile: {
                    kubeletidentity: {
                        objectId: "00000000-0000-0000-0000-00000000cafe",
                        clientId: "00000000-0000-0000-0000-00000000c11e",
                        resourceId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mock/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${id}-agentpool`,
                    },
                },
            };
        case "azure-native:containerregistry:Registry": {
            const name = String(inputs.registryName || args.name);
            return { name, loginServer: `${name.toLowerCase()}.azurecr.io` };
        }
        case "azure-native:containerservice:AgentPool":
            return { name: inputs.agentPoolName || args.name };
        case "docker-build:index:Image": {
            if (preview) return {};
            const digest = `sha256:${sha256(inputs.tags)}`;
            return { digest, ref: `${String((inputs.tags || [""])[0]).split(":")[0]}@${digest}` };
        }
        case "command:local:Command": {
            if (preview) return {};
            const script = String(inputs.create || "");
            if (script.includes("spin-build-push")) return { stdout: `Pushed with digest sha256:${sha256(inputs.triggers)}\n`, stderr: "" };
            // RuntimeImageMirror: one `<key> <repository>:<tag> <digest>` line per image, the digest a stand-in hashed from
            // the reference (no registry here; the real one is what ACR stored at the first import).
            if (script.includes("# rcm-image-mirror")) {
                const lines = [...script.matchAll(/^out="\$\{out\}(\S+) (\S+) \$d/gm)].map(([, key, ref]) => `${key} ${ref} sha256:${sha256(`stand-in:${ref}`)}`);
                return { stdout: `${lines.join("\n")}\n`, stderr: "" };
            }
            if (script.includes("kubectl") && script.includes("--container 'measure'")) return { stdout: `${standInMeasurement(script)}\n`, stderr: "" };
            if (script.includes("kubectl")) return { stdout: `${standInSummary("http://stand-in/")}\n`, stderr: "" };
            return { stdout: "", stderr: "" };
        }
        default:
            return {};
    }
}

/** Results of the provider functions the program calls. */
function mockInvoke(args) {
    switch (args.token) {
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(MOCK_KUBECONFIG).toString("base64") }] };
        case "azure-native:authorization:getClientConfig":
            return {
                clientId: "00000000-0000-0000-0000-00000000d3e1",
                objectId: "00000000-0000-0000-0000-00000000d3e1",
                subscriptionId: "00000000-0000-0000-0000-000000000000",
                tenantId: "00000000-0000-0000-0000-0000000000aa",
            };
        case "command:local:run":
            // The registry token helper (lib/registry/acrToken.cjs) run at program time; a stand-in token.
            if (String((args.inputs || {}).command || "").endsWith("acrToken.cjs")) return { stdout: "stand-in-acr-token", stderr: "" };
            // The registry manifest reader (lib/registry/registryManifest.cjs); a stand-in size, not a registry's answer.
            if (String((args.inputs || {}).command || "").endsWith("registryManifest.cjs")) return { stdout: '{"pulledBytes":0,"manifestDigest":"sha256:stand-in","mediaType":"stand-in"}\n', stderr: "" };
            return { stdout: "", stderr: "" };
        default:
            return {};
    }
}

/** Pulumi's wire form of a secret: `{ [SIG_KEY]: SECRET_SIG, value }`. Recorded inputs and outputs keep it. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded (wire-form) value is a secret. */
function isWireSecret(value) {
    return typeof value === "object" && value !== null && value[SIG_KEY] === SECRET_SIG;
}

module.exports = { MOCK_KUBECONFIG, mockOutputs, mockInvoke, isWireSecret };
