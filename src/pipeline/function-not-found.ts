/** The outcome of an attempt whose function is missing from Sluice's configuration. */
import type { InvocationOutcome } from '../targets/index.js';

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
