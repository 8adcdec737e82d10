/**
 * On-failure records delivered to real destinations on fauxqs (streams.md §14.2): an SQS
 * queue (GetQueueUrl + SendMessage), an SNS topic with an SQS subscriber (Publish; the
 * subscriber sees the record as the Message of a notification), an S3 bucket through an
 * S3ObjectWriter; and the failures LastProcessingResult reports (api.md §6.2).
 */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
// Test-only: the S3 side of the writer Sluice would wire (fauxqs serves S3 on the same port).
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema } from '../../../src/config/index.js';
import {
  OnFailureDestinations,
  buildOnFailureRecord,
  destinationProblem,
  type OnFailureRecord,
  type OnFailureRecordContext,
  type S3ObjectWriter,
} from '../../../src/destinations/index.js';
import { createBatchState, runStreamBatch } from '../../../src/pipeline/streams/index.js';
import type { InvocationOutcome } from '../../../src/targets/target.js';
import { awsClientConfig, createQueue, getEndpoints, pollUntil, snsClient, sqsClient, uniqueName } from '../../support/index.js';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS } from '../../support/endpoints.js';

/** AwsClients built the way Sluice builds them, SQS and SNS on fauxqs (or `endpoint`). */
function testClients(endpoint?: string): AwsClients {
  // Sluice's clients take credentials from the SDK's default chain (environment).
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
  const endpoints = getEndpoints();
  const config = configSchema.parse({
    region: endpoints.region,
    aws: { services: { sqs: { endpoint: endpoint ?? endpoints.sqs }, sns: { endpoint: endpoint ?? endpoints.sns } } },
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

describe('S3 destination (through an S3ObjectWriter)', () => {
  const s3 = new S3Client({ ...awsClientConfig('sqs'), forcePathStyle: true });
  afterAll(() => s3.destroy());
  const writer: S3ObjectWriter = {
    putObject: async ({ bucket, key, body, contentType }) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
  };

  it('PutObject under aws/lambda/<mapping>/<shard>/YYYY/MM/DD/..., body = record + payload', async () => {
    const bucket = uniqueName('onfailure').toLowerCase().replace(/_/g, '-');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const destinations = new OnFailureDestinations({ clients: testClients(), s3: writer, ...fast });
    const record = sampleRecord();
    const payload = '{"Records":[{"kinesis":{"data":"aGk="}}]}';
    const outcome = await destinations.deliver(`arn:aws:s3:::${bucket}`, record, { mappingId: 'mapping-uuid', payload: () => payload });
    expect(outcome).toEqual({ delivered: true, destinationType: 's3', calls: 1 });

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^aws\/lambda\/mapping-uuid\/shardId-000000000000\/2025\/11\/25\/2025-11-25T16\.50\.20-[0-9a-f-]{36}$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0]! }));
    expect(await object.Body!.transformToString()).toBe(JSON.stringify({ ...record, payload }));
  });

  it('a missing bucket: reported with the S3 error code', async () => {
    const destinations = new OnFailureDestinations({ clients: testClients(), s3: writer, ...fast });
    const outcome = await destinations.deliver(`arn:aws:s3:::${uniqueName('nobucket').toLowerCase()}`, sampleRecord(), {
      mappingId: 'm',
      payload: () => '{"Records":[]}',
    });
    expect(outcome).toMatchObject({ delivered: false, calls: 4, errorCode: 'NoSuchBucket' });
  });
});
