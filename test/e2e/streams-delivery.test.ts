/**
 * Kinesis and DynamoDB Streams mappings deliver (streams.md §2–§9): every record of every
 * shard, in order per shard, from their StartingPosition, resuming from the checkpoint
 * after a restart without replay or skip. Real kinesis-local, DynamoDB Local and Redis.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  allocateRedisDb,
  createStream,
  createTableWithStream,
  dynamoDBClient,
  kinesisClient,
  pollUntil,
  startRecordingTarget,
  type RecordingTarget,
} from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';

let target: RecordingTarget;
beforeAll(async () => {
  target = await startRecordingTarget();
});
afterAll(async () => {
  await target?.close();
});

type KinesisEvent = { kinesis: { partitionKey: string; sequenceNumber: string; data: string }; eventID: string; eventSourceARN: string };
type DynamoEvent = { eventName: string; dynamodb: { Keys: Record<string, { S: string }>; NewImage?: Record<string, { S?: string; N?: string }> }; eventSourceARN: string };

const recordsFor = <T extends { eventSourceARN: string }>(arn: string): T[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: T[] })?.Records ?? []).filter((rec) => rec.eventSourceARN === arn));

async function putKinesis(streamName: string, entries: { key: string; data: string }[]): Promise<void> {
  const result = await kinesisClient().send(
    new PutRecordsCommand({ StreamName: streamName, Records: entries.map((e) => ({ PartitionKey: e.key, Data: Buffer.from(e.data) })) }),
  );
  expect(result.FailedRecordCount ?? 0).toBe(0);
}

const decode = (e: KinesisEvent) => Buffer.from(e.kinesis.data, 'base64').toString('utf8');

describe('Kinesis mapping', () => {
  let sluice: TestSluice;
  let db: number;
  beforeAll(async () => {
    db = await allocateRedisDb();
    sluice = await startTestSluice({ functions: { echo: { http: target.url, timeout: 3 } }, streams: { leaseMs: 3000 } }, db);
  });
  afterAll(async () => {
    await sluice?.stop();
  });

  it('TRIM_HORIZON: every record of every shard, in order per shard and per key; resumes after a restart without replay', async () => {
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, data: `a${i}` }));
    await putKinesis(stream.streamName, first);
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 7 }),
    );
    await pollUntil(() => recordsFor<KinesisEvent>(stream.streamArn).length >= 30, { description: '30 records', timeoutMs: 20_000 });
    const delivered = recordsFor<KinesisEvent>(stream.streamArn);
    expect(delivered.map(decode).sort()).toEqual(first.map((e) => e.data).sort());
    // Per key, the order of writing.
    for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
      expect(delivered.filter((e) => e.kinesis.partitionKey === key).map(decode)).toEqual(first.filter((e) => e.key === key).map((e) => e.data));
    }
    for (const request of target.requests) {
      const records = (request.body as { Records?: KinesisEvent[] })?.Records ?? [];
      expect(records.length).toBeLessThanOrEqual(7);
      expect(new Set(records.map((r) => r.eventID.split(':')[0])).size).toBeLessThanOrEqual(1); // one shard per batch
    }
    await pollUntil(async () => (await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID }))).LastProcessingResult === 'OK', {
      description: 'LastProcessingResult OK',
    });

    // Restart: the checkpoints hold; only new records arrive.
    await sluice.stop();
    const second = Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 5}`, data: `b${i}` }));
    await putKinesis(stream.streamName, second);
    sluice = await startTestSluice({ functions: { echo: { http: target.url, timeout: 3 } }, streams: { leaseMs: 3000 } }, db);
    await pollUntil(() => recordsFor<KinesisEvent>(stream.streamArn).length >= 40, { description: '40 records', timeoutMs: 20_000 });
    const all = recordsFor<KinesisEvent>(stream.streamArn).map(decode);
    expect(all.sort()).toEqual([...first, ...second].map((e) => e.data).sort());
  });

  it('LATEST: records written right after Create are delivered, older ones are not', async () => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    await putKinesis(stream.streamName, [{ key: 'x', data: 'before' }]);
    await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST' }));
    await putKinesis(stream.streamName, [{ key: 'x', data: 'after-1' }, { key: 'y', data: 'after-2' }]);
    await pollUntil(() => recordsFor<KinesisEvent>(stream.streamArn).length >= 2, { description: 'records after Create', timeoutMs: 20_000 });
    expect(recordsFor<KinesisEvent>(stream.streamArn).map(decode)).toEqual(['after-1', 'after-2']);
  });
});

describe('DynamoDB Streams mapping', () => {
  it('delivers INSERT records in order with their images', async () => {
    const sluice = await startTestSluice({ functions: { echo: { http: target.url, timeout: 3 } } });
    onTestFinished(() => sluice.stop());
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 3 }),
    );
    for (let i = 0; i < 5; i++) {
      await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: `item-${i}` }, n: { N: String(i) } } }));
    }
    await pollUntil(() => recordsFor<DynamoEvent>(table.streamArn).length >= 5, { description: '5 stream records', timeoutMs: 20_000 });
    const records = recordsFor<DynamoEvent>(table.streamArn);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT', 'INSERT', 'INSERT']);
    expect(records.map((r) => r.dynamodb.Keys.pk!.S)).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    expect(records[2]!.dynamodb.NewImage).toEqual({ pk: { S: 'item-2' }, n: { N: '2' } });
  });
});
