/**
 * The words Lambda uses for failures Sluice produces itself, so logs and on-failure records
 * read the same whichever target ran. Values for http and module targets (sqs.md §2).
 */

/** `functionError` of every function error from an http or module target (sqs.md §2, chosen). */
export const UNHANDLED = 'Unhandled';

/** `executedVersion` of http and module targets (sqs.md §2, chosen). */
export const LATEST = '$LATEST';

/** Lambda's message when a function exceeds its timeout: "Task timed out after 3.00 seconds". */
export function taskTimedOutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** errorType Lambda reports for a timeout. */
export const TIMED_OUT_ERROR_TYPE = 'Sandbox.Timedout';

/** Lambda's message when the runtime process ends during an invocation. */
export function runtimeExitedMessage(exitCode: number): string {
  return exitCode === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${exitCode}`;
}

export const EXIT_ERROR_TYPE = 'Runtime.ExitError';

/** Lambda's limit on a synchronous response payload (6 MB as Lambda counts it). */
export const MAX_RESPONSE_BYTES = 6_291_556;

export function responseTooLargeMessage(): string {
  return `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
}

export const RESPONSE_TOO_LARGE_ERROR_TYPE = 'Function.ResponseSizeTooLarge';
