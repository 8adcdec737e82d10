/**
 * Several `sluice start` processes on one Redis see the same mappings (the store is the
 * system of record), and survive each other: real child processes of the built CLI.
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, pollUntil } from '../support/index.js';
import { lambdaClientFor, waitForState } from '../support/sluice.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';

const running: SluiceProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.stop()));
});

async function start(db: number): Promise<SluiceProcess> {
  const sluice = await startSluiceProcess(db);
  running.push(sluice);
  return sluice;
}

describe('two sluice processes sharing one Redis', () => {
  it('see, change and settle the same mappings, and keep working when one is killed', async () => {
    const db = await allocateRedisDb();
    const [a, b] = await Promise.all([start(db), start(db)]);
    const lambdaA = lambdaClientFor(a.url);
    const lambdaB = lambdaClientFor(b.url);
    onTestFinished(() => {
      lambdaA.destroy();
      lambdaB.destroy();
    });
    const queue = await createQueue();
    onTestFinished(queue.cleanup);

    const created = await lambdaA.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn }));
    const seenByB = await lambdaB.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(seenByB.EventSourceArn).toBe(queue.queueArn);

    await waitForState(lambdaB, created.UUID!, 'Enabled');
    const updated = await lambdaB.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 7 }));
    expect(updated.State).toBe('Updating');
    expect((await lambdaA.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).BatchSize).toBe(7);

    const listA = await lambdaA.send(new ListEventSourceMappingsCommand({}));
    const listB = await lambdaB.send(new ListEventSourceMappingsCommand({}));
    expect(listA.EventSourceMappings?.map((m) => m.UUID)).toEqual(listB.EventSourceMappings?.map((m) => m.UUID));

    // A dies without a word; B alone settles and removes what A's clients change.
    a.process.child.kill('SIGKILL');
    await a.process.exited;
    await waitForState(lambdaB, created.UUID!, 'Enabled');
    await lambdaB.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    await pollUntil(
      () => lambdaB.send(new GetEventSourceMappingCommand({ UUID: created.UUID })).then(() => false, (e: unknown) => e instanceof ResourceNotFoundException),
      { description: 'removed' },
    );

    // SIGTERM stops cleanly with exit code 0.
    b.process.child.kill('SIGTERM');
    expect(await b.process.exited).toEqual({ code: 0, signal: null });
  });

  it('a duplicate created through both processes at once is stored once (409 for the loser)', async () => {
    const db = await allocateRedisDb();
    const [a, b] = await Promise.all([start(db), start(db)]);
    const clients = [lambdaClientFor(a.url), lambdaClientFor(b.url)];
    onTestFinished(() => clients.forEach((c) => c.destroy()));
    const queue = await createQueue();
    onTestFinished(queue.cleanup);

    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        clients[i % 2]!.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn })),
      ),
    );
    const won = attempts.filter((r) => r.status === 'fulfilled');
    const lost = attempts.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    const winner = (won[0] as PromiseFulfilledResult<{ UUID?: string }>).value.UUID!;
    for (const failure of lost) {
      expect(failure.reason).toBeInstanceOf(ResourceConflictException);
      expect((failure.reason as Error).message).toContain(`Please update or delete the existing mapping with UUID ${winner}`);
    }
    const listed = await clients[0]!.send(new ListEventSourceMappingsCommand({ EventSourceArn: queue.queueArn }));
    expect(listed.EventSourceMappings).toHaveLength(1);
  });
});
