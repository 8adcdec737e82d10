/** Kinesis records to Lambda's event shape (streams.md §9.1), against AWS's own examples. */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { defaultInvokeIdentityArn, toKinesisEventRecord, type KinesisEventContext } from '../../../../src/sources/kinesis/kinesis-record.js';

const context: KinesisEventContext = {
  shardId: 'shardId-000000000006',
  streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
  awsRegion: 'us-east-2',
  invokeIdentityArn: defaultInvokeIdentityArn('123456789012'),
};

// The first record of §9.1's verbatim AWS example, as text.
const awsExample = `{
  "kinesis": {
    "kinesisSchemaVersion": "1.0",
    "partitionKey": "1",
    "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
    "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
    "approximateArrivalTimestamp": 1545084650.987
  },
  "eventSource": "aws:kinesis",
  "eventVersion": "1.0",
  "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
  "eventName": "aws:kinesis:record",
  "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
  "awsRegion": "us-east-2",
  "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
}`;

function sdkRecord(overrides: Partial<KinesisRecord> = {}): KinesisRecord {
  return {
    SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    PartitionKey: '1',
    Data: Buffer.from('Hello, this is a test.'),
    ApproximateArrivalTimestamp: new Date(1545084650987),
    EncryptionType: 'NONE',
    ...overrides,
  };
}

describe('toKinesisEventRecord', () => {
  it("serialises to AWS's example, character for character", () => {
    const event = toKinesisEventRecord(sdkRecord(), context, 1545084650987);
    expect(JSON.stringify(event)).toBe(JSON.stringify(JSON.parse(awsExample)));
    expect(JSON.stringify(event)).toContain('"approximateArrivalTimestamp":1545084650.987}');
  });

  it('prints arrival times as epoch seconds with at most the millisecond fraction', () => {
    const at = (ms: number) => JSON.stringify(toKinesisEventRecord(sdkRecord(), context, ms).kinesis.approximateArrivalTimestamp);
    expect(at(1764089401250)).toBe('1764089401.25'); // §14.2's S3 payload example
    expect(at(1607497475000)).toBe('1607497475');
    expect(at(1607497475001)).toBe('1607497475.001');
    expect(at(1607497475999)).toBe('1607497475.999');
  });

  it('encodes exactly the record bytes, also from a view into a larger buffer', () => {
    const backing = Buffer.from('xxHello, world!yy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 13);
    const event = toKinesisEventRecord(sdkRecord({ Data: view }), context, 0);
    expect(Buffer.from(event.kinesis.data, 'base64').toString('latin1')).toBe('Hello, world!');
    expect(toKinesisEventRecord(sdkRecord({ Data: new Uint8Array(0) }), context, 0).kinesis.data).toBe('');
    const binary = Uint8Array.from([0xff, 0x00, 0xfe, 0x80]);
    expect(toKinesisEventRecord(sdkRecord({ Data: binary }), context, 0).kinesis.data).toBe('/wD+gA==');
  });

  it('adds encryptionType only for KMS, as the last key of `kinesis`', () => {
    const kms = toKinesisEventRecord(sdkRecord({ EncryptionType: 'KMS' }), context, 0);
    expect(Object.keys(kms.kinesis).at(-1)).toBe('encryptionType');
    expect(kms.kinesis.encryptionType).toBe('KMS');
    for (const EncryptionType of ['NONE', undefined] as const) {
      expect(toKinesisEventRecord(sdkRecord({ EncryptionType }), context, 0).kinesis).not.toHaveProperty('encryptionType');
    }
  });

  it('names the shard in eventID and the stream (not a consumer) in eventSourceARN', () => {
    const event = toKinesisEventRecord(sdkRecord({ SequenceNumber: '7' }), { ...context, shardId: 'shardId-000000000042' }, 0);
    expect(event.eventID).toBe('shardId-000000000042:7');
    expect(event.eventSourceARN).toBe(context.streamArn);
    expect(defaultInvokeIdentityArn('000000000000')).toBe('arn:aws:iam::000000000000:role/lambda-role');
  });
});
