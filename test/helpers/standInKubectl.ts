/**
 * A STAND-IN for kubectl (a shell script written by the test; there is no API server here). It plays the two
 * calls the gates' collection script makes (lib/results/jobResult.ts `jobLogScript`) on a table of pods the test writes,
 * the way kubectl 1.32 answers them:
 *  - `get pods --selector batch.kubernetes.io/job-name=J --field-selector status.phase=P --output jsonpath=…`:
 *    one `creationTimestamp name` line per pod of Job J in phase P, in table order (not sorted: the API server's
 *    order is by name, not by age); none: "No resources found in N namespace." on stderr and exit 0 (KLOGS-2);
 *  - `logs pod/NAME --container C`: the pod's log, or `Error from server (NotFound)` and exit 1 when it is gone.
 * Fault injection: `failAt` ("get" | "logs") makes that call exit 1 with an error; `hangAt` makes it write a
 * `hanging` marker and sleep until killed. Every call is recorded (its arguments, and the kubeconfig file's mode,
 * content and path) so a test can check what kubectl was given.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface StandInPod {
    namespace: string;
    job: string;
    phase: "Pending" | "Running" | "Succeeded" | "Failed";
    creationTimestamp: string;
    name: string;
    log?: string;
}

export class StandInKubectl {
    constructor(readonly dir: string) {
        mkdirSync(path.join(dir, "logs"), { recursive: true });
        writeFileSync(path.join(dir, "kubectl"), SCRIPT(dir));
        chmodSync(path.join(dir, "kubectl"), 0o755);
        this.set([]);
    }

    /** The cluster's pods (and their logs); replaces what was there. */
    set(pods: StandInPod[], faults: { failAt?: "get" | "logs"; hangAt?: "get" | "logs" } = {}): void {
        writeFileSync(path.join(this.dir, "pods"), pods.map((p) => `${p.namespace} ${p.job} ${p.phase} ${p.creationTimestamp} ${p.name}\n`).join(""));
        for (const p of pods) if (p.log !== undefined) writeFileSync(path.join(this.dir, "logs", p.name), p.log);
        writeFileSync(path.join(this.dir, "fail"), faults.failAt ?? "");
        writeFileSync(path.join(this.dir, "hang"), faults.hangAt ?? "");
        writeFileSync(path.join(this.dir, "calls"), "");
        writeFileSync(path.join(this.dir, "kubeconfigs"), "");
    }

    /** The PATH that puts this stand-in first. */
    get PATH(): string {
        return `${this.dir}:${process.env.PATH}`;
    }

    /** Arguments of every call so far, one string each. */
    calls(): string[] {
        return readFileSync(path.join(this.dir, "calls"), "utf8").split("\n").filter((l) => l !== "");
    }

    /** Per call: the kubeconfig file it was given (`mode path`), and whether that file still exists now. */
    kubeconfigs(): { mode: string; path: string; content: string; existsNow: boolean }[] {
        return readFileSync(path.join(this.dir, "kubeconfigs"), "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l, i) => {
                const [mode, file] = l.split(" ");
                return { mode, path: file, content: readFileSync(path.join(this.dir, `kubeconfig.${i + 1}`), "utf8"), existsNow: existsSync(file) };
            });
    }

    get hanging(): boolean {
        return existsSync(path.join(this.dir, "hanging"));
    }
}

const SCRIPT = (dir: string) => `#!/bin/sh
# STAND-IN for kubectl, written by test/helpers/standInKubectl.ts: not kubectl, no API server.
d='${dir}'
printf '%s\\n' "$*" >> "$d/calls"
kc=""; ns=""; verb=""; selector=""; field=""; target=""; prev=""
for a in "$@"; do
  case "$prev" in
    --kubeconfig) kc="$a";;
    --namespace) ns="$a";;
    --selector) selector="$a";;
    --field-selector) field="$a";;
  esac
  case "$a" in
    get|logs) [ -z "$verb" ] && verb="$a";;
    pod/*) target="\${a#pod/}";;
  esac
  prev="$a"
done
n=$(($(wc -l < "$d/kubeconfigs") + 1))
printf '%s %s\\n' "$(stat -c '%a' "$kc")" "$kc" >> "$d/kubeconfigs"
cat "$kc" > "$d/kubeconfig.$n"
if [ "$(cat "$d/fail")" = "$verb" ]; then echo "error: stand-in failure injected at $verb" >&2; exit 1; fi
if [ "$(cat "$d/hang")" = "$verb" ]; then : > "$d/hanging"; while :; do sleep 1; done; fi
case "$verb" in
  get)
    job="\${selector#batch.kubernetes.io/job-name=}"
    phase="\${field#status.phase=}"
    out=$(awk -v ns="$ns" -v job="$job" -v phase="$phase" '$1 == ns && $2 == job && $3 == phase { print $4 " " $5 }' "$d/pods")
    if [ -z "$out" ]; then echo "No resources found in $ns namespace." >&2; exit 0; fi
    printf '%s\\n' "$out";;
  logs)
    if [ -f "$d/logs/$target" ] && awk -v ns="$ns" -v name="$target" '$1 == ns && $5 == name { found = 1 } END { exit !found }' "$d/pods"; then
      cat "$d/logs/$target"
    else
      echo "Error from server (NotFound): pods \\"$target\\" not found" >&2; exit 1
    fi;;
  *) echo "stand-in kubectl: unexpected call: $*" >&2; exit 2;;
esac
`;
