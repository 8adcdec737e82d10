/**
 * An invocation attempt as its source's policy judged it, recorded once: the `outcome`
 * label of `sluice_invocations_total` (metrics.md §4) with the attempt's records, payload
 * size and duration. The label needs what only the policy knows, how it read a success's
 * response (ReportBatchItemFailures, a tumbling window's state), so the policy computes it
 * from its own reading and the response is read once per attempt. What the pipeline knows
 * (the invocation in flight, the cause of a refused or failed attempt) it records itself
 * (pipeline/invoke-job.ts); a success the policy cannot use is a cause only the policy can
 * tell (`invalid_response`), so it is counted and warned about here.
 */
import type { InvocationAttempt, InvocationErrorCause, InvocationOutcomeLabel } from '../observability/metrics.js';
import type { InvocationOutcome } from '../targets/index.js';
import type { SourceWarningContext } from './source-warnings.js';

/** How the policy read a success's response. */
export type ResponseReading =
  | { kind: 'success' }
  | { kind: 'partial-failure' }
  /** The response is not usable (a malformed batchItemFailures, a window without a state): `reason` says why. */
  | { kind: 'failure-response'; reason: string };

export const PLAIN_SUCCESS: ResponseReading = { kind: 'success' };

/** The `outcome` label of one attempt: the target's outcome, and for a success how the policy read its response. */
export function invocationOutcomeLabel(outcome: InvocationOutcome, reading: ResponseReading): InvocationOutcomeLabel {
  if (outcome.kind === 'invocation-error') return outcome.reason === 'throttled' ? 'throttled' : 'invocation_error';
  if (outcome.kind === 'function-error') return 'function_error';
  if (reading.kind === 'partial-failure') return 'partial_failure';
  return reading.kind === 'failure-response' ? 'failure_response' : 'success';
}

/** Where a source records its attempts: the mapping's metrics, bound to its labels. */
export interface AttemptMetrics {
  invocationAttempt(attempt: InvocationAttempt): void;
  invocationError(cause: InvocationErrorCause): void;
}

export interface JudgedAttempt {
  outcome: InvocationOutcome;
  reading: ResponseReading;
  /** Records in the attempt's event. */
  records: number;
  /** Bytes of the event. */
  payloadBytes: number;
}

/** Records one attempt the policy judged; returns its label (for the source's own logs). */
export function recordInvocationAttempt(metrics: AttemptMetrics | undefined, warnings: SourceWarningContext, attempt: JudgedAttempt): InvocationOutcomeLabel {
  const { outcome, reading } = attempt;
  const label = invocationOutcomeLabel(outcome, reading);
  metrics?.invocationAttempt({
    outcome: label,
    records: attempt.records,
    payloadBytes: attempt.payloadBytes,
    // Duration only for attempts that reached the target (metrics.md §4).
    ...(outcome.kind !== 'invocation-error' ? { durationSeconds: outcome.durationMs / 1000 } : {}),
  });
  if (reading.kind === 'failure-response' && outcome.kind === 'success') {
    metrics?.invocationError('invalid_response');
    warnings.warnings.warn({
      key: `${warnings.mappingId}|invalid_response`,
      logger: warnings.logger,
      fields: { functionArn: warnings.functionArn, cause: 'invalid_response', reason: reading.reason, records: attempt.records },
      message: `invocation of ${warnings.functionArn} returned a response Sluice cannot use (mapping ${warnings.mappingId}): invalid_response: ${reading.reason}; left to the source's policy`,
    });
  }
  return label;
}
