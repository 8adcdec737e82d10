/**
 * LastProcessingResult of SQS mappings (api.md §6.2): absent until the first invocation,
 * `OK` after a success, `PROBLEM: Error reading from event source: <code>` while the queue
 * is gone (the mapping stays Enabled), and back to the last invocation's value once
 * reading works again.
 */
import { describe, it } from 'vitest';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { createQueue, pollUntil, sqsClient } from '../support/index.js';
import { queueIsEmpty } from '../support/sqs-helpers.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';
import { createMapping, lastProcessingResult, sendInOrder, waitForProcessingResult } from '../support/sqs-e2e.js';

const bed = useSqsTestbed('reporting');

describe.concurrent('SQS LastProcessingResult', () => {
  it('is absent on a new mapping until the first invocation, then OK after a success', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'lpr' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'reporting', EventSourceArn: queue.queueArn });
    const before = await bed.sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(before).not.toHaveProperty('LastProcessingResult');
    // Polling an empty queue is no invocation.
    await bed.router.quietFor(queue.queueArn, 500);
    expect(await lastProcessingResult(bed.sluice.lambda, uuid)).toBeUndefined();

    await sendInOrder(queue.queueUrl, ['hello']);
    await bed.router.waitForInvocations(queue.queueArn, 1);
    await waitForProcessingResult(bed.sluice.lambda, uuid, 'OK');
  });

  it('reports a deleted queue as an error reading from the event source, stays Enabled, and restores the last invocation result once reading works', async ({
    expect,
    onTestFinished,
  }) => {
    const queue = await createQueue({ prefix: 'gone' });
    onTestFinished(queue.cleanup);
    bed.router.on(queue.queueArn, { status: 500, json: { errorMessage: 'failing' } });
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'reporting',
      EventSourceArn: queue.queueArn,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: ['invoke me'] }) }] },
    });
    await sendInOrder(queue.queueUrl, ['invoke me']);
    await waitForProcessingResult(bed.sluice.lambda, uuid, 'PROBLEM: Function call failed');

    await sqsClient().send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
    const problem = await pollUntil(
      async () => {
        const result = await lastProcessingResult(bed.sluice.lambda, uuid);
        return result?.startsWith('PROBLEM: Error reading from event source: ') ? result : undefined;
      },
      { description: 'a reading error' },
    );
    // The SQS error code of a missing queue (the query-compatible code of QueueDoesNotExist).
    expect(problem).toBe('PROBLEM: Error reading from event source: AWS.SimpleQueueService.NonExistentQueue');
    expect((await bed.sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Enabled');

    // The queue is back. A message the filter drops ends the next long poll without any
    // invocation: the successful poll alone restores the last invocation's result.
    await sqsClient().send(new CreateQueueCommand({ QueueName: queue.queueName }));
    await sendInOrder(queue.queueUrl, ['filtered out']);
    await waitForProcessingResult(bed.sluice.lambda, uuid, 'PROBLEM: Function call failed', 15_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'filtered-out message deleted' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
  });
});
