/**
 * An invocation attempt as its source's policy judged it, recorded once: the `outcome`
 * label of `sluice_invocations_total` (metrics.md §4) with the attempt's records, payload
 * size and duration. The label needs what only the policy knows, how it read a success's
 * response (ReportBatchItemFailures, a tumbling window's state), so the policy computes it
 * from its own reading and the response is read once per attempt. What the pipeline knows
 * (the invocation in flight, the cause of a refused or failed attempt) it records itself
 * (pipeline/invoke-job.ts); a success the policy cannot use is a cause only the policy can
 * tell (`invalid_response`), so it is counted and warned about here.
 *
 * The same place writes the mapping's invocation trace (mappings/invocation-trace.ts) when
 * it is on: only here are both the attempt's records (their ids, from the source) and the
 * policy's judgement (outcome, batchItemFailures) at hand, and pipeline/ stays ignorant of
 * sources.
 */
import type { TraceEntry } from '../mappings/invocation-trace.js';
import type { InvocationAttempt, InvocationErrorCause, InvocationOutcomeLabel } from '../observability/metrics.js';
import type { InvocationOutcome } from '../targets/index.js';
import type { SourceWarningContext } from './source-warnings.js';

/** How the policy read a success's response. */
export type ResponseReading =
  | { kind: 'success' }
  /** `failedIds`: the batchItemFailures' itemIdentifiers (for the invocation trace). */
  | { kind: 'partial-failure'; failedIds?: ReadonlySet<string> }
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
  /** What the invocation trace records of it; absent where the source traces nothing (a tumbling window's final call). */
  trace?: AttemptTraceInfo;
}

/**
 * What only the source knows of an attempt, for the invocation trace. The ids are computed
 * lazily: a mapping without the trace pays nothing for them.
 */
export interface AttemptTraceInfo {
  /** Epoch ms the source submitted the attempt (its job). */
  startedAt: number;
  /** Epoch ms its outcome came back. */
  endedAt: number;
  /** 1 for the batch's first attempt. */
  attempt: number;
  /** Trace ids (mappings/invocation-trace.ts) of the event's records, in order. */
  ids: () => string[];
  /** The trace id of the record a batchItemFailures itemIdentifier names. */
  idOfItem: (itemIdentifier: string) => string | undefined;
}

/**
 * Where a mapping's attempts are traced (supervisor/trace-switch.ts). `capacity` is read at
 * every attempt, so a TagResource of `sluice:trace` takes effect on the running poller;
 * undefined: the mapping is not traced and nothing is written.
 */
export interface AttemptTracer {
  readonly capacity: number | undefined;
  /** Appends one entry without waiting (a trace write never delays a batch). */
  append(capacity: number, entry: TraceEntry): void;
}

/**
 * The trace's outcome of a label. `failure_response` (a success whose response the policy
 * cannot use) fails the batch like a function error, and is traced as one (chosen: the
 * trace keeps InvocationTrace's four outcomes); `throttled` is an invocation error.
 */
const TRACE_OUTCOMES: Record<InvocationOutcomeLabel, TraceEntry['outcome']> = {
  success: 'success',
  partial_failure: 'partial_failure',
  function_error: 'function_error',
  failure_response: 'function_error',
  invocation_error: 'invocation_error',
  throttled: 'invocation_error',
};

/** The trace entry of one judged attempt. */
export function traceEntry(attempt: JudgedAttempt & { trace: AttemptTraceInfo }, label: InvocationOutcomeLabel): TraceEntry {
  const { trace, outcome, reading } = attempt;
  // `at` is when the target started, as near as the source can tell: the outcome's end less
  // the target's own duration, so time spent waiting in the invoke queue counts as the
  // records' wait, not as the function's (chosen: a load test's put → invoke latency is then
  // what a consumer sees). Never before the submission; an invocation error, which ran no
  // target, is at its submission.
  const at = outcome.kind === 'invocation-error' ? trace.startedAt : Math.max(trace.startedAt, trace.endedAt - outcome.durationMs);
  const entry: TraceEntry = { at, ids: trace.ids(), outcome: TRACE_OUTCOMES[label], attempt: trace.attempt, durationMs: outcome.durationMs };
  if (reading.kind === 'partial-failure' && reading.failedIds) {
    entry.failedIds = [...reading.failedIds].map((item) => trace.idOfItem(item) ?? item);
  }
  return entry;
}

/** Records one attempt the policy judged; returns its label (for the source's own logs). */
export function recordInvocationAttempt(
  metrics: AttemptMetrics | undefined,
  warnings: SourceWarningContext,
  attempt: JudgedAttempt,
  tracer?: AttemptTracer,
): InvocationOutcomeLabel {
  const { outcome, reading } = attempt;
  const label = invocationOutcomeLabel(outcome, reading);
  // The one place that sees both the attempt's records (the source's ids) and how its policy judged it.
  const capacity = tracer?.capacity;
  if (capacity !== undefined && attempt.trace) tracer!.append(capacity, traceEntry({ ...attempt, trace: attempt.trace }, label));
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
      mappingId: warnings.mappingId,
      logger: warnings.logger,
      fields: { functionArn: warnings.functionArn, cause: 'invalid_response', reason: reading.reason, records: attempt.records },
      message: `invocation of ${warnings.functionArn} returned a response Sluice cannot use (mapping ${warnings.mappingId}): invalid_response: ${reading.reason}; left to the source's policy`,
    });
  }
  return label;
}
