/**
 * Event source ARNs (api.md §5): which kind of source an EventSourceArn names.
 */

/** The pattern AWS's message quotes for V7. */
export const EVENT_SOURCE_ARN_PATTERN = String.raw`arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;

/**
 * What V7 really checks: AWS's pattern with the region group relaxed to any lower-case
 * token, because emulators put non-AWS regions in ARNs (DynamoDB Local: `ddblocal`) —
 * chosen, api.md §5.
 */
const eventSourceArnRegex = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z0-9-]*):(\d{12})?:(.*)$/s;

export function matchesEventSourceArnPattern(arn: string): boolean {
  return eventSourceArnRegex.test(arn);
}

export type SourceType = 'sqs' | 'kinesis' | 'dynamodb';

export interface EventSource {
  type: SourceType;
  arn: string;
  region: string;
  account: string;
  /** Queue name, stream name, or table name. */
  name: string;
  /** SQS: the queue name ends in `.fifo`. */
  fifo?: boolean;
  /** Kinesis: the consumer part of a consumer ARN. */
  consumerName?: string;
  /** Kinesis consumer: the parent stream's ARN, which Sluice reads (chosen, api.md §5). */
  streamArn?: string;
}

/** A queue name: at most 80 characters, a FIFO queue's `.fifo` suffix included. */
const sqsResource = /^(?:[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/;
const kinesisResource = /^stream\/([A-Za-z0-9_.-]{1,128})(?:\/consumer\/([A-Za-z0-9_.-]{1,128}):(\d+))?$/;
const dynamodbResource = /^table\/([A-Za-z0-9_.-]{3,255})\/stream\/([^/]+)$/;
const arnParts = /^arn:(aws[a-zA-Z0-9-]*):([a-z0-9-]+):([a-z0-9-]+):(\d{12}):(.+)$/s;

/** Parses a SQS queue, Kinesis stream or consumer, or DynamoDB stream ARN; undefined for anything else (V19). */
export function parseEventSourceArn(arn: string): EventSource | undefined {
  const parts = arnParts.exec(arn);
  if (!parts) return undefined;
  const [, partition, service, region, account, resource] = parts as unknown as [string, string, string, string, string, string];
  const base = { arn, region, account };
  if (service === 'sqs' && sqsResource.test(resource)) {
    return { ...base, type: 'sqs', name: resource, fifo: resource.endsWith('.fifo') };
  }
  if (service === 'kinesis') {
    const match = kinesisResource.exec(resource);
    if (!match) return undefined;
    const [, stream, consumer] = match;
    return {
      ...base,
      type: 'kinesis',
      name: stream!,
      ...(consumer !== undefined
        ? { consumerName: consumer, streamArn: `arn:${partition}:kinesis:${region}:${account}:stream/${stream}` }
        : {}),
    };
  }
  if (service === 'dynamodb') {
    const match = dynamodbResource.exec(resource);
    if (!match) return undefined;
    return { ...base, type: 'dynamodb', name: match[1]! };
  }
  return undefined;
}

export const isStreamSource = (type: SourceType): boolean => type !== 'sqs';
