/**
 * The shards of a stream mapping as `GET /sluice/v1/event-source-mappings/{UUID}/shards`
 * and the dashboard show them (the contract is in src/api/shards-route.ts): the listing of
 * the stream (lineage, open or closed), the leases, the checkpoints, and what the holders
 * published (view/shard-status.ts). Read from any process: everything but the listing is
 * in Redis, and the listing is asked of the service, cached for a few seconds.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../../observability/logger.js';
import { RateLimitedWarnings } from '../../../observability/rate-limited-warnings.js';
import { SHARD_END } from '../checkpoints/sequence-numbers.js';
import type { ShardInfo } from '../stream-source.js';
import { streamKeys } from '../stream-keys.js';
import { readShardStatus, SHARD_STATUS_FRESH_LEASES } from './shard-status.js';

export type ShardViewStatus = 'OPEN' | 'CLOSED' | 'FINISHED';

/** One shard, in the route's field names. */
export interface ShardView {
  ShardId: string;
  ParentShardId: string | null;
  /** FINISHED: closed and read to its end (checkpoint SHARD_END). */
  Status: ShardViewStatus;
  /** The sequence number of the last record done; null before the first, and once FINISHED (chosen: SHARD_END is no sequence number, Status says it). */
  Checkpoint: string | null;
  /** The worker holding an unexpired lease; null when none does. */
  LeaseHolder: string | null;
  LeaseExpiresAt: number | null;
  IteratorAgeMs: number | null;
  Lanes: { InFlight: number; Buffered: number } | null;
}

export interface ShardsViewOptions {
  redis: Redis;
  prefix: string;
  /** The stream's shards as its service lists them (StreamSource.listShards of the mapping's source). */
  listShards: (eventSourceArn: string) => Promise<ShardInfo[]>;
  /** `streams.leaseMs`: a status older than SHARD_STATUS_FRESH_LEASES leases is not shown (its publisher stopped). */
  leaseMs: number;
  logger: Logger;
  /** How long a listing is reused (default 5 s). */
  listingTtlMs?: number;
}

/**
 * Listings are reused this long (chosen): a dashboard refreshing every few seconds, in
 * several browsers, would otherwise call ListShards / DescribeStream each time, and the
 * shards of a stream change only on resharding, which the next listing shows.
 */
const DEFAULT_LISTING_TTL_MS = 5_000;

export class ShardsView {
  private readonly listings = new Map<string, { at: number; shards: Promise<ShardInfo[]> }>();
  private readonly warnings: RateLimitedWarnings;

  constructor(private readonly options: ShardsViewOptions) {
    this.warnings = new RateLimitedWarnings(options.logger);
  }

  async read(mappingId: string, eventSourceArn: string): Promise<ShardView[]> {
    const { redis, prefix } = this.options;
    const keys = streamKeys(prefix, mappingId);
    const [listed, [[, leases], [, checkpoints], [, time]], statuses] = await Promise.all([
      this.listing(mappingId, eventSourceArn),
      redis.multi().hgetall(keys.leases).hgetall(keys.checkpoints).time().exec() as Promise<
        [[Error | null, Record<string, string>], [Error | null, Record<string, string>], [Error | null, [string, string]]]
      >,
      readShardStatus(redis, prefix, mappingId),
    ]);
    // Lease expiries are on the Redis server's clock (leases/shard-leases.ts): compared with it.
    const redisNow = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const now = Date.now();
    const shards = new Map<string, ShardInfo>();
    for (const shard of listed ?? []) shards.set(shard.shardId, shard);
    // Shards no longer listed (trimmed past retention, or the listing failed) still have state.
    for (const shardId of [...Object.keys(checkpoints), ...Object.keys(leases)]) if (!shards.has(shardId)) shards.set(shardId, { shardId });
    return [...shards.values()].map((shard): ShardView => {
      const checkpoint = checkpoints[shard.shardId];
      const lease = parseLease(leases[shard.shardId], redisNow);
      const status = statuses.get(shard.shardId);
      const fresh = lease && status && status.workerId === lease.workerId && now - status.at <= SHARD_STATUS_FRESH_LEASES * this.options.leaseMs ? status : undefined;
      const finished = checkpoint === SHARD_END;
      // Not listed: gone from the stream, so closed (chosen; a failed listing says so in the log).
      const closed = shard.endingSequenceNumber !== undefined || !listed?.some((s) => s.shardId === shard.shardId);
      return {
        ShardId: shard.shardId,
        ParentShardId: shard.parentShardId ?? null,
        Status: finished ? 'FINISHED' : closed ? 'CLOSED' : 'OPEN',
        Checkpoint: checkpoint === undefined || finished ? null : checkpoint,
        LeaseHolder: lease?.workerId ?? null,
        LeaseExpiresAt: lease?.expiresAt ?? null,
        IteratorAgeMs: fresh?.iteratorAgeMs ?? null,
        Lanes: fresh ? { InFlight: fresh.inFlight, Buffered: fresh.buffered } : null,
      };
    });
  }

  close(): void {
    this.warnings.close();
  }

  /** The stream's shards (cached), or undefined when the service could not list them (warned, rate-limited). */
  private async listing(mappingId: string, eventSourceArn: string): Promise<ShardInfo[] | undefined> {
    const ttl = this.options.listingTtlMs ?? DEFAULT_LISTING_TTL_MS;
    let cached = this.listings.get(eventSourceArn);
    if (!cached || Date.now() - cached.at > ttl) {
      cached = { at: Date.now(), shards: this.options.listShards(eventSourceArn) };
      this.listings.set(eventSourceArn, cached);
      // Listings of deleted mappings' streams must not pile up.
      for (const [arn, entry] of this.listings) if (Date.now() - entry.at > ttl) this.listings.delete(arn);
    }
    try {
      return await cached.shards;
    } catch (error) {
      this.listings.delete(eventSourceArn);
      const cause = (error as { code?: string; name?: string }).code ?? (error as Error).name;
      this.warnings.warn({
        key: `${mappingId}|list`,
        fields: { mappingId, eventSourceArn, cause, err: error },
        message: `listing the shards of ${eventSourceArn} failed for the shards view of mapping ${mappingId}: ${cause}: ${(error as Error).message}; showing the shards known from checkpoints and leases`,
      });
      return undefined;
    }
  }
}

/** A lease field `<token>|<expiresAt>|<workerId>` held and unexpired at `now`, else undefined. */
function parseLease(field: string | undefined, now: number): { workerId: string; expiresAt: number } | undefined {
  const match = field === undefined ? null : /^(\d+)\|(\d+)\|(.*)$/s.exec(field);
  if (!match || match[3] === '') return undefined;
  const expiresAt = Number(match[2]);
  return expiresAt > now ? { workerId: match[3]!, expiresAt } : undefined;
}
