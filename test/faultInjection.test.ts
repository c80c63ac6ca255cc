/**
 * Fault injection for the command resources of issue 17: each real script runs against stand-in `kubectl` and `az`
 * (test/helpers/standInTools.ts: shell scripts that play the cluster from files and log every call; they are
 * stand-ins, not the tools), fails or is killed at each step, and runs again. What must hold after the next run:
 * no node left cordoned, no stale state read as fresh, no file left with a token.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { adminAccessWaitScript } from "../components/platform/aksCluster";
import { runScript, STAND_IN_KUBECONFIG, standIns } from "./helpers/standInTools";

describe("the admin-access wait (kubectl auth can-i through stand-in kubectl)", () => {
    // STAND-IN kubectl: answers `auth can-i` with the next line of $S/answers (the last line repeats), the way
    // kubectl prints "yes"/"no" and exits 0/1; an "error" line plays a 403 from the API server on stderr.
    const kubectl = [
        'n=$(cat "$S/n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$S/n"',
        'a=$(sed -n "${n}p" "$S/answers"); [ -n "$a" ] || a=$(tail -n 1 "$S/answers")',
        'case "$a" in yes) echo yes; exit 0;; no) echo no; exit 1;; *) echo "Error from server (Forbidden): selfsubjectaccessreviews is forbidden" >&2; exit 1;; esac',
    ].join("\n");
    const setup = (answers: string[]) => {
        const t = standIns({ kubectl });
        writeFileSync(`${t.state}/answers`, answers.join("\n") + "\n");
        return t;
    };
    const script = (timeoutSeconds: number) => adminAccessWaitScript({ timeoutSeconds, admins: "ServicePrincipal 2222", pollSeconds: 1 });

    it("waits through 403s and noes until yes, asking the question the docs name, and leaves no kubeconfig", async () => {
        const t = setup(["error", "no", "yes"]);
        const r = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(t.calls(), Array(3).fill("kubectl auth can-i * * --all-namespaces"));
        assert.deepEqual(t.leftovers(), []);
    });

    it("gives up at its bound, saying what it waited for, the last answer and what to check", async () => {
        const t = setup(["error"]);
        const r = await runScript(t, script(2), { input: STAND_IN_KUBECONFIG });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /waited 2s for the AKS RBAC Cluster Admin role assignments \(ServicePrincipal 2222\) to reach the cluster/);
        assert.match(r.stderr, /Forbidden/, "the last answer");
        assert.match(r.stderr, /Check: the identity running pulumi up is one of those principals/);
        assert.deepEqual(t.leftovers(), []);
    });

    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
        it(`killed (${signal}) while waiting leaves no file; the next run converges`, async () => {
            const t = setup(["no", "no", "no", "yes"]);
            const killed = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG, killWhen: /can-i/, signal });
            assert.notEqual(killed.code, 0);
            assert.deepEqual(t.leftovers(), [], "the trap removed the kubeconfig");
            const again = await runScript(t, script(30), { input: STAND_IN_KUBECONFIG });
            assert.equal(again.code, 0, again.stderr);
            assert.deepEqual(t.leftovers(), []);
        });
    }
});
