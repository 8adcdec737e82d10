/**
 * The life of one stream batch from its first invocation until it ends (streams.md §5,
 * §8, §10–§13): retries and their delays, ReportBatchItemFailures, bisection, record age,
 * and which records end up discarded to the on-failure destination.
 *
 * It is a pure state machine over a plain JSON value, so a batch's progress can live in
 * its BullMQ job and survive a crash (design.md, "Retry progress lives in the job"):
 *
 *   let state = createBatchState(records, config, now)
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
import { backoffDelayMs, type BackoffPolicy } from '../../../aws/backoff.js';
import type { InvocationOutcome } from '../../../targets/target.js';
import { readBatchItemFailures } from '../../batch-item-failures.js';
import { compareSequenceNumbers } from '../checkpoints/sequence-numbers.js';
import type { DiscardCondition, DiscardedPart, OnFailureResponseContext } from '../../../destinations/on-failure-record.js';

import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES } from '../../../pipeline/payload-limit.js';
export { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES };

/** Retry delays (§10): min(2^(n−1), 30) s plus up to 10 % jitter (the formula is aws/backoff.ts). */
const RETRY_BACKOFF: BackoffPolicy = { firstMs: 1000, maxMs: 30_000, jitter: 0.1 };
/** While waiting for a retry, wake for expiring records no more often than this (chosen). */
const EXPIRY_CHECK_INTERVAL_MS = 1000;

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
const PENDING = 'p';
const DONE = 'd';
const DISCARDED = 'x';

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

/** The serialisable progress of one batch: store it in the job, pass it back in. */
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

/** What one outcome was, for LastProcessingResult (api.md §6.2), logs and metrics. */
export interface AttemptReport {
  result: 'success' | 'partial-failure' | 'complete-failure' | 'function-error' | 'invocation-error';
  /** It used up one of MaximumRetryAttempts (§10). */
  counted: boolean;
  /** Records that became done. */
  doneCount: number;
  /** The part was split in halves (§12). */
  bisected: boolean;
  /** Records discarded with RetryAttemptsExhausted by this outcome. */
  exhaustedCount: number;
  /** The failed records wait this long before their retry; 0 when none is scheduled. */
  delayMs: number;
}

export interface ApplyOutcomeOptions {
  /**
   * Invocations this outcome stands for, default 1: when the job retried invocation errors
   * itself (BatchJobResult.attempts), every attempt counts in approximateInvokeCount.
   */
  invocations?: number;
  /** Random number in [0, 1) for the retry jitter; default Math.random. */
  random?: () => number;
}

/** Thrown for a state or call that breaks the policy's contract (a bug of the caller). */
export class StreamBatchPolicyError extends Error {
  override readonly name = 'StreamBatchPolicyError';
  readonly code = 'SLUICE_ERR_STREAM_BATCH_POLICY';
}

// ---------------------------------------------------------------------------------------
// public functions

/** Whether a record's event entry cannot be invoked even alone: `{"Records":[it]}` > 6 MB (§8). */
export function exceedsPayloadLimitAlone(sizeBytes: number): boolean {
  return sizeBytes + PAYLOAD_ENVELOPE_BYTES > MAX_PAYLOAD_BYTES;
}

/** The age above which a record is discarded (§10, §13), in ms; undefined = none. */
export function recordAgeLimitMs(config: StreamBatchConfig): number | undefined {
  const limits: number[] = [];
  if (config.maximumRecordAgeInSeconds >= 0) limits.push(config.maximumRecordAgeInSeconds * 1000);
  if (config.retentionMs !== undefined && config.retentionMs > 0) limits.push(config.retentionMs);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** A record is expired when now − arrival > the age limit (§13). */
export function isRecordExpired(arrivalTime: number, config: StreamBatchConfig, now: number): boolean {
  const limit = recordAgeLimitMs(config);
  return limit !== undefined && now - arrivalTime > limit;
}

/** Delay before retry `n` (1 = first retry): min(2^(n−1), 30) s plus up to 10 % jitter (§10). */
export function retryDelayMs(n: number, random: () => number = Math.random): number {
  return backoffDelayMs(RETRY_BACKOFF, n, random);
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
    },
  };
}

/**
 * Applies the outcome of invoking the records of the last `invoke` action (the current
 * part) — §10 to §12:
 * - success (or an RBIF response meaning success): the records are done;
 * - RBIF partial failure: records before the lowest failed one are done, the rest is
 *   retried after a delay; counted;
 * - function error or RBIF complete failure: halves with bisect (no count, no delay),
 *   else counted and retried after a delay;
 * - invocation error: retried after a delay, not counted;
 * - a counted attempt beyond MaximumRetryAttempts discards the remaining records of the
 *   part with `RetryAttemptsExhausted`; the next part is then invoked at once.
 */
export function applyOutcome(
  state: StreamBatchState,
  outcome: InvocationOutcome,
  config: StreamBatchConfig,
  now: number,
  options: ApplyOutcomeOptions = {},
): { state: StreamBatchState; report: AttemptReport } {
  const next = cloneState(state);
  const part = next.parts[0];
  if (!part) throw new StreamBatchPolicyError('applyOutcome on a batch that has ended');
  const indices = liveIndices(next, part);
  const status = [...next.status];
  const report: AttemptReport = { result: 'success', counted: false, doneCount: 0, bisected: false, exhaustedCount: 0, delayMs: 0 };
  const random = options.random ?? Math.random;
  part.invocations += Math.max(1, options.invocations ?? 1);
  delete part.notBefore;

  const scheduleRetry = (): void => {
    part.retries += 1;
    report.delayMs = retryDelayMs(part.retries, random);
    part.notBefore = now + report.delayMs;
  };
  /** A counted failed attempt of `part`: discard on exhaustion, else retry after a delay. */
  const countFailure = (response: OnFailureResponseContext): void => {
    report.counted = true;
    part.countedAttempts += 1;
    if (config.maximumRetryAttempts >= 0 && part.countedAttempts > config.maximumRetryAttempts) {
      const remaining = liveIndices({ ...next, status: status.join('') }, part);
      discard(next, status, remaining, {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: part.invocations,
        ...(part.lastRequestId !== undefined ? { requestId: part.lastRequestId } : {}),
        responseContext: response,
        discardedAt: now,
      });
      report.exhaustedCount = remaining.length;
      next.parts.shift();
    } else {
      scheduleRetry();
    }
  };

  if (outcome.kind === 'invocation-error') {
    // The target did not run: not counted, no bisection (§10, §12).
    report.result = 'invocation-error';
    scheduleRetry();
  } else {
    part.lastRequestId = outcome.requestId;
    const verdict =
      outcome.kind === 'function-error'
        ? ({ kind: 'function-error' } as const)
        : config.reportBatchItemFailures
          ? readBatchItemFailures(outcome.response, outcome.responseIsJson, new Set(indices.map((i) => next.records[i]!.sequenceNumber)))
          : ({ kind: 'full-success' } as const);

    if (verdict.kind === 'full-success') {
      report.result = 'success';
      for (const i of indices) status[i] = DONE;
      report.doneCount = indices.length;
      next.parts.shift();
    } else if (verdict.kind === 'partial-failure') {
      // §11: the lowest failed sequence number is the failure point; the records before it are done.
      report.result = 'partial-failure';
      const lowest = [...verdict.failedIds].reduce((a, b) => (compareSequenceNumbers(a, b) <= 0 ? a : b));
      const at = indices.find((i) => next.records[i]!.sequenceNumber === lowest)!;
      for (const i of indices) {
        if (i >= at) break;
        status[i] = DONE;
        report.doneCount++;
      }
      part.from = at;
      countFailure({ statusCode: 200, executedVersion: outcome.executedVersion, functionError: null });
    } else {
      // Function error, or a malformed RBIF response (complete failure): bisect or count (§12).
      const response: OnFailureResponseContext =
        outcome.kind === 'function-error'
          ? { statusCode: 200, executedVersion: outcome.executedVersion, functionError: outcome.functionError }
          : { statusCode: 200, executedVersion: outcome.executedVersion, functionError: null };
      report.result = outcome.kind === 'function-error' ? 'function-error' : 'complete-failure';
      if (config.bisectBatchOnFunctionError && indices.length > 1) {
        // Halves inherit the counted attempts, are invoked at once, first half first.
        const middle = indices[Math.ceil(indices.length / 2)]!;
        next.parts.splice(0, 1, { ...part, to: middle, retries: 0 }, { ...part, from: middle, retries: 0 });
        report.bisected = true;
      } else {
        countFailure(response);
      }
    }
  }
  next.status = status.join('');
  dropEmptyParts(next);
  return { state: next, report };
}

/**
 * The highest sequence number up to which every record of the batch has ended (done or
 * discarded); undefined while the first record is pending. The checkpoint moves only when
 * the batch ends (§5); this is for observability, and for abandon().
 */
export function settledUpTo(state: StreamBatchState): string | undefined {
  const firstPending = state.status.indexOf(PENDING);
  const end = firstPending === -1 ? state.records.length : firstPending;
  return end === 0 ? undefined : state.records[end - 1]!.sequenceNumber;
}

/**
 * Stops a batch before it ended (§17: disable or delete after an in-flight invocation, an
 * update abandoning a batch that waits for a retry). The checkpoint may move to the end of
 * the prefix of ended records, after sending the discards within that prefix; every record
 * after it stays behind the checkpoint and is read again (with a fresh retry count).
 */
export function abandon(state: StreamBatchState): { checkpoint?: string; discards: DiscardGroup[] } {
  const firstPending = state.status.indexOf(PENDING);
  const end = firstPending === -1 ? state.records.length : firstPending;
  const checkpoint = settledUpTo(state);
  return { ...(checkpoint !== undefined ? { checkpoint } : {}), discards: discardGroups(state, end) };
}

/** Whether the batch has ended (nextAction would answer `end`, barring expiry). */
export function hasEnded(state: StreamBatchState): boolean {
  return state.parts.length === 0;
}

// ---------------------------------------------------------------------------------------
// internals

function cloneState(state: StreamBatchState): StreamBatchState {
  if (state?.version !== 1 || !Array.isArray(state.records) || typeof state.status !== 'string' || state.status.length !== state.records.length) {
    throw new StreamBatchPolicyError('Not a stream batch state (version 1)');
  }
  return structuredClone(state);
}

function liveIndices(state: Pick<StreamBatchState, 'status'>, part: BatchPart): number[] {
  const out: number[] = [];
  for (let i = part.from; i < part.to; i++) if (state.status[i] === PENDING) out.push(i);
  return out;
}

function dropEmptyParts(state: StreamBatchState): void {
  state.parts = state.parts.filter((part) => liveIndices(state, part).length > 0);
}

type RunFacts = Omit<DiscardRun, 'from' | 'to'>;

/** Marks `indices` discarded (in `status`) and records them as runs of adjacent positions. */
function discard(state: StreamBatchState, status: string[], indices: readonly number[], facts: RunFacts): void {
  let run: DiscardRun | undefined;
  for (const i of indices) {
    status[i] = DISCARDED;
    if (run && run.to === i - 1) {
      run.to = i;
    } else {
      run = { from: i, to: i, ...facts };
      state.discards.push(run);
    }
  }
}

/** Discards every pending record that has expired at `now`, as RecordAgeExceeded (§13). */
function expireRecords(state: StreamBatchState, config: StreamBatchConfig, now: number): void {
  if (recordAgeLimitMs(config) === undefined) return;
  const status = [...state.status];
  for (const part of state.parts) {
    const expired = liveIndices(state, part).filter((i) => isRecordExpired(state.records[i]!.arrivalTime, config, now));
    if (expired.length === 0) continue;
    discard(state, status, expired, {
      condition: 'RecordAgeExceeded',
      // Invocations that included the records + 1 (§13, chosen formula).
      approximateInvokeCount: part.invocations + 1,
      ...(part.lastRequestId !== undefined ? { requestId: part.lastRequestId } : {}),
      discardedAt: now,
    });
  }
  state.status = status.join('');
  dropEmptyParts(state);
}

/** The first moment a pending record will be expired, or undefined. */
function nextExpiry(state: StreamBatchState, config: StreamBatchConfig): number | undefined {
  const limit = recordAgeLimitMs(config);
  if (limit === undefined) return undefined;
  let oldest: number | undefined;
  for (let i = 0; i < state.records.length; i++) {
    if (state.status[i] !== PENDING) continue;
    const arrival = state.records[i]!.arrivalTime;
    if (oldest === undefined || arrival < oldest) oldest = arrival;
  }
  return oldest === undefined ? undefined : oldest + limit + 1;
}

/**
 * The discards of positions < `end`, in sequence order, adjacent runs of one condition
 * merged (§12): first start, last end, sizes summed, the largest approximateInvokeCount,
 * request id, responseContext and timestamp of the latest discard.
 */
function discardGroups(state: StreamBatchState, end: number): DiscardGroup[] {
  const runs = state.discards.filter((run) => run.to < end).sort((a, b) => a.from - b.from);
  const merged: DiscardRun[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && last.condition === run.condition && last.to + 1 === run.from) {
      const later = run.discardedAt >= last.discardedAt ? run : last;
      merged[merged.length - 1] = {
        ...later,
        from: last.from,
        to: run.to,
        approximateInvokeCount: Math.max(last.approximateInvokeCount, run.approximateInvokeCount),
      };
    } else {
      merged.push({ ...run });
    }
  }
  return merged.map((run) => toGroup(state, run));
}

function toGroup(state: StreamBatchState, run: DiscardRun): DiscardGroup {
  const first = state.records[run.from]!;
  const last = state.records[run.to]!;
  const base = {
    firstIndex: run.from,
    lastIndex: run.to,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    approximateArrivalOfFirstRecord: first.arrivalTime,
    approximateArrivalOfLastRecord: last.arrivalTime,
    batchSize: run.to - run.from + 1,
    approximateInvokeCount: run.approximateInvokeCount,
    ...(run.requestId !== undefined ? { requestId: run.requestId } : {}),
    discardedAt: run.discardedAt,
  };
  if (run.condition === 'RetryAttemptsExhausted') {
    return {
      ...base,
      condition: run.condition,
      responseContext: run.responseContext ?? { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    };
  }
  return { ...base, condition: run.condition };
}
