/**
 * LATEST, pinned when the mapping is created (streams.md §3), Disabled or not: per shard
 * open at that moment, where reading starts when the shard has no checkpoint yet. Only the
 * storage; resolving the positions against the stream is the source's job.
 *
 * Values per shard:
 * - a sequence number: the shard's last record at creation; read AFTER_SEQUENCE_NUMBER it;
 * - SHARD_START: the shard was open and empty; read it from its start;
 * - SHARD_END: the shard was closed; nothing of it is read (LATEST skips closed shards).
 * - EXISTED_AT_CREATION: AT_TIMESTAMP mappings pin only which shards existed; those read at
 *   the timestamp, shards appearing later at TRIM_HORIZON (streams.md §3).
 *
 * Written once: the first pin wins, so a retried creation cannot move it. Stored as one
 * JSON string (stream-keys.ts), so a pin with no shards still reads back as pinned.
 */
import type { Redis } from 'ioredis';
import { assertSequenceNumber, SHARD_END, SHARD_START } from '../checkpoints/sequence-numbers.js';
import { streamKeys } from '../stream-keys.js';

export const EXISTED_AT_CREATION = 'EXISTED_AT_CREATION';

export class PinnedPositions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(mappingId: string): string {
    return streamKeys(this.prefix, mappingId).pinnedLatest;
  }

  /**
   * Stores the positions unless the mapping already has some; true when stored. Throws
   * InvalidSequenceNumberError for a value that is none of the three forms.
   */
  async pin(mappingId: string, positions: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Promise<boolean> {
    const entries: [string, string][] =
      positions instanceof Map ? [...(positions as ReadonlyMap<string, string>).entries()] : Object.entries(positions as Readonly<Record<string, string>>);
    for (const [, position] of entries) {
      if (position !== SHARD_START && position !== SHARD_END && position !== EXISTED_AT_CREATION) assertSequenceNumber(position);
    }
    const stored = await this.redis.set(this.key(mappingId), JSON.stringify(Object.fromEntries(entries)), 'NX');
    return stored === 'OK';
  }

  /** The pinned positions by shard id, or undefined when none were pinned. */
  async get(mappingId: string): Promise<Map<string, string> | undefined> {
    const json = await this.redis.get(this.key(mappingId));
    return json === null ? undefined : new Map(Object.entries(JSON.parse(json) as Record<string, string>));
  }

  async delete(mappingId: string): Promise<void> {
    await this.redis.del(this.key(mappingId));
  }
}
