/**
 * The rules that relate keys (a maximum and its minimum, TLS and the host, the apps and their manifests, the
 * capacity plan, ...). Each runs only when the keys it reads parsed on their own, so one bad key hides no other
 * problem.
 */
import { parseVmSize, vmSizeProblems } from "../lib/azure/azureVmSizes";
import { CAPACITY_KEYS, capacityPlan } from "../lib/azure/capacityPlan";
import { kubernetesVersionProblems } from "../lib/azure/kubernetesVersions";
import { appTeamNamespaces, reservedNamespaceProblems } from "../lib/kubernetes/appTeams";
import { derivedNameProblems, hostProblem } from "../lib/kubernetes/kubernetesNames";
import { METRICS_RESOLUTION_SECONDS, METRICS_WINDOW_MARGIN_SECONDS, minLoadSecondsForMetricsWindow } from "../lib/results/metricsWindow";
import { appHostFor } from "./apps";
import { exposureSupport } from "./datedSupports";
import { quantity } from "./rules";
import type { ConfigProblem, StackConfig } from "./types";

/** Rules that relate keys; each runs when the keys it reads parsed on their own. */
export function crossKeyProblems(
    c: StackConfig,
    parsed: ReadonlySet<keyof StackConfig>,
    appManifestExists: (app: string) => boolean,
    appManifestProblems: (app: string) => string[],
    today: string,
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const ok = (...keys: (keyof StackConfig)[]) => keys.every((k) => parsed.has(k));
    // Dated support is judged against the day of the run (lib/azure/datedSupport.ts, platform-contracts CONV-3).
    if (ok("kubernetesVersion", "clusterTier")) problems.push(...kubernetesVersionProblems(c, today));
    // The Wasm pool's OS limits (spinKubeVersionProblems for Ubuntu 22.04) run in parseStackConfig through wasmOsProblems.
    if (ok("ingressMode", "ingressClassName")) {
        const verdict = exposureSupport(c, today);
        if (verdict?.refuse) problems.push({ key: "ingressMode", value: c.ingressMode, accepted: `"gateway" or "none": ${verdict.message}` });
    }
    if (ok("systemNodeCount", "systemNodeCountMax") && c.systemNodeCountMax !== 0 && c.systemNodeCountMax < c.systemNodeCount) {
        problems.push({
            key: "systemNodeCountMax",
            value: String(c.systemNodeCountMax),
            accepted: `at least systemNodeCount (${c.systemNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (ok("wasmNodeCount", "wasmNodeCountMax") && c.wasmNodeCountMax !== 0 && c.wasmNodeCountMax < c.wasmNodeCount) {
        problems.push({
            key: "wasmNodeCountMax",
            value: String(c.wasmNodeCountMax),
            accepted: `at least wasmNodeCount (${c.wasmNodeCount}), or 0 for no autoscaler`,
        });
    }
    if (ok("appReplicas", "appMaxReplicas") && c.appMaxReplicas !== 0 && c.appMaxReplicas < c.appReplicas) {
        problems.push({
            key: "appMaxReplicas",
            value: String(c.appMaxReplicas),
            accepted: `at least appReplicas (${c.appReplicas}), or 0 for no autoscaler`,
        });
    }
    if (ok("appCpuRequest", "appCpuLimit") && quantity(c.appCpuLimit) < quantity(c.appCpuRequest)) {
        problems.push({ key: "appCpuLimit", value: c.appCpuLimit, accepted: `at least appCpuRequest (${c.appCpuRequest})` });
    }
    if (ok("appMemoryRequest", "appMemoryLimit") && quantity(c.appMemoryLimit) < quantity(c.appMemoryRequest)) {
        problems.push({
            key: "appMemoryLimit",
            value: c.appMemoryLimit,
            accepted: `at least appMemoryRequest (${c.appMemoryRequest})`,
        });
    }
    if (ok("tlsSecretName", "ingressMode") && c.tlsSecretName !== "" && c.ingressMode === "none") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: 'empty when ingressMode is "none" (nothing terminates TLS)' });
    }
    if (ok("tlsSecretName", "appHost") && c.tlsSecretName !== "" && c.appHost === "") {
        problems.push({ key: "tlsSecretName", value: c.tlsSecretName, accepted: "empty unless appHost is set (a certificate names a host)" });
    }
    if (ok("ingressMode", "appHost", "apps") && c.ingressMode === "ingress" && c.appHost === "" && c.apps.length > 1) {
        // Two host-less Ingresses on one class both claim "/" for every host: only one of them would serve.
        problems.push({ key: "appHost", value: "", accepted: "a host name when more than one app is exposed through ingress" });
    }
    if (ok("appHost", "apps") && c.appHost !== "" && c.apps.length > 1) {
        if (c.appHost.startsWith("*.")) {
            problems.push({ key: "appHost", value: c.appHost, accepted: `a host without a wildcard when there are several apps (each further app gets "<app>.${c.appHost}", and "*" may only be the first label)` });
        } else {
            for (const i of c.apps.keys()) {
                const problem = i === 0 ? undefined : hostProblem(appHostFor(c, i));
                if (problem) problems.push({ key: "appHost", value: c.appHost, accepted: `a host whose app subdomain "${appHostFor(c, i)}" is valid: ${problem}` });
            }
        }
    }
    if (ok("apps")) {
        const missing = c.apps.filter((app) => !appManifestExists(app));
        if (missing.length > 0) {
            problems.push({
                key: "apps",
                value: JSON.stringify(c.apps),
                accepted: `app folders that exist and hold a Spin manifest: no apps/<name>/spin.toml for ${missing.map((m) => `"${m}"`).join(", ")}`,
            });
        }
        // Each app's manifest is checked here, with the config, so a broken spin.toml stops the run before any resource.
        for (const app of c.apps.filter((a) => !missing.includes(a))) {
            for (const problem of appManifestProblems(app)) problems.push({ key: "apps", value: JSON.stringify(c.apps), accepted: `app "${app}" with a valid spin.toml: ${problem}` });
        }
    }
    if (ok("apps", "loadTest", "containerBaseline", "ingressMode")) {
        for (const [i, app] of c.apps.entries()) {
            const parts = { loadTest: c.loadTest, containerBaseline: c.containerBaseline && i === 0, gateway: c.ingressMode === "gateway" };
            for (const problem of derivedNameProblems(app, parts)) {
                problems.push({ key: "apps", value: JSON.stringify(c.apps), accepted: `a shorter name than "${app}": its ${problem}` });
            }
        }
    }
    if (ok("containerBaseline", "loadTest") && c.containerBaseline && !c.loadTest) {
        // The baseline exists only to be load-tested beside the Wasm app; without the load test nothing uses it.
        problems.push({ key: "containerBaseline", value: "true", accepted: "false unless loadTest is true (the baseline is only there to be load-tested)" });
    }
    if (ok("measure", "loadTest") && c.measure && !c.loadTest) {
        // The footprint "under load" is sampled while the load test runs, and the measurement program's image is
        // published beside the load generator's: without the load test there is half a measurement.
        problems.push({ key: "measure", value: "true", accepted: "false unless loadTest is true (the footprint under load is sampled during the load test)" });
    }
    const windowFloor = minLoadSecondsForMetricsWindow();
    if (ok("measure", "loadTest", "loadTestDurationSeconds") && c.measure && c.loadTest && c.loadTestDurationSeconds < windowFloor) {
        // metrics-server's window between two scrapes must lie wholly inside the load at least once, or the memory
        // gate silently falls back to idle (issue 19; lib/results/metricsWindow.ts, MSWIN-1, MSWIN-2).
        problems.push({
            key: "loadTestDurationSeconds",
            value: String(c.loadTestDurationSeconds),
            accepted: `at least ${windowFloor} while measure is true (2 × metrics-server's ${METRICS_RESOLUTION_SECONDS} s resolution + ${METRICS_WINDOW_MARGIN_SECONDS} s, so that one whole metrics window lies inside the load), or set measure to false`,
        });
    }
    if (ok("appTeams", "apps")) {
        const taken = appTeamNamespaces(c.appTeams).filter((ns) => c.apps.includes(ns));
        if (taken.length > 0) {
            // The stack's own apps create their namespaces; a team namespace of the same name would be created twice.
            problems.push({ key: "appTeams", value: JSON.stringify(taken), accepted: "namespaces other than the stack's own apps (apps)" });
        }
        // A team in `<app>-gateway` would share the namespace of the gateway proxy that terminates the app's TLS.
        const gateways = reservedNamespaceProblems(c.appTeams, c.apps).filter((p) => !taken.some((ns) => p.includes(`namespace "${ns}" is`)));
        if (gateways.length > 0) {
            problems.push({ key: "appTeams", value: JSON.stringify(c.appTeams.map((t) => `${t.principalId}=${t.namespaces.join(",")}`)), accepted: `namespaces the platform does not reserve: ${gateways.join("; ")}` });
        }
    }
    if (ok("wasmRuntime", "wasmVmSize") && c.wasmRuntime === "wasmwasi" && parseVmSize(c.wasmVmSize)?.arch === "arm64") {
        // The WasmWasi preview was x86_64 only; containerd-shim-spin ships an aarch64 tarball too (spinkube is fine).
        problems.push({ key: "wasmVmSize", value: c.wasmVmSize, accepted: "an x86_64 VM size when wasmRuntime is wasmwasi" });
    }
    if (ok("systemVmSize", "loadTest", "measure") && (c.loadTest || c.measure)) {
        const size = parseVmSize(c.systemVmSize);
        // The load-test and measurement images are built for linux/amd64 only (components/app/containerImage.ts)
        // and run on the system pool (platform-contracts VM-4). The baseline needs loadTest, so it is covered here.
        const why = "the load-test and measurement images are built for linux/amd64 and run on the system pool";
        if (size) for (const p of vmSizeProblems(size, { mode: "system", archs: ["amd64"], archReason: why }).filter((x) => x.includes("amd64"))) {
            problems.push({ key: "systemVmSize", value: c.systemVmSize, accepted: p });
        }
    }
    if (ok("wasmVmSize", "wasmRuntime", "containerBaseline") && c.containerBaseline && c.wasmRuntime !== "wasmwasi") {
        const size = parseVmSize(c.wasmVmSize);
        // The baseline runs on the Wasm pool beside the app (a fair comparison: docs/measurements.md; SCHED-1) and its
        // image is linux/amd64 only (VM-4). WasmWasi refuses Arm64 Wasm pools above, whatever runs there.
        const why = "the container baseline runs on the Wasm pool, beside the app, and its image is built for linux/amd64";
        if (size) for (const p of vmSizeProblems(size, { mode: "user", archs: ["amd64"], archReason: why }).filter((x) => x.includes("amd64"))) {
            problems.push({ key: "wasmVmSize", value: c.wasmVmSize, accepted: `${p}; or set containerBaseline to false` });
        }
    }
    if (ok(...CAPACITY_KEYS) && problems.length === 0) problems.push(...capacityPlan(c).problems);
    return problems;
}
