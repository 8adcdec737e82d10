/**
 * The SQS batch verdict (sqs.md §6–§8): what is deleted, whether the attempt failed, whether
 * the slot backs off, and how the response read, for each kind of outcome.
 */
import { describe, expect, it } from 'vitest';
import { sqsBatchVerdict } from '../../../../src/sources/sqs/batch-outcome.js';
import type { SqsEventRecord } from '../../../../src/sources/sqs/sqs-record.js';
import type { InvocationOutcome } from '../../../../src/targets/index.js';
import { functionError, success } from '../../invocation-outcomes.js';

function record(messageId: string, group?: string): SqsEventRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: messageId,
    attributes: group === undefined ? {} : { MessageGroupId: group },
    messageAttributes: {},
    md5OfMessageAttributes: null,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
    awsRegion: 'us-east-1',
  };
}

const invocationError: InvocationOutcome = { kind: 'invocation-error', reason: 'unreachable', errorMessage: 'ECONNREFUSED', durationMs: 1 };
const failures = (...ids: string[]) => ({ batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) });
const ids = (records: SqsEventRecord[]) => records.map((r) => r.messageId);

const standard = { reportBatchItemFailures: true, fifo: false };
const plain = { reportBatchItemFailures: false, fifo: false };

describe('sqsBatchVerdict', () => {
  const records = [record('a'), record('b'), record('c')];

  it('an invocation error deletes nothing, fails and backs off, with or without RBIF', () => {
    for (const options of [plain, standard]) {
      expect(sqsBatchVerdict(records, invocationError, options)).toEqual({ toDelete: [], failed: true, backOff: true, reading: { kind: 'success' } });
    }
  });

  it('a function error deletes nothing and fails; it backs off only without RBIF', () => {
    expect(sqsBatchVerdict(records, functionError, plain)).toEqual({ toDelete: [], failed: true, backOff: true, reading: { kind: 'success' } });
    expect(sqsBatchVerdict(records, functionError, standard)).toEqual({ toDelete: [], failed: true, backOff: false, reading: { kind: 'success' } });
  });

  it('without RBIF a success deletes every message, whatever the response says', () => {
    expect(sqsBatchVerdict(records, success(failures('a')), plain)).toEqual({ toDelete: records, failed: false, backOff: false, reading: { kind: 'success' } });
    expect(sqsBatchVerdict(records, success('not json', false), plain).toDelete).toEqual(records);
  });

  it('with RBIF an empty list is a full success', () => {
    expect(sqsBatchVerdict(records, success(failures()), standard)).toEqual({ toDelete: records, failed: false, backOff: false, reading: { kind: 'success' } });
  });

  it('with RBIF a malformed response keeps every message and says why', () => {
    expect(sqsBatchVerdict(records, success({ batchItemFailures: 'a' }), standard)).toEqual({
      toDelete: [],
      failed: true,
      backOff: false,
      reading: { kind: 'failure-response', reason: 'batchItemFailures is not an array' },
    });
    expect(sqsBatchVerdict(records, success('{', false), standard).reading).toEqual({ kind: 'failure-response', reason: 'response is not valid JSON' });
  });

  it('with RBIF a partial failure deletes the unlisted messages only (standard queue: no grouping)', () => {
    const withGroups = [record('a', 'g'), record('b', 'g'), record('c', 'g')];
    const verdict = sqsBatchVerdict(withGroups, success(failures('a')), standard);
    expect(ids(verdict.toDelete)).toEqual(['b', 'c']);
    expect(verdict).toMatchObject({ failed: true, backOff: false, reading: { kind: 'partial-failure' } });
  });

  it('FIFO: after a failed message, the later messages of its group are kept; other groups and earlier ones go', () => {
    const fifoRecords = [record('a1', 'A'), record('b1', 'B'), record('a2', 'A'), record('b2', 'B'), record('a3', 'A'), record('c1', 'C')];
    const verdict = sqsBatchVerdict(fifoRecords, success(failures('a2')), { reportBatchItemFailures: true, fifo: true });
    expect(ids(verdict.toDelete)).toEqual(['a1', 'b1', 'b2', 'c1']);
    expect(verdict.failed).toBe(true);
  });

  it('FIFO: a message without a group id is judged on its own', () => {
    const mixed = [record('x'), record('y'), record('z', 'G')];
    const verdict = sqsBatchVerdict(mixed, success(failures('x')), { reportBatchItemFailures: true, fifo: true });
    expect(ids(verdict.toDelete)).toEqual(['y', 'z']);
  });
});
