/**
 * The per-mapping invocation trace (issue #14): a mapping tagged `sluice:trace` = N keeps
 * its last ~N invocation attempts in Redis, each with the ids of the records it carried,
 * so `sluice loadtest` (or anyone) can match them to the records it sent. This module holds
 * the switch (the tag and its value), the record-id rules shared with the producer, and the
 * entry's shape; the Redis side is trace-store.ts, the sources call it through
 * sources/invocation-attempts.ts.
 */
import { invalidParameter } from './errors.js';

/** The tag that switches the trace on; its value is how many entries to keep. */
export const TRACE_TAG = 'sluice:trace';

/**
 * The most entries a trace may keep (chosen): a million entries of a few hundred bytes
 * stay within a few hundred MB of Redis, the top of what a load test should cost it.
 */
export const MAX_TRACE_ENTRIES = 1_000_000;

/** One invocation attempt as the trace records it (the same shape as loadtest's InvocationTrace). */
export interface TraceEntry {
  /** Epoch ms the attempt started. */
  at: number;
  /** Trace ids of the event's records, in order. */
  ids: string[];
  outcome: 'success' | 'function_error' | 'invocation_error' | 'partial_failure';
  /** With `partial_failure`: the trace ids of the records the function listed in batchItemFailures. */
  failedIds?: string[];
  /** 1 for a batch's first attempt, then 2, 3 ... for its retries. */
  attempt?: number;
  durationMs?: number;
}

/**
 * The tag's value as a capacity: a decimal integer in 1..MAX_TRACE_ENTRIES; undefined for
 * anything else (a value that was refused, or a tag written before this rule).
 */
export function parseTraceCapacity(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9]\d{0,6}$/.test(value.trim())) return undefined;
  const capacity = Number(value.trim());
  return capacity <= MAX_TRACE_ENTRIES ? capacity : undefined;
}

/**
 * Refuses an invalid `sluice:trace` value where tags are written (CreateEventSourceMapping's
 * Tags, TagResource), with Lambda's error for a bad parameter value. Refused rather than
 * ignored with a warning (chosen): the user asked for a trace and would otherwise learn only
 * at the end of a load test, from an empty trace, that it was never on.
 */
export function checkTraceTag(tags: Record<string, string> | undefined): void {
  if (!tags || !Object.hasOwn(tags, TRACE_TAG)) return;
  if (parseTraceCapacity(tags[TRACE_TAG]) === undefined) {
    throw invalidParameter(`The value of tag ${TRACE_TAG} must be a whole number of trace entries from 1 to ${MAX_TRACE_ENTRIES}.`);
  }
}

/** The trace capacity a mapping's tags ask for; undefined: no trace. */
export const traceCapacityOf = (tags: Record<string, string>): number | undefined => parseTraceCapacity(tags[TRACE_TAG]);

/** SQS and SQS FIFO: the MessageId (what SendMessageBatch answers in `Successful[].MessageId`). */
export const sqsId = (record: { messageId: string }): string => record.messageId;

/** Kinesis: `<shardId>:<sequenceNumber>`, what PutRecords answers and the event's `eventID`. */
export const kinesisEventId = (shardId: string, sequenceNumber: string): string => `${shardId}:${sequenceNumber}`;

/**
 * DynamoDB: the item's key attributes in DynamoDB JSON, attribute names sorted, as JSON text
 * (`{"pk":{"S":"lt-42"}}`): the stream record's `dynamodb.Keys`, and what the producer wrote.
 * Only the attribute names are sorted: a key attribute is a scalar (S, N or B).
 */
export function dynamodbKeyId(keys: Readonly<Record<string, unknown>>): string {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(keys).sort()) sorted[name] = keys[name];
  return JSON.stringify(sorted);
}
