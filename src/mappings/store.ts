/**
 * The mapping store: Redis is the system of record, shared by every Sluice process.
 *
 * Keys (prefix from config `redis.keyPrefix`):
 *   <p>:esm:<uuid>            hash {doc, rev}
 *   <p>:esm:pair:<src>|<fn>   UUID of the mapping of that EventSourceArn and FunctionArn
 *   <p>:esm:order             zset (score 0) of `<createdAt ms, 15 digits>:<uuid>`, List order
 *   <p>:esm:tags:<uuid>       hash of tags
 *   <p>:esm:changes           pub/sub channel carrying the UUID of every changed mapping
 */
import type { Redis } from 'ioredis';
import { createMappingScript, removeMappingScript, replaceMappingScript, tagMappingScript } from './redis-scripts.js';
import type { StoredMapping } from './model.js';

export interface VersionedMapping {
  mapping: StoredMapping;
  revision: string;
}

export type ReplaceResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' } | { ok: false; reason: 'conflict'; holder: string };

/** `<createdAt>:<uuid>`: sorts by creation time, then UUID (List order, chosen). */
export const orderMember = (mapping: Pick<StoredMapping, 'createdAt' | 'UUID'>): string =>
  `${String(mapping.createdAt).padStart(15, '0')}:${mapping.UUID}`;

export class MappingStore {
  readonly changesChannel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.changesChannel = `${prefix}:esm:changes`;
  }

  private key = (uuid: string) => `${this.prefix}:esm:${uuid}`;
  private tagsKey = (uuid: string) => `${this.prefix}:esm:tags:${uuid}`;
  private pairKey = (eventSourceArn: string, functionArn: string) => `${this.prefix}:esm:pair:${eventSourceArn}|${functionArn}`;
  private get orderKey() {
    return `${this.prefix}:esm:order`;
  }

  async get(uuid: string): Promise<VersionedMapping | undefined> {
    const [doc, revision] = await this.redis.hmget(this.key(uuid), 'doc', 'rev');
    if (doc === null || doc === undefined || revision === null || revision === undefined) return undefined;
    return { mapping: JSON.parse(doc) as StoredMapping, revision };
  }

  /** UUID of the mapping holding this EventSourceArn + FunctionArn pair, if any. */
  async findPair(eventSourceArn: string, functionArn: string): Promise<string | undefined> {
    return (await this.redis.get(this.pairKey(eventSourceArn, functionArn))) ?? undefined;
  }

  /** Stores a new mapping unless its pair exists; returns the holder's UUID then. */
  async create(mapping: StoredMapping, tags: Record<string, string>): Promise<{ ok: true } | { ok: false; holder: string }> {
    const tagEntries = Object.entries(tags).flat();
    if (tagEntries.length > 0) await this.redis.hset(this.tagsKey(mapping.UUID), ...tagEntries);
    const result = (await this.redis.eval(
      createMappingScript,
      4,
      this.key(mapping.UUID),
      this.pairKey(mapping.EventSourceArn, mapping.FunctionArn),
      this.orderKey,
      this.changesChannel,
      JSON.stringify(mapping),
      mapping.UUID,
      orderMember(mapping),
    )) as string;
    if (result === 'OK') return { ok: true };
    if (tagEntries.length > 0) await this.redis.del(this.tagsKey(mapping.UUID));
    return { ok: false, holder: result };
  }

  /** Writes `next` if the stored revision is still `revision`, moving the pair index when FunctionArn changed. */
  async replace(current: VersionedMapping, next: StoredMapping): Promise<ReplaceResult> {
    const result = (await this.redis.eval(
      replaceMappingScript,
      4,
      this.key(next.UUID),
      this.pairKey(current.mapping.EventSourceArn, current.mapping.FunctionArn),
      this.pairKey(next.EventSourceArn, next.FunctionArn),
      this.changesChannel,
      current.revision,
      JSON.stringify(next),
      next.UUID,
    )) as string;
    if (result === 'OK') return { ok: true };
    if (result === 'MISSING') return { ok: false, reason: 'missing' };
    if (result === 'STALE') return { ok: false, reason: 'stale' };
    return { ok: false, reason: 'conflict', holder: result };
  }

  /** Deletes the mapping and its indexes and tags, if still at `revision`. */
  async remove(current: VersionedMapping): Promise<'ok' | 'missing' | 'stale'> {
    const { mapping } = current;
    const result = (await this.redis.eval(
      removeMappingScript,
      5,
      this.key(mapping.UUID),
      this.pairKey(mapping.EventSourceArn, mapping.FunctionArn),
      this.orderKey,
      this.tagsKey(mapping.UUID),
      this.changesChannel,
      current.revision,
      mapping.UUID,
      orderMember(mapping),
    )) as string;
    return result.toLowerCase() as 'ok' | 'missing' | 'stale';
  }

  /** Order members after `after` (exclusive), `count` at a time. */
  async orderPage(after: string | undefined, count: number): Promise<string[]> {
    return this.redis.zrangebylex(this.orderKey, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, count);
  }

  /** Mappings for order members, skipping any removed meanwhile. */
  async getMany(members: string[]): Promise<StoredMapping[]> {
    if (members.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const member of members) pipeline.hget(this.key(member.slice(member.indexOf(':') + 1)), 'doc');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, doc]) => (error || typeof doc !== 'string' ? [] : [JSON.parse(doc) as StoredMapping]));
  }

  /** Every mapping, in List order. */
  async all(): Promise<StoredMapping[]> {
    const members = await this.redis.zrange(this.orderKey, '0', '-1');
    return this.getMany(members);
  }

  async getTags(uuid: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.tagsKey(uuid));
  }

  /** Adds or replaces tags; fails when the mapping is gone or the total would pass `maxTags`. */
  async addTags(uuid: string, tags: Record<string, string>, maxTags: number): Promise<'ok' | 'missing' | 'limit'> {
    const result = (await this.redis.eval(tagMappingScript, 2, this.key(uuid), this.tagsKey(uuid), String(maxTags), ...Object.entries(tags).flat())) as string;
    return result.toLowerCase() as 'ok' | 'missing' | 'limit';
  }

  async removeTags(uuid: string, keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.hdel(this.tagsKey(uuid), ...keys);
  }

  async exists(uuid: string): Promise<boolean> {
    return (await this.redis.exists(this.key(uuid))) === 1;
  }
}
