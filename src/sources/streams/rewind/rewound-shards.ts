/**
 * What a rewind (issue #16) leaves behind per shard, read when a shard starts:
 * - its start position, for a shard the rewind left without a checkpoint (TRIM_HORIZON,
 *   AT_TIMESTAMP): it wins over the mapping's StartingPosition, which applies only once
 *   (streams.md §3); the first checkpoint then takes over, as for any shard;
 * - its replay mark: the furthest checkpoint it had before any rewind; records up to it that
 *   are delivered again count in `sluice_replayed_events_total`.
 * Keys: stream-keys.ts (`starts`, `replay`), written by rewindShardScript.
 */
import type { Redis } from 'ioredis';
import type { IteratorPosition } from '../stream-source.js';
import { streamKeys } from '../stream-keys.js';
import { startFromJson } from './rewind-plan.js';

export interface RewoundShard {
  /** Where the shard starts when it has no checkpoint, if a rewind said so. */
  start?: IteratorPosition;
  /** Records up to this sequence number (every record with SHARD_END) were delivered before a rewind. */
  replayedUpTo?: string;
}

export async function readRewoundShard(redis: Redis, prefix: string, mappingId: string, shardId: string): Promise<RewoundShard> {
  const keys = streamKeys(prefix, mappingId);
  // Two keys of one slot, one round trip (a MULTI stays on one node with Redis Cluster).
  const replies = (await redis.multi().hget(keys.starts, shardId).hget(keys.replay, shardId).exec()) ?? [];
  const [start, mark] = replies.map(([error, value]) => {
    if (error) throw error;
    return value as string | null;
  });
  const position = start ? startFromJson(start) : undefined;
  return { ...(position ? { start: position } : {}), ...(mark ? { replayedUpTo: mark } : {}) };
}
