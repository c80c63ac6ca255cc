/**
 * "Did you mean" for config keys and namespaces: the optimal string alignment distance (Levenshtein's insertions,
 * deletions and substitutions, plus Damerau's swap of two adjacent letters, each costing 1), case-insensitive.
 * A near miss is what a person types: a letter missing or doubled (`appReplica`), two letters swapped
 * (`appRpelicas`), another case (`wasmVMSize`).
 */

/** The optimal string alignment distance between `a` and `b` (case-sensitive; callers lower-case). */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * How far a word may be from a candidate to be suggested: one edit for words up to 5 characters, two above
 * (`apps` → `app` is one edit; `appReplica` → `appReplicas` one; a six-letter word two apart is still recognisable).
 */
export function suggestionDistance(word: string): number {
    return word.length <= 5 ? 1 : 2;
}

/**
 * The candidates nearest to `word` (case-insensitive), when any is within {@link suggestionDistance}; several only
 * when they are equally near. Exact matches (other than case) come first and alone.
 */
export function nearest(word: string, candidates: readonly string[]): string[] {
    const w = word.toLowerCase();
    let best = Infinity;
    let found: string[] = [];
    for (const c of candidates) {
        const d = editDistance(w, c.toLowerCase());
        if (d < best) {
            best = d;
            found = [c];
        } else if (d === best) found.push(c);
    }
    return best <= suggestionDistance(word) ? found : [];
}

/** "a", "a or b", "a, b or c": the suggestion as a person would say it. */
export function orList(words: readonly string[]): string {
    return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}
