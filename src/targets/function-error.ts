import type { InvocationOutcome } from './target.js';
import { elapsedMs } from './elapsed.js';
import { LATEST, UNHANDLED } from './lambda-wording.js';

/**
 * A function error of a target Sluice runs itself (http, module, builtin): always
 * `Unhandled` on `$LATEST` (sqs.md §2, chosen), timed from `start` (performance.now()).
 */
export function unhandledFunctionError(start: number, requestId: string, errorMessage: string, errorType?: string, statusCode?: number): InvocationOutcome {
  return {
    kind: 'function-error',
    functionError: UNHANDLED,
    errorMessage,
    ...(errorType !== undefined ? { errorType } : {}),
    ...(statusCode !== undefined ? { statusCode } : {}),
    requestId,
    executedVersion: LATEST,
    durationMs: elapsedMs(start),
  };
}
