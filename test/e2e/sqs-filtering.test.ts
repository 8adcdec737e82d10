/**
 * FilterCriteria on SQS mappings (sqs.md §9, §4): a message no filter matches is deleted at
 * once and never reaches the function nor the dead-letter queue; filtered-out messages do
 * not count toward BatchSize.
 */
import { describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { queueIsEmpty } from '../support/sqs-helpers.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';
import { createMapping, lastProcessingResult, recordsIn, sendInOrder } from '../support/sqs-e2e.js';

const bed = useSqsTestbed('filtered');

const onlyBlue = { Filters: [{ Pattern: JSON.stringify({ body: { colour: ['blue'] } }) }] };
const blue = (n: number) => JSON.stringify({ colour: 'blue', n });
const red = (n: number) => JSON.stringify({ colour: 'red', n });

describe.concurrent('SQS FilterCriteria', () => {
  it('one matching and one non-matching message queued before the mapping starts → one invocation with the matching record, queue empty (observed on AWS)', async ({
    expect,
    onTestFinished,
  }) => {
    const queue = await createQueue({ prefix: 'filter' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'filtered', EventSourceArn: queue.queueArn, FilterCriteria: onlyBlue, Enabled: false });
    await sendInOrder(queue.queueUrl, [blue(1), red(2)]);
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');

    const [invocation] = await bed.router.waitForInvocations(queue.queueArn, 1);
    expect(recordsIn(invocation!).map((r) => r.body)).toEqual([blue(1)]);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
  });

  it('deletes non-matching messages at once: nothing invoked, nothing in the DLQ, no LastProcessingResult', async ({ expect, onTestFinished }) => {
    const dlq = await createQueue({ prefix: 'filter-dlq' });
    onTestFinished(dlq.cleanup);
    const queue = await createQueue({ prefix: 'filter-none', redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 1 } });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'filtered', EventSourceArn: queue.queueArn, FilterCriteria: onlyBlue });
    await sendInOrder(queue.queueUrl, [red(1), red(2), 'not json', red(3)]);

    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    // Deleted: they can never be invoked nor reach the DLQ.
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(0);
    expect(await queueIsEmpty(dlq.queueUrl)).toBe(true);
    expect(await lastProcessingResult(bed.sluice.lambda, uuid)).toBeUndefined();
  });

  it('an Update of FilterCriteria applies to messages received after it', async ({ expect, onTestFinished }) => {
    // A short visibility timeout: messages sent right after the update may be taken by the old
    // poller's long poll, cut short by the update; they come back once it runs out.
    const queue = await createQueue({ prefix: 'filter-update', visibilityTimeoutSeconds: 2 });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'filtered', EventSourceArn: queue.queueArn, FilterCriteria: onlyBlue });
    await sendInOrder(queue.queueUrl, [red(1), blue(2)]);
    await bed.router.waitForRecords(queue.queueArn, 1);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });

    const onlyRed = { Filters: [{ Pattern: JSON.stringify({ body: { colour: ['red'] } }) }] };
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FilterCriteria: onlyRed }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');
    await sendInOrder(queue.queueUrl, [red(3), blue(4)]);
    await bed.router.waitForRecords(queue.queueArn, 2);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.records(queue.queueArn).map((r) => r.body)).toEqual([blue(2), red(3)]);
  });

  it('filtered-out messages do not count toward BatchSize', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'filter-size' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'filtered',
      EventSourceArn: queue.queueArn,
      FilterCriteria: onlyBlue,
      BatchSize: 3,
      MaximumBatchingWindowInSeconds: 1,
      Enabled: false,
    });
    // Interleaved: r b r r b r r r b r
    await sendInOrder(queue.queueUrl, [red(0), blue(1), red(2), red(3), blue(4), red(5), red(6), red(7), blue(8), red(9)]);
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));

    const [invocation] = await bed.router.waitForInvocations(queue.queueArn, 1);
    expect(recordsIn(invocation!).map((r) => r.body)).toEqual([blue(1), blue(4), blue(8)]);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
  });
});
