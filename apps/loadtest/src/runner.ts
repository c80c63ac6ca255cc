/** Runs one load test with autocannon and returns the judged summary. */
import autocannon from "autocannon";
import { build as buildHistogram } from "hdr-histogram-js";
import { DEFAULT_TIMEOUT_SECONDS, type LoadTestOptions } from "./options";
import { summarize, type LatencyPercentiles, type LoadTestSummary } from "./summary";

/**
 * autocannon reports p50/p90/p97.5/p99 in whole milliseconds and no p95, so latencies are also recorded here, in
 * microseconds, from autocannon's own per-response timing (the documented `response` event). Recording is one
 * array increment per response: it does not make the generator the bottleneck (see bench/loadtest.ts).
 */
export function createLatencyRecorder() {
    const histogram = buildHistogram({
        lowestDiscernibleValue: 1,
        // 10 minutes in microseconds; autoResize covers anything longer.
        highestTrackableValue: 600_000_000,
        numberOfSignificantValueDigits: 3,
        autoResize: true,
    });
    const ms = (micros: number) => Math.round(micros) / 1000;
    return {
        record(responseTimeMs: number): void {
            histogram.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
        },
        percentiles(): LatencyPercentiles | null {
            if (histogram.totalCount === 0) return null;
            return {
                p50: ms(histogram.getValueAtPercentile(50)),
                p95: ms(histogram.getValueAtPercentile(95)),
                p99: ms(histogram.getValueAtPercentile(99)),
                mean: ms(histogram.mean),
                max: ms(histogram.maxValue),
            };
        },
    };
}

/** Sends GET load to `options.url` for `options.durationSeconds` and judges the result against the thresholds. */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestSummary> {
    const latency = createLatencyRecorder();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
            {
                url: options.url,
                duration: options.durationSeconds,
                connections: options.connections,
                timeout: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
            },
            (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
        );
        instance.on("response", (_client, _statusCode, _bytes, responseTimeMs) => latency.record(responseTimeMs));
    });
    return summarize(result, latency.percentiles(), options);
}
