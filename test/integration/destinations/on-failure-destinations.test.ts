/**
 * On-failure records delivered to real destinations on fauxqs (streams.md §14.2): an SQS
 * queue (GetQueueUrl + SendMessage), an SNS topic with an SQS subscriber (Publish; the
 * subscriber sees the record as the Message of a notification), an S3 bucket (PutObject
 * through the S3 client Sluice builds itself); and the failures LastProcessingResult
 * reports (api.md §6.2).
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema, loadConfig } from '../../../src/config/index.js';
import {
  OnFailureDestinations,
  buildOnFailureRecord,
  destinationProblem,
  type OnFailureRecord,
  type OnFailureRecordContext,
} from '../../../src/destinations/index.js';
import { createBatchState, runStreamBatch } from '../../../src/sources/streams/policy/index.js';
import type { InvocationOutcome } from '../../../src/targets/target.js';
import { createQueue, getEndpoints, pollUntil, snsClient, sqsClient, uniqueName } from '../../support/index.js';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS } from '../../support/endpoints.js';
import { createBucket, readObjects, s3Endpoint, type StoredObject } from '../../support/s3.js';

/** Sluice's clients take credentials from the SDK's default chain (environment). */
function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
}

/** AwsClients built the way Sluice builds them, SQS, SNS and S3 on fauxqs (or `endpoint`). */
function testClients(endpoint?: string): AwsClients {
  useTestCredentials();
  const endpoints = getEndpoints();
  const config = configSchema.parse({
    region: endpoints.region,
    aws: { services: { sqs: { endpoint: endpoint ?? endpoints.sqs }, sns: { endpoint: endpoint ?? endpoints.sns }, s3: { endpoint: endpoint ?? s3Endpoint() } } },
  });
  const clients = new AwsClients(config);
  onTestFinished(() => clients.destroy());
  return clients;
}

/** Short retry delays: the 1 s / 2 s / 4 s schedule itself is covered by the unit tests. */
const fast = { retryDelaysMs: [10, 20, 40] };

const context: OnFailureRecordContext = {
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function',
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/my-stream',
  batchInfoKey: 'KinesisBatchInfo',
  arrivalTimePrecision: 'milliseconds',
};

function sampleRecord(): OnFailureRecord {
  return buildOnFailureRecord(
    {
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
      endSequenceNumber: '49658123456789012345678901234567890123456789012345678905',
      approximateArrivalOfFirstRecord: Date.parse('2025-11-25T16:50:01.250Z'),
      approximateArrivalOfLastRecord: Date.parse('2025-11-25T16:50:02.750Z'),
      batchSize: 5,
      approximateInvokeCount: 3,
      requestId: 'c9b8fa9f-5a7f-4f0e-af9c-0c604cde93a5',
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      discardedAt: Date.parse('2025-11-25T16:50:20.118Z'),
    },
    context,
  );
}

async function receiveOne(queueUrl: string): Promise<Message> {
  const messages = await pollUntil(
    async () => {
      const answer = await sqsClient().send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      return answer.Messages?.length ? answer.Messages : undefined;
    },
    { timeoutMs: 10_000, description: `a message on ${queueUrl}` },
  );
  expect(messages).toHaveLength(1);
  return messages[0]!;
}

async function expectEmpty(queueUrl: string): Promise<void> {
  const answer = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  expect(answer.Messages ?? []).toEqual([]);
}

async function createTopic(name = uniqueName('failures')): Promise<string> {
  const topic = await snsClient().send(new CreateTopicCommand({ Name: name, ...(name.endsWith('.fifo') ? { Attributes: { FifoTopic: 'true' } } : {}) }));
  const topicArn = topic.TopicArn!;
  onTestFinished(async () => {
    await snsClient().send(new DeleteTopicCommand({ TopicArn: topicArn }));
  });
  return topicArn;
}

describe('SQS destination', () => {
  it('SendMessage: the body is the record JSON, byte for byte, without message attributes', async () => {
    const queue = await createQueue({ prefix: 'onfailure' });
    onTestFinished(queue.cleanup);
    const record = sampleRecord();
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });

    const outcome = await destinations.deliver(queue.queueArn, record);
    expect(outcome).toEqual({ delivered: true, destinationType: 'sqs', calls: 1 });
    const message = await receiveOne(queue.queueUrl);
    expect(message.Body).toBe(JSON.stringify(record));
    expect(JSON.parse(message.Body!)).toEqual(record);
    expect(message.MessageAttributes).toBeUndefined();
  });

  it('records of a batch discarded by the policy, delivered in order', async () => {
    const queue = await createQueue({ prefix: 'onfailure-policy' });
    onTestFinished(queue.cleanup);
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const start = Date.parse('2025-11-25T19:00:00.000Z');
    let clock = start;
    const input = Array.from({ length: 8 }, (_, i) => ({ sequenceNumber: String(100 + i), arrivalTime: start + i }));
    const fail: InvocationOutcome = { kind: 'function-error', functionError: 'Unhandled', errorMessage: 'x', requestId: 'req-x', executedVersion: '$LATEST', durationMs: 1 };
    const ok: InvocationOutcome = { kind: 'success', response: null, responseIsJson: true, requestId: 'req-ok', executedVersion: '$LATEST', durationMs: 1 };
    const result = await runStreamBatch({
      state: createBatchState(input, clock),
      config: { maximumRetryAttempts: 0, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: true, reportBatchItemFailures: false },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      // Records 101 and 106 are poison.
      invoke: async (action) => (action.indices.some((i) => i === 1 || i === 6) ? fail : ok),
    });
    if (result.kind !== 'ended') throw new Error('batch did not end');
    expect(result.checkpoint).toBe('107');
    for (const group of result.discards) {
      expect(await destinations.deliver(queue.queueArn, buildOnFailureRecord(group, context))).toMatchObject({ delivered: true });
    }
    const bodies: OnFailureRecord[] = [];
    await pollUntil(
      async () => {
        const answer = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of answer.Messages ?? []) bodies.push(JSON.parse(m.Body!) as OnFailureRecord);
        return bodies.length >= 2;
      },
      { description: 'two on-failure records' },
    );
    const ranges = bodies.map((b) => [b.KinesisBatchInfo!.startSequenceNumber, b.KinesisBatchInfo!.endSequenceNumber, b.KinesisBatchInfo!.batchSize]);
    expect(ranges.sort()).toEqual([
      ['101', '101', 1],
      ['106', '106', 1],
    ]);
    expect(bodies.every((b) => b.requestContext.condition === 'RetryAttemptsExhausted' && b.responseContext?.functionError === 'Unhandled')).toBe(true);
  });

  it('a missing queue: tried 4 times, then reported with the service error code', async () => {
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const arn = `arn:aws:sqs:us-east-1:${TEST_ACCOUNT_ID}:${uniqueName('missing')}`;
    const outcome = await destinations.deliver(arn, sampleRecord());
    expect(outcome.delivered).toBe(false);
    if (outcome.delivered) return;
    expect(outcome.calls).toBe(4);
    expect(outcome.errorCode).toMatch(/NonExistentQueue|QueueDoesNotExist/);
    expect(outcome.lastProcessingResult).toBe(destinationProblem(outcome.errorCode));
    expect(outcome.aborted).toBe(false);
  });

  it('a FIFO queue: refused without a call, nothing sent', async () => {
    const queue = await createQueue({ prefix: 'onfailure', fifo: true, contentBasedDeduplication: true });
    onTestFinished(queue.cleanup);
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const outcome = await destinations.deliver(queue.queueArn, sampleRecord());
    expect(outcome).toMatchObject({
      delivered: false,
      calls: 0,
      errorCode: 'FifoDestinationNotSupported',
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: FifoDestinationNotSupported',
    });
    await expectEmpty(queue.queueUrl);
  });

  it('an unreachable endpoint: reported with the network error code', async () => {
    const destinations = new OnFailureDestinations({ clients: testClients('http://127.0.0.1:1'), retryDelaysMs: [10] });
    const outcome = await destinations.deliver(`arn:aws:sqs:us-east-1:${TEST_ACCOUNT_ID}:anything`, sampleRecord());
    expect(outcome).toMatchObject({ delivered: false, calls: 2, errorCode: 'ECONNREFUSED' });
  });
});

describe('SNS destination', () => {
  it('Publish: an SQS subscriber gets a notification whose Message is the record JSON, without subject', async () => {
    const topicArn = await createTopic();
    const queue = await createQueue({ prefix: 'onfailure-sub' });
    onTestFinished(queue.cleanup);
    await snsClient().send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.queueArn }));
    const record = sampleRecord();
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });

    expect(await destinations.deliver(topicArn, record)).toEqual({ delivered: true, destinationType: 'sns', calls: 1 });
    const message = await receiveOne(queue.queueUrl);
    const notification = JSON.parse(message.Body!) as Record<string, unknown>;
    expect(notification).toMatchObject({ Type: 'Notification', TopicArn: topicArn, Message: JSON.stringify(record) });
    expect(notification.Subject ?? undefined).toBeUndefined();
    expect(notification.MessageAttributes ?? {}).toEqual({});
    expect(JSON.parse(notification.Message as string)).toEqual(record);
  });

  it('a missing topic: tried 4 times, then reported as NotFound', async () => {
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const outcome = await destinations.deliver(`arn:aws:sns:us-east-1:${TEST_ACCOUNT_ID}:${uniqueName('missing')}`, sampleRecord());
    expect(outcome).toMatchObject({
      delivered: false,
      destinationType: 'sns',
      calls: 4,
      errorCode: 'NotFound',
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: NotFound',
    });
  });

  it('a FIFO topic: refused without a call', async () => {
    const topicArn = await createTopic(`${uniqueName('failures')}.fifo`);
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    expect(await destinations.deliver(topicArn, sampleRecord())).toMatchObject({ delivered: false, calls: 0, errorCode: 'FifoDestinationNotSupported' });
  });
});

describe('S3 destination (PutObject through the s3 client Sluice builds)', () => {
  const uuidV4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
  /** The event of the discarded record, as a target received it (streams.md §14.2 example). */
  const payload = JSON.stringify({
    Records: [
      {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'custom',
          sequenceNumber: '49658123456789012345678901234567890123456789012345678901',
          data: 'eyJpbnB1dCI6ICJoZWxsbyJ9',
          approximateArrivalTimestamp: 1764089401.25,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: 'shardId-000000000000:49658123456789012345678901234567890123456789012345678901',
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/my-stream',
      },
    ],
  });

  it('key aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>, application/json, body = record + payload', async () => {
    const bucket = await createBucket({ prefix: 'onfailure' });
    onTestFinished(bucket.cleanup);
    // No writer injected: OnFailureDestinations builds one from its clients.
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const record = sampleRecord();
    const mappingId = randomUUID();
    const outcome = await destinations.deliver(bucket.bucketArn, record, { mappingId, payload: () => payload });
    expect(outcome).toEqual({ delivered: true, destinationType: 's3', calls: 1 });

    const objects = await readObjects(bucket.bucketName);
    expect(objects).toHaveLength(1);
    const [object] = objects as [StoredObject];
    // record.timestamp is 2025-11-25T16:50:20.118Z: the key's date and time are the discard time in UTC.
    expect(object.key).toMatch(new RegExp(`^aws/lambda/${mappingId}/shardId-000000000000/2025/11/25/2025-11-25T16\\.50\\.20-${uuidV4}$`));
    expect(object.contentType).toBe('application/json');

    const body = JSON.parse(object.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'KinesisBatchInfo', 'payload']);
    expect(body.requestContext).toEqual({
      requestId: 'c9b8fa9f-5a7f-4f0e-af9c-0c604cde93a5',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(body.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(body.version).toBe('1.0');
    expect(body.timestamp).toBe('2025-11-25T16:50:20.118Z');
    expect(body.KinesisBatchInfo).toEqual({
      shardId: 'shardId-000000000000',
      startSequenceNumber: '49658123456789012345678901234567890123456789012345678901',
      endSequenceNumber: '49658123456789012345678901234567890123456789012345678905',
      approximateArrivalOfFirstRecord: '2025-11-25T16:50:01.250Z',
      approximateArrivalOfLastRecord: '2025-11-25T16:50:02.750Z',
      batchSize: 5,
      streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/my-stream',
    });
    // payload is the event as an escaped JSON string, not an object (§14.2).
    expect(typeof body.payload).toBe('string');
    expect(body.payload).toBe(payload);
    expect(object.body).toBe(JSON.stringify({ ...record, payload }));
  });

  it('a DynamoDB record without responseContext (RecordAgeExceeded), endpoint from AWS_ENDPOINT_URL_S3', async () => {
    const bucket = await createBucket({ prefix: 'onfailure-ddb' });
    onTestFinished(bucket.cleanup);
    const endpoints = getEndpoints();
    // Only S3 has an endpoint: the environment variable alone routes PutObject to fauxqs.
    const config = loadConfig({ env: { AWS_REGION: endpoints.region, AWS_ENDPOINT_URL_S3: s3Endpoint() }, cwd: tmpdir() });
    expect(config.aws.services.s3.endpoint).toBe(s3Endpoint());
    useTestCredentials();
    const clients = new AwsClients(config);
    onTestFinished(() => clients.destroy());
    // Path-style URLs against a custom endpoint (no `<bucket>.<host>` DNS needed); AWS' default without one.
    expect(clients.get('s3').config.forcePathStyle).toBe(true);
    const onAws = new AwsClients(configSchema.parse({}));
    onTestFinished(() => onAws.destroy());
    expect(onAws.get('s3').config.forcePathStyle).toBe(false);
    const destinations = new OnFailureDestinations({ clients, ...fast });
    const record = buildOnFailureRecord(
      {
        condition: 'RecordAgeExceeded',
        startSequenceNumber: '100000000000000000001',
        endSequenceNumber: '100000000000000000002',
        approximateArrivalOfFirstRecord: Date.parse('2025-11-25T15:51:20.400Z'),
        approximateArrivalOfLastRecord: Date.parse('2025-11-25T15:51:21.900Z'),
        batchSize: 2,
        approximateInvokeCount: 1,
        discardedAt: Date.parse('2025-01-02T03:04:05.006Z'),
      },
      {
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function:live',
        shardId: 'shardId-00000001732500000000-1a2b3c4d',
        streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/my-table/stream/2025-11-25T15:47:00.000',
        batchInfoKey: 'DDBStreamBatchInfo',
        arrivalTimePrecision: 'seconds',
      },
    );
    const ddbPayload = '{"Records":[{"eventName":"INSERT"},{"eventName":"MODIFY"}]}';
    const mappingId = randomUUID();
    expect(await destinations.deliver(bucket.bucketArn, record, { mappingId, payload: () => ddbPayload })).toMatchObject({ delivered: true });

    const [object] = (await readObjects(bucket.bucketName)) as [StoredObject];
    expect(object.key).toMatch(new RegExp(`^aws/lambda/${mappingId}/shardId-00000001732500000000-1a2b3c4d/2025/01/02/2025-01-02T03\\.04\\.05-${uuidV4}$`));
    expect(object.contentType).toBe('application/json');
    const body = JSON.parse(object.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['requestContext', 'version', 'timestamp', 'DDBStreamBatchInfo', 'payload']);
    expect(body.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 1, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function:live' });
    expect((body.requestContext as { requestId: string }).requestId).toMatch(new RegExp(`^${uuidV4}$`));
    expect(body.DDBStreamBatchInfo).toMatchObject({ approximateArrivalOfFirstRecord: '2025-11-25T15:51:20Z', approximateArrivalOfLastRecord: '2025-11-25T15:51:21Z', batchSize: 2 });
    expect(body.payload).toBe(ddbPayload);
  });

  it('two discards of the same second get two objects (the random UUID keeps keys apart)', async () => {
    const bucket = await createBucket({ prefix: 'onfailure-twice' });
    onTestFinished(bucket.cleanup);
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const mappingId = randomUUID();
    for (let i = 0; i < 2; i++) {
      expect(await destinations.deliver(bucket.bucketArn, sampleRecord(), { mappingId, payload: () => payload })).toMatchObject({ delivered: true });
    }
    const keys = (await readObjects(bucket.bucketName)).map((o) => o.key);
    expect(new Set(keys).size).toBe(2);
  });

  it('a missing bucket: tried 4 times, then reported with the S3 error code', async () => {
    const destinations = new OnFailureDestinations({ clients: testClients(), ...fast });
    const outcome = await destinations.deliver(`arn:aws:s3:::${uniqueName('nobucket').toLowerCase()}`, sampleRecord(), {
      mappingId: 'm',
      payload: () => '{"Records":[]}',
    });
    expect(outcome).toMatchObject({
      delivered: false,
      destinationType: 's3',
      calls: 4,
      errorCode: 'NoSuchBucket',
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: NoSuchBucket',
    });
  });
});
