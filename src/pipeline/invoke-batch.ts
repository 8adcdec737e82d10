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

export async function invokeBatch(data: BatchJobData, targets: FunctionTargets, signal?: AbortSignal): Promise<BatchJobResult> {
  let attempts = 0;
  let delay = FIRST_RETRY_DELAY_MS;
  for (;;) {
    const resolved = targets.resolve(data.functionArn);
    attempts++;
    const outcome = resolved ? await resolved.target.invoke(data.payload, resolved.context) : functionNotFound();
    if (outcome.kind !== 'invocation-error' || !resolved) return { outcome, attempts };
    const deadline = data.retryInvocationErrorsUntil ?? 0;
    if (Date.now() + delay + resolved.context.timeoutMs + VISIBILITY_MARGIN_MS > deadline || signal?.aborted) {
      return { outcome, attempts };
    }
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
  }
}
