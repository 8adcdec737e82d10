/**
 * The life of one stream batch from its first invocation until it ends (streams.md §5,
 * §8, §10–§13): retries and their delays, ReportBatchItemFailures, bisection, record age,
 * and which records end up discarded to the on-failure destination.
 *
 * It is a pure state machine over a plain JSON value (batch-state.ts), so a batch's
 * progress can be saved in Redis beside the checkpoint and survive a crash
 * (checkpoints/batch-progress.ts). This module creates a batch and says what to do next;
 * the other steps have their own modules: an outcome (retry-decision.ts), expiry
 * (record-age.ts), discards and the checkpoint of an abandoned batch (discard-runs.ts).
 * The loop, as run-stream-batch.ts runs it:
 *
 *   let state = createBatchState(records, now)
 *   for (;;) {
 *     const { state: s, action } = nextAction(state, config, now)       // expires records first (§13)
 *     state = s
 *     if (action.kind === 'end') break                                   // send action.discards, then checkpoint
 *     if (action.kind === 'wait') { sleep until action.until; continue } // retry delay (§10)
 *     outcome = invoke(action.indices)                                   // the records at these positions, in order
 *     state = applyOutcome(state, outcome, config, now).state
 *   }
 *
 * The algorithm is the one of §12: the batch is a list of parts (one at first; bisection
 * replaces a part by its two halves); the first part is the one being invoked; each part
 * carries its counted attempts `a`, which its halves inherit. A part ends when it succeeds
 * (its records are done) or is discarded; the batch ends when no part is left. The
 * checkpoint moves only then (§5), to the batch's last sequence number.
 */
import { compareSequenceNumbers } from '../checkpoints/sequence-numbers.js';
import {
  DISCARDED,
  PENDING,
  StreamBatchPolicyError,
  cloneState,
  dropEmptyParts,
  liveIndices,
  type PolicyRecordInput,
  type StreamBatchConfig,
  type StreamBatchState,
  type DiscardGroup,
} from './batch-state.js';
import { discard, discardGroups } from './discard-runs.js';
import { expireRecords, nextExpiry } from './record-age.js';

import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES } from '../../../pipeline/payload-limit.js';
export { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES };

/** While waiting for a retry, wake for expiring records no more often than this (chosen). */
const EXPIRY_CHECK_INTERVAL_MS = 1000;

export type BatchAction =
  | {
      kind: 'invoke';
      /** Positions in the batch of the records to invoke, ascending: build the payload from these. */
      indices: number[];
      firstSequenceNumber: string;
      lastSequenceNumber: string;
      /** 0 for the first invocation of this record set, n for its n-th retry. */
      retry: number;
      /** Counted attempts these records have used (a of §12). */
      countedAttempts: number;
      /** 1 + the invocations these records had before this one, bisected halves included (the invocation trace's `attempt`). */
      attempt: number;
    }
  | {
      kind: 'wait';
      /** Epoch ms at which to call nextAction again (retry delay, or records about to expire). */
      until: number;
      delayMs: number;
    }
  | {
      kind: 'end';
      /** The batch's last sequence number: every record is done or discarded. */
      checkpoint: string;
      /** On-failure records to send before the checkpoint moves (§12: adjacent parts merged). */
      discards: DiscardGroup[];
      doneCount: number;
      discardedCount: number;
    };

/** Whether a record's event entry cannot be invoked even alone: `{"Records":[it]}` > 6 MB (§8). */
export function exceedsPayloadLimitAlone(sizeBytes: number): boolean {
  return sizeBytes + PAYLOAD_ENVELOPE_BYTES > MAX_PAYLOAD_BYTES;
}

/**
 * A new batch: every record pending in one part, except records too large to be invoked
 * even alone, which are discarded at once with `MaximumPayloadSizeExceeded`,
 * approximateInvokeCount 1 and no responseContext (§8). Records must be in strictly
 * ascending sequence order.
 */
export function createBatchState(records: readonly PolicyRecordInput[], now: number): StreamBatchState {
  if (records.length === 0) throw new StreamBatchPolicyError('A batch needs at least one record');
  for (let i = 1; i < records.length; i++) {
    if (compareSequenceNumbers(records[i - 1]!.sequenceNumber, records[i]!.sequenceNumber) >= 0) {
      throw new StreamBatchPolicyError(`Batch records are not in ascending sequence order at position ${i}`);
    }
  }
  const state: StreamBatchState = {
    version: 1,
    records: records.map((r) => ({ sequenceNumber: r.sequenceNumber, arrivalTime: r.arrivalTime })),
    status: PENDING.repeat(records.length),
    parts: [{ from: 0, to: records.length, countedAttempts: 0, invocations: 0, retries: 0 }],
    discards: [],
  };
  const oversized = records.flatMap((r, i) => (r.sizeBytes !== undefined && exceedsPayloadLimitAlone(r.sizeBytes) ? [i] : []));
  if (oversized.length > 0) {
    const status = [...state.status];
    discard(state, status, oversized, { condition: 'MaximumPayloadSizeExceeded', approximateInvokeCount: 1, discardedAt: now });
    state.status = status.join('');
    dropEmptyParts(state);
  }
  return state;
}

/**
 * What to do next for the batch at `now`. First discards every pending record that has
 * expired (§13: before every attempt, and while waiting for a retry), then:
 * - `end` when no record is pending: send `discards`, then checkpoint;
 * - `wait` while the current part's retry delay runs (wakes early for expiring records);
 * - `invoke` the current part's records.
 */
export function nextAction(state: StreamBatchState, config: StreamBatchConfig, now: number): { state: StreamBatchState; action: BatchAction } {
  const next = cloneState(state);
  expireRecords(next, config, now);
  const part = next.parts[0];
  if (!part) {
    const last = next.records[next.records.length - 1]!;
    const discardedCount = [...next.status].filter((s) => s === DISCARDED).length;
    return {
      state: next,
      action: {
        kind: 'end',
        checkpoint: last.sequenceNumber,
        discards: discardGroups(next, next.records.length),
        doneCount: next.records.length - discardedCount,
        discardedCount,
      },
    };
  }
  if (part.notBefore !== undefined && part.notBefore > now) {
    let until = part.notBefore;
    const expiry = nextExpiry(next, config);
    if (expiry !== undefined) until = Math.min(until, Math.max(expiry, now + EXPIRY_CHECK_INTERVAL_MS));
    return { state: next, action: { kind: 'wait', until, delayMs: until - now } };
  }
  const indices = liveIndices(next, part);
  return {
    state: next,
    action: {
      kind: 'invoke',
      indices,
      firstSequenceNumber: next.records[indices[0]!]!.sequenceNumber,
      lastSequenceNumber: next.records[indices[indices.length - 1]!]!.sequenceNumber,
      retry: part.retries,
      countedAttempts: part.countedAttempts,
      attempt: part.invocations + 1,
    },
  };
}
