/**
 * An attempt's `outcome` label (metrics.md §4) from the target's outcome and the source
 * policy's reading of the response, and what recording it counts; then the SQS and stream
 * policies' readings end to end through their own judgement functions (batch-outcome.ts,
 * policy/response-reading.ts), so a response is read by the policy only.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { RateLimitedWarnings } from '../../../src/observability/rate-limited-warnings.js';
import type { InvocationAttempt, InvocationErrorCause } from '../../../src/observability/metrics.js';
import { invocationOutcomeLabel, PLAIN_SUCCESS, recordInvocationAttempt, type ResponseReading } from '../../../src/sources/invocation-attempts.js';
import { sqsBatchVerdict } from '../../../src/sources/sqs/batch-outcome.js';
import type { SqsEventRecord } from '../../../src/sources/sqs/sqs-record.js';
import { batchResponseReading, finalInvokeReading } from '../../../src/sources/streams/policy/response-reading.js';
import { policyOutcomeForWindow } from '../../../src/sources/streams/windows/tumbling-window.js';
import type { InvocationOutcome } from '../../../src/targets/index.js';
import { functionError, success } from '../invocation-outcomes.js';

const refused = (reason: 'throttled' | 'unreachable' | 'not-found' | 'load-failed' | 'service-error'): InvocationOutcome => ({
  kind: 'invocation-error',
  reason,
  errorMessage: 'x',
  durationMs: 0,
});
const failures = (...ids: unknown[]) => ({ batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) });
const record = (messageId: string): SqsEventRecord => ({ messageId, attributes: {} }) as unknown as SqsEventRecord;
const records = [record('m1'), record('m2')];
/** The label the SQS policy gives an attempt: its verdict's reading. */
const sqsLabel = (outcome: InvocationOutcome, reportBatchItemFailures: boolean) =>
  invocationOutcomeLabel(outcome, sqsBatchVerdict(records, outcome, { reportBatchItemFailures, fifo: false }).reading);

function recorder() {
  const attempts: InvocationAttempt[] = [];
  const causes: InvocationErrorCause[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ destination });
  const warnings = { warnings: new RateLimitedWarnings(logger), logger, mappingId: 'm-uuid', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' };
  const metrics = { invocationAttempt: (a: InvocationAttempt) => attempts.push(a), invocationError: (c: InvocationErrorCause) => causes.push(c) };
  return { attempts, causes, lines, metrics, warnings };
}

describe('invocationOutcomeLabel (metrics.md §4)', () => {
  it('invocation errors: throttled for a 429 / TooManyRequests, invocation_error for the rest, whatever the reading', () => {
    expect(invocationOutcomeLabel(refused('throttled'), PLAIN_SUCCESS)).toBe('throttled');
    for (const reason of ['unreachable', 'not-found', 'load-failed', 'service-error'] as const) {
      expect(invocationOutcomeLabel(refused(reason), { kind: 'partial-failure' })).toBe('invocation_error');
    }
  });

  it('a function error is function_error, whatever the reading', () => {
    expect(invocationOutcomeLabel(functionError, PLAIN_SUCCESS)).toBe('function_error');
    expect(invocationOutcomeLabel(functionError, { kind: 'failure-response', reason: 'x' })).toBe('function_error');
  });

  it('a success is labelled by the reading', () => {
    const cases: Array<[ResponseReading, string]> = [
      [PLAIN_SUCCESS, 'success'],
      [{ kind: 'partial-failure' }, 'partial_failure'],
      [{ kind: 'failure-response', reason: 'x' }, 'failure_response'],
    ];
    for (const [reading, label] of cases) expect(invocationOutcomeLabel(success(null), reading)).toBe(label);
  });
});

describe('the SQS policy reads the response once, for its verdict and the label', () => {
  it('without ReportBatchItemFailures every response is a success', () => {
    expect(sqsLabel(success(failures('m1')), false)).toBe('success');
    expect(sqsLabel(success('not json', false), false)).toBe('success');
  });

  it('with ReportBatchItemFailures: success, partial_failure, failure_response', () => {
    expect(sqsLabel(success(null), true)).toBe('success');
    expect(sqsLabel(success(failures()), true)).toBe('success');
    expect(sqsLabel(success(failures('m2')), true)).toBe('partial_failure');
    // Every record listed is still a valid, non-empty list.
    expect(sqsLabel(success(failures('m1', 'm2')), true)).toBe('partial_failure');
    expect(sqsLabel(success(failures('m3')), true)).toBe('failure_response');
    expect(sqsLabel(success(failures('')), true)).toBe('failure_response');
    expect(sqsLabel(success({ batchItemFailures: 'x' }), true)).toBe('failure_response');
    expect(sqsLabel(success('{"batchItemFailures": [', false), true)).toBe('failure_response');
  });

  it('a failure_response carries the reading\'s reason', () => {
    const { reading } = sqsBatchVerdict(records, success(failures('m3')), { reportBatchItemFailures: true, fifo: false });
    expect(reading).toEqual({ kind: 'failure-response', reason: 'itemIdentifier m3 is not in the batch' });
  });
});

describe('the stream policy\'s reading, from what it decided', () => {
  it('partial and complete failures of ReportBatchItemFailures', () => {
    expect(invocationOutcomeLabel(success(failures('1')), batchResponseReading('partial-failure', success(failures('1')), success(failures('1'))))).toBe('partial_failure');
    expect(invocationOutcomeLabel(success({ batchItemFailures: 'x' }), batchResponseReading('complete-failure', success(null), success(null)))).toBe('failure_response');
    expect(invocationOutcomeLabel(success(null), batchResponseReading('success', success(null), success(null)))).toBe('success');
  });

  it('a tumbling window success without a state reached the policy as a function error: failure_response', () => {
    const received = success({ notState: true });
    const judged = policyOutcomeForWindow(received);
    expect(judged.kind).toBe('function-error');
    const reading = batchResponseReading('function-error', received, judged);
    expect(reading.kind).toBe('failure-response');
    expect(invocationOutcomeLabel(received, reading)).toBe('failure_response');
    // A real function error stays one.
    expect(invocationOutcomeLabel(functionError, batchResponseReading('function-error', functionError, functionError))).toBe('function_error');
  });

  it('a final window invocation: a success that did not close the window had no state', () => {
    expect(finalInvokeReading(true, success({ state: {} }))).toEqual(PLAIN_SUCCESS);
    expect(finalInvokeReading(false, success({ notState: true })).kind).toBe('failure-response');
    expect(finalInvokeReading(false, functionError)).toEqual(PLAIN_SUCCESS);
  });
});

describe('recordInvocationAttempt', () => {
  it('counts the label, records, bytes and the duration of an attempt that reached the target', () => {
    const { attempts, causes, metrics, warnings } = recorder();
    expect(recordInvocationAttempt(metrics, warnings, { outcome: success(null), reading: { kind: 'partial-failure' }, records: 2, payloadBytes: 40 })).toBe('partial_failure');
    expect(attempts).toEqual([{ outcome: 'partial_failure', records: 2, payloadBytes: 40, durationSeconds: 0.005 }]);
    expect(causes).toEqual([]);
  });

  it('an attempt the target refused has no duration; its cause is the pipeline\'s to count', () => {
    const { attempts, causes, metrics, warnings } = recorder();
    recordInvocationAttempt(metrics, warnings, { outcome: refused('throttled'), reading: PLAIN_SUCCESS, records: 1, payloadBytes: 10 });
    expect(attempts).toEqual([{ outcome: 'throttled', records: 1, payloadBytes: 10 }]);
    expect(causes).toEqual([]);
  });

  it('a response the policy cannot use is counted as invalid_response and warned about with mapping, function and reason', () => {
    const { causes, lines, metrics, warnings } = recorder();
    recordInvocationAttempt(metrics, warnings, { outcome: success({ batchItemFailures: 'x' }), reading: { kind: 'failure-response', reason: 'batchItemFailures is not an array' }, records: 3, payloadBytes: 99 });
    expect(causes).toEqual(['invalid_response']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, cause: 'invalid_response', reason: 'batchItemFailures is not an array', functionArn: warnings.functionArn });
    expect(lines[0]!.msg).toContain('mapping m-uuid');
    expect(lines[0]!.msg).toContain('invalid_response: batchItemFailures is not an array');
  });
});
