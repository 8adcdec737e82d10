/**
 * Exact percentiles by sorting. Why not a histogram library (hdr-histogram-js): the
 * largest run the tool is meant for (60 s × 5,000/s = 300k latencies) sorts as a
 * Float64Array in tens of milliseconds, and exact values mean the report, the terminal
 * table and a user re-computing from their own data agree to the millisecond.
 */

/** Sorts a copy numerically (typed-array sort is numeric, not lexicographic). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(values);
  sorted.sort();
  return sorted;
}

/** Nearest-rank percentile of an ascending array; undefined when empty. */
export function percentile(sorted: Float64Array, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** A step of 1, 2 or 5 × 10^k at or above `raw`: axis ticks and histogram buckets people can read. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}
