/**
 * Concurrency cap of an SQS mapping (sqs.md §3): batches invoked at once never exceed
 * `ScalingConfig.MaximumConcurrency`, or Sluice's `sqs.defaultMaximumConcurrency` without
 * it, and reach the cap under load. Measured from the target's side: the most requests
 * open at one moment.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { QueueRouter, createMapping, maxOverlap } from '../support/sqs-e2e.js';

const DEFAULT_CAP = 4;
const MESSAGES = 24;

let target: RecordingTarget;
let router: QueueRouter;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  router = new QueueRouter(target);
  sluice = await startTestSluice({
    sqs: { defaultMaximumConcurrency: DEFAULT_CAP },
    functions: { slow: { http: target.url, timeout: 3 } },
  });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

/** Queues MESSAGES messages for a disabled mapping, enables it, and returns the most invocations seen at once. */
async function peakConcurrency(
  onTestFinished: (fn: () => Promise<void>) => void,
  scaling?: { MaximumConcurrency: number },
  batching: { BatchSize: number; MaximumBatchingWindowInSeconds?: number; messages: number } = { BatchSize: 1, messages: MESSAGES },
): Promise<number> {
  const queue = await createQueue({ prefix: 'cap' });
  onTestFinished(queue.cleanup);
  router.on(queue.queueArn, { delayMs: 200 });
  const uuid = await createMapping(sluice.lambda, {
    FunctionName: 'slow',
    EventSourceArn: queue.queueArn,
    BatchSize: batching.BatchSize,
    MaximumBatchingWindowInSeconds: batching.MaximumBatchingWindowInSeconds ?? 0,
    Enabled: false,
    ...(scaling ? { ScalingConfig: scaling } : {}),
  });
  await sendMessages(
    queue.queueUrl,
    Array.from({ length: batching.messages }, (_, i) => `m${i}`),
  );
  await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  await router.waitForRecords(queue.queueArn, batching.messages);
  await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
  return maxOverlap(router.invocations(queue.queueArn));
}

describe.concurrent('SQS concurrency cap', () => {
  it('never exceeds ScalingConfig.MaximumConcurrency, and reaches it under load', async ({ expect, onTestFinished }) => {
    expect(await peakConcurrency(onTestFinished, { MaximumConcurrency: 3 })).toBe(3);
  });

  it('uses sqs.defaultMaximumConcurrency without ScalingConfig', async ({ expect, onTestFinished }) => {
    expect(await peakConcurrency(onTestFinished)).toBe(DEFAULT_CAP);
  });

  it('an Update of MaximumConcurrency applies to batches started after it', async ({ expect, onTestFinished }) => {
    // A short visibility timeout: a message taken by a long poll of the replaced poller, cut
    // short by the update, comes back once it runs out (function timeout 3 s, V41).
    const queue = await createQueue({ prefix: 'cap-update', visibilityTimeoutSeconds: 3 });
    onTestFinished(queue.cleanup);
    router.on(queue.queueArn, { delayMs: 200 });
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'slow', EventSourceArn: queue.queueArn, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 4 } });
    await sendMessages(
      queue.queueUrl,
      Array.from({ length: 40 }, (_, i) => `m${i}`),
    );
    await router.waitForInvocations(queue.queueArn, 8);
    expect(maxOverlap(router.invocations(queue.queueArn))).toBe(4);

    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 2 } }));
    await waitForState(sluice.lambda, uuid, 'Enabled');
    const settledAt = Date.now();
    await router.waitForRecords(queue.queueArn, 40, 15_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    // Batches invoked under the old cap end within their 200 ms; after that, 2 at a time.
    const later = router.invocations(queue.queueArn).filter((r) => r.receivedAt > settledAt + 300);
    expect(later.length).toBeGreaterThan(4);
    expect(maxOverlap(later)).toBe(2);
  });

  it('holds with a batching window too: batches fill one at a time, invocations overlap up to the cap', async ({ expect, onTestFinished }) => {
    const peak = await peakConcurrency(onTestFinished, { MaximumConcurrency: 2 }, { BatchSize: 10, MaximumBatchingWindowInSeconds: 1, messages: 100 });
    expect(peak).toBe(2);
  });
});
