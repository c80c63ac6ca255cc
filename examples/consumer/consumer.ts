/**
 * The consumer program: read an aks-wasm stack's outputs through a StackReference, refuse an incompatible outputs
 * contract, then deploy one small object into the app's namespace with the stack's kubeconfig.
 *
 * Non-secret outputs are read as plain values (`requireOutputValue`), so the contract is checked before any
 * resource that depends on the referenced stack is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "../../outputs";
import { checkContractVersion, selectApp } from "./contract";

/** Stack read when `aksWasmStack` is not set: the dev stack on a DIY backend. */
export const DEFAULT_AKS_WASM_STACK = "organization/aks-wasm/dev";

/** What this example exports. */
export interface ConsumerOutputs {
    /** The referenced stack's contract version. */
    contractVersion: string;
    /** The app's public URL when it has one, its in-cluster URL otherwise. */
    appUrl: string;
    appNamespace: string;
    /** Name of the ConfigMap written into the app's namespace. */
    configMapName: pulumi.Output<string>;
}

/** One non-secret output of the referenced stack, typed by the contract. */
function readOutput<K extends keyof StackOutputs>(ref: pulumi.StackReference, key: K): Promise<StackOutputs[K]> {
    return ref.requireOutputValue(key) as Promise<StackOutputs[K]>;
}

export async function deployConsumer(): Promise<ConsumerOutputs> {
    const config = new pulumi.Config();
    const stackName = config.get("aksWasmStack") || DEFAULT_AKS_WASM_STACK;
    const ref = new pulumi.StackReference("aks-wasm", { name: stackName });

    // getOutputValue, not require…: a stack without the output gets the contract's message, not the SDK's.
    const contractVersion = await ref.getOutputValue("contractVersion");
    checkContractVersion(stackName, contractVersion, OUTPUTS_CONTRACT_VERSION);

    const apps = await readOutput(ref, "apps");
    const appName = selectApp(stackName, apps, config.get("app") ?? "");
    const app = apps[appName];
    const appUrl = app.publicUrl ?? app.serviceUrl;

    // aks-wasm exports the kubeconfig as a secret; wrapping it again keeps it secret here even if a producer
    // release forgot to (StackReference only marks outputs the producer marked).
    const kubeconfig = pulumi.secret(ref.requireOutput("kubeconfig") as pulumi.Output<string>);
    const provider = new k8s.Provider("aks-wasm", { kubeconfig, enableServerSideApply: true });

    const configMap = new k8s.core.v1.ConfigMap(
        `${appName}-consumer`,
        {
            metadata: {
                namespace: app.namespace,
                labels: { "app.kubernetes.io/name": "aks-wasm-consumer", "app.kubernetes.io/managed-by": "pulumi" },
            },
            data: { APP_NAME: appName, APP_URL: appUrl, SERVICE_URL: app.serviceUrl, CONTRACT_VERSION: contractVersion },
        },
        { provider },
    );

    return { contractVersion, appUrl, appNamespace: app.namespace, configMapName: configMap.metadata.name };
}
