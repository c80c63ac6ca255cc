/**
 * apps/measure/src/retry.ts: which failures the measurement retries and how long it waits (issue 19). The calls
 * themselves are driven through a failing stand-in API server in test/measure.scaler.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffMs, DEFAULT_RETRY_POLICY, isTransient, withRetries, worstCaseBackoffMs } from "../apps/measure/src/retry";

const apiError = (code: number) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: { kind: "Status", code } });
const transport = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket"), { code }) });

describe("isTransient", () => {
    it("retries 429, 5xx and a reset, refused or timed-out connection", () => {
        for (const code of [429, 500, 502, 503, 504]) assert.equal(isTransient(apiError(code)), true, String(code));
        for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]) assert.equal(isTransient(transport(code)), true, code);
        // What client-node's Watch hands its done callback for a refused watch.
        assert.equal(isTransient(Object.assign(new Error("Service Unavailable"), { statusCode: 503 })), true);
    });

    it("never retries what a retry cannot change: 400, 401, 403, 404, 409, 422, or a bug", () => {
        for (const code of [400, 401, 403, 404, 409, 422]) assert.equal(isTransient(apiError(code)), false, String(code));
        assert.equal(isTransient(new TypeError("cannot read properties of undefined")), false);
    });
});

describe("backoff", () => {
    it("doubles from the base, is capped, and is bounded in all", () => {
        assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a)), [500, 1000, 2000, 4000, 8000, 8000]);
        assert.equal(worstCaseBackoffMs(), 15_500);
        assert.equal(DEFAULT_RETRY_POLICY.attempts, 6);
    });

    it("stops after the last attempt with the last error, and at once on an error that is not transient", async () => {
        const policy = { attempts: 3, baseMs: 1, maxMs: 2 };
        let calls = 0;
        await assert.rejects(withRetries("x", async () => { calls++; throw apiError(503); }, { log: () => undefined, policy }), /HTTP-Code: 503/);
        assert.equal(calls, 3);
        calls = 0;
        await assert.rejects(withRetries("x", async () => { calls++; throw apiError(403); }, { log: () => undefined, policy }), /HTTP-Code: 403/);
        assert.equal(calls, 1);
        calls = 0;
        const lines: string[] = [];
        assert.equal(await withRetries("LIST pods", async () => (++calls < 3 ? Promise.reject(apiError(429)) : "ok"), { log: (l) => lines.push(l), policy }), "ok");
        assert.deepEqual(lines, ["LIST pods: transient failure (HTTP 429); attempt 2 of 3 in 1 ms", "LIST pods: transient failure (HTTP 429); attempt 3 of 3 in 2 ms"]);
    });
});
