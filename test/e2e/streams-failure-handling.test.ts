/**
 * Stream failure handling end to end (streams.md §12–§14): retries exhausted go to the
 * on-failure destination with Lambda's record shape (SQS; S3 with the records' payload),
 * and bisect isolates a poison record.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createQueue, createStream, kinesisClient, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { receiveFirstMessage } from '../support/sqs-helpers.js';
import { createBucket, readObjects } from '../support/s3.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, type TestSluice } from '../support/sluice.js';

let target: RecordingTarget;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  sluice = await startTestSluice({ functions: { fn: { http: target.url, timeout: 3 } } });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

type KinesisEvent = { kinesis: { data: string; sequenceNumber: string }; eventSourceARN: string };
const dataOf = (e: KinesisEvent) => Buffer.from(e.kinesis.data, 'base64').toString();
const invocationsOf = (arn: string) =>
  target.requests
    .map((r) => ((r.body as { Records?: KinesisEvent[] })?.Records ?? []).filter((e) => e.eventSourceARN === arn))
    .filter((records) => records.length > 0);

async function put(streamName: string, data: string[]): Promise<string[]> {
  const result = await kinesisClient().send(
    new PutRecordsCommand({ StreamName: streamName, Records: data.map((d) => ({ PartitionKey: 'k', Data: Buffer.from(d) })) }),
  );
  return (result.Records ?? []).map((r) => r.SequenceNumber!);
}

describe('stream failure handling', () => {
  it('MaximumRetryAttempts 1: two invocations, then the batch goes to the SQS on-failure destination and the shard moves on', async () => {
    const stream = await createStream();
    const destination = await createQueue();
    onTestFinished(stream.cleanup);
    onTestFinished(destination.cleanup);
    target.respondWith((request) =>
      ((request.body as { Records?: KinesisEvent[] })?.Records ?? []).some((e) => e.eventSourceARN === stream.streamArn && dataOf(e).startsWith('bad'))
        ? { status: 500, json: { errorMessage: 'boom' } }
        : {},
    );
    onTestFinished(() => target.respondWith({}));
    const sequence = await put(stream.streamName, ['bad-1', 'bad-2']);
    await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fn',
        EventSourceArn: stream.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: destination.queueArn } },
      }),
    );
    const message = await receiveFirstMessage(destination.queueUrl, 'on-failure message');
    const record = JSON.parse(message.Body!) as Record<string, unknown>;
    expect(record.requestContext).toMatchObject({
      functionArn: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:fn`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(record.responseContext).toMatchObject({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(record.KinesisBatchInfo).toMatchObject({
      shardId: stream.shardIds[0],
      startSequenceNumber: sequence[0],
      endSequenceNumber: sequence[1],
      batchSize: 2,
      streamArn: stream.streamArn,
    });
    expect(invocationsOf(stream.streamArn)).toHaveLength(2);
    // The shard moved on: a new record is delivered.
    await put(stream.streamName, ['good']);
    await pollUntil(() => invocationsOf(stream.streamArn).some((records) => records.map(dataOf).includes('good')), { description: 'next record' });
  });

  it('BisectBatchOnFunctionError isolates one poison record; the others are delivered successfully', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    target.respondWith((request) =>
      ((request.body as { Records?: KinesisEvent[] })?.Records ?? []).some((e) => e.eventSourceARN === stream.streamArn && dataOf(e) === 'poison')
        ? { status: 500, json: { errorMessage: 'poison' } }
        : {},
    );
    onTestFinished(() => target.respondWith({}));
    const data = ['a', 'b', 'c', 'poison', 'e', 'f', 'g', 'h'];
    await put(stream.streamName, data);
    await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fn',
        EventSourceArn: stream.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 8,
        MaximumRetryAttempts: 0,
        BisectBatchOnFunctionError: true,
      }),
    );
    await pollUntil(() => invocationsOf(stream.streamArn).some((r) => r.length === 1 && dataOf(r[0]!) === 'poison'), {
      description: 'poison record alone',
      timeoutMs: 30_000,
    });
    await pollUntil(
      () => {
        const succeeded = new Set(invocationsOf(stream.streamArn).filter((r) => !r.map(dataOf).includes('poison')).flatMap((r) => r.map(dataOf)));
        return data.filter((d) => d !== 'poison').every((d) => succeeded.has(d));
      },
      { description: 'every other record in a successful invocation', timeoutMs: 30_000 },
    );
    expect(invocationsOf(stream.streamArn)[0]!.map(dataOf)).toEqual(data);
  });
  it('an S3 on-failure destination gets the record with the discarded records as `payload`, under the spec key', async () => {
    const stream = await createStream();
    const bucket = await createBucket({ prefix: 'esm-failures' });
    onTestFinished(stream.cleanup);
    onTestFinished(bucket.cleanup);
    target.respondWith((request) =>
      ((request.body as { Records?: KinesisEvent[] })?.Records ?? []).some((e) => e.eventSourceARN === stream.streamArn)
        ? { status: 500, json: { errorMessage: 'boom' } }
        : {},
    );
    onTestFinished(() => target.respondWith({}));
    const sequence = await put(stream.streamName, ['s3-1', 's3-2']);
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fn',
        EventSourceArn: stream.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: bucket.bucketArn } },
      }),
    );
    const [object] = await pollUntil(async () => {
      const objects = await readObjects(bucket.bucketName);
      return objects.length > 0 ? objects : undefined;
    }, { description: 'the on-failure object', timeoutMs: 20_000 });
    expect(object!.key).toMatch(new RegExp(`^aws/lambda/${UUID}/${stream.shardIds[0]}/\\d{4}/\\d\\d/\\d\\d/\\d{4}-\\d\\d-\\d\\dT\\d\\d\\.\\d\\d\\.\\d\\d-[0-9a-f-]{36}$`));
    expect(object!.contentType).toBe('application/json');
    const record = JSON.parse(object!.body) as Record<string, unknown>;
    expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 });
    expect(record.KinesisBatchInfo).toMatchObject({ startSequenceNumber: sequence[0], endSequenceNumber: sequence[1], batchSize: 2 });
    // The payload is the event exactly as the target received it.
    expect(typeof record.payload).toBe('string');
    const invoked = target.requests.find((r) => ((r.body as { Records?: KinesisEvent[] })?.Records ?? [])[0]?.eventSourceARN === stream.streamArn)!;
    expect(record.payload).toBe(invoked.rawBody);
    expect(Object.keys(record).at(-1)).toBe('payload');
  });
});
