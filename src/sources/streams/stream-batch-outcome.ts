/**
 * What a stream batch's outcome means for its shard (streams.md §5, §10, §11): the records
 * now done (the checkpoint may move past them), the records still to invoke, and how long
 * to wait before trying them again. A failing batch blocks its shard until it succeeds or
 * its retries run out; invocation errors (the target did not run) never use up retries.
 */
import { readBatchItemFailures } from '../../pipeline/index.js';
import type { InvocationOutcome } from '../../targets/index.js';
import { compareSequenceNumbers } from './sequence-numbers.js';
import type { StreamRecord } from './stream-source.js';

export interface StreamBatchFailurePolicy {
  reportBatchItemFailures: boolean;
  /** Retries after the first invocation; -1 = until the records leave the stream. */
  maximumRetryAttempts: number;
}

export interface StreamBatchDecision {
  /** Records still to invoke (empty: the batch has ended). */
  remaining: StreamRecord[];
  /** Every record up to this sequence number is done. */
  doneUpTo?: string;
  /** For LastProcessingResult: the invocation failed or reported failures. */
  failed: boolean;
  /** Whether this outcome used up one attempt of the remaining records. */
  countsAsAttempt: boolean;
  /** Records given up after their last retry (AWS drops them when no destination is set). */
  discarded: StreamRecord[];
  delayMs: number;
}

const RETRY_DELAY_MS = 1000;

/**
 * `attemptsSoFar` counts the invocations of the current record set that ended in a
 * function error or a failure response, this one included when it does.
 */
export function decideStreamBatch(
  records: StreamRecord[],
  outcome: InvocationOutcome,
  attemptsSoFar: number,
  policy: StreamBatchFailurePolicy,
): StreamBatchDecision {
  const last = records[records.length - 1]!.sequenceNumber;
  if (outcome.kind === 'invocation-error') {
    return { remaining: records, failed: true, countsAsAttempt: false, discarded: [], delayMs: RETRY_DELAY_MS };
  }
  let remaining = records;
  let doneUpTo: string | undefined;
  if (outcome.kind === 'success') {
    if (!policy.reportBatchItemFailures) return { remaining: [], doneUpTo: last, failed: false, countsAsAttempt: false, discarded: [], delayMs: 0 };
    const verdict = readBatchItemFailures(outcome.response, outcome.responseIsJson, new Set(records.map((r) => r.sequenceNumber)));
    if (verdict.kind === 'full-success') return { remaining: [], doneUpTo: last, failed: false, countsAsAttempt: false, discarded: [], delayMs: 0 };
    if (verdict.kind === 'partial-failure') {
      // Retry from the lowest failed sequence number; the records before it are done (§11).
      const lowest = [...verdict.failedIds].sort(compareSequenceNumbers)[0]!;
      const index = records.findIndex((r) => r.sequenceNumber === lowest);
      if (index > 0) doneUpTo = records[index - 1]!.sequenceNumber;
      remaining = records.slice(index);
    }
  }
  const attempts = attemptsSoFar;
  if (policy.maximumRetryAttempts >= 0 && attempts > policy.maximumRetryAttempts) {
    return { remaining: [], doneUpTo: last, failed: true, countsAsAttempt: true, discarded: remaining, delayMs: 0 };
  }
  return { remaining, ...(doneUpTo !== undefined ? { doneUpTo } : {}), failed: true, countsAsAttempt: true, discarded: [], delayMs: RETRY_DELAY_MS };
}
