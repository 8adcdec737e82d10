/**
 * A stopping SQS poller never strands a message (sqs.md §10): when a mapping is disabled,
 * updated, or its process shuts down, receives still open are left to finish and whatever
 * they return is given back at once instead of staying invisible for the queue's
 * visibility timeout. The queues here keep a message invisible for 5 minutes, so a
 * stranded message cannot come back by itself while a test runs (the emulator, like SQS,
 * hands a message to a long poll whose client went away: test/integration/sqs/aborted-receive.test.ts).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, UpdateEventSourceMappingCommand, type UpdateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocateRedisDb, createQueue, pollUntil, startRecordingTarget, type TestQueue } from '../support/index.js';
import { lambdaClientFor, waitForState } from '../support/sluice.js';
import { startSluiceProcess } from '../support/sluice-process.js';
import { createMapping } from '../support/sqs-e2e.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';

/** Long enough that a stranded message cannot come back during a test. */
const VISIBILITY_SECONDS = 300;
/** A message waiting in the queue is received within this long by a running poller. */
const DELIVERY_MS = 8000;

const bed = useSqsTestbed('stop-fn');

/** A queue with a running mapping whose long polls are open (a first message went through). */
async function pollingMapping(onTestFinished: (fn: () => Promise<void>) => void): Promise<{ queue: TestQueue; uuid: string }> {
  const queue = await createQueue({ prefix: 'stop', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
  onTestFinished(queue.cleanup);
  const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'stop-fn', EventSourceArn: queue.queueArn, BatchSize: 1 });
  await sendMessages(queue.queueUrl, ['warm-up']);
  await bed.router.waitForRecords(queue.queueArn, 1);
  return { queue, uuid };
}

async function update(input: UpdateEventSourceMappingCommandInput, settled: string): Promise<void> {
  await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand(input));
  await waitForState(bed.sluice.lambda, input.UUID!, settled);
}

const bodiesFrom = (queueArn: string) => bed.router.records(queueArn).map((r) => r.body);

describe.concurrent('SQS poller stops without stranding messages', () => {
  it('a message sent while the mapping is disabled is delivered soon after Enable', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await pollingMapping(onTestFinished);
    await update({ UUID: uuid, Enabled: false }, 'Disabled');
    await sendMessages(queue.queueUrl, ['sent while disabled']);
    await sleep(3000);
    expect(bodiesFrom(queue.queueArn)).toEqual(['warm-up']); // a disabled mapping invokes nothing

    await update({ UUID: uuid, Enabled: true }, 'Enabled');
    await bed.router.waitForRecords(queue.queueArn, 2, DELIVERY_MS);
    expect(bodiesFrom(queue.queueArn)).toEqual(['warm-up', 'sent while disabled']);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
  });

  it('a message sent after an Update (BatchSize) is delivered by the new poller', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await pollingMapping(onTestFinished);
    await update({ UUID: uuid, BatchSize: 5 }, 'Enabled');
    await sendMessages(queue.queueUrl, ['sent after the update']);
    await bed.router.waitForRecords(queue.queueArn, 2, DELIVERY_MS);
    expect(bodiesFrom(queue.queueArn)).toEqual(['warm-up', 'sent after the update']);
  });
});

describe('SQS poller at a SIGTERM', () => {
  it('a message sent while the process shuts down is delivered by the next process', { timeout: 90_000 }, async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const db = await allocateRedisDb();
    const config = { functions: { fn: { http: target.url, timeout: 3 } } };
    const queue = await createQueue({ prefix: 'sigterm', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    onTestFinished(queue.cleanup);
    const bodies = () => target.requests.flatMap((r) => ((r.body as { Records?: { body: string }[] }).Records ?? []).map((rec) => rec.body));

    const first = await startSluiceProcess(db, config);
    onTestFinished(() => first.process.stop());
    const lambda = lambdaClientFor(first.url);
    onTestFinished(() => lambda.destroy());
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn, BatchSize: 1 }));
    await sendMessages(queue.queueUrl, ['warm-up']);
    await pollUntil(() => bodies().length === 1, { description: 'warm-up delivered', timeoutMs: 15_000 });

    first.process.child.kill('SIGTERM');
    await pollUntil(() => first.process.tail().includes('shutting down'), { description: 'first process shutting down' });
    await sleep(500);
    await sendMessages(queue.queueUrl, ['sent during shutdown']);
    // The process waits for its receives (at most a 20 s long poll), within supervisor.shutdownTimeoutMs.
    expect(await first.process.exited).toEqual({ code: 0, signal: null });
    expect(bodies()).toEqual(['warm-up']); // a stopping process invokes nothing it received after the stop

    const second = await startSluiceProcess(db, config);
    onTestFinished(() => second.process.stop());
    await pollUntil(() => bodies().length === 2, { description: 'message sent during shutdown delivered', timeoutMs: DELIVERY_MS + 5000 });
    expect(bodies()).toEqual(['warm-up', 'sent during shutdown']);
  });
});
