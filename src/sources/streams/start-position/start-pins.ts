/**
 * What a new stream mapping pins at Create (streams.md §3), so its reading starts where the
 * spec says however late polling begins: LATEST the position of every shard now;
 * AT_TIMESTAMP which shards exist now (shards appearing later start at TRIM_HORIZON).
 */
import type { Logger } from '../../../observability/logger.js';
import { pinnedValueOf } from './pin-latest.js';
import { EXISTED_AT_CREATION, type PinnedPositions } from './pinned-positions.js';
import type { StreamSource } from '../stream-source.js';

export async function pinStartingPositions(
  source: StreamSource,
  pinned: PinnedPositions,
  mappingId: string,
  startingPosition: 'LATEST' | 'AT_TIMESTAMP',
  logger: Logger,
): Promise<void> {
  if (startingPosition === 'LATEST') {
    const shards = await source.pinLatest();
    await pinned.pin(mappingId, new Map(shards.map((shard) => [shard.shardId, pinnedValueOf(shard.start)])));
    return;
  }
  // Without the list (the stream did not answer), every shard reads at the timestamp.
  const shards = await source.listShards().catch((error: unknown) => {
    logger.warn({ err: error, mappingId }, 'could not list the shards at creation; every shard starts at the timestamp');
    return undefined;
  });
  if (shards) await pinned.pin(mappingId, new Map(shards.map((shard) => [shard.shardId, EXISTED_AT_CREATION])));
}
