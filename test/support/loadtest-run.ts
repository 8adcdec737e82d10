/**
 * A realistic synthetic RunData for the report tests: a seeded random run with a ramp,
 * latency with a long tail, batches, a few missing records, duplicates, function errors
 * that are retried, partial batch failures, backlog and producer samples. Seeded so a
 * failure reproduces.
 */
import type { InvocationTrace, RunData, SentRecord } from '../../src/loadtest/run-data.js';

/** mulberry32: a tiny, well-known seeded PRNG (tests need repeatable, not cryptographic). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  seed?: number;
  ratePerS?: number;
  seconds?: number;
  missRatio?: number;
  errorRatio?: number;
  partialRatio?: number;
  duplicateRatio?: number;
  batchSize?: number;
  /** 'shaped' (default): ramp-up, steady, a spike; 'flat': the rate throughout (exact record counts). */
  shape?: 'shaped' | 'flat';
}

export const SYNTHETIC_START = Date.UTC(2026, 11, 6, 12, 0, 0);

export function syntheticRun(options: SyntheticOptions = {}): RunData {
  const random = seededRandom(options.seed ?? 42);
  const rate = options.ratePerS ?? 200;
  const seconds = options.seconds ?? 20;
  const batchSize = options.batchSize ?? 10;
  const startedAt = SYNTHETIC_START;
  const sent: SentRecord[] = [];
  // Ramp up over the first quarter, then steady, with a spike in the middle: the charts have a shape.
  let seq = 0;
  for (let s = 0; s < seconds; s++) {
    const factor = options.shape === 'flat' ? 1 : s < seconds / 4 ? (s + 1) / (seconds / 4) : s === Math.floor(seconds / 2) ? 1.8 : 1;
    const inSecond = Math.round(rate * factor);
    for (let k = 0; k < inSecond; k++) sent.push({ id: `rec-${String(seq++).padStart(6, '0')}`, sentAt: startedAt + s * 1000 + Math.floor((k / inSecond) * 1000) });
  }
  const endedAt = startedAt + seconds * 1000;

  // Each delivered record gets an arrival time; records arriving close together share a batch.
  const arrivals: Array<{ id: string; at: number }> = [];
  for (const record of sent) {
    if (random() < (options.missRatio ?? 0.004)) continue;
    const spike = record.sentAt - startedAt >= (seconds / 2) * 1000 && record.sentAt - startedAt < (seconds / 2 + 3) * 1000 ? 250 : 0;
    const latency = 20 + spike + random() * 40 + (random() < 0.03 ? random() * 600 : 0);
    arrivals.push({ id: record.id, at: record.sentAt + Math.round(latency) });
  }
  arrivals.sort((a, b) => a.at - b.at);

  const invocations: InvocationTrace[] = [];
  for (let i = 0; i < arrivals.length; i += batchSize) {
    const batch = arrivals.slice(i, i + batchSize);
    const at = batch[batch.length - 1]!.at;
    const ids = batch.map((r) => r.id);
    const roll = random();
    if (roll < (options.errorRatio ?? 0.02)) {
      // The whole batch fails, then is retried a second later and succeeds.
      invocations.push({ at, ids, outcome: 'function_error', attempt: 1, durationMs: 5 });
      invocations.push({ at: at + 1000, ids, outcome: 'success', attempt: 2, durationMs: 8 });
    } else if (roll < (options.errorRatio ?? 0.02) + (options.partialRatio ?? 0.02)) {
      const failedIds = ids.filter(() => random() < 0.3);
      invocations.push({ at, ids, outcome: 'partial_failure', failedIds, attempt: 1, durationMs: 9 });
      if (failedIds.length > 0) invocations.push({ at: at + 500, ids: failedIds, outcome: 'success', attempt: 2, durationMs: 6 });
    } else {
      invocations.push({ at, ids, outcome: 'success', attempt: 1, durationMs: 7 });
      // At-least-once delivery: now and then a batch is delivered (and processed) twice.
      if (random() < (options.duplicateRatio ?? 0.01)) invocations.push({ at: at + 300, ids, outcome: 'success', attempt: 1, durationMs: 7 });
    }
  }

  const backlog = [];
  const producer = [];
  // Both lists are in time order: two cursors keep this linear for the 300k-record run.
  let sentSoFar = 0;
  let arrivedSoFar = 0;
  for (let ms = 0; ms <= seconds * 1000 + 2000; ms += 500) {
    const t = startedAt + ms;
    while (sentSoFar < sent.length && sent[sentSoFar]!.sentAt <= t) sentSoFar++;
    while (arrivedSoFar < arrivals.length && arrivals[arrivedSoFar]!.at <= t) arrivedSoFar++;
    backlog.push({ at: t, value: Math.max(0, sentSoFar - arrivedSoFar), unit: 'messages' as const });
    if (ms % 1000 === 0 && ms <= seconds * 1000) {
      producer.push({ at: t, sent: sentSoFar, behind: ms / 1000 === Math.floor(seconds / 2) });
    }
  }

  return {
    settings: {
      source: 'sqs',
      resource: 'arn:aws:sqs:us-east-1:000000000000:loadtest-<orders>&"q"',
      functionName: 'sleep:20',
      mapping: { BatchSize: batchSize, MaximumBatchingWindowInSeconds: 0, FunctionResponseTypes: ['ReportBatchItemFailures'] },
      rate,
      durationMs: seconds * 1000,
      payloadBytes: 256,
      endpoint: 'http://127.0.0.1:9000',
    },
    startedAt,
    endedAt,
    graceMs: 10_000,
    sent,
    invocations,
    backlog,
    producer,
    destinationCount: 3,
  };
}
