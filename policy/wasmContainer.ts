/**
 * What a Spin container needs to start on containerd-shim-spin, and which hardening it keeps: a pure check the
 * `wasm-workload-starts-on-the-shim` policy runs on every container of a Wasm Deployment. The facts are rows of
 * the contracts register (docs/platform-contracts.md); this package stays self-contained (the policy pack is
 * loaded on its own by the Pulumi CLI), so the two constants below repeat the shim's, by their source.
 *
 * The app namespace enforces Pod Security `baseline` only (the Spin pod runs as uid 0 with a writable root), so
 * this check holds the line on the `restricted` fields that still apply.
 */
import type { ContainerProps, PodSpecProps } from "./podSpec";

/** containerd-shim-spin's listen-address variable and its default (src/constants.rs@v0.23.0; SHIM-3). */
export const SPIN_LISTEN_ENV = "SPIN_HTTP_LISTEN_ADDR";
export const SPIN_DEFAULT_LISTEN_PORT = 80;

/** The port Spin's HTTP trigger binds in this container: from SPIN_HTTP_LISTEN_ADDR, else the shim's default. */
export function spinListenPort(container: ContainerProps): number | undefined {
    const value = (container.env ?? []).find((e) => e.name === SPIN_LISTEN_ENV)?.value;
    if (value === undefined) return SPIN_DEFAULT_LISTEN_PORT;
    const port = /:(\d{1,5})$/.exec(value)?.[1];
    return port === undefined ? undefined : Number(port);
}

/**
 * Problems that stop the container from starting on the shim or drop a hardening it can keep; empty when none.
 * Container-level fields win over the pod's, as in Kubernetes.
 */
export function wasmContainerProblems(pod: PodSpecProps, container: ContainerProps): string[] {
    const problems: string[] = [];
    const c = container.securityContext ?? {};
    const p = pod.securityContext ?? {};
    // SHIM-1, SHIM-2: the shim writes /.cache and /spin.json into the root filesystem at start-up.
    if (c.readOnlyRootFilesystem === true) {
        problems.push("sets readOnlyRootFilesystem: true, but the shim writes /.cache and /spin.json into the root filesystem at start-up");
    }
    // SHIM-4, SHIM-5: the shim writes as the container's user into `/`, which containerd creates root-owned 0755.
    const runAsNonRoot = c.runAsNonRoot ?? p.runAsNonRoot;
    const runAsUser = c.runAsUser ?? p.runAsUser;
    if (runAsNonRoot === true || (runAsUser !== undefined && runAsUser !== 0)) {
        problems.push(
            `runs as ${runAsUser !== undefined && runAsUser !== 0 ? `uid ${runAsUser}` : "a non-root user"}, but the shim writes into '/' as the container's user and containerd creates '/' root-owned (0755); run as uid 0 with all capabilities dropped`,
        );
    }
    // SHIM-3: Spin binds the port itself, as the container's user, with the container's capabilities.
    const port = spinListenPort(container);
    const added = c.capabilities?.add ?? [];
    if (port === undefined) {
        problems.push(`sets ${SPIN_LISTEN_ENV} to something that is not <address>:<port>`);
    } else {
        if (port < 1024 && !added.includes("NET_BIND_SERVICE")) {
            problems.push(`listens on port ${port} without NET_BIND_SERVICE (containerd 1.7 refuses it); set ${SPIN_LISTEN_ENV} to a port above 1023`);
        }
        const declared = (container.ports ?? []).map((x) => x.containerPort);
        if (declared.length > 0 && !declared.includes(port)) {
            problems.push(`listens on port ${port} (${SPIN_LISTEN_ENV}) but declares containerPort ${declared.join(", ")}: probes and the Service would miss it`);
        }
    }
    // The restricted fields a Wasm container keeps.
    if (c.allowPrivilegeEscalation !== false) problems.push("does not set allowPrivilegeEscalation: false");
    if (c.privileged === true) problems.push("is privileged");
    if (!(c.capabilities?.drop ?? []).includes("ALL")) problems.push("does not drop ALL capabilities");
    const extra = added.filter((cap) => cap !== "NET_BIND_SERVICE");
    if (extra.length > 0) problems.push(`adds capabilities ${extra.join(", ")} (at most NET_BIND_SERVICE is ever needed)`);
    const seccomp = c.seccompProfile?.type ?? p.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
        problems.push(`has seccomp profile ${seccomp === undefined ? "unset" : `'${seccomp}'`}; set RuntimeDefault`);
    }
    return problems;
}
