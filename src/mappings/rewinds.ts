/**
 * A stream mapping's rewind in Redis (issue #16): one hash per mapping, in the mapping's own
 * slot next to its checkpoints (`mappingStateKeys(...).rewind`), holding its last rewind:
 *
 *   id              the RewindId
 *   state           `Rewinding` until every shard was moved, then `Completed`
 *   request         JSON of what was asked (rewind-request.ts)
 *   requestedAt     ms since the epoch; completedAt likewise once Completed
 *   lastError       why the last attempt to apply it failed (it is tried again), if it did
 *   paused:<worker> a worker stopped the mapping's shards for this rewind (the pause barrier)
 *   moved:<shard>   JSON {From, To}: the shard's checkpoint was moved (written by the stream
 *                   side's move script, sources/streams/redis-scripts.ts rewindShardScript, which
 *                   relies on the field names `id`, `state` and `moved:` of this module)
 *
 * Only one rewind runs at a time per mapping: `begin` refuses while one is Rewinding. A new
 * rewind replaces the record of the last one (chosen: the API answers the last rewind only).
 * The hash is deleted with the mapping (deleteStreamState).
 */
import type { Redis } from 'ioredis';
import { mappingStateKeys } from '../redis/keyspace.js';
import type { RewindRequest } from './rewind-request.js';

export type RewindState = 'Rewinding' | 'Completed';

export interface ShardMove {
  ShardId: string;
  /** The checkpoint before the rewind (null: the shard had none). */
  From: string | null;
  /** Where the shard resumes: after a sequence number, `SHARD_END`, `TRIM_HORIZON` or `AT_TIMESTAMP <ISO time>`. */
  To: string;
}

export interface RewindRecord {
  id: string;
  state: RewindState;
  request: RewindRequest;
  requestedAt: number;
  completedAt?: number;
  lastError?: string;
  pausedWorkers: string[];
  moved: ShardMove[];
}

/** Begin. KEYS: rewind. ARGV: id, request JSON, now ms. Returns 'OK', or the id of the rewind still running. */
const beginScript = `
if redis.call('HGET', KEYS[1], 'state') == 'Rewinding' then return redis.call('HGET', KEYS[1], 'id') end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'Rewinding', 'request', ARGV[2], 'requestedAt', ARGV[3])
return 'OK'
`;

/** Set a field of a running rewind. KEYS: rewind. ARGV: id, field, value. Returns 1 when set, 0 when that rewind no longer runs. */
const setWhileRunningScript = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'Rewinding' then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1
`;

/** Complete. KEYS: rewind. ARGV: id, now ms. Returns 1 when this call completed it, 0 otherwise. */
const completeScript = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'Rewinding' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'Completed', 'completedAt', ARGV[2])
redis.call('HDEL', KEYS[1], 'lastError')
return 1
`;

export class Rewinds {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(mappingId: string): string {
    return mappingStateKeys(this.prefix, mappingId).rewind;
  }

  /** Records a new rewind; `{running}` with the id of the one still Rewinding instead. */
  async begin(mappingId: string, id: string, request: RewindRequest, nowMs: number): Promise<{ ok: true } | { ok: false; running: string }> {
    const reply = (await this.redis.eval(beginScript, 1, this.key(mappingId), id, JSON.stringify(request), String(nowMs))) as string;
    return reply === 'OK' ? { ok: true } : { ok: false, running: reply };
  }

  /** The running rewind's id, if one is Rewinding. */
  async running(mappingId: string): Promise<{ id: string; request: RewindRequest } | undefined> {
    const [id, state, request] = await this.redis.hmget(this.key(mappingId), 'id', 'state', 'request');
    return id && state === 'Rewinding' && request ? { id, request: JSON.parse(request) as RewindRequest } : undefined;
  }

  /** The last rewind of the mapping, if any. */
  async last(mappingId: string): Promise<RewindRecord | undefined> {
    const all = await this.redis.hgetall(this.key(mappingId));
    if (!all.id || !all.state || !all.request) return undefined;
    const pausedWorkers: string[] = [];
    const moved: ShardMove[] = [];
    for (const [field, value] of Object.entries(all)) {
      if (field.startsWith('paused:')) pausedWorkers.push(field.slice('paused:'.length));
      if (field.startsWith('moved:')) moved.push({ ShardId: field.slice('moved:'.length), ...(JSON.parse(value) as Omit<ShardMove, 'ShardId'>) });
    }
    moved.sort((a, b) => (a.ShardId < b.ShardId ? -1 : a.ShardId > b.ShardId ? 1 : 0));
    return {
      id: all.id,
      state: all.state as RewindState,
      request: JSON.parse(all.request) as RewindRequest,
      requestedAt: Number(all.requestedAt),
      ...(all.completedAt ? { completedAt: Number(all.completedAt) } : {}),
      ...(all.lastError ? { lastError: all.lastError } : {}),
      pausedWorkers: pausedWorkers.sort(),
      moved,
    };
  }

  /** `workerId` has stopped the mapping's shards for rewind `id`; false when that rewind no longer runs. */
  async markPaused(mappingId: string, id: string, workerId: string): Promise<boolean> {
    return (await this.redis.eval(setWhileRunningScript, 1, this.key(mappingId), id, `paused:${workerId}`, String(Date.now()))) === 1;
  }

  /** The workers paused for rewind `id` (empty when it no longer runs). */
  async pausedWorkers(mappingId: string, id: string): Promise<Set<string>> {
    const record = await this.last(mappingId);
    return new Set(record?.id === id && record.state === 'Rewinding' ? record.pausedWorkers : []);
  }

  /** Why applying rewind `id` failed this time (shown by GET until it completes). */
  async recordError(mappingId: string, id: string, message: string): Promise<void> {
    await this.redis.eval(setWhileRunningScript, 1, this.key(mappingId), id, 'lastError', message);
  }

  /** Marks rewind `id` Completed; true when this call did it (once per rewind). */
  async complete(mappingId: string, id: string, nowMs: number): Promise<boolean> {
    return (await this.redis.eval(completeScript, 1, this.key(mappingId), id, String(nowMs))) === 1;
  }
}
