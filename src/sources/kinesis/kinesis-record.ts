/**
 * A Kinesis record as Lambda delivers it (streams.md §9.1): keys in AWS's order, `data`
 * the record's bytes in base64, unchanged; `approximateArrivalTimestamp` epoch seconds
 * with a millisecond fraction; `encryptionType` only for KMS-encrypted records.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { kinesisEventId } from '../../mappings/invocation-trace.js';

export type KinesisEventRecord = {
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
    encryptionType?: 'KMS';
  };
  eventSource: 'aws:kinesis';
  eventVersion: '1.0';
  eventID: string;
  eventName: 'aws:kinesis:record';
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
};

/** What a record's event takes from its mapping and shard. */
export interface KinesisEventContext {
  shardId: string;
  /** The stream ARN (a consumer's parent stream). */
  streamArn: string;
  /** Region of the stream ARN. */
  awsRegion: string;
  invokeIdentityArn: string;
}

/** The default `invokeIdentityArn` (§9.1, chosen). */
export const defaultInvokeIdentityArn = (accountId: string): string => `arn:aws:iam::${accountId}:role/lambda-role`;

const base64 = (data: Uint8Array | undefined): string =>
  data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') : '';

/** `arrivalTime` is the record's ApproximateArrivalTimestamp in ms (the read time should a service leave it out). */
export function toKinesisEventRecord(record: KinesisRecord, context: KinesisEventContext, arrivalTime: number): KinesisEventRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: base64(record.Data),
      approximateArrivalTimestamp: arrivalTime / 1000,
      ...(record.EncryptionType === 'KMS' ? { encryptionType: 'KMS' as const } : {}),
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: kinesisEventId(context.shardId, sequenceNumber),
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: context.invokeIdentityArn,
    awsRegion: context.awsRegion,
    eventSourceARN: context.streamArn,
  };
}
