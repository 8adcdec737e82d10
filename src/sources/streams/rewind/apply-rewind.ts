/**
 * Applies a rewind (issue #16) once the mapping is paused: lists the shards, plans each move
 * (rewind-plan.ts) and runs rewindShardScript per shard: the checkpoint moves under the
 * shard's lease fence in one atomic step per shard, the tumbling window and saved retry /
 * bisect progress of the shard are dropped, and the rewind records the move. When every
 * shard has moved, the rewind is Completed and the mapping's runners resume (they see the
 * state change in their next round).
 *
 * Who calls it: a stream poller once every live worker has paused for the rewind
 * (stream-poller.ts), or the supervisor for a mapping no process runs (Disabled). Several
 * may call it at once: each shard moves once (the script checks `moved:<shard>`) and one
 * call completes the rewind. A failure (listing the shards, say) leaves it Rewinding, the
 * cause in `lastError`, for the next call to try again.
 */
import type { Redis } from 'ioredis';
import { Rewinds } from '../../../mappings/rewinds.js';
import type { RewindRequest } from '../../../mappings/rewind-request.js';
import { rewindShardScript } from '../redis-scripts.js';
import type { StreamSource } from '../stream-source.js';
import { streamKeys } from '../stream-keys.js';
import { planRewind } from './rewind-plan.js';

export interface RunningRewind {
  id: string;
  request: RewindRequest;
}

/**
 * `completed`: this call completed it; `superseded`: it no longer runs (completed by another
 * caller, or the mapping was deleted).
 */
export type ApplyResult = 'completed' | 'superseded';

export async function applyRewind(redis: Redis, prefix: string, source: Pick<StreamSource, 'listShards' | 'pinLatest'>, mappingId: string, rewind: RunningRewind): Promise<ApplyResult> {
  const rewinds = new Rewinds(redis, prefix);
  try {
    const moves = await planRewind(source, rewind.request, await source.listShards());
    const keys = streamKeys(prefix, mappingId);
    for (const move of moves) {
      const [code] = (await redis.eval(
        rewindShardScript,
        7,
        keys.leases,
        keys.checkpoints,
        keys.windowStates,
        keys.batches,
        keys.starts,
        keys.replay,
        keys.rewind,
        rewind.id,
        move.shardId,
        move.kind,
        move.position,
        move.shown,
      )) as [number, string?];
      if (code === -1) return 'superseded';
    }
  } catch (error) {
    await rewinds.recordError(mappingId, rewind.id, (error as Error).message).catch(() => undefined);
    throw error;
  }
  return (await rewinds.complete(mappingId, rewind.id, Date.now())) ? 'completed' : 'superseded';
}
