/**
 * The pack's trust-boundary policies (policy/podSecurityPolicies.ts, policy/exposurePolicies.ts), called the way the
 * analyzer calls them (policy/evaluate.ts; PolicyPack is never constructed): every pod-bearing kind, each way to
 * break the pod-security basics, the namespaces' Pod Security labels with the runtime installer's named exception,
 * TLS that protects nothing, and a plain-HTTP path beside TLS.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";
import { noPlainHttpBesideTls, tlsCoversRoutedHosts } from "../policy/exposurePolicies";
import { imagesFromAcrByDigest } from "../policy/kubernetesPolicies";
import { namespacePodSecurityLabels, podSecurityBasics } from "../policy/podSecurityPolicies";
import { WORKLOAD_TYPES } from "../policy/podSpec";

const IMAGE = `acrx.azurecr.io/app@sha256:${"ab".repeat(32)}`;
const restricted = { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const goodPod = { containers: [{ name: "c", image: IMAGE, securityContext: restricted }] };

async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): Promise<string[]> {
    return (await evaluatePolicies([{ type, name: "subject", props }], {}, [policy])).map((v) => v.message);
}

/** Props of `type` carrying `podSpec` where that kind keeps its pod spec. */
function workload(type: string, podSpec: object): Record<string, unknown> {
    if (type === "kubernetes:core/v1:Pod") return { spec: podSpec };
    if (type === "kubernetes:batch/v1:CronJob") return { spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } };
    return { spec: { template: { spec: podSpec } } };
}

describe("pod-security-basics, on every pod-bearing kind", () => {
    it("covers Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod", () => {
        assert.deepEqual([...WORKLOAD_TYPES].sort(), [
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:ReplicaSet",
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:batch/v1:CronJob",
            "kubernetes:batch/v1:Job",
            "kubernetes:core/v1:Pod",
        ]);
    });

    const breaks: [string, object, RegExp][] = [
        ["privileged", { containers: [{ name: "c", securityContext: { ...restricted, privileged: true } }] }, /is privileged/],
        ["hostNetwork", { ...goodPod, hostNetwork: true }, /hostNetwork is true/],
        ["hostPID", { ...goodPod, hostPID: true }, /hostPID is true/],
        ["hostIPC", { ...goodPod, hostIPC: true }, /hostIPC is true/],
        ["hostPath", { ...goodPod, volumes: [{ name: "root", hostPath: { path: "/" } }] }, /mounts the node's \/ \(hostPath\)/],
        ["added capabilities", { containers: [{ name: "c", securityContext: { ...restricted, capabilities: { add: ["NET_ADMIN"] } } }] }, /adds capabilities \["NET_ADMIN"\]/],
        ["privilege escalation", { containers: [{ name: "c", securityContext: { ...restricted, allowPrivilegeEscalation: true } }] }, /allowPrivilegeEscalation: false/],
        ["root off the Spin class", { containers: [{ name: "c", securityContext: { ...restricted, runAsNonRoot: undefined, runAsUser: 0 } }] }, /may run as root/],
        ["a writable root off the Spin class", { containers: [{ name: "c", securityContext: { ...restricted, readOnlyRootFilesystem: false } }] }, /writable root filesystem/],
        ["a root init container", { ...goodPod, initContainers: [{ name: "i", securityContext: { ...restricted, runAsNonRoot: false } }] }, /initContainers\[0\] 'i' may run as root/],
    ];
    for (const type of WORKLOAD_TYPES) {
        it(`${type.split(":")[2]}: the restricted pod passes; each break is reported`, async () => {
            assert.deepEqual(await violations(podSecurityBasics, type, workload(type, goodPod)), []);
            for (const [what, spec, message] of breaks) {
                const found = await violations(podSecurityBasics, type, workload(type, spec));
                assert.ok(found.some((m) => message.test(m)), `${what}: ${JSON.stringify(found)}`);
            }
            // Image provenance holds for every kind too.
            const tagged = { containers: [{ name: "c", image: "docker.io/library/nginx:latest", securityContext: restricted }] };
            assert.equal((await violations(imagesFromAcrByDigest, type, workload(type, tagged))).length, 1);
        });
    }

    it("lets the Spin runtime class run as root with a writable root, and nothing more", async () => {
        const spin = { runtimeClassName: "wasmtime-spin-v2", securityContext: { runAsUser: 0 }, containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false } }] };
        assert.deepEqual(await violations(podSecurityBasics, "kubernetes:apps/v1:Deployment", workload("kubernetes:apps/v1:Deployment", spin)), []);
        const privileged = { ...spin, containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, privileged: true } }] };
        assert.equal((await violations(podSecurityBasics, "kubernetes:apps/v1:Deployment", workload("kubernetes:apps/v1:Deployment", privileged))).length, 1);
    });
});

describe("namespace-pod-security-labels", () => {
    const ns = (name: string, level?: string) => ({ metadata: { name, labels: level ? { "pod-security.kubernetes.io/enforce": level } : {} } });
    it("accepts baseline and restricted, and privileged only for the runtime installer's namespace", async () => {
        for (const [name, level, n] of [
            ["app", "baseline", 0],
            ["app", "restricted", 0],
            ["runtime-class-manager", "privileged", 0],
            ["app", "privileged", 1],
            ["app", undefined, 1],
        ] as const) {
            assert.equal((await violations(namespacePodSecurityLabels, "kubernetes:core/v1:Namespace", ns(name, level))).length, n, `${name} ${level}`);
        }
    });
});

describe("exposure", () => {
    const ING = "kubernetes:networking.k8s.io/v1:Ingress";
    const GW = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
    const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
    it("TLS must cover the routed hosts and name its Secret", async () => {
        const rules = [{ host: "a.example.com" }];
        assert.deepEqual(await violations(tlsCoversRoutedHosts, ING, { spec: { rules, tls: [{ hosts: ["a.example.com"], secretName: "t" }] } }), []);
        assert.deepEqual(await violations(tlsCoversRoutedHosts, ING, { spec: { rules, tls: [{ hosts: ["*.example.com"], secretName: "t" }] } }), []);
        assert.match((await violations(tlsCoversRoutedHosts, ING, { spec: { rules, tls: [{ hosts: ["b.example.com"], secretName: "t" }] } }))[0], /host 'a.example.com' is covered by no tls entry/);
        assert.ok((await violations(tlsCoversRoutedHosts, ING, { spec: { rules, tls: [{ hosts: ["a.example.com"] }] } })).some((m) => /names no secretName/.test(m)));
        assert.ok((await violations(tlsCoversRoutedHosts, ING, { spec: { rules: [{}], tls: [{ hosts: ["a.example.com"], secretName: "t" }] } })).some((m) => /serves every host/.test(m)));
        const https = { name: "https", protocol: "HTTPS", hostname: "a.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "t" }] } };
        assert.deepEqual(await violations(tlsCoversRoutedHosts, GW, { spec: { listeners: [https] } }), []);
        assert.equal((await violations(tlsCoversRoutedHosts, GW, { spec: { listeners: [{ ...https, tls: { certificateRefs: [] } }] } })).length, 1);
        assert.equal((await violations(tlsCoversRoutedHosts, GW, { spec: { listeners: [{ ...https, hostname: undefined }] } })).length, 1);
    });

    it("no plain-HTTP path beside TLS: routes to backends attach to the HTTPS listener; the HTTP one only redirects", async () => {
        const backends = [{ backendRefs: [{ name: "svc", port: 80 }] }];
        const redirect = [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https" } }] }];
        assert.deepEqual(await violations(noPlainHttpBesideTls, ROUTE, { spec: { parentRefs: [{ name: "g", sectionName: "https" }], rules: backends } }), []);
        assert.deepEqual(await violations(noPlainHttpBesideTls, ROUTE, { spec: { parentRefs: [{ name: "g", sectionName: "http" }], rules: redirect } }), []);
        assert.match((await violations(noPlainHttpBesideTls, ROUTE, { spec: { parentRefs: [{ name: "g", sectionName: "http" }], rules: backends } }))[0], /plain-HTTP listener 'http'/);
        assert.match((await violations(noPlainHttpBesideTls, ROUTE, { spec: { parentRefs: [{ name: "g" }], rules: backends } }))[0], /names no listener/);
        const tls = [{ hosts: ["a.example.com"], secretName: "t" }];
        assert.deepEqual(await violations(noPlainHttpBesideTls, ING, { spec: { tls } }), []);
        assert.equal((await violations(noPlainHttpBesideTls, ING, { metadata: { annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "false" } }, spec: { tls } })).length, 1);
    });
});

describe("images-from-acr-by-digest in the runtime installers' namespaces (issue 18 item 6)", () => {
    const digest = `sha256:${"cd".repeat(32)}`;
    const inNamespace = (namespace: string, image: string) => ({
        metadata: { namespace },
        spec: { template: { spec: { containers: [{ name: "c", image }] } } },
    });
    it("runtime-class-manager's namespace takes only the registry's images by digest: tag-only and upstream images are refused", async () => {
        const ns = "runtime-class-manager";
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", inNamespace(ns, `acrx.azurecr.io/spinkube/node-installer:v0.2.0@${digest}`)), []);
        for (const image of [`ghcr.io/spinframework/node-installer@${digest}`, "acrx.azurecr.io/spinkube/node-installer:v0.2.0", "ghcr.io/spinframework/node-installer:v0.2.0"]) {
            const v = await violations(imagesFromAcrByDigest, "kubernetes:batch/v1:Job", inNamespace(ns, image));
            assert.equal(v.length, 1, image);
            assert.match(v[0], /does not match/);
        }
    });
    it("the containerd-2 shim installer's namespace may use an upstream image, by digest only", async () => {
        const ns = "aks-wasm-shim-installer";
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:apps/v1:DaemonSet", inNamespace(ns, `docker.io/library/busybox:1.37.0-glibc@${digest}`)), []);
        assert.equal((await violations(imagesFromAcrByDigest, "kubernetes:apps/v1:DaemonSet", inNamespace(ns, "docker.io/library/busybox:1.37.0-glibc"))).length, 1);
    });
    it("checks the runtime-class-manager chart's image values (its pods are invisible to the pack)", async () => {
        const release = (image: unknown, downloader: unknown, installer: unknown) => ({
            chart: "oci://ghcr.io/spinframework/charts/runtime-class-manager",
            values: { image, rcm: { shimDownloaderImage: downloader, nodeInstallerImage: installer } },
        });
        const pinned = (name: string) => ({ repository: `acrx.azurecr.io/spinkube/${name}`, tag: `v0.2.0@${digest}` });
        const ok = release(pinned("runtime-class-manager"), pinned("shim-downloader"), pinned("node-installer"));
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:helm.sh/v3:Release", ok), []);
        const bad = await violations(
            imagesFromAcrByDigest,
            "kubernetes:helm.sh/v3:Release",
            release({ repository: "ghcr.io/spinframework/runtime-class-manager", tag: "v0.2.0" }, { repository: "ghcr.io/spinframework/shim-downloader", tag: `v0.2.0@${digest}` }, undefined),
        );
        assert.deepEqual(
            bad.map((m) => /values\.(\S+) names '([^']+)'/.exec(m)!.slice(1)),
            [
                ["image", "ghcr.io/spinframework/runtime-class-manager:v0.2.0"],
                ["rcm.shimDownloaderImage", `ghcr.io/spinframework/shim-downloader:v0.2.0@${digest}`],
                ["rcm.nodeInstallerImage", "<unset: the chart default, latest>"],
            ],
        );
        // An image value given only in part is not "unknown": the chart fills the rest from its own defaults (the
        // controller's tag from the chart's appVersion, the installers' from values.yaml's `latest`; SUP-3), so it
        // is checked as rendered. The same chart named without its repository path (repositoryOpts) is still it.
        const partial = await violations(imagesFromAcrByDigest, "kubernetes:helm.sh/v3:Release", {
            chart: "runtime-class-manager",
            repositoryOpts: { repo: "oci://ghcr.io/spinframework/charts" },
            values: { image: { repository: "ghcr.io/attacker/rcm" }, rcm: { shimDownloaderImage: { tag: `v0.2.0@${digest}` }, nodeInstallerImage: pinned("node-installer") } },
        });
        assert.deepEqual(
            partial.map((m) => /values\.(\S+) names '([^']+)'/.exec(m)!.slice(1)),
            [
                ["image", "ghcr.io/attacker/rcm:<unset: the chart default tag>"],
                ["rcm.shimDownloaderImage", `<unset: the chart default repository>:v0.2.0@${digest}`],
            ],
        );
        const packaged = { ...release({ repository: "ghcr.io/spinframework/runtime-class-manager", tag: "v0.2.0" }, pinned("shim-downloader"), pinned("node-installer")), chart: "./charts/runtime-class-manager-0.2.0.tgz" };
        assert.equal((await violations(imagesFromAcrByDigest, "kubernetes:helm.sh/v3:Release", packaged)).length, 1, "a packaged chart is the same chart");
        // Values not known yet (a preview before the first import) are skipped, never reported; other charts are not this rule's.
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:helm.sh/v3:Release", { chart: ok.chart }), []);
        assert.deepEqual(await violations(imagesFromAcrByDigest, "kubernetes:helm.sh/v3:Release", { chart: "oci://x/other", values: {} }), []);
    });
});
