/**
 * lib/text/editDistance.ts: the distance behind "did you mean" (optimal string alignment: Levenshtein plus a swap of two
 * adjacent letters) and the choice of what to suggest.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { editDistance, nearest, orList } from "../lib/text/editDistance";
import { CONFIG_KEYS } from "../config";

test("distance: insertions, deletions, substitutions and adjacent swaps cost one each", () => {
    const rows: [string, string, number][] = [
        ["", "", 0],
        ["", "abc", 3],
        ["appreplicas", "appreplicas", 0],
        ["appreplica", "appreplicas", 1],
        ["apprpelicas", "appreplicas", 1],
        ["kitten", "sitting", 3],
        ["ca", "abc", 3], // optimal string alignment, not unrestricted Damerau (which gives 2)
        ["aks_wasm", "aks-wasm", 1],
    ];
    for (const [a, b, d] of rows) {
        assert.equal(editDistance(a, b), d, `${a} → ${b}`);
        assert.equal(editDistance(b, a), d, `${b} → ${a}`);
    }
});

test("nearest: the config keys a person meant, case-insensitive, nothing for a word near none", () => {
    assert.deepEqual(nearest("appReplica", CONFIG_KEYS), ["appReplicas"]);
    assert.deepEqual(nearest("appRpelicas", CONFIG_KEYS), ["appReplicas"]);
    assert.deepEqual(nearest("WASMVMSIZE", CONFIG_KEYS), ["wasmVmSize"]);
    assert.deepEqual(nearest("loadTestMaxP99", CONFIG_KEYS), ["loadTestMaxP99Ms"]);
    assert.deepEqual(nearest("app", CONFIG_KEYS), ["apps"]);
    assert.deepEqual(nearest("colour", CONFIG_KEYS), []);
    assert.deepEqual(nearest("replicas", CONFIG_KEYS), [], "three letters from appReplicas: too far to guess");
    assert.deepEqual(nearest("ab", ["aa", "bb", "abc"]), ["aa", "bb", "abc"], "equally near: all of them");
});

test("orList says the suggestions as a sentence", () => {
    assert.equal(orList([]), "");
    assert.equal(orList(["a"]), "a");
    assert.equal(orList(["a", "b", "c"]), "a, b or c");
});
