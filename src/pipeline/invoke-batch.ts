/**
 * The job processor: invoke the target for one batch and return the outcome. Invocation
 * errors (the target did not run) are retried here while the batch's retry budget allows
 * (sqs.md §6: 1 s, 2 s, 4 s ... at most 30 s apart); function errors are returned at once,
 * since what to do about them depends on the source.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvocationOutcome } from '../targets/index.js';
import type { BatchJobData, BatchJobResult } from './batch-job.js';
import type { FunctionTargets, ResolvedTarget } from './function-targets.js';
import { invocationOutcomeLabel } from './invocation-outcome-label.js';
import { invocationErrorCause } from './invocation-error-cause.js';
import { functionNotFound } from './function-not-found.js';
import { mappingLabels, type InvocationErrorCause, type SluiceMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitedWarnings } from '../observability/rate-limited-warnings.js';

export { FUNCTION_NOT_CONFIGURED, functionNotFound } from './function-not-found.js';

const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;
/** A retry must leave the invocation this much time before the messages become visible. */
const VISIBILITY_MARGIN_MS = 5000;

export interface InvokeBatchOptions {
  /** Aborts retry waits (shutdown). */
  signal?: AbortSignal;
  /** Each attempt is recorded here (metrics.md §3–§4). */
  metrics?: SluiceMetrics;
  /** The batch's logger (with `mappingId` and `batchId`). */
  logger?: Logger;
  /**
   * Where failed attempts are warned about, rate-limited per mapping and cause. Shared by
   * every batch of the process, so a broken target writes one line (and a count), not one
   * per retry.
   */
  warnings?: RateLimitedWarnings;
}

export async function invokeBatch(data: BatchJobData, targets: FunctionTargets, options: InvokeBatchOptions = {}): Promise<BatchJobResult> {
  const { signal, metrics, logger, warnings } = options;
  const labels = mappingLabels(data.mappingId, data.source, data.functionArn);
  const payloadBytes = metrics ? Buffer.byteLength(data.payload, 'utf8') : 0;
  let attempts = 0;
  let delay = FIRST_RETRY_DELAY_MS;
  for (;;) {
    const resolved = targets.resolve(data.functionArn);
    attempts++;
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
    const label = invocationOutcomeLabel(outcome, data);
    metrics?.invocationAttempt(labels, {
      outcome: label,
      records: data.recordCount,
      payloadBytes,
      // Duration only for attempts that reached the target (metrics.md §4).
      ...(outcome.kind !== 'invocation-error' ? { durationSeconds: outcome.durationMs / 1000 } : {}),
    });
    logger?.debug({ attempt: attempts, outcome: label, records: data.recordCount, durationMs: outcome.durationMs }, 'invocation attempt');
    const cause = invocationErrorCause(outcome, label);
    const deadline = data.retryInvocationErrorsUntil ?? 0;
    // sqs.md §6: retried while every message keeps at least the function timeout + 5 s of visibility.
    const retried =
      outcome.kind === 'invocation-error' &&
      resolved !== undefined &&
      Date.now() + delay + resolved.context.timeoutMs + VISIBILITY_MARGIN_MS <= deadline &&
      !signal?.aborted;
    if (cause) {
      metrics?.invocationError(labels, cause);
      if (warnings) warnAttemptFailed(warnings, logger, { data, resolved, outcome, cause, retried });
    }
    if (!retried) return { outcome, attempts };
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
  }
}

interface FailedAttempt {
  data: BatchJobData;
  resolved: ResolvedTarget | undefined;
  outcome: InvocationOutcome;
  cause: InvocationErrorCause;
  /** The pipeline tries again at once (after its backoff); else the source's policy decides. */
  retried: boolean;
}

/**
 * The warning of a failed attempt: mapping, function, target kind and endpoint, the cause
 * and its details (errno, HTTP status, module error). Rate-limited per mapping and cause.
 */
function warnAttemptFailed(warnings: RateLimitedWarnings, logger: Logger | undefined, attempt: FailedAttempt): void {
  const { data, resolved, outcome, cause, retried } = attempt;
  const functionName = resolved?.context.functionName ?? data.functionArn;
  const target = resolved ? `${resolved.description.kind} target ${resolved.description.endpoint}` : 'no target configured';
  const detail = outcome.kind === 'success' ? 'response not usable' : outcomeDetail(outcome);
  const next = retried ? 'retrying' : 'left to the source';
  warnings.warn({
    key: `${data.mappingId}|${cause}`,
    ...(logger ? { logger } : {}),
    fields: {
      // The batch's logger says which mapping already; a line without it must say it itself.
      ...(logger ? {} : { mappingId: data.mappingId }),
      function: functionName,
      functionArn: data.functionArn,
      ...(resolved ? { targetKind: resolved.description.kind, target: resolved.description.endpoint } : {}),
      cause,
      ...(outcome.kind === 'invocation-error' && outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      ...(outcome.kind === 'function-error' && outcome.errorType !== undefined ? { errorType: outcome.errorType } : {}),
      ...(outcome.kind !== 'success' && outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      ...(outcome.kind !== 'success' ? { errorMessage: outcome.errorMessage } : {}),
      records: data.recordCount,
      retried,
    },
    message: `invocation of ${functionName} failed (${target}, mapping ${data.mappingId}): ${cause}: ${detail}; ${next}`,
  });
}

/** The errno / status / error type and message of a failed outcome, in one phrase. */
function outcomeDetail(outcome: Exclude<InvocationOutcome, { kind: 'success' }>): string {
  const code = outcome.kind === 'invocation-error' ? outcome.errorCode : outcome.errorType;
  const parts = [code, outcome.statusCode !== undefined ? `HTTP ${outcome.statusCode}` : undefined, outcome.errorMessage];
  return [...new Set(parts.filter((p): p is string => p !== undefined && p !== ''))].join(': ');
}
