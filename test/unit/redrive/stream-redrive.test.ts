import { describe, expect, it } from 'vitest';
import { buildOnFailureRecord, buildS3OnFailureObject } from '../../../src/destinations/on-failure-record.js';
import { recordIdentity } from '../../../src/redrive/done-ranges.js';
import { parseOnFailureRecord, type FailedRangeEntry, type FailedRangeSource } from '../../../src/redrive/failed-ranges.js';
import { RedriveProgress, exitCodeOf } from '../../../src/redrive/progress.js';
import { SluiceApiError, type InvocationAnswer } from '../../../src/redrive/sluice-api.js';
import { cutBatches, failureOf, redriveStream } from '../../../src/redrive/stream-redrive.js';
import { toStreamRecord } from '../../../src/sources/streams/stream-record.js';
import type { StreamSource } from '../../../src/sources/streams/stream-source.js';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/s';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:fn';
const record = (seq: string, bytes = 10) => toStreamRecord(seq, 'k', 0, { kinesis: { sequenceNumber: seq, data: 'x'.repeat(bytes) } });

function onFailureBody(start: string, end: string, options: { stream?: string; fn?: string; requestId?: string } = {}): string {
  return JSON.stringify(
    buildOnFailureRecord(
      { condition: 'RecordAgeExceeded', startSequenceNumber: start, endSequenceNumber: end, approximateArrivalOfFirstRecord: 0, approximateArrivalOfLastRecord: 0, batchSize: Number(end) - Number(start) + 1, approximateInvokeCount: 1, requestId: options.requestId ?? `r-${start}`, discardedAt: 1_700_000_000_000 },
      { functionArn: options.fn ?? FUNCTION, shardId: 'shardId-0', streamArn: options.stream ?? STREAM, batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' },
    ),
  );
}

describe('cutBatches', () => {
  it('cuts at BatchSize', () => {
    expect(cutBatches(['1', '2', '3', '4', '5'].map((s) => record(s)), 2).map((b) => b.map((r) => r.sequenceNumber))).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('a record that would take the payload past 6 MB starts the next batch', () => {
    const big = ['1', '2', '3'].map((s) => record(s, 2_500_000));
    expect(cutBatches(big, 100).map((b) => b.length)).toEqual([2, 1]);
  });
});

describe('failureOf', () => {
  const batch = [record('1'), record('2')];
  const success = (response: unknown): InvocationAnswer => ({ FunctionArn: FUNCTION, Outcome: 'success', DurationMs: 1, Response: response, ResponseIsJson: true });

  it('function and invocation errors fail the batch, with their cause', () => {
    expect(failureOf({ FunctionArn: FUNCTION, Outcome: 'function-error', DurationMs: 1, FunctionError: 'Unhandled', ErrorType: 'Error', ErrorMessage: 'boom' }, batch, false)).toBe('function error (Unhandled, Error): boom');
    expect(failureOf({ FunctionArn: FUNCTION, Outcome: 'invocation-error', DurationMs: 1, Reason: 'unreachable', ErrorCode: 'ECONNREFUSED', ErrorMessage: 'refused' }, batch, false)).toBe(
      'invocation error (unreachable, ECONNREFUSED): refused',
    );
  });

  it('batchItemFailures fail the batch only with ReportBatchItemFailures', () => {
    const named = success({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(failureOf(named, batch, false)).toBeUndefined();
    expect(failureOf(named, batch, true)).toBe('partial failure: 1 of 2 records in batchItemFailures');
    expect(failureOf(success({ batchItemFailures: [{ itemIdentifier: '9' }] }), batch, true)).toMatch(/whole batch .*itemIdentifier 9 is not in the batch/);
    expect(failureOf(success({ batchItemFailures: [] }), batch, true)).toBeUndefined();
  });
});

describe('on-failure records', () => {
  it('the same record from an SQS message and from an S3 object (with payload) has one identity', () => {
    const body = onFailureBody('1', '2');
    const object = buildS3OnFailureObject(JSON.parse(body) as never, { mappingId: 'm', payload: '{"Records":[]}' });
    const fromSqs = parseOnFailureRecord(body);
    const fromS3 = parseOnFailureRecord(object.body);
    if ('problem' in fromSqs || 'problem' in fromS3) throw new Error('not parsed');
    expect(recordIdentity(fromSqs.record, fromSqs.info)).toBe(recordIdentity(fromS3.record, fromS3.info));
    const other = parseOnFailureRecord(onFailureBody('1', '2', { requestId: 'another' }));
    if ('problem' in other) throw new Error('not parsed');
    expect(recordIdentity(other.record, other.info)).not.toBe(recordIdentity(fromSqs.record, fromSqs.info));
  });

  it('what is not an on-failure record says why', () => {
    expect(parseOnFailureRecord('nope')).toEqual({ problem: 'not JSON' });
    expect(parseOnFailureRecord('{"requestContext":{"functionArn":"f"},"timestamp":"t"}')).toMatchObject({ problem: expect.stringMatching(/^not a stream on-failure record/) as unknown });
  });
});

describe('redriveStream', () => {
  /** A destination holding `bodies`, handed out one per next(). */
  function destination(bodies: string[]) {
    const removed: string[] = [];
    const released: string[] = [];
    let at = 0;
    const source: FailedRangeSource = {
      description: 'test queue',
      next: async () => (at < bodies.length ? [{ where: `m${at}`, parsed: parseOnFailureRecord(bodies[at]!), handle: String(at++) } satisfies FailedRangeEntry] : []),
      remove: async (entry) => void removed.push(entry.handle),
      release: async (entry) => void released.push(entry.handle),
    };
    return { source, removed, released };
  }
  const stream = { streamArn: STREAM, traits: { maxRecordsPerRead: 100 }, filterView: (e: unknown) => e } as unknown as StreamSource;
  const settings = { mappingId: 'm', functionArn: FUNCTION, batchSize: 10, reportBatchItemFailures: false, parallelizationFactor: 1 };

  it("another stream's or function's record and an unreadable one are left where they are; a range done before is removed without invoking", async () => {
    const done = new Set<string>();
    const done1 = parseOnFailureRecord(onFailureBody('1', '2'));
    if ('problem' in done1) throw new Error('not parsed');
    done.add(recordIdentity(done1.record, done1.info));
    const dest = destination([onFailureBody('1', '2', { stream: 'arn:aws:kinesis:us-east-1:123456789012:stream/other' }), onFailureBody('1', '2', { fn: `${FUNCTION.replace(':fn', ':other')}` }), 'garbage', onFailureBody('1', '2')]);
    const progress = new RedriveProgress({ out: () => undefined, unit: 'ranges' });
    const invoked: string[] = [];
    await redriveStream({
      settings,
      source: stream,
      failed: dest.source,
      done: { isDone: async (id) => done.has(id), markDone: async () => undefined },
      api: { invoke: async (_fn, _m, payload) => (invoked.push(payload), { FunctionArn: FUNCTION, Outcome: 'success', DurationMs: 1 }) },
      progress,
      dryRun: false,
    });
    expect(progress.tally).toMatchObject({ items: 4, ignored: 3, alreadyDone: 1, done: 0, failed: 0 });
    expect(invoked).toEqual([]);
    expect(dest.removed).toEqual(['3']);
    expect(dest.released).toEqual(['0', '1', '2']);
    expect(exitCodeOf(progress.tally)).toBe(0);
  });

  it('Sluice refusing an invocation stops the run: that range fails and is released, the rest is not taken', async () => {
    const dest = destination([onFailureBody('1', '1'), onFailureBody('2', '2'), onFailureBody('3', '3')]);
    const lines: string[] = [];
    const progress = new RedriveProgress({ out: (line) => lines.push(line), unit: 'ranges' });
    const source = {
      ...stream,
      getIterator: async () => '0',
      read: async () => ({ records: [record('1'), record('2'), record('3')] }),
    } as unknown as StreamSource;
    await redriveStream({
      settings,
      source,
      failed: dest.source,
      done: { isDone: async () => false, markDone: async () => undefined },
      api: {
        invoke: async () => {
          throw new SluiceApiError('could not reach Sluice at http://127.0.0.1:1: fetch failed');
        },
      },
      progress,
      dryRun: false,
    });
    expect(progress.tally).toMatchObject({ items: 1, failed: 1, done: 0 });
    expect(dest.removed).toEqual([]);
    // The range tried is released; the others were never taken from the destination.
    expect(dest.released).toEqual(['0']);
    expect(lines.at(-1)).toBe('stopped: could not reach Sluice at http://127.0.0.1:1: fetch failed; the ranges not reached stay in test queue');
    expect(exitCodeOf(progress.tally)).toBe(1);
  });
});
