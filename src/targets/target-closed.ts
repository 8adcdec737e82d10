import type { InvocationOutcome } from './target.js';
import { elapsedMs } from './elapsed.js';

/**
 * The outcome of an invocation refused or cut short by close() (shutdown). Decision: an
 * invocation error, not a function error: Sluice stopped it, the function did not fail, so
 * it must not count against a stream's retry budget.
 */
export function targetClosedOutcome(start: number): InvocationOutcome {
  return { kind: 'invocation-error', reason: 'unreachable', errorMessage: 'target closed', errorCode: 'TargetClosed', durationMs: elapsedMs(start) };
}
