/**
 * Invoke failures, classified once (sqs.md §2, Lambda column: every failed Invoke call is
 * an invocation error; which kind only tells logs, metrics and backoff apart).
 */
import type { InvocationErrorReason } from './target.js';

export interface ClassifiedInvokeError {
  reason: InvocationErrorReason;
  /** SDK error name (`TooManyRequestsException`, `KMSAccessDeniedException`) or node error code. */
  errorCode: string;
  errorMessage: string;
  statusCode?: number;
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function classifyInvokeError(error: unknown): ClassifiedInvokeError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const errorMessage = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);
  const withStatus = status !== undefined ? { statusCode: status } : {};

  if (name === 'TooManyRequestsException' || status === 429) {
    return { reason: 'throttled', errorCode: name, errorMessage, ...withStatus };
  }
  if (name === 'ResourceNotFoundException' || status === 404) {
    return { reason: 'not-found', errorCode: name, errorMessage, ...withStatus };
  }
  // No HTTP status: the call never got an answer (refused, DNS, TLS, reset, our abort).
  if (status === undefined) {
    return { reason: 'unreachable', errorCode: code ?? name, errorMessage };
  }
  // 5xx, access denied, KMS, invalid request, payload too large: Lambda refused to run it.
  return { reason: 'service-error', errorCode: name, errorMessage, ...withStatus };
}
