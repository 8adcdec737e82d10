/**
 * LastProcessingResult of SQS mappings (api.md §6.2): absent until the first invocation,
 * `OK` after a success, `PROBLEM: Error reading from event source: <code>` while the queue
 * is gone (the mapping stays Enabled), and back to the last invocation's value once
 * reading works again.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { createQueue, pollUntil, sqsClient, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { queueIsEmpty } from '../support/sqs-helpers.js';
import { QueueRouter, createMapping, lastProcessingResult, sendInOrder, waitForProcessingResult } from '../support/sqs-e2e.js';

let target: RecordingTarget;
let router: QueueRouter;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  router = new QueueRouter(target);
  sluice = await startTestSluice({ functions: { reporting: { http: target.url, timeout: 1 } } });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

describe.concurrent('SQS LastProcessingResult', () => {
  it('is absent on a new mapping until the first invocation, then OK after a success', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'lpr' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'reporting', EventSourceArn: queue.queueArn });
    const before = await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(before).not.toHaveProperty('LastProcessingResult');
    // Polling an empty queue is no invocation.
    await router.quietFor(queue.queueArn, 500);
    expect(await lastProcessingResult(sluice.lambda, uuid)).toBeUndefined();

    await sendInOrder(queue.queueUrl, ['hello']);
    await router.waitForInvocations(queue.queueArn, 1);
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
  });

  it('reports a deleted queue as an error reading from the event source, stays Enabled, and restores the last invocation result once reading works', async ({
    expect,
    onTestFinished,
  }) => {
    const queue = await createQueue({ prefix: 'gone' });
    onTestFinished(queue.cleanup);
    router.on(queue.queueArn, { status: 500, json: { errorMessage: 'failing' } });
    const uuid = await createMapping(sluice.lambda, {
      FunctionName: 'reporting',
      EventSourceArn: queue.queueArn,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: ['invoke me'] }) }] },
    });
    await sendInOrder(queue.queueUrl, ['invoke me']);
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed');

    await sqsClient().send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
    const problem = await pollUntil(
      async () => {
        const result = await lastProcessingResult(sluice.lambda, uuid);
        return result?.startsWith('PROBLEM: Error reading from event source: ') ? result : undefined;
      },
      { description: 'a reading error' },
    );
    // The SQS error code of a missing queue (the query-compatible code of QueueDoesNotExist).
    expect(problem).toBe('PROBLEM: Error reading from event source: AWS.SimpleQueueService.NonExistentQueue');
    expect((await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Enabled');

    // The queue is back. A message the filter drops ends the next long poll without any
    // invocation: the successful poll alone restores the last invocation's result.
    await sqsClient().send(new CreateQueueCommand({ QueueName: queue.queueName }));
    await sendInOrder(queue.queueUrl, ['filtered out']);
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed', 15_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'filtered-out message deleted' });
    expect(router.invocations(queue.queueArn)).toHaveLength(1);
  });
});
