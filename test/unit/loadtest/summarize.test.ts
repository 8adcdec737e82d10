/** summarize(): every number of report.json on a run small enough to work out by hand. */
import { describe, expect, it } from 'vitest';
import type { RunData } from '../../../src/loadtest/run-data.js';
import { MISSING_IDS_CAP, summarize } from '../../../src/loadtest/report/index.js';
import { syntheticRun } from '../../support/loadtest-run.js';

const T0 = Date.UTC(2026, 0, 1);

function handRun(overrides: Partial<RunData> = {}): RunData {
  return {
    settings: { source: 'kinesis', resource: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', functionName: 'noop', mapping: { BatchSize: 10 }, rate: 2, count: 6, endpoint: 'http://127.0.0.1:9000' },
    startedAt: T0,
    endedAt: T0 + 3000,
    graceMs: 2000,
    sent: [
      { id: 'a', sentAt: T0 },
      { id: 'b', sentAt: T0 + 100 },
      { id: 'c', sentAt: T0 + 200 },
      { id: 'd', sentAt: T0 + 1500 },
      { id: 'e', sentAt: T0 + 2500 },
      { id: 'f', sentAt: T0 + 2600 },
    ],
    invocations: [
      { at: T0 + 50, ids: ['a'], outcome: 'success' },
      { at: T0 + 400, ids: ['b', 'c'], outcome: 'partial_failure', failedIds: ['c'] },
      { at: T0 + 900, ids: ['c'], outcome: 'function_error' },
      { at: T0 + 1900, ids: ['c'], outcome: 'success' },
      { at: T0 + 1600, ids: ['d'], outcome: 'success' },
      { at: T0 + 1700, ids: ['d'], outcome: 'success' },
      // One millisecond after the grace period: too late, f stays missing.
      { at: T0 + 5001, ids: ['f'], outcome: 'success' },
      { at: T0 + 2000, ids: ['not-ours'], outcome: 'success' },
    ],
    backlog: [
      { at: T0 + 500, value: 5, unit: 'messages' },
      { at: T0 + 2500, value: 2, unit: 'messages' },
      { at: T0 + 9000, value: 99, unit: 'messages' },
    ],
    producer: [
      { at: T0 + 3000, sent: 6, behind: false },
      { at: T0, sent: 0, behind: false },
      { at: T0 + 1000, sent: 3, behind: true },
      { at: T0 + 2000, sent: 4, behind: true },
    ],
    destinationCount: 1,
    ...overrides,
  };
}

describe('summarize', () => {
  it('counts sent, invoked, processed, missing, duplicates, failures, retries and unknown ids', () => {
    const { summary } = summarize(handRun());
    expect(summary).toMatchObject({
      sent: 6,
      invoked: 4,
      processed: 4,
      missing: 2,
      missing_ids: ['e', 'f'],
      missing_ids_omitted: 0,
      duplicates: 1,
      failed: 1,
      failed_records: 0,
      partial_failures: 1,
      retries: 3, // c delivered 3 times (2 retries), d twice (1)
      invocations: 7,
      late_invocations: 1,
      unknown_ids: 1,
      destination_count: 1,
      send_failed: 0,
    });
  });

  it('records the producer gave up on are counted apart: not sent, so not missing', () => {
    const { summary } = summarize(handRun({ sendFailed: 3 }));
    expect(summary).toMatchObject({ sent: 6, missing: 2, send_failed: 3 });
  });

  it('latency is first invocation − send time, exact nearest-rank percentiles', () => {
    // a 50, b 300, c 200 (its first delivery, not the successful one), d 100
    expect(summarize(handRun()).summary.latency_ms).toEqual({ p50: 100, p90: 300, p99: 300, max: 300, mean: 162.5 });
  });

  it('throughput runs to the last first invocation; send rate to the last send', () => {
    const { summary } = summarize(handRun());
    expect(summary.throughput_per_s).toBe(2.5); // 4 records by T0 + 1.6 s
    expect(summary.send_rate_per_s).toBe(2.3); // 6 records by T0 + 2.6 s
  });

  it('producer behind: whether and how long, from unsorted samples', () => {
    expect(summarize(handRun()).summary.producer_behind).toEqual({ behind: true, ms: 2000 });
    expect(summarize(handRun({ producer: [{ at: T0, sent: 0, behind: false }] })).summary.producer_behind).toEqual({ behind: false, ms: 0 });
  });

  it('backlog max ignores samples after the grace period', () => {
    expect(summarize(handRun()).summary.backlog_max).toEqual({ value: 5, unit: 'messages' });
    expect(summarize(handRun({ backlog: [] })).summary.backlog_max).toBeNull();
  });

  it('a record whose only deliveries failed counts as invoked and failed, not processed', () => {
    const { summary } = summarize(
      handRun({ sent: [{ id: 'x', sentAt: T0 }], invocations: [{ at: T0 + 10, ids: ['x'], outcome: 'invocation_error' }, { at: T0 + 20, ids: ['x'], outcome: 'partial_failure', failedIds: ['x'] }] }),
    );
    expect(summary).toMatchObject({ invoked: 1, processed: 0, failed_records: 1, failed: 1, partial_failures: 1, retries: 1, missing: 0 });
  });

  it('series: one point per second with sent, first invocations, errors, latency of that second’s sends, backlog', () => {
    const { series } = summarize(handRun());
    expect(series.map((p) => p.t)).toEqual([0, 1, 2, 3]);
    expect(series.map((p) => p.sent)).toEqual([3, 1, 2, 0]);
    expect(series.map((p) => p.invoked)).toEqual([3, 1, 0, 0]);
    expect(series.map((p) => p.errors)).toEqual([1, 0, 0, 0]);
    expect(series.map((p) => p.partial_failures)).toEqual([1, 0, 0, 0]);
    expect(series.map((p) => p.p50)).toEqual([200, 100, null, null]);
    expect(series[0]!.p99).toBe(300);
    expect(series.map((p) => p.backlog)).toEqual([5, null, 2, null]);
  });

  it('histogram: buckets of a readable width holding every latency', () => {
    const { histogram } = summarize(handRun());
    expect(histogram.bucket_ms).toBe(5); // 300 ms / 60 buckets
    expect(histogram.counts).toHaveLength(61);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect([10, 20, 40, 60].map((i) => histogram.counts[i])).toEqual([1, 1, 1, 1]);
    expect(histogram.overflow).toBe(0);
  });

  it('histogram: outliers past twice the p99 go to the overflow count', () => {
    const sent = Array.from({ length: 201 }, (_, i) => ({ id: `r${i}`, sentAt: T0 }));
    const invocations = sent.map((r, i) => ({ at: T0 + (i === 200 ? 100_000 : 100), ids: [r.id], outcome: 'success' as const }));
    const { histogram, summary } = summarize(handRun({ sent, invocations, endedAt: T0 + 200_000 }));
    expect(summary.latency_ms.max).toBe(100_000);
    expect(histogram.overflow).toBe(1);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('caps the missing id list and says how many it left out', () => {
    const sent = Array.from({ length: MISSING_IDS_CAP + 5 }, (_, i) => ({ id: `m${i}`, sentAt: T0 }));
    const { summary } = summarize(handRun({ sent, invocations: [] }));
    expect(summary.missing).toBe(MISSING_IDS_CAP + 5);
    expect(summary.missing_ids).toHaveLength(MISSING_IDS_CAP);
    expect(summary.missing_ids_omitted).toBe(5);
    expect(summary.latency_ms).toEqual({ p50: null, p90: null, p99: null, max: null, mean: null });
    expect(summary.throughput_per_s).toBe(0);
  });

  it('an empty run summarizes without dividing by zero', () => {
    const report = summarize(handRun({ sent: [], invocations: [], backlog: [], producer: [] }));
    expect(report.summary).toMatchObject({ sent: 0, invoked: 0, throughput_per_s: 0, send_rate_per_s: 0 });
    expect(report.histogram.counts).toEqual([]);
    expect(report.backlog_unit).toBeNull();
  });

  it('report.json carries the settings and the run window as ISO times', () => {
    const report = summarize(handRun());
    expect(report.settings.functionName).toBe('noop');
    expect(report.run).toEqual({ started_at: '2026-01-01T00:00:00.000Z', ended_at: '2026-01-01T00:00:03.000Z', grace_ms: 2000, duration_ms: 3000 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('a synthetic run: the series add up to the summary', () => {
    const report = summarize(syntheticRun());
    const sum = (key: 'sent' | 'invoked' | 'errors' | 'partial_failures') => report.series.reduce((a, p) => a + p[key], 0);
    expect(sum('sent')).toBe(report.summary.sent);
    expect(sum('invoked')).toBe(report.summary.invoked);
    expect(sum('errors')).toBe(report.summary.failed);
    expect(sum('partial_failures')).toBe(report.summary.partial_failures);
    expect(report.summary.sent - report.summary.invoked).toBe(report.summary.missing);
    expect(report.summary.missing).toBeGreaterThan(0);
    expect(report.summary.duplicates).toBeGreaterThan(0);
  });

  it('60 s × 5,000/s = 300k records (time measured and printed, not asserted)', () => {
    const run = syntheticRun({ ratePerS: 5000, seconds: 60, seed: 7, shape: 'flat' });
    const started = performance.now();
    const cpu = process.cpuUsage();
    const report = summarize(run);
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    // CPU time as well as wall time: on a shared machine the wall time mostly measures the neighbours.
    const cpuMs = (used.user + used.system) / 1000;
    console.log(`summarize: ${run.sent.length} records, ${run.invocations.length} invocations in ${ms.toFixed(0)} ms (${cpuMs.toFixed(0)} ms CPU)`);
    expect(report.summary.sent).toBe(run.sent.length);
    expect(run.sent.length).toBe(300_000);
  });
});
