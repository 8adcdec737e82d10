/**
 * What one invocation outcome does to its batch (streams.md §10–§12): records done,
 * retried after a delay, halved (BisectBatchOnFunctionError), or discarded once their
 * counted attempts run out.
 */
import { backoffDelayMs, type BackoffPolicy } from '../../../aws/backoff.js';
import type { OnFailureResponseContext } from '../../../destinations/on-failure-record.js';
import type { InvocationOutcome } from '../../../targets/target.js';
import { readBatchItemFailures } from '../../batch-item-failures.js';
import { compareSequenceNumbers } from '../checkpoints/sequence-numbers.js';
import { DONE, StreamBatchPolicyError, cloneState, dropEmptyParts, liveIndices, type StreamBatchConfig, type StreamBatchState } from './batch-state.js';
import { discard } from './discard-runs.js';

/** Retry delays (§10): min(2^(n−1), 30) s plus up to 10 % jitter (the formula is aws/backoff.ts). */
const RETRY_BACKOFF: BackoffPolicy = { firstMs: 1000, maxMs: 30_000, jitter: 0.1 };

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
  /** With `partial-failure`: the sequence numbers batchItemFailures listed. */
  failedIds?: ReadonlySet<string>;
}

export interface ApplyOutcomeOptions {
  /** Random number in [0, 1) for the retry jitter; default Math.random. */
  random?: () => number;
}

/** Delay before retry `n` (1 = first retry): min(2^(n−1), 30) s plus up to 10 % jitter (§10). */
export function retryDelayMs(n: number, random: () => number = Math.random): number {
  return backoffDelayMs(RETRY_BACKOFF, n, random);
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
  part.invocations += 1;
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
      report.failedIds = verdict.failedIds;
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
