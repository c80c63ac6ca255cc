/**
 * How long one `pulumi up` can take at worst, from the config, and the refusal of a config whose worst case does
 * not fit the CI deploy job's timeout with a margin (platform-contracts CONV-8).
 *
 * The worst case adds every bounded wait the stack itself runs, each at its bound, even where two could overlap
 * (an upper bound, not an estimate): the cluster admins' access (kubectl auth can-i), the Gateway API enablement,
 * the shim reinstall's run budget, the rollout of the Spin Deployments, and the gates (the load test and the scale
 * measurement run side by side, so the longer of the two). What the stack does not bound itself (ARM creating the
 * cluster, image builds) is what the margin is for.
 *
 * A killed job leaves the state lock, pending operations and possibly a cordoned node (docs/operations.md, "A
 * killed deploy"): the point is that GitHub never kills a run the config allows.
 */
import { adminAccessWorstCaseSeconds } from "./platform/aksCluster";
import { gatewayEnableWorstCaseSeconds } from "./platform/gatewayApi";
import { imageMirrorWorstCaseSeconds } from "./platform/runtimeImageMirror";
import { RCM_IMAGES, REINSTALL_TIMEOUT_SECONDS } from "./platform/spinKubeRuntime";
import { activeDeadlineSeconds as loadTestDeadlineSeconds, AWAIT_MARGIN_SECONDS } from "./app/loadTest";
import { measurementBudgetForConfig } from "./app/scaleMeasurement";
import { SHIM_INSTALLER_TIMEOUT_SECONDS } from "./platform/shimInstaller";
import { usesShimInstaller } from "../lib/azure/wasmNodeOs";
import type { StackConfig } from "../config";

/** `timeout-minutes` of the deploy jobs in .github/workflows/deploy.yml (a test keeps them equal). */
export const DEPLOY_JOB_TIMEOUT_MINUTES = 180;

/**
 * What the worst case leaves of the job's timeout for what the stack does not bound: ARM's operations (a first
 * cluster create takes up to about 20 minutes), image builds and pushes, Pulumi's own start and state writes.
 */
export const RUN_MARGIN_MINUTES = 25;

/**
 * The Kubernetes provider's wait for a Deployment to roll out: 10 minutes unless the resource says otherwise
 * (@pulumi/kubernetes await logic, "customTimeouts"; the Spin and baseline Deployments set none).
 */
export const DEPLOYMENT_AWAIT_SECONDS = 600;

/** One bounded wait of a run: what, how long at most, and the config key that sizes it. */
export interface RunWait {
    what: string;
    seconds: number;
    key: keyof StackConfig;
}

/** The bounded waits of one `pulumi up` with config `c`, each at its bound. */
export function runWaits(c: StackConfig): RunWait[] {
    const waits: RunWait[] = [{ what: "cluster admins' access (kubectl auth can-i)", seconds: adminAccessWorstCaseSeconds(), key: "clusterAdminPrincipalIds" }];
    if (c.ingressMode === "gateway") waits.push({ what: "Gateway API enablement (az aks update)", seconds: gatewayEnableWorstCaseSeconds(), key: "ingressMode" });
    if (usesShimInstaller(c)) {
        // The project's installer DaemonSet on a containerd-2 pool: its rollout is bounded by its custom timeout.
        waits.push({ what: "shim installer DaemonSet rollout", seconds: SHIM_INSTALLER_TIMEOUT_SECONDS, key: "wasmOsSku" });
    } else if (c.wasmRuntime === "spinkube") {
        // runtime-class-manager's images are imported into the registry before its chart (runtimeImageMirror.ts).
        waits.push({ what: "runtime images' import (az acr import)", seconds: imageMirrorWorstCaseSeconds(Object.keys(RCM_IMAGES).length), key: "wasmOsSku" });
        // The reinstall stops before a node its budget could not hold; the release pass before it reads each node.
        const release = Math.max(c.wasmNodeCountMax, c.wasmNodeCount) * 3 * REINSTALL_TIMEOUT_SECONDS.request;
        waits.push({ what: "shim reinstall (run budget)", seconds: REINSTALL_TIMEOUT_SECONDS.budget + release, key: "wasmNodeCountMax" });
    }
    waits.push({ what: "Spin Deployment rollout", seconds: DEPLOYMENT_AWAIT_SECONDS, key: "appReplicas" });
    if (c.loadTest) {
        const targets = c.containerBaseline ? 2 : 1;
        const loadTest = targets * loadTestDeadlineSeconds(c.loadTestDurationSeconds) + AWAIT_MARGIN_SECONDS;
        const measurement = c.measure ? measurementWorstCaseSeconds(c) : 0;
        waits.push(
            measurement > loadTest
                ? { what: "scale measurement (beside the load test)", seconds: measurement, key: "measureRounds" }
                : { what: "load test", seconds: loadTest, key: "loadTestDurationSeconds" },
        );
    }
    return waits;
}

/** The stack's wait for the measurement Job, as components/app/scaleMeasurement.ts computes it for this config. */
function measurementWorstCaseSeconds(c: StackConfig): number {
    return measurementBudgetForConfig(c)?.stackWaitSeconds ?? 0;
}

/** The worst case of one run, in seconds. */
export function runWorstCaseSeconds(c: StackConfig): number {
    return runWaits(c).reduce((sum, w) => sum + w.seconds, 0);
}

/** The refusal when the worst case does not fit the job's timeout minus the margin; names the largest wait's key. */
export function runDurationProblems(c: StackConfig): { key: string; value: string; accepted: string }[] {
    const waits = runWaits(c);
    const total = runWorstCaseSeconds(c);
    const limit = (DEPLOY_JOB_TIMEOUT_MINUTES - RUN_MARGIN_MINUTES) * 60;
    if (total <= limit) return [];
    const largest = waits.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    return [
        {
            key: largest.key,
            value: String(c[largest.key]),
            accepted:
                `a config whose one pulumi up fits the deploy job's ${DEPLOY_JOB_TIMEOUT_MINUTES} minutes with ${RUN_MARGIN_MINUTES} to spare: ` +
                `its bounded waits add up to ${Math.ceil(total / 60)} minutes (${waits.map((w) => `${w.what} ${w.seconds}s`).join(", ")}), ` +
                `more than ${limit / 60}; the largest is the ${largest.what}. Shorten it (fewer measureRounds, a shorter loadTestDurationSeconds, ` +
                "or measure false), or raise timeout-minutes in .github/workflows/deploy.yml and DEPLOY_JOB_TIMEOUT_MINUTES in components/runDuration.ts together",
        },
    ];
}

/**
 * The checks that read the whole config (config/ cannot import them without a circle): `pulumi up` (index.ts) and
 * `npm run render` pass the same list, so both refuse alike.
 */
export const WHOLE_CONFIG_CHECKS = [runDurationProblems];
