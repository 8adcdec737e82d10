/**
 * How the stream batch policy read an attempt's response, for its `outcome` label
 * (sources/invocation-attempts.ts), taken from what the policy already decided: nothing
 * here reads the response again.
 */
import type { InvocationOutcome } from '../../../targets/target.js';
import { PLAIN_SUCCESS, type ResponseReading } from '../../invocation-attempts.js';
import type { AttemptReport } from './retry-decision.js';

/**
 * `received` is the target's outcome, `judged` what the policy was given: a tumbling
 * window's success without a state reaches the policy as a function error
 * (policyOutcomeForWindow), and is a `failure_response` (metrics.md §4).
 */
export function batchResponseReading(
  result: AttemptReport['result'],
  received: InvocationOutcome,
  judged: InvocationOutcome,
  failedIds?: ReadonlySet<string>,
): ResponseReading {
  if (result === 'partial-failure') return failedIds ? { kind: 'partial-failure', failedIds } : { kind: 'partial-failure' };
  if (result === 'complete-failure') return { kind: 'failure-response', reason: 'batchItemFailures is not a usable list of the batch\'s items' };
  if (received.kind === 'success' && judged.kind === 'function-error') return { kind: 'failure-response', reason: judged.errorMessage };
  return PLAIN_SUCCESS;
}

/** A window's final invocation: a success that did not close the window had no state. */
export function finalInvokeReading(closed: boolean, outcome: InvocationOutcome): ResponseReading {
  return !closed && outcome.kind === 'success' ? { kind: 'failure-response', reason: 'tumbling window response without a state object' } : PLAIN_SUCCESS;
}
