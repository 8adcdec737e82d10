/**
 * Concurrency cap of an SQS mapping (sqs.md §3): batches invoked at once never exceed
 * `ScalingConfig.MaximumConcurrency`, or Sluice's `sqs.defaultMaximumConcurrency` without
 * it, and reach the cap under load. Measured from the target's side: the most requests
 * open at one moment.
 */
import { describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { createMapping, maxOverlap } from '../support/sqs-e2e.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';

const DEFAULT_CAP = 4;
const MESSAGES = 24;

const bed = useSqsTestbed((targetUrl) => ({
    sqs: { defaultMaximumConcurrency: DEFAULT_CAP },
    functions: { slow: { http: targetUrl, timeout: 3 } },
  }));

/** Queues MESSAGES messages for a disabled mapping, enables it, and returns the most invocations seen at once. */
async function peakConcurrency(
  onTestFinished: (fn: () => Promise<void>) => void,
  scaling?: { MaximumConcurrency: number },
  batching: { BatchSize: number; MaximumBatchingWindowInSeconds?: number; messages: number } = { BatchSize: 1, messages: MESSAGES },
): Promise<number> {
  const queue = await createQueue({ prefix: 'cap' });
  onTestFinished(queue.cleanup);
  bed.router.on(queue.queueArn, { delayMs: 200 });
  const uuid = await createMapping(bed.sluice.lambda, {
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
  await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  await bed.router.waitForRecords(queue.queueArn, batching.messages);
  await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
  return maxOverlap(bed.router.invocations(queue.queueArn));
}

describe.concurrent('SQS concurrency cap', () => {
  it('never exceeds ScalingConfig.MaximumConcurrency, and reaches it under load', async ({ expect, onTestFinished }) => {
    expect(await peakConcurrency(onTestFinished, { MaximumConcurrency: 3 })).toBe(3);
  });

  it('uses sqs.defaultMaximumConcurrency without ScalingConfig', async ({ expect, onTestFinished }) => {
    expect(await peakConcurrency(onTestFinished)).toBe(DEFAULT_CAP);
  });

  it('an Update of MaximumConcurrency applies to batches started after it', async ({ expect, onTestFinished }) => {
    // A short visibility timeout (the function's 3 s, V41): a message that goes astray in the
    // update comes back quickly rather than failing the test on time.
    const queue = await createQueue({ prefix: 'cap-update', visibilityTimeoutSeconds: 3 });
    onTestFinished(queue.cleanup);
    bed.router.on(queue.queueArn, { delayMs: 200 });
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'slow', EventSourceArn: queue.queueArn, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 4 } });
    await sendMessages(
      queue.queueUrl,
      Array.from({ length: 40 }, (_, i) => `m${i}`),
    );
    await bed.router.waitForInvocations(queue.queueArn, 8);
    expect(maxOverlap(bed.router.invocations(queue.queueArn))).toBe(4);

    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 2 } }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');
    const settledAt = Date.now();
    await bed.router.waitForRecords(queue.queueArn, 40, 15_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    // Batches invoked under the old cap end within their 200 ms; after that, 2 at a time.
    const later = bed.router.invocations(queue.queueArn).filter((r) => r.receivedAt > settledAt + 300);
    expect(later.length).toBeGreaterThan(4);
    expect(maxOverlap(later)).toBe(2);
  });

  it('holds with a batching window too: batches fill one at a time, invocations overlap up to the cap', async ({ expect, onTestFinished }) => {
    const peak = await peakConcurrency(onTestFinished, { MaximumConcurrency: 2 }, { BatchSize: 10, MaximumBatchingWindowInSeconds: 1, messages: 100 });
    expect(peak).toBe(2);
  });
});
