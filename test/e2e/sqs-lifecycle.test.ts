/**
 * SQS mappings changed while messages flow (sqs.md §10, api.md §6): Disable stops
 * invocations before `Disabled` is reported, Enable resumes, an Update applies to batches
 * started after it (BatchSize, FunctionName), Delete ends in a 404. Nothing is lost: every
 * message is delivered at least once overall, or is still in the queue.
 */
import { describe, it, type ExpectStatic } from 'vitest';
import {
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, type TestQueue } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { queueCounts, queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { createMapping, peekAll, recordsIn } from '../support/sqs-e2e.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';

const MESSAGES = 60;
const VISIBILITY_SECONDS = 2;
/** A poller still running would invoke within milliseconds (messages are waiting): this much silence says it stopped. */
const QUIET_MS = 1000;

const bed = useSqsTestbed((targetUrl) => ({
    functions: {
      first: { http: `${targetUrl}/first`, timeout: 1 },
      second: { http: `${targetUrl}/second`, timeout: 1 },
    },
  }));

const bodies = Array.from({ length: MESSAGES }, (_, i) => `m${i}`);

/** A queue with MESSAGES messages flowing through a mapping (one message per batch, 50 ms each, 2 at a time). */
async function flowing(onTestFinished: (fn: () => Promise<void>) => void): Promise<{ queue: TestQueue; uuid: string }> {
  const queue = await createQueue({ prefix: 'flow', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
  onTestFinished(queue.cleanup);
  bed.router.on(queue.queueArn, { delayMs: 50 });
  const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'first', EventSourceArn: queue.queueArn, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } });
  await sendMessages(queue.queueUrl, bodies);
  await bed.router.waitForInvocations(queue.queueArn, 4);
  return { queue, uuid };
}

/** Updates the mapping and resolves with the time its settled state was seen. */
async function update(input: UpdateEventSourceMappingCommandInput, settled: string): Promise<number> {
  await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand(input));
  await waitForState(bed.sluice.lambda, input.UUID!, settled);
  return Date.now();
}

function expectAllDelivered(expect: ExpectStatic, queueArn: string): void {
  expect(new Set(bed.router.records(queueArn).map((r) => r.body))).toEqual(new Set(bodies));
}

describe.concurrent('SQS mappings changed while messages flow', () => {
  it('Disable stops invocations before Disabled is reported; Enable resumes; nothing is lost', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await flowing(onTestFinished);
    const disabledAt = await update({ UUID: uuid, Enabled: false }, 'Disabled');
    // In-flight invocations ended before Disabled.
    for (const invocation of bed.router.invocations(queue.queueArn)) expect(invocation.respondedAt).toBeLessThanOrEqual(disabledAt);
    await bed.router.quietFor(queue.queueArn, QUIET_MS);
    expect(bed.router.invocations(queue.queueArn).filter((r) => r.receivedAt > disabledAt)).toEqual([]);
    const delivered = bed.router.invocations(queue.queueArn).length;
    expect((await queueCounts(queue.queueUrl)).visible).toBeGreaterThan(0);

    await update({ UUID: uuid, Enabled: true }, 'Enabled');
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bed.router.invocations(queue.queueArn).length).toBeGreaterThan(delivered);
    expectAllDelivered(expect, queue.queueArn);
  });

  it('Disable closes a batch still being filled and invokes it before Disabled is reported', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'window', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'first', EventSourceArn: queue.queueArn, BatchSize: 100, MaximumBatchingWindowInSeconds: 10 });
    await sendMessages(queue.queueUrl, ['w1', 'w2']);
    await pollUntil(async () => (await queueCounts(queue.queueUrl)).inFlight === 2, { description: 'both messages in the batch being filled' });
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(0);

    const disabledAt = await update({ UUID: uuid, Enabled: false }, 'Disabled');
    const [invocation] = bed.router.invocations(queue.queueArn);
    expect(recordsIn(invocation!).map((r) => r.body).sort()).toEqual(['w1', 'w2']);
    expect(invocation!.respondedAt).toBeLessThanOrEqual(disabledAt);
    // Long before the window would have closed it.
    expect(invocation!.receivedAt - Number(recordsIn(invocation!)[0]!.attributes.ApproximateFirstReceiveTimestamp)).toBeLessThan(10_000);
    // Applied (deleted) before Disabled.
    expect(await queueIsEmpty(queue.queueUrl)).toBe(true);
  });

  it('Update BatchSize: batches started after the change are bigger', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await flowing(onTestFinished);
    const requestedAt = Date.now();
    const updatedAt = await update({ UUID: uuid, BatchSize: 5 }, 'Enabled');
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const invocations = bed.router.invocations(queue.queueArn);
    for (const invocation of invocations.filter((r) => r.receivedAt < requestedAt)) expect(recordsIn(invocation)).toHaveLength(1);
    const after = invocations.filter((r) => r.receivedAt > updatedAt);
    for (const invocation of after) expect(recordsIn(invocation).length).toBeLessThanOrEqual(5);
    expect(Math.max(...after.map((r) => recordsIn(r).length))).toBeGreaterThan(1);
    expectAllDelivered(expect, queue.queueArn);
  });

  it('Update FunctionName: batches received after the change go to the new function', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await flowing(onTestFinished);
    const updatedAt = await update({ UUID: uuid, FunctionName: 'second' }, 'Enabled');
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const invocations = bed.router.invocations(queue.queueArn);
    const toFirst = invocations.filter((r) => r.path === '/first');
    const toSecond = invocations.filter((r) => r.path === '/second');
    expect(toFirst.length).toBeGreaterThan(0);
    expect(toSecond.length).toBeGreaterThan(0);
    // The old function only got batches received before the update settled (their first receive is their only one).
    for (const invocation of toFirst) {
      for (const record of recordsIn(invocation)) expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeLessThan(updatedAt);
    }
    expectAllDelivered(expect, queue.queueArn);
  });

  it('Delete: Deleting, then removed (404); no invocation after; what was not delivered is still queued', async ({ expect, onTestFinished }) => {
    const { queue, uuid } = await flowing(onTestFinished);
    const { State } = await bed.sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(State).toBe('Deleting');
    await pollUntil(
      async () => {
        try {
          await bed.sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
          return false;
        } catch (error) {
          if (error instanceof ResourceNotFoundException && error.$metadata.httpStatusCode === 404) return true;
          throw error;
        }
      },
      { description: 'mapping removed' },
    );
    const removedAt = Date.now();
    for (const invocation of bed.router.invocations(queue.queueArn)) expect(invocation.respondedAt).toBeLessThanOrEqual(removedAt);
    await bed.router.quietFor(queue.queueArn, QUIET_MS);
    expect(bed.router.invocations(queue.queueArn).filter((r) => r.receivedAt > removedAt)).toEqual([]);

    // Nothing lost: each message was delivered, or is still in the queue. (fauxqs makes a
    // message visible again only when someone receives, GetQueueAttributes keeps counting it
    // as not visible, hence receiving here rather than reading queue counts.)
    const seen = new Set(bed.router.records(queue.queueArn).map((r) => r.body));
    const delivered = seen.size;
    await pollUntil(
      async () => {
        for (const message of await peekAll(queue.queueUrl)) seen.add(message.body);
        return seen.size === MESSAGES;
      },
      { description: 'every message delivered or still queued' },
    );
    expect(delivered).toBeLessThan(MESSAGES);
  });
});
