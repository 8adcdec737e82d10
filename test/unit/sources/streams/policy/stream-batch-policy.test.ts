/**
 * The stream batch policy (streams.md §8, §10–§13), driven with concrete sequences on a
 * fake clock: which records each invocation carries, how long the policy waits, what is
 * discarded and with which on-failure facts, where the checkpoint goes.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_BYTES,
  StreamBatchPolicyError,
  abandon,
  applyOutcome,
  createBatchState,
  nextAction,
  retryDelayMs,
  runStreamBatch,
  settledUpTo,
  type StreamBatchState,
} from '../../../../../src/sources/streams/policy/index.js';
import {
  T0,
  config,
  failures,
  functionError,
  invocationError,
  poisoned,
  records,
  seq,
  simulate,
  success,
} from './harness.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('success', () => {
  it('one invocation; the batch ends at its last sequence number with nothing discarded', async () => {
    const run = await simulate(records(5), config(), () => success());
    expect(run.invoked).toEqual([range(1, 5)]);
    expect(run.checkpoint).toBe(seq(5));
    expect(run.discards).toEqual([]);
    expect(run.sleeps).toEqual([]);
    expect(run.calls[0]!.report).toMatchObject({ result: 'success', counted: false, doneCount: 5 });
  });
});

describe('MaximumRetryAttempts (§10)', () => {
  it('2 → exactly 3 invocations of the same records, then RetryAttemptsExhausted with approximateInvokeCount 3', async () => {
    const run = await simulate(records(3), config({ maximumRetryAttempts: 2 }), () => functionError());
    expect(run.invoked).toEqual([range(1, 3), range(1, 3), range(1, 3)]);
    expect(run.calls.map((c) => c.retry)).toEqual([0, 1, 2]);
    expect(run.calls.map((c) => c.report?.counted)).toEqual([true, true, true]);
    expect(run.checkpoint).toBe(seq(3));
    expect(run.discards).toHaveLength(1);
    const group = run.discards[0]!;
    expect(group).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: seq(1),
      endSequenceNumber: seq(3),
      approximateArrivalOfFirstRecord: T0,
      approximateArrivalOfLastRecord: T0 + 20,
      batchSize: 3,
      approximateInvokeCount: 3,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    });
    // The request id of the last invocation, and the time of the discard.
    const last = run.calls[2]!;
    expect(group.requestId).toBe(last.outcome.kind === 'function-error' ? last.outcome.requestId : 'none');
    expect(group.discardedAt).toBe(last.at + 100);
    expect(run.calls[2]!.report).toMatchObject({ exhaustedCount: 3, delayMs: 0 });
  });

  it.each([0, 1, 3])('%i → N + 1 invocations and approximateInvokeCount N + 1', async (n) => {
    const run = await simulate(records(2), config({ maximumRetryAttempts: n }), () => functionError());
    expect(run.calls).toHaveLength(n + 1);
    expect(run.discards).toMatchObject([{ condition: 'RetryAttemptsExhausted', approximateInvokeCount: n + 1, batchSize: 2 }]);
  });

  it('keeps the value of X-Amz-Function-Error (Handled) in responseContext', async () => {
    const run = await simulate(records(1), config({ maximumRetryAttempts: 0 }), () => functionError('Handled'));
    expect(run.discards[0]).toMatchObject({ responseContext: { functionError: 'Handled' } });
  });

  it('waits min(2^(n−1), 30) s before retry n', async () => {
    const run = await simulate(records(1), config({ maximumRetryAttempts: 7 }), () => functionError());
    expect(run.calls).toHaveLength(8);
    expect(run.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    // The invocation after each wait starts when the wait ends.
    expect(run.calls[1]!.at - run.calls[0]!.at).toBe(100 + 1000);
  });

  it('adds at most 10 % jitter to the delay', () => {
    expect(retryDelayMs(1, () => 0)).toBe(1000);
    expect(retryDelayMs(1, () => 0.5)).toBe(1050);
    expect(retryDelayMs(1, () => 0.999999)).toBe(1100);
    expect(retryDelayMs(6, () => 0)).toBe(30_000);
    expect(retryDelayMs(40, () => 0.999999)).toBe(33_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(3);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(4400);
    }
  });

  it('−1: retries until the function succeeds', async () => {
    const run = await simulate(records(4), config(), (_, call) => (call <= 50 ? functionError() : success()));
    expect(run.calls).toHaveLength(51);
    expect(run.invoked.every((r) => r.join() === range(1, 4).join())).toBe(true);
    expect(run.discards).toEqual([]);
    expect(run.checkpoint).toBe(seq(4));
    expect(Math.max(...run.sleeps)).toBe(30_000);
  });

  it('−1 with −1 age: records older than the stream retention are discarded (RecordAgeExceeded)', async () => {
    const run = await simulate(records(2), config({ retentionMs: 5 * 60_000 }), () => functionError());
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({ condition: 'RecordAgeExceeded', batchSize: 2, approximateInvokeCount: run.calls.length + 1 });
    expect(run.discards[0]).not.toHaveProperty('responseContext');
    for (const call of run.calls) expect(call.at - T0).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe('invocation errors (§10)', () => {
  it('do not consume retry attempts but count in approximateInvokeCount', async () => {
    const run = await simulate(records(2), config({ maximumRetryAttempts: 1 }), (_, call) => (call <= 5 ? invocationError() : functionError()));
    expect(run.calls).toHaveLength(7);
    expect(run.calls.map((c) => c.report?.counted)).toEqual([false, false, false, false, false, true, true]);
    expect(run.calls.map((c) => c.report?.result)).toEqual([...Array(5).fill('invocation-error'), 'function-error', 'function-error']);
    // Every retry waits, counted or not, with the delay growing per retry.
    expect(run.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
    expect(run.discards).toMatchObject([{ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 7, batchSize: 2 }]);
  });

  it('with MaximumRetryAttempts 0 are retried until the records expire', async () => {
    const run = await simulate(records(3), config({ maximumRetryAttempts: 0, maximumRecordAgeInSeconds: 60 }), () => invocationError());
    expect(run.calls.length).toBeGreaterThan(5);
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({ condition: 'RecordAgeExceeded', batchSize: 3, startSequenceNumber: seq(1), endSequenceNumber: seq(3) });
    expect(run.discards[0]).not.toHaveProperty('responseContext');
    // Never invoked with an expired record.
    for (const call of run.calls) for (const n of call.records) expect(call.at - (T0 + (n - 1) * 10)).toBeLessThanOrEqual(60_000);
  });

  it('the request id of the last invocation that ran is kept, not lost to later invocation errors', async () => {
    const run = await simulate(records(1), config({ maximumRecordAgeInSeconds: 60 }), (_, call) => (call === 1 ? functionError() : invocationError()));
    const first = run.calls[0]!.outcome;
    expect(run.discards[0]!.requestId).toBe(first.kind === 'function-error' ? first.requestId : 'none');
  });
});

describe('ReportBatchItemFailures (§11)', () => {
  const rbif = (overrides = {}) => config({ reportBatchItemFailures: true, ...overrides });

  it('AWS example: six records, BatchSize 3, MaximumRetryAttempts 3, the sixth always failed', async () => {
    const target = (numbers: number[]) => (numbers.includes(6) ? failures(6) : success({ batchItemFailures: [] }));
    const first = await simulate(records(3), rbif({ maximumRetryAttempts: 3 }), target);
    const second = await simulate(records(6).slice(3), rbif({ maximumRetryAttempts: 3 }), target);
    const delivered = [...first.invoked, ...second.invoked].flat();
    for (const n of [1, 2, 3, 4, 5]) expect(delivered.filter((d) => d === n)).toHaveLength(1);
    expect(second.invoked).toEqual([[4, 5, 6], [6], [6], [6]]);
    expect(first.checkpoint).toBe(seq(3));
    expect(second.checkpoint).toBe(seq(6));
    expect(second.discards).toHaveLength(1);
    expect(second.discards[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      batchSize: 1,
      startSequenceNumber: seq(6),
      endSequenceNumber: seq(6),
      approximateInvokeCount: 4,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    });
  });

  it('AWS example: BatchSize 1, MaximumRetryAttempts 2, every response a complete failure → 3 invocations', async () => {
    const run = await simulate(records(1), rbif({ maximumRetryAttempts: 2 }), () => success({ batchItemFailures: [{ itemIdentifier: '' }] }));
    expect(run.calls).toHaveLength(3);
    expect(run.discards).toMatchObject([{ approximateInvokeCount: 3, responseContext: { functionError: null } }]);
  });

  it('a function that throws with RBIF on: functionError "Unhandled"', async () => {
    const run = await simulate(records(1), rbif({ maximumRetryAttempts: 2 }), () => functionError());
    expect(run.calls).toHaveLength(3);
    expect(run.discards).toMatchObject([{ approximateInvokeCount: 3, responseContext: { functionError: 'Unhandled' } }]);
  });

  const successes: [string, unknown, boolean][] = [
    ['{"batchItemFailures": []}', { batchItemFailures: [] }, true],
    ['{"batchItemFailures": null}', { batchItemFailures: null }, true],
    ['{}', {}, true],
    ['null', null, true],
    ['""', '', true],
    ['[]', [], true],
    ['another string', 'ok', true],
    ['a number', 42, true],
    ['a boolean', true, true],
    ['a non-empty array', [{ itemIdentifier: 'x' }], true],
    ['an object without batchItemFailures', { foo: 1 }, true],
  ];
  it.each(successes)('%s → success: one invocation, no retry', async (_, response, isJson) => {
    const run = await simulate(records(3), rbif({ maximumRetryAttempts: 5 }), () => success(response, isJson));
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]!.report).toMatchObject({ result: 'success', doneCount: 3 });
    expect(run.discards).toEqual([]);
  });

  const completeFailures: [string, unknown, boolean][] = [
    ['itemIdentifier ""', { batchItemFailures: [{ itemIdentifier: '' }] }, true],
    ['itemIdentifier null', { batchItemFailures: [{ itemIdentifier: null }] }, true],
    ['an entry without itemIdentifier {"foo": 123}', { batchItemFailures: [{ foo: 123 }] }, true],
    ['an entry without itemIdentifier {"foo": null}', { batchItemFailures: [{ foo: null }] }, true],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 123 }] }, true],
    ['a sequence number not in the batch', { batchItemFailures: [{ itemIdentifier: seq(99) }] }, true],
    ['batchItemFailures not an array', { batchItemFailures: 'x' }, true],
    ['an entry that is not an object', { batchItemFailures: ['x'] }, true],
    ['a response that is not valid JSON', '{not json', false],
  ];
  it.each(completeFailures)('%s → complete failure: the whole batch is retried, then discarded with functionError null', async (_, response, isJson) => {
    const run = await simulate(records(3), rbif({ maximumRetryAttempts: 1 }), () => success(response, isJson));
    expect(run.invoked).toEqual([range(1, 3), range(1, 3)]);
    expect(run.calls[0]!.report).toMatchObject({ result: 'complete-failure', counted: true, doneCount: 0 });
    expect(run.discards).toMatchObject([
      { condition: 'RetryAttemptsExhausted', batchSize: 3, approximateInvokeCount: 2, responseContext: { functionError: null } },
    ]);
  });

  it('retries from the lowest failed sequence number; the records before it are done', async () => {
    const run = await simulate(records(6), rbif(), (_, call) => (call === 1 ? failures(5, 3) : success()));
    expect(run.invoked).toEqual([range(1, 6), range(3, 6)]);
    expect(run.calls[0]!.report).toMatchObject({ result: 'partial-failure', counted: true, doneCount: 2 });
    expect(run.sleeps).toEqual([1000]);
    expect(run.checkpoint).toBe(seq(6));
  });

  it('the same sequence number twice counts once', async () => {
    const run = await simulate(records(4), rbif(), (_, call) => (call === 1 ? failures(2, 2) : success()));
    expect(run.invoked).toEqual([range(1, 4), range(2, 4)]);
  });

  it('a failure point that moves forward on each retry', async () => {
    const run = await simulate(records(5), rbif({ maximumRetryAttempts: 5 }), (numbers) => (numbers[0]! < 4 ? failures(numbers[0]! + 1) : success()));
    expect(run.invoked).toEqual([range(1, 5), range(2, 5), range(3, 5), range(4, 5)]);
    expect(run.discards).toEqual([]);
  });

  it('compares sequence numbers by value (shorter and zero-padded numbers)', async () => {
    const input = [
      { sequenceNumber: '000000000000000000009', arrivalTime: T0 },
      { sequenceNumber: '000000000000000000010', arrivalTime: T0 },
      { sequenceNumber: '000000000000000000011', arrivalTime: T0 },
    ];
    const state = createBatchState(input, T0);
    const invoke = nextAction(state, rbif(), T0);
    expect(invoke.action).toMatchObject({ kind: 'invoke', indices: [0, 1, 2] });
    const outcome = success({ batchItemFailures: [{ itemIdentifier: '000000000000000000011' }, { itemIdentifier: '000000000000000000010' }] });
    const applied = applyOutcome(invoke.state, outcome, rbif(), T0 + 10, { random: () => 0 });
    expect(settledUpTo(applied.state)).toBe('000000000000000000009');
    const retry = nextAction(applied.state, rbif(), T0 + 2000);
    expect(retry.action).toMatchObject({ kind: 'invoke', indices: [1, 2], firstSequenceNumber: '000000000000000000010' });
  });

  it('the lowest failed record is the lowest by value, not by text', () => {
    const input = ['8', '9', '10'].map((sequenceNumber) => ({ sequenceNumber, arrivalTime: T0 }));
    const step = nextAction(createBatchState(input, T0), rbif(), T0);
    const outcome = success({ batchItemFailures: [{ itemIdentifier: '10' }, { itemIdentifier: '9' }] });
    const applied = applyOutcome(step.state, outcome, rbif(), T0);
    expect(applied.report.doneCount).toBe(1);
    expect(settledUpTo(applied.state)).toBe('8');
  });

  it('partial-failure exhaustion discards from the failure point to the end of the batch', async () => {
    const run = await simulate(records(5), rbif({ maximumRetryAttempts: 0 }), () => failures(4, 2));
    expect(run.invoked).toEqual([range(1, 5)]);
    expect(run.discards).toMatchObject([
      { startSequenceNumber: seq(2), endSequenceNumber: seq(5), batchSize: 4, approximateInvokeCount: 1, responseContext: { functionError: null } },
    ]);
    expect(run.checkpoint).toBe(seq(5));
  });

  it('is ignored when ReportBatchItemFailures is off', async () => {
    const run = await simulate(records(3), config({ maximumRetryAttempts: 3 }), () => failures(1));
    expect(run.calls).toHaveLength(1);
    expect(run.discards).toEqual([]);
  });
});

describe('BisectBatchOnFunctionError (§12)', () => {
  const bisect = (overrides = {}) => config({ bisectBatchOnFunctionError: true, ...overrides });

  it('isolates one poison record in a batch of 8; halves inherit counted attempts and start at once', async () => {
    const run = await simulate(records(8), bisect({ maximumRetryAttempts: 2 }), poisoned(3));
    expect(run.invoked).toEqual([range(1, 8), range(1, 4), [1, 2], [3, 4], [3], [3], [3], [4], range(5, 8)]);
    expect(run.calls.slice(0, 4).map((c) => c.report?.bisected)).toEqual([true, true, false, true]);
    expect(run.calls.slice(0, 4).map((c) => c.report?.counted)).toEqual([false, false, false, false]);
    // Only the retries of [3] wait; the halves are invoked at once.
    expect(run.sleeps).toEqual([1000, 2000]);
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: seq(3),
      endSequenceNumber: seq(3),
      batchSize: 1,
      // [1..8], [1..4], [3,4], [3] × 3
      approximateInvokeCount: 6,
      responseContext: { functionError: 'Unhandled' },
    });
    const last = run.calls[6]!.outcome;
    expect(run.discards[0]!.requestId).toBe(last.kind === 'function-error' ? last.requestId : 'none');
    expect(run.checkpoint).toBe(seq(8));
  });

  it('with MaximumRetryAttempts 0 the single poison record is discarded after its first solo invocation', async () => {
    const run = await simulate(records(8), bisect({ maximumRetryAttempts: 0 }), poisoned(3));
    expect(run.invoked).toEqual([range(1, 8), range(1, 4), [1, 2], [3, 4], [3], [4], range(5, 8)]);
    expect(run.discards).toMatchObject([{ startSequenceNumber: seq(3), approximateInvokeCount: 4 }]);
  });

  it('counted attempts before the split are inherited by the halves', async () => {
    // A partial failure counts (a = 1); the rest then throws and is split: with N = 1 a half
    // that fails alone is already exhausted (a = 2 > 1) after one solo invocation.
    const cfg = bisect({ maximumRetryAttempts: 1, reportBatchItemFailures: true });
    const run = await simulate(records(4), cfg, (numbers, call) => (call === 1 ? failures(2) : poisoned(2)(numbers)));
    expect(run.invoked).toEqual([range(1, 4), range(2, 4), [2, 3], [2], [3], [4]]);
    expect(run.discards).toMatchObject([
      { startSequenceNumber: seq(2), endSequenceNumber: seq(2), approximateInvokeCount: 4, responseContext: { functionError: 'Unhandled' } },
    ]);
  });

  it('splits odd batches with the larger half first', async () => {
    const run = await simulate(records(5), bisect({ maximumRetryAttempts: 0 }), poisoned(5));
    expect(run.invoked).toEqual([range(1, 5), [1, 2, 3], [4, 5], [4], [5]]);
  });

  it('merges adjacent discarded parts: first start, last end, total size, the largest invoke count, the latest request id', async () => {
    let fourAlone = 0;
    const run = await simulate(records(8), bisect({ maximumRetryAttempts: 0 }), (numbers) => {
      if (numbers.length === 1 && numbers[0] === 4 && fourAlone++ === 0) return invocationError();
      return poisoned(3, 4)(numbers);
    });
    expect(run.invoked).toEqual([range(1, 8), range(1, 4), [1, 2], [3, 4], [3], [4], [4], range(5, 8)]);
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: seq(3),
      endSequenceNumber: seq(4),
      batchSize: 2,
      approximateInvokeCount: 5,
    });
    const last = run.calls[6]!.outcome;
    expect(run.discards[0]!.requestId).toBe(last.kind === 'function-error' ? last.requestId : 'none');
  });

  it('does not merge discarded parts separated by a done record', async () => {
    const run = await simulate(records(4), bisect({ maximumRetryAttempts: 0 }), poisoned(1, 3));
    expect(run.discards.map((d) => [d.startSequenceNumber, d.endSequenceNumber])).toEqual([
      [seq(1), seq(1)],
      [seq(3), seq(3)],
    ]);
  });

  it('invocation errors do not split the batch', async () => {
    const run = await simulate(records(4), bisect({ maximumRetryAttempts: 0 }), (_, call) => (call === 1 ? invocationError() : success()));
    expect(run.invoked).toEqual([range(1, 4), range(1, 4)]);
  });

  it('a complete-failure response splits like a function error', async () => {
    const cfg = bisect({ maximumRetryAttempts: 0, reportBatchItemFailures: true });
    const run = await simulate(records(4), cfg, (numbers) => (numbers.includes(2) ? success({ batchItemFailures: [{ foo: 1 }] }) : success()));
    expect(run.invoked).toEqual([range(1, 4), [1, 2], [1], [2], [3, 4]]);
    expect(run.discards).toMatchObject([{ startSequenceNumber: seq(2), responseContext: { functionError: null } }]);
  });

  it('a thrown error splits even with ReportBatchItemFailures on', async () => {
    const cfg = bisect({ maximumRetryAttempts: 0, reportBatchItemFailures: true });
    const run = await simulate(records(4), cfg, poisoned(4));
    expect(run.invoked).toEqual([range(1, 4), [1, 2], [3, 4], [3], [4]]);
  });

  it('a partial-failure response cuts the batch at the returned sequence number instead of halving', async () => {
    const cfg = bisect({ maximumRetryAttempts: 1, reportBatchItemFailures: true });
    const run = await simulate(records(4), cfg, (numbers) => (numbers.includes(3) ? failures(3) : success()));
    expect(run.invoked).toEqual([range(1, 4), [3, 4]]);
    expect(run.discards).toMatchObject([{ startSequenceNumber: seq(3), endSequenceNumber: seq(4), batchSize: 2, approximateInvokeCount: 2 }]);
  });
});

describe('MaximumRecordAgeInSeconds (§13)', () => {
  it('one expired record and five fresh ones: the destination gets the one, the function the five', async () => {
    const input = records(6);
    input[0]!.arrivalTime = T0 - 120_000;
    const run = await simulate(input, config({ maximumRecordAgeInSeconds: 60 }), () => success());
    expect(run.invoked).toEqual([range(2, 6)]);
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({
      condition: 'RecordAgeExceeded',
      startSequenceNumber: seq(1),
      endSequenceNumber: seq(1),
      batchSize: 1,
      approximateInvokeCount: 1,
      approximateArrivalOfFirstRecord: T0 - 120_000,
      discardedAt: T0,
    });
    expect(run.discards[0]).not.toHaveProperty('responseContext');
    expect(run.discards[0]).not.toHaveProperty('requestId');
    expect(run.checkpoint).toBe(seq(6));
  });

  it('a batch entirely too old is discarded without any invocation', async () => {
    const run = await simulate(records(3, T0 - 3_600_000), config({ maximumRecordAgeInSeconds: 60 }), () => success());
    expect(run.calls).toEqual([]);
    expect(run.discards).toMatchObject([{ condition: 'RecordAgeExceeded', batchSize: 3, approximateInvokeCount: 1 }]);
    expect(run.checkpoint).toBe(seq(3));
  });

  it('each run of adjacent expired records is its own on-failure record', async () => {
    const input = records(5);
    input[0]!.arrivalTime = T0 - 120_000;
    input[2]!.arrivalTime = T0 - 120_000;
    input[3]!.arrivalTime = T0 - 120_000;
    const run = await simulate(input, config({ maximumRecordAgeInSeconds: 60 }), () => success());
    expect(run.invoked).toEqual([[2, 5]]);
    expect(run.discards.map((d) => [d.startSequenceNumber, d.endSequenceNumber, d.batchSize])).toEqual([
      [seq(1), seq(1), 1],
      [seq(3), seq(4), 2],
    ]);
  });

  it('after seven failed invocations: approximateInvokeCount 8, discarded as soon as it expires', async () => {
    const run = await simulate(records(1), config({ maximumRecordAgeInSeconds: 90 }), () => functionError());
    expect(run.calls).toHaveLength(7);
    expect(run.discards).toMatchObject([{ condition: 'RecordAgeExceeded', approximateInvokeCount: 8 }]);
    expect(run.discards[0]).not.toHaveProperty('responseContext');
    // Expired at T0 + 90 001 ms, during the wait for the 8th invocation (due at T0 + 91 700).
    expect(run.discards[0]!.discardedAt).toBe(T0 + 90_001);
    const last = run.calls[6]!.outcome;
    expect(run.discards[0]!.requestId).toBe(last.kind === 'function-error' ? last.requestId : 'none');
  });

  it('retry limit reached first: RetryAttemptsExhausted', async () => {
    const run = await simulate(records(1), config({ maximumRetryAttempts: 2, maximumRecordAgeInSeconds: 90 }), () => functionError());
    expect(run.calls).toHaveLength(3);
    expect(run.discards).toMatchObject([{ condition: 'RetryAttemptsExhausted' }]);
  });

  it('age limit reached first: RecordAgeExceeded', async () => {
    const run = await simulate(records(1), config({ maximumRetryAttempts: 100, maximumRecordAgeInSeconds: 60 }), () => functionError());
    expect(run.calls).toHaveLength(6);
    expect(run.discards).toMatchObject([{ condition: 'RecordAgeExceeded', approximateInvokeCount: 7 }]);
  });

  it('records of a half that waits its turn expire too', async () => {
    // [1..4] fails and is split; [1,2] (poisoned) retries until the whole batch is too old.
    const run = await simulate(records(4), config({ bisectBatchOnFunctionError: true, maximumRecordAgeInSeconds: 60 }), poisoned(1));
    expect(run.invoked.slice(0, 3)).toEqual([range(1, 4), [1, 2], [1]]);
    expect(run.invoked).toContainEqual([2]);
    expect(run.invoked).not.toContainEqual([3, 4]);
    expect(run.discards.map((d) => [d.condition, d.startSequenceNumber, d.endSequenceNumber])).toEqual([
      ['RecordAgeExceeded', seq(1), seq(1)],
      ['RecordAgeExceeded', seq(3), seq(4)],
    ]);
  });
});

describe('MaximumPayloadSizeExceeded (§8)', () => {
  it('a record whose event alone exceeds 6 MB is discarded without invocation; the others are invoked', async () => {
    const input = records(3).map((r) => ({ ...r, sizeBytes: 200 }));
    input[1]!.sizeBytes = MAX_PAYLOAD_BYTES - 14 + 1;
    const run = await simulate(input, config(), () => success());
    expect(run.invoked).toEqual([[1, 3]]);
    expect(run.discards).toHaveLength(1);
    expect(run.discards[0]).toMatchObject({ condition: 'MaximumPayloadSizeExceeded', startSequenceNumber: seq(2), batchSize: 1, approximateInvokeCount: 1, discardedAt: T0 });
    expect(run.discards[0]).not.toHaveProperty('responseContext');
  });

  it('a record that fits exactly in 6 MB with the envelope is invoked', async () => {
    const run = await simulate([{ ...records(1)[0]!, sizeBytes: MAX_PAYLOAD_BYTES - 14 }], config(), () => success());
    expect(run.invoked).toEqual([[1]]);
    expect(run.discards).toEqual([]);
  });

  it('a batch of one oversized record ends at once', () => {
    const state = createBatchState([{ ...records(1)[0]!, sizeBytes: 7_000_000 }], T0);
    const { action } = nextAction(state, config(), T0);
    expect(action).toMatchObject({ kind: 'end', checkpoint: seq(1), doneCount: 0, discardedCount: 1 });
  });
});

describe('state', () => {
  it('survives a JSON round trip at every step (it lives in the job)', async () => {
    const target = poisoned(3);
    const direct = await simulate(records(8), config({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 2, maximumRecordAgeInSeconds: 3600 }), target);
    const viaJson = await simulate(records(8), config({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 2, maximumRecordAgeInSeconds: 3600 }), target, { viaJson: true });
    expect(viaJson.invoked).toEqual(direct.invoked);
    expect(viaJson.sleeps).toEqual(direct.sleeps);
    expect(viaJson.discards.map(({ requestId: _, ...d }) => d)).toEqual(direct.discards.map(({ requestId: _, ...d }) => d));
    expect(JSON.parse(JSON.stringify(viaJson.state))).toEqual(viaJson.state);
  });

  it('never mutates the state it is given', () => {
    const state = createBatchState(records(3), T0);
    const frozen = JSON.stringify(state);
    const step = nextAction(state, config(), T0);
    applyOutcome(step.state, functionError(), config({ bisectBatchOnFunctionError: true }), T0);
    applyOutcome(step.state, failures(2), config({ reportBatchItemFailures: true }), T0);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('waits while a retry is due and invokes when it is', () => {
    const cfg = config();
    const first = nextAction(createBatchState(records(2), T0), cfg, T0);
    const failed = applyOutcome(first.state, functionError(), cfg, T0 + 50, { random: () => 0 });
    expect(failed.report).toMatchObject({ delayMs: 1000, counted: true });
    expect(nextAction(failed.state, cfg, T0 + 500).action).toEqual({ kind: 'wait', until: T0 + 1050, delayMs: 550 });
    expect(nextAction(failed.state, cfg, T0 + 1050).action).toMatchObject({ kind: 'invoke', retry: 1, countedAttempts: 1 });
  });

  it("numbers each invocation of a record set for the invocation trace, bisected halves counting their parent's", () => {
    const cfg = config({ bisectBatchOnFunctionError: true });
    const first = nextAction(createBatchState(records(4), T0), cfg, T0);
    expect(first.action).toMatchObject({ kind: 'invoke', indices: [0, 1, 2, 3], attempt: 1 });
    const halved = applyOutcome(first.state, functionError(), cfg, T0);
    const left = nextAction(halved.state, cfg, T0);
    expect(left.action).toMatchObject({ kind: 'invoke', indices: [0, 1], retry: 0, attempt: 2 });
    const retried = applyOutcome(left.state, invocationError(), cfg, T0, { random: () => 0 });
    expect(nextAction(retried.state, cfg, T0 + 60_000).action).toMatchObject({ kind: 'invoke', indices: [0, 1], attempt: 3 });
  });

  it('rejects an empty batch, records out of order, and foreign values', () => {
    expect(() => createBatchState([], T0)).toThrow(StreamBatchPolicyError);
    expect(() => createBatchState([records(2)[1]!, records(2)[0]!], T0)).toThrow(StreamBatchPolicyError);
    expect(() => createBatchState([records(1)[0]!, records(1)[0]!], T0)).toThrow(StreamBatchPolicyError);
    expect(() => nextAction({ version: 2 } as unknown as StreamBatchState, config(), T0)).toThrow(StreamBatchPolicyError);
    const ended = nextAction(createBatchState(records(1), T0), config(), T0);
    const done = applyOutcome(ended.state, success(), config(), T0);
    expect(() => applyOutcome(done.state, success(), config(), T0)).toThrow(StreamBatchPolicyError);
  });
});

describe('checkpoint (§5) and abandon (§17)', () => {
  it('settledUpTo follows the done prefix; abandon gives it with the discards inside it', () => {
    const cfg = config({ reportBatchItemFailures: true, maximumRecordAgeInSeconds: 60 });
    const input = records(6);
    input[0]!.arrivalTime = T0 - 120_000;
    const step = nextAction(createBatchState(input, T0), cfg, T0);
    expect(settledUpTo(step.state)).toBe(seq(1)); // record 1 discarded (too old)
    expect(step.action).toMatchObject({ kind: 'invoke', indices: [1, 2, 3, 4, 5] });
    const partial = applyOutcome(step.state, failures(4), cfg, T0 + 10);
    expect(settledUpTo(partial.state)).toBe(seq(3));
    const stopped = abandon(partial.state);
    expect(stopped.checkpoint).toBe(seq(3));
    expect(stopped.discards).toMatchObject([{ condition: 'RecordAgeExceeded', startSequenceNumber: seq(1) }]);
  });

  it('abandon before anything ended: no checkpoint, no discards', () => {
    const state = createBatchState(records(3), T0);
    expect(settledUpTo(state)).toBeUndefined();
    expect(abandon(state)).toEqual({ discards: [] });
  });

  it('abandon leaves out discards after the first pending record', () => {
    const cfg = config({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 0, maximumRecordAgeInSeconds: 60 });
    const input = records(4);
    input[3]!.arrivalTime = T0 - 120_000; // record 4 expires at once
    const step = nextAction(createBatchState(input, T0), cfg, T0);
    const failed = applyOutcome(step.state, functionError(), cfg, T0 + 10); // split [1,2] [3]
    expect(abandon(failed.state)).toEqual({ discards: [] });
  });
});

describe('runStreamBatch', () => {
  it('saves after every step, counts each invocation once, and ends with the discards', async () => {
    let clock = T0;
    const saved: StreamBatchState[] = [];
    const result = await runStreamBatch({
      state: createBatchState(records(2), clock),
      config: config({ maximumRetryAttempts: 0 }),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      save: async (state) => {
        saved.push(state);
      },
      invoke: async () => functionError(),
    });
    expect(result.kind).toBe('ended');
    if (result.kind !== 'ended') return;
    expect(result.checkpoint).toBe(seq(2));
    expect(result.discards).toMatchObject([{ approximateInvokeCount: 1, batchSize: 2 }]);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved[saved.length - 1]!.parts).toEqual([]);
  });

  it('stops between steps when the signal is aborted, keeping the state to abandon or resume', async () => {
    let clock = T0;
    const controller = new AbortController();
    let calls = 0;
    const result = await runStreamBatch({
      state: createBatchState(records(4), clock),
      config: config({ reportBatchItemFailures: true }),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      invoke: async () => {
        calls++;
        controller.abort();
        return failures(3);
      },
      signal: controller.signal,
    });
    expect(calls).toBe(1);
    expect(result.kind).toBe('stopped');
    expect(abandon(result.state).checkpoint).toBe(seq(2));
  });
});
