/**
 * `npm run --silent report [-- <outputs.json>] [--out <dir>]`
 *
 * Turns `pulumi stack output --json` (from the file named, or from stdin) into a Markdown summary of the
 * comparison of the Wasm app with its container baseline: load test, scale-out and startup, footprint, pulled
 * bytes, the Wasm ÷ container ratios and every breached threshold.
 *   pulumi stack output --json | npm run --silent report                     Markdown on stdout
 *   pulumi stack output --json | npm run --silent report -- --out report/    report/report.md + report/comparison.svg
 * Run it without `--show-secrets`: the report reads no secret output, and refuses to print one if given
 * (platform-contracts REPORT-1).
 *
 * Exit codes: 0 written; 2 bad arguments or input that is not an aks-wasm stack's outputs of contract 1.x
 * (the message says what was expected); 1 anything else.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chartRows, renderMarkdown } from "../lib/report/report";
import { renderComparisonSvg } from "../lib/report/reportChart";
import { parseStackOutputs, ReportInputError } from "../lib/report/reportInput";

const USAGE =
    "usage: pulumi stack output --json | npm run --silent report [-- --out <dir>]\n" +
    "       npm run --silent report -- <outputs.json> [--out <dir>]";

/** What the CLI writes: Markdown for stdout, or files for `--out`. */
export interface ReportFiles {
    markdown: string;
    svg?: string;
}

/**
 * The report of `outputsJson`. With `withChart`, report.md links comparison.svg beside it and the SVG is rendered.
 * Throws {@link ReportInputError} for unusable input or when a secret output's value would be printed.
 */
export async function buildReport(outputsJson: string, options: { source?: string; withChart?: boolean } = {}): Promise<ReportFiles> {
    const input = parseStackOutputs(outputsJson, options.source);
    const markdown = renderMarkdown(input, options.withChart ? { chart: { href: "comparison.svg", alt: "Wasm ÷ container ratios" } } : {});
    const svg = options.withChart ? await renderComparisonSvg(chartRows(input)) : undefined;
    for (const text of [markdown, svg ?? ""]) assertNoSecretValue(outputsJson, text);
    return { markdown, svg };
}

/**
 * The report never reads `kubeconfig`; this is the second line of defence. When the input carries a secret's
 * plain value (`--show-secrets`), the report must not contain it, nor any of its lines or values (16 characters
 * or more: shorter ones, like `apiVersion: v1`, identify nothing).
 */
export function assertNoSecretValue(outputsJson: string, report: string): void {
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(outputsJson) as Record<string, unknown>;
    } catch {
        return;
    }
    const kubeconfig = outputs?.kubeconfig;
    if (typeof kubeconfig !== "string" || kubeconfig === "[secret]") return;
    // Text that other, public outputs also hold (the cluster name in a context name) identifies nothing secret.
    const { kubeconfig: _secret, ...rest } = outputs;
    const publicText = JSON.stringify(rest);
    // The whole value, each line, and each line's value after "key:" (a token or certificate on its own).
    const lines = kubeconfig.split(/\r?\n/).map((l) => l.trim());
    const values = lines.map((l) => l.replace(/^-?\s*[\w.-]+:\s*/, "").replace(/^["']|["']$/g, ""));
    const pieces = [kubeconfig, ...lines, ...values].filter((p) => p.length >= 16 && !publicText.includes(p));
    if (pieces.some((p) => report.includes(p))) {
        throw new ReportInputError("the report would contain part of the kubeconfig output; nothing was written. Run `pulumi stack output --json` without --show-secrets.");
    }
}

async function readInput(file: string | undefined): Promise<{ text: string; source: string }> {
    if (file !== undefined) return { text: readFileSync(file, "utf8"), source: file };
    if (process.stdin.isTTY) throw new ReportInputError(`no input: pipe \`pulumi stack output --json\` into the report, or name a file.\n${USAGE}`);
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString("utf8"), source: "stdin" };
}

async function main(argv: string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: "string" }, help: { type: "boolean", short: "h" } } });
    } catch (e) {
        process.stderr.write(`report: ${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (parsed.values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (parsed.positionals.length > 1) {
        process.stderr.write(`report: one input file at most (got ${parsed.positionals.length}).\n${USAGE}\n`);
        return 2;
    }
    try {
        const { text, source } = await readInput(parsed.positionals[0]);
        const out = parsed.values.out;
        const report = await buildReport(text, { source, withChart: out !== undefined });
        if (out === undefined) {
            process.stdout.write(report.markdown);
        } else {
            mkdirSync(out, { recursive: true });
            writeFileSync(join(out, "report.md"), report.markdown);
            writeFileSync(join(out, "comparison.svg"), report.svg!);
            process.stderr.write(`report: wrote ${join(out, "report.md")} and ${join(out, "comparison.svg")}\n`);
        }
        return 0;
    } catch (e) {
        if (e instanceof ReportInputError || (e as NodeJS.ErrnoException).code === "ENOENT") {
            process.stderr.write(`report: ${(e as Error).message}\n`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e) => {
            process.stderr.write(`report: ${(e as Error).stack ?? e}\n`);
            process.exitCode = 1;
        },
    );
}
