/** CI thresholds: `--max-p99-ms`, `--min-throughput`, `--max-missing` (default 0). */
import type { Summary } from './summarize.js';

export interface Thresholds {
  maxP99Ms?: number;
  minThroughput?: number;
  /** Defaults to 0: a load test that loses records has failed unless the user says otherwise. */
  maxMissing?: number;
}

/** One line naming every breached threshold with the measured value, or undefined when all hold. */
export function checkThresholds(summary: Summary, thresholds: Thresholds = {}): string | undefined {
  const breaches: string[] = [];
  const maxMissing = thresholds.maxMissing ?? 0;
  if (summary.missing > maxMissing) breaches.push(`missing ${summary.missing} > max ${maxMissing}`);
  if (thresholds.maxP99Ms !== undefined) {
    const p99 = summary.latency_ms.p99;
    // No latency at all (nothing invoked) cannot satisfy a latency bound.
    if (p99 === null) breaches.push(`p99 latency unknown (nothing invoked) > max ${thresholds.maxP99Ms} ms`);
    else if (p99 > thresholds.maxP99Ms) breaches.push(`p99 latency ${p99} ms > max ${thresholds.maxP99Ms} ms`);
  }
  if (thresholds.minThroughput !== undefined && summary.throughput_per_s < thresholds.minThroughput) {
    breaches.push(`throughput ${summary.throughput_per_s}/s < min ${thresholds.minThroughput}/s`);
  }
  return breaches.length === 0 ? undefined : `threshold breached: ${breaches.join('; ')}`;
}
