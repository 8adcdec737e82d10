/**
 * What a worker does with one batch job: invoke the function's target once and return the
 * outcome (design.md: the invocation attempt is the BullMQ job). Nothing here retries and
 * nothing reads the response: whether another attempt follows, and what the response means
 * (ReportBatchItemFailures, a tumbling window's state), is the source's policy's to decide,
 * and that policy records the attempt's `outcome` label (sources/invocation-attempts.ts).
 *
 * What the pipeline alone knows it records here: the invocation in flight
 * (`sluice_concurrent_invocations`) and, for an attempt the target refused or failed, its
 * cause (`sluice_invocation_errors_total{cause}`), with a warning naming the target.
 */
import type { InvocationOutcome } from '../targets/index.js';
import type { BatchJobData, BatchJobResult } from './batch-job.js';
import type { FunctionTargets, ResolvedTarget } from './function-targets.js';
import { invocationErrorCause } from './invocation-error-cause.js';
import { functionNotFound } from './function-not-found.js';
import { mappingLabels, type InvocationErrorCause, type SluiceMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitedWarnings } from '../observability/rate-limited-warnings.js';

export interface InvokeJobOptions {
  /** The invocation in flight and the cause of a failed attempt are recorded here (metrics.md §3–§4). */
  metrics?: SluiceMetrics;
  /** The job's logger (with `mappingId` and `batchId`). */
  logger?: Logger;
  /**
   * Where failed attempts are warned about, rate-limited per mapping and cause. Shared by
   * every job of the process, so a broken target writes one line (and a count), not one
   * per attempt.
   */
  warnings?: RateLimitedWarnings;
}

/** Runs one batch job: one invocation of the function's target. */
export async function invokeJob(data: BatchJobData, targets: FunctionTargets, options: InvokeJobOptions = {}): Promise<BatchJobResult> {
  const { metrics, logger, warnings } = options;
  const labels = mappingLabels(data.mappingId, data.source, data.functionArn);
  const resolved = targets.resolve(data.functionArn);
  let outcome: InvocationOutcome;
  if (resolved) {
    const ended = metrics?.invocationStarted(labels);
    try {
      outcome = await resolved.target.invoke(data.payload, resolved.context);
    } finally {
      ended?.();
    }
  } else {
    outcome = functionNotFound();
  }
  logger?.debug({ outcome: outcome.kind, records: data.recordCount, durationMs: outcome.durationMs }, 'invocation attempt');
  const cause = invocationErrorCause(outcome);
  if (cause && outcome.kind !== 'success') {
    metrics?.invocationError(labels, cause);
    if (warnings) warnAttemptFailed(warnings, logger, { data, resolved, outcome, cause });
  }
  return { outcome };
}

interface FailedAttempt {
  data: BatchJobData;
  resolved: ResolvedTarget | undefined;
  outcome: Exclude<InvocationOutcome, { kind: 'success' }>;
  cause: InvocationErrorCause;
}

/**
 * The warning of a failed attempt: mapping, function, target kind and endpoint, the cause
 * and its details (errno, HTTP status, module error). Rate-limited per mapping and cause.
 */
function warnAttemptFailed(warnings: RateLimitedWarnings, logger: Logger | undefined, attempt: FailedAttempt): void {
  const { data, resolved, outcome, cause } = attempt;
  const functionName = resolved?.context.functionName ?? data.functionArn;
  const target = resolved ? `${resolved.description.kind} target ${resolved.description.endpoint}` : 'no target configured';
  warnings.warn({
    key: `${data.mappingId}|${cause}`,
    mappingId: data.mappingId,
    ...(logger ? { logger } : {}),
    fields: {
      // The job's logger says which mapping already; a line without it must say it itself.
      ...(logger ? {} : { mappingId: data.mappingId }),
      function: functionName,
      functionArn: data.functionArn,
      ...(resolved ? { targetKind: resolved.description.kind, target: resolved.description.endpoint } : {}),
      cause,
      ...(outcome.kind === 'invocation-error' && outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      ...(outcome.kind === 'function-error' && outcome.errorType !== undefined ? { errorType: outcome.errorType } : {}),
      ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      errorMessage: outcome.errorMessage,
      records: data.recordCount,
    },
    // Whether the batch is tried again is its source's decision (SQS: while its messages
    // stay invisible; streams: the retry policy), told in the source's own log lines.
    message: `invocation of ${functionName} failed (${target}, mapping ${data.mappingId}): ${cause}: ${outcomeDetail(outcome)}; left to the source`,
  });
}

/** The errno / status / error type and message of a failed outcome, in one phrase. */
function outcomeDetail(outcome: Exclude<InvocationOutcome, { kind: 'success' }>): string {
  const code = outcome.kind === 'invocation-error' ? outcome.errorCode : outcome.errorType;
  const parts = [code, outcome.statusCode !== undefined ? `HTTP ${outcome.statusCode}` : undefined, outcome.errorMessage];
  return [...new Set(parts.filter((p): p is string => p !== undefined && p !== ''))].join(': ');
}
