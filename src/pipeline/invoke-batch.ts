/**
 * The job processor: invoke the target for one batch and return the outcome. Invocation
 * errors (the target did not run) are retried here while the batch's retry budget allows
 * (sqs.md §6: 1 s, 2 s, 4 s ... at most 30 s apart); function errors are returned at once,
 * since what to do about them depends on the source.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvocationOutcome } from '../targets/index.js';
import type { BatchJobData, BatchJobResult } from './batch-job.js';
import type { FunctionTargets } from './function-targets.js';
import { invocationOutcomeLabel } from './invocation-outcome-label.js';
import { mappingLabels, type SluiceMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';

const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;
/** A retry must leave the invocation this much time before the messages become visible. */
const VISIBILITY_MARGIN_MS = 5000;

/** errorCode of an outcome whose function is missing from Sluice's configuration. */
export const FUNCTION_NOT_CONFIGURED = 'FunctionNotConfigured';

export function functionNotFound(): InvocationOutcome {
  return {
    kind: 'invocation-error',
    reason: 'not-found',
    errorCode: FUNCTION_NOT_CONFIGURED,
    errorMessage: 'Function not found in Sluice configuration',
    durationMs: 0,
  };
}

export interface InvokeBatchOptions {
  /** Aborts retry waits (shutdown). */
  signal?: AbortSignal;
  /** Each attempt is recorded here (metrics.md §3–§4). */
  metrics?: SluiceMetrics;
  /** The batch's logger (with `mappingId` and `batchId`). */
  logger?: Logger;
}

export async function invokeBatch(data: BatchJobData, targets: FunctionTargets, options: InvokeBatchOptions = {}): Promise<BatchJobResult> {
  const { signal, metrics, logger } = options;
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
    if (outcome.kind !== 'invocation-error' || !resolved) return { outcome, attempts };
    const deadline = data.retryInvocationErrorsUntil ?? 0;
    // sqs.md §6: retried while every message keeps at least the function timeout + 5 s of visibility.
    if (Date.now() + delay + resolved.context.timeoutMs + VISIBILITY_MARGIN_MS > deadline || signal?.aborted) {
      return { outcome, attempts };
    }
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
  }
}
