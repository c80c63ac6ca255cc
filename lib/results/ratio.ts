/**
 * The one rule every Wasm ÷ container figure follows (the load test's comparison, the measurement's, the report):
 * subject ÷ baseline rounded to 3 decimals, or null when either side is missing or the baseline is 0, so a
 * figure that could not be measured never turns into a number. lib/results/measurementResult.ts keeps a copy of the two
 * lines, because it must import nothing (the measurement image copies that file alone).
 */

/** subject ÷ baseline, rounded to 3 decimals; null when either is missing or the baseline is 0. */
export function ratio(subject: number | null | undefined, baseline: number | null | undefined): number | null {
    if (subject === null || subject === undefined || baseline === null || baseline === undefined || baseline === 0) return null;
    return round(subject / baseline, 3);
}

/** `x` rounded to `digits` decimals; `+ 0` turns -0 into 0, so an exact tie never prints as "-0". */
export function round(x: number, digits: number): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f + 0;
}
