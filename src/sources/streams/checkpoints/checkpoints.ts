/**
 * Shard checkpoints (streams.md §5): per mapping and shard, the sequence number of the
 * last record such that every record up to it is done, or SHARD_END once the shard was
 * read to its end and all of it is done. Processing resumes AFTER_SEQUENCE_NUMBER.
 *
 * A write is fenced by the shard's lease (the writer's worker id and token must still be
 * the lease's) and never moves a checkpoint backwards, nor away from SHARD_END; both
 * checks and the write are one Lua script (redis-scripts.ts). Keys: stream-keys.ts.
 */
import type { Redis } from 'ioredis';
import { CheckpointCode, writeCheckpointScript } from '../redis-scripts.js';
import { assertSequenceNumber, SHARD_END } from './sequence-numbers.js';
import type { Lease } from '../leases/shard-leases.js';
import { streamKeys } from '../stream-keys.js';

/**
 * - `written`: the checkpoint is now `position`.
 * - `unchanged`: it already was `position`.
 * - `fenced`: the lease moved or was released; nothing was written and the writer must
 *   stop the shard at once.
 * - `behind`: `position` is before the stored checkpoint, which was left alone.
 * - `ended`: the checkpoint is SHARD_END, which was left alone.
 */
export type CheckpointWriteResult = 'written' | 'unchanged' | 'fenced' | 'behind' | 'ended';

const resultOf = new Map<number, CheckpointWriteResult>([
  [CheckpointCode.written, 'written'],
  [CheckpointCode.unchanged, 'unchanged'],
  [CheckpointCode.fenced, 'fenced'],
  [CheckpointCode.behind, 'behind'],
  [CheckpointCode.ended, 'ended'],
]);

/** The result a checkpoint script's CheckpointCode stands for; throws for any other answer (`what`: for the message). */
export function checkpointResultOf(code: number, what: string): CheckpointWriteResult {
  const result = resultOf.get(code);
  if (!result) throw new Error(`checkpoint script answered ${code} for ${what}`);
  return result;
}

export class Checkpoints {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Moves the shard's checkpoint to `position` (a sequence number, or SHARD_END) if the
   * writer still holds the lease with this token and `position` is not before it. Throws
   * InvalidSequenceNumberError for anything else than a sequence number or SHARD_END.
   */
  async write(lease: Pick<Lease, 'mappingId' | 'shardId' | 'workerId' | 'token'>, position: string): Promise<CheckpointWriteResult> {
    if (position !== SHARD_END) assertSequenceNumber(position);
    const keys = streamKeys(this.prefix, lease.mappingId);
    const code = (await this.redis.eval(
      writeCheckpointScript,
      2,
      keys.leases,
      keys.checkpoints,
      lease.shardId,
      lease.workerId,
      String(lease.token),
      position,
    )) as number;
    return checkpointResultOf(code, `${lease.mappingId}/${lease.shardId} at ${position}`);
  }

  /** The shard's checkpoint, or undefined when it has none yet (StartingPosition applies). */
  async get(mappingId: string, shardId: string): Promise<string | undefined> {
    return (await this.redis.hget(streamKeys(this.prefix, mappingId).checkpoints, shardId)) ?? undefined;
  }

  /** Every checkpoint of a mapping, by shard id. */
  async all(mappingId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(streamKeys(this.prefix, mappingId).checkpoints)));
  }

  /** Deletes every checkpoint of a mapping (deleted mapping); see also deleteStreamState. */
  async deleteMapping(mappingId: string): Promise<void> {
    await this.redis.del(streamKeys(this.prefix, mappingId).checkpoints);
  }
}
