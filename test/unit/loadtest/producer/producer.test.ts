/**
 * The producer on a fake clock (vitest fake timers drive both the scheduler's ticks and the
 * fake sender's delays): it holds the rate, sends everything planned, never exceeds its
 * in-flight bound, says `behind` when the sender is too slow, and tries failed entries again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Producer, type ProducerResult } from '../../../../src/loadtest/producer/producer.js';
import { createSchedule } from '../../../../src/loadtest/producer/schedule.js';
import type { AttemptResult, BatchPut, OutgoingRecord } from '../../../../src/loadtest/producer/sender.js';
import type { LoadShape } from '../../../../src/loadtest/plan.js';

const record = (seq: number): OutgoingRecord => ({ seq, key: `lt-run-${seq}`, body: `{"seq":${seq}}` });

/** A sender that takes `latencyMs` of (fake) time per request and lands everything. */
function fakePut(maxBatch: number, latencyMs: number, fail?: (r: OutgoingRecord, attempt: number) => boolean): BatchPut & { calls: Array<{ at: number; size: number }> } {
  const attempts = new Map<number, number>();
  const calls: Array<{ at: number; size: number }> = [];
  return {
    maxBatch,
    calls,
    async put(records): Promise<AttemptResult> {
      calls.push({ at: Date.now(), size: records.length });
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const failed: OutgoingRecord[] = [];
      const landed: AttemptResult['landed'] = [];
      for (const r of records) {
        const n = (attempts.get(r.seq) ?? 0) + 1;
        attempts.set(r.seq, n);
        if (fail?.(r, n)) failed.push(r);
        else landed.push({ record: r, id: `id-${r.seq}` });
      }
      return { landed, failed, ...(failed.length ? { failure: 'Throttled' } : {}) };
    },
  };
}

async function drive(producer: Producer): Promise<ProducerResult> {
  let done: ProducerResult | undefined;
  void producer.run().then((r) => (done = r));
  for (let i = 0; i < 100_000 && !done; i++) await vi.advanceTimersByTimeAsync(10);
  if (!done) throw new Error('producer did not finish');
  return done;
}

const T0 = Date.UTC(2026, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

function producer(shape: LoadShape, put: BatchPut, maxInFlight = 4): Producer {
  return new Producer({ schedule: createSchedule(shape), put, record, maxInFlight });
}

describe('Producer', () => {
  it('sends every planned record at the asked rate and is never behind with a fast sender', async () => {
    const put = fakePut(10, 5);
    const result = await drive(producer({ kind: 'count', count: 200, rate: 100 }, put));
    expect(result.sent).toHaveLength(200);
    expect(new Set(result.sent.map((s) => s.id)).size).toBe(200);
    expect(result.failed).toBe(0);
    expect(result.samples.some((s) => s.behind)).toBe(false);
    // 200 records at 100/s: about 2 s from the first send to the last.
    const times = result.sent.map((s) => s.sentAt);
    expect(Math.max(...times) - T0).toBeGreaterThanOrEqual(1_950);
    expect(Math.max(...times) - T0).toBeLessThanOrEqual(2_050);
    // Half the records by the middle of the run, not all at once.
    const firstSecond = times.filter((t) => t < T0 + 1_000).length;
    expect(firstSecond).toBeGreaterThanOrEqual(95);
    expect(firstSecond).toBeLessThanOrEqual(105);
    expect(result.samples.at(-1)?.sent).toBe(200);
  });

  it('follows a ramp: few records early, more late', async () => {
    const put = fakePut(10, 5);
    const result = await drive(producer({ kind: 'phases', phases: [{ name: 'ramp', durationMs: 4_000, fromRate: 0, toRate: 200 }] }, put));
    expect(result.sent).toHaveLength(400);
    const inSecond = (k: number) => result.sent.filter((s) => s.sentAt >= T0 + k * 1000 && s.sentAt < T0 + (k + 1) * 1000).length;
    // Integral of the ramp per second: 25, 75, 125, 175 (± one tick's batch).
    expect(inSecond(0)).toBeGreaterThanOrEqual(20);
    expect(inSecond(0)).toBeLessThanOrEqual(30);
    expect(inSecond(3)).toBeGreaterThanOrEqual(165);
    expect(inSecond(3)).toBeLessThanOrEqual(185);
  });

  it('never has more than maxInFlight requests in flight, marks behind when the sender is too slow, and still sends everything', async () => {
    // 3 in flight × 10 records per 500 ms = 60/s at most, asked 200/s.
    const put = fakePut(10, 500);
    const p = producer({ kind: 'count', count: 400, rate: 200 }, put, 3);
    const result = await drive(p);
    expect(p.peakInFlight).toBe(3);
    let inFlight = 0;
    const events = put.calls.flatMap((c) => [{ at: c.at, d: 1 }, { at: c.at + 500, d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
    for (const e of events) {
      inFlight += e.d;
      expect(inFlight).toBeLessThanOrEqual(3);
    }
    expect(result.sent).toHaveLength(400);
    expect(result.samples.some((s) => s.behind)).toBe(true);
    // Sending took longer than planned (2 s), as it had to: about 400 / 60 s.
    expect(result.endedAt - result.startedAt).toBeGreaterThan(6_000);
  });

  it('is behind only while it cannot keep up', async () => {
    // A slow start (the first 1.5 s of requests take 1.5 s), then fast.
    let slowUntil = T0 + 1_500;
    const put: BatchPut = {
      maxBatch: 10,
      async put(records) {
        const latency = Date.now() < slowUntil ? slowUntil - Date.now() : 5;
        await new Promise((resolve) => setTimeout(resolve, latency));
        return { landed: records.map((r) => ({ record: r, id: `id-${r.seq}` })), failed: [] };
      },
    };
    const result = await drive(producer({ kind: 'count', count: 1_000, rate: 200 }, put, 2));
    slowUntil = 0;
    expect(result.sent).toHaveLength(1_000);
    // At 1 s, 180 records are due and unsent: under one second's worth (200), not behind yet;
    // by 1.5 s, 280 are: behind, until the fast sender has caught up.
    expect(result.samples[0]?.behind).toBe(false);
    expect(result.samples[1]?.behind).toBe(true);
    expect(result.samples.at(-1)?.behind).toBe(false);
    const lastBehind = result.samples.findLastIndex((s) => s.behind);
    expect(result.samples.slice(lastBehind + 1).length).toBeGreaterThan(1);
  });

  it('tries failed entries again with backoff and counts them; gives up after the last try', async () => {
    // seq 3 fails twice then lands; seq 7 always fails.
    const put = fakePut(10, 5, (r, attempt) => (r.seq === 3 && attempt <= 2) || r.seq === 7);
    const result = await drive(producer({ kind: 'count', count: 10, rate: 100 }, put));
    expect(result.sent.map((s) => s.id).sort()).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4', 'id-5', 'id-6', 'id-8', 'id-9'].sort());
    // seq 3: 2 retries; seq 7: 4 retries, then failed.
    expect(result.retried).toBe(6);
    expect(result.failed).toBe(1);
    expect(result.errors).toEqual(['Throttled']);
    // The landed retry's sentAt is its own request's time, after the backoff.
    const sent3 = result.sent.find((s) => s.id === 'id-3')!;
    expect(sent3.sentAt).toBeGreaterThan(T0 + 100 + 200);
  });

  it('stops handing out records when aborted and waits for those in flight', async () => {
    const controller = new AbortController();
    const put = fakePut(10, 50);
    const p = new Producer({ schedule: createSchedule({ kind: 'count', count: 1_000, rate: 100 }), put, record, maxInFlight: 4, signal: controller.signal });
    setTimeout(() => controller.abort(), 1_000);
    const result = await drive(p);
    expect(result.aborted).toBe(true);
    expect(result.sent.length).toBeGreaterThan(80);
    expect(result.sent.length).toBeLessThan(120);
    expect(p.inFlight).toBe(0);
  });
});
