/**
 * A Kinesis mapping on two `sluice start` processes (real child processes of the built CLI,
 * one Redis; `npm run build` first): the shard leases split the shards between them, and
 * when one is killed with SIGKILL under load the other takes its shards over once their
 * leases expire (streams.md §2, §5, §17). At least once, never at most once (design.md).
 *
 * What is asserted, precisely. Per shard, the *batch in flight at the kill* is the at most
 * BatchSize records that follow the shard's checkpoint at the kill (read right after the
 * kill: nobody can move a checkpoint of the killed process before its leases expire). With
 * one batch in flight per shard, read in order, these are the only records that can have
 * been read but not checkpointed, whether invoked by the killed process, still queued as
 * its batch job, or a batch of the survivor that the killed process was running. Then:
 * - every record put is delivered at least once;
 * - the invocation running at the kill is delivered again afterwards;
 * - only records of a batch in flight at the kill are delivered more than once;
 * - per shard, and so per partition key, the first deliveries of the records come in
 *   sequence order (strictly increasing), and any delivery that is not above everything
 *   delivered before it (of that key or shard) is a redelivery of a batch in flight at the kill;
 * - no shard checkpoint ever goes backwards (sampled from Redis throughout).
 */
import { describe, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createRedis, createStream, pollUntil, startRecordingTarget, type RecordedRequest } from '../support/index.js';
import { lambdaClientFor } from '../support/sluice.js';
import { startTwoSluiceProcesses, type SluiceProcess } from '../support/sluice-process.js';
import { CheckpointWatch, Producer, StreamRouter, compareSequence, readCheckpoints, readLeases, shardOf, streamRecordsIn, type KinesisEvent } from '../support/streams-e2e.js';

interface Delivery {
  record: KinesisEvent;
  at: number;
}

/** Every record of every invocation, in arrival order (records of one invocation in batch order). */
const deliveriesOf = (requests: readonly RecordedRequest[]): Delivery[] =>
  [...requests].sort((a, b) => a.receivedAt - b.receivedAt).flatMap((r) => streamRecordsIn(r).map((record) => ({ record, at: r.receivedAt })));

/**
 * Two `sluice start` processes on one Redis, a 4-shard stream and a TRIM_HORIZON mapping on
 * it; resolves once the shards are split 2 / 2 between the processes (checked in the
 * `shard-leases` hash: `<token>|<expiresAt>|<workerId>`, worker ids start with the pid) and
 * records flow into every shard.
 */
async function twoProcessesUnderLoad() {
  const target = await startRecordingTarget();
  onTestFinished(() => target.close());
  const router = new StreamRouter(target, { delayMs: 100 });
  const db = await allocateRedisDb();
  const redis = createRedis({ db });
  onTestFinished(() => redis.disconnect());
  const config = {
    functions: { fn: { http: target.url, timeout: 3 } },
    streams: { leaseMs: 2000 },
    supervisor: { workerTimeoutMs: 2000, heartbeatIntervalMs: 500, reconcileIntervalMs: 1000 },
  };
  const [a, b] = await startTwoSluiceProcesses(db, config, redis);
  const lambda = lambdaClientFor(b.url);
  onTestFinished(() => lambda.destroy());

  const stream = await createStream({ shardCount: 4 });
  onTestFinished(stream.cleanup);
  const { UUID } = await lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }),
  );
  const uuid = UUID!;
  const workerOf = (p: SluiceProcess) => (worker: string) => worker.startsWith(`${p.process.pid}-`);

  // The shards split 2 / 2 between the two processes.
  const split = await pollUntil(
    async () => {
      const leases = await readLeases(redis, uuid);
      const held = [...leases.values()].filter((l) => l.workerId !== '');
      const ofA = held.filter((l) => workerOf(a)(l.workerId)).length;
      const ofB = held.filter((l) => workerOf(b)(l.workerId)).length;
      return leases.size === 4 && ofA === 2 && ofB === 2 ? leases : undefined;
    },
    { description: 'shards split 2 / 2 between the processes', timeoutMs: 15_000 },
  );
  const shardsOfA = [...split].filter(([, l]) => workerOf(a)(l.workerId)).map(([shardId]) => shardId);

  // Records flow only once the split is stable, so no lease moves before the event under test.
  const watch = new CheckpointWatch(db, uuid, 'sluice', 20);
  onTestFinished(() => watch.close());
  const producer = new Producer(
    stream.streamName,
    Array.from({ length: 16 }, (_, i) => `key-${i}`),
    20,
  );
  onTestFinished(() => producer.stop());
  const deliveredFrom = (shardIds: string[]) => router.records(stream.streamArn).filter((r) => shardIds.includes(shardOf(r))).length;
  await pollUntil(() => stream.shardIds.every((s) => deliveredFrom([s]) >= 15), { description: 'records of every shard', timeoutMs: 15_000 });

  /** Resolves with the leases once `p` holds every shard's lease. */
  const allHeldBy = (p: SluiceProcess) =>
    pollUntil(
      async () => {
        const leases = await readLeases(redis, uuid);
        return [...leases.values()].every((l) => workerOf(p)(l.workerId)) ? leases : undefined;
      },
      { description: 'all four shards held by the survivor', timeoutMs: 15_000 },
    );
  /** Stops the producer and waits until every shard is checkpointed at the last record put into it. */
  const drain = async () => {
    await producer.stop();
    const lastPut = new Map<string, string>();
    for (const p of producer.put) lastPut.set(p.shardId, p.sequenceNumber);
    await watch.until((checkpoints) => [...lastPut].every(([shardId, seq]) => checkpoints.get(shardId) === seq), 'every shard checkpointed at its last record', 20_000);
  };
  return { a, b, router, redis, stream, uuid, split, shardsOfA, watch, producer, deliveredFrom, allHeldBy, drain };
}

describe('a Kinesis mapping on two sluice processes', () => {
  it('splits the shards between them; after a SIGKILL under load the survivor takes over: every record at least once, order per key, checkpoints never backwards', async ({
    expect,
  }) => {
    const { a, b, router, redis, stream, uuid, split, shardsOfA, watch, producer, deliveredFrom, allHeldBy, drain } = await twoProcessesUnderLoad();

    // SIGKILL A under load, while the function is invoked with a batch of one of its shards:
    // no shutdown, its leases simply stop being renewed.
    const inFlight = await pollUntil(
      () => router.invocations(stream.streamArn).find((r) => r.respondedAt === undefined && shardsOfA.includes(shardOf(streamRecordsIn(r)[0]!))),
      { description: "an invocation of one of A's shards in flight", intervalMs: 1 },
    );
    a.process.child.kill('SIGKILL');
    expect(await a.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Requests A sent may still be on their way: anything that arrives shortly after its exit
    // counts as before the kill (B cannot hold A's shards before their leases expire, 2 s).
    const killedAt = Date.now() + 200;
    // Nobody can move A's checkpoints until its leases are taken over: these are the checkpoints at the kill.
    const atKill = await readCheckpoints(redis, uuid);

    // B takes every shard over once A's leases expired, with new fencing tokens.
    const takenOver = await allHeldBy(b);
    for (const shardId of shardsOfA) expect(takenOver.get(shardId)!.token).toBeGreaterThan(split.get(shardId)!.token);
    const deliveredAtTakeover = deliveredFrom(shardsOfA);
    await pollUntil(() => deliveredFrom(shardsOfA) >= deliveredAtTakeover + 40, { description: "the killed process' shards delivering again" });

    await drain();

    const deliveries = deliveriesOf(router.invocations(stream.streamArn));
    const id = (r: KinesisEvent) => r.eventID;
    // The batch in flight at the kill, per shard: at most BatchSize records right after the
    // shard's checkpoint at the kill (one batch in flight per shard, read in order). Whether it
    // had reached the function, was still queued as a batch job, or was being invoked by the
    // killed process for the other one, it is the only one that may be delivered again.
    const inFlightAtKill = new Set<string>();
    for (const shardId of stream.shardIds) {
      const checkpoint = atKill.get(shardId);
      producer.put
        .filter((p) => p.shardId === shardId && (checkpoint === undefined || compareSequence(p.sequenceNumber, checkpoint) > 0))
        .sort((x, y) => compareSequence(x.sequenceNumber, y.sequenceNumber))
        .slice(0, 10)
        .forEach((p) => inFlightAtKill.add(`${shardId}:${p.sequenceNumber}`));
    }
    // The invocation that was running at the kill is one of them, and is delivered again (§17).
    for (const record of streamRecordsIn(inFlight)) {
      expect(inFlightAtKill.has(id(record)), id(record)).toBe(true);
      expect(deliveries.filter((d) => id(d.record) === id(record) && d.at >= killedAt).length, id(record)).toBeGreaterThanOrEqual(1);
    }

    // Every record at least once; more than once only when in flight at the kill.
    const count = new Map<string, number>();
    for (const { record } of deliveries) count.set(id(record), (count.get(id(record)) ?? 0) + 1);
    const put = producer.put.map((p) => `${p.shardId}:${p.sequenceNumber}`);
    expect(put.filter((p) => !count.has(p))).toEqual([]);
    expect(count.size).toBe(put.length);
    expect([...count].filter(([eventId, n]) => n > 1 && !inFlightAtKill.has(eventId))).toEqual([]);

    // Order per shard and per key: first deliveries strictly increasing; every step back a redelivery of a batch in flight at the kill.
    const checkOrder = (group: (r: KinesisEvent) => string) => {
      const highest = new Map<string, string>();
      const seen = new Set<string>();
      const problems: string[] = [];
      for (const { record } of deliveries) {
        const g = group(record);
        const seq = record.kinesis.sequenceNumber;
        const top = highest.get(g);
        const first = !seen.has(id(record));
        seen.add(id(record));
        if (top === undefined || compareSequence(seq, top) > 0) {
          highest.set(g, seq);
          continue;
        }
        if (first) problems.push(`${g}: first delivery of ${seq} after ${top}`);
        else if (!inFlightAtKill.has(id(record))) problems.push(`${g}: ${seq} delivered again after ${top} but was not in the batch in flight at the kill`);
      }
      return problems;
    };
    expect(checkOrder(shardOf)).toEqual([]);
    expect(checkOrder((r) => r.kinesis.partitionKey)).toEqual([]);

    await watch.expectNeverBackwards();
  }, 90_000);

  it('after a SIGTERM under load the survivor takes the released shards over at once: every record exactly once, in order', async ({ expect }) => {
    const { a, b, router, stream, split, shardsOfA, watch, producer, deliveredFrom, allHeldBy, drain } = await twoProcessesUnderLoad();
    // A stops cleanly: its invocations in flight finish, their checkpoints are written, its leases are released (§17).
    a.process.child.kill('SIGTERM');
    const stoppedAt = Date.now();
    expect(await a.process.exited).toEqual({ code: 0, signal: null });
    // B takes them in its next rounds, sooner than the 2 s an expiry would take.
    const takenOver = await allHeldBy(b);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    for (const shardId of shardsOfA) expect(takenOver.get(shardId)!.token).toBeGreaterThan(split.get(shardId)!.token);
    const deliveredAtTakeover = deliveredFrom(shardsOfA);
    await pollUntil(() => deliveredFrom(shardsOfA) >= deliveredAtTakeover + 40, { description: "the stopped process' shards delivering again" });
    await drain();

    // Nothing was left unfinished: every record exactly once, each shard in sequence order.
    const deliveries = deliveriesOf(router.invocations(stream.streamArn));
    expect(deliveries.map((d) => d.record.eventID).sort()).toEqual(producer.put.map((p) => `${p.shardId}:${p.sequenceNumber}`).sort());
    for (const shardId of stream.shardIds) {
      const inShard = deliveries.filter((d) => shardOf(d.record) === shardId).map((d) => d.record.kinesis.sequenceNumber);
      expect(inShard, shardId).toEqual([...inShard].sort(compareSequence));
    }
    await watch.expectNeverBackwards();
  }, 60_000);
});
