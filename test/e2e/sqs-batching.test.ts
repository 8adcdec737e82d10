/**
 * SQS batching (sqs.md §4): a batch closes at BatchSize, at the end of its window (counted
 * from its first message), or before the message that would push the payload past 6 MB.
 * Real fauxqs, real Redis, mappings through the Lambda API.
 */
import { describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createQueue, pollUntil, sqsClient } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { queueCounts, queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { createMapping, recordsIn, sendInOrder } from '../support/sqs-e2e.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';

/** Lambda's synchronous payload limit (sqs.md §4). */
const SIX_MB = 6_291_456;

const bed = useSqsTestbed((targetUrl) => ({ functions: { batches: { http: targetUrl, timeout: 3 }, quick: { http: targetUrl, timeout: 1 } } }));

describe.concurrent('SQS batching', () => {
  it('closes batches at BatchSize: 30 queued, BatchSize 20, window 1, MaximumConcurrency 2 → 20 then 10 (observed on AWS)', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'size' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'batches',
      EventSourceArn: queue.queueArn,
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      Enabled: false,
    });
    await sendMessages(queue.queueUrl, Array.from({ length: 30 }, (_, i) => `m${i}`));
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));

    await bed.router.waitForRecords(queue.queueArn, 30);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const sizes = bed.router.invocations(queue.queueArn).map((r) => recordsIn(r).length);
    expect(sizes.sort((a, b) => b - a)).toEqual([20, 10]);
    expect(new Set(bed.router.records(queue.queueArn).map((r) => r.body)).size).toBe(30);
  });

  it('closes a batch when its window ends, counted from its first message, not before', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'window' });
    onTestFinished(queue.cleanup);
    await createMapping(bed.sluice.lambda, { FunctionName: 'batches', EventSourceArn: queue.queueArn, BatchSize: 100, MaximumBatchingWindowInSeconds: 2 });

    await sendMessages(queue.queueUrl, ['first']);
    // The first message was received: the window is open. Two more join it.
    await pollUntil(async () => (await queueCounts(queue.queueUrl)).inFlight === 1, { description: 'first message received' });
    await sendMessages(queue.queueUrl, ['second', 'third']);

    const [invocation] = await bed.router.waitForInvocations(queue.queueArn, 1, 10_000);
    const records = recordsIn(invocation!);
    expect(records.map((r) => r.body)).toEqual(['first', 'second', 'third']);
    const firstReceived = Number(records[0]!.attributes.ApproximateFirstReceiveTimestamp);
    // fauxqs stamps the receive before Sluice sees it, so the window (opened by Sluice on
    // receipt) ends at least 2 s after this stamp; a few ms of timer granularity allowed.
    expect(invocation!.receivedAt - firstReceived).toBeGreaterThanOrEqual(2000 - 5);
    // Closed by the window, not by a 20 s long poll (loose: other tests load the machine meanwhile).
    expect(invocation!.receivedAt - firstReceived).toBeLessThan(5000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
  });

  it('receives with window + timeout + 30 s of visibility when the queue\'s is shorter, so a message never comes back while its batch fills', async ({
    expect,
    onTestFinished,
  }) => {
    // Queue visibility 2 s < window 3 s + function timeout 1 s (sqs.md §6).
    const queue = await createQueue({ prefix: 'window-visibility', visibilityTimeoutSeconds: 2 });
    onTestFinished(queue.cleanup);
    await createMapping(bed.sluice.lambda, { FunctionName: 'quick', EventSourceArn: queue.queueArn, BatchSize: 100, MaximumBatchingWindowInSeconds: 3 });
    const [messageId] = await sendInOrder(queue.queueUrl, ['waits 3 s in its batch']);

    const [invocation] = await bed.router.waitForInvocations(queue.queueArn, 1);
    const records = recordsIn(invocation!);
    expect(records.map((r) => [r.messageId, r.attributes.ApproximateReceiveCount])).toEqual([[messageId, '1']]);
    expect(invocation!.receivedAt - Number(records[0]!.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(3000 - 5);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
  });

  it('never sends more than 6 MB: messages of 250 KB, 15 MB queued', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'bytes' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'batches',
      EventSourceArn: queue.queueArn,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      Enabled: false,
    });
    const count = 60;
    const bodies = Array.from({ length: count }, (_, i) => `${String(i).padStart(3, '0')}:${'x'.repeat(250_000)}`);
    // One per call: SendMessageBatch allows 1 MiB per call in total.
    for (let i = 0; i < count; i += 10) {
      await Promise.all(bodies.slice(i, i + 10).map((body) => sqsClient().send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }))));
    }
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));

    await bed.router.waitForRecords(queue.queueArn, count, 20_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const invocations = bed.router.invocations(queue.queueArn);
    const sizes = invocations.map((r) => Buffer.byteLength(r.rawBody, 'utf8'));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(SIX_MB);
    // The 6 MB rule closed the batches, not BatchSize: the fullest one has no room for another message.
    expect(Math.max(...sizes)).toBeGreaterThan(SIX_MB - 251_000);
    // Every message delivered once.
    const delivered = bed.router.records(queue.queueArn).map((r) => r.body.slice(0, 3));
    expect(delivered.sort()).toEqual(bodies.map((b) => b.slice(0, 3)));
  }, 40_000);

  it('BatchSize 10,000: 10,000 queued messages reach the function in one invocation', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'big' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'batches',
      EventSourceArn: queue.queueArn,
      BatchSize: 10_000,
      // Filling takes about 1.5 s here; the window only has to outlast it (BatchSize closes the batch).
      MaximumBatchingWindowInSeconds: 10,
      Enabled: false,
    });
    const count = 10_000;
    await sendMessages(queue.queueUrl, Array.from({ length: count }, (_, i) => String(i)));
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');

    await bed.router.waitForRecords(queue.queueArn, count, 20_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { timeoutMs: 20_000, description: 'queue empty' });
    const invocations = bed.router.invocations(queue.queueArn);
    for (const invocation of invocations) expect(recordsIn(invocation).length).toBeLessThanOrEqual(count);
    expect(invocations.map((r) => recordsIn(r).length)).toEqual([count]);
    expect(new Set(bed.router.records(queue.queueArn).map((r) => r.body)).size).toBe(count);
  }, 60_000);
});
