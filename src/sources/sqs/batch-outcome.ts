/**
 * The SQS batch policy's judgement of one attempt (sqs.md §6–§8): which messages to delete,
 * whether the attempt failed, whether the slot slows down, and how the response read, for
 * the attempt's `outcome` label (sources/invocation-attempts.ts). The response is read here
 * once per attempt.
 */
import type { InvocationOutcome } from '../../targets/index.js';
import { readBatchItemFailures } from '../batch-item-failures.js';
import { PLAIN_SUCCESS, type ResponseReading } from '../invocation-attempts.js';
import type { SqsEventRecord } from './sqs-record.js';

export interface SqsBatchVerdict {
  /** Messages to delete (all, the unlisted ones, or none). */
  toDelete: SqsEventRecord[];
  /** The invocation counts as failed for LastProcessingResult and backoff. */
  failed: boolean;
  /** Slow the slot down (sqs.md §3): invocation errors, and function errors without RBIF. */
  backOff: boolean;
  /** How a success's response read (plain success for the other outcomes). */
  reading: ResponseReading;
}

export function sqsBatchVerdict(
  records: SqsEventRecord[],
  outcome: InvocationOutcome,
  options: { reportBatchItemFailures: boolean; fifo: boolean },
): SqsBatchVerdict {
  if (outcome.kind === 'invocation-error') return { toDelete: [], failed: true, backOff: true, reading: PLAIN_SUCCESS };
  if (outcome.kind === 'function-error') return { toDelete: [], failed: true, backOff: !options.reportBatchItemFailures, reading: PLAIN_SUCCESS };
  if (!options.reportBatchItemFailures) return { toDelete: records, failed: false, backOff: false, reading: PLAIN_SUCCESS };

  const verdict = readBatchItemFailures(outcome.response, outcome.responseIsJson, new Set(records.map((r) => r.messageId)));
  if (verdict.kind === 'full-success') return { toDelete: records, failed: false, backOff: false, reading: PLAIN_SUCCESS };
  if (verdict.kind === 'complete-failure') return { toDelete: [], failed: true, backOff: false, reading: { kind: 'failure-response', reason: verdict.reason } };
  // FIFO: once a message of a group failed, later messages of that group are kept too,
  // so the group is redelivered in order (chosen, sqs.md §8).
  const blockedGroups = new Set<string>();
  const toDelete: SqsEventRecord[] = [];
  for (const record of records) {
    const group = options.fifo ? record.attributes.MessageGroupId : undefined;
    const failed = verdict.failedIds.has(record.messageId);
    if (failed && group !== undefined) blockedGroups.add(group);
    if (!failed && !(group !== undefined && blockedGroups.has(group))) toDelete.push(record);
  }
  return { toDelete, failed: true, backOff: false, reading: { kind: 'partial-failure', failedIds: verdict.failedIds } };
}
