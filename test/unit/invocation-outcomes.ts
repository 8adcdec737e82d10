/**
 * Invocation outcomes as a target reports them, for the unit tests of what judges them
 * (SQS batch outcome, invocation attempts). The stream policy's harness keeps its own,
 * with a request id per outcome.
 */
import type { InvocationOutcome } from '../../src/targets/index.js';

export const success = (response: unknown, responseIsJson = true): InvocationOutcome => ({
  kind: 'success',
  response,
  responseIsJson,
  requestId: 'r',
  executedVersion: '$LATEST',
  durationMs: 5,
});

export const functionError: InvocationOutcome = {
  kind: 'function-error',
  functionError: 'Unhandled',
  errorMessage: 'boom',
  requestId: 'r',
  executedVersion: '$LATEST',
  durationMs: 3,
};
