/**
 * `sluice redrive` (issue #16) as users run it: the built CLI against a running Sluice (in
 * this process), the emulators and Redis. A Kinesis mapping whose function fails for some
 * records discards them to an SQS or S3 on-failure destination; once the function is fixed,
 * a redrive invokes exactly those records again and empties the destination, and a second
 * redrive does nothing. An SQS mapping's DLQ is moved back to its queue and processed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createQueue, createStream, createTableWithStream, dynamoDBClient, getEndpoints, kinesisClient, pollUntil, sqsClient, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { queueCounts, queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { createBucket, readObjects } from '../support/s3.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { SLUICE_BIN, writeConfigFile } from '../support/sluice-child.js';
import { TEST_CREDENTIALS } from '../support/endpoints.js';

const run = promisify(execFile);

let target: RecordingTarget;
let sluice: TestSluice;
let configFile: string;
/** While true the function fails every batch holding a record whose data / body starts with `bad`. */
let broken = true;

type KinesisEvent = { kinesis: { data: string; sequenceNumber: string }; eventSourceARN: string };
type SqsEvent = { body: string; eventSourceARN: string };
type DynamoEvent = { dynamodb?: { Keys: { pk: { S: string } } } };
const dataOf = (e: KinesisEvent) => Buffer.from(e.kinesis.data, 'base64').toString();
const recordsOf = (body: unknown) => (body as { Records?: Array<KinesisEvent & SqsEvent & DynamoEvent> } | undefined)?.Records ?? [];
const textOf = (e: KinesisEvent & SqsEvent & DynamoEvent) => (e.kinesis ? dataOf(e) : e.dynamodb ? e.dynamodb.Keys.pk.S : e.body);

/** The record texts of each invocation from `arn`, from the `from`-th request on. */
const invocationsOf = (arn: string, from = 0) =>
  target.requests
    .slice(from)
    .map((r) => recordsOf(r.body).filter((e) => e.eventSourceARN === arn).map(textOf))
    .filter((texts) => texts.length > 0);

beforeAll(async () => {
  target = await startRecordingTarget();
  target.respondWith((request) => (broken && recordsOf(request.body).some((e) => textOf(e).startsWith('bad')) ? { status: 500, json: { errorMessage: 'still broken' } } : {}));
  sluice = await startTestSluice({ functions: { fn: { http: target.url, timeout: 3 } } });
  const endpoints = getEndpoints();
  // The redrive's config: the same Redis and emulators as the Sluice it talks to.
  configFile = writeConfigFile({
    region: sluice.config.region,
    accountId: sluice.config.accountId,
    redis: { url: sluice.config.redis.url },
    aws: {
      services: {
        sqs: { endpoint: endpoints.sqs },
        s3: { endpoint: endpoints.sqs },
        kinesis: { endpoint: endpoints.kinesis },
        dynamodb: { endpoint: endpoints.dynamodb },
        dynamodbStreams: { endpoint: endpoints.dynamodbStreams },
      },
    },
  });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

async function redrive(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };
  try {
    const { stdout, stderr } = await run(process.execPath, [SLUICE_BIN, 'redrive', ...args, '--config', configFile, '--endpoint-url', sluice.url], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function put(streamName: string, data: string[]): Promise<string[]> {
  const result = await kinesisClient().send(new PutRecordsCommand({ StreamName: streamName, Records: data.map((d) => ({ PartitionKey: 'k', Data: Buffer.from(d) })) }));
  return (result.Records ?? []).map((r) => r.SequenceNumber!);
}

/**
 * A stream with [bad-1, bad-2, ok-1, ok-2, bad-3, x] read in batches of 2 by a mapping that
 * gives up at once: two ranges (bad-1..bad-2, bad-3..x) go to `destination`, the ok batch succeeds.
 */
async function failTwoRanges(destination: string): Promise<{ streamArn: string; uuid: string }> {
  const stream = await createStream();
  onTestFinished(stream.cleanup);
  await put(stream.streamName, ['bad-1', 'bad-2', 'ok-1', 'ok-2', 'bad-3', 'x']);
  const mapping = await sluice.lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 2,
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: destination } },
    }),
  );
  await pollUntil(() => invocationsOf(stream.streamArn).some((texts) => texts.join() === 'bad-3,x'), { description: 'the last batch invoked', timeoutMs: 20_000 });
  return { streamArn: stream.streamArn, uuid: mapping.UUID! };
}

describe('sluice redrive (e2e)', { timeout: 90_000 }, () => {
  it('from an SQS destination: fails again while broken (exit 1, kept), redrives once fixed (exit 0, emptied), then does nothing', async () => {
    broken = true;
    const destination = await createQueue();
    onTestFinished(destination.cleanup);
    const { streamArn, uuid } = await failTwoRanges(destination.queueArn);
    await pollUntil(async () => (await queueCounts(destination.queueUrl)).visible === 2, { description: 'two on-failure records', timeoutMs: 20_000 });

    const dry = await redrive('--mapping', uuid, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout.match(/^would +\S+ \d+\.\.\d+: 2 record\(s\) in 1 batch\(es\)$/gm)).toHaveLength(2);
    // A dry run invokes nothing and leaves the records where they were, visible.
    expect((await queueCounts(destination.queueUrl)).visible).toBe(2);

    let seen = target.requests.length;
    const stillBroken = await redrive('--mapping', uuid);
    expect(stillBroken.code).toBe(1);
    expect(stillBroken.stdout).toMatch(/^ {2}failed again +2$/m);
    expect(stillBroken.stdout).toMatch(/function error \(Unhandled/);
    expect(invocationsOf(streamArn, seen)).toHaveLength(2);
    expect((await queueCounts(destination.queueUrl)).visible).toBe(2);

    broken = false;
    seen = target.requests.length;
    const fixed = await redrive('--mapping', uuid);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^ {2}redriven +2$/m);
    expect(fixed.stdout).toMatch(/^records invoked +4$/m);
    // Exactly the failed records, in their batches, nothing of the batch that had succeeded.
    expect(invocationsOf(streamArn, seen).map((texts) => texts.join()).sort()).toEqual(['bad-1,bad-2', 'bad-3,x']);
    expect(await queueIsEmpty(destination.queueUrl)).toBe(true);

    seen = target.requests.length;
    const again = await redrive('--mapping', uuid);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ranges +0$/m);
    expect(target.requests.length).toBe(seen);
  });

  it('a record whose range succeeded before (a crash before its removal) is removed without invoking; a range the stream lacks records of is reported as trimmed', async () => {
    broken = true;
    const destination = await createQueue();
    onTestFinished(destination.cleanup);
    const { streamArn, uuid } = await failTwoRanges(destination.queueArn);
    await pollUntil(async () => (await queueCounts(destination.queueUrl)).visible === 2, { description: 'two on-failure records', timeoutMs: 20_000 });
    const received = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: destination.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    const bodies = (received.Messages ?? []).map((m) => m.Body!);
    expect(bodies).toHaveLength(2);
    for (const message of received.Messages ?? []) {
      await sqsClient().send(new ChangeMessageVisibilityCommand({ QueueUrl: destination.queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
    broken = false;
    expect((await redrive('--mapping', uuid)).code).toBe(0);

    // The same record again (as if the run died after the range succeeded), and one claiming more records than its range holds.
    const record = JSON.parse(bodies[0]!) as { KinesisBatchInfo: { batchSize: number }; requestContext: { requestId: string } };
    const longer = { ...record, requestContext: { ...record.requestContext, requestId: 'another-discard' }, KinesisBatchInfo: { ...record.KinesisBatchInfo, batchSize: 5 } };
    await sqsClient().send(new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: bodies[0]! }));
    await sqsClient().send(new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(longer) }));
    const seen = target.requests.length;
    const result = await redrive('--mapping', uuid);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ {2}already done +1$/m);
    expect(result.stdout).toMatch(/^records trimmed +3$/m);
    expect(result.stdout).toMatch(/3 record\(s\) trimmed: 2 of 5 records of \d+\.\.\d+ found in /);
    // Only the longer record's two surviving records were invoked.
    expect(invocationsOf(streamArn, seen)).toHaveLength(1);
    expect(await queueIsEmpty(destination.queueUrl)).toBe(true);
  });

  it('from an S3 destination: the objects Sluice wrote for the mapping are redriven and deleted', async () => {
    broken = true;
    const bucket = await createBucket({ prefix: 'redrive' });
    onTestFinished(bucket.cleanup);
    const { streamArn, uuid } = await failTwoRanges(bucket.bucketArn);
    await pollUntil(async () => (await readObjects(bucket.bucketName)).length === 2, { description: 'two on-failure objects', timeoutMs: 20_000 });
    broken = false;
    const seen = target.requests.length;
    const result = await redrive('--mapping', uuid, '--limit', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}redriven +1$/m);
    expect(await readObjects(bucket.bucketName)).toHaveLength(1);
    const rest = await redrive('--mapping', uuid);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/^ {2}redriven +1$/m);
    expect(invocationsOf(streamArn, seen).map((texts) => texts.join()).sort()).toEqual(['bad-1,bad-2', 'bad-3,x']);
    expect(await readObjects(bucket.bucketName)).toHaveLength(0);
    const again = await redrive('--mapping', uuid);
    expect(again.stdout).toMatch(/^ranges +0$/m);
  });

  it('a DynamoDB stream mapping: its failed items are read again from the stream and invoked', async () => {
    broken = true;
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const destination = await createQueue();
    onTestFinished(destination.cleanup);
    for (const pk of ['bad-1', 'bad-2']) await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: pk } } }));
    const mapping = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fn',
        EventSourceArn: table.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: destination.queueArn } },
      }),
    );
    await pollUntil(() => invocationsOf(table.streamArn).flat().length >= 2, { description: 'both items invoked', timeoutMs: 20_000 });
    const failedInvocations = invocationsOf(table.streamArn).length;
    await pollUntil(async () => (await queueCounts(destination.queueUrl)).visible === failedInvocations, { description: 'on-failure records', timeoutMs: 20_000 });
    broken = false;
    const seen = target.requests.length;
    const result = await redrive('--mapping', mapping.UUID!);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^records invoked +2$/m);
    expect(invocationsOf(table.streamArn, seen).flat()).toEqual(['bad-1', 'bad-2']);
    expect(await queueIsEmpty(destination.queueUrl)).toBe(true);
  });

  it('SQS: the DLQ is moved back to the source queue (attributes kept), whose mapping then processes the messages', async () => {
    broken = true;
    const dlq = await createQueue({ prefix: 'dlq' });
    onTestFinished(dlq.cleanup);
    const queue = await createQueue({ visibilityTimeoutSeconds: 3, redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 1 } });
    onTestFinished(queue.cleanup);
    await sendMessages(queue.queueUrl, [
      { MessageBody: 'bad-a', MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } } },
      'bad-b',
      'bad-c',
    ]);
    const uuid = (await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn, BatchSize: 10 }))).UUID!;
    await pollUntil(async () => (await queueCounts(dlq.queueUrl)).visible === 3, { description: 'three messages in the DLQ', timeoutMs: 30_000 });

    const dry = await redrive('--mapping', uuid, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout.match(/^would move {2}message /gm)).toHaveLength(3);
    expect((await queueCounts(dlq.queueUrl)).visible).toBe(3);

    broken = false;
    const seen = target.requests.length;
    const moved = await redrive('--mapping', uuid);
    expect(moved.stderr).toBe('');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^ {2}moved +3$/m);
    await pollUntil(() => invocationsOf(queue.queueArn, seen).flat().length >= 3, { description: 'moved messages processed', timeoutMs: 20_000 });
    expect(invocationsOf(queue.queueArn, seen).flat().sort()).toEqual(['bad-a', 'bad-b', 'bad-c']);
    const withAttribute = target.requests
      .slice(seen)
      .flatMap((r) => (r.body as { Records?: Array<{ body: string; messageAttributes: Record<string, { stringValue?: string }> }> }).Records ?? [])
      .find((e) => e.body === 'bad-a');
    expect(withAttribute?.messageAttributes.origin?.stringValue).toBe('test');
    await pollUntil(() => queueIsEmpty(dlq.queueUrl), { description: 'DLQ empty' });
  });

  it('could not start (exit 2): an SNS destination cannot be read back; an unknown mapping', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const mapping = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', Enabled: false }),
    );
    const sns = await redrive('--mapping', mapping.UUID!, '--from', 'arn:aws:sns:us-east-1:000000000000:failures');
    expect(sns.code).toBe(2);
    expect(sns.stderr).toMatch(/^sluice redrive: the on-failure destination arn:aws:sns:\S+ is an SNS topic: SNS cannot be read back/);
    const none = await redrive('--mapping', mapping.UUID!);
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/has no on-failure destination: give the queue or bucket to read with --from/) as unknown });
    const unknown = await redrive('--mapping', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/mapping 00000000-0000-4000-8000-000000000000 does not exist/);
  });
});
