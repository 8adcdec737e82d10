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
 *
 * The error itself is read by `aws/sdk-errors.ts` (the one reader of `Code` / `name` /
 * `code` / `$metadata`); this module only refines its classes for stream calls.
 */
import { readSdkError, type SdkErrorFacts } from '../../aws/sdk-errors.js';

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

/**
 * Classifies any thrown value (SDK error, Node system error, anything): `aws/sdk-errors.ts`
 * reads it, and only what depends on the stream call is decided here.
 */
export function classifyStreamError(error: unknown, options: ClassifyOptions = {}): StreamErrorClassification {
  if (error instanceof StreamSourceError) {
    const { kind, code, message, httpStatusCode, requestId } = error;
    return { kind, code, message, ...(httpStatusCode !== undefined ? { httpStatusCode } : {}), ...(requestId ? { requestId } : {}) };
  }
  const facts = readSdkError(error);
  const { code, message, httpStatusCode, requestId } = facts;
  return {
    kind: kindOf(facts, options),
    code,
    message,
    ...(httpStatusCode !== undefined ? { httpStatusCode } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/**
 * The stream kind of an SDK error class. What only a stream call can tell: a refused
 * sequence number (the call asked for a position, the message names a sequence number)
 * and an invalid iterator (the message names the shard iterator). Access denied, KMS
 * and anything unknown are `other`: the poller backs off and reports them alike.
 */
function kindOf(facts: SdkErrorFacts, options: ClassifyOptions): StreamErrorKind {
  const refusedPosition = options.sequencePosition === true && /sequence ?number/i.test(facts.message);
  switch (facts.class) {
    case 'throttled':
    case 'network':
    case 'server':
    case 'expiredIterator':
    case 'trimmed':
      return facts.class;
    case 'notFound':
      return refusedPosition ? 'positionNotFound' : 'notFound';
    case 'invalidRequest':
      if (refusedPosition) return 'positionNotFound';
      return /shard ?iterator/i.test(facts.message) ? 'invalidIterator' : 'invalidArgument';
    case 'accessDenied':
    case 'other':
      return 'other';
  }
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
