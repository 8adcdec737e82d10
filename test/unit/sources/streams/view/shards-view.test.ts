/**
 * The shards view (sources/streams/view/shards-view.ts) on a real Redis with a listing of
 * our own: status from the listing and the checkpoints, lease holders only while their
 * lease runs (Redis clock), published status only from the holder and within SHARD_STATUS_FRESH_LEASES leases, and
 * a failed listing falls back to the shards Redis knows, with a warning.
 */
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ShardsView } from '../../../../../src/sources/streams/view/shards-view.js';
import { publishShardStatus, SHARD_STATUS_FRESH_LEASES } from '../../../../../src/sources/streams/view/shard-status.js';
import { streamKeys } from '../../../../../src/sources/streams/stream-keys.js';
import type { ShardInfo } from '../../../../../src/sources/streams/stream-source.js';
import { captureLogs } from '../../../log-capture.js';
import { useLocalRedis } from '../../../local-redis.js';

const local = useLocalRedis();
const LEASE_MS = 10_000;

async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe('ShardsView', () => {
  it('joins the listing, checkpoints, leases and published status', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const keys = streamKeys(prefix, 'm-1');
    const now = await redisNow(redis);
    const listing: ShardInfo[] = [
      { shardId: 'shard-0', endingSequenceNumber: '99' },
      { shardId: 'shard-1', parentShardId: 'shard-0' },
      { shardId: 'shard-2', parentShardId: 'shard-0' },
      { shardId: 'shard-3' },
    ];
    await redis.hset(keys.checkpoints, 'shard-0', 'SHARD_END', 'shard-1', '42', 'shard-9', '7');
    await redis.hset(
      keys.leases,
      'shard-1', `3|${now + 5000}|w-a`,
      'shard-2', `1|${now - 1000}|w-b`, // expired
      'shard-3', '2|0|', // released
    );
    await publishShardStatus(redis, prefix, 'm-1', new Map([
      ['shard-1', { workerId: 'w-a', at: Date.now(), iteratorAgeMs: 12, inFlight: 1, buffered: 30 }],
      ['shard-2', { workerId: 'w-b', at: Date.now(), iteratorAgeMs: 5, inFlight: 0, buffered: 0 }],
    ]), 30_000);
    const view = new ShardsView({ redis, prefix, listShards: async () => listing, leaseMs: LEASE_MS, logger: captureLogs().logger });
    try {
      const shards = await view.read('m-1', 'arn:stream');
      expect(shards).toEqual([
        { ShardId: 'shard-0', ParentShardId: null, Status: 'FINISHED', Checkpoint: null, LeaseHolder: null, LeaseExpiresAt: null, IteratorAgeMs: null, Lanes: null },
        { ShardId: 'shard-1', ParentShardId: 'shard-0', Status: 'OPEN', Checkpoint: '42', LeaseHolder: 'w-a', LeaseExpiresAt: now + 5000, IteratorAgeMs: 12, Lanes: { InFlight: 1, Buffered: 30 } },
        // An expired lease has no holder, so its last holder's status is not shown either.
        { ShardId: 'shard-2', ParentShardId: 'shard-0', Status: 'OPEN', Checkpoint: null, LeaseHolder: null, LeaseExpiresAt: null, IteratorAgeMs: null, Lanes: null },
        { ShardId: 'shard-3', ParentShardId: null, Status: 'OPEN', Checkpoint: null, LeaseHolder: null, LeaseExpiresAt: null, IteratorAgeMs: null, Lanes: null },
        // Not listed any more (trimmed), but checkpointed: shown as closed.
        { ShardId: 'shard-9', ParentShardId: null, Status: 'CLOSED', Checkpoint: '7', LeaseHolder: null, LeaseExpiresAt: null, IteratorAgeMs: null, Lanes: null },
      ]);
    } finally {
      view.close();
    }
  });

  it('shows no status published more than SHARD_STATUS_FRESH_LEASES leases ago, or by another worker than the holder', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    const now = await redisNow(redis);
    await redis.hset(streamKeys(prefix, 'm-1').leases, 'shard-0', `1|${now + 5000}|w-a`, 'shard-1', `1|${now + 5000}|w-a`);
    await publishShardStatus(redis, prefix, 'm-1', new Map([
      ['shard-0', { workerId: 'w-a', at: Date.now() - SHARD_STATUS_FRESH_LEASES * LEASE_MS - 1000, iteratorAgeMs: 1, inFlight: 0, buffered: 0 }],
      ['shard-1', { workerId: 'w-old', at: Date.now(), iteratorAgeMs: 1, inFlight: 0, buffered: 0 }],
    ]), 30_000);
    const view = new ShardsView({ redis, prefix, listShards: async () => [{ shardId: 'shard-0' }, { shardId: 'shard-1' }], leaseMs: LEASE_MS, logger: captureLogs().logger });
    try {
      const shards = await view.read('m-1', 'arn:stream');
      expect(shards.map((s) => [s.LeaseHolder, s.IteratorAgeMs, s.Lanes])).toEqual([
        ['w-a', null, null],
        ['w-a', null, null],
      ]);
    } finally {
      view.close();
    }
  });

  it('reuses a listing for a few seconds, and falls back to what Redis knows when listing fails (warned)', async () => {
    const redis = await local.client();
    const prefix = local.freshPrefix();
    await redis.hset(streamKeys(prefix, 'm-1').checkpoints, 'shard-0', '5');
    let calls = 0;
    const { logger, lines } = captureLogs();
    const view = new ShardsView({
      redis,
      prefix,
      listShards: async () => {
        calls++;
        return [{ shardId: 'shard-0' }];
      },
      leaseMs: LEASE_MS,
      logger,
      listingTtlMs: 60_000,
    });
    try {
      await view.read('m-1', 'arn:stream');
      await view.read('m-1', 'arn:stream');
      expect(calls).toBe(1);

      const failing = new ShardsView({ redis, prefix, listShards: () => Promise.reject(Object.assign(new Error('stream gone'), { name: 'ResourceNotFoundException' })), leaseMs: LEASE_MS, logger });
      try {
        const shards = await failing.read('m-1', 'arn:stream');
        expect(shards).toEqual([expect.objectContaining({ ShardId: 'shard-0', Status: 'CLOSED', Checkpoint: '5' })]);
        const warning = lines.find((l) => l.level === 40);
        expect(warning?.msg).toContain('listing the shards of arn:stream failed for the shards view of mapping m-1: ResourceNotFoundException: stream gone');
        expect(warning).toMatchObject({ mappingId: 'm-1', cause: 'ResourceNotFoundException' });
      } finally {
        failing.close();
      }
    } finally {
      view.close();
    }
  });
});
