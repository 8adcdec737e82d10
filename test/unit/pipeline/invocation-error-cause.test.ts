import { describe, expect, it } from 'vitest';
import { invocationErrorCause } from '../../../src/pipeline/invocation-error-cause.js';
import { functionNotFound } from '../../../src/pipeline/function-not-found.js';
import { INVOCATION_ERROR_CAUSES, type InvocationErrorCause } from '../../../src/observability/metrics.js';
import type { FunctionErrorOutcome, InvocationErrorOutcome, InvocationErrorReason, InvocationOutcome } from '../../../src/targets/index.js';

const refused = (reason: InvocationErrorReason, errorCode?: string, statusCode?: number): InvocationErrorOutcome => ({
  kind: 'invocation-error',
  reason,
  errorMessage: 'x',
  ...(errorCode !== undefined ? { errorCode } : {}),
  ...(statusCode !== undefined ? { statusCode } : {}),
  durationMs: 1,
});
const failed = (errorType?: string, statusCode?: number): FunctionErrorOutcome => ({
  kind: 'function-error',
  functionError: 'Unhandled',
  errorMessage: 'x',
  ...(errorType !== undefined ? { errorType } : {}),
  ...(statusCode !== undefined ? { statusCode } : {}),
  requestId: 'r',
  executedVersion: '$LATEST',
  durationMs: 1,
});
const success: InvocationOutcome = { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 };

/** Every branch of the classification: [description, outcome, cause]. */
const cases: Array<[string, InvocationOutcome, InvocationErrorCause]> = [
  // The target did not run.
  ['function missing from the configuration', functionNotFound(), 'function_not_configured'],
  ['429 / TooManyRequestsException', refused('throttled', 'TooManyRequests', 429), 'throttled'],
  ['module file missing', refused('load-failed', 'Runtime.ImportModuleError'), 'module_not_found'],
  ['export missing or not a function', refused('load-failed', 'Runtime.HandlerNotFound'), 'export_not_found'],
  ['syntax error', refused('load-failed', 'Runtime.UserCodeSyntaxError'), 'module_init_failed'],
  ['top level threw', refused('load-failed', 'Error'), 'module_init_failed'],
  ['init timeout', refused('load-failed', 'Runtime.InitTimeout'), 'module_init_failed'],
  ['worker could not start', refused('load-failed', 'Sluice.WorkerStartFailed'), 'module_init_failed'],
  ["Lambda's ResourceNotFoundException", refused('not-found', 'ResourceNotFoundException', 404), 'lambda_service'],
  ['Lambda refused (5xx, KMS, access)', refused('service-error', 'ServiceException', 500), 'lambda_service'],
  ['ECONNREFUSED', refused('unreachable', 'ECONNREFUSED'), 'connection_refused'],
  ['ECONNRESET', refused('unreachable', 'ECONNRESET'), 'connection_reset'],
  ['ECONNABORTED', refused('unreachable', 'ECONNABORTED'), 'connection_reset'],
  ['EPIPE', refused('unreachable', 'EPIPE'), 'connection_reset'],
  ['UND_ERR_SOCKET', refused('unreachable', 'UND_ERR_SOCKET'), 'connection_reset'],
  ['ENOTFOUND', refused('unreachable', 'ENOTFOUND'), 'dns'],
  ['EAI_AGAIN', refused('unreachable', 'EAI_AGAIN'), 'dns'],
  ['EHOSTUNREACH', refused('unreachable', 'EHOSTUNREACH'), 'host_unreachable'],
  ['ENETUNREACH', refused('unreachable', 'ENETUNREACH'), 'host_unreachable'],
  ['ENETDOWN', refused('unreachable', 'ENETDOWN'), 'host_unreachable'],
  ['connect timeout (ETIMEDOUT)', refused('unreachable', 'ETIMEDOUT'), 'timeout'],
  ["the SDK's TimeoutError", refused('unreachable', 'TimeoutError'), 'timeout'],
  ["the SDK's RequestTimeout", refused('unreachable', 'RequestTimeout'), 'timeout'],
  ['TLS: ERR_TLS_CERT_ALTNAME_INVALID', refused('unreachable', 'ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
  ['TLS: ERR_SSL_WRONG_VERSION_NUMBER', refused('unreachable', 'ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
  ['TLS: EPROTO', refused('unreachable', 'EPROTO'), 'tls'],
  ['TLS: DEPTH_ZERO_SELF_SIGNED_CERT', refused('unreachable', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
  ['target closed at shutdown', refused('unreachable', 'TargetClosed'), 'other'],
  ['unreachable without a code', refused('unreachable'), 'other'],
  // The target ran and failed.
  ['timed out', failed('Sandbox.Timedout'), 'timeout'],
  ['worker exited', failed('Runtime.ExitError'), 'crashed'],
  ['worker out of memory', failed('Runtime.OutOfMemory'), 'crashed'],
  ['worker in a bad state', failed('Sluice.WorkerState'), 'crashed'],
  ['http response cut short', failed('Sluice.ResponseIncomplete', 200), 'connection_reset'],
  ['response above 6 MB', failed('Function.ResponseSizeTooLarge', 200), 'invalid_response'],
  ['value not serialisable', failed('Runtime.MarshalError'), 'invalid_response'],
  ['HTTP 500', failed(undefined, 500), 'http_5xx'],
  ['HTTP 503 with a Lambda-style error body', failed('ServiceUnavailable', 503), 'http_5xx'],
  ['HTTP 404', failed(undefined, 404), 'http_4xx'],
  ['HTTP 302 (redirects are not followed)', failed(undefined, 302), 'invalid_response'],
  ['module handler threw', failed('TypeError'), 'handler_error'],
  ["Lambda function's own error", failed(undefined), 'handler_error'],
];

describe('invocationErrorCause', () => {
  it.each(cases)('%s', (_description, outcome, cause) => {
    expect(invocationErrorCause(outcome)).toBe(cause);
  });

  it('a success is no error here, whatever its response: reading it is the source policy\'s (sources/invocation-attempts.ts)', () => {
    expect(invocationErrorCause(success)).toBeUndefined();
    expect(invocationErrorCause({ ...success, response: { batchItemFailures: 'x' } })).toBeUndefined();
  });

  it('only gives causes from the documented set', () => {
    for (const [, outcome] of cases) expect(INVOCATION_ERROR_CAUSES).toContain(invocationErrorCause(outcome));
  });
});
