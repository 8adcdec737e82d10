/**
 * Placeholder copy of the trace contract's id rules (issue #14 common brief), written on the
 * RUN branch so the producer can import them before helper TRACE's version lands; TRACE's
 * file replaces this one at merge.
 */

/** The mapping tag that switches the trace on; its value is how many entries to keep. */
export const TRACE_TAG = 'sluice:trace';

/** A Kinesis record's trace id: the Kinesis event's `eventID`. */
export const kinesisEventId = (shardId: string, sequenceNumber: string): string => `${shardId}:${sequenceNumber}`;

/** A DynamoDB record's trace id: its key attributes in DynamoDB JSON, attribute names sorted. */
export const dynamodbKeyId = (keys: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.keys(keys).sort().map((name) => [name, keys[name]])));
