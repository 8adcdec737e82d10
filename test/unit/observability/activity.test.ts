/**
 * The dashboard's shared activity (observability/activity.ts) on a real Redis: counts of
 * several processes are summed per 10 s bucket over the last 15 minutes, nothing reaches
 * Redis before a flush, failures are kept newest first and capped, and RateLimitedWarnings
 * tells its written lines (not the occurrences it only counts) to the recorder.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_BUCKET_MS,
  ACTIVITY_WINDOW_MS,
  ActivityRecorder,
  FAILURES_KEPT,
  readActivity,
  readFailures,
} from '../../../src/observability/activity.js';
import { RateLimitedWarnings } from '../../../src/observability/rate-limited-warnings.js';
import { SluiceMetrics, mappingLabels } from '../../../src/observability/metrics.js';
import { captureLogs } from '../log-capture.js';
import { useLocalRedis } from '../local-redis.js';

const local = useLocalRedis();
const BUCKETS = ACTIVITY_WINDOW_MS / ACTIVITY_BUCKET_MS;

describe('ActivityRecorder', () => {
  it("sums every process's counts per bucket, and writes nothing before a flush", async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const { logger } = captureLogs();
    const a = new ActivityRecorder({ redis, prefix, logger });
    const b = new ActivityRecorder({ redis, prefix, logger });
    const now = Date.now();
    const earlier = now - 5 * 60_000;
    a.count('m-1', 'in', 10, now);
    a.count('m-1', 'invoked', 8, now);
    b.count('m-1', 'in', 5, now);
    b.count('m-1', 'filtered', 2, now);
    a.count('m-1', 'failed', 1, earlier);
    a.count('m-2', 'in', 3, now);
    a.count('m-1', 'in', 0, now); // nothing: counts only go up
    expect((await readActivity(redis, prefix, 'm-1', now)).counts.in.every((n) => n === 0)).toBe(true);

    await Promise.all([a.flush(), b.flush()]);
    const series = await readActivity(redis, prefix, 'm-1', now);
    expect(series.bucketMs).toBe(ACTIVITY_BUCKET_MS);
    expect(series.counts.in).toHaveLength(BUCKETS);
    // The last bucket is now's, the window's first starts 89 buckets before it.
    expect(series.start).toBe(now - (now % ACTIVITY_BUCKET_MS) - (BUCKETS - 1) * ACTIVITY_BUCKET_MS);
    expect(series.counts.in.at(-1)).toBe(15);
    expect(series.counts.invoked.at(-1)).toBe(8);
    expect(series.counts.filtered.at(-1)).toBe(2);
    const earlierIndex = (earlier - (earlier % ACTIVITY_BUCKET_MS) - series.start) / ACTIVITY_BUCKET_MS;
    expect(series.counts.failed[earlierIndex]).toBe(1);
    expect(series.counts.failed.reduce((x, y) => x + y)).toBe(1);
    expect((await readActivity(redis, prefix, 'm-2', now)).counts.in.at(-1)).toBe(3);

    // A second flush adds only what was counted since.
    a.count('m-1', 'in', 1, now);
    await a.flush();
    expect((await readActivity(redis, prefix, 'm-1', now)).counts.in.at(-1)).toBe(16);
    // Minute hashes expire by themselves (20 min): nothing to trim.
    const keys = await redis.keys(`${prefix}:esm:m-1:activity:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(15 * 60);
  });

  it('drops counts older than the window from the series', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const recorder = new ActivityRecorder({ redis, prefix, logger: captureLogs().logger });
    const now = Date.now();
    recorder.count('m-1', 'in', 7, now - ACTIVITY_WINDOW_MS - 60_000);
    await recorder.flush();
    expect((await readActivity(redis, prefix, 'm-1', now)).counts.in.reduce((x, y) => x + y)).toBe(0);
  });

  it('reaches the series through SluiceMetrics once attached: polled, filtered out, invoked records and failed attempts', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const recorder = new ActivityRecorder({ redis, prefix, logger: captureLogs().logger });
    const metrics = new SluiceMetrics();
    metrics.attachActivity(recorder);
    const labels = mappingLabels('m-1', 'sqs', 'arn:aws:lambda:us-east-1:000000000000:function:fn');
    metrics.polled(labels, 4);
    metrics.filteredOut(labels, 1);
    metrics.invocationAttempt(labels, { outcome: 'success', records: 3, payloadBytes: 100 });
    metrics.invocationAttempt(labels, { outcome: 'function_error', records: 3, payloadBytes: 100 });
    await recorder.flush();
    const { counts } = await readActivity(redis, prefix, 'm-1');
    const total = (values: number[]) => values.reduce((x, y) => x + y);
    expect([total(counts.in), total(counts.filtered), total(counts.invoked), total(counts.failed)]).toEqual([4, 1, 6, 1]);
  });

  it('keeps the written warning lines of a mapping, newest first, at most FAILURES_KEPT', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const { logger, lines } = captureLogs();
    const recorder = new ActivityRecorder({ redis, prefix, logger });
    const warnings = new RateLimitedWarnings(logger, { onLogged: recorder.failure, intervalMs: 60_000 });
    try {
      for (let i = 0; i < FAILURES_KEPT + 5; i++) {
        warnings.warn({ key: `m-1|cause-${i}`, mappingId: 'm-1', fields: { cause: `cause-${i}`, function: 'fn' }, message: `failure ${i}` });
      }
      // Only counted (the same key within the interval): not a line, so not kept either.
      warnings.warn({ key: 'm-1|cause-0', mappingId: 'm-1', fields: { cause: 'cause-0' }, message: 'failure 0' });
      // No mapping: logged, not kept.
      warnings.warn({ key: 'redis', fields: {}, message: 'Redis is down' });
      const kept = await pollUntilLength(() => readFailures(redis, prefix, 'm-1'), FAILURES_KEPT);
      expect(kept.map((f) => f.message)).toEqual(Array.from({ length: FAILURES_KEPT }, (_, i) => `failure ${FAILURES_KEPT + 4 - i}`));
      expect(kept[0]).toMatchObject({ level: 'warn', cause: `cause-${FAILURES_KEPT + 4}`, function: 'fn', process: expect.stringMatching(/ pid \d+$/) as unknown });
      expect(lines.filter((l) => l.msg.startsWith('failure')).length).toBe(FAILURES_KEPT + 5);

      // close() writes the pending count line: it is kept with its repeats.
      warnings.close();
      const [latest] = await pollUntilLength(() => readFailures(redis, prefix, 'm-1'), FAILURES_KEPT, (f) => f[0]?.repeats === 1);
      expect(latest!.message).toMatch(/^failure 0 \(1 more time in the last \d+ s\)$/);
    } finally {
      warnings.close();
    }
  });
});

async function pollUntilLength<T>(read: () => Promise<T[]>, length: number, also: (items: T[]) => boolean = () => true): Promise<T[]> {
  for (let i = 0; i < 100; i++) {
    const items = await read();
    if (items.length === length && also(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return read();
}
