/**
 * Why an invocation attempt did not succeed, as one `cause` from a small fixed set
 * (INVOCATION_ERROR_CAUSES): the label of `sluice_invocation_errors_total` and the `cause`
 * of the attempt's warning, so the metric and the log always agree. The details the set
 * leaves out (errno, status, message) are in the log line.
 */
import type { InvocationErrorCause } from '../observability/metrics.js';
import type { FunctionErrorOutcome, InvocationErrorOutcome, InvocationOutcome } from '../targets/index.js';
import { RESPONSE_INCOMPLETE_ERROR_TYPE } from '../targets/http-target.js';
import { EXIT_ERROR_TYPE, RESPONSE_TOO_LARGE_ERROR_TYPE, TIMED_OUT_ERROR_TYPE } from '../targets/lambda-wording.js';
import { FUNCTION_NOT_CONFIGURED } from './function-not-found.js';

/**
 * The cause of an attempt the target refused or failed, or undefined for a success. A
 * success whose response the source cannot use (`invalid_response`: a malformed
 * batchItemFailures, a tumbling window without a state) is the source's policy's to tell
 * (sources/invocation-attempts.ts): the pipeline does not read responses.
 */
export function invocationErrorCause(outcome: InvocationOutcome): InvocationErrorCause | undefined {
  switch (outcome.kind) {
    case 'invocation-error':
      return refusalCause(outcome);
    case 'function-error':
      return functionErrorCause(outcome);
    case 'success':
      return undefined;
  }
}

/** The target did not run. */
function refusalCause(outcome: InvocationErrorOutcome): InvocationErrorCause {
  if (outcome.errorCode === FUNCTION_NOT_CONFIGURED) return 'function_not_configured';
  switch (outcome.reason) {
    case 'throttled':
      return 'throttled';
    case 'load-failed':
      // Codes as module-worker.ts names them (Lambda's): a missing file (or a file it
      // imports), a missing export; anything else went wrong running the module's top level.
      if (outcome.errorCode === 'Runtime.ImportModuleError') return 'module_not_found';
      if (outcome.errorCode === 'Runtime.HandlerNotFound') return 'export_not_found';
      return 'module_init_failed';
    case 'not-found':
    case 'service-error':
      return 'lambda_service';
    case 'unreachable':
      return networkCause(outcome.errorCode);
  }
}

/** A request that got no answer, by its Node / undici / SDK error code. */
function networkCause(code: string | undefined): InvocationErrorCause {
  if (code === undefined) return 'other';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
    case 'ECONNABORTED':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'connection_reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'host_unreachable';
    case 'ETIMEDOUT':
    case 'TimeoutError':
    case 'RequestTimeout':
      return 'timeout';
  }
  // Node's TLS failures: ERR_TLS_*, ERR_SSL_*, EPROTO and OpenSSL's certificate codes.
  // Anything else (e.g. TargetClosed: Sluice is stopping) is `other`.
  return /^ERR_(TLS|SSL)_|^EPROTO$|CERT/.test(code) ? 'tls' : 'other';
}

/** The target ran and failed. */
function functionErrorCause(outcome: FunctionErrorOutcome): InvocationErrorCause {
  switch (outcome.errorType) {
    case TIMED_OUT_ERROR_TYPE:
      return 'timeout';
    case EXIT_ERROR_TYPE:
    case 'Runtime.OutOfMemory':
    case 'Sluice.WorkerState':
      return 'crashed';
    case RESPONSE_INCOMPLETE_ERROR_TYPE:
      return 'connection_reset';
    case RESPONSE_TOO_LARGE_ERROR_TYPE:
    case 'Runtime.MarshalError':
      return 'invalid_response';
    default:
      // Any other errorType (the handler's own, or none): the status or the kind of target says.
      break;
  }
  const status = outcome.statusCode;
  if (status !== undefined) {
    if (status >= 500) return 'http_5xx';
    if (status >= 400) return 'http_4xx';
    // A redirect (not followed) or an informational status: not an answer Sluice can use.
    return 'invalid_response';
  }
  // A module handler that threw or rejected (an uncaught exception in its callbacks too),
  // or a Lambda function's own error.
  return 'handler_error';
}
