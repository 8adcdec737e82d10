/**
 * A worker that is paused (SIGSTOP) or killed (SIGKILL) while it invokes a batch of a shard
 * its process holds must not run that batch again once another process has taken the shard
 * over (streams.md §2 "stops that shard at once", §6 one batch in flight per shard; issue #10).
 * BullMQ hands the stalled job to a live worker when its lock runs out; without a fence that
 * worker invoked the old batch again, after the new holder had replayed it from the
 * checkpoint and moved on to newer records of the same keys.
 *
 * Two `sluice start` processes (the built CLI; `npm run build` first), a 2-shard stream, one
 * shard each. Each process points the function at its own path of one recording target
 * (`/a`, `/b`), so every invocation says which process' worker ran it; each runs one job at
 * a time (`pipeline.workerConcurrency` 1). The scenario is made deterministic by holding
 * answers at the target:
 * 1. both paths hold their answers until each worker has a request open, and A's is a batch
 *    of A's own shard (J); B's worker is then busy with a batch of B's shard;
 * 2. A is stopped (or killed) with J open; B takes A's shard over once the lease expires.
 *    Nothing of B can run before: its only worker slot is still held at the target. Only
 *    then are B's answers released, so whatever B's worker runs of A's shard (the stalled J,
 *    the new holder's replay) runs after the takeover;
 * 3. once J's job is over and B has delivered newer records of the shard, A is continued.
 * Asserted: after the takeover the shard's records arrive strictly in order, starting right
 * after the checkpoint (the replay once, never J again); per key, a record never comes after
 * a newer one except that replay; the stale job was refused (`sluice_fenced_invocations_total`);
 * nothing is lost.
 */
import { describe, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { openInvokeQueue } from '../../src/pipeline/index.js';
import { redisTarget } from '../../src/redis/connection-options.js';
import { allocateRedisDb, createRedis, createStream, getEndpoints, pollUntil, startRecordingTarget, type RecordedRequest } from '../support/index.js';
import { scrapeMetrics } from '../support/prometheus.js';
import { lambdaClientFor } from '../support/sluice.js';
import { startTwoSluiceProcesses, type SluiceProcess } from '../support/sluice-process.js';
import {
  Producer,
  StreamRouter,
  compareSequence,
  dataOf,
  readCheckpoints,
  readLeases,
  shardOf,
  shardOfInvocation,
  streamRecordsIn,
  type KinesisEvent,
} from '../support/streams-e2e.js';

/** Holds the answers of one target path while closed; the requests it holds are listed. */
class Gate {
  private closed = false;
  private readonly waiting: (() => void)[] = [];
  readonly held: RecordedRequest[] = [];

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.closed = false;
    this.held.length = 0;
    for (const release of this.waiting.splice(0)) release();
  }

  pass(request: RecordedRequest): Promise<void> {
    if (!this.closed) return Promise.resolve();
    this.held.push(request);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

interface Delivery {
  record: KinesisEvent;
  at: number;
}

/** Every record of every invocation, in arrival order (records of one invocation in batch order). */
const deliveriesOf = (requests: readonly RecordedRequest[]): Delivery[] =>
  [...requests].sort((a, b) => a.receivedAt - b.receivedAt).flatMap((r) => streamRecordsIn(r).map((record) => ({ record, at: r.receivedAt })));

/** The producer's records are `<key>:<round>`: a key's n grows with its sequence number. */
const keyAndN = (record: KinesisEvent): [string, number] => {
  const [key, n] = dataOf(record).split(':');
  return [key!, Number(n)];
};

describe('a stream batch whose worker was stopped while invoking it', () => {
  it.for(['SIGSTOP', 'SIGKILL'] as const)(
    'is not invoked again after another process took the shard over (%s)',
    { timeout: 90_000 },
    async (signal, { expect }) => {
      const target = await startRecordingTarget();
      onTestFinished(() => target.close());
      const router = new StreamRouter(target);
      const gates: Record<string, Gate> = { '/a': new Gate(), '/b': new Gate() };
      target.respondWith(async (request) => {
        await gates[request.path]?.pass(request);
        return { delayMs: 30 };
      });

      const db = await allocateRedisDb();
      const redis = createRedis({ db });
      onTestFinished(() => redis.disconnect());
      const queue = openInvokeQueue(redisTarget({ url: `${getEndpoints().redis.url}/${db}` }), 'sluice');
      onTestFinished(() => queue.close());
      const configFor = (path: string) => ({
        // A timeout longer than any answer is held, so no held invocation times out.
        functions: { fn: { http: `${target.url}${path}`, timeout: 60 } },
        streams: { leaseMs: 2000 },
        // Every job through the BullMQ queue: the stale job this test is about is a queued job
        // another process's worker takes over (a job run where it was submitted dies with it).
        pipeline: { workerConcurrency: 1, runLocally: false },
        supervisor: { workerTimeoutMs: 2000, heartbeatIntervalMs: 500, reconcileIntervalMs: 1000 },
      });
      const [a, b] = await startTwoSluiceProcesses(db, [configFor('/a'), configFor('/b')], redis);
      const lambda = lambdaClientFor(b.url);
      onTestFinished(() => lambda.destroy());

      const stream = await createStream({ shardCount: 2 });
      onTestFinished(stream.cleanup);
      const { UUID } = await lambda.send(
        new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }),
      );
      const uuid = UUID!;
      const heldBy = (p: SluiceProcess) => (workerId: string) => workerId.startsWith(`${p.process.pid}-`);
      const split = await pollUntil(
        async () => {
          const leases = await readLeases(redis, uuid);
          const ofA = [...leases].filter(([, l]) => heldBy(a)(l.workerId));
          const ofB = [...leases].filter(([, l]) => heldBy(b)(l.workerId));
          return ofA.length === 1 && ofB.length === 1 ? { shardA: ofA[0]![0], tokenA: ofA[0]![1].token } : undefined;
        },
        { description: 'one shard per process', timeoutMs: 15_000 },
      );
      const { shardA } = split;

      const producer = new Producer(
        stream.streamName,
        Array.from({ length: 16 }, (_, i) => `key-${i}`),
        50,
      );
      onTestFinished(() => producer.stop());
      const shardRecords = (shardId: string) => router.records(stream.streamArn).filter((r) => shardOf(r) === shardId);
      await pollUntil(() => stream.shardIds.every((s) => shardRecords(s).length >= 20), { description: 'records of both shards', timeoutMs: 15_000 });

      // 1. Hold both paths until A's worker has a batch of A's shard open (and B's worker one of
      // B's shard). Which worker takes which job is BullMQ's choice: try again until it fits.
      const stale = await pollUntil(
        async () => {
          gates['/a']!.close();
          gates['/b']!.close();
          const [onA, onB] = await pollUntil(() => (gates['/a']!.held[0] && gates['/b']!.held[0] ? [gates['/a']!.held[0], gates['/b']!.held[0]] : undefined), {
            description: 'a request held on each path',
          });
          if (shardOfInvocation(onA) === shardA && shardOfInvocation(onB) !== shardA) return onA;
          gates['/a']!.open();
          gates['/b']!.open();
          await new Promise((resolve) => setTimeout(resolve, 100));
          return undefined;
        },
        { description: "A's worker invoking a batch of A's shard", timeoutMs: 30_000, intervalMs: 0 },
      );
      const staleIds = new Set(streamRecordsIn(stale).map((r) => r.eventID));
      const firstStale = streamRecordsIn(stale)[0]!.eventID;
      const staleJob = (await queue.getActive()).find((job) => job.data.payload.includes(firstStale));
      expect(staleJob, 'the batch job of the held invocation').toBeDefined();

      // 2. Stop A with J open. Its checkpoint of the shard stays put until the lease moves.
      a.process.child.kill(signal);
      const checkpointAtStop = (await readCheckpoints(redis, uuid)).get(shardA);
      const afterCheckpoint = producer.put
        .filter((p) => p.shardId === shardA && (checkpointAtStop === undefined || compareSequence(p.sequenceNumber, checkpointAtStop) > 0))
        .sort((x, y) => compareSequence(x.sequenceNumber, y.sequenceNumber));
      // One batch in flight per shard: J is the batch right after the checkpoint.
      expect(`${shardA}:${afterCheckpoint[0]?.sequenceNumber}`).toBe(firstStale);

      await pollUntil(
        async () => {
          const lease = (await readLeases(redis, uuid)).get(shardA);
          return lease && heldBy(b)(lease.workerId) && lease.token > split.tokenA;
        },
        { description: "B holding A's shard", timeoutMs: 15_000 },
      );
      const takenAt = Date.now();
      gates['/b']!.open();

      // 3. J's job is over (run again or refused), and B has moved on past J.
      await pollUntil(async () => ['unknown', 'completed', 'failed'].includes(await queue.getJobState(staleJob!.id!)), {
        description: "the stopped worker's job taken up again and ended",
        timeoutMs: 20_000,
      });
      const lastStale = streamRecordsIn(stale).at(-1)!.kinesis.sequenceNumber;
      await pollUntil(
        () => router.invocations(stream.streamArn).filter((r) => r.path === '/b' && shardOfInvocation(r) === shardA && compareSequence(streamRecordsIn(r)[0]!.kinesis.sequenceNumber, lastStale) > 0).length >= 2,
        { description: "B delivering records of A's shard newer than the stale batch", timeoutMs: 15_000 },
      );
      const fenced = (await scrapeMetrics(b.url)).value('sluice_fenced_invocations_total', { mapping: uuid });
      const continuedAt = signal === 'SIGSTOP' ? Date.now() : Infinity;
      if (signal === 'SIGSTOP') a.process.child.kill('SIGCONT');
      gates['/a']!.open();

      await producer.stop();
      const lastPut = new Map(producer.put.map((p) => [p.shardId, p.sequenceNumber]));
      await pollUntil(
        async () => {
          const checkpoints = await readCheckpoints(redis, uuid);
          return [...lastPut].every(([shardId, seq]) => checkpoints.get(shardId) === seq);
        },
        { description: 'every shard checkpointed at its last record', timeoutMs: 30_000 },
      );

      const deliveries = deliveriesOf(router.invocations(stream.streamArn)).filter((d) => d.at < continuedAt);
      // After the takeover (and before A is continued) the shard's records come in sequence
      // order, each once, from right after the checkpoint: the new holder's replay, then newer
      // records. The stale batch J is not invoked again.
      const afterTakeover = deliveries.filter((d) => d.at >= takenAt && shardOf(d.record) === shardA).map((d) => d.record);
      expect(afterTakeover[0]?.eventID).toBe(firstStale);
      const backwards = afterTakeover.filter((r, i) => i > 0 && compareSequence(r.kinesis.sequenceNumber, afterTakeover[i - 1]!.kinesis.sequenceNumber) <= 0);
      expect(backwards.map((r) => `${r.eventID} (${dataOf(r)}) again or out of order`)).toEqual([]);

      // Per key: a record never comes after a newer one of its key, except once in the replay
      // of the batch in flight at the stop (J's records, after the takeover).
      const highest = new Map<string, number>();
      const replayed = new Set<string>();
      const problems: string[] = [];
      for (const { record, at } of deliveries) {
        const [key, n] = keyAndN(record);
        const top = highest.get(key) ?? -1;
        if (n > top) highest.set(key, n);
        else if (staleIds.has(record.eventID) && at >= takenAt && !replayed.has(record.eventID)) replayed.add(record.eventID);
        else problems.push(`${key}: n=${n} delivered after n=${top}`);
      }
      expect(problems).toEqual([]);

      // The stalled job was taken up by B's worker and refused, not invoked.
      expect(fenced).toBeGreaterThanOrEqual(1);
      // Nothing lost.
      const delivered = new Set(router.records(stream.streamArn).map((r) => r.eventID));
      expect(producer.put.filter((p) => !delivered.has(`${p.shardId}:${p.sequenceNumber}`))).toEqual([]);
    },
  );
});
