/**
 * What validation needs to know about a mapping's source (api.md V39, V40, V41), asked
 * through an interface `mappings/` owns so that it never learns how a source is reached
 * (design.md: "source checks come in through an interface it owns"). An implementation
 * (`sources/source-inspector.ts`) answers with plain facts; this module alone turns them
 * into Lambda's errors, with Lambda's messages.
 */
import type { EventSource } from './event-source-arn.js';
import { invalidParameter, serviceError, type LambdaApiError } from './errors.js';

/** The SQS queue attributes validation reads. */
export interface QueueFacts {
  visibilityTimeoutSeconds: number;
  fifo: boolean;
}

/** One answer about a source: there, not there, or the source could not be asked. */
export type SourceLookup<Facts> =
  | { found: true; facts: Facts }
  | { found: false; missing: true }
  /** Network, credentials, throttling: `code` is the error code (`ECONNREFUSED`, `AccessDenied`). */
  | { found: false; missing: false; code: string; message: string };

export interface SourceChecks {
  /** V39 / V41: the queue's attributes, or that it does not exist. */
  queue(source: EventSource): Promise<SourceLookup<QueueFacts>>;
  /** V40: the Kinesis stream (or stream consumer) or DynamoDB stream exists. */
  stream(source: EventSource): Promise<SourceLookup<true>>;
}

/** Lambda's answer for a queue that does not exist (V39), word for word. */
const QUEUE_MISSING =
  'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.';

/** V39: the queue's facts; IPVE when it does not exist. */
export async function requireQueue(checks: SourceChecks, source: EventSource): Promise<QueueFacts> {
  const answer = await checks.queue(source);
  if (answer.found) return answer.facts;
  throw answer.missing ? invalidParameter(QUEUE_MISSING) : unreachable(source, answer);
}

/** V40: IPVE when the stream (or consumer) does not exist. */
export async function requireStream(checks: SourceChecks, source: EventSource): Promise<void> {
  const answer = await checks.stream(source);
  if (answer.found) return;
  throw answer.missing ? invalidParameter(`Stream not found: ${source.arn}`) : unreachable(source, answer);
}

/**
 * The source could not be asked (network, credentials): Sluice cannot tell, so it answers
 * with its own fault rather than guess (chosen).
 */
function unreachable(source: EventSource, answer: { code: string; message: string }): LambdaApiError {
  return serviceError(`Could not check event source ${source.arn}: ${answer.code}: ${answer.message}`);
}
