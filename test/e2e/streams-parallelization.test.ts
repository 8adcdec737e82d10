/**
 * ParallelizationFactor end to end (streams.md §7): a shard runs as PF lanes, a record goes
 * to lane u32be(MD5(key)[0..4]) mod PF, so records of one key are never invoked
 * concurrently nor out of order while different keys run side by side; a failing lane
 * blocks only itself, and the shard checkpoint never passes a record that is not done.
 */
import { createHash } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, it } from 'vitest';
import { createStream, createTableWithStream, dynamoDBClient, pollUntil, type RecordedRequest } from '../support/index.js';
import { createMapping } from '../support/sqs-e2e.js';
import {
  CheckpointWatch,
  compareSequence,
  dataOf,
  maxOverlap,
  putKinesis,
  recordsByKey,
  useStreamTestbed,
  streamRecordsIn,
  type DynamoEvent,
} from '../support/streams-e2e.js';

const bed = useStreamTestbed('fn');

/** The lane formula of §7, written here independently of the implementation. */
const laneOf = (key: string, pf: number) => createHash('md5').update(key, 'utf8').digest().readUInt32BE(0) % pf;

/** The lane of every record of an invocation (a batch holds one lane's records only). */
const lanesOf = (request: RecordedRequest, pf: number, keyOf: (record: never) => string) =>
  new Set(streamRecordsIn(request).map((r) => laneOf(keyOf(r as never), pf)));

describe.concurrent('ParallelizationFactor', () => {
  it('Kinesis, one shard, PF 4: lanes invoke side by side, one batch per lane at a time, every key in order, exactly once', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    bed.router.on(stream.streamArn, { delayMs: 150 });
    const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
    // Every lane of the four has records.
    expect(new Set(keys.map((k) => laneOf(k, 4))).size).toBe(4);
    const written: { sequenceNumber: string; shardId: string }[] = [];
    for (let round = 0; round < 5; round++) written.push(...(await putKinesis(stream.streamName, keys.map((key) => ({ key, data: `${key}:${round}` })))));
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 5,
      ParallelizationFactor: 4,
    });
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());

    await bed.router.waitForRecords(stream.streamArn, written.length, 20_000);
    const invocations = await bed.router.waitForInvocations(stream.streamArn, bed.router.invocations(stream.streamArn).length);
    const records = invocations.flatMap((r) => streamRecordsIn(r));
    expect(records.map(dataOf).sort()).toEqual(written.map((_, i) => `${keys[i % 16]}:${Math.floor(i / 16)}`).sort());

    const keyOf = (r: { kinesis: { partitionKey: string } }) => r.kinesis.partitionKey;
    for (const invocation of invocations) {
      expect(streamRecordsIn(invocation).length).toBeLessThanOrEqual(5);
      expect(lanesOf(invocation, 4, keyOf as never).size).toBe(1);
    }
    // Lanes run side by side, at most PF invocations of the shard at once...
    const overlap = maxOverlap(invocations);
    expect(overlap).toBeGreaterThanOrEqual(2);
    expect(overlap).toBeLessThanOrEqual(4);
    // ...and one batch per lane at a time.
    for (let lane = 0; lane < 4; lane++) {
      expect(maxOverlap(invocations.filter((r) => lanesOf(r, 4, keyOf as never).has(lane))), `lane ${lane}`).toBe(1);
    }
    for (const [key, keyed] of recordsByKey(records)) {
      expect(keyed.map(dataOf), key).toEqual([0, 1, 2, 3, 4].map((round) => `${key}:${round}`));
    }
    // The checkpoint reaches the shard's last record and never went backwards.
    const last = written.map((w) => w.sequenceNumber).sort(compareSequence).at(-1)!;
    await watch.until((c) => c.get(written[0]!.shardId) === last, 'checkpoint at the last record');
    await watch.expectNeverBackwards();
  });

  it('DynamoDB, PF 3: lanes by the hash key, items of one key in order, several lanes at once', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    bed.router.on(table.streamArn, { delayMs: 150 });
    const items = Array.from({ length: 9 }, (_, i) => `item-${i}`);
    // The lane key of a DynamoDB record is the JSON of the typed hash-key value (§7).
    expect(new Set(items.map((pk) => laneOf(JSON.stringify({ S: pk }), 3))).size).toBe(3);
    for (let version = 0; version < 4; version++) {
      for (const pk of items) {
        await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: pk }, version: { N: String(version) } } }));
      }
    }
    await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 3,
      ParallelizationFactor: 3,
    });
    const records = await bed.router.waitForRecords<DynamoEvent>(table.streamArn, items.length * 4, 20_000);
    const invocations = await bed.router.waitForInvocations(table.streamArn, bed.router.invocations(table.streamArn).length);
    expect(records).toHaveLength(items.length * 4);
    const keyOf = (r: DynamoEvent) => JSON.stringify(r.dynamodb.Keys.pk);
    for (const invocation of invocations) expect(lanesOf(invocation, 3, keyOf as never).size).toBe(1);
    expect(maxOverlap(invocations)).toBeGreaterThanOrEqual(2);
    for (const pk of items) {
      const versions = records.filter((r) => r.dynamodb.Keys.pk?.S === pk).map((r) => (r.dynamodb.NewImage?.version as { N: string }).N);
      expect(versions, pk).toEqual(['0', '1', '2', '3']);
    }
  });

  it('a failing lane blocks only itself; the checkpoint waits before its records until they are discarded, then moves to the end', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);
    const poison = keys[0]!;
    const poisonLane = laneOf(poison, 2);
    bed.router.on(stream.streamArn, (request) =>
      streamRecordsIn(request).some((r) => dataOf(r) === `${poison}:1`) ? { status: 500, json: { errorMessage: 'poison' } } : {},
    );
    const written: { sequenceNumber: string; shardId: string }[] = [];
    for (let round = 0; round < 3; round++) written.push(...(await putKinesis(stream.streamName, keys.map((key) => ({ key, data: `${key}:${round}` })))));
    const poisonSequence = written.find((_, i) => keys[i % 8] === poison && Math.floor(i / 8) === 1)!.sequenceNumber;
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1,
      ParallelizationFactor: 2,
      MaximumRetryAttempts: 2,
    });
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());

    // Every record of the other lane is delivered while the poison record is still retrying.
    const otherLane = written.map((_, i) => `${keys[i % 8]}:${Math.floor(i / 8)}`).filter((data) => laneOf(data.split(':')[0]!, 2) !== poisonLane);
    await pollUntil(() => {
      const delivered = new Set(bed.router.records(stream.streamArn).map(dataOf));
      return otherLane.every((data) => delivered.has(data));
    }, { description: 'every record of the other lane', timeoutMs: 20_000 });
    const attempts = () => bed.router.records(stream.streamArn).filter((r) => dataOf(r) === `${poison}:1`).length;
    expect(attempts()).toBeLessThan(3);
    // Meanwhile the checkpoint has not passed the poison record.
    const before = await watch.sample();
    const checkpoint = before.get(written[0]!.shardId);
    expect(checkpoint === undefined || compareSequence(checkpoint, poisonSequence) < 0).toBe(true);

    // 1 + 2 retries, then discarded (no destination): the lane and the checkpoint move on.
    const last = written.map((w) => w.sequenceNumber).sort(compareSequence).at(-1)!;
    await watch.until((c) => c.get(written[0]!.shardId) === last, 'checkpoint at the last record', 20_000);
    expect(attempts()).toBe(3);
    const delivered = bed.router.records(stream.streamArn).map(dataOf);
    for (let i = 0; i < written.length; i++) expect(delivered).toContain(`${keys[i % 8]}:${Math.floor(i / 8)}`);
    await watch.expectNeverBackwards();
  });
});
