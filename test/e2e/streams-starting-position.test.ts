/**
 * StartingPosition (streams.md §3): applies once, to shards without a checkpoint.
 * Kinesis TRIM_HORIZON / LATEST / AT_TIMESTAMP and DynamoDB TRIM_HORIZON / LATEST, with
 * LATEST pinned when the mapping is created: records written between Create and the first
 * poll (here: while the mapping is still Disabled) are delivered, older ones are not.
 * Real kinesis-local, DynamoDB Local and Redis.
 */
import { describe, it } from 'vitest';
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createRedis, createStream, createTableWithStream, dynamoDBClient, kinesisClient, pollUntil } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { createMapping } from '../support/sqs-e2e.js';
import { useStreamTestbed, CheckpointWatch, compareSequence, dataOf, putKinesis, shardOf, type DynamoEvent } from '../support/streams-e2e.js';

const bed = useStreamTestbed('echo');

const put = (streamName: string, data: string[], key = (i: number) => `k${i}`) =>
  putKinesis(
    streamName,
    data.map((d, i) => ({ key: key(i), data: d })),
  );

describe.concurrent('Kinesis StartingPosition', () => {
  it('TRIM_HORIZON: every record already in every shard, in order per shard, checkpointed to the last one', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const written = await put(
      stream.streamName,
      Array.from({ length: 20 }, (_, i) => `old-${i}`),
    );
    expect(new Set(written.map((w) => w.shardId)).size).toBe(2);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 4 });
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    const records = await bed.router.waitForRecords(stream.streamArn, 20);
    expect(records.map(dataOf).sort()).toEqual(written.map((_, i) => `old-${i}`).sort());
    for (const shardId of stream.shardIds) {
      const inShard = records.filter((r) => shardOf(r) === shardId).map((r) => r.kinesis.sequenceNumber);
      expect(inShard).toEqual(written.filter((w) => w.shardId === shardId).map((w) => w.sequenceNumber));
    }
    // Each shard's checkpoint reaches its last record.
    await watch.until(
      (checkpoints) => stream.shardIds.every((shardId) => checkpoints.get(shardId) === written.filter((w) => w.shardId === shardId).at(-1)!.sequenceNumber),
      'checkpoints at the last records',
    );
    await watch.expectNeverBackwards();
  });

  it('LATEST: records written after Create are delivered, even while the mapping is still Disabled; older ones never', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    await put(
      stream.streamName,
      Array.from({ length: 10 }, (_, i) => `before-${i}`),
    );
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', Enabled: false });
    // Between Create and the first poll: no poller runs yet.
    await put(
      stream.streamName,
      Array.from({ length: 10 }, (_, i) => `between-${i}`),
    );
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');
    await put(
      stream.streamName,
      Array.from({ length: 4 }, (_, i) => `after-${i}`),
    );
    const records = await bed.router.waitForRecords(stream.streamArn, 14);
    expect(records.map(dataOf).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `between-${i}`), ...Array.from({ length: 4 }, (_, i) => `after-${i}`)].sort());
    // Nothing older turns up later either: the last records are done, and no "before" was delivered.
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((checkpoints) => checkpoints.size === 2, 'both shards checkpointed');
    expect(bed.router.records(stream.streamArn).map(dataOf).filter((d) => d.startsWith('before'))).toEqual([]);
  });

  it('AT_TIMESTAMP: only records that arrived at or after the timestamp, in every shard', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const old = await put(
      stream.streamName,
      Array.from({ length: 10 }, (_, i) => `old-${i}`),
    );
    // The arrival time of the newest old record, as kinesis-local stamped it.
    const lastOldArrival = Math.max(...(await arrivalTimes(stream.streamName, old.map((o) => o.shardId))));
    await pollUntil(() => Date.now() > lastOldArrival + 5, { intervalMs: 1, description: 'clock past the old records' });
    const timestamp = new Date(Date.now());
    await pollUntil(() => Date.now() > timestamp.getTime() + 5, { intervalMs: 1, description: 'clock past the timestamp' });
    await put(
      stream.streamName,
      Array.from({ length: 10 }, (_, i) => `new-${i}`),
    );
    await createMapping(bed.sluice.lambda, {
      FunctionName: 'echo',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: timestamp,
    });
    await put(
      stream.streamName,
      Array.from({ length: 4 }, (_, i) => `later-${i}`),
    );
    const records = await bed.router.waitForRecords(stream.streamArn, 14);
    expect(records.map(dataOf).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `new-${i}`), ...Array.from({ length: 4 }, (_, i) => `later-${i}`)].sort());
    for (const record of records) expect(record.kinesis.approximateArrivalTimestamp * 1000).toBeGreaterThanOrEqual(timestamp.getTime());
  });

  it('AT_TIMESTAMP: the shards of Create are pinned; shards that appear later start at their first record (§3)', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    // The timestamp may not be in the future (api.md), so records of later shards normally
    // arrive after it anyway; what differs is where their reading starts, which is pinned:
    // the shards of Create read at the timestamp, the others from their first record.
    const timestamp = new Date();
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'echo',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: timestamp,
    });
    const [root] = stream.shardIds as [string];
    const redis = createRedis({ db: bed.db });
    onTestFinished(() => redis.disconnect());
    expect(JSON.parse((await redis.get(`sluice:esm:${uuid}:latest`))!)).toEqual({ [root]: 'EXISTED_AT_CREATION' });
    await kinesisClient().send(new SplitShardCommand({ StreamName: stream.streamName, ShardToSplit: root, NewStartingHashKey: (2n ** 127n).toString() }));
    await pollUntil(
      async () => (await kinesisClient().send(new DescribeStreamSummaryCommand({ StreamName: stream.streamName }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      { description: 'stream ACTIVE after the split', intervalMs: 20 },
    );
    const children = ((await kinesisClient().send(new ListShardsCommand({ StreamName: stream.streamName }))).Shards ?? []).filter((s) => s.ParentShardId === root);
    expect(children).toHaveLength(2);
    const written = await put(stream.streamName, ['child-0', 'child-1', 'child-2', 'child-3'], (i) => `key-${i}`);
    const records = await bed.router.waitForRecords(stream.streamArn, 4, 20_000);
    expect(records.map(dataOf).sort()).toEqual(['child-0', 'child-1', 'child-2', 'child-3']);
    expect(new Set(records.map(shardOf))).toEqual(new Set(written.map((w) => w.shardId)));
    for (const child of new Set(written.map((w) => w.shardId))) expect(children.map((c) => c.ShardId)).toContain(child);
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((c) => c.get(root) === 'SHARD_END', 'the parent read to its end');
  });
});

/** Every record's arrival time (ms) in the given shards, read from TRIM_HORIZON. */
async function arrivalTimes(streamName: string, shardIds: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const shardId of new Set(shardIds)) {
    const { ShardIterator } = await kinesisClient().send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const { Records = [] } = await kinesisClient().send(new GetRecordsCommand({ ShardIterator }));
    times.push(...Records.map((r) => r.ApproximateArrivalTimestamp!.getTime()));
  }
  return times;
}

describe.concurrent('DynamoDB Streams StartingPosition', () => {
  const ddb = () => dynamoDBClient();
  const putItem = (tableName: string, pk: string) => ddb().send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, v: { N: '1' } } }));

  it('TRIM_HORIZON: every change already in the stream, in order, then new ones', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    for (let i = 0; i < 4; i++) await putItem(table.tableName, `item-${i}`);
    await ddb().send(new UpdateItemCommand({ TableName: table.tableName, Key: { pk: { S: 'item-0' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
    await ddb().send(new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: 'item-1' } } }));
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'echo', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 3 });
    await putItem(table.tableName, 'item-new');
    const records = await bed.router.waitForRecords<DynamoEvent>(table.streamArn, 7);
    expect(records.map((r) => `${r.eventName} ${r.dynamodb.Keys.pk!.S}`)).toEqual([
      'INSERT item-0',
      'INSERT item-1',
      'INSERT item-2',
      'INSERT item-3',
      'MODIFY item-0',
      'REMOVE item-1',
      'INSERT item-new',
    ]);
    const sequence = records.map((r) => r.dynamodb.SequenceNumber);
    expect([...sequence].sort(compareSequence)).toEqual(sequence);
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((checkpoints) => [...checkpoints.values()].includes(sequence.at(-1)!), 'checkpoint at the last change');
  });

  it('LATEST: changes made after Create are delivered, even while the mapping is still Disabled; older ones never', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    for (let i = 0; i < 3; i++) await putItem(table.tableName, `before-${i}`);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'echo', EventSourceArn: table.streamArn, StartingPosition: 'LATEST', Enabled: false });
    for (let i = 0; i < 3; i++) await putItem(table.tableName, `between-${i}`);
    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitForState(bed.sluice.lambda, uuid, 'Enabled');
    await putItem(table.tableName, 'after-0');
    const records = await bed.router.waitForRecords<DynamoEvent>(table.streamArn, 4);
    expect(records.map((r) => r.dynamodb.Keys.pk!.S)).toEqual(['between-0', 'between-1', 'between-2', 'after-0']);
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((checkpoints) => [...checkpoints.values()].includes(records.at(-1)!.dynamodb.SequenceNumber), 'checkpoint at the last change');
    expect(bed.router.records<DynamoEvent>(table.streamArn).length).toBe(4);
  });
});
