/**
 * Failures of Kinesis and DynamoDB Streams calls, classified once (streams.md §4) so the
 * poller reacts to a kind, never to a service's error names:
 *
 * | kind               | from                                                        | poller (§4)                          |
 * | ------------------ | ----------------------------------------------------------- | ------------------------------------ |
 * | `throttled`        | ProvisionedThroughputExceeded, LimitExceeded, HTTP 429, ... | back off 1 s, doubling, at most 10 s |
 * | `network`          | connection refused / reset / timed out, DNS                 | back off like `throttled`            |
 * | `server`           | HTTP 5xx (InternalFailure, ServiceUnavailable, ...)         | back off like `throttled`            |
 * | `expiredIterator`  | ExpiredIteratorException                                    | new iterator from the last position read |
 * | `invalidIterator`  | InvalidArgument / Validation about the shard iterator       | new iterator from the last position read |
 * | `trimmed`          | TrimmedDataAccessException                                  | resume the shard at TRIM_HORIZON     |
 * | `positionNotFound` | getIterator at / after a sequence number the shard refuses  | resume the shard at TRIM_HORIZON     |
 * | `notFound`         | ResourceNotFoundException (stream, shard or table missing)  | back off; LastProcessingResult shows it |
 * | `invalidArgument`  | any other InvalidArgument / Validation                      | back off; report (a Sluice bug)      |
 * | `other`            | anything else (access denied, KMS, unknown)                 | back off; report                     |
 */
import { NETWORK_ERROR_CODES as networkCodes } from '../../aws/network-errors.js';

export type StreamErrorKind =
  | 'throttled'
  | 'network'
  | 'server'
  | 'expiredIterator'
  | 'invalidIterator'
  | 'trimmed'
  | 'positionNotFound'
  | 'notFound'
  | 'invalidArgument'
  | 'other';

export type StreamOperation = 'ListShards' | 'DescribeStream' | 'DescribeStreamSummary' | 'DescribeTable' | 'GetShardIterator' | 'GetRecords';

export interface StreamErrorClassification {
  kind: StreamErrorKind;
  /** The service's error code (`ExpiredIteratorException`), or a Node error code (`ECONNREFUSED`). */
  code: string;
  message: string;
  httpStatusCode?: number;
  requestId?: string;
}

export interface ClassifyOptions {
  /** The call asked for an iterator AT / AFTER a sequence number: refusals of that number are `positionNotFound`. */
  sequencePosition?: boolean;
}

const throttlingCodes = new Set([
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
]);

const networkNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

const invalidRequestCodes = new Set(['InvalidArgumentException', 'ValidationException']);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: { throttling?: boolean };
}

function codeOf(error: SdkErrorLike): string {
  for (const candidate of [error.Code, error.name, error.code]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'UnknownError';
}

/** Classifies any thrown value (SDK error, Node system error, anything). */
export function classifyStreamError(error: unknown, options: ClassifyOptions = {}): StreamErrorClassification {
  if (error instanceof StreamSourceError) {
    const { kind, code, message, httpStatusCode, requestId } = error;
    return { kind, code, message, ...(httpStatusCode !== undefined ? { httpStatusCode } : {}), ...(requestId ? { requestId } : {}) };
  }
  const e: SdkErrorLike = typeof error === 'object' && error !== null ? (error) : {};
  const message = typeof e.message === 'string' ? e.message : String(error);
  const systemCode = typeof e.code === 'string' ? e.code : undefined;
  const code = systemCode && networkCodes.has(systemCode) ? systemCode : codeOf(e);
  const status = e.$metadata?.httpStatusCode;
  const base = {
    code,
    message,
    ...(status !== undefined ? { httpStatusCode: status } : {}),
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
  };
  return { kind: kindOf(code, message, status, e, options), ...base };
}

function kindOf(code: string, message: string, status: number | undefined, e: SdkErrorLike, options: ClassifyOptions): StreamErrorKind {
  if (throttlingCodes.has(code) || status === 429 || e.$retryable?.throttling === true) return 'throttled';
  if (code === 'ExpiredIteratorException') return 'expiredIterator';
  if (code === 'TrimmedDataAccessException') return 'trimmed';
  const aboutSequenceNumber = /sequence ?number/i.test(message);
  if (options.sequencePosition && aboutSequenceNumber && (invalidRequestCodes.has(code) || code === 'ResourceNotFoundException')) {
    return 'positionNotFound';
  }
  if (code === 'ResourceNotFoundException') return 'notFound';
  if (invalidRequestCodes.has(code)) return /shard ?iterator/i.test(message) ? 'invalidIterator' : 'invalidArgument';
  if (networkCodes.has(code) || networkNames.has(code)) return 'network';
  if ((status !== undefined && status >= 500) || e.$fault === 'server') return 'server';
  return 'other';
}

export interface StreamErrorContext {
  operation: StreamOperation;
  streamArn: string;
  shardId?: string;
}

/**
 * A failed call of a stream adapter: the classification, where it happened, and the
 * original error as `cause`.
 */
export class StreamSourceError extends Error {
  override readonly name = 'StreamSourceError';
  readonly kind: StreamErrorKind;
  /** The service's error code, e.g. `ExpiredIteratorException`. */
  readonly code: string;
  readonly operation: StreamOperation;
  readonly streamArn: string;
  readonly shardId: string | undefined;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;

  constructor(classification: StreamErrorClassification, context: StreamErrorContext, cause?: unknown) {
    const where = context.shardId ? `${context.streamArn} ${context.shardId}` : context.streamArn;
    super(`${context.operation} ${where}: ${classification.code}: ${classification.message}`, { cause });
    this.kind = classification.kind;
    this.code = classification.code;
    this.operation = context.operation;
    this.streamArn = context.streamArn;
    this.shardId = context.shardId;
    this.httpStatusCode = classification.httpStatusCode;
    this.requestId = classification.requestId;
  }
}

/** Wraps `error` (unless it already is one) as a StreamSourceError. */
export function toStreamSourceError(error: unknown, context: StreamErrorContext, options: ClassifyOptions = {}): StreamSourceError {
  if (error instanceof StreamSourceError) return error;
  return new StreamSourceError(classifyStreamError(error, options), context, error);
}

/** Runs one service call, turning its failure into a StreamSourceError. */
export async function callStream<T>(context: StreamErrorContext, call: () => Promise<T>, options: ClassifyOptions = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStreamSourceError(error, context, options);
  }
}

/** The kind of any thrown value. */
export function streamErrorKind(error: unknown): StreamErrorKind {
  return error instanceof StreamSourceError ? error.kind : classifyStreamError(error).kind;
}
