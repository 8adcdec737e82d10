/**
 * How pollers say that a call failed, the same way for SQS and streams: one rate-limited
 * warning per mapping, operation and cause (the service's error code, or the errno of a
 * call that got no answer), with the function and what the poller does next. A source that
 * keeps failing writes one line, then a count per interval; nothing is retried in silence.
 */
import { sdkErrorCode } from '../aws/sdk-errors.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitedWarnings, WarningLevel } from '../observability/rate-limited-warnings.js';

export interface SourceWarningContext {
  warnings: RateLimitedWarnings;
  /** The poller's logger (it carries `mappingId`, and `shardId` for a shard). */
  logger: Logger;
  mappingId: string;
  functionArn: string;
}

export interface SourceCallFailure {
  /** The call that failed: `ReceiveMessage`, `GetRecords`, `ListShards`, `GetShardIterator`, ... */
  operation: string;
  /** Why: the error code (`QueueDoesNotExist`, `ExpiredIteratorException`) or errno (`ECONNREFUSED`). */
  cause: string;
  /** What happens next: `backing off`, `getting a new iterator`... */
  next: string;
  error?: unknown;
  /** What went wrong in words, when there is no `error` to take the message from. */
  detail?: string;
  /** More fields for the line (e.g. the messages a delete left behind). */
  fields?: Record<string, unknown>;
  /** Default `warn`; `error` when records are lost (an undeliverable on-failure record). */
  level?: WarningLevel;
}

export function warnSourceCallFailed(context: SourceWarningContext, failure: SourceCallFailure): void {
  const { operation, cause, next, error } = failure;
  const text = error instanceof Error ? error.message : failure.detail;
  const detail = text !== undefined && text !== '' && text !== cause ? `: ${text}` : '';
  context.warnings.warn({
    key: `${context.mappingId}|${operation}|${cause}`,
    mappingId: context.mappingId,
    logger: context.logger,
    level: failure.level ?? 'warn',
    fields: { functionArn: context.functionArn, operation, cause, ...failure.fields, ...(error !== undefined ? { err: error } : {}) },
    message: `${operation} failed for mapping ${context.mappingId}: ${cause}${detail}; ${next}`,
  });
}

/**
 * The code of any thrown value, read by `aws/sdk-errors.ts` like every other caller: the
 * errno of a call that got no answer, else `Code`, `name`, `code`. Before the one reader
 * this took `code` before `name`; SDK exceptions carry no `code`, so only non-SDK errors
 * with both (Node's `AbortError` / `ABORT_ERR`) now log their name (decided: one order).
 */
export function sourceErrorCode(error: unknown): string {
  return sdkErrorCode(error);
}
