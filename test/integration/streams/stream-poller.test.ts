/**
 * StreamPoller against a real Redis with a scripted stream source: what the poller does with
 * its leases when listing the shards fails (streams.md §2, §4).
 */
import { streamReading } from '../../../src/sources/streams/read-settings.js';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { StreamPoller } from '../../../src/sources/streams/stream-poller.js';
import type { ShardInfo, StreamSource } from '../../../src/sources/streams/stream-source.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';
import { readLeases } from '../../support/streams-e2e.js';
import { configSchema } from '../../../src/config/index.js';

/** The `streams` settings of a config that sets none. */
const defaultStreams = configSchema.parse({}).streams;

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

/** Shard `ended` has nothing left (its children may start), `open` stays open and empty; ListShards answers once. */
function scriptedSource(): StreamSource & { listCalls: number } {
  const shards: ShardInfo[] = [{ shardId: 'ended', endingSequenceNumber: '9' }, { shardId: 'open' }];
  return {
    listCalls: 0,
    traits: { type: 'kinesis', maxRecordsPerRead: 10_000, defaultIdlePollMs: 50, defaultMinReadIntervalMs: 0, batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' },
    eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/scripted',
    streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/scripted',
    filterView: (event) => event,
    traceId: (record) => record.sequenceNumber,
    async listShards() {
      if (this.listCalls++ > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException', code: 'LimitExceededException' });
      return shards;
    },
    getIterator: async (shardId) => (shardId === 'ended' ? undefined : 'iterator'),
    read: async () => ({ records: [], nextIterator: 'iterator' }),
    pinLatest: async () => [],
    retentionMs: async () => 24 * 3600 * 1000,
  };
}

describe('StreamPoller', () => {
  it('keeps renewing its leases while listing the shards fails', async () => {
    const db = await allocateRedisDb();
    const redis = createRedis({ db });
    onTestFinished(async () => void (await redis.quit()));
    const mappingId = randomUUID();
    const source = scriptedSource();
    const reports: unknown[] = [];
    const poller = new StreamPoller(
      {
        mappingId,
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
        sourceType: 'kinesis',
        batchSize: 10,
        windowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [],
        startingPosition: 'TRIM_HORIZON',
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
        parallelizationFactor: 1,
        tumblingWindowSeconds: 0,
      },
      {
        source,
        redis,
        prefix: 'sluice',
        workerId: 'w1',
        liveWorkers: () => ['w1'],
        submit: () => Promise.reject(new Error('no records expected')),
        report: async (result) => void reports.push(result),
        logger: silent,
        leaseMs: 1000,
        reading: streamReading(defaultStreams),
      },
    );
    poller.start();
    onTestFinished(() => poller.stop());
    // The ended shard asks for a new listing (its children may start), which fails from then on.
    const first = await pollUntil(async () => (await readLeases(redis, mappingId)).get('open'), { description: 'lease of the open shard' });
    await pollUntil(() => source.listCalls >= 3, { description: 'failing listings' });
    expect(reports).toContainEqual({ readError: 'PROBLEM: Error reading from event source: LimitExceededException' });
    // Renewals go on: well after its first term, the lease is still unexpired, same holder, same token.
    const redisNow = async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    await pollUntil(async () => (await redisNow()) > first.expiresAt + 1500, { description: 'well past the first expiry', timeoutMs: 5000 });
    const later = (await readLeases(redis, mappingId)).get('open')!;
    expect(later).toMatchObject({ workerId: 'w1', token: first.token });
    expect(later.expiresAt).toBeGreaterThan(await redisNow());
  });
});
