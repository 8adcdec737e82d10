/**
 * One-record events of the exact shape a mapping delivers (`sluice invoke`, issue #15): the
 * sources' own record builders fill them, so a handler tried with `sluice invoke` sees what
 * it will see behind a real queue, stream or table. The resource names are made up
 * (`sluice-invoke`) in the configured region and account; ids and sequence numbers are
 * fresh per call.
 */
import { createHash, randomUUID } from 'node:crypto';
import { toSqsEventRecord } from '../sources/sqs/sqs-record.js';
import { defaultInvokeIdentityArn, toKinesisEventRecord } from '../sources/kinesis/kinesis-record.js';
import { toDynamodbEventRecord } from '../sources/dynamodb/dynamodb-record.js';
import type { SourceType } from '../mappings/event-source-arn.js';
import { parseDynamoDBItem } from './send.js';

export interface SampleEventContext {
  region: string;
  accountId: string;
  /** Epoch ms the record "arrived"; now by default. */
  now?: number;
}

export interface SampleEvent {
  event: { Records: unknown[] };
  /** The id ReportBatchItemFailures names the record by (SQS messageId, stream sequence number). */
  recordId: string;
}

/** A 21-digit sequence number like the services' (they are opaque decimal strings). */
function sequenceNumber(now: number): string {
  return `${now}${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`.padEnd(21, '0');
}

/**
 * The event one record with `body` makes. For DynamoDB, `body` is the item in DynamoDB JSON
 * (as `sluice send dynamodb` takes it) delivered as an INSERT; its key is `keys` (attribute
 * names; default the item's first attribute, as Sluice cannot know a table it never read).
 */
export function sampleEvent(source: SourceType, body: string, context: SampleEventContext, keys?: string[]): SampleEvent {
  const now = context.now ?? Date.now();
  const name = 'sluice-invoke';
  if (source === 'sqs') {
    const messageId = randomUUID();
    const record = toSqsEventRecord(
      {
        MessageId: messageId,
        ReceiptHandle: Buffer.from(`${messageId}:${now}`).toString('base64'),
        Body: body,
        MD5OfBody: createHash('md5').update(body).digest('hex'),
        Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now), SenderId: context.accountId, ApproximateFirstReceiveTimestamp: String(now) },
      },
      `arn:aws:sqs:${context.region}:${context.accountId}:${name}`,
      context.region,
    );
    return { event: { Records: [record] }, recordId: messageId };
  }
  if (source === 'kinesis') {
    const seq = sequenceNumber(now);
    const record = toKinesisEventRecord(
      { Data: Buffer.from(body), PartitionKey: name, SequenceNumber: seq, ApproximateArrivalTimestamp: new Date(now) },
      {
        shardId: 'shardId-000000000000',
        streamArn: `arn:aws:kinesis:${context.region}:${context.accountId}:stream/${name}`,
        awsRegion: context.region,
        invokeIdentityArn: defaultInvokeIdentityArn(context.accountId),
      },
      now,
    );
    return { event: { Records: [record] }, recordId: seq };
  }
  const item = parseDynamoDBItem(body);
  const keyNames = keys ?? Object.keys(item).slice(0, 1);
  const missing = keyNames.filter((key) => !(key in item));
  if (missing.length > 0) throw new Error(`the item has no key attribute ${missing.join(', ')}`);
  const seq = sequenceNumber(now);
  const record = toDynamodbEventRecord(
    {
      eventID: randomUUID().replaceAll('-', ''),
      eventName: 'INSERT',
      dynamodb: {
        ApproximateCreationDateTime: new Date(Math.floor(now / 1000) * 1000),
        Keys: Object.fromEntries(keyNames.map((key) => [key, item[key]!])),
        NewImage: item,
        SequenceNumber: seq,
        SizeBytes: Buffer.byteLength(body),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    },
    { streamArn: `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${name}/stream/${new Date(now).toISOString().slice(0, 23)}`, awsRegion: context.region },
  );
  return { event: { Records: [record] }, recordId: seq };
}
