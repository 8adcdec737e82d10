/**
 * Every failed AWS call, read once: the one place that looks at an SDK error's `name`,
 * `Code`, `code`, `$metadata` and `$retryable`, and at the errno of a call that got no
 * answer (also when the SDK wraps it as `cause`). Callers react to the class and report
 * the code; none reads those fields itself (design.md `aws/`, smithy's retry middleware
 * classifies the same way).
 *
 * | class             | from                                                                       |
 * | ----------------- | -------------------------------------------------------------------------- |
 * | `throttled`       | ProvisionedThroughputExceeded, LimitExceeded, Throttling, HTTP 429, `$retryable.throttling` |
 * | `network`         | no answer: ECONNREFUSED, ECONNRESET, ETIMEDOUT, DNS, undici socket; SDK TimeoutError |
 * | `expiredIterator` | ExpiredIteratorException                                                   |
 * | `trimmed`         | TrimmedDataAccessException                                                 |
 * | `notFound`        | the resource is missing: ResourceNotFound, QueueDoesNotExist, NoSuchBucket, SNS NotFound |
 * | `accessDenied`    | AccessDenied(Exception), SNS AuthorizationError, KMS access denied, HTTP 403 |
 * | `invalidRequest`  | InvalidArgumentException, ValidationException                              |
 * | `server`          | HTTP 5xx or `$fault: 'server'` (InternalFailure, ServiceUnavailable, ...)  |
 * | `other`           | anything else                                                              |
 *
 * Finer kinds that depend on the call (an invalid *iterator*, a refused sequence number)
 * stay with the caller that knows the call (`sources/streams/stream-errors.ts`).
 */
import { NETWORK_ERROR_CODES } from './network-errors.js';

export type SdkErrorClass =
  | 'throttled'
  | 'network'
  | 'expiredIterator'
  | 'trimmed'
  | 'notFound'
  | 'accessDenied'
  | 'invalidRequest'
  | 'server'
  | 'other';

export interface SdkErrorFacts {
  class: SdkErrorClass;
  /**
   * What to log and show: the errno of a call that got no answer (`ECONNREFUSED`), else the
   * service's error code (`Code`, then `name`, then `code`: `QueueDoesNotExist`,
   * `ExpiredIteratorException`), else `UnknownError`.
   */
  code: string;
  message: string;
  httpStatusCode?: number;
  requestId?: string;
}

const throttlingCodes: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'KMSThrottlingException',
  'KmsThrottled',
]);

/** SDK names of a request that timed out before an answer: a network failure, like an errno. */
const timeoutNames: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * The resource named in the call does not exist. SQS answers with two spellings (JSON
 * protocol `QueueDoesNotExist`, query protocol `AWS.SimpleQueueService.NonExistentQueue`);
 * SNS says `NotFound` / `NotFoundException`. KMS "not found" is about a key, not the
 * resource, so it is `other` (decided here).
 */
const notFoundCodes: ReadonlySet<string> = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NoSuchBucket',
  'NotFound',
  'NotFoundException',
]);

const accessDeniedCodes: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'KMSAccessDeniedException',
  'KmsAccessDenied',
]);

const invalidRequestCodes: ReadonlySet<string> = new Set(['InvalidArgumentException', 'ValidationException']);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $retryable?: { throttling?: unknown };
}

const asObject = (value: unknown): SdkErrorLike => (typeof value === 'object' && value !== null ? (value) : {});

/** The errno of a call that got no answer, on the error itself or on its `cause`. */
function networkCodeOf(e: SdkErrorLike): string | undefined {
  for (const candidate of [e.code, asObject(e.cause).code]) {
    if (typeof candidate === 'string' && NETWORK_ERROR_CODES.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * `Code` (SQS query protocol), then `name` (the SDK's exception class), then `code`
 * (Node errno and libraries): the generic `Error` name is skipped so a plain
 * `Error` with a `code` still reports it.
 */
function serviceCodeOf(e: SdkErrorLike): string {
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'UnknownError';
}

/** Reads and classifies any thrown value (SDK exception, Node system error, anything else). */
export function readSdkError(error: unknown): SdkErrorFacts {
  const e = asObject(error);
  const networkCode = networkCodeOf(e);
  const code = networkCode ?? serviceCodeOf(e);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const requestId = typeof e.$metadata?.requestId === 'string' && e.$metadata.requestId !== '' ? e.$metadata.requestId : undefined;
  return {
    class: classOf(code, networkCode !== undefined, status, e),
    code,
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(status !== undefined ? { httpStatusCode: status } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/** Only the code (see `SdkErrorFacts.code`), for log lines and `LastProcessingResult`. */
export function sdkErrorCode(error: unknown): string {
  return readSdkError(error).code;
}

function classOf(code: string, noAnswer: boolean, status: number | undefined, e: SdkErrorLike): SdkErrorClass {
  if (noAnswer || timeoutNames.has(code)) return 'network';
  if (throttlingCodes.has(code) || status === 429 || e.$retryable?.throttling === true) return 'throttled';
  if (code === 'ExpiredIteratorException') return 'expiredIterator';
  if (code === 'TrimmedDataAccessException') return 'trimmed';
  if (notFoundCodes.has(code)) return 'notFound';
  if (accessDeniedCodes.has(code) || status === 403) return 'accessDenied';
  if (invalidRequestCodes.has(code)) return 'invalidRequest';
  if ((status !== undefined && status >= 500) || e.$fault === 'server') return 'server';
  return 'other';
}
