/**
 * lib/azure/datedSupport.ts: how every dated support fact (AKS minors, the Wasm pool's OS, the NGINX add-on, WASI pools)
 * is judged against the day of the run (platform-contracts CONV-3): supported until 30 days before the last day,
 * warned about from then through the last day, and past it refused (or only warned, with the reason given).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDays, judgeSupport, supportState, todayUtc, WARN_DAYS_BEFORE_END, type DatedSupport } from "../lib/azure/datedSupport";

const fact = (over: Partial<DatedSupport> = {}): DatedSupport => ({
    subject: "the thing",
    lastDay: "2027-03-31",
    source: "its source",
    readOn: "2026-12-01",
    afterEnd: "refuse",
    ...over,
});

describe("dated support", () => {
    it("reads the day of the run in UTC", () => {
        assert.equal(todayUtc(new Date("2026-12-03T23:59:59.999Z")), "2026-12-03");
        assert.equal(todayUtc(new Date("2026-12-04T00:30:00+01:00")), "2026-12-03");
        assert.match(todayUtc(), /^\d{4}-\d{2}-\d{2}$/);
    });

    it("adds days across month and year ends, and back", () => {
        assert.equal(addDays("2026-12-31", 1), "2027-01-01");
        assert.equal(addDays("2027-03-01", -1), "2027-02-28");
        assert.equal(addDays("2028-02-28", 1), "2028-02-29");
        assert.equal(addDays("2027-03-31", -30), "2027-03-01");
        assert.equal(addDays("2027-03-31", 0), "2027-03-31");
    });

    it("is supported until 30 days before the last day, ending from then through the last day, ended after", () => {
        assert.equal(WARN_DAYS_BEFORE_END, 30);
        const last = "2027-03-31";
        assert.equal(supportState(last, addDays(last, -31)), "supported");
        assert.equal(supportState(last, addDays(last, -30)), "ending");
        assert.equal(supportState(last, last), "ending");
        assert.equal(supportState(last, addDays(last, 1)), "ended");
    });

    it("says nothing while supported, warns while ending, refuses once ended", () => {
        const f = fact();
        assert.deepEqual(judgeSupport(f, "2027-02-28"), { state: "supported", refuse: false });
        const ending = judgeSupport(f, "2027-03-01");
        assert.deepEqual([ending.state, ending.refuse], ["ending", false]);
        for (const part of ["the thing", "2027-03-31", "its source", "2026-12-01"]) assert.ok(ending.message?.includes(part), `${part}: ${ending.message}`);
        const ended = judgeSupport(f, "2027-04-01");
        assert.deepEqual([ended.state, ended.refuse], ["ended", true]);
        for (const part of ["the thing", "2027-03-31", "its source"]) assert.ok(ended.message?.includes(part), `${part}: ${ended.message}`);
        assert.notEqual(ended.message, ending.message, "ended and ending read differently");
    });

    it("only warns past the end where the table says so, giving its reason", () => {
        const f = fact({ afterEnd: "warn", warnOnlyBecause: "refusing would strand running apps" });
        const ended = judgeSupport(f, "2027-04-01");
        assert.deepEqual([ended.state, ended.refuse], ["ended", false]);
        assert.ok(ended.message?.includes("refusing would strand running apps"), ended.message);
        // The reason is for after the end only.
        assert.ok(!judgeSupport(f, "2027-03-31").message?.includes("refusing would strand"));
        assert.ok(!judgeSupport(fact({ warnOnlyBecause: "unused" }), "2027-04-01").message?.includes("unused"), "a refusal gives no warn-only reason");
    });
});
