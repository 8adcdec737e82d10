/**
 * Redis work per batch (issue #13 part 4): every Sluice process shares one Redis, so the
 * commands a batch costs there cap a whole cluster. A `sluice start` child (the built CLI)
 * gets a redis-server of its own, and `INFO commandstats` is read around a run of SQS
 * batches, a run of Kinesis batches and an idle spell. Counts, not times: commands per
 * batch and per idle second do not depend on the machine's speed.
 *
 * Commands run inside Lua scripts count (Redis counts them in commandstats as well as the
 * EVALSHA that ran them): what is counted is Redis's work, not only the round trips.
 * The per-command breakdown is printed, so whoever breaks a budget sees where it went.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Redis } from 'ioredis';
import { createQueue, createStream, getEndpoints, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { lambdaClientFor, waitForState } from '../support/sluice.js';
import { spawnSluice, type SluiceProcess } from '../support/sluice-child.js';
import { startTestRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { putKinesis, readCheckpoints, streamRecordsIn } from '../support/streams-e2e.js';
import { recordsIn } from '../support/sqs-e2e.js';

/** The budgets. */
const SQS_COMMANDS_PER_BATCH = 20;
const STREAM_COMMANDS_PER_BATCH = 25;
const IDLE_COMMANDS_PER_SECOND_PER_MAPPING = 2;

type CommandStats = Map<string, number>;

/** `cmdstat_<name>:calls=N,...` lines of INFO commandstats, as name → calls. */
export function parseCommandStats(info: string): CommandStats {
  const stats: CommandStats = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(match[1]!, Number(match[2]));
  return stats;
}

/**
 * Calls per command between two readings, without the readings themselves (INFO; the
 * test's other reads, HGETALL of checkpoints, are few and counted: they only make the
 * budget harder to meet).
 */
function difference(before: CommandStats, after: CommandStats): CommandStats {
  const delta: CommandStats = new Map();
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const n = calls - (before.get(name) ?? 0);
    if (n > 0) delta.set(name, n);
  }
  return delta;
}

const total = (stats: CommandStats) => [...stats.values()].reduce((a, b) => a + b, 0);

/** The breakdown, most called first, per unit (`per`: batches, seconds...). */
function breakdown(title: string, stats: CommandStats, per: number, unit: string): string {
  const rows = [...stats].sort((a, b) => b[1] - a[1]).map(([name, calls]) => `  ${name.padEnd(24)} ${String(calls).padStart(7)}  ${(calls / per).toFixed(2).padStart(7)} per ${unit}`);
  return [`${title}: ${total(stats)} commands, ${(total(stats) / per).toFixed(2)} per ${unit} (${per} ${unit}s)`, ...rows].join('\n');
}

let redis: TestRedisServer;
let probe: Redis;
let target: RecordingTarget;

async function commandStats(): Promise<CommandStats> {
  return parseCommandStats(await probe.info('commandstats'));
}

/** A `sluice start` child on this file's Redis. */
async function startSluice(config: Record<string, unknown> = {}): Promise<{ sluice: SluiceProcess; lambda: LambdaClient }> {
  const endpoints = getEndpoints();
  const sluice = await spawnSluice({
    endpoints: { ...endpoints, redisUrl: `redis://127.0.0.1:${redis.port}/0` },
    config: { functions: { fn: { http: target.url, timeout: 5 } }, ...config },
  });
  onTestFinished(() => sluice.process.stop());
  const lambda = lambdaClientFor(sluice.url);
  onTestFinished(() => lambda.destroy());
  return { sluice, lambda };
}

beforeAll(async () => {
  redis = await startTestRedisServer();
  probe = redis.client();
  await probe.connect();
  target = await startRecordingTarget();
});

afterAll(async () => {
  await target?.close();
  probe?.disconnect();
  await redis?.stop();
});

describe('Redis commands', () => {
  it(`an SQS batch of 10 costs at most ${SQS_COMMANDS_PER_BATCH} commands`, async () => {
    await probe.flushall();
    const queue = await createQueue({ visibilityTimeoutSeconds: 30 });
    onTestFinished(queue.cleanup);
    const { lambda } = await startSluice();
    const { UUID } = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn, BatchSize: 10 }));
    await waitForState(lambda, UUID!, 'Enabled');
    const invoked = () => target.requests.filter((r) => recordsIn(r)[0]?.eventSourceARN === queue.queueArn);

    // Messages are sent only once the mapping polls, so receives come back full.
    const messages = 500;
    const before = await commandStats();
    await sendMessages(
      queue.queueUrl,
      Array.from({ length: messages }, (_, i) => `m${i}`),
    );
    await pollUntil(() => invoked().reduce((n, r) => n + recordsIn(r).length, 0) >= messages, { description: `${messages} messages invoked`, timeoutMs: 60_000 });
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'every message deleted', timeoutMs: 20_000 });
    const delta = difference(before, await commandStats());
    const batches = invoked().length;
    console.log(breakdown(`SQS BatchSize 10, ${messages} messages`, delta, batches, 'batch'));
    expect(total(delta) / batches).toBeLessThanOrEqual(SQS_COMMANDS_PER_BATCH);
  });

  it(`a Kinesis batch of 100 costs at most ${STREAM_COMMANDS_PER_BATCH} commands`, async () => {
    await probe.flushall();
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const { lambda } = await startSluice({ streams: { leaseMs: 10_000 } });
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, BatchSize: 100, StartingPosition: 'LATEST' }),
    );
    await waitForState(lambda, UUID!, 'Enabled');
    // Reading from LATEST starts once the shard's lease is taken (a field of the lease hash).
    await pollUntil(async () => (await probe.keys('*shard-leases*')).length > 0, { description: 'shard lease taken', timeoutMs: 20_000 });
    const invoked = () => target.requests.filter((r) => streamRecordsIn(r)[0]?.eventSourceARN === stream.streamArn);

    const records = 3000;
    const before = await commandStats();
    let last = '';
    for (let i = 0; i < records; i += 500) {
      const put = await putKinesis(
        stream.streamName,
        Array.from({ length: 500 }, (_, j) => ({ key: `k${(i + j) % 7}`, data: `r${i + j}` })),
      );
      last = put.at(-1)!.sequenceNumber;
    }
    await pollUntil(() => invoked().reduce((n, r) => n + streamRecordsIn(r).length, 0) >= records, { description: `${records} records invoked`, timeoutMs: 60_000 });
    // The last batch's checkpoint is written after its invocation returned: counted too.
    await pollUntil(async () => (await readCheckpoints(probe, UUID!)).get(stream.shardIds[0]!) === last, { description: 'last record checkpointed', timeoutMs: 10_000 });
    const delta = difference(before, await commandStats());
    const batches = invoked().length;
    console.log(breakdown(`Kinesis BatchSize 100, ${records} records, 1 shard`, delta, batches, 'batch'));
    expect(total(delta) / batches).toBeLessThanOrEqual(STREAM_COMMANDS_PER_BATCH);
  });

  it(`an idle mapping costs under ${IDLE_COMMANDS_PER_SECOND_PER_MAPPING} commands per second`, { timeout: 150_000 }, async () => {
    await probe.flushall();
    const [queueA, queueB, stream] = await Promise.all([createQueue(), createQueue(), createStream({ shardCount: 1 })]);
    onTestFinished(queueA.cleanup);
    onTestFinished(queueB.cleanup);
    onTestFinished(stream.cleanup);
    const { lambda } = await startSluice();
    // Long enough to average periodic work over several periods (rounds every 3.3 s,
    // reconciles every 5 s): a 10 s spell catching one round more than the mean reads high.
    const seconds = 20;
    /** Commands per second over `seconds`, once start-up work (first reconcile, leases taken) is over. */
    const idleSpell = async (): Promise<CommandStats> => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const before = await commandStats();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      return difference(before, await commandStats());
    };
    const create = async (mapping: { EventSourceArn: string; StartingPosition?: 'LATEST' }) => {
      const { UUID } = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', ...mapping }));
      await waitForState(lambda, UUID!, 'Enabled');
    };

    // What a process costs with nothing to run (heartbeats, reconciles, the BullMQ worker's
    // blocking waits): paid once per process, not per mapping.
    const none = await idleSpell();
    console.log(breakdown('idle process, no mapping', none, seconds, 'second'));

    await create({ EventSourceArn: queueA.queueArn });
    await create({ EventSourceArn: queueB.queueArn });
    const sqs = await idleSpell();
    console.log(breakdown('idle, 2 SQS mappings (process included)', sqs, seconds, 'second'));

    await create({ EventSourceArn: stream.streamArn, StartingPosition: 'LATEST' });
    await pollUntil(async () => (await probe.keys('*shard-leases*')).length > 0, { description: 'shard lease taken', timeoutMs: 20_000 });
    const all = await idleSpell();
    console.log(breakdown('idle, 2 SQS mappings and 1 Kinesis mapping of 1 shard (process included)', all, seconds, 'second'));

    const perSecond = (stats: CommandStats) => total(stats) / seconds;
    const perSqsMapping = (perSecond(sqs) - perSecond(none)) / 2;
    const perKinesisMapping = perSecond(all) - perSecond(sqs);
    console.log(`idle: process ${perSecond(none).toFixed(2)}/s; per SQS mapping ${perSqsMapping.toFixed(2)}/s; per 1-shard Kinesis mapping ${perKinesisMapping.toFixed(2)}/s`);
    expect(perSqsMapping).toBeLessThan(IDLE_COMMANDS_PER_SECOND_PER_MAPPING);
    expect(perKinesisMapping).toBeLessThan(IDLE_COMMANDS_PER_SECOND_PER_MAPPING);
  });
});
