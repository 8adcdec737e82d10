import { describe, expect, it } from 'vitest';
import { invocationOutcomeLabel, type InvokedBatch } from '../../../src/pipeline/invocation-outcome-label.js';
import type { InvocationOutcome } from '../../../src/targets/index.js';

const success = (response: unknown, responseIsJson = true): InvocationOutcome => ({
  kind: 'success',
  response,
  responseIsJson,
  requestId: 'r',
  executedVersion: '$LATEST',
  durationMs: 5,
});
const sqsBatch = (rbif: boolean): InvokedBatch => ({
  source: 'sqs',
  payload: JSON.stringify({ Records: [{ messageId: 'm1' }, { messageId: 'm2' }] }),
  reportBatchItemFailures: rbif,
});
const failures = (...ids: unknown[]) => ({ batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) });

describe('invocationOutcomeLabel (metrics.md §4)', () => {
  it('invocation errors: throttled for a 429 / TooManyRequests, invocation_error for the rest', () => {
    const refused = (reason: 'throttled' | 'unreachable' | 'not-found' | 'load-failed' | 'service-error'): InvocationOutcome => ({
      kind: 'invocation-error',
      reason,
      errorMessage: 'x',
      durationMs: 0,
    });
    expect(invocationOutcomeLabel(refused('throttled'), sqsBatch(false))).toBe('throttled');
    for (const reason of ['unreachable', 'not-found', 'load-failed', 'service-error'] as const) {
      expect(invocationOutcomeLabel(refused(reason), sqsBatch(true))).toBe('invocation_error');
    }
  });

  it('a function error is function_error, whatever the mapping', () => {
    const error: InvocationOutcome = { kind: 'function-error', functionError: 'Unhandled', errorMessage: 'boom', requestId: 'r', executedVersion: '$LATEST', durationMs: 3 };
    expect(invocationOutcomeLabel(error, sqsBatch(false))).toBe('function_error');
    expect(invocationOutcomeLabel(error, sqsBatch(true))).toBe('function_error');
  });

  it('without ReportBatchItemFailures every response is a success', () => {
    expect(invocationOutcomeLabel(success(failures('m1')), sqsBatch(false))).toBe('success');
    expect(invocationOutcomeLabel(success('not json', false), sqsBatch(false))).toBe('success');
  });

  it('with ReportBatchItemFailures: success, partial_failure, failure_response as the sources read the response', () => {
    expect(invocationOutcomeLabel(success(null), sqsBatch(true))).toBe('success');
    expect(invocationOutcomeLabel(success(failures()), sqsBatch(true))).toBe('success');
    expect(invocationOutcomeLabel(success(failures('m2')), sqsBatch(true))).toBe('partial_failure');
    // Every record listed is still a valid, non-empty list.
    expect(invocationOutcomeLabel(success(failures('m1', 'm2')), sqsBatch(true))).toBe('partial_failure');
    expect(invocationOutcomeLabel(success(failures('m3')), sqsBatch(true))).toBe('failure_response');
    expect(invocationOutcomeLabel(success(failures('')), sqsBatch(true))).toBe('failure_response');
    expect(invocationOutcomeLabel(success({ batchItemFailures: 'x' }), sqsBatch(true))).toBe('failure_response');
    expect(invocationOutcomeLabel(success('{"batchItemFailures": [', false), sqsBatch(true))).toBe('failure_response');
  });

  it('reads stream item identifiers: Kinesis sequenceNumber, DynamoDB SequenceNumber', () => {
    const kinesis: InvokedBatch = {
      source: 'kinesis',
      payload: JSON.stringify({ Records: [{ kinesis: { sequenceNumber: '100' } }, { kinesis: { sequenceNumber: '200' } }] }),
      reportBatchItemFailures: true,
    };
    const dynamodb: InvokedBatch = {
      source: 'dynamodb',
      payload: JSON.stringify({ Records: [{ dynamodb: { SequenceNumber: '300' } }] }),
      reportBatchItemFailures: true,
    };
    expect(invocationOutcomeLabel(success(failures('200')), kinesis)).toBe('partial_failure');
    expect(invocationOutcomeLabel(success(failures('300')), kinesis)).toBe('failure_response');
    expect(invocationOutcomeLabel(success(failures('300')), dynamodb)).toBe('partial_failure');
    expect(invocationOutcomeLabel(success(failures('100')), dynamodb)).toBe('failure_response');
  });
});
