/**
 * Batch jobs fenced by a shard lease (pipeline/job-fence.ts, ShardLeases.fence) against a
 * real Redis: the fence holds while the lease is renewed, or expired and not taken; it
 * moves when another worker takes the lease or the mapping is deleted. A worker refuses a
 * job whose fence moved without invoking it, says so at warn and counts it.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { SluiceMetrics } from '../../../src/observability/metrics.js';
import type { BatchJobData, BatchJobResult } from '../../../src/pipeline/batch-job.js';
import { fenceMoved, JOB_FENCED, unlessFenced } from '../../../src/pipeline/job-fence.js';
import { ShardLeases } from '../../../src/sources/streams/leases/shard-leases.js';
import { deleteStreamState } from '../../../src/sources/streams/stream-keys.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';

const PREFIX = 'sluice';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:fn';

let redis: Redis;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
});
afterAll(() => redis.quit());

const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

describe('a batch job fenced by its shard lease', () => {
  it('holds while the lease is renewed or expired but not taken; moves once another worker takes it or the mapping is deleted', async () => {
    const leases = new ShardLeases(redis, PREFIX, { leaseMs: 1000 });
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    const fence = leases.fence(lease);
    expect(await fenceMoved(redis, fence)).toBeUndefined();

    const renewed = (await leases.renew(lease))!;
    expect(leases.fence(renewed)).toEqual(fence); // a renewal keeps the token
    expect(await fenceMoved(redis, fence)).toBeUndefined();

    await pollUntil(async () => (await redisNow()) >= renewed.expiresAt, { timeoutMs: 5000, intervalMs: 20, description: 'lease expired' });
    expect(await fenceMoved(redis, fence)).toBeUndefined(); // expired, but nobody took it

    const taken = (await leases.tryAcquire(mapping, 'shard-1', 'w2'))!;
    expect(await fenceMoved(redis, fence)).toMatch(/shard-1 is now "2\|\d+\|w2", the job was fenced with "1\|"/);
    expect(await fenceMoved(redis, leases.fence(taken))).toBeUndefined();

    // Token 1 must not pass for token 12 (the prefix ends at the separator).
    await redis.hset(fence.key, 'shard-1', `12|${Date.now() + 10_000}|w3`);
    expect(await fenceMoved(redis, fence)).toBeDefined();

    await deleteStreamState(redis, PREFIX, mapping);
    expect(await fenceMoved(redis, leases.fence(taken))).toMatch(/is gone/);
  });

  it('a worker refuses a job whose lease was stolen: nothing invoked, a fenced result, a warn line naming mapping and shard, a count', async () => {
    const leases = new ShardLeases(redis, PREFIX, { leaseMs: 10_000 });
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-7', 'w1'))!;
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    const metrics = new SluiceMetrics();
    const guard = { redis: async () => redis, logger, metrics };
    const data: BatchJobData = { mappingId: mapping, source: 'kinesis', functionArn: FUNCTION_ARN, payload: '{"Records":[]}', recordCount: 0, fence: leases.fence(lease) };
    let invoked = 0;
    const invoke = async (): Promise<BatchJobResult> => {
      invoked++;
      return { outcome: { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 } };
    };

    expect(await unlessFenced(data, 'job-1', guard, invoke)).toMatchObject({ outcome: { kind: 'success' } });
    expect(invoked).toBe(1);

    await leases.steal(mapping, 'shard-7', 'w1', 'w2');
    const refused = await unlessFenced(data, 'job-2', guard, invoke);
    expect(invoked).toBe(1);
    expect(refused).toMatchObject({ fenced: true, outcome: { kind: 'invocation-error', errorCode: JOB_FENCED } });
    const warn = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 40);
    expect(warn).toMatchObject({ mappingId: mapping, shardId: 'shard-7', functionArn: FUNCTION_ARN, batchId: 'job-2' });
    expect(warn!.reason).toMatch(/shard-7 is now "2\|/);
    expect(await metrics.text()).toContain(`sluice_fenced_invocations_total{mapping="${mapping}",source_type="kinesis",function="${FUNCTION_ARN}"} 1`);

    // A job without a fence (SQS) is always invoked.
    const { fence: _fence, ...unfenced } = data;
    await unlessFenced(unfenced, 'job-3', guard, invoke);
    expect(invoked).toBe(2);
  });
});
