/**
 * The progress of one stream batch as a plain JSON value (streams.md §12), so it can be
 * saved in Redis beside the checkpoint and resumed after a crash (design.md: progress is
 * saved beside the checkpoint, fenced by the lease): the records, one status character per
 * record, the parts still to end and the discards so far; and the small readers every
 * step of the policy shares. The steps themselves: stream-batch-policy.ts (create, next
 * action), retry-decision.ts (an outcome), record-age.ts (expiry), discard-runs.ts
 * (discards and where the checkpoint may go).
 */
import type { DiscardCondition, DiscardedPart, OnFailureResponseContext } from '../../../destinations/on-failure-record.js';

/** The mapping settings the policy follows (api.md §3), resolved (defaults applied). */
export interface StreamBatchConfig {
  /** Counted retries after the first invocation; −1 = no limit (§10). */
  maximumRetryAttempts: number;
  /** Records older than this are discarded (`RecordAgeExceeded`); −1 = no limit (§13). */
  maximumRecordAgeInSeconds: number;
  /** Split a failing batch in halves (§12). */
  bisectBatchOnFunctionError: boolean;
  /** `FunctionResponseTypes` includes `ReportBatchItemFailures` (§11). */
  reportBatchItemFailures: boolean;
  /**
   * The stream's retention (StreamSource.retentionMs()): a record older than this is
   * discarded with `RecordAgeExceeded` whatever MaximumRecordAgeInSeconds says (§10, §13).
   * Absent: no such limit.
   */
  retentionMs?: number;
}

/** What the policy needs of a record: StreamRecord fits. */
export interface PolicyRecordInput {
  sequenceNumber: string;
  /** Arrival time, ms since the epoch. */
  arrivalTime: number;
  /** UTF-8 bytes of the record's event JSON; a record too large to be invoked alone is discarded (§8). */
  sizeBytes?: number;
}

export interface PolicyRecord {
  sequenceNumber: string;
  arrivalTime: number;
}

/** Status of each record of the batch, one character per record. */
export const PENDING = 'p';
export const DONE = 'd';
export const DISCARDED = 'x';

/** A set of records invoked together: positions `from` ≤ i < `to` whose status is pending. */
export interface BatchPart {
  from: number;
  to: number;
  /** Counted attempts of these records so far (`a` of §12); halves inherit it. */
  countedAttempts: number;
  /** Invocations that included these records, invocation errors included (approximateInvokeCount). */
  invocations: number;
  /** Retries of this part so far (counted or not): drives the retry delay (§10). */
  retries: number;
  /** Epoch ms before which this part must not be invoked (retry delay). */
  notBefore?: number;
  /** Request id of the last invocation that ran (success or function error). */
  lastRequestId?: string;
}

/** Records discarded together: positions `from`..`to` inclusive, all discarded at once with one condition. */
export interface DiscardRun {
  from: number;
  to: number;
  condition: DiscardCondition;
  approximateInvokeCount: number;
  requestId?: string;
  responseContext?: OnFailureResponseContext;
  discardedAt: number;
}

/** The serialisable progress of one batch: save it (checkpoints/batch-progress.ts), pass it back in. */
export interface StreamBatchState {
  version: 1;
  /** The batch as it was read, in sequence order. Positions in it are the `indices` of an invoke action. */
  records: PolicyRecord[];
  /** One character per record: `p` pending, `d` done, `x` discarded. */
  status: string;
  /** Parts still to end, in sequence order; the first is the one invoked next. */
  parts: BatchPart[];
  discards: DiscardRun[];
}

/** A discarded part of the batch, ready for buildOnFailureRecord, with its positions in the batch. */
export type DiscardGroup = DiscardedPart & { firstIndex: number; lastIndex: number };

/** Thrown for a state or call that breaks the policy's contract (a bug of the caller). */
export class StreamBatchPolicyError extends Error {
  override readonly name = 'StreamBatchPolicyError';
  readonly code = 'SLUICE_ERR_STREAM_BATCH_POLICY';
}

/** Whether the batch has ended (nextAction would answer `end`, barring expiry). */
export function hasEnded(state: StreamBatchState): boolean {
  return state.parts.length === 0;
}

/** A copy to change, after checking it is a state of this version (a saved one may be anything). */
export function cloneState(state: StreamBatchState): StreamBatchState {
  if (state?.version !== 1 || !Array.isArray(state.records) || typeof state.status !== 'string' || state.status.length !== state.records.length) {
    throw new StreamBatchPolicyError('Not a stream batch state (version 1)');
  }
  return structuredClone(state);
}

/** The positions of a part's records still pending. */
export function liveIndices(state: Pick<StreamBatchState, 'status'>, part: BatchPart): number[] {
  const out: number[] = [];
  for (let i = part.from; i < part.to; i++) if (state.status[i] === PENDING) out.push(i);
  return out;
}

/** Drops the parts with no pending record left (they have ended). */
export function dropEmptyParts(state: StreamBatchState): void {
  state.parts = state.parts.filter((part) => liveIndices(state, part).length > 0);
}
