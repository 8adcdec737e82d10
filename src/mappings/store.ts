/**
 * The mapping store: Redis is the system of record, shared by every Sluice process.
 *
 * Keys: `storeKeys` of src/redis/keyspace.ts (the mapping hash, its pair index, the List
 * order index, tags and the change channel), prefix from config `redis.keyPrefix`.
 */
import type { Redis } from 'ioredis';
import { storeKeys, type StoreKeys } from '../redis/keyspace.js';
import { createMappingScript, removeMappingScript, replaceMappingScript, setIfExistsScript, tagMappingScript } from './redis-scripts.js';
import type { StoredMapping } from './model.js';

export interface VersionedMapping {
  mapping: StoredMapping;
  revision: string;
}

export type ReplaceResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' } | { ok: false; reason: 'conflict'; holder: string };

/** `<createdAt>:<uuid>`: sorts by creation time, then UUID (List order, chosen). */
export const orderMember = (mapping: Pick<StoredMapping, 'createdAt' | 'UUID'>): string =>
  `${String(mapping.createdAt).padStart(15, '0')}:${mapping.UUID}`;


/** The stored JSON: LastProcessingResult lives in its own hash fields, never in the doc. */
function toDoc(mapping: StoredMapping): string {
  const { LastProcessingResult: _reported, ...doc } = mapping;
  return JSON.stringify(doc);
}

function withProcessingResult(doc: string, invokeResult: string | null | undefined, readError: string | null | undefined): StoredMapping {
  const mapping = JSON.parse(doc) as StoredMapping;
  const result = readError ?? invokeResult;
  if (result) mapping.LastProcessingResult = result;
  return mapping;
}

export class MappingStore {
  readonly changesChannel: string;
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = storeKeys(prefix);
    this.changesChannel = this.keys.changes;
  }

  /** The List order index: every mapping's member (the store marker reads it too). */
  get orderKey() {
    return this.keys.order;
  }

  async get(uuid: string): Promise<VersionedMapping | undefined> {
    const [doc, revision, invokeResult, readError] = await this.redis.hmget(this.keys.mapping(uuid), 'doc', 'rev', 'lpr:invoke', 'lpr:read');
    if (doc === null || doc === undefined || revision === null || revision === undefined) return undefined;
    return { mapping: withProcessingResult(doc, invokeResult, readError), revision };
  }

  /**
   * Records what the last invocation did (api.md §6.2). A reading error shows until the
   * next successful poll clears it, then the last invocation's result shows again.
   */
  async reportProcessingResult(uuid: string, report: { invocation?: string; readError?: string | null }): Promise<void> {
    const key = this.keys.mapping(uuid);
    const pipeline = this.redis.pipeline();
    // Only while the mapping exists: a report racing a removal must not resurrect the key.
    if (report.invocation !== undefined) pipeline.eval(setIfExistsScript, 1, key, 'lpr:invoke', report.invocation);
    if (report.readError === null) pipeline.hdel(key, 'lpr:read');
    else if (report.readError !== undefined) pipeline.eval(setIfExistsScript, 1, key, 'lpr:read', report.readError);
    await pipeline.exec();
  }

  /** UUID of the mapping holding this EventSourceArn + FunctionArn pair, if any. */
  async findPair(eventSourceArn: string, functionArn: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.pair(eventSourceArn, functionArn))) ?? undefined;
  }

  /** Stores a new mapping unless its pair exists; returns the holder's UUID then. */
  async create(mapping: StoredMapping, tags: Record<string, string>): Promise<{ ok: true } | { ok: false; holder: string }> {
    const tagEntries = Object.entries(tags).flat();
    if (tagEntries.length > 0) await this.redis.hset(this.keys.tags(mapping.UUID), ...tagEntries);
    const result = (await this.redis.eval(
      createMappingScript,
      4,
      this.keys.mapping(mapping.UUID),
      this.keys.pair(mapping.EventSourceArn, mapping.FunctionArn),
      this.orderKey,
      this.changesChannel,
      toDoc(mapping),
      mapping.UUID,
      orderMember(mapping),
      mapping.LastProcessingResult ?? '',
    )) as string;
    if (result === 'OK') return { ok: true };
    if (tagEntries.length > 0) await this.redis.del(this.keys.tags(mapping.UUID));
    return { ok: false, holder: result };
  }

  /** Writes `next` if the stored revision is still `revision`, moving the pair index when FunctionArn changed. */
  async replace(current: VersionedMapping, next: StoredMapping): Promise<ReplaceResult> {
    const result = (await this.redis.eval(
      replaceMappingScript,
      4,
      this.keys.mapping(next.UUID),
      this.keys.pair(current.mapping.EventSourceArn, current.mapping.FunctionArn),
      this.keys.pair(next.EventSourceArn, next.FunctionArn),
      this.changesChannel,
      current.revision,
      toDoc(next),
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
      this.keys.mapping(mapping.UUID),
      this.keys.pair(mapping.EventSourceArn, mapping.FunctionArn),
      this.orderKey,
      this.keys.tags(mapping.UUID),
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
    for (const member of members) pipeline.hmget(this.keys.mapping(member.slice(member.indexOf(':') + 1)), 'doc', 'lpr:invoke', 'lpr:read');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, fields]) => {
      const [doc, invokeResult, readError] = (fields ?? []) as (string | null)[];
      return error || typeof doc !== 'string' ? [] : [withProcessingResult(doc, invokeResult, readError)];
    });
  }

  /** Every mapping, in List order. */
  async all(): Promise<StoredMapping[]> {
    const members = await this.redis.zrange(this.orderKey, '0', '-1');
    return this.getMany(members);
  }

  async getTags(uuid: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.tags(uuid));
  }

  /** One tag's value, if the mapping has it. */
  async getTag(uuid: string, key: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.tags(uuid), key)) ?? undefined;
  }

  /**
   * Tells every supervisor the mapping changed without a change of its document (a tag that
   * steers its pollers, `sluice:trace`, was added or removed).
   */
  async notifyChanged(uuid: string): Promise<void> {
    await this.redis.publish(this.changesChannel, uuid);
  }

  /** Adds or replaces tags; fails when the mapping is gone or the total would pass `maxTags`. */
  async addTags(uuid: string, tags: Record<string, string>, maxTags: number): Promise<'ok' | 'missing' | 'limit'> {
    const result = (await this.redis.eval(tagMappingScript, 2, this.keys.mapping(uuid), this.keys.tags(uuid), String(maxTags), ...Object.entries(tags).flat())) as string;
    return result.toLowerCase() as 'ok' | 'missing' | 'limit';
  }

  async removeTags(uuid: string, keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.hdel(this.keys.tags(uuid), ...keys);
  }

  async exists(uuid: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.mapping(uuid))) === 1;
  }
}
