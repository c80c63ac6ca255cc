/**
 * `npm run report` as a platform engineer reads it: the figures, ratios and breaches of a stack's outputs in
 * Markdown, "not measured" where the outputs hold nothing, a well-formed SVG chart, no secret ever printed, and
 * a clear refusal (exit 2) of input that is not an aks-wasm stack's outputs of contract 1.x.
 *
 * The fixtures under test/fixtures/report/ are written by hand in the shape `pulumi stack output --json` prints
 * (every output at the top level, the kubeconfig as "[secret]"): this machine has no cluster to record one from.
 * Their figures are plausible, not measured. The CLI tests run the real script in a child process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { chartRows, renderMarkdown } from "../lib/report/report";
import { parseStackOutputs, ReportInputError } from "../lib/report/reportInput";
import { assertNoSecretValue, buildReport } from "../scripts/report";

const root = join(__dirname, "..");
const fixture = (name: string) => readFileSync(join(root, "test", "fixtures", "report", name), "utf8");
const V13 = fixture("stack-outputs-1.3.json");
const V12 = fixture("stack-outputs-1.2.json");
const V11 = fixture("stack-outputs-1.1.json");

/** The section of the Markdown from `## <app>` to the next app (or the chart). */
function appSection(md: string, app: string): string {
    const start = md.indexOf(`\n## ${app}\n`);
    assert.ok(start >= 0, `no section for ${app}`);
    const next = md.indexOf("\n## ", start + 1);
    return md.slice(start, next < 0 ? undefined : next);
}

/** A table row, cells trimmed. */
const rowOf = (md: string, label: string) => {
    const line = md.split("\n").find((l) => l.startsWith(`| ${label} |`));
    assert.ok(line, `no row "${label}"`);
    return line.split("|").slice(1, -1).map((c) => c.trim());
};

/** Every text node of an SVG, parsed with a real XML parser. */
function svgTexts(svg: string): string[] {
    const doc = new XMLParser({ ignoreAttributes: true, preserveOrder: true, trimValues: true }).parse(svg);
    const out: string[] = [];
    const walk = (nodes: unknown[]) => {
        for (const node of nodes as Record<string, unknown>[]) {
            for (const [k, v] of Object.entries(node)) {
                if (k === "#text") out.push(String(v));
                else if (Array.isArray(v)) walk(v);
            }
        }
    };
    walk(doc);
    return out;
}

/** Runs scripts/report.ts with `args`, `stdin` piped in. */
function runCli(args: string[], stdin: string | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(root, "scripts", "report.ts"), ...args], { cwd: root });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(stdin ?? "");
    });
}

describe("report of contract 1.3 outputs: every round counted, fallbacks marked (issue 19)", () => {
    const md = renderMarkdown(parseStackOutputs(V13));
    const hello = appSection(md, "hello-wasm");

    it("shows per side how many rounds timed out, and medians that count them", () => {
        assert.deepEqual(rowOf(hello, "rounds timed out (all Ready / first response / scale-in)"), [
            "rounds timed out (all Ready / first response / scale-in)", "**0 / 1 / 0 of 3**", "**1 / 0 / 0 of 3**", "",
        ]);
        assert.deepEqual(rowOf(hello, "first response, median"), ["first response, median", "1.34 s (1 of 3 timed out)", "3.41 s", "incomplete: wasm 2 of 3 rounds, container 3 of 3 rounds"]);
        assert.deepEqual(rowOf(hello, "first response, per round"), ["first response, per round", "timed out (> 300 s), 1.19, 1.34", "3.41, 3.29, 3.92", ""]);
        assert.deepEqual(rowOf(hello, "scale-in to 0, median"), ["scale-in to 0, median", "1.91 s", "31.54 s", "0.061×"], "a complete figure keeps its ratio");
    });

    it("marks every figure resting on a fallback: no under-load sample (memory judged at idle), timed-out rounds", () => {
        assert.deepEqual(rowOf(hello, "memory under load"), ["memory under load", "21.4 MiB (max 24.9)", "not measured ⚠️", "—"]);
        const marks = hello.slice(hello.indexOf("Figures that rest on a fallback:"));
        assert.match(marks, /- ⚠️ container: no under-load sample \(no metrics window lay wholly inside the 20 s of load \(see loadTestDurationSeconds\)\); the memory limit 64 MiB was checked at idle instead\./);
        assert.match(marks, /- ⚠️ wasm: rounds timed out \(firstResponse 1 of 3\)/);
        assert.match(marks, /- ⚠️ container: rounds timed out \(allReady 1 of 3\)/);
        assert.match(appSection(md, "quotes"), /- ⚠️ wasm: no under-load sample \(the load test had finished before it was first seen \(20 s of load\)\)\./);
    });

    it("shows CPU per 1,000 requests beside CPU per pod", () => {
        // 412 m per pod × 2 pods ÷ 329.29 requests/s × 1,000 = 2.502 CPU-seconds per 1,000 requests.
        assert.deepEqual(rowOf(hello, "CPU per 1,000 requests (under load)"), ["CPU per 1,000 requests (under load)", "2.502 CPU-s", "not measured", "—"]);
    });

    it("is what `npm run report` prints for the shipped fixture", async () => {
        const out = await runCli([join(root, "test", "fixtures", "report", "stack-outputs-1.3.json")], null);
        assert.equal(out.code, 0, out.stderr);
        assert.equal(out.stdout, md);
        assert.match(out.stdout, /\*\*1 \/ 0 \/ 0 of 3\*\*/);
        assert.match(out.stdout, /Figures that rest on a fallback:/);
    });
});

describe("report of contract 1.2 outputs (load test, scale-out, footprint, two targets)", () => {
    const md = renderMarkdown(parseStackOutputs(V12));
    const hello = appSection(md, "hello-wasm");

    it("shows the load test per target with the Wasm ÷ container ratios", () => {
        assert.deepEqual(rowOf(hello, "load test"), ["load test", "`wasm`", "`container`", "wasm ÷ container"]);
        assert.deepEqual(rowOf(hello, "requests"), ["requests", "6,589", "27,503", ""]);
        assert.deepEqual(rowOf(hello, "requests per second"), ["requests per second", "329.3", "1,374.5", "0.240×"]);
        assert.deepEqual(rowOf(hello, "latency p50"), ["latency p50", "28.4 ms", "6.8 ms", "4.176×"]);
        assert.deepEqual(rowOf(hello, "latency p95"), ["latency p95", "61.0 ms", "14.2 ms", "4.296×"]);
        assert.deepEqual(rowOf(hello, "latency p99"), ["latency p99", "97.2 ms", "22.9 ms", "4.245×"]);
        assert.deepEqual(rowOf(hello, "error rate"), ["error rate", "0.00 %", "0.05 %", "-0.05 percentage points"]);
        assert.match(hello, /Limits: p99 at most 500 ms, error rate at most 1\.00 %\./);
    });

    it("shows scale-out: medians, per-round values (a timed-out round named) and scale-in, with ratios", () => {
        assert.match(hello, /from 0 to 20 replicas and back, 3 rounds/);
        // Contract 1.2 exported 30.09 s (the timed-out round left out) and a ratio of 0.135 (issue 19): the report
        // counts every round instead, and shows no ratio for a side that lost rounds.
        assert.deepEqual(rowOf(hello, "all Ready, median"), ["all Ready, median", "4.05 s", "31.40 s (1 of 3 timed out)", "incomplete: wasm 3 of 3 rounds, container 2 of 3 rounds"]);
        assert.deepEqual(rowOf(hello, "first response, median"), ["first response, median", "1.20 s", "3.41 s", "0.353×"]);
        assert.deepEqual(rowOf(hello, "scale-in to 0, median"), ["scale-in to 0, median", "1.91 s", "31.54 s", "0.061×"]);
        assert.deepEqual(rowOf(hello, "all Ready, per round"), ["all Ready, per round", "4.21, 3.87, 4.05", "31.40, 28.77, timed out", ""]);
        assert.deepEqual(rowOf(hello, "rounds timed out (all Ready / first response / scale-in)"), ["rounds timed out (all Ready / first response / scale-in)", "0 / 0 / 0 of 3", "**1 / 0 / 0 of 3**", ""]);
        assert.deepEqual(rowOf(hello, "twin back at 0 replicas"), ["twin back at 0 replicas", "yes", "yes", ""]);
    });

    it("shows the footprint idle and under load, and the pulled bytes, with ratios", () => {
        assert.deepEqual(rowOf(hello, "memory idle"), ["memory idle", "9.8 MiB (max 10.4)", "41.2 MiB (max 42.0)", "0.238×"]);
        assert.deepEqual(rowOf(hello, "memory under load"), ["memory under load", "21.4 MiB (max 24.9)", "58.9 MiB (max 63.3)", "0.363×"]);
        assert.deepEqual(rowOf(hello, "CPU under load"), ["CPU under load", "412.0 m", "385.0 m", "1.070×"]);
        assert.deepEqual(rowOf(hello, "pulled bytes"), ["pulled bytes", "12.42 MiB (13,023,741 B)", "77.47 MiB (81,234,567 B)", "0.160×"]);
    });

    it('writes "not measured" (and no ratio) where the outputs hold no figure', () => {
        assert.deepEqual(rowOf(hello, "CPU idle"), ["CPU idle", "1.0 m", "not measured", "—"]);
        const quotes = appSection(md, "quotes");
        assert.deepEqual(rowOf(quotes, "memory under load"), ["memory under load", "not measured"]);
        assert.deepEqual(rowOf(quotes, "footprint"), ["footprint", "`wasm`"], "no container column, no ratio column");
        assert.match(quotes, /No `container` target for this app .*: no ratios\./);
    });

    it("lists the breached threshold first and marks the failed verdict", () => {
        const thresholds = md.slice(md.indexOf("## Thresholds"), md.indexOf("## hello-wasm"));
        assert.match(thresholds, /1 breached:/);
        assert.match(thresholds, /- ❌ hello-wasm · container · scale-out and footprint: median time until all 20 twin pods are Ready 30\.087 s exceeds aks-wasm:measureMaxScaleOutSeconds 30/);
        const scale = hello.slice(hello.indexOf("### Scale-out"), hello.indexOf("### Footprint"));
        assert.deepEqual(rowOf(scale, "verdict"), ["verdict", "✅ pass", "❌ **fail**", ""]);
        assert.match(scale, /Limits: all Ready within 30\.0 s \(median\)\./);
    });

    it("names a twin that did not end at 0 replicas as a problem", () => {
        const outputs = JSON.parse(V12);
        outputs.loadTest["hello-wasm"].measurements.wasm.twinScaledToZero = false;
        const text = renderMarkdown(parseStackOutputs(JSON.stringify(outputs)));
        assert.match(text, /- ❌ hello-wasm · wasm · the twin Deployment did not end at 0 replicas/);
        assert.deepEqual(rowOf(appSection(text, "hello-wasm"), "twin back at 0 replicas"), ["twin back at 0 replicas", "**no**", "yes", ""]);
    });

    it("says so when nothing is breached", () => {
        const outputs = JSON.parse(V12);
        const c = outputs.loadTest["hello-wasm"].measurements.container;
        c.breaches = [];
        c.verdict = "pass";
        assert.match(renderMarkdown(parseStackOutputs(JSON.stringify(outputs))), /## Thresholds\n\n✅ No threshold breached\./);
    });
});

describe("report of contract 1.1 outputs (load test only)", () => {
    const md = renderMarkdown(parseStackOutputs(V11));

    it("renders the load-test part with its ratios", () => {
        assert.match(md, /Outputs contract 1\.1, cluster `aks-wasm-dev-aks`/);
        assert.deepEqual(rowOf(md, "requests per second"), ["requests per second", "329.3", "1,374.5", "0.240×"]);
        assert.deepEqual(rowOf(md, "latency p99"), ["latency p99", "97.2 ms", "22.9 ms", "4.245×"]);
        assert.deepEqual(rowOf(md, "verdict"), ["verdict", "✅ pass", "✅ pass", ""]);
    });

    it('writes "not measured" for scale-out, startup and footprint', () => {
        assert.match(md, /### Scale-out and startup\n\nNot measured: the outputs hold no scale-out, startup or footprint measurement/);
        assert.doesNotMatch(md, /### Footprint/);
        assert.match(md, /## Thresholds\n\n✅ No threshold breached\./);
    });

    it("charts only the load-test ratios", () => {
        assert.deepEqual(chartRows(parseStackOutputs(V11)).map((r) => r.figure), ["requests per second", "latency p50", "latency p95", "latency p99"]);
    });

    it("forms the ratios itself, the same way, when the outputs carry no comparison; an exported ratio wins", () => {
        const outputs = JSON.parse(V11);
        const lt = outputs.loadTest["hello-wasm"];
        delete lt.comparison;
        assert.deepEqual(rowOf(renderMarkdown(parseStackOutputs(JSON.stringify(outputs))), "requests per second"), ["requests per second", "329.3", "1,374.5", "0.240×"]);
        lt.comparison = { subject: "wasm", baseline: "container", rpsRatio: 0.5, p50Ratio: null, p99Ratio: null, errorRateDelta: null };
        const text = renderMarkdown(parseStackOutputs(JSON.stringify(outputs)));
        assert.deepEqual(rowOf(text, "requests per second"), ["requests per second", "329.3", "1,374.5", "0.500×"]);
        assert.deepEqual(rowOf(text, "latency p50"), ["latency p50", "28.4 ms", "6.8 ms", "—"], "exported null: the stack could not form it");
    });

    it('says "not measured" for the load test when the outputs have none (loadTest off)', () => {
        const outputs = JSON.parse(V11);
        delete outputs.loadTest;
        const text = renderMarkdown(parseStackOutputs(JSON.stringify(outputs)));
        assert.match(text, /### Load test\n\nNot measured: the outputs hold no load test for this app/);
        assert.match(text, /No load test or measurement in the outputs: nothing was checked\./);
    });
});

describe("comparison chart (SVG)", () => {
    it("is well-formed SVG with a bar label and a value label for every ratio", async () => {
        const { svg, markdown } = await buildReport(V12, { withChart: true });
        assert.ok(svg);
        assert.equal(XMLValidator.validate(svg), true, "well-formed XML");
        assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        const texts = svgTexts(svg);
        for (const label of [
            "hello-wasm · first response (median)",
            "hello-wasm · scale-in (median)",
            "hello-wasm · memory per pod, idle",
            "hello-wasm · memory per pod, under load",
            "hello-wasm · pulled bytes",
            "hello-wasm · requests per second",
            "hello-wasm · latency p99",
        ]) {
            assert.ok(texts.includes(label), `bar label "${label}" in ${JSON.stringify(texts)}`);
        }
        for (const value of ["0.238×", "0.16×", "4.245×"]) assert.ok(texts.includes(value), `value label ${value}`);
        assert.ok(!texts.includes("0.135×") && !texts.includes("hello-wasm · all Ready (median)"), "no bar for an incomplete ratio (a side lost rounds)");
        assert.ok(!texts.some((t) => t.startsWith("quotes ·")), "an app without a baseline has no bars");
        assert.ok(!texts.includes("hello-wasm · CPU per pod, idle"), "no bar for a ratio that is not formed");
        assert.match(markdown, /## Chart\n\n!\[Wasm ÷ container ratios\]\(comparison\.svg\)\n$/);
    });

    it("says there is nothing to compare when no ratio can be formed", async () => {
        const outputs = JSON.parse(V11);
        const lt = outputs.loadTest["hello-wasm"];
        delete lt.summaries.container;
        delete lt.comparison;
        const { svg } = await buildReport(JSON.stringify(outputs), { withChart: true });
        assert.equal(XMLValidator.validate(svg!), true);
        assert.ok(svgTexts(svg!).some((t) => t.startsWith("No ratio to chart")));
    });
});

describe("secrets", () => {
    // A kubeconfig as `pulumi stack output --json --show-secrets` would print it (values invented for the test).
    const token = "eyJhbGciOiJSUzI1NiJ9.c3RhbmQtaW4tdG9rZW4tZm9yLXRoZS1yZXBvcnQtdGVzdA.c2lnbmF0dXJl";
    const ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUU2VENDQXRHZ0F3SUJBZ0lSQU";
    const kubeconfig = [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        `    certificate-authority-data: ${ca}`,
        "    server: https://aks-wasm-dev-aks-3f9c2a.hcp.westeurope.azmk8s.io:443",
        "  name: aks-wasm-dev-aks",
        "users:",
        "- name: clusterUser_aks-wasm-dev-rg_aks-wasm-dev-aks",
        "  user:",
        `    token: ${token}`,
    ].join("\n");

    it("never prints the kubeconfig: not its placeholder, not its value when given with --show-secrets", async () => {
        const plain = await buildReport(V12, { withChart: true });
        for (const text of [plain.markdown, plain.svg!]) assert.ok(!text.includes("[secret]") && !/kubeconfig/i.test(text));
        const outputs = JSON.parse(V12);
        outputs.kubeconfig = kubeconfig;
        const shown = await buildReport(JSON.stringify(outputs), { withChart: true });
        for (const text of [shown.markdown, shown.svg!]) {
            assert.ok(!text.includes(token) && !text.includes(ca) && !text.includes("azmk8s.io"), "no part of the kubeconfig");
        }
        assert.equal(shown.markdown, plain.markdown, "the secret changes nothing in the report");
    });

    it("refuses to write a report that would contain a line of a plain-text kubeconfig", () => {
        const outputs = JSON.stringify({ kubeconfig });
        assert.throws(() => assertNoSecretValue(outputs, `| x | ${token} |`), ReportInputError);
        assert.throws(() => assertNoSecretValue(outputs, `server: https://aks-wasm-dev-aks-3f9c2a.hcp.westeurope.azmk8s.io:443`), /kubeconfig/);
        assert.doesNotThrow(() => assertNoSecretValue(outputs, "| requests | 6,589 |"));
        // The cluster name is in the kubeconfig and in the public clusterName output: printing it reveals nothing.
        const withName = JSON.stringify({ kubeconfig, clusterName: "aks-wasm-dev-aks" });
        assert.doesNotThrow(() => assertNoSecretValue(withName, "Outputs contract 1.2, cluster `aks-wasm-dev-aks`."));
        assert.throws(() => assertNoSecretValue(withName, ca), ReportInputError);
        assert.doesNotThrow(() => assertNoSecretValue(JSON.stringify({ kubeconfig: "[secret]" }), "[secret]"));
    });

    it("does not quote input that is not an object of outputs (it could be one secret output printed alone)", () => {
        assert.throws(() => parseStackOutputs(JSON.stringify(kubeconfig)), (e: Error) => {
            assert.match(e.message, /is a JSON string, not a JSON object of stack outputs/);
            assert.ok(!e.message.includes("apiVersion") && !e.message.includes(ca));
            return true;
        });
    });
});

describe("input validation", () => {
    const bad = (text: string) => {
        try {
            parseStackOutputs(text, "stdin");
        } catch (e) {
            assert.ok(e instanceof ReportInputError, String(e));
            return e.message;
        }
        assert.fail("accepted");
    };

    it("refuses text that is not JSON, JSON that is not an object, and an object without a contract version", () => {
        assert.match(bad(""), /^stdin is empty; expected the JSON that `pulumi stack output --json` prints for an aks-wasm stack\.$/);
        assert.match(bad("Current stack is dev:\n    OUTPUT  VALUE"), /^stdin is not JSON \(.*\); expected the JSON that `pulumi stack output --json` prints/);
        assert.match(bad("[1, 2]"), /^stdin is a JSON array, not a JSON object of stack outputs/);
        assert.match(bad('{"name": "some-other-project"}'), /^stdin has no usable contractVersion \(found missing\); .*Is it the output of an aks-wasm stack\?$/);
        assert.match(bad('{"contractVersion": 1.2}'), /has no usable contractVersion \(found 1\.2\)/);
    });

    it("refuses another contract major, naming both versions", () => {
        const outputs = JSON.parse(V12);
        outputs.contractVersion = "2.0";
        assert.match(bad(JSON.stringify(outputs)), /^stdin is outputs contract 2\.0, but this report reads contract 1\.x \(OUTPUTS_CONTRACT_VERSION 1\.\d+\)\./);
    });

    it("accepts a newer minor (minors only add fields)", () => {
        const outputs = JSON.parse(V12);
        outputs.contractVersion = "1.9";
        outputs.somethingNew = { a: 1 };
        assert.equal(parseStackOutputs(JSON.stringify(outputs)).contractVersion, "1.9");
    });

    it("names every malformed field at once, with its path", () => {
        const outputs = JSON.parse(V12);
        outputs.loadTest["hello-wasm"].summaries.wasm.rps = "fast";
        outputs.loadTest["hello-wasm"].measurements.container.allReady.rounds = "three";
        outputs.loadTest["hello-wasm"].measurementComparison.pulledBytes = "small";
        const message = bad(JSON.stringify(outputs));
        assert.match(message, /has fields the report cannot read:/);
        assert.match(message, /- loadTest\.hello-wasm\.summaries\.wasm\.rps = "fast"; accepted: a finite number ≥ 0, or null/);
        assert.match(message, /- loadTest\.hello-wasm\.measurements\.container\.allReady\.rounds = "three"; accepted: a list of numbers or nulls/);
        assert.match(message, /- loadTest\.hello-wasm\.measurementComparison\.pulledBytes = "small"; accepted: a finite number, or null/);
    });
});

describe("npm run report (the CLI)", () => {
    it("reads stdin and prints Markdown", async () => {
        const r = await runCli([], V12);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^# aks-wasm: Wasm beside the container\n/);
        assert.match(r.stdout, /\| all Ready, median \| 4\.05 s \| 31\.40 s \(1 of 3 timed out\) \| incomplete: wasm 3 of 3 rounds, container 2 of 3 rounds \|/);
        assert.doesNotMatch(r.stdout, /## Chart/, "no chart link without --out");
    });

    it("reads a file and writes report.md and comparison.svg with --out", async () => {
        const dir = join(mkdtempSync(join(tmpdir(), "aks-wasm-report-")), "out");
        const r = await runCli([join(root, "test", "fixtures", "report", "stack-outputs-1.1.json"), "--out", dir], null);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(readFileSync(join(dir, "report.md"), "utf8"), /Outputs contract 1\.1[\s\S]*!\[Wasm ÷ container ratios\]\(comparison\.svg\)/);
        assert.equal(XMLValidator.validate(readFileSync(join(dir, "comparison.svg"), "utf8")), true);
    });

    for (const [what, input, message] of [
        ["input that is not JSON", "error: no stack named 'dev' found", /report: stdin is not JSON/],
        ["JSON that is not stack outputs", '{"foo": 1}', /report: stdin has no usable contractVersion/],
        ["another contract major", JSON.stringify({ ...JSON.parse(V12), contractVersion: "2.0" }), /report: stdin is outputs contract 2\.0, but this report reads contract 1\.x/],
        ["empty input (pulumi stack output failed)", "", /report: stdin is empty/],
    ] as const) {
        it(`exits 2 with a clear message on ${what}`, async () => {
            const r = await runCli([], input);
            assert.equal(r.code, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
        });
    }

    it("exits 2 on a missing file and on an unknown option", async () => {
        const missing = await runCli([join(tmpdir(), "no-such-outputs.json")], null);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /ENOENT/);
        const unknown = await runCli(["--show-secrets"], V12);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /Unknown option '--show-secrets'[\s\S]*usage:/);
    });
});
