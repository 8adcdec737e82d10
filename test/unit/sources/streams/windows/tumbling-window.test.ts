/** Tumbling windows (streams.md §15): window ranges, the event envelope against AWS's examples, responses, final invocations. */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { applyOutcome, createBatchState, nextAction } from '../../../../../src/sources/streams/policy/index.js';
import { toKinesisEventRecord } from '../../../../../src/sources/kinesis/kinesis-record.js';
import {
  afterFinalInvoke,
  asFunctionError,
  buildWindowPayload,
  formatWindowTime,
  INVALID_WINDOW_RESPONSE,
  MAX_WINDOW_STATE_BYTES,
  policyOutcomeForWindow,
  readWindowResponse,
  sameWindow,
  stateAfterAttempt,
  stateTooLarge,
  windowForRecord,
  windowHasEnded,
  windowOf,
  windowPayloadBaseBytes,
  type FinalInvokeStep,
} from '../../../../../src/sources/streams/windows/tumbling-window.js';
import type { InvocationOutcome, SuccessOutcome } from '../../../../../src/targets/target.js';
import { config, functionError, invocationError, records, seq, success } from '../policy/harness.js';

// §15's Kinesis tumbling-window event, verbatim.
const awsKinesisWindowEvent = `{
    "Records": [
        {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "1",
                "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
                "approximateArrivalTimestamp": 1607497475.000
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-kinesis-role",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream"
        }
    ],
    "window": {
        "start": "2020-12-09T07:04:00Z",
        "end": "2020-12-09T07:06:00Z"
    },
    "state": {
        "1": 282,
        "2": 715
    },
    "shardId": "shardId-000000000006",
    "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream",
    "isFinalInvokeForWindow": false,
    "isWindowTerminatedEarly": false
}`;

// §15's DynamoDB fragment, verbatim, wrapped in braces.
const awsDynamodbWindowFragment = `{
    "window": {
        "start": "2020-07-30T17:00:00Z",
        "end": "2020-07-30T17:05:00Z"
    },
    "state": {
        "1": "state1"
    },
    "shardId": "shard123456789",
    "eventSourceARN": "stream-ARN",
    "isFinalInvokeForWindow": false,
    "isWindowTerminatedEarly": false
}`;

// §15's expected response, verbatim.
const awsWindowResponse = `{
    "state": {
        "1": 282,
        "2": 715
    },
    "batchItemFailures": []
}`;

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream';

/** Every object's keys, depth first, with their paths: equal lists mean the same keys in the same order. */
function keyPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keyPaths(item, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [`${path}.${key}`, ...keyPaths(item, `${path}.${key}`)]);
}

function kinesisEventJson(): string {
  const record: KinesisRecord = {
    SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    PartitionKey: '1',
    Data: Buffer.from('Hello, this is a test.'),
    ApproximateArrivalTimestamp: new Date(1607497475000),
  };
  const context = {
    shardId: 'shardId-000000000006',
    streamArn: STREAM_ARN,
    awsRegion: 'us-east-1',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-kinesis-role',
  };
  return JSON.stringify(toKinesisEventRecord(record, context, 1607497475000));
}

const ok = (response: unknown, responseIsJson = true) => success(response, responseIsJson) as SuccessOutcome;

describe('window ranges', () => {
  it("aligns to the epoch: AWS's example record (07:04:35, W = 120 s) is in 07:04:00–07:06:00", () => {
    const window = windowOf(1607497475000, 120);
    expect(formatWindowTime(window.startMs)).toBe('2020-12-09T07:04:00Z');
    expect(formatWindowTime(window.endMs)).toBe('2020-12-09T07:06:00Z');
    expect(window.endMs - window.startMs).toBe(120_000);
  });

  it('a window holds [start, end): its first millisecond in, its end in the next one', () => {
    const start = Date.parse('2020-07-30T17:00:00Z');
    expect(windowOf(start, 300)).toEqual({ startMs: start, endMs: start + 300_000 });
    expect(windowOf(start + 299_999, 300)).toEqual({ startMs: start, endMs: start + 300_000 });
    expect(windowOf(start - 1, 300)).toEqual({ startMs: start - 300_000, endMs: start });
    expect(windowOf(start + 300_000, 300)).toEqual({ startMs: start + 300_000, endMs: start + 600_000 });
    expect(windowOf(start + 0.5, 1)).toEqual({ startMs: start, endMs: start + 1000 });
  });

  it('window lengths that do not divide an hour still align to the epoch, not to the hour', () => {
    const window = windowOf(Date.parse('2020-12-09T07:04:35Z'), 7);
    expect(window.startMs % 7000).toBe(0);
    expect(window.startMs).toBeLessThanOrEqual(Date.parse('2020-12-09T07:04:35Z'));
    expect(window.endMs).toBeGreaterThan(Date.parse('2020-12-09T07:04:35Z'));
    expect(formatWindowTime(windowOf(Date.parse('2020-12-09T07:04:35Z'), 900).startMs)).toBe('2020-12-09T07:00:00Z');
  });

  it('refuses window lengths outside 1–900 s and arrival times that are not numbers', () => {
    for (const bad of [0, -1, 901, 1.5, Number.NaN]) expect(() => windowOf(0, bad), String(bad)).toThrow(RangeError);
    expect(() => windowOf(Number.NaN, 60)).toThrow(RangeError);
  });

  it('a record arriving after its window closed joins the next one; after an early termination, the same range again', () => {
    const closed = windowOf(Date.parse('2020-12-09T07:04:10Z'), 60);
    const straggler = Date.parse('2020-12-09T07:04:50Z');
    expect(windowForRecord(straggler, 60)).toEqual(closed);
    expect(windowForRecord(straggler, 60, closed.endMs)).toEqual({ startMs: closed.endMs, endMs: closed.endMs + 60_000 });
    expect(windowForRecord(straggler, 60, closed.startMs)).toEqual(closed);
    const later = Date.parse('2020-12-09T07:07:01Z');
    expect(windowForRecord(later, 60, closed.endMs)).toEqual(windowOf(later, 60));
    expect(sameWindow(windowForRecord(straggler, 60, closed.startMs), closed)).toBe(true);
    expect(sameWindow(windowOf(later, 60), closed)).toBe(false);
  });

  it('has ended once the wall clock reaches its end', () => {
    const window = windowOf(1607497475000, 120);
    expect(windowHasEnded(window, window.endMs - 1)).toBe(false);
    expect(windowHasEnded(window, window.endMs)).toBe(true);
  });

  it('formats bounds as YYYY-MM-DDTHH:MM:SSZ, whole seconds in UTC', () => {
    expect(formatWindowTime(Date.parse('2020-07-30T17:05:00.999Z'))).toBe('2020-07-30T17:05:00Z');
    expect(formatWindowTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatWindowTime(Date.parse('2024-02-29T23:59:59Z'))).toBe('2024-02-29T23:59:59Z');
  });
});

describe('buildWindowPayload', () => {
  it("reproduces AWS's Kinesis tumbling-window example byte for byte, keys in AWS's order", () => {
    const payload = buildWindowPayload({
      recordEventsJson: [kinesisEventJson()],
      window: windowOf(1607497475000, 120),
      state: JSON.parse('{"1": 282, "2": 715}') as Record<string, unknown>,
      shardId: 'shardId-000000000006',
      streamArn: STREAM_ARN,
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    });
    const expected: unknown = JSON.parse(awsKinesisWindowEvent);
    expect(JSON.parse(payload)).toEqual(expected);
    expect(keyPaths(JSON.parse(payload))).toEqual(keyPaths(expected));
    expect(payload).toBe(JSON.stringify(expected));
  });

  it("wraps DynamoDB records in the same envelope: AWS's fragment, keys in order", () => {
    const start = Date.parse('2020-07-30T17:00:00Z');
    const record = JSON.stringify({ eventID: '1', eventName: 'INSERT', dynamodb: { Keys: { Id: { N: '101' } } } });
    const payload = buildWindowPayload({
      recordEventsJson: [record, record],
      window: windowOf(start + 12_345, 300),
      state: { '1': 'state1' },
      shardId: 'shard123456789',
      streamArn: 'stream-ARN',
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    });
    const parsed = JSON.parse(payload) as Record<string, unknown>;
    expect(Object.keys(parsed)[0]).toBe('Records');
    expect(parsed.Records).toEqual([JSON.parse(record), JSON.parse(record)]);
    const { Records: _records, ...envelope } = parsed;
    const expected: unknown = JSON.parse(awsDynamodbWindowFragment);
    expect(envelope).toEqual(expected);
    expect(keyPaths(envelope)).toEqual(keyPaths(expected));
  });

  it('the final invocation carries no records; early termination only with it', () => {
    const input = { window: windowOf(1607497475000, 120), state: { n: 1 }, shardId: 's', streamArn: STREAM_ARN };
    const final = JSON.parse(buildWindowPayload({ ...input, recordEventsJson: [], isFinalInvokeForWindow: true, isWindowTerminatedEarly: true }));
    expect(final).toMatchObject({ Records: [], state: { n: 1 }, isFinalInvokeForWindow: true, isWindowTerminatedEarly: true });
    expect(() => buildWindowPayload({ ...input, recordEventsJson: ['{}'], isFinalInvokeForWindow: true, isWindowTerminatedEarly: false })).toThrow(TypeError);
    expect(() => buildWindowPayload({ ...input, recordEventsJson: ['{}'], isFinalInvokeForWindow: false, isWindowTerminatedEarly: true })).toThrow(TypeError);
    expect(JSON.parse(buildWindowPayload({ ...input, recordEventsJson: [], isFinalInvokeForWindow: false, isWindowTerminatedEarly: false })).state).toEqual({ n: 1 });
  });

  it('windowPayloadBaseBytes + records + commas is the payload size (the 6 MB budget of a window batch)', () => {
    const input = { window: windowOf(1607497475000, 120), state: { 'clé': 'é'.repeat(10) }, shardId: 's', streamArn: STREAM_ARN };
    const flags = { isFinalInvokeForWindow: false, isWindowTerminatedEarly: false };
    const events = [kinesisEventJson(), '{"a":"ü"}', '{}'];
    const size = Buffer.byteLength(buildWindowPayload({ ...input, ...flags, recordEventsJson: events }));
    const base = windowPayloadBaseBytes({ ...input, ...flags });
    expect(base + events.reduce((sum, e) => sum + Buffer.byteLength(e), 0) + events.length - 1).toBe(size);
  });
});

describe('readWindowResponse', () => {
  it("reads the state of AWS's expected response", () => {
    expect(readWindowResponse(ok(JSON.parse(awsWindowResponse)))).toEqual({ kind: 'state', state: { '1': 282, '2': 715 } });
    expect(readWindowResponse(ok({ state: {} }))).toEqual({ kind: 'state', state: {} });
  });

  it.each([
    ['no state', { batchItemFailures: [] }, true, 'the response has no state'],
    ['an empty object', {}, true, 'the response has no state'],
    ['a null state', { state: null }, true, 'the state is not a JSON object'],
    ['an array state', { state: [1] }, true, 'the state is not a JSON object'],
    ['a string state', { state: '{}' }, true, 'the state is not a JSON object'],
    ['a number state', { state: 3 }, true, 'the state is not a JSON object'],
    ['null (nothing returned)', null, true, 'the response is not a JSON object'],
    ['an array', [{ state: {} }], true, 'the response is not a JSON object'],
    ['a string', 'state', true, 'the response is not a JSON object'],
    ['invalid JSON', '{state:', false, 'the response is not valid JSON'],
  ])('a success with %s is a failed invocation', (_name, response, isJson, reason) => {
    expect(readWindowResponse(ok(response, isJson))).toEqual({ kind: 'invalid', reason });
  });

  it('function and invocation errors are left to the policy', () => {
    expect(readWindowResponse(functionError())).toEqual({ kind: 'not-success' });
    expect(readWindowResponse(invocationError())).toEqual({ kind: 'not-success' });
    expect(policyOutcomeForWindow(invocationError()).kind).toBe('invocation-error');
  });

  it('asFunctionError keeps the attempt identity and says why', () => {
    const outcome = ok({});
    expect(asFunctionError(outcome, 'the response has no state')).toEqual({
      kind: 'function-error',
      functionError: 'Unhandled',
      errorType: INVALID_WINDOW_RESPONSE,
      errorMessage: 'Tumbling window response without a state object: the response has no state',
      requestId: outcome.requestId,
      executedVersion: outcome.executedVersion,
      durationMs: outcome.durationMs,
    });
  });
});

describe('window outcomes through the batch policy', () => {
  const apply = (outcome: InvocationOutcome, overrides: Parameters<typeof config>[0] = {}, count = 4) => {
    const policy = config(overrides);
    const state = nextAction(createBatchState(records(count), 0), policy, 0).state;
    return applyOutcome(state, policyOutcomeForWindow(outcome), policy, 0, { random: () => 0 });
  };

  it('a success with a state is a success, with or without ReportBatchItemFailures', () => {
    for (const reportBatchItemFailures of [false, true]) {
      const outcome = ok(JSON.parse(awsWindowResponse));
      const { report } = apply(outcome, { reportBatchItemFailures });
      expect(report.result).toBe('success');
      expect(stateAfterAttempt(report.result, outcome)).toEqual({ '1': 282, '2': 715 });
    }
  });

  it('a success without a state is a counted function error even with ReportBatchItemFailures off, retried after a delay', () => {
    const { report, state } = apply(ok({ batchItemFailures: [] }), { maximumRetryAttempts: 3 });
    expect(report).toMatchObject({ result: 'function-error', counted: true, doneCount: 0, delayMs: 1000 });
    expect(state.status).toBe('pppp');
    expect(stateAfterAttempt(report.result, ok({ batchItemFailures: [] }))).toBeUndefined();
  });

  it('a stateless success bisects like a function error', () => {
    expect(apply(ok(null), { bisectBatchOnFunctionError: true }).report).toMatchObject({ result: 'function-error', bisected: true, counted: false });
  });

  it('retries exhausted by stateless successes discard the records with functionError "Unhandled"', () => {
    const policy = config({ maximumRetryAttempts: 0 });
    const state = applyOutcome(createBatchState(records(2), 0), policyOutcomeForWindow(ok({ total: 1 })), policy, 0).state;
    const end = nextAction(state, policy, 0).action;
    expect(end).toMatchObject({ kind: 'end', discardedCount: 2 });
    expect(end.kind === 'end' && end.discards[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
      responseContext: { functionError: 'Unhandled' },
    });
  });

  it('with ReportBatchItemFailures, a partial failure keeps the returned state; a malformed one does not', () => {
    const partial = ok({ state: { n: 2 }, batchItemFailures: [{ itemIdentifier: seq(3) }] });
    const { report, state } = apply(partial, { reportBatchItemFailures: true });
    expect(report).toMatchObject({ result: 'partial-failure', doneCount: 2 });
    expect(state.status).toBe('ddpp');
    expect(stateAfterAttempt(report.result, partial)).toEqual({ n: 2 });

    const malformed = ok({ state: { n: 2 }, batchItemFailures: [{ itemIdentifier: '' }] });
    const complete = apply(malformed, { reportBatchItemFailures: true }).report;
    expect(complete.result).toBe('complete-failure');
    expect(stateAfterAttempt(complete.result, malformed)).toBeUndefined();
  });

  it('a missing state fails the invocation even when batchItemFailures names records', () => {
    const { report } = apply(ok({ batchItemFailures: [{ itemIdentifier: seq(3) }] }), { reportBatchItemFailures: true });
    expect(report).toMatchObject({ result: 'function-error', doneCount: 0 });
  });
});

describe('stateTooLarge', () => {
  /** A state whose JSON is exactly `bytes` long: {"k":"xxx…"} is 8 bytes plus the string. */
  const stateOf = (bytes: number, char = 'x') => ({ k: char.repeat((bytes - 8) / Buffer.byteLength(char)) });

  it('is over 1,048,576 bytes of JSON, counted in UTF-8 bytes', () => {
    expect(JSON.stringify(stateOf(MAX_WINDOW_STATE_BYTES)).length).toBe(MAX_WINDOW_STATE_BYTES);
    expect(stateTooLarge(stateOf(MAX_WINDOW_STATE_BYTES))).toBe(false);
    expect(stateTooLarge(stateOf(MAX_WINDOW_STATE_BYTES + 1))).toBe(true);
    expect(stateTooLarge(stateOf(MAX_WINDOW_STATE_BYTES, 'é'))).toBe(false);
    expect(stateTooLarge(stateOf(MAX_WINDOW_STATE_BYTES + 2, 'é'))).toBe(true);
    expect(stateTooLarge({})).toBe(false);
  });
});

describe('afterFinalInvoke', () => {
  const start = { countedAttempts: 0, retries: 0 };
  /** Runs outcomes until the window closes or is given up; returns each step. */
  function run(outcomes: InvocationOutcome[], maximumRetryAttempts: number): FinalInvokeStep[] {
    const steps: FinalInvokeStep[] = [];
    let progress = start;
    for (const outcome of outcomes) {
      const step = afterFinalInvoke(outcome, progress, maximumRetryAttempts, () => 0);
      steps.push(step);
      if (step.kind !== 'retry') break;
      progress = step.progress;
    }
    return steps;
  }

  it('closes the window on a success with a state', () => {
    expect(afterFinalInvoke(ok({ state: {} }), start, 0)).toEqual({ kind: 'closed' });
  });

  it('MaximumRetryAttempts 2: three counted failures, then the window is given up; delays double', () => {
    const steps = run([functionError(), ok({}), functionError(), ok({ state: {} })], 2);
    expect(steps.map((s) => s.kind)).toEqual(['retry', 'retry', 'exhausted']);
    expect(steps.map((s) => (s.kind === 'retry' ? s.delayMs : undefined))).toEqual([1000, 2000, undefined]);
    expect(steps[2]).toEqual({ kind: 'exhausted', progress: { countedAttempts: 3, retries: 3 } });
  });

  it('invocation errors are retried without counting', () => {
    const steps = run([invocationError(), invocationError(), functionError(), ok({ state: {} })], 1);
    expect(steps.map((s) => s.kind)).toEqual(['retry', 'retry', 'retry', 'closed']);
    expect(steps[2]).toMatchObject({ progress: { countedAttempts: 1, retries: 3 }, delayMs: 4000 });
  });

  it('MaximumRetryAttempts 0 gives up after one failure; −1 never does', () => {
    expect(run([functionError()], 0).map((s) => s.kind)).toEqual(['exhausted']);
    const forever = run(Array.from({ length: 20 }, () => functionError()), -1);
    expect(forever.every((s) => s.kind === 'retry')).toBe(true);
    expect(forever.at(-1)).toMatchObject({ delayMs: 30_000, progress: { countedAttempts: 20 } });
  });
});
