/**
 * The invocation trace in Redis (invocation-trace.ts): one stream per mapping
 * (`mappingStateKeys(...).trace`), one entry per invocation attempt, trimmed with
 * `XADD MAXLEN ~ N` so it never grows much past the tag's capacity. Entries are read back
 * oldest first, after a cursor (the stream id of the last entry read).
 */
import type { Redis } from 'ioredis';
import { mappingStateKeys } from '../redis/keyspace.js';
import type { TraceEntry } from './invocation-trace.js';

/** The field each stream entry holds its JSON in. */
const FIELD = 'e';
/** A stream id, as XADD gives them. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export const isTraceCursor = (cursor: string): boolean => STREAM_ID.test(cursor);

export interface TracePage {
  entries: TraceEntry[];
  /**
   * Where the next read starts: the id of the last entry returned, or the cursor given when
   * there was nothing new (chosen: a reader polling a live trace passes it back unchanged
   * and never reads an entry twice); null only for an empty trace read from its start.
   */
  nextCursor: string | null;
}

export class TraceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(mappingId: string): string {
    return mappingStateKeys(this.prefix, mappingId).trace;
  }

  /**
   * Appends one attempt, keeping about `capacity` entries (`~`: Redis trims whole nodes,
   * so a few more may stay, never fewer).
   */
  async append(mappingId: string, capacity: number, entry: TraceEntry): Promise<void> {
    await this.redis.xadd(this.key(mappingId), 'MAXLEN', '~', capacity, '*', FIELD, JSON.stringify(entry));
  }

  /** Up to `limit` entries after `cursor` (from the start when absent), oldest first. */
  async read(mappingId: string, cursor: string | undefined, limit: number): Promise<TracePage> {
    const rows = await this.redis.xrange(this.key(mappingId), cursor === undefined ? '-' : `(${cursor}`, '+', 'COUNT', limit);
    const entries: TraceEntry[] = [];
    for (const [, fields] of rows) {
      const at = fields.indexOf(FIELD);
      if (at >= 0 && at + 1 < fields.length) entries.push(JSON.parse(fields[at + 1]!) as TraceEntry);
    }
    const last = rows.at(-1);
    return { entries, nextCursor: last ? last[0] : (cursor ?? null) };
  }

  /** Deletes the trace (the mapping was deleted). */
  async remove(mappingId: string): Promise<void> {
    await this.redis.del(this.key(mappingId));
  }
}
