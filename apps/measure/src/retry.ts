/**
 * Retrying the Kubernetes API calls of the measurement on transient failures, with bounded backoff (issue 19).
 * Pure except for the sleep: tests call {@link isTransient} and {@link backoffMs} directly, and drive
 * {@link withRetries} through the stand-in API server of test/measure.scaler.test.ts failing on purpose.
 *
 * Transient: an HTTP answer 429 (Too Many Requests: the API server's priority and fairness, or a client-side
 * limit) or 5xx (500 "etcdserver: request timed out", 503 from an aggregated API such as metrics.k8s.io while its
 * APIService is unavailable, 504), and a connection that was reset, refused or timed out on the way. client-node
 * 2.0.1 throws an `ApiException` whose `code` is the HTTP status on any non-2xx answer, and reports a transport
 * failure of its metrics client as an `ApiException` with code 500; a transport failure of a typed call comes from
 * fetch (undici) as a `TypeError` whose `cause.code` names it (CNODE-1). Anything else (403, 404, 409, 422, a bug)
 * is not retried: a retry could not change it, and the error must surface at once.
 */
import { setTimeout as sleepFor } from "node:timers/promises";

/** Transport error codes (Node's and undici's) that mean "try again": the request may never have arrived. */
const TRANSIENT_CODES = new Set([
    "ECONNRESET",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EPIPE",
    "EAI_AGAIN",
    "ENOTFOUND",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
    "UND_ERR_CLOSED",
]);

/** The HTTP status of a client-node error, when it carries one. */
export function httpStatus(err: unknown): number | undefined {
    // `code` on client-node's ApiException; `statusCode` on the Error its Watch hands to the done callback.
    const e = err as { code?: unknown; statusCode?: unknown } | undefined;
    if (typeof e?.code === "number") return e.code;
    return typeof e?.statusCode === "number" ? e.statusCode : undefined;
}

/** Whether `err` is worth another attempt: 429, 5xx, or a transport failure (reset, refused, timed out). */
export function isTransient(err: unknown): boolean {
    const status = httpStatus(err);
    if (status !== undefined) return status === 429 || (status >= 500 && status <= 599);
    for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    }
    return false;
}

export interface RetryPolicy {
    /** Attempts in all, the first included. @default 6 */
    attempts: number;
    /** Wait before the second attempt, ms; doubled each time. @default 500 */
    baseMs: number;
    /** Longest wait between two attempts, ms. @default 8000 */
    maxMs: number;
}

/** 6 attempts, 0.5 + 1 + 2 + 4 + 8 = 15.5 s of waiting at most per call: longer than an APIService blip, short against a round. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 8000 };

/** The wait after failed attempt `attempt` (1-based): base × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
    return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

/** The longest a call can spend waiting between its attempts under `policy` (what a budget must allow for). */
export function worstCaseBackoffMs(policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
    let total = 0;
    for (let a = 1; a < policy.attempts; a++) total += backoffMs(a, policy);
    return total;
}

/**
 * Calls `call` until it succeeds, fails with an error that is not transient, or has had `policy.attempts`
 * attempts; waits {@link backoffMs} between attempts; stops waiting at once when `signal` aborts. Each retry is
 * logged with what failed and why, so a flaky API shows in the Job's log.
 */
export async function withRetries<T>(
    what: string,
    call: () => Promise<T>,
    opts: { log: (line: string) => void; signal?: AbortSignal; policy?: RetryPolicy },
): Promise<T> {
    const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (err) {
            if (attempt >= policy.attempts || !isTransient(err) || opts.signal?.aborted) throw err;
            const wait = backoffMs(attempt, policy);
            opts.log(`${what}: transient failure (${describeError(err)}); attempt ${attempt + 1} of ${policy.attempts} in ${wait} ms`);
            // Referenced: this wait may be the only thing the process is doing.
            await sleepFor(wait, undefined, { signal: opts.signal });
        }
    }
}

/** A short description of an API error: its HTTP status and the Status message, or the transport code. */
export function describeError(err: unknown): string {
    const status = httpStatus(err);
    const body = (err as { body?: unknown } | undefined)?.body;
    const message = typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : undefined;
    if (status !== undefined) return `HTTP ${status}${message ? `: ${message}` : ""}`;
    for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === "string") return `${code}${e instanceof Error ? `: ${e.message}` : ""}`;
    }
    return err instanceof Error ? err.message : String(err);
}
