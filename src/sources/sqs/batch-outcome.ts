/**
 * Which messages of a batch to delete after its invocation (sqs.md §6–§8).
 */
import type { InvocationOutcome } from '../../targets/index.js';
import { readBatchItemFailures } from '../../pipeline/index.js';
import type { SqsEventRecord } from './sqs-record.js';

export interface SqsBatchVerdict {
  /** Messages to delete (all, the unlisted ones, or none). */
  toDelete: SqsEventRecord[];
  /** The invocation counts as failed for LastProcessingResult and backoff. */
  failed: boolean;
  /** Slow the slot down (sqs.md §3): invocation errors, and function errors without RBIF. */
  backOff: boolean;
}

export function sqsBatchVerdict(
  records: SqsEventRecord[],
  outcome: InvocationOutcome,
  options: { reportBatchItemFailures: boolean; fifo: boolean },
): SqsBatchVerdict {
  if (outcome.kind === 'invocation-error') return { toDelete: [], failed: true, backOff: true };
  if (outcome.kind === 'function-error') return { toDelete: [], failed: true, backOff: !options.reportBatchItemFailures };
  if (!options.reportBatchItemFailures) return { toDelete: records, failed: false, backOff: false };

  const verdict = readBatchItemFailures(outcome.response, outcome.responseIsJson, new Set(records.map((r) => r.messageId)));
  if (verdict.kind === 'full-success') return { toDelete: records, failed: false, backOff: false };
  if (verdict.kind === 'complete-failure') return { toDelete: [], failed: true, backOff: false };
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
  return { toDelete, failed: true, backOff: false };
}
