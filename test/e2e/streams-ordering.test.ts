/**
 * One batch in flight per shard (streams.md §6): a shard's next batch is invoked only after
 * the previous one ended, shards run side by side, and a batch holds one shard's records in
 * sequence order, so every shard (and every partition key) is delivered in order.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { allocateRedisDb, createStream, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createMapping } from '../support/sqs-e2e.js';
import {
  StreamRouter,
  compareSequence,
  dataOf,
  invocationsByShard,
  maxOverlap,
  putKinesis,
  recordsByKey,
  shardOf,
  streamRecordsIn,
} from '../support/streams-e2e.js';

let target: RecordingTarget;
let router: StreamRouter;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  router = new StreamRouter(target);
  sluice = await startTestSluice({ functions: { slow: { http: target.url, timeout: 5 } }, streams: { leaseMs: 3000 } }, await allocateRedisDb());
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

describe.concurrent('one batch in flight per shard', () => {
  it('never overlaps two invocations of one shard, runs shards side by side, and keeps each shard and key in order', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 3 });
    onTestFinished(stream.cleanup);
    router.on(stream.streamArn, { delayMs: 120 });
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const entries = (round: number) => keys.map((key) => ({ key, data: `${key}:${round}` }));
    const written = [...(await putKinesis(stream.streamName, entries(0))), ...(await putKinesis(stream.streamName, entries(1)))];
    await createMapping(sluice.lambda, { FunctionName: 'slow', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 3 });
    // More records while the first batches are being invoked.
    for (let round = 2; round < 5; round++) written.push(...(await putKinesis(stream.streamName, entries(round))));
    expect(new Set(written.map((w) => w.shardId)).size).toBe(3);

    await router.waitForRecords(stream.streamArn, written.length, 20_000);
    const invocations = await router.waitForInvocations(stream.streamArn, router.invocations(stream.streamArn).length);
    const records = invocations.flatMap((r) => streamRecordsIn(r));
    // Exactly once each.
    expect(records.map(dataOf).sort()).toEqual(written.map((_, i) => `${keys[i % 12]}:${Math.floor(i / 12)}`).sort());

    const byShard = invocationsByShard(invocations);
    expect([...byShard.keys()].sort()).toEqual(stream.shardIds);
    for (const [shardId, shardInvocations] of byShard) {
      // One shard per batch, at most BatchSize records.
      for (const invocation of shardInvocations) {
        const batch = streamRecordsIn(invocation);
        expect(batch.length).toBeLessThanOrEqual(3);
        expect(new Set(batch.map(shardOf))).toEqual(new Set([shardId]));
      }
      // The next batch of a shard only after the previous one was answered.
      expect(maxOverlap(shardInvocations), shardId).toBe(1);
      // The shard in sequence order: exactly the order the stream holds.
      const delivered = shardInvocations.flatMap((r) => streamRecordsIn(r)).map((r) => r.kinesis.sequenceNumber);
      expect(delivered, shardId).toEqual(written.filter((w) => w.shardId === shardId).map((w) => w.sequenceNumber));
    }
    // Shards do not wait for each other.
    expect(maxOverlap(invocations)).toBeGreaterThanOrEqual(2);
    // Per key, the order of writing.
    for (const [key, keyed] of recordsByKey(records)) {
      expect(keyed.map(dataOf), key).toEqual([0, 1, 2, 3, 4].map((round) => `${key}:${round}`));
      expect([...keyed.map((r) => r.kinesis.sequenceNumber)].sort(compareSequence)).toEqual(keyed.map((r) => r.kinesis.sequenceNumber));
    }
  });

  it('AWS-observed: one shard, BatchSize 10, a slow function, 20 records -> two invocations of 10, the second after the first ended', async ({
    expect,
    onTestFinished,
  }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    router.on(stream.streamArn, { delayMs: 500 });
    await putKinesis(
      stream.streamName,
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, data: `r${i}` })),
    );
    await createMapping(sluice.lambda, { FunctionName: 'slow', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 });
    const [first, second] = await router.waitForInvocations(stream.streamArn, 2);
    expect(streamRecordsIn(first!).map(dataOf)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(streamRecordsIn(second!).map(dataOf)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i + 10}`));
    expect(second!.receivedAt).toBeGreaterThanOrEqual(first!.respondedAt!);
    expect(router.invocations(stream.streamArn)).toHaveLength(2);
  });
});
