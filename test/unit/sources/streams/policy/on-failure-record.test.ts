/**
 * On-failure records (streams.md §14.1) compared with the spec's examples byte for byte:
 * same keys, same order, same types, same values.
 */
import { describe, expect, it } from 'vitest';
import {
  buildOnFailureRecord,
  buildS3OnFailureObject,
  formatArrivalTime,
  parseDestinationArn,
  type DiscardedPart,
  type OnFailureRecordContext,
} from '../../../../../src/destinations/index.js';
import { createBatchState, nextAction } from '../../../../../src/sources/streams/policy/index.js';
import { T0, config, failures, records, seq, simulate } from './harness.js';

const at = (iso: string): number => Date.parse(iso);

/** JSON text of a spec example, normalised (whitespace) but with key order kept. */
const canonical = (text: string): string => JSON.stringify(JSON.parse(text));

const kinesis = (streamArn: string, shardId: string, functionArn: string): OnFailureRecordContext => ({
  functionArn,
  shardId,
  streamArn,
  batchInfoKey: 'KinesisBatchInfo',
  arrivalTimePrecision: 'milliseconds',
});
const dynamodb = (streamArn: string, shardId: string, functionArn: string): OnFailureRecordContext => ({
  functionArn,
  shardId,
  streamArn,
  batchInfoKey: 'DDBStreamBatchInfo',
  arrivalTimePrecision: 'seconds',
});

describe('buildOnFailureRecord: the verbatim AWS examples', () => {
  it('Kinesis, function error, retries exhausted', () => {
    const spec = `{
    "requestContext": {
        "requestId": "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1
    },
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled"
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:38:06.021Z",
    "KinesisBatchInfo": {
        "shardId": "shardId-000000000001",
        "startSequenceNumber": "49601189658422359378836298521827638475320189012309704722",
        "endSequenceNumber": "49601189658422359378836298522902373528957594348623495186",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:38:04.835Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:38:05.580Z",
        "batchSize": 500,
        "streamArn": "arn:aws:kinesis:us-east-2:123456789012:stream/mystream"
    }
}`;
    const part: DiscardedPart = {
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
      approximateArrivalOfFirstRecord: at('2019-11-14T00:38:04.835Z'),
      approximateArrivalOfLastRecord: at('2019-11-14T00:38:05.580Z'),
      batchSize: 500,
      approximateInvokeCount: 1,
      requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5',
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      discardedAt: at('2019-11-14T00:38:06.021Z'),
    };
    const record = buildOnFailureRecord(
      part,
      kinesis('arn:aws:kinesis:us-east-2:123456789012:stream/mystream', 'shardId-000000000001', 'arn:aws:lambda:us-east-2:123456789012:function:myfunction'),
    );
    expect(JSON.stringify(record)).toBe(canonical(spec));
    expect(Object.keys(record)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'KinesisBatchInfo']);
    expect(record).not.toHaveProperty('DDBStreamBatchInfo');
  });

  it('DynamoDB, function error, retries exhausted (arrival times in whole seconds)', () => {
    const spec = `{
    "requestContext": {
        "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1
    },
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled"
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001573689847184-864758bb",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276362",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
        "batchSize": 1,
        "streamArn": "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388"
    }
}`;
    const part: DiscardedPart = {
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: '800000000003126276362',
      endSequenceNumber: '800000000003126276362',
      // Sub-second parts are cut, not rounded.
      approximateArrivalOfFirstRecord: at('2019-11-14T00:13:19.000Z'),
      approximateArrivalOfLastRecord: at('2019-11-14T00:13:19.999Z'),
      batchSize: 1,
      approximateInvokeCount: 1,
      requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      discardedAt: at('2019-11-14T00:13:49.717Z'),
    };
    const record = buildOnFailureRecord(
      part,
      dynamodb(
        'arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388',
        'shardId-00000001573689847184-864758bb',
        'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
      ),
    );
    expect(JSON.stringify(record)).toBe(canonical(spec));
    expect(record).not.toHaveProperty('KinesisBatchInfo');
  });

  it('partial-failure exhaustion: functionError null', () => {
    const spec = `{
  "requestContext": {
    "requestId": "2d6f5e3a-8b1c-4f0e-9a7d-3c2b1a0f9e8d",
    "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
    "condition": "RetryAttemptsExhausted",
    "approximateInvokeCount": 4
  },
  "responseContext": {
    "statusCode": 200,
    "executedVersion": "$LATEST",
    "functionError": null
  },
  "version": "1.0",
  "timestamp": "2025-11-25T19:03:18.412Z",
  "KinesisBatchInfo": {
    "shardId": "shardId-000000000000",
    "startSequenceNumber": "49658123456789012345678901234567890123456789012345678906",
    "endSequenceNumber": "49658123456789012345678901234567890123456789012345678906",
    "approximateArrivalOfFirstRecord": "2025-11-25T19:02:41.118Z",
    "approximateArrivalOfLastRecord": "2025-11-25T19:02:41.118Z",
    "batchSize": 1,
    "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream"
  }
}`;
    const record = buildOnFailureRecord(
      {
        condition: 'RetryAttemptsExhausted',
        startSequenceNumber: '49658123456789012345678901234567890123456789012345678906',
        endSequenceNumber: '49658123456789012345678901234567890123456789012345678906',
        approximateArrivalOfFirstRecord: at('2025-11-25T19:02:41.118Z'),
        approximateArrivalOfLastRecord: at('2025-11-25T19:02:41.118Z'),
        batchSize: 1,
        approximateInvokeCount: 4,
        requestId: '2d6f5e3a-8b1c-4f0e-9a7d-3c2b1a0f9e8d',
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
        discardedAt: at('2025-11-25T19:03:18.412Z'),
      },
      kinesis('arn:aws:kinesis:us-east-1:123456789012:stream/my-stream', 'shardId-000000000000', 'arn:aws:lambda:us-east-1:123456789012:function:my-function'),
    );
    expect(JSON.stringify(record)).toBe(canonical(spec));
    expect(record.responseContext!.functionError).toBeNull();
  });

  it('record age exceeded: no responseContext; a fresh UUID when the records were never invoked', () => {
    const spec = `{
  "requestContext": {
    "requestId": "7e1c9a54-0b2d-4c3e-8f6a-5d4b3c2a1f0e",
    "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
    "condition": "RecordAgeExceeded",
    "approximateInvokeCount": 1
  },
  "version": "1.0",
  "timestamp": "2025-11-25T17:01:42.000Z",
  "KinesisBatchInfo": {
    "shardId": "shardId-000000000000",
    "startSequenceNumber": "49658123456789012345678901234567890123456789012345678901",
    "endSequenceNumber": "49658123456789012345678901234567890123456789012345678901",
    "approximateArrivalOfFirstRecord": "2025-11-25T16:59:30.250Z",
    "approximateArrivalOfLastRecord": "2025-11-25T16:59:30.250Z",
    "batchSize": 1,
    "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream"
  }
}`;
    const record = buildOnFailureRecord(
      {
        condition: 'RecordAgeExceeded',
        startSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
        endSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
        approximateArrivalOfFirstRecord: at('2025-11-25T16:59:30.250Z'),
        approximateArrivalOfLastRecord: at('2025-11-25T16:59:30.250Z'),
        batchSize: 1,
        approximateInvokeCount: 1,
        discardedAt: at('2025-11-25T17:01:42.000Z'),
      },
      kinesis('arn:aws:kinesis:us-east-1:123456789012:stream/my-stream', 'shardId-000000000000', 'arn:aws:lambda:us-east-1:123456789012:function:my-function'),
      { randomUUID: () => '7e1c9a54-0b2d-4c3e-8f6a-5d4b3c2a1f0e' },
    );
    expect(JSON.stringify(record)).toBe(canonical(spec));
    expect(record).not.toHaveProperty('responseContext');

    const fresh = buildOnFailureRecord(
      { condition: 'MaximumPayloadSizeExceeded', startSequenceNumber: '1', endSequenceNumber: '1', approximateArrivalOfFirstRecord: 0, approximateArrivalOfLastRecord: 0, batchSize: 1, approximateInvokeCount: 1, discardedAt: 0 },
      kinesis('arn:aws:kinesis:us-east-1:123456789012:stream/s', 'shardId-000000000000', 'arn:aws:lambda:us-east-1:123456789012:function:f'),
    );
    expect(fresh.requestContext.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fresh.requestContext.condition).toBe('MaximumPayloadSizeExceeded');
    expect(fresh).not.toHaveProperty('responseContext');
  });

  it('DynamoDB SNS example: the Message string is exactly the record JSON', () => {
    const message =
      '{"requestContext":{"requestId":"3f2b6c1d-7e8a-4b9c-8d0e-1f2a3b4c5d6e","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:my-function","condition":"RetryAttemptsExhausted","approximateInvokeCount":2},"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0","timestamp":"2025-11-25T15:51:38.512Z","DDBStreamBatchInfo":{"shardId":"shardId-00000001732500000000-1a2b3c4d","startSequenceNumber":"100000000000000000001","endSequenceNumber":"100000000000000000001","approximateArrivalOfFirstRecord":"2025-11-25T15:51:20Z","approximateArrivalOfLastRecord":"2025-11-25T15:51:20Z","batchSize":1,"streamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/my-table/stream/2025-11-25T15:47:00.000"}}';
    const record = buildOnFailureRecord(
      {
        condition: 'RetryAttemptsExhausted',
        startSequenceNumber: '100000000000000000001',
        endSequenceNumber: '100000000000000000001',
        approximateArrivalOfFirstRecord: at('2025-11-25T15:51:20Z'),
        approximateArrivalOfLastRecord: at('2025-11-25T15:51:20Z'),
        batchSize: 1,
        approximateInvokeCount: 2,
        requestId: '3f2b6c1d-7e8a-4b9c-8d0e-1f2a3b4c5d6e',
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        discardedAt: at('2025-11-25T15:51:38.512Z'),
      },
      dynamodb(
        'arn:aws:dynamodb:us-east-1:123456789012:table/my-table/stream/2025-11-25T15:47:00.000',
        'shardId-00000001732500000000-1a2b3c4d',
        'arn:aws:lambda:us-east-1:123456789012:function:my-function',
      ),
    );
    expect(JSON.stringify(record)).toBe(message);
  });
});

describe('S3 object (§14.2)', () => {
  it('matches the spec example: record plus payload as an escaped JSON string, key from the discard time', () => {
    const payload =
      '{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"custom","sequenceNumber":"49658123456789012345678901234567890123456789012345678901","data":"eyJpbnB1dCI6ICJoZWxsbyIsICJ2YWx1ZSI6ICJ3b3JsZCIsICJyYWlzZV9lcnJvciI6IDF9","approximateArrivalTimestamp":1764089401.25},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000000:49658123456789012345678901234567890123456789012345678901","eventName":"aws:kinesis:record","invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role","awsRegion":"us-east-1","eventSourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/my-stream"}]}';
    const spec = `{
  "requestContext": {
    "requestId": "c9b8fa9f-5a7f-4f0e-af9c-0c604cde93a5",
    "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
    "condition": "RetryAttemptsExhausted",
    "approximateInvokeCount": 2
  },
  "responseContext": {
    "statusCode": 200,
    "executedVersion": "$LATEST",
    "functionError": "Unhandled"
  },
  "version": "1.0",
  "timestamp": "2025-11-25T16:50:20.118Z",
  "KinesisBatchInfo": {
    "shardId": "shardId-000000000000",
    "startSequenceNumber": "49658123456789012345678901234567890123456789012345678901",
    "endSequenceNumber": "49658123456789012345678901234567890123456789012345678901",
    "approximateArrivalOfFirstRecord": "2025-11-25T16:50:01.250Z",
    "approximateArrivalOfLastRecord": "2025-11-25T16:50:01.250Z",
    "batchSize": 1,
    "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream"
  },
  "payload": ${JSON.stringify(payload)}
}`;
    const record = buildOnFailureRecord(
      {
        condition: 'RetryAttemptsExhausted',
        startSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
        endSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
        approximateArrivalOfFirstRecord: at('2025-11-25T16:50:01.250Z'),
        approximateArrivalOfLastRecord: at('2025-11-25T16:50:01.250Z'),
        batchSize: 1,
        approximateInvokeCount: 2,
        requestId: 'c9b8fa9f-5a7f-4f0e-af9c-0c604cde93a5',
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        discardedAt: at('2025-11-25T16:50:20.118Z'),
      },
      kinesis('arn:aws:kinesis:us-east-1:123456789012:stream/my-stream', 'shardId-000000000000', 'arn:aws:lambda:us-east-1:123456789012:function:my-function'),
    );
    const object = buildS3OnFailureObject(record, {
      mappingId: '14e0db71-5d35-4eb5-b481-8945cf9d10c2',
      payload,
      randomUUID: () => 'a1b2c3d4-0000-4000-8000-000000000001',
    });
    expect(object.body).toBe(canonical(spec));
    expect(typeof JSON.parse(object.body).payload).toBe('string');
    expect(object.key).toBe(
      'aws/lambda/14e0db71-5d35-4eb5-b481-8945cf9d10c2/shardId-000000000000/2025/11/25/2025-11-25T16.50.20-a1b2c3d4-0000-4000-8000-000000000001',
    );
    expect(object.contentType).toBe('application/json');
  });
});

describe('from the policy to the record', () => {
  it('the six-record RBIF example ends in the spec-shaped record (batchSize 1, count 4, functionError null)', async () => {
    const target = (numbers: number[]) => (numbers.includes(6) ? failures(6) : failures());
    const run = await simulate(records(6).slice(3), config({ reportBatchItemFailures: true, maximumRetryAttempts: 3 }), target);
    const record = buildOnFailureRecord(
      run.discards[0]!,
      kinesis('arn:aws:kinesis:us-east-1:123456789012:stream/my-stream', 'shardId-000000000000', 'arn:aws:lambda:us-east-1:123456789012:function:my-function'),
    );
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^req-/),
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
      version: '1.0',
      timestamp: new Date(run.discards[0]!.discardedAt).toISOString(),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: seq(6),
        endSequenceNumber: seq(6),
        approximateArrivalOfFirstRecord: new Date(T0 + 50).toISOString(),
        approximateArrivalOfLastRecord: new Date(T0 + 50).toISOString(),
        batchSize: 1,
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/my-stream',
      },
    });
  });

  it('an expired record read too late becomes a RecordAgeExceeded record with approximateInvokeCount 1', () => {
    const input = records(1, T0 - 3_600_000);
    const { action } = nextAction(createBatchState(input, T0), config({ maximumRecordAgeInSeconds: 60 }), T0);
    if (action.kind !== 'end') throw new Error(`expected end, got ${action.kind}`);
    const record = buildOnFailureRecord(
      action.discards[0]!,
      dynamodb('arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2025-11-25T15:47:00.000', 'shardId-1', 'arn:aws:lambda:us-east-1:123456789012:function:f:live'),
    );
    expect(Object.keys(record)).toEqual(['requestContext', 'version', 'timestamp', 'DDBStreamBatchInfo']);
    expect(record.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 1, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f:live' });
    expect(record.DDBStreamBatchInfo!.approximateArrivalOfFirstRecord).toBe('2025-11-25T18:00:00Z');
    expect(record.timestamp).toBe('2025-11-25T19:00:00.000Z');
  });
});

describe('formatArrivalTime and parseDestinationArn', () => {
  it('formats arrival times per service', () => {
    expect(formatArrivalTime(at('2019-11-14T00:38:04.835Z'), 'milliseconds')).toBe('2019-11-14T00:38:04.835Z');
    expect(formatArrivalTime(at('2019-11-14T00:38:04.000Z'), 'milliseconds')).toBe('2019-11-14T00:38:04.000Z');
    expect(formatArrivalTime(at('2019-11-14T00:13:19.999Z'), 'seconds')).toBe('2019-11-14T00:13:19Z');
  });

  it('parses SQS, SNS and S3 ARNs, flags FIFO, refuses the rest', () => {
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:123456789012:failures')).toEqual({
      type: 'sqs',
      arn: 'arn:aws:sqs:us-east-1:123456789012:failures',
      region: 'us-east-1',
      account: '123456789012',
      name: 'failures',
      fifo: false,
    });
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:123456789012:failures.fifo')).toMatchObject({ type: 'sqs', fifo: true });
    expect(parseDestinationArn('arn:aws:sns:eu-west-1:123456789012:topic')).toMatchObject({ type: 'sns', region: 'eu-west-1', name: 'topic', fifo: false });
    expect(parseDestinationArn('arn:aws:sns:eu-west-1:123456789012:topic.fifo')).toMatchObject({ fifo: true });
    expect(parseDestinationArn('arn:aws:s3:::my-bucket')).toMatchObject({ type: 's3', name: 'my-bucket', region: '' });
    expect(parseDestinationArn('arn:aws:lambda:us-east-1:123456789012:function:f')).toBeUndefined();
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:123456789012:')).toBeUndefined();
    expect(parseDestinationArn('failures')).toBeUndefined();
  });
});
