/**
 * Picks the stream adapter of an EventSourceArn. It lives beside sources/streams/ rather
 * than in it because it imports both adapters, and sources/streams/ must not know either
 * service (design.md).
 */
import { parseEventSourceArn } from '../mappings/event-source-arn.js';
import { DynamodbStreamSource } from './dynamodb/dynamodb-source.js';
import { KinesisStreamSource } from './kinesis/kinesis-source.js';
import type { StreamSource, StreamSourceDependencies } from './streams/stream-source.js';

/** The source of a Kinesis stream, Kinesis consumer or DynamoDB stream ARN; throws TypeError for anything else. */
export function createStreamSource(eventSourceArn: string, deps: StreamSourceDependencies): StreamSource {
  const source = parseEventSourceArn(eventSourceArn);
  if (source?.type === 'kinesis') return new KinesisStreamSource(source, deps);
  if (source?.type === 'dynamodb') return new DynamodbStreamSource(source, deps);
  throw new TypeError(`Not a Kinesis or DynamoDB stream ARN: ${eventSourceArn}`);
}
