/**
 * Redis keys of a stream mapping's shard state, grouped for the stream modules; the names
 * themselves are built in `redis/keyspace.ts` (`mappingStateKeys`), in the mapping's own
 * slot next to its key (`<p>:esm:<uuid>`, or `{<p>:esm:<uuid>}` with Redis Cluster):
 *
 *   <p>:esm:<uuid>:shard-leases   hash shardId -> `<token>|<expiresAt ms>|<workerId>`: the lease
 *                                 of each shard ever leased. A released lease keeps its token
 *                                 with expiresAt 0 and no worker, so tokens only grow.
 *   <p>:esm:<uuid>:checkpoints    hash shardId -> sequence number | `SHARD_END`
 *   <p>:esm:<uuid>:latest         string, JSON object shardId -> sequence number | `SHARD_START`
 *                                 | `SHARD_END`: LATEST pinned when the mapping was created
 *   <p>:esm:<uuid>:batches        hash `<shardId>|<lane>|progress` and `...|records` -> JSON: a
 *                                 retrying batch's progress and records (batch-progress.ts)
 *   <p>:esm:<uuid>:windows        hash shardId -> JSON: the shard's open tumbling window, its
 *                                 range and state (window-states.ts)
 *   <p>:esm:<uuid>:rewind         hash: the mapping's last rewind (mappings/rewinds.ts)
 *   <p>:esm:<uuid>:starts         hash shardId -> JSON IteratorPosition: where a shard a rewind
 *                                 left without a checkpoint starts (TRIM_HORIZON, AT_TIMESTAMP)
 *   <p>:esm:<uuid>:replay         hash shardId -> sequence number | `SHARD_END`: records up to it
 *                                 were delivered before a rewind (sluice_replayed_events_total)
 */
import type { Redis } from 'ioredis';
import { mappingStateKeys } from '../../redis/keyspace.js';

export interface StreamKeys {
  leases: string;
  checkpoints: string;
  pinnedLatest: string;
  batches: string;
  windowStates: string;
  rewind: string;
  starts: string;
  replay: string;
}

export function streamKeys(prefix: string, mappingId: string): StreamKeys {
  const keys = mappingStateKeys(prefix, mappingId);
  return {
    leases: keys.shardLeases,
    checkpoints: keys.checkpoints,
    pinnedLatest: keys.pinnedLatest,
    batches: keys.batches,
    windowStates: keys.windows,
    rewind: keys.rewind,
    starts: keys.starts,
    replay: keys.replay,
  };
}

/**
 * Deletes every lease, checkpoint, pinned position, saved batch, tumbling window state and
 * rewind of a mapping in one command, for a deleted mapping (streams.md §5, §17: a new mapping
 * starts from its StartingPosition, with no window state). A worker still holding a lease
 * of it is fenced from then on: its checkpoint and window writes are refused.
 */
export async function deleteStreamState(redis: Redis, prefix: string, mappingId: string): Promise<void> {
  const keys = streamKeys(prefix, mappingId);
  await redis.del(keys.leases, keys.checkpoints, keys.pinnedLatest, keys.batches, keys.windowStates, keys.rewind, keys.starts, keys.replay);
}
