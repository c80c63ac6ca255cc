/**
 * Stand-in command-line tools for the fault-injection tests: small shell scripts named `kubectl` or `az`, put first
 * on PATH, that play a cluster (or Azure) from files in a state folder and log every call. They are stand-ins and
 * say so: each prints nothing a real tool would not, and every test that uses one names it.
 *
 * A script run under them gets a private TMPDIR, so a test can prove that no file (a kubeconfig with its token) is
 * left behind after any exit, a kill included.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StandIns {
    /** Folder holding the stand-in executables (first on PATH). */
    bin: string;
    /** Folder the stand-ins keep their state in (`$STANDIN_STATE`). */
    state: string;
    /** The scripts' private TMPDIR. */
    tmp: string;
    /** Every call the stand-ins received, one line each (`kubectl cordon n1`). */
    calls(): string[];
    /** Files left in the private TMPDIR. */
    leftovers(): string[];
}

/** Creates the folders and writes each stand-in: `tools` maps a tool name to its shell body. */
export function standIns(tools: Record<string, string>): StandIns {
    const root = mkdtempSync(join(tmpdir(), "aks-wasm-standin-"));
    const s = { bin: join(root, "bin"), state: join(root, "state"), tmp: join(root, "tmp") };
    for (const dir of Object.values(s)) mkdirSync(dir);
    writeFileSync(join(s.state, "calls"), "");
    for (const [name, body] of Object.entries(tools)) {
        const file = join(s.bin, name);
        // Every stand-in logs its call first (without the kubeconfig path, which changes per run).
        writeFileSync(
            file,
            `#!/bin/sh\n# STAND-IN for ${name} (aks-wasm fault-injection tests), not the real tool.\n` +
                `S="$STANDIN_STATE"\n` +
                `args=""; skip=0; for a in "$@"; do if [ $skip = 1 ]; then skip=0; continue; fi; case "$a" in --kubeconfig) skip=1;; --request-timeout=*) ;; *) args="$args $a";; esac; done\n` +
                `printf '%s\\n' "$(printf '%s' "${name}$args" | tr '\\n' ' ')" >> "$S/calls"\n${body}\n`,
        );
        chmodSync(file, 0o755);
    }
    return {
        ...s,
        calls: () => readFileSync(join(s.state, "calls"), "utf8").split("\n").filter(Boolean),
        leftovers: () => readdirSync(s.tmp),
    };
}

export interface ScriptRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs `script` with `sh -c`, stdin `input`, the stand-ins first on PATH, and `env` on top. `killWhen` kills the
 * shell with `signal` once the stand-ins' call log holds a line matching it (a kill at that step).
 */
export function runScript(
    tools: StandIns,
    script: string,
    options: { input?: string; env?: Record<string, string>; killWhen?: RegExp; signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<ScriptRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", script], {
            // HOME in the state folder: the real kubectl keeps its discovery cache under $HOME/.kube (else the cwd).
            env: { PATH: `${tools.bin}:${process.env.PATH}`, TMPDIR: tools.tmp, HOME: tools.state, STANDIN_STATE: tools.state, ...options.env },
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
        let watcher: NodeJS.Timeout | undefined;
        if (options.killWhen) {
            watcher = setInterval(() => {
                if (tools.calls().some((c) => options.killWhen!.test(c))) {
                    clearInterval(watcher);
                    child.kill(options.signal ?? "SIGTERM");
                }
            }, 20);
        }
        child.on("error", reject);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (watcher) clearInterval(watcher);
            resolve({ code, signal, stdout, stderr });
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(options.input ?? "");
    });
}

/** A kubeconfig-shaped text whose token a test can look for in leftover files. */
export const STAND_IN_KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: STAND-IN-SECRET-TOKEN\n";
