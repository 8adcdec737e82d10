/**
 * runStreamBatch (src/sources/streams/policy/run-stream-batch.ts) beyond the two cases in
 * stream-batch-policy.test.ts: how long it waits before a retry, when it saves, the order
 * of onAttempt and save, and where an abort stops it.
 */
import { describe, expect, it } from 'vitest';
import { createBatchState, runStreamBatch, type AttemptReport, type StreamBatchState } from '../../../../../src/sources/streams/policy/index.js';
import type { InvocationOutcome } from '../../../../../src/targets/target.js';
import { T0, config, functionError, records, seq, success } from './harness.js';

function clocked(outcomes: InvocationOutcome[]) {
  const clock = { now: T0 };
  const events: string[] = [];
  const sleeps: number[] = [];
  const reports: AttemptReport[] = [];
  const saved: StreamBatchState[] = [];
  const invokedAt: number[] = [];
  const options = {
    now: () => clock.now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
    save: (state: StreamBatchState) => {
      events.push('save');
      saved.push(state);
      return Promise.resolve();
    },
    onAttempt: (report: AttemptReport) => {
      events.push('attempt');
      reports.push(report);
    },
    invoke: () => {
      invokedAt.push(clock.now);
      const outcome = outcomes.shift();
      if (!outcome) throw new Error('no more outcomes scripted');
      return Promise.resolve(outcome);
    },
  };
  return { clock, events, sleeps, reports, saved, invokedAt, options };
}

describe('runStreamBatch', () => {
  it('a plain success: one invocation counted once, one save after it, nothing saved at the end', async () => {
    const { events, saved, reports, options } = clocked([success()]);
    const result = await runStreamBatch({ ...options, state: createBatchState(records(3), T0), config: config() });
    expect(result).toMatchObject({ kind: 'ended', checkpoint: seq(3), discards: [] });
    expect(events).toEqual(['attempt', 'save']);
    expect(saved).toHaveLength(1);
    expect(reports).toHaveLength(1);
  });

  it('waits exactly the retry delay the outcome reported before invoking again', async () => {
    const { sleeps, reports, invokedAt, events, options } = clocked([functionError(), success()]);
    const result = await runStreamBatch({ ...options, state: createBatchState(records(2), T0), config: config({ maximumRetryAttempts: 1 }), random: () => 0.5 });
    expect(result.kind).toBe('ended');
    const delay = reports[0]!.delayMs;
    expect(delay).toBeGreaterThan(0);
    expect(sleeps).toEqual([delay]);
    expect(invokedAt).toEqual([T0, T0 + delay]);
    expect(events).toEqual(['attempt', 'save', 'attempt', 'save']);
  });

  it('records that expire before any invocation: saved once (the status changed), ended with their discard, nothing invoked', async () => {
    const { saved, invokedAt, options } = clocked([]);
    options.now = () => T0 + 120_000;
    const result = await runStreamBatch({ ...options, state: createBatchState(records(2), T0), config: config({ maximumRecordAgeInSeconds: 60 }) });
    expect(result).toMatchObject({ kind: 'ended', checkpoint: seq(2), discards: [{ condition: 'RecordAgeExceeded', batchSize: 2 }] });
    expect(invokedAt).toEqual([]);
    expect(saved).toHaveLength(1);
  });

  it('an abort before the first step stops without invoking; an ended batch still ends', async () => {
    const controller = new AbortController();
    controller.abort();
    const { invokedAt, options } = clocked([success()]);
    const state = createBatchState(records(2), T0);
    expect(await runStreamBatch({ ...options, state, config: config(), signal: controller.signal })).toEqual({ kind: 'stopped', state });
    expect(invokedAt).toEqual([]);

    const ended = await runStreamBatch({ ...clocked([success()]).options, state, config: config() });
    expect(ended.kind).toBe('ended');
    expect(await runStreamBatch({ ...options, state: ended.state, config: config(), signal: controller.signal })).toMatchObject({ kind: 'ended', checkpoint: seq(2) });
  });

  it('an abort during the retry wait stops before the next invocation', async () => {
    const controller = new AbortController();
    const { invokedAt, options } = clocked([functionError(), success()]);
    options.sleep = () => {
      controller.abort();
      return Promise.resolve();
    };
    const result = await runStreamBatch({ ...options, state: createBatchState(records(2), T0), config: config(), signal: controller.signal });
    expect(result.kind).toBe('stopped');
    expect(invokedAt).toHaveLength(1);
  });
});
