/**
 * The report of a deployed stack: per app, per target (Wasm app, container baseline), the load test, scale-out and
 * startup, footprint and pulled bytes, with the Wasm ÷ container ratios and every breached threshold. Pure: a
 * {@link ReportInput} (lib/report/reportInput.ts) in, Markdown and chart rows out. scripts/report.ts does the I/O.
 *
 * An absent figure is written "not measured"; a ratio that cannot be formed is "—". The ratios are the ones the
 * stack exported (`comparison`, `measurementComparison`); for figures those do not carry (p95, scale-in) and for
 * outputs without a comparison, the report forms them the same way (subject ÷ baseline, 3 decimals, none when
 * either side is missing or the baseline is 0; lib/results/loadTestResult.ts `compareSummaries`).
 *
 * Every round counts (issue 19): time medians are recomputed from the rounds with a timed-out round as the longest
 * (so contract 1.2 outputs read the same way), a time ratio is "incomplete" with the counts unless both sides have
 * every round, and every figure that rests on a fallback (no under-load sample, rounds timed out, a side missing)
 * is listed under its app's footprint table.
 */
import type { ReportApp, ReportFootprint, ReportInput, ReportLoadTest, ReportMeasurement, ReportTimes } from "./reportInput";
import { ratio, round } from "../results/ratio";

export const NOT_MEASURED = "not measured";
/** A ratio left out because a side lost rounds (followed by the counts). */
export const INCOMPLETE = "incomplete";
const NO_RATIO = "—";

/** Where report.md finds the chart, when it is written beside it (`--out`). */
export interface ChartLink {
    href: string;
    alt: string;
}

/** One bar of the comparison chart. */
export interface ChartRow {
    app: string;
    figure: string;
    /** `<app> · <figure>` when the report holds more than one app, else the figure. */
    label: string;
    ratio: number;
    /** Which side the ratio favours, given whether more or less of the figure is better. */
    favours: "Wasm" | "container" | "neither";
}

/** The figures compared, in the order shown; `higherIsBetter` only for throughput. */
const FIGURES = [
    { key: "allReadyMedian", label: "all Ready (median)", higherIsBetter: false },
    { key: "firstResponseMedian", label: "first response (median)", higherIsBetter: false },
    { key: "scaleInMedian", label: "scale-in (median)", higherIsBetter: false },
    { key: "idleMemoryMiB", label: "memory per pod, idle", higherIsBetter: false },
    { key: "underLoadMemoryMiB", label: "memory per pod, under load", higherIsBetter: false },
    { key: "idleCpuMillicores", label: "CPU per pod, idle", higherIsBetter: false },
    { key: "underLoadCpuMillicores", label: "CPU per pod, under load", higherIsBetter: false },
    { key: "cpuPer1000Requests", label: "CPU per 1,000 requests", higherIsBetter: false },
    { key: "pulledBytes", label: "pulled bytes", higherIsBetter: false },
    { key: "rps", label: "requests per second", higherIsBetter: true },
    { key: "p50", label: "latency p50", higherIsBetter: false },
    { key: "p95", label: "latency p95", higherIsBetter: false },
    { key: "p99", label: "latency p99", higherIsBetter: false },
] as const;
type FigureKey = (typeof FIGURES)[number]["key"];

export { ratio } from "../results/ratio";

/**
 * The median of a figure's rounds, every round counted: a timed-out round (null) as longer than any measured one
 * (lib/results/measurementResult.ts `medianSeconds`, the rule since contract 1.3). Recomputed here so that contract 1.2
 * outputs, whose medians left timed-out rounds out, are read by the same rule. Null: the median round timed out.
 */
export function countedMedian(t: ReportTimes | undefined): number | null {
    if (!t) return null;
    if (!t.rounds || t.rounds.length === 0) return t.median;
    const sorted = t.rounds.map((x) => (x === null ? Number.POSITIVE_INFINITY : x)).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const m = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return Number.isFinite(m) ? round(m, 3) : null;
}

/** Rounds of a figure that timed out, or null when its rounds are not in the outputs. */
function timedOut(t: ReportTimes | undefined): number | null {
    return t?.timedOut ?? null;
}

/**
 * CPU time per 1,000 requests under load, in CPU-seconds: the per-pod median CPU under load × the pods sampled
 * (the serving Deployment's CPU rate) ÷ the load test's requests per second × 1,000. An estimate (a median per pod
 * times the pod count, and the load test's average rate), but one that scales CPU by the work done: CPU per pod
 * alone favours the side that served fewer requests. Null when either figure is missing.
 */
export function cpuPer1000Requests(underLoad: ReportFootprint | undefined, rps: number | null | undefined): number | null {
    if (!underLoad || underLoad.cpuMillicores === null || underLoad.pods === null || underLoad.pods === 0 || !rps) return null;
    return round(((underLoad.cpuMillicores / 1000) * underLoad.pods * 1000) / rps, 3);
}

const TIME_FIGURES = { allReadyMedian: "allReady", firstResponseMedian: "firstResponse", scaleInMedian: "scaleIn" } as const;

/**
 * Why a time ratio is left out: a side lost rounds (timed out), with the completed rounds of each side, e.g.
 * "incomplete: wasm 1 of 3 rounds, container 3 of 3". Undefined when both sides have every round.
 */
export function incompleteRatio(app: ReportApp, figure: keyof typeof TIME_FIGURES): string | undefined {
    const side = (t: string) => app.measurements?.[t]?.[TIME_FIGURES[figure]];
    const s = side(app.subject);
    const b = side(app.baseline);
    if (!s || !b || (!timedOut(s) && !timedOut(b))) return undefined;
    const done = (t: ReportTimes) => (t.rounds ? `${t.rounds.length - (t.timedOut ?? 0)} of ${t.rounds.length} rounds` : "rounds unknown");
    return `${INCOMPLETE}: ${app.subject} ${done(s)}, ${app.baseline} ${done(b)}`;
}

/** Every Wasm ÷ container ratio of one app: exported by the stack where it did, else formed from both sides. */
export function appRatios(app: ReportApp): Record<FigureKey, number | null> {
    const lt = (t: string) => app.loadTest?.[t];
    const ms = (t: string) => app.measurements?.[t];
    const s = app.subject;
    const b = app.baseline;
    const exported = (value: number | null, present: boolean, formed: number | null) => (present ? value : formed);
    const lc = app.hasLoadTestComparison;
    const mc = app.hasMeasurementComparison;
    const r = app.ratios;
    // A time ratio only when both sides have every round (issue 19): an exported one from before contract 1.3
    // could compare a median of the fast rounds with a median of all of them, so it is not trusted either.
    const time = (figure: keyof typeof TIME_FIGURES, value: number | null) => (incompleteRatio(app, figure) ? null : value);
    const median = (t: string, f: (typeof TIME_FIGURES)[keyof typeof TIME_FIGURES]) => countedMedian(ms(t)?.[f]);
    return {
        allReadyMedian: time("allReadyMedian", exported(r.allReadyMedian, mc, ratio(median(s, "allReady"), median(b, "allReady")))),
        firstResponseMedian: time("firstResponseMedian", exported(r.firstResponseMedian, mc, ratio(median(s, "firstResponse"), median(b, "firstResponse")))),
        scaleInMedian: time("scaleInMedian", ratio(median(s, "scaleIn"), median(b, "scaleIn"))),
        idleMemoryMiB: exported(r.idleMemoryMiB, mc, ratio(ms(s)?.idle.memoryMiB, ms(b)?.idle.memoryMiB)),
        underLoadMemoryMiB: exported(r.underLoadMemoryMiB, mc, ratio(ms(s)?.underLoad.memoryMiB, ms(b)?.underLoad.memoryMiB)),
        idleCpuMillicores: exported(r.idleCpuMillicores, mc, ratio(ms(s)?.idle.cpuMillicores, ms(b)?.idle.cpuMillicores)),
        underLoadCpuMillicores: exported(r.underLoadCpuMillicores, mc, ratio(ms(s)?.underLoad.cpuMillicores, ms(b)?.underLoad.cpuMillicores)),
        cpuPer1000Requests: ratio(cpuPer1000Requests(ms(s)?.underLoad, lt(s)?.rps), cpuPer1000Requests(ms(b)?.underLoad, lt(b)?.rps)),
        pulledBytes: exported(r.pulledBytes, mc, ratio(ms(s)?.pulledBytes, ms(b)?.pulledBytes)),
        rps: exported(r.rps, lc, ratio(lt(s)?.rps, lt(b)?.rps)),
        p50: exported(r.p50, lc, ratio(lt(s)?.p50, lt(b)?.p50)),
        p95: ratio(lt(s)?.p95, lt(b)?.p95),
        p99: exported(r.p99, lc, ratio(lt(s)?.p99, lt(b)?.p99)),
    };
}

/**
 * The bars of the comparison chart: every ratio > 0 of every app (a log scale cannot place 0; a ratio of 0 stays
 * in the tables).
 */
export function chartRows(input: ReportInput): ChartRow[] {
    const many = input.apps.length > 1;
    return input.apps.flatMap((app) => {
        const ratios = appRatios(app);
        return FIGURES.flatMap((f) => {
            const value = ratios[f.key];
            if (value === null || value <= 0) return [];
            const wasmAhead = f.higherIsBetter ? value > 1 : value < 1;
            return [{
                app: app.name,
                figure: f.label,
                label: many ? `${app.name} · ${f.label}` : f.label,
                ratio: value,
                favours: value === 1 ? "neither" : wasmAhead ? "Wasm" : "container",
            } satisfies ChartRow];
        });
    });
}

/** Every breached threshold (and a twin left above 0 replicas), as sentences naming the app and target. */
export function breaches(input: ReportInput): string[] {
    return input.apps.flatMap((app) =>
        app.targets.flatMap((t) => [
            ...(app.loadTest?.[t]?.breaches ?? []).map((b) => `${app.name} · ${t} · load test: ${b}`),
            ...(app.measurements?.[t]?.breaches ?? []).map((b) => `${app.name} · ${t} · scale-out and footprint: ${b}`),
            ...(app.measurements?.[t]?.twinScaledToZero === false
                ? [`${app.name} · ${t} · the twin Deployment did not end at 0 replicas (it still holds capacity)`]
                : []),
        ]),
    );
}

/** The whole report as GitHub-flavoured Markdown (tables, no HTML), ending with a newline. */
export function renderMarkdown(input: ReportInput, options: { chart?: ChartLink } = {}): string {
    const lines: string[] = [];
    lines.push("# aks-wasm: Wasm beside the container", "");
    lines.push(
        `Outputs contract ${esc(input.contractVersion)}${input.clusterName ? `, cluster \`${code(input.clusterName)}\`` : ""}. ` +
            `Ratios are Wasm ÷ container: below 1 the Wasm app needs less (time, memory, CPU, bytes); for requests per ` +
            `second above 1 is better. "${NOT_MEASURED}": the outputs hold no such figure; "${NO_RATIO}": no ratio (a side not measured, or 0).`,
        "",
    );
    const all = breaches(input);
    lines.push("## Thresholds", "");
    if (all.length > 0) {
        lines.push(`${all.length} breached:`, "", ...all.map((b) => `- ❌ ${esc(b)}`), "");
    } else if (input.apps.some((a) => a.loadTest || a.measurements)) {
        lines.push("✅ No threshold breached.", "");
    } else {
        lines.push(`No load test or measurement in the outputs: nothing was checked.`, "");
    }
    if (input.apps.length === 0) lines.push("The outputs hold no app.", "");
    for (const app of input.apps) lines.push(...appSection(app));
    if (options.chart) {
        lines.push("## Chart", "", `![${esc(options.chart.alt)}](${options.chart.href})`, "");
    }
    return lines.join("\n").replace(/\n+$/, "\n");
}

function appSection(app: ReportApp): string[] {
    const out: string[] = [`## ${esc(app.name)}`, ""];
    const targets = app.targets;
    const ratios = appRatios(app);
    const compared = targets.includes(app.subject) && targets.includes(app.baseline);
    const head = (title: string) => {
        const cols = [title, ...targets.map((t) => `\`${code(t)}\``), ...(compared ? [`${esc(app.subject)} ÷ ${esc(app.baseline)}`] : [])];
        return [row(cols), row(cols.map((_, i) => (i === 0 ? "---" : "---:")))];
    };
    const line = (label: string, cell: (t: string) => string, r?: string) =>
        row([label, ...targets.map(cell), ...(compared ? [r ?? ""] : [])]);

    if (!compared && targets.length > 0) {
        out.push(`No \`${code(app.baseline)}\` target for this app (the container baseline is off or serves another app): no ratios.`, "");
    }
    out.push("### Load test", "");
    if (!app.loadTest || Object.keys(app.loadTest).length === 0) {
        out.push(`${cap(NOT_MEASURED)}: the outputs hold no load test for this app (\`aks-wasm:loadTest\` off).`, "");
    } else {
        const lt = (t: string) => app.loadTest?.[t];
        const delta = app.ratios.errorRateDelta ?? errorRateDelta(lt(app.subject), lt(app.baseline));
        out.push(
            ...head("load test"),
            line("requests", (t) => cell(lt(t)?.requests, (v) => integer(v)), ""),
            line("requests per second", (t) => cell(lt(t)?.rps, (v) => fixed(v, 1)), times(ratios.rps)),
            line("latency p50", (t) => cell(lt(t)?.p50, (v) => `${fixed(v, 1)} ms`), times(ratios.p50)),
            line("latency p95", (t) => cell(lt(t)?.p95, (v) => `${fixed(v, 1)} ms`), times(ratios.p95)),
            line("latency p99", (t) => cell(lt(t)?.p99, (v) => `${fixed(v, 1)} ms`), times(ratios.p99)),
            line("error rate", (t) => cell(lt(t)?.errorRate, (v) => percent(v)), delta === null ? NO_RATIO : `${delta >= 0 ? "+" : ""}${fixed(delta * 100, 2)} percentage points`),
            line("verdict", (t) => verdict(lt(t)?.verdict ?? null, lt(t) !== undefined), ""),
            "",
        );
        const limits = loadTestLimits(Object.values(app.loadTest));
        if (limits) out.push(`Limits: ${limits}.`, "");
    }

    out.push("### Scale-out and startup", "");
    if (!app.measurements || Object.keys(app.measurements).length === 0) {
        out.push(`${cap(NOT_MEASURED)}: the outputs hold no scale-out, startup or footprint measurement for this app (outputs contract before 1.2, or the measurement is off).`, "");
        return out;
    }
    const ms = (t: string) => app.measurements?.[t];
    const first = Object.values(app.measurements)[0];
    const n = first.replicas;
    out.push(
        `A twin of each serving Deployment scaled from 0 to ${n ?? "N"} replicas and back, ${first.rounds ?? "?"} rounds; ` +
            "times from the scale request, seconds.",
        "",
        ...head("scale-out"),
        line("all Ready, median", (t) => median(ms(t)?.allReady), timeRatio(app, "allReadyMedian", ratios.allReadyMedian)),
        line("first response, median", (t) => median(ms(t)?.firstResponse), timeRatio(app, "firstResponseMedian", ratios.firstResponseMedian)),
        line("scale-in to 0, median", (t) => median(ms(t)?.scaleIn), timeRatio(app, "scaleInMedian", ratios.scaleInMedian)),
        line("rounds timed out (all Ready / first response / scale-in)", (t) => timedOutCounts(ms(t)), ""),
        line("all Ready, per round", (t) => perRound(ms(t)?.allReady), ""),
        line("first response, per round", (t) => perRound(ms(t)?.firstResponse), ""),
        line("scale-in, per round", (t) => perRound(ms(t)?.scaleIn), ""),
        line("twin back at 0 replicas", (t) => (ms(t) === undefined || ms(t)!.twinScaledToZero === null ? NOT_MEASURED : ms(t)!.twinScaledToZero ? "yes" : "**no**"), ""),
        line("verdict", (t) => verdict(ms(t)?.verdict ?? null, ms(t) !== undefined), ""),
        "",
    );
    out.push(
        "A round that timed out counts in its median as longer than any measured round (it took at least its timeout); " +
            `a time ratio is shown only when both sides have every round, else "${INCOMPLETE}" with the counts.`,
        "",
    );
    const limits = measurementLimits(Object.values(app.measurements));
    if (limits) out.push(`Limits: ${limits}.`, "");

    out.push("### Footprint", "", "Per pod of the serving Deployment (metrics API, median over pods and samples); pulled bytes from the registry's manifest.", "");
    const foot = (t: string, which: "idle" | "underLoad") => ms(t)?.[which];
    out.push(
        ...head("footprint"),
        line("CPU idle", (t) => cpu(foot(t, "idle")), times(ratios.idleCpuMillicores)),
        line("CPU under load", (t) => cpu(foot(t, "underLoad")), times(ratios.underLoadCpuMillicores)),
        line("CPU per 1,000 requests (under load)", (t) => cell(cpuPer1000Requests(foot(t, "underLoad"), app.loadTest?.[t]?.rps), (v) => `${fixed(v, 3)} CPU-s`), times(ratios.cpuPer1000Requests)),
        line("memory idle", (t) => memory(foot(t, "idle")), times(ratios.idleMemoryMiB)),
        line("memory under load", (t) => memory(foot(t, "underLoad")), times(ratios.underLoadMemoryMiB)),
        line("pods sampled (idle / under load)", (t) => pods(foot(t, "idle"), foot(t, "underLoad")), ""),
        line("pulled bytes", (t) => cell(ms(t)?.pulledBytes, bytes), times(ratios.pulledBytes)),
        "",
        "CPU per 1,000 requests: CPU per pod under load × pods sampled ÷ the load test's requests per second × 1,000 (an estimate that scales CPU by the work done).",
        "",
    );
    const marks = fallbacks(app);
    if (marks.length > 0) out.push("Figures that rest on a fallback:", "", ...marks.map((m) => `- ⚠️ ${esc(m)}`), "");
    return out;
}

/**
 * Every figure of an app that rests on a fallback, as sentences: a side not measured at all (its ratios are
 * "—"), no under-load sample (the memory limit was then checked at idle, and the under-load ratios are "—"), no
 * idle sample, rounds that timed out.
 */
export function fallbacks(app: ReportApp): string[] {
    const out: string[] = [];
    const ms = app.measurements ?? {};
    for (const t of [app.subject, app.baseline]) {
        if (app.targets.includes(app.subject) && app.targets.includes(app.baseline) && !ms[t]) {
            out.push(`${t}: no scale-out or footprint measurement in the outputs; every ratio with it is "${NO_RATIO}".`);
        }
    }
    for (const t of app.targets) {
        const m = ms[t];
        if (!m) continue;
        const reason = (f: ReportFootprint) => (f.noSampleReason ? ` (${f.noSampleReason})` : "");
        if (m.underLoad.memoryMiB === null) {
            const limit = m.thresholds.maxPodMemoryMiB;
            const judged = limit === null ? "" : m.idle.maxMemoryMiB !== null ? `; the memory limit ${fixed(limit, 0)} MiB was checked at idle instead` : "; the memory limit could not be checked";
            out.push(`${t}: no under-load sample${reason(m.underLoad)}${judged}.`);
        }
        if (m.idle.memoryMiB === null) out.push(`${t}: no idle sample${reason(m.idle)}.`);
        const lost = (["allReady", "firstResponse", "scaleIn"] as const).filter((f) => (m[f].timedOut ?? 0) > 0);
        if (lost.length > 0) {
            out.push(`${t}: rounds timed out (${lost.map((f) => `${f} ${m[f].timedOut} of ${m[f].rounds?.length ?? "?"}`).join(", ")}); each counted in its median as longer than any measured round.`);
        }
    }
    return out;
}

function timeRatio(app: ReportApp, figure: keyof typeof TIME_FIGURES, r: number | null): string {
    return incompleteRatio(app, figure) ?? times(r);
}

function timedOutCounts(m: ReportMeasurement | undefined): string {
    if (!m) return NOT_MEASURED;
    const n = (t: ReportTimes) => (t.timedOut === null ? "?" : String(t.timedOut));
    const of = m.allReady.rounds?.length ?? m.rounds;
    const text = `${n(m.allReady)} / ${n(m.firstResponse)} / ${n(m.scaleIn)} of ${of ?? "?"}`;
    return [m.allReady, m.firstResponse, m.scaleIn].some((t) => (t.timedOut ?? 0) > 0) ? `**${text}**` : text;
}

function errorRateDelta(s: ReportLoadTest | undefined, b: ReportLoadTest | undefined): number | null {
    if (!s || !b || s.errorRate === null || b.errorRate === null) return null;
    return Math.round((s.errorRate - b.errorRate) * 1e6) / 1e6 + 0;
}

function loadTestLimits(runs: ReportLoadTest[]): string | undefined {
    const t = runs[0]?.thresholds;
    if (!t) return undefined;
    const parts = [
        t.maxP99Ms !== null ? `p99 at most ${fixed(t.maxP99Ms, 0)} ms` : undefined,
        t.maxErrorRate !== null ? `error rate at most ${percent(t.maxErrorRate)}` : undefined,
        t.minRps !== null ? `at least ${fixed(t.minRps, 1)} requests per second` : undefined,
    ].filter((p): p is string => p !== undefined);
    return parts.length ? parts.join(", ") : undefined;
}

function measurementLimits(runs: ReportMeasurement[]): string | undefined {
    const t = runs[0]?.thresholds;
    if (!t) return undefined;
    const parts = [
        t.maxScaleOutSeconds !== null ? `all Ready within ${fixed(t.maxScaleOutSeconds, 1)} s (median)` : undefined,
        t.maxFirstResponseSeconds !== null ? `first response within ${fixed(t.maxFirstResponseSeconds, 1)} s (median)` : undefined,
        t.maxPodMemoryMiB !== null ? `memory per pod under load at most ${fixed(t.maxPodMemoryMiB, 0)} MiB` : undefined,
    ].filter((p): p is string => p !== undefined);
    return parts.length ? parts.join(", ") : undefined;
}

function median(t: ReportTimes | undefined): string {
    if (!t || (t.median === null && (t.rounds === null || t.rounds.length === 0))) return NOT_MEASURED;
    const m = countedMedian(t);
    const limit = t.timeoutSeconds !== null ? `the ${fixed(t.timeoutSeconds, 0)} s timeout` : "the round timeout";
    if (m === null) return t.timedOut ? `over ${limit} (${t.timedOut} of ${t.rounds?.length ?? "?"} rounds timed out)` : "no round reached it";
    return `${fixed(m, 2)} s${t.timedOut ? ` (${t.timedOut} of ${t.rounds?.length ?? "?"} timed out)` : ""}`;
}

function perRound(t: ReportTimes | undefined): string {
    if (!t || t.rounds === null || t.rounds.length === 0) return NOT_MEASURED;
    const limit = t.timeoutSeconds !== null ? ` (> ${fixed(t.timeoutSeconds, 0)} s)` : "";
    return t.rounds.map((v) => (v === null ? `timed out${limit}` : fixed(v, 2))).join(", ");
}

function cpu(f: ReportFootprint | undefined): string {
    return cell(f?.cpuMillicores, (v) => `${fixed(v, 1)} m`);
}

function memory(f: ReportFootprint | undefined): string {
    if (!f || f.memoryMiB === null) return f?.noSampleReason ? `${NOT_MEASURED} ⚠️` : NOT_MEASURED;
    return `${fixed(f.memoryMiB, 1)} MiB${f.maxMemoryMiB !== null ? ` (max ${fixed(f.maxMemoryMiB, 1)})` : ""}`;
}

function pods(idle: ReportFootprint | undefined, load: ReportFootprint | undefined): string {
    if (idle?.pods == null && load?.pods == null) return NOT_MEASURED;
    return `${idle?.pods ?? "?"} / ${load?.pods ?? "?"}`;
}

function verdict(v: "pass" | "fail" | null, present: boolean): string {
    if (!present || v === null) return NOT_MEASURED;
    return v === "pass" ? "✅ pass" : "❌ **fail**";
}

function cell(v: number | null | undefined, format: (v: number) => string): string {
    return v === null || v === undefined ? NOT_MEASURED : format(v);
}

function times(r: number | null): string {
    return r === null ? NO_RATIO : `${fixed(r, 3)}×`;
}

/** Bytes as MiB (or KiB below 1 MiB) with the exact count, so small and large artifacts both read well. */
export function bytes(n: number): string {
    const exact = `${integer(n)} B`;
    if (n >= 1024 * 1024) return `${fixed(n / (1024 * 1024), 2)} MiB (${exact})`;
    if (n >= 1024) return `${fixed(n / 1024, 1)} KiB (${exact})`;
    return exact;
}

function integer(n: number): string {
    return Math.round(n).toLocaleString("en-US");
}

function fixed(n: number, digits: number): string {
    return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(rate: number): string {
    return `${fixed(rate * 100, 2)} %`;
}

function row(cells: string[]): string {
    return `| ${cells.join(" | ")} |`;
}

function cap(s: string): string {
    return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Escapes text from the outputs for Markdown: no table break, no HTML, no emphasis or link syntax. */
export function esc(text: string): string {
    return text.replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

/** Text inside a code span: backticks and table pipes cannot be escaped there, so they are dropped. */
function code(text: string): string {
    return text.replace(/[`|\r\n]/g, "");
}
