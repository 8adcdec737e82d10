/**
 * Rewinding a stream mapping (issue #16 "done when"): two `sluice start` processes (real
 * child processes of the built CLI, `npm run build` first) share a 4-shard Kinesis stream;
 * records with known partition keys are all processed; a rewind to TRIM_HORIZON delivers
 * every record exactly once more, in order per shard; a rewind AT_TIMESTAMP (a time between
 * two put phases) delivers exactly the later records once more; the replays are counted in
 * sluice_replayed_events_total. A DynamoDB Streams mapping rewinds to TRIM_HORIZON, to LATEST
 * from the CLI, and while Disabled; an SQS mapping is refused. After a split the closed
 * parent is reopened and its children wait for it; a batch retrying forever does not hold
 * the pause; a process that cannot pause drops out of the barrier and is fenced.
 * Real kinesis-local, DynamoDB Local, fauxqs and Redis.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it, onTestFinished, type ExpectStatic } from 'vitest';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import {
  allocateRedisDb,
  createQueue,
  createRedis,
  createStream,
  createTableWithStream,
  dynamoDBClient,
  kinesisClient,
  pollUntil,
  startRecordingTarget,
  type RecordedRequest,
} from '../support/index.js';
import { lambdaClientFor, startTestSluice } from '../support/sluice.js';
import { SLUICE_BIN, startTwoSluiceProcesses, type SluiceProcess } from '../support/sluice-process.js';
import { scrapeMetrics } from '../support/prometheus.js';
import {
  StreamRouter,
  compareSequence,
  dataOf,
  putKinesis,
  readCheckpoints,
  readLeases,
  sequenceOf,
  shardOf,
  streamRecordsIn,
  type DynamoEvent,
  type KinesisEvent,
} from '../support/streams-e2e.js';

const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);

async function postRewind(baseUrl: string, uuid: string, body: unknown): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/sluice/v1/event-source-mappings/${uuid}/rewind`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, unknown> };
}

interface RewindView {
  RewindId: string;
  State: string;
  Moves: { ShardId: string; From: string | null; To: string }[];
  PausedWorkers: string[];
}

/** Polls GET .../rewind until the rewind `id` is Completed. */
async function rewindCompleted(baseUrl: string, uuid: string, id: string): Promise<RewindView> {
  return pollUntil(
    async () => {
      const response = await fetch(`${baseUrl}/sluice/v1/event-source-mappings/${uuid}/rewind`);
      const view = (await response.json()) as RewindView;
      return view.RewindId === id && view.State === 'Completed' ? view : undefined;
    },
    { description: `rewind ${id} Completed`, timeoutMs: 20_000, intervalMs: 100 },
  );
}

/** Every delivered record, in arrival order (records of one invocation in batch order). */
const deliveries = <T extends KinesisEvent | DynamoEvent>(requests: readonly RecordedRequest[]): T[] =>
  [...requests].sort((a, b) => a.receivedAt - b.receivedAt).flatMap((r) => streamRecordsIn<T>(r));

/**
 * `delivered` holds each record of `expected` exactly once and nothing else, and per shard in
 * sequence order.
 */
function expectExactlyOnceInOrder(expect: ExpectStatic, delivered: readonly KinesisEvent[], expected: readonly { shardId: string; sequenceNumber: string }[]): void {
  expect(delivered.map((r) => r.eventID).sort()).toEqual(expected.map((e) => `${e.shardId}:${e.sequenceNumber}`).sort());
  const byShard = new Map<string, string[]>();
  for (const record of delivered) byShard.set(shardOf(record), [...(byShard.get(shardOf(record)) ?? []), record.kinesis.sequenceNumber]);
  for (const [, sequence] of byShard) expect([...sequence].sort(compareSequence)).toEqual(sequence);
}

const replayedIn = async (processes: readonly SluiceProcess[], uuid: string): Promise<number> => {
  let total = 0;
  for (const p of processes) total += (await scrapeMetrics(p.url)).series('sluice_replayed_events_total', { mapping: uuid }).reduce((sum, s) => sum + s.value, 0);
  return total;
};

/** The recording target, its router and a Redis database of the test's own, closed when it ends. */
async function recordingBed() {
  const target = await startRecordingTarget();
  onTestFinished(() => target.close());
  const db = await allocateRedisDb();
  const redis = createRedis({ db });
  onTestFinished(() => redis.disconnect());
  return { target, router: new StreamRouter(target), db, redis };
}

/** The processes every two-process test here runs: quick leases and heartbeats, low-latency reads. */
const twoProcesses = (db: number, targetUrl: string, redis: ReturnType<typeof createRedis>) =>
  startTwoSluiceProcesses(db, {
    functions: { fn: { http: targetUrl, timeout: 3 } },
    streams: { leaseMs: 2000, idlePollMs: 100, minReadIntervalMs: 0 },
    supervisor: { workerTimeoutMs: 2000, heartbeatIntervalMs: 500, reconcileIntervalMs: 1000 },
  }, redis);

describe('rewinding a stream mapping', () => {
  it('two processes on 4 Kinesis shards: TRIM_HORIZON re-delivers every record exactly once more, AT_TIMESTAMP exactly the later ones, in order per shard', async ({ expect }) => {
    const { target, router, redis, db } = await recordingBed();
    const [a, b] = await twoProcesses(db, target.url, redis);
    const lambda = lambdaClientFor(a.url);
    onTestFinished(() => lambda.destroy());

    const stream = await createStream({ shardCount: 4 });
    onTestFinished(stream.cleanup);
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 7 }),
    );
    const uuid = UUID!;
    const holders = (p: SluiceProcess) => async () => [...(await readLeases(redis, uuid)).values()].filter((l) => l.workerId.startsWith(`${p.process.pid}-`)).length;
    await pollUntil(async () => (await holders(a)()) === 2 && (await holders(b)()) === 2, { description: 'shards split 2 / 2', timeoutMs: 15_000 });

    /** Puts a phase (`rounds` records per key, in order) and waits until every shard is checkpointed at its last record. */
    const putPhase = async (phase: string, rounds: number) => {
      const put: { shardId: string; sequenceNumber: string }[] = [];
      for (let round = 0; round < rounds; round++) put.push(...(await putKinesis(stream.streamName, KEYS.map((key) => ({ key, data: `${phase}:${key}:${round}` })))));
      await drained(put);
      return put;
    };
    const lastOf = (put: readonly { shardId: string; sequenceNumber: string }[]) => {
      const last = new Map<string, string>();
      for (const p of put) if (!last.has(p.shardId) || compareSequence(p.sequenceNumber, last.get(p.shardId)!) > 0) last.set(p.shardId, p.sequenceNumber);
      return last;
    };
    const drained = (put: readonly { shardId: string; sequenceNumber: string }[]) =>
      pollUntil(
        async () => {
          const checkpoints = await readCheckpoints(redis, uuid);
          return [...lastOf(put)].every(([shardId, seq]) => checkpoints.get(shardId) === seq) || undefined;
        },
        { description: 'every shard checkpointed at its last record', timeoutMs: 20_000 },
      );

    const early = await putPhase('early', 3);
    const arrivals = router.records(stream.streamArn).map((r) => r.kinesis.approximateArrivalTimestamp * 1000);
    await pollUntil(() => Date.now() > Math.max(...arrivals) + 20, { intervalMs: 5, description: 'clock past the early records' });
    const between = Date.now();
    await pollUntil(() => Date.now() > between + 20, { intervalMs: 5, description: 'clock past the timestamp' });
    const late = await putPhase('late', 3);
    const all = [...early, ...late];
    expect(new Set(all.map((p) => p.shardId)).size).toBe(4); // the keys cover every shard
    const firstPass = deliveries<KinesisEvent>(router.invocations(stream.streamArn));
    expectExactlyOnceInOrder(expect, firstPass, all);
    expect(await replayedIn([a, b], uuid)).toBe(0);
    const before = await readCheckpoints(redis, uuid);

    // Rewind to TRIM_HORIZON, asked of process B: both processes pause, every shard moves, both resume.
    const askedAt = Date.now();
    const trim = await postRewind(b.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(trim).toMatchObject({ status: 202, body: { UUID: uuid, State: 'Rewinding' } });
    const trimView = await rewindCompleted(a.url, uuid, trim.body.RewindId as string);
    console.log(`rewind TRIM_HORIZON of 4 shards on 2 processes: Completed ${Date.now() - askedAt} ms after the request (seen by polling every 100 ms)`);
    expect(trimView.PausedWorkers.map((w) => w.split('-')[0]).sort()).toEqual([String(a.process.pid), String(b.process.pid)].sort());
    expect(trimView.Moves).toEqual(stream.shardIds.map((shardId) => ({ ShardId: shardId, From: before.get(shardId), To: 'TRIM_HORIZON' })));
    await pollUntil(() => deliveries(router.invocations(stream.streamArn)).length >= firstPass.length + all.length, {
      description: 'every record delivered once more',
      timeoutMs: 20_000,
    });
    await drained(all);
    const afterTrim = deliveries<KinesisEvent>(router.invocations(stream.streamArn));
    expectExactlyOnceInOrder(expect, afterTrim.slice(firstPass.length), all);
    await pollUntil(async () => (await replayedIn([a, b], uuid)) === all.length || undefined, { description: 'replays counted', timeoutMs: 5000 });

    // Rewind AT_TIMESTAMP between the phases: exactly the late records once more.
    const at = await postRewind(a.url, uuid, { Position: 'AT_TIMESTAMP', Timestamp: between / 1000 });
    expect(at.status).toBe(202);
    const atView = await rewindCompleted(b.url, uuid, at.body.RewindId as string);
    expect(atView.Moves.map((m) => m.To)).toEqual(stream.shardIds.map(() => `AT_TIMESTAMP ${new Date(between).toISOString()}`));
    await pollUntil(() => deliveries(router.invocations(stream.streamArn)).length >= afterTrim.length + late.length, {
      description: 'the late records delivered once more',
      timeoutMs: 20_000,
    });
    await drained(all);
    // A moment for anything wrongly re-read to show up before the final count.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const afterAt = deliveries<KinesisEvent>(router.invocations(stream.streamArn));
    expectExactlyOnceInOrder(expect, afterAt.slice(afterTrim.length), late);
    expect(await replayedIn([a, b], uuid)).toBe(all.length + late.length);
  });

  it('DynamoDB Streams: TRIM_HORIZON re-delivers every record in order, LATEST (from the CLI) none, a Disabled mapping is rewound too; SQS mappings, unknown mappings and shards are refused', async ({ expect }) => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const router = new StreamRouter(target);
    const sluice = await startTestSluice({ functions: { fn: { http: target.url, timeout: 3 } }, streams: { leaseMs: 2000, idlePollMs: 100 } });
    onTestFinished(() => sluice.stop());
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 4 }),
    );
    const uuid = UUID!;
    for (let i = 0; i < 10; i++) await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: `item-${i}` } } }));
    const first = await router.waitForRecords<DynamoEvent>(table.streamArn, 10, 20_000);
    expect(first.map((r) => r.dynamodb.Keys.pk!.S)).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`));

    const accepted = await postRewind(sluice.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(accepted.status).toBe(202);
    await rewindCompleted(sluice.url, uuid, accepted.body.RewindId as string);
    const again = await router.waitForRecords<DynamoEvent>(table.streamArn, 20, 20_000);
    expect(again.slice(10).map(sequenceOf)).toEqual(first.map(sequenceOf));

    // LATEST through the CLI (it waits until Completed and prints each shard's move): nothing old again, new records flow.
    const cli = await promisify(execFile)(process.execPath, [SLUICE_BIN, 'mappings', 'rewind', uuid, '--to', 'latest', '--endpoint-url', sluice.url, '--region', 'us-east-1'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(cli.stdout).toMatch(/: Completed in [\d.]+ s; 1 shard\(s\) moved/);
    expect(cli.stdout).toContain(` ${sequenceOf(first.at(-1)!)} -> `);
    await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: 'after-latest' } } }));
    const afterLatest = await router.waitForRecords<DynamoEvent>(table.streamArn, 21, 20_000);
    expect(afterLatest.slice(20).map((r) => r.dynamodb.Keys.pk!.S)).toEqual(['after-latest']);

    // A Disabled mapping has no poller: the supervisor applies the rewind; enabling resumes from there.
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    await pollUntil(async () => (await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === 'Disabled', { description: 'Disabled' });
    const whileDisabled = await postRewind(sluice.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(whileDisabled.status).toBe(202);
    await rewindCompleted(sluice.url, uuid, whileDisabled.body.RewindId as string);
    expect(router.records(table.streamArn)).toHaveLength(21);
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    const enabled = await router.waitForRecords<DynamoEvent>(table.streamArn, 32, 20_000);
    expect(enabled.slice(21).map(sequenceOf)).toEqual(afterLatest.map(sequenceOf).slice(10));

    // Refusals, in Lambda's error shape.
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const sqs = await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn }));
    const refused = await postRewind(sluice.url, sqs.UUID!, { Position: 'TRIM_HORIZON' });
    expect(refused).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
    expect(refused.body.message).toMatch(/only defined for stream event sources/);
    expect(await postRewind(sluice.url, '00000000-0000-4000-8000-000000000000', { Position: 'LATEST' })).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
    const unknownShard = await postRewind(sluice.url, uuid, { Shards: { 'shardId-nope': '1' } });
    expect(unknownShard).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
    expect(unknownShard.body.message).toMatch(/^Unknown shard for this stream: shardId-nope/);
    const timestamp = await postRewind(sluice.url, uuid, { Position: 'AT_TIMESTAMP', Timestamp: 1 });
    expect(timestamp).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
  });

  it('after a split: TRIM_HORIZON reopens the closed parent and holds its children back until it is read to its end again', async ({ expect }) => {
    const { target, router, redis, db } = await recordingBed();
    const sluice = await startTestSluice({ functions: { fn: { http: target.url, timeout: 3 } }, streams: { leaseMs: 2000, idlePollMs: 100, minReadIntervalMs: 0 } }, db);
    onTestFinished(() => sluice.stop());
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 3 }),
    );
    const uuid = UUID!;
    const keys = Array.from({ length: 6 }, (_, i) => `key-${i}`);
    const put = async (round: number) => putKinesis(stream.streamName, keys.map((key) => ({ key, data: `${key}:${round}` })));
    const parentRecords = [...(await put(0)), ...(await put(1))];
    await router.waitForRecords(stream.streamArn, 12);
    const [parent] = stream.shardIds as [string];
    await kinesisClient().send(new SplitShardCommand({ StreamName: stream.streamName, ShardToSplit: parent, NewStartingHashKey: (2n ** 127n).toString() }));
    await pollUntil(
      async () => (await kinesisClient().send(new DescribeStreamSummaryCommand({ StreamName: stream.streamName }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      { description: 'stream ACTIVE after the split' },
    );
    const children = ((await kinesisClient().send(new ListShardsCommand({ StreamName: stream.streamName }))).Shards ?? []).filter((s) => s.ParentShardId === parent).map((s) => s.ShardId!);
    expect(children).toHaveLength(2);
    const childRecords = [...(await put(2)), ...(await put(3))];
    expect(new Set(childRecords.map((r) => r.shardId))).toEqual(new Set(children));
    await router.waitForRecords(stream.streamArn, 24);
    await pollUntil(async () => (await readCheckpoints(redis, uuid)).get(parent) === 'SHARD_END' || undefined, { description: 'parent SHARD_END' });
    const firstPass = router.invocations(stream.streamArn).length;

    const accepted = await postRewind(sluice.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(accepted.status).toBe(202);
    const view = await rewindCompleted(sluice.url, uuid, accepted.body.RewindId as string);
    expect(view.Moves.find((m) => m.ShardId === parent)).toEqual({ ShardId: parent, From: 'SHARD_END', To: 'TRIM_HORIZON' });
    await router.waitForRecords(stream.streamArn, 48);
    const replay = router.invocations(stream.streamArn).slice(firstPass);
    const shardOfRequest = (r: RecordedRequest) => shardOf(streamRecordsIn(r)[0]!);
    const parentInvocations = replay.filter((r) => shardOfRequest(r) === parent);
    const childInvocations = replay.filter((r) => shardOfRequest(r) !== parent);
    // Every record exactly once more; the children's first invocation only after the parent's last one was answered.
    expectExactlyOnceInOrder(expect, deliveries(replay), [...parentRecords, ...childRecords]);
    const parentDone = Math.max(...parentInvocations.map((r) => r.respondedAt!));
    expect(Math.min(...childInvocations.map((r) => r.receivedAt))).toBeGreaterThanOrEqual(parentDone);
  });

  it('fix the bug, then rewind: a batch retrying forever does not hold the pause; every record is delivered once more, in order', async ({ expect }) => {
    const { target, router, redis, db } = await recordingBed();
    const sluice = await startTestSluice({ functions: { fn: { http: target.url, timeout: 3 } }, streams: { leaseMs: 2000, idlePollMs: 100, minReadIntervalMs: 0 } }, db);
    onTestFinished(() => sluice.stop());
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    let broken = true;
    // The bug: any batch holding the poison record fails (retried forever: MaximumRetryAttempts -1).
    router.on(stream.streamArn, (request) =>
      broken && streamRecordsIn(request).some((r) => dataOf(r) === 'poison') ? { status: 500, json: { errorMessage: 'bug', errorType: 'Error' } } : {},
    );
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 2 }),
    );
    const uuid = UUID!;
    const put = await putKinesis(stream.streamName, ['r0', 'r1', 'r2', 'poison', 'r4', 'r5'].map((data) => ({ key: 'k', data })));
    // The failing batch has been retried, and its progress saved in Redis.
    await pollUntil(() => router.invocations(stream.streamArn).filter((r) => streamRecordsIn(r).some((e) => dataOf(e) === 'poison')).length >= 3, {
      description: 'the poison batch retried',
      timeoutMs: 20_000,
    });
    await pollUntil(async () => (await redis.hlen(`sluice:esm:${uuid}:batches`)) > 0 || undefined, { description: 'retry progress saved' });
    expect(await readCheckpoints(redis, uuid)).toEqual(new Map([[put[0]!.shardId, put[1]!.sequenceNumber]]));

    broken = false;
    const before = router.invocations(stream.streamArn).length;
    const accepted = await postRewind(sluice.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(accepted.status).toBe(202);
    await rewindCompleted(sluice.url, uuid, accepted.body.RewindId as string);
    await pollUntil(async () => (await readCheckpoints(redis, uuid)).get(put[0]!.shardId) === put[5]!.sequenceNumber || undefined, {
      description: 'every record done',
      timeoutMs: 20_000,
    });
    expect(await redis.hlen(`sluice:esm:${uuid}:batches`)).toBe(0);
    // Invocations that were in flight when the pause began may end after it: what came after the first r0 is the replay.
    const after = deliveries<KinesisEvent>(router.invocations(stream.streamArn).slice(before));
    const replay = after.slice(after.findIndex((r) => dataOf(r) === 'r0'));
    expect(replay.map(dataOf)).toEqual(['r0', 'r1', 'r2', 'poison', 'r4', 'r5']);
  });

  it('a process that cannot pause (stopped with SIGSTOP) leaves the live set; the other completes the rewind, and the stopped one, resumed, is fenced', async ({ expect }) => {
    const { target, router, redis, db } = await recordingBed();
    const [a, b] = await twoProcesses(db, target.url, redis);
    const lambda = lambdaClientFor(b.url);
    onTestFinished(() => lambda.destroy());
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 5 }),
    );
    const uuid = UUID!;
    const heldBy = async (p: SluiceProcess) => [...(await readLeases(redis, uuid)).values()].filter((l) => l.workerId.startsWith(`${p.process.pid}-`)).length;
    await pollUntil(async () => ((await heldBy(a)) === 1 && (await heldBy(b)) === 1) || undefined, { description: 'one shard each', timeoutMs: 15_000 });
    const put: { shardId: string; sequenceNumber: string }[] = [];
    for (let round = 0; round < 3; round++) put.push(...(await putKinesis(stream.streamName, KEYS.map((key) => ({ key, data: `${key}:${round}` })))));
    const last = new Map<string, string>();
    for (const p of put) last.set(p.shardId, p.sequenceNumber); // PutRecords answers in order: the last entry per shard is its highest
    const drained = () =>
      pollUntil(
        async () => {
          const checkpoints = await readCheckpoints(redis, uuid);
          return [...last].every(([shardId, seq]) => checkpoints.get(shardId) === seq) || undefined;
        },
        { description: 'every shard checkpointed at its last record', timeoutMs: 20_000 },
      );
    await drained();
    const firstPass = deliveries<KinesisEvent>(router.invocations(stream.streamArn)).length;
    expect(firstPass).toBe(put.length);

    a.process.child.kill('SIGSTOP');
    const accepted = await postRewind(b.url, uuid, { Position: 'TRIM_HORIZON' });
    expect(accepted.status).toBe(202);
    const view = await rewindCompleted(b.url, uuid, accepted.body.RewindId as string);
    expect(view.PausedWorkers.map((w) => w.split('-')[0])).toEqual([String(b.process.pid)]);
    await drained();
    await pollUntil(() => deliveries(router.invocations(stream.streamArn)).length >= 2 * put.length || undefined, { description: 'replayed by B', timeoutMs: 20_000 });

    // A comes back holding a lease the rewind fenced: it writes nothing over the move and nothing is delivered a third time.
    a.process.child.kill('SIGCONT');
    await pollUntil(async () => ((await heldBy(a)) === 1 && (await heldBy(b)) === 1) || undefined, { description: 'A takes its share again', timeoutMs: 15_000 });
    await drained();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expectExactlyOnceInOrder(expect, deliveries<KinesisEvent>(router.invocations(stream.streamArn)).slice(firstPass), put);
    // A noticed its lease had moved under it (the rewind's fence) rather than writing with it.
    expect((await scrapeMetrics(a.url)).value('sluice_shard_lease_changes_total', { mapping: uuid, change: 'lost' })).toBeGreaterThanOrEqual(1);
  });
});
