/**
 * Reading a stream mapping's on-failure records back from their destination (streams.md
 * §14): an SQS queue (each message body is one record) or an S3 bucket (the objects Sluice
 * wrote under `aws/lambda/<mapping UUID>/`, record plus `payload`). SNS cannot be read back.
 *
 * An entry is removed only when the caller says its range succeeded; entries left are
 * released (SQS: visible again at once), so the destination ends as it was but for the
 * ranges done.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { queueUrlOf } from '../aws/sqs-queues.js';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';
import type { DestinationArn } from '../destinations/destination-arn.js';
import type { OnFailureBatchInfo, OnFailureRecord } from '../destinations/on-failure-record.js';

/** One on-failure record as found in the destination. */
export interface FailedRangeEntry {
  /** Where it is: the SQS message id or the S3 object key. */
  where: string;
  /** The record, or why it could not be read as one. */
  parsed: { record: OnFailureRecord; info: OnFailureBatchInfo } | { problem: string };
  /** The destination's handle: an SQS receipt handle, an S3 key. */
  handle: string;
}

export interface FailedRangeSource {
  /** `SQS queue <arn>`, `S3 bucket <name> (aws/lambda/<uuid>/)`. */
  readonly description: string;
  /** The next entries; empty once every entry was seen in this run. */
  next(): Promise<FailedRangeEntry[]>;
  remove(entry: FailedRangeEntry): Promise<void>;
  /** Leaves the entry in the destination, visible to the next run at once. */
  release(entry: FailedRangeEntry): Promise<void>;
}

/** An on-failure record from a message body or an S3 object. */
export function parseOnFailureRecord(text: string): FailedRangeEntry['parsed'] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  const record = value as Partial<OnFailureRecord> | null;
  const info = record?.KinesisBatchInfo ?? record?.DDBStreamBatchInfo;
  if (!record || typeof record.requestContext?.functionArn !== 'string' || typeof record.timestamp !== 'string') {
    return { problem: 'not an on-failure record (no requestContext.functionArn or timestamp)' };
  }
  if (!info || typeof info.shardId !== 'string' || typeof info.startSequenceNumber !== 'string' || typeof info.endSequenceNumber !== 'string' || typeof info.streamArn !== 'string') {
    return { problem: 'not a stream on-failure record (no KinesisBatchInfo or DDBStreamBatchInfo with shardId, sequence numbers and streamArn)' };
  }
  return { record: record as OnFailureRecord, info };
}

/**
 * How long a received on-failure message stays invisible while its range is redriven
 * (chosen: 15 minutes, room for a range of 10 000 records invoked in batches; released at
 * once when its range is not done, and back by itself should the run die).
 */
export const RANGE_VISIBILITY_SECONDS = 900;

export function sqsFailedRanges(clients: Pick<AwsClients, 'get'>, destination: DestinationArn): FailedRangeSource {
  const sqs = clients.get('sqs', destination.region);
  let queueUrl: string | undefined;
  const url = async (): Promise<string> => (queueUrl ??= await queueUrlOf(sqs, destination.name, destination.account));
  return {
    description: `SQS queue ${destination.arn}`,
    async next() {
      // One message at a time (chosen): each stays invisible only while its own range runs.
      // A 1 s long poll asks every SQS server, so an empty answer means the queue holds no
      // visible message (messages this run released or kept are invisible or not yet back).
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: await url(), MaxNumberOfMessages: 1, WaitTimeSeconds: 1, VisibilityTimeout: RANGE_VISIBILITY_SECONDS }));
      return (answer.Messages ?? []).map((message) => ({
        where: `message ${message.MessageId ?? '?'}`,
        parsed: parseOnFailureRecord(message.Body ?? ''),
        handle: message.ReceiptHandle ?? '',
      }));
    },
    async remove(entry) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: await url(), ReceiptHandle: entry.handle }));
    },
    async release(entry) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: await url(), ReceiptHandle: entry.handle, VisibilityTimeout: 0 }));
    },
  };
}

/** The S3 key prefix of a mapping's on-failure objects (streams.md §14.2; destinations/on-failure-record.ts). */
export const s3Prefix = (mappingId: string): string => `aws/lambda/${mappingId}/`;

/** Objects read per next() (chosen: small, so a limited run reads little more than it takes). */
const S3_READ_AHEAD = 10;

export function s3FailedRanges(clients: Pick<AwsClients, 'get'>, destination: DestinationArn, mappingId: string): FailedRangeSource {
  const s3 = clients.get('s3');
  const prefix = s3Prefix(mappingId);
  let token: string | undefined;
  let listedAll = false;
  /** Keys listed and not yet read: objects are read a few at a time, so `--limit 1` reads one, not a page of 1 000. */
  const listed: string[] = [];
  return {
    description: `S3 bucket ${destination.name} (${prefix})`,
    async next() {
      // Keys sort by shard, then discard time (the key holds the date): a shard's ranges come oldest first.
      while (listed.length === 0 && !listedAll) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: destination.name, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        token = page.NextContinuationToken;
        listedAll = !page.IsTruncated || !token;
        for (const object of page.Contents ?? []) if (object.Key) listed.push(object.Key);
      }
      const entries: FailedRangeEntry[] = [];
      for (const key of listed.splice(0, S3_READ_AHEAD)) {
        const body = await s3.send(new GetObjectCommand({ Bucket: destination.name, Key: key }));
        entries.push({ where: `object ${key}`, parsed: parseOnFailureRecord((await body.Body?.transformToString('utf8')) ?? ''), handle: key });
      }
      return entries;
    },
    async remove(entry) {
      await s3.send(new DeleteObjectCommand({ Bucket: destination.name, Key: entry.handle }));
    },
    async release() {
      // An object stays where it is.
    },
  };
}
