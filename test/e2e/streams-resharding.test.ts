/**
 * Resharding while a Kinesis mapping runs (streams.md §2, §3): a split and then a merge of
 * the children, with records flowing all along. Children start only once every parent was
 * read to its end (checkpoint SHARD_END), from their first record, so every record is
 * delivered exactly once and each partition key keeps its order across the reshard.
 */
import { describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DescribeStreamSummaryCommand, ListShardsCommand, MergeShardsCommand, SplitShardCommand, type Shard } from '@aws-sdk/client-kinesis';
import { allocateRedisDb, createStream, kinesisClient, pollUntil, startRecordingTarget } from '../support/index.js';
import { startTestSluice } from '../support/sluice.js';
import { createMapping } from '../support/sqs-e2e.js';
import { startStreamTestbed, streamSluiceConfig, CheckpointWatch, Producer, StreamRouter, dataOf, invocationsByShard, putKinesis, recordsByKey, streamRecordsIn } from '../support/streams-e2e.js';

async function shards(streamName: string): Promise<Shard[]> {
  return (await kinesisClient().send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
}

async function waitActive(streamName: string): Promise<void> {
  await pollUntil(
    async () => (await kinesisClient().send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { description: `${streamName} ACTIVE`, intervalMs: 20 },
  );
}

describe.concurrent('resharding while records flow', () => {
  it('split then merge: children after their parents, every record once, each key in order', async ({ expect, onTestFinished }) => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const router = new StreamRouter(target, { delayMs: 10 });
    const db = await allocateRedisDb();
    const sluice = await startTestSluice(streamSluiceConfig(target), db);
    onTestFinished(() => sluice.stop());
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const producer = new Producer(
      stream.streamName,
      Array.from({ length: 10 }, (_, i) => `key-${i}`),
      20,
    );
    onTestFinished(() => producer.stop());
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 });
    const watch = new CheckpointWatch(db, uuid);
    onTestFinished(() => watch.close());
    const deliveredFrom = (shardId: string) => router.records(stream.streamArn).filter((r) => r.eventID.startsWith(`${shardId}:`)).length;

    const [root] = stream.shardIds as [string];
    await pollUntil(() => deliveredFrom(root) >= 30, { description: 'records of the first shard' });

    // Split the shard in the middle of its hash range.
    await kinesisClient().send(new SplitShardCommand({ StreamName: stream.streamName, ShardToSplit: root, NewStartingHashKey: (2n ** 127n).toString() }));
    await waitActive(stream.streamName);
    const children = (await shards(stream.streamName)).filter((s) => s.ParentShardId === root).map((s) => s.ShardId!);
    expect(children).toHaveLength(2);
    await pollUntil(() => children.every((c) => deliveredFrom(c) >= 10), { description: 'records of both children', timeoutMs: 15_000 });

    // Merge the two children back into one.
    const [left, right] = children.sort() as [string, string];
    await kinesisClient().send(new MergeShardsCommand({ StreamName: stream.streamName, ShardToMerge: left, AdjacentShardToMerge: right }));
    await waitActive(stream.streamName);
    const merged = (await shards(stream.streamName)).find((s) => s.ParentShardId === left || s.AdjacentParentShardId === left);
    expect([merged?.ParentShardId, merged?.AdjacentParentShardId].sort()).toEqual([left, right]);
    await pollUntil(() => deliveredFrom(merged!.ShardId!) >= 20, { description: 'records of the merged shard', timeoutMs: 15_000 });

    await producer.stop();
    const lastOf = (shardId: string) => producer.put.filter((p) => p.shardId === shardId).at(-1)!.sequenceNumber;
    await watch.until(
      (checkpoints) =>
        [root, left, right].every((s) => checkpoints.get(s) === 'SHARD_END') && checkpoints.get(merged!.ShardId!) === lastOf(merged!.ShardId!),
      'parents SHARD_END, the merged shard at its last record',
      20_000,
    );
    // Every shard of the lineage received records.
    expect(new Set(producer.put.map((p) => p.shardId))).toEqual(new Set([root, left, right, merged!.ShardId!]));

    const invocations = router.invocations(stream.streamArn);
    const records = invocations.flatMap((r) => streamRecordsIn(r));
    // Every record exactly once.
    expect(records.map(dataOf).sort()).toEqual(producer.put.map((p) => p.data).sort());
    // Per key, the order of writing, across the split and the merge.
    for (const [key, keyed] of recordsByKey(records)) {
      expect(keyed.map(dataOf), key).toEqual(producer.put.filter((p) => p.key === key).map((p) => p.data));
    }
    // A child's first invocation came after the last invocation of each parent had ended...
    const byShard = invocationsByShard(invocations);
    const lineage: [string, string[]][] = [
      [left, [root]],
      [right, [root]],
      [merged!.ShardId!, [left, right]],
    ];
    for (const [child, parents] of lineage) {
      const firstOfChild = Math.min(...byShard.get(child)!.map((r) => r.receivedAt));
      for (const parent of parents) {
        expect(firstOfChild, `${child} after ${parent}`).toBeGreaterThanOrEqual(Math.max(...byShard.get(parent)!.map((r) => r.respondedAt!)));
      }
    }
    // ...and no child had a checkpoint before all its parents were checkpointed SHARD_END.
    for (const { checkpoints } of watch.snapshots) {
      for (const [child, parents] of lineage) {
        if (checkpoints.has(child)) expect(parents.map((p) => checkpoints.get(p)), `${child}'s parents`).toEqual(parents.map(() => 'SHARD_END'));
      }
    }
    await watch.expectNeverBackwards();
  });

  it('LATEST: a split after Create delivers the parent after its pinned position, then the children from their first record', async ({ expect, onTestFinished }) => {
    const { router, sluice, db, stop } = await startStreamTestbed();
    onTestFinished(stop);
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
    await putKinesis(
      stream.streamName,
      keys.map((key) => ({ key, data: `${key}:old` })),
    );
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', Enabled: false });
    const beforeSplit = await putKinesis(
      stream.streamName,
      keys.map((key) => ({ key, data: `${key}:0` })),
    );
    const [root] = stream.shardIds as [string];
    await kinesisClient().send(new SplitShardCommand({ StreamName: stream.streamName, ShardToSplit: root, NewStartingHashKey: (2n ** 127n).toString() }));
    await waitActive(stream.streamName);
    const afterSplit = await putKinesis(
      stream.streamName,
      keys.map((key) => ({ key, data: `${key}:1` })),
    );
    expect(new Set(afterSplit.map((w) => w.shardId)).size).toBe(2);
    // Polling starts only now, after the split: the pin of Create still applies to the parent.
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    const records = await router.waitForRecords(stream.streamArn, beforeSplit.length + afterSplit.length);
    expect(records.map(dataOf).sort()).toEqual(keys.flatMap((key) => [`${key}:0`, `${key}:1`]).sort());
    for (const [key, keyed] of recordsByKey(records)) expect(keyed.map(dataOf), key).toEqual([`${key}:0`, `${key}:1`]);
    // Nothing older than the pin, then or later.
    const watch = new CheckpointWatch(db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((checkpoints) => checkpoints.get(root) === 'SHARD_END' && checkpoints.size === 3, 'parent ended, children checkpointed');
    expect(router.records(stream.streamArn).length).toBe(records.length);
  });
});
