/**
 * Where a rewind (issue #16) moves each shard of the stream, decided from the request and the
 * shards listed now. Two kinds of move (rewindShardScript does either in one step):
 * - `checkpoint`: the checkpoint becomes a sequence number (the shard resumes AFTER it) or
 *   SHARD_END (the shard is done and releases its children);
 * - `start`: the checkpoint is deleted and the shard starts at a position that is not a
 *   record (TRIM_HORIZON, AT_TIMESTAMP), kept in the `starts` hash until its first checkpoint.
 *
 * Per request:
 * - TRIM_HORIZON: every listed shard starts at TRIM_HORIZON. Closed shards (after resharding)
 *   are reopened that way: their checkpoint is no longer SHARD_END, so their children are
 *   held back until the parents are read to their end again (lineage order, streams.md §2).
 * - AT_TIMESTAMP (Kinesis): every listed shard starts AT_TIMESTAMP, closed ones included
 *   (chosen: the services do not tell when a shard closed, so a closed shard whose records
 *   are all older is reopened, reads nothing and ends again at once, releasing its children).
 * - LATEST: as a new LATEST mapping (pin-latest.ts): an open shard resumes after its last
 *   record now (an empty one from its start); closed shards stay done (SHARD_END).
 * - Shards: only the shards named, each resuming after the sequence number given; the others
 *   keep their checkpoints. A named shard no longer listed (trimmed meanwhile) is skipped.
 */
import type { RewindRequest } from '../../../mappings/rewind-request.js';
import { SHARD_END } from '../checkpoints/sequence-numbers.js';
import type { IteratorPosition, ShardInfo, StreamSource } from '../stream-source.js';

export interface PlannedMove {
  shardId: string;
  kind: 'checkpoint' | 'start';
  /** `checkpoint`: the sequence number or SHARD_END; `start`: JSON of a stored start (startFromJson). */
  position: string;
  /** How the API shows where the shard resumes (ShardMove.To). */
  shown: string;
}

/** A start position as the `starts` hash keeps it: AT_TIMESTAMP's time in ms. */
type StoredStart = { type: 'TRIM_HORIZON' } | { type: 'AT_TIMESTAMP'; timestampMs: number };

export function startFromJson(json: string): IteratorPosition | undefined {
  const start = JSON.parse(json) as Partial<StoredStart>;
  if (start.type === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
  if (start.type === 'AT_TIMESTAMP' && typeof start.timestampMs === 'number') return { type: 'AT_TIMESTAMP', timestamp: new Date(start.timestampMs) };
  return undefined;
}

const startMove = (shardId: string, start: StoredStart): PlannedMove => ({
  shardId,
  kind: 'start',
  position: JSON.stringify(start),
  shown: start.type === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : `AT_TIMESTAMP ${new Date(start.timestampMs).toISOString()}`,
});

const checkpointMove = (shardId: string, position: string): PlannedMove => ({ shardId, kind: 'checkpoint', position, shown: position });

export async function planRewind(source: Pick<StreamSource, 'pinLatest'>, request: RewindRequest, shards: readonly ShardInfo[]): Promise<PlannedMove[]> {
  if (request.Shards) {
    const listed = new Set(shards.map((s) => s.shardId));
    return Object.entries(request.Shards)
      .filter(([shardId]) => listed.has(shardId))
      .map(([shardId, sequenceNumber]) => checkpointMove(shardId, sequenceNumber));
  }
  switch (request.Position) {
    case 'TRIM_HORIZON':
      return shards.map((s) => startMove(s.shardId, { type: 'TRIM_HORIZON' }));
    case 'AT_TIMESTAMP':
      return shards.map((s) => startMove(s.shardId, { type: 'AT_TIMESTAMP', timestampMs: Math.round(request.Timestamp! * 1000) }));
    case 'LATEST': {
      const pins = await source.pinLatest();
      return pins.map(({ shardId, start }) =>
        start.type === 'AFTER_SEQUENCE_NUMBER'
          ? checkpointMove(shardId, start.sequenceNumber)
          : start.type === 'SHARD_END'
            ? checkpointMove(shardId, SHARD_END)
            : startMove(shardId, { type: 'TRIM_HORIZON' }),
      );
    }
    default:
      throw new TypeError(`not a rewind request: ${JSON.stringify(request)}`);
  }
}
