/**
 * The invocation trace's side of recording an attempt (sources/invocation-attempts.ts): the
 * entry's outcome, ids and failedIds from the policy's judgement and the source's ids; and
 * that a mapping without the trace computes and writes nothing.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/mappings/invocation-trace.js';
import { createLogger } from '../../../src/observability/logger.js';
import { RateLimitedWarnings } from '../../../src/observability/rate-limited-warnings.js';
import { recordInvocationAttempt, type AttemptTraceInfo, type AttemptTracer, type JudgedAttempt } from '../../../src/sources/invocation-attempts.js';
import { sqsBatchVerdict } from '../../../src/sources/sqs/batch-outcome.js';
import type { SqsEventRecord } from '../../../src/sources/sqs/sqs-record.js';
import { batchResponseReading } from '../../../src/sources/streams/policy/response-reading.js';
import type { InvocationOutcome } from '../../../src/targets/index.js';
import { functionError, success } from '../invocation-outcomes.js';

const warnings = () => {
  const logger = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });
  return { warnings: new RateLimitedWarnings(logger), logger, mappingId: 'm', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' };
};

class Tracer implements AttemptTracer {
  readonly written: Array<[number, TraceEntry]> = [];
  constructor(public capacity: number | undefined) {}
  append(capacity: number, entry: TraceEntry): void {
    this.written.push([capacity, entry]);
  }
}

const info = (ids: string[], overrides: Partial<AttemptTraceInfo> = {}): AttemptTraceInfo => ({
  startedAt: 1_700_000_000_000,
  endedAt: 1_700_000_000_100,
  attempt: 1,
  ids: () => ids,
  idOfItem: (item) => item,
  ...overrides,
});

const attempt = (outcome: InvocationOutcome, trace: AttemptTraceInfo, reading: JudgedAttempt['reading'] = { kind: 'success' }): JudgedAttempt => ({
  outcome,
  reading,
  records: 1,
  payloadBytes: 10,
  trace,
});

const record = (messageId: string) => ({ messageId, attributes: {} }) as unknown as SqsEventRecord;

describe('tracing an attempt', () => {
  it('writes one entry with the capacity of the moment', () => {
    const tracer = new Tracer(100);
    recordInvocationAttempt(undefined, warnings(), attempt(success(null), info(['a', 'b'], { attempt: 3 })), tracer);
    // At: when the target started (the end less its 5 ms), not when the job was queued.
    expect(tracer.written).toEqual([[100, { at: 1_700_000_000_095, ids: ['a', 'b'], outcome: 'success', attempt: 3, durationMs: 5 }]]);
    tracer.capacity = 7;
    recordInvocationAttempt(undefined, warnings(), attempt(functionError, info(['c'])), tracer);
    expect(tracer.written[1]).toEqual([7, { at: 1_700_000_000_097, ids: ['c'], outcome: 'function_error', attempt: 1, durationMs: 3 }]);
  });

  it('an attempt is never traced before its submission; one the target never ran is traced at it', () => {
    const tracer = new Tracer(10);
    const long = { ...success(null), durationMs: 500 };
    const refused: InvocationOutcome = { kind: 'invocation-error', reason: 'unreachable', errorMessage: 'no', durationMs: 0 };
    recordInvocationAttempt(undefined, warnings(), attempt(long, info(['a'])), tracer);
    recordInvocationAttempt(undefined, warnings(), attempt(refused, info(['a'])), tracer);
    expect(tracer.written.map(([, e]) => e.at)).toEqual([1_700_000_000_000, 1_700_000_000_000]);
  });

  it('an untraced mapping computes no ids and writes nothing', () => {
    const tracer = new Tracer(undefined);
    let computed = 0;
    const trace = info([], { ids: () => (computed++, ['x']) });
    recordInvocationAttempt(undefined, warnings(), attempt(success(null), trace), tracer);
    recordInvocationAttempt(undefined, warnings(), attempt(success(null), trace), undefined);
    expect(tracer.written).toEqual([]);
    expect(computed).toBe(0);
  });

  it('invocation errors (throttled included) and unusable responses keep the four outcomes of InvocationTrace', () => {
    const tracer = new Tracer(10);
    const throttled: InvocationOutcome = { kind: 'invocation-error', reason: 'throttled', errorMessage: 'slow down', durationMs: 0 };
    const unreachable: InvocationOutcome = { kind: 'invocation-error', reason: 'unreachable', errorMessage: 'no', durationMs: 0 };
    recordInvocationAttempt(undefined, warnings(), attempt(throttled, info(['a'])), tracer);
    recordInvocationAttempt(undefined, warnings(), attempt(unreachable, info(['a'])), tracer);
    recordInvocationAttempt(undefined, warnings(), attempt(success('x'), info(['a']), { kind: 'failure-response', reason: 'bad' }), tracer);
    expect(tracer.written.map(([, e]) => e.outcome)).toEqual(['invocation_error', 'invocation_error', 'function_error']);
  });

  it('SQS partial failure: failedIds are the MessageIds batchItemFailures listed', () => {
    const tracer = new Tracer(10);
    const records = [record('m1'), record('m2'), record('m3')];
    const outcome = success({ batchItemFailures: [{ itemIdentifier: 'm3' }, { itemIdentifier: 'm2' }] });
    const { reading } = sqsBatchVerdict(records, outcome, { reportBatchItemFailures: true, fifo: false });
    recordInvocationAttempt(undefined, warnings(), attempt(outcome, info(['m1', 'm2', 'm3']), reading), tracer);
    expect(tracer.written[0]![1]).toMatchObject({ outcome: 'partial_failure', ids: ['m1', 'm2', 'm3'], failedIds: ['m3', 'm2'] });
  });

  it('stream partial failure: sequence numbers are turned into the records’ trace ids', () => {
    const tracer = new Tracer(10);
    const outcome = success({ batchItemFailures: [{ itemIdentifier: '200' }] });
    const reading = batchResponseReading('partial-failure', outcome, outcome, new Set(['200']));
    const byItem = new Map([
      ['100', 'shardId-0:100'],
      ['200', 'shardId-0:200'],
    ]);
    recordInvocationAttempt(undefined, warnings(), attempt(outcome, info(['shardId-0:100', 'shardId-0:200'], { idOfItem: (item) => byItem.get(item) }), reading), tracer);
    expect(tracer.written[0]![1]).toMatchObject({ outcome: 'partial_failure', failedIds: ['shardId-0:200'] });
  });
});
