/**
 * Production Redis (issue #11): Sluice on a real 3-master Redis Cluster (`redis.cluster`).
 * An SQS, a Kinesis and a DynamoDB Streams mapping deliver; a mapping's own keys share one
 * hash slot (its leases, checkpoints and their Lua scripts), cross-mapping keys and the
 * BullMQ queue share the `{sluice}` slot (src/redis/keyspace.ts); a kill -9 of one of two
 * `sluice start` processes loses nothing. Any script or MULTI whose keys spanned slots
 * would fail here with CROSSSLOT.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Cluster } from 'ioredis';
import { createQueue, createStream, createTableWithStream, dynamoDBClient, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { lambdaClientFor, startTestSluice } from '../support/sluice.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { putKinesis } from '../support/streams-e2e.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';
import { startTestRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';

let cluster: TestRedisCluster;
let target: RecordingTarget;
let admin: Cluster;

beforeAll(async () => {
  cluster = await startTestRedisCluster();
  target = await startRecordingTarget();
  admin = new Cluster(cluster.seeds);
}, 60_000);
afterAll(async () => {
  admin?.disconnect();
  await Promise.all([cluster?.stop(), target?.close()]);
});

type AnyRecord = { eventSourceARN?: string; body?: string; kinesis?: { data: string }; dynamodb?: { Keys: { pk: { S: string } } } };
const recordsFrom = (arn: string): AnyRecord[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: AnyRecord[] })?.Records ?? []).filter((rec) => rec.eventSourceARN === arn));
const slotOf = async (key: string): Promise<number> => (await admin.call('CLUSTER', 'KEYSLOT', key)) as number;

describe('Redis Cluster', () => {
  it('delivers SQS, Kinesis and DynamoDB Streams mappings; each mapping keeps its keys in one slot', { timeout: 60_000 }, async () => {
    const sluice = await startTestSluice(
      {
        redis: { url: 'redis://', cluster: cluster.seeds },
        functions: { echo: { http: target.url, timeout: 3 } },
        // No reconcile within the test: new mappings start through the change feed (pub/sub
        // published from a Lua script on one node, subscribed on another).
        supervisor: { reconcileIntervalMs: 600_000, shutdownTimeoutMs: 5000 },
      },
      0,
    );
    onTestFinished(() => sluice.stop());
    const [queue, stream, table] = await Promise.all([createQueue(), createStream({ shardCount: 2 }), createTableWithStream()]);
    onTestFinished(() => Promise.all([queue.cleanup(), stream.cleanup(), table.cleanup()]).then(() => undefined));
    const create = (arn: string, extra: Record<string, unknown> = {}) =>
      sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: arn, ...extra })).then((m) => m.UUID!);
    const [, kinesisUuid] = await Promise.all([
      create(queue.queueArn),
      create(stream.streamArn, { StartingPosition: 'TRIM_HORIZON' }),
      create(table.streamArn, { StartingPosition: 'TRIM_HORIZON' }),
    ]);

    await sendMessages(queue.queueUrl, ['a', 'b', 'c']);
    await putKinesis(stream.streamName, [1, 2, 3, 4].map((i) => ({ data: `k${i}`, key: `p${i}` })));
    for (let i = 0; i < 3; i++) await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: `item-${i}` } } }));

    await pollUntil(() => recordsFrom(queue.queueArn).length >= 3, { timeoutMs: 20_000, description: '3 SQS records' });
    await pollUntil(() => recordsFrom(stream.streamArn).length >= 4, { timeoutMs: 20_000, description: '4 Kinesis records' });
    await pollUntil(() => recordsFrom(table.streamArn).length >= 3, { timeoutMs: 20_000, description: '3 DynamoDB records' });
    expect(recordsFrom(queue.queueArn).map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
    expect(recordsFrom(table.streamArn).map((r) => r.dynamodb!.Keys.pk.S)).toEqual(['item-0', 'item-1', 'item-2']);

    // The Kinesis mapping's state: leases and checkpoints under its own tag, in one slot.
    const base = `{sluice:esm:${kinesisUuid}}`;
    await pollUntil(async () => (await admin.hlen(`${base}:checkpoints`)) > 0, { description: 'Kinesis checkpoints written' });
    expect(await admin.hlen(`${base}:shard-leases`)).toBe(2);
    expect(await slotOf(`${base}:checkpoints`)).toBe(await slotOf(`${base}:shard-leases`));
    // Cross-mapping keys and BullMQ's queue in the `{sluice}` slot.
    expect(await admin.zcard('{sluice}:esm:order')).toBe(3);
    expect(await admin.exists('{sluice}:workers', '{sluice}:store', '{sluice}:invoke:meta')).toBe(3);
    // No script, MULTI or pipeline met a slot error (CROSSSLOT, or a pipeline over nodes).
    expect(sluice.logs.filter((line) => /CROSSSLOT|same slot|same node|"level":(40|50|60)/.test(line))).toEqual([]);
  });

  it('loses nothing when one of two processes is killed with SIGKILL', { timeout: 90_000 }, async () => {
    const config = {
      redis: { cluster: cluster.seeds },
      functions: { echo: { http: target.url, timeout: 3 } },
      streams: { leaseMs: 2000 },
      supervisor: { workerTimeoutMs: 2000, heartbeatIntervalMs: 500, reconcileIntervalMs: 1000 },
    };
    // The URL gives only the scheme here (a cluster has database 0 only).
    const env = { SLUICE_REDIS_URL: `redis://127.0.0.1:${cluster.seeds[0]!.port}` };
    const processes: SluiceProcess[] = await Promise.all([startSluiceProcess(0, config, env), startSluiceProcess(0, config, env)]);
    onTestFinished(() => Promise.all(processes.map((p) => p.process.stop())).then(() => undefined));
    // Both workers registered before the mappings exist, so both take shards and jobs.
    await pollUntil(async () => (await admin.zcount('{sluice}:workers', Date.now() - 2000, '+inf')) === 2, { description: 'two live workers' });
    const lambda = lambdaClientFor(processes[1]!.url);
    onTestFinished(() => lambda.destroy());
    const [queue, stream] = await Promise.all([createQueue({ attributes: { VisibilityTimeout: '3' } }), createStream({ shardCount: 2 })]);
    onTestFinished(() => Promise.all([queue.cleanup(), stream.cleanup()]).then(() => undefined));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queue.queueArn, BatchSize: 5 }));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 5 }));

    const count = 200;
    const bodies = Array.from({ length: count }, (_, i) => `m${i}`);
    const put = async (from: number, to: number) => {
      await sendMessages(queue.queueUrl, bodies.slice(from, to));
      await putKinesis(stream.streamName, bodies.slice(from, to).map((data, i) => ({ data, key: `p${(from + i) % 7}` })));
    };
    for (let i = 0; i < count / 2; i += 10) await put(i, i + 10);
    await pollUntil(() => recordsFrom(queue.queueArn).length > 0 && recordsFrom(stream.streamArn).length > 0, { description: 'both mappings delivering' });
    process.kill(-processes[0]!.process.pid, 'SIGKILL');
    for (let i = count / 2; i < count; i += 10) await put(i, i + 10);

    const delivered = (arn: string, read: (r: AnyRecord) => string) => new Set(recordsFrom(arn).map(read));
    const kinesisData = (r: AnyRecord) => Buffer.from(r.kinesis!.data, 'base64').toString('utf8');
    await pollUntil(() => delivered(queue.queueArn, (r) => r.body!).size === count, { timeoutMs: 60_000, description: `all ${count} SQS messages delivered` });
    await pollUntil(() => delivered(stream.streamArn, kinesisData).size === count, { timeoutMs: 60_000, description: `all ${count} Kinesis records delivered` });
    expect([...delivered(queue.queueArn, (r) => r.body!)].sort()).toEqual([...bodies].sort());
    expect([...delivered(stream.streamArn, kinesisData)].sort()).toEqual([...bodies].sort());
  });
});
