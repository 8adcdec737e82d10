/**
 * The lambda target inside real mappings (Sluice on the test bed, Invoke answered by the
 * fake Lambda): a throttled Invoke (429 TooManyRequestsException) is an invocation error,
 * retried without consuming what limits function errors —
 *   - SQS (sqs.md §6): retried without receiving again, so ApproximateReceiveCount does not
 *     grow and a queue with maxReceiveCount 1 does not send the message to its DLQ;
 *   - Kinesis (streams.md §10): throttled attempts do not count toward
 *     MaximumRetryAttempts, but do count in the on-failure record's approximateInvokeCount,
 *     whose responseContext comes from the Invoke answer (X-Amz-Function-Error,
 *     X-Amz-Executed-Version, x-amzn-RequestId).
 * And the caller's qualifier (FunctionName `name:qualifier`) reaching Invoke's `Qualifier`,
 * limited to the function's configured `qualifiers` (issue #11).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, createStream, getEndpoints, kinesisClient, pollUntil } from '../../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, type TestSluice } from '../../support/sluice.js';
import { queueCounts, queueIsEmpty, receiveFirstMessage } from '../../support/sqs-helpers.js';
import { expectInvalidParameter } from '../../support/api-errors.js';
import { createMapping, sendInOrder, waitForProcessingResult, type SqsRecord } from '../../support/sqs-e2e.js';
import type { KinesisEvent } from '../../support/streams-e2e.js';
import { startFakeLambda, type FakeLambda, type InvokeAnswer, type InvokeRequest } from './fake-lambda.js';

const THROTTLED: InvokeAnswer = {
  status: 429,
  errorType: 'TooManyRequestsException',
  body: '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}',
};

let fake: FakeLambda;
let sluice: TestSluice;
/** How the fake answers, per function name; invocations per function name. */
const behaviours = new Map<string, (request: InvokeRequest, index: number) => InvokeAnswer>();
const invocationsOf = (functionName: string): InvokeRequest[] => fake.requests.filter((r) => r.functionName === functionName);

beforeAll(async () => {
  fake = await startFakeLambda();
  fake.answer((request) => {
    const behaviour = behaviours.get(request.functionName);
    const index = invocationsOf(request.functionName).indexOf(request);
    return behaviour ? behaviour(request, index) : { body: 'null' };
  });
  const emulators = getEndpoints();
  sluice = await startTestSluice({
    aws: {
      services: {
        sqs: { endpoint: emulators.sqs },
        sns: { endpoint: emulators.sns },
        kinesis: { endpoint: emulators.kinesis },
        lambda: { endpoint: fake.endpoint },
      },
    },
    functions: {
      // Function timeouts must not exceed the queues' visibility timeouts (api.md V41).
      'sqs-consumer': { lambda: 'orders-sqs', timeout: 1 },
      'stream-consumer': { lambda: 'arn:aws:lambda:us-east-1:123456789012:function:orders-stream', timeout: 3 },
      billing: { lambda: 'billing-fn', timeout: 1, qualifiers: ['prod', '7'] },
    },
  });
});
afterAll(async () => {
  await sluice?.stop();
  await fake?.close();
});

describe('lambda target in an SQS mapping', () => {
  it('429s are retried on the same receive: no receive count spent, nothing in the DLQ, deleted after the success', async () => {
    const dlq = await createQueue({ prefix: 'lambda-dlq' });
    onTestFinished(dlq.cleanup);
    // maxReceiveCount 1: a single failed receive would move the message to the DLQ.
    const queue = await createQueue({ prefix: 'lambda-throttle', visibilityTimeoutSeconds: 10, redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 1 } });
    onTestFinished(queue.cleanup);
    // Two throttles, then a success: attempts at 0, 1 and 3 s all fit in the 10 s visibility.
    behaviours.set('orders-sqs', (_request, index) => (index < 2 ? THROTTLED : { body: 'null', executedVersion: '$LATEST' }));
    onTestFinished(() => void behaviours.delete('orders-sqs'));

    const uuid = await createMapping(sluice.lambda, { FunctionName: 'sqs-consumer', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, ['order-1']);
    await pollUntil(() => invocationsOf('orders-sqs').length >= 3, { timeoutMs: 15_000, description: 'three Invoke calls' });
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'message deleted' });
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');

    const attempts = invocationsOf('orders-sqs');
    expect(attempts).toHaveLength(3);
    const records = attempts.map((a) => (JSON.parse(a.body) as { Records: SqsRecord[] }).Records);
    for (const [record] of records) {
      expect(record).toMatchObject({ body: 'order-1', receiptHandle: records[0]![0]!.receiptHandle });
      expect(record!.attributes.ApproximateReceiveCount).toBe('1');
    }
    expect(attempts.map((a) => a.invocationType)).toEqual(['RequestResponse', 'RequestResponse', 'RequestResponse']);
    // Backed off between the attempts (1 s, then 2 s).
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(1950);
    expect(await queueCounts(dlq.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 30_000);
});

describe('lambda target in a Kinesis mapping', () => {
  it('MaximumRetryAttempts 0: 2 throttles then a function error = 3 invocations, one on-failure record with the Invoke answer', async () => {
    const stream = await createStream({ prefix: 'lambda-throttle' });
    onTestFinished(stream.cleanup);
    const destination = await createQueue({ prefix: 'lambda-onfailure' });
    onTestFinished(destination.cleanup);
    behaviours.set('arn:aws:lambda:us-east-1:123456789012:function:orders-stream', (_request, index) =>
      index < 2
        ? THROTTLED
        : {
            functionError: 'Unhandled',
            executedVersion: '7',
            requestId: `req-${index}`,
            body: '{"errorType":"Error","errorMessage":"cannot process order"}',
          },
    );
    onTestFinished(() => void behaviours.delete('arn:aws:lambda:us-east-1:123456789012:function:orders-stream'));
    const put = await kinesisClient().send(
      new PutRecordsCommand({ StreamName: stream.streamName, Records: ['a', 'b'].map((d) => ({ PartitionKey: 'k', Data: Buffer.from(d) })) }),
    );
    const sequence = (put.Records ?? []).map((r) => r.SequenceNumber!);

    await createMapping(sluice.lambda, {
      FunctionName: 'stream-consumer',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: destination.queueArn } },
    });
    const message = await receiveFirstMessage(destination.queueUrl, 'on-failure record');

    const attempts = invocationsOf('arn:aws:lambda:us-east-1:123456789012:function:orders-stream');
    // Only the function error counted: with MaximumRetryAttempts 0 it ended the batch at once.
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      const records = (JSON.parse(attempt.body) as { Records: KinesisEvent[] }).Records;
      expect(records.map((r) => r.kinesis.sequenceNumber)).toEqual(sequence);
    }
    const record = JSON.parse(message.Body!) as Record<string, Record<string, unknown>>;
    expect(record.requestContext).toEqual({
      requestId: 'req-2',
      functionArn: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:stream-consumer`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '7', functionError: 'Unhandled' });
    expect(record.KinesisBatchInfo).toMatchObject({ startSequenceNumber: sequence[0], endSequenceNumber: sequence[1], batchSize: 2, streamArn: stream.streamArn });
  }, 30_000);
});

describe('lambda target: qualifiers', () => {
  it('the qualifier of FunctionName reaches Invoke as Qualifier; qualifiers outside the list are refused like an unknown function', async () => {
    const queue = await createQueue({ prefix: 'lambda-qualifier', visibilityTimeoutSeconds: 10 });
    onTestFinished(queue.cleanup);
    // Disabled: nothing polls, and the mapping can be deleted at once.
    const create = (FunctionName: string) =>
      sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName, EventSourceArn: queue.queueArn, BatchSize: 1, Enabled: false }));
    // Outside `qualifiers: [prod, 7]`: an alias, and no qualifier at all ($LATEST).
    await expectInvalidParameter(create('billing:dev'), 'Function does not exist');
    await expectInvalidParameter(create('billing'), 'Function does not exist');
    await expectInvalidParameter(create(`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:billing:$LATEST`), 'Function does not exist');
    // A listed version, in the full ARN form, is accepted.
    const version = await create(`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:billing:7`);
    expect(version.FunctionArn).toBe(`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:billing:7`);
    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: version.UUID! }));

    const uuid = await createMapping(sluice.lambda, { FunctionName: 'billing:prod', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, ['invoice-1']);
    await pollUntil(() => invocationsOf('billing-fn').length >= 1, { timeoutMs: 15_000, description: 'Invoke of billing-fn' });
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
    const [invoke] = invocationsOf('billing-fn');
    expect(invoke).toMatchObject({ qualifier: 'prod', invocationType: 'RequestResponse' });
    expect((JSON.parse(invoke!.body) as { Records: SqsRecord[] }).Records.map((r) => r.body)).toEqual(['invoice-1']);
  }, 30_000);
});
