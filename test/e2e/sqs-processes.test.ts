/**
 * SQS mappings across `sluice start` processes (real child processes on one Redis): the
 * mapping's concurrency cap holds in total, every message is delivered, and SIGTERM stops
 * a process cleanly while messages flow, losing nothing.
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, pollUntil, startRecordingTarget, type RecordedRequest } from '../support/index.js';
import { lambdaClientFor } from '../support/sluice.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';

const running: SluiceProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.stop()));
});

/** Largest number of requests the target was handling at the same time. */
function maxOverlap(requests: readonly RecordedRequest[]): number {
  const events = requests.flatMap((r): [number, number][] => [
    [r.receivedAt, 1],
    [r.respondedAt ?? Number.MAX_SAFE_INTEGER, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (current += delta));
  return max;
}

const bodiesOf = (requests: readonly RecordedRequest[]) =>
  requests.flatMap((r) => ((r.body as { Records?: { body: string }[] })?.Records ?? []).map((rec) => rec.body));

describe('SQS mapping on two processes', () => {
  it('spreads the work, never exceeds MaximumConcurrency in total, and survives a SIGTERM mid-flow', async () => {
    const target = await startRecordingTarget({ delayMs: 150 });
    onTestFinished(() => target.close());
    const db = await allocateRedisDb();
    const config = { functions: { slow: { http: target.url, timeout: 3 } } };
    const [a, b] = await Promise.all([startSluiceProcess(db, config), startSluiceProcess(db, config)]);
    running.push(a, b);
    const lambda = lambdaClientFor(a.url);
    onTestFinished(() => lambda.destroy());
    const queue = await createQueue({ visibilityTimeoutSeconds: 5 });
    onTestFinished(queue.cleanup);

    const bodies = Array.from({ length: 60 }, (_, i) => `m${i}`);
    await sendMessages(queue.queueUrl, bodies);
    await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'slow', EventSourceArn: queue.queueArn, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 3 } }),
    );
    await pollUntil(() => target.requests.length >= 10, { description: '10 invocations', timeoutMs: 15_000 });

    // B stops in the middle of the flow: it finishes its batches and exits 0.
    b.process.child.kill('SIGTERM');
    expect(await b.process.exited).toEqual({ code: 0, signal: null });

    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue drained', timeoutMs: 30_000 });
    expect(new Set(bodiesOf(target.requests))).toEqual(new Set(bodies));
    expect(maxOverlap(target.requests)).toBeLessThanOrEqual(3);
    expect(maxOverlap(target.requests)).toBeGreaterThanOrEqual(2);
  });
});
