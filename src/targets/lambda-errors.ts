/**
 * Invoke failures, classified once (sqs.md §2, Lambda column: every failed Invoke call is
 * an invocation error; which kind only tells logs, metrics and backoff apart).
 */
import { readSdkError } from '../aws/sdk-errors.js';
import type { InvocationErrorReason } from './target.js';

export interface ClassifiedInvokeError {
  reason: InvocationErrorReason;
  /**
   * The error code as aws/sdk-errors.ts reads it: the SDK error name
   * (`TooManyRequestsException`, `KMSAccessDeniedException`), or the node error code of a
   * call that got no answer, else `UnknownError`.
   */
  errorCode: string;
  errorMessage: string;
  statusCode?: number;
}

/** The Invoke call's failure in Lambda's terms; the error itself is read by aws/sdk-errors.ts. */
export function classifyInvokeError(error: unknown): ClassifiedInvokeError {
  const facts = readSdkError(error);
  const status = facts.httpStatusCode;
  const errorCode = facts.code;
  const errorMessage = facts.message !== '' ? facts.message : String(error);
  const withStatus = status !== undefined ? { statusCode: status } : {};

  if (facts.class === 'throttled') {
    return { reason: 'throttled', errorCode, errorMessage, ...withStatus };
  }
  if (facts.class === 'notFound' || status === 404) {
    return { reason: 'not-found', errorCode, errorMessage, ...withStatus };
  }
  // No HTTP status: the call never got an answer (refused, DNS, TLS, reset, our abort).
  if (status === undefined) {
    return { reason: 'unreachable', errorCode, errorMessage };
  }
  // 5xx, access denied, KMS, invalid request, payload too large: Lambda refused to run it.
  return { reason: 'service-error', errorCode, errorMessage, ...withStatus };
}
