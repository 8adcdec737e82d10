/**
 * The live match of sent records and trace entries, for the progress view (the report does
 * its own, exact, from RunData: src/loadtest/report/summarize.ts). Incremental: records and
 * entries come in any order (an invocation can be traced before the put's answer names its
 * record), and each is looked at once.
 *
 * - invoked: distinct sent ids carried by at least one invocation, whatever its outcome.
 * - failed: invocations with a function or invocation error.
 * - latency: first invocation − send time per matched record (clamped at 0, like the report).
 * - settled: every sent record was processed successfully at least once (a successful
 *   invocation, or a partial failure not listing it) — the early end of the grace period.
 */
import type { InvocationTrace, SentRecord } from './run-data.js';
import { percentile, sortedCopy } from './report/percentiles.js';

export class Tally {
  private readonly sentAt = new Map<string, number>();
  private readonly firstInvokedAt = new Map<string, number>();
  private readonly processed = new Set<string>();
  private readonly latencies: number[] = [];
  private invokedCount = 0;
  private processedCount = 0;
  failed = 0;

  addSent(records: readonly SentRecord[]): void {
    for (const r of records) {
      if (this.sentAt.has(r.id)) continue;
      this.sentAt.set(r.id, r.sentAt);
      const invoked = this.firstInvokedAt.get(r.id);
      if (invoked !== undefined) this.match(invoked, r.sentAt);
      if (this.processed.has(r.id)) this.processedCount++;
    }
  }

  addInvocations(entries: readonly InvocationTrace[]): void {
    for (const entry of entries) {
      if (entry.outcome === 'function_error' || entry.outcome === 'invocation_error') this.failed++;
      const failedIds = new Set(entry.failedIds ?? []);
      for (const id of entry.ids) {
        const first = this.firstInvokedAt.get(id);
        if (first === undefined || entry.at < first) {
          this.firstInvokedAt.set(id, entry.at);
          const sent = this.sentAt.get(id);
          // An earlier entry arriving late replaces a later first invocation: rare (traces are
          // oldest first), so its latency is added rather than the old one found and replaced.
          if (first === undefined && sent !== undefined) this.match(entry.at, sent);
        }
        const ok = entry.outcome === 'success' || (entry.outcome === 'partial_failure' && !failedIds.has(id));
        if (ok && !this.processed.has(id)) {
          this.processed.add(id);
          if (this.sentAt.has(id)) this.processedCount++;
        }
      }
    }
  }

  private match(invokedAt: number, sentAt: number): void {
    this.invokedCount++;
    this.latencies.push(Math.max(0, invokedAt - sentAt));
  }

  get sent(): number {
    return this.sentAt.size;
  }

  get invoked(): number {
    return this.invokedCount;
  }

  /** Every sent record processed successfully (and at least one sent). */
  get settled(): boolean {
    return this.sentAt.size > 0 && this.processedCount === this.sentAt.size;
  }

  latency(): { p50: number; p99: number } | undefined {
    if (this.latencies.length === 0) return undefined;
    const sorted = sortedCopy(this.latencies);
    return { p50: percentile(sorted, 50)!, p99: percentile(sorted, 99)! };
  }
}

/** Per-second rate of a growing count over a sliding window. */
export class SlidingRate {
  private readonly points: Array<{ at: number; count: number }> = [];

  constructor(private readonly windowMs = 5_000) {}

  /** Adds the count at `at` and returns the rate per second over the window ending there. */
  add(at: number, count: number): number {
    this.points.push({ at, count });
    while (this.points.length > 1 && at - this.points[0]!.at > this.windowMs) this.points.shift();
    const first = this.points[0]!;
    const span = at - first.at;
    return span > 0 ? ((count - first.count) * 1000) / span : 0;
  }
}
