/**
 * Support that ends on a date, judged against the day of the run: past its last day a thing is refused (or, where
 * the table says why, warned about), within {@link WARN_DAYS_BEFORE_END} days before it is warned about. Every
 * table that feeds this keeps its source and the day it was read, so a reader knows how old the fact is
 * (platform-contracts CONV-3).
 *
 * `today` is always a parameter (YYYY-MM-DD, UTC); only {@link todayUtc} reads the clock, so tests fix the day.
 */

/** How many days before the end of support a run starts warning. */
export const WARN_DAYS_BEFORE_END = 30;

/** The day of the run, UTC, as YYYY-MM-DD. */
export function todayUtc(now: Date = new Date()): string {
    return now.toISOString().slice(0, 10);
}

/** `day` plus `days` days (YYYY-MM-DD, UTC). */
export function addDays(day: string, days: number): string {
    return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Where `today` stands against a last day of support. */
export type SupportState = "supported" | "ending" | "ended";

export function supportState(lastDay: string, today: string): SupportState {
    if (today > lastDay) return "ended";
    if (addDays(today, WARN_DAYS_BEFORE_END) >= lastDay) return "ending";
    return "supported";
}

/** One dated support fact, as a table row. */
export interface DatedSupport {
    /** What is supported, for messages ("the AKS application routing add-on's managed NGINX"). */
    subject: string;
    /** The last day of support (a month alone in the source means its last day). */
    lastDay: string;
    /** Where the date comes from. */
    source: string;
    /** The day the source was read. */
    readOn: string;
    /**
     * What a run does after the last day: `refuse` (the default rule), or `warn` where refusing would do more harm,
     * with the reason in `warnOnlyBecause`.
     */
    afterEnd: "refuse" | "warn";
    warnOnlyBecause?: string;
}

/** A dated fact judged today: nothing, a warning, or a refusal (the text says what ends, when, and the source). */
export function judgeSupport(s: DatedSupport, today: string): { state: SupportState; refuse: boolean; message?: string } {
    const state = supportState(s.lastDay, today);
    if (state === "supported") return { state, refuse: false };
    const when = state === "ended" ? `ended on ${s.lastDay}` : `ends on ${s.lastDay}`;
    const refuse = state === "ended" && s.afterEnd === "refuse";
    const why = state === "ended" && s.afterEnd === "warn" && s.warnOnlyBecause ? ` Still accepted: ${s.warnOnlyBecause}.` : "";
    return { state, refuse, message: `support for ${s.subject} ${when} (${s.source}, read ${s.readOn}).${why}` };
}
