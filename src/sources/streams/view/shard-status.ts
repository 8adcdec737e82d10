/**
 * What the holder of a shard publishes about it for the shards view (`GET .../shards`, the
 * dashboard): the iterator age of its last batch and its lanes. Only the holding process
 * knows these, and processes share nothing but Redis (no RPC between them), so each poller
 * writes its shards' status from its lease rounds (stream-poller.ts).
 *
 * Redis cost (chosen): one HSET of all the mapping's shards this process holds plus one
 * PEXPIRE, pipelined, at a lease round where the status changed, else once every two leases:
 * a few hundred bytes per shard, never per batch or per record. The key expires
 * SHARD_STATUS_FRESH_LEASES leases after the last write, so a mapping nobody runs any more
 * leaves nothing behind. Key: `mappingStateKeys(...).shardStatus` (src/redis/keyspace.ts).
 */
import type { Redis } from 'ioredis';
import { mappingStateKeys } from '../../../redis/keyspace.js';

/** A published status counts this many leases (`streams.leaseMs`); an unchanged one is rewritten every two. */
export const SHARD_STATUS_FRESH_LEASES = 3;

export interface PublishedShardStatus {
  workerId: string;
  /** When it was published, epoch ms (the publisher's clock). */
  at: number;
  /** Invocation start − arrival of the last batch's last record; absent before the shard's first batch. */
  iteratorAgeMs?: number;
  inFlight: number;
  buffered: number;
}

export async function publishShardStatus(redis: Redis, prefix: string, mappingId: string, shards: ReadonlyMap<string, PublishedShardStatus>, ttlMs: number): Promise<void> {
  if (shards.size === 0) return;
  const key = mappingStateKeys(prefix, mappingId).shardStatus;
  const fields = [...shards].flatMap(([shardId, status]) => [shardId, JSON.stringify(status)]);
  await redis.pipeline().hset(key, ...fields).pexpire(key, ttlMs).exec();
}

export async function readShardStatus(redis: Redis, prefix: string, mappingId: string): Promise<Map<string, PublishedShardStatus>> {
  const fields = await redis.hgetall(mappingStateKeys(prefix, mappingId).shardStatus);
  const statuses = new Map<string, PublishedShardStatus>();
  for (const [shardId, text] of Object.entries(fields)) {
    try {
      const value = JSON.parse(text) as PublishedShardStatus;
      if (typeof value.workerId === 'string' && typeof value.at === 'number') statuses.set(shardId, value);
    } catch {
      // Not ours to judge: a field that does not parse is as if never published.
    }
  }
  return statuses;
}
