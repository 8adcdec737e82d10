/**
 * A FunctionName change moves a mapping's data plane (api.md §3.1): batches read after the
 * Update settles go to the new function's target, for SQS and for a stream, and nothing is
 * lost or replayed across the change.
 */
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createQueue, createStream, pollUntil, startRecordingTarget, type RecordedRequest, type RecordingTarget } from '../support/index.js';
import { startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { createMapping } from '../support/sqs-e2e.js';
import { dataOf, putKinesis, streamRecordsIn } from '../support/streams-e2e.js';

let target: RecordingTarget;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  sluice = await startTestSluice({ functions: { first: { http: `${target.url}/first`, timeout: 3 }, second: { http: `${target.url}/second`, timeout: 3 } } });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

type Body = { Records?: { body?: string; eventSourceARN?: string }[] };
const bodiesAt = (path: string, arn: string) =>
  target.requests
    .filter((r: RecordedRequest) => r.path === path)
    .flatMap((r) => ((r.body as Body).Records ?? []).filter((record) => record.eventSourceARN === arn).map((record) => record.body));

async function moveTo(uuid: string, functionName: string): Promise<void> {
  await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: functionName }));
  await waitForState(sluice.lambda, uuid, 'Enabled');
}

describe.concurrent('a FunctionName change', () => {
  it('SQS: messages sent after the Update settled go to the new function only', async ({ expect, onTestFinished }) => {
    // The old poller's long polls are aborted at the change, but SQS (fauxqs too) keeps an
    // aborted long poll open on its side and may hand it a message, which then comes back
    // only after the visibility timeout (a known SQS behaviour for any consumer that stops):
    // a short visibility keeps that wait short here. Nothing is lost either way.
    const queue = await createQueue({ visibilityTimeoutSeconds: 4 });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'first', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendMessages(queue.queueUrl, ['before']);
    await pollUntil(() => bodiesAt('/first', queue.queueArn).includes('before') || undefined, { description: 'before at the first function' });
    await moveTo(uuid, 'second');
    await sendMessages(queue.queueUrl, ['after']);
    await pollUntil(() => bodiesAt('/second', queue.queueArn).includes('after') || undefined, { description: 'after at the second function', timeoutMs: 15_000 });
    expect(bodiesAt('/first', queue.queueArn)).toEqual(['before']);
    expect(bodiesAt('/second', queue.queueArn)).toEqual(['after']);
  });

  it('Kinesis: records after the Update go to the new function, none replayed, none lost', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'first', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' });
    const recordsAt = (path: string) =>
      target.requests.filter((r) => r.path === path).flatMap((r) => streamRecordsIn(r).filter((e) => e.eventSourceARN === stream.streamArn).map(dataOf));
    await putKinesis(stream.streamName, [{ key: 'k', data: 'before' }]);
    await pollUntil(() => recordsAt('/first').includes('before') || undefined, { description: 'before at the first function' });
    await moveTo(uuid, 'second');
    await putKinesis(stream.streamName, [{ key: 'k', data: 'after' }]);
    await pollUntil(() => recordsAt('/second').includes('after') || undefined, { description: 'after at the second function' });
    expect(recordsAt('/first')).toEqual(['before']);
    expect(recordsAt('/second')).toEqual(['after']);
  });
});
