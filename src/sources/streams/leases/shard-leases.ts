/**
 * Shard leases (streams.md §2): each shard of a stream mapping is processed by one worker
 * at a time, the holder of its lease. A lease lasts `leaseMs` unless its holder renews it;
 * every acquisition or steal hands out a new fencing token, and checkpoint writes carry the
 * token (checkpoints.ts), so a worker that lost a lease can never move the checkpoint.
 *
 * Times (`expiresAt`) are on the Redis server's clock (see redis-scripts.ts). Keys:
 * stream-keys.ts.
 */
import type { Redis } from 'ioredis';
import type { JobFence } from '../../../pipeline/index.js';
import {
  acquireLeaseScript,
  releaseAllLeasesScript,
  releaseLeaseScript,
  renewAndReadLeasesScript,
  renewLeasesScript,
  stealLeaseScript,
} from '../redis-scripts.js';
import { streamKeys } from '../stream-keys.js';

export const DEFAULT_LEASE_MS = 10_000;

export interface ShardLeasesOptions {
  /**
   * How long a lease lasts without renewal, in milliseconds. Holders renew well within it
   * (every `leaseMs / 3` leaves room for two missed renewals); a worker that dies loses its
   * shards to the others within `leaseMs` plus one balancing round. Default 10 000.
   */
  leaseMs?: number;
}

/** A lease held by `workerId`; pass it back to renew, release and write checkpoints. */
export interface Lease {
  readonly mappingId: string;
  readonly shardId: string;
  readonly workerId: string;
  /** Fencing token (epoch): grows by one on every acquisition of this shard's lease. */
  readonly token: number;
  /** When the lease runs out unless renewed: ms since the epoch, Redis server clock. */
  readonly expiresAt: number;
}

/** Who holds a shard's lease, as read by owners(). */
export interface ShardOwner {
  workerId: string;
  token: number;
  /** ms since the epoch, Redis server clock. */
  expiresAt: number;
  /** The lease ran out (as of the read): any worker may take it; its holder may still renew it until then. */
  expired: boolean;
}

type ScriptReply = [number, number, number, string];

function checkId(what: string, value: string): void {
  if (value === '') throw new RangeError(`ShardLeases: ${what} must not be empty`);
}

export class ShardLeases {
  readonly leaseMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: ShardLeasesOptions = {},
  ) {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(leaseMs) || leaseMs <= 0) throw new RangeError(`ShardLeases: leaseMs must be a positive integer (got ${leaseMs})`);
    this.leaseMs = leaseMs;
  }

  private key(mappingId: string): string {
    return streamKeys(this.prefix, mappingId).leases;
  }

  private toLease(mappingId: string, shardId: string, reply: ScriptReply): Lease | undefined {
    const [taken, token, expiresAt, workerId] = reply;
    return taken === 1 ? { mappingId, shardId, workerId, token, expiresAt } : undefined;
  }

  /** Takes the shard's lease if it is free (never leased, released) or expired. */
  async tryAcquire(mappingId: string, shardId: string, workerId: string): Promise<Lease | undefined> {
    checkId('workerId', workerId);
    const reply = (await this.redis.eval(acquireLeaseScript, 1, this.key(mappingId), shardId, workerId, String(this.leaseMs))) as ScriptReply;
    return this.toLease(mappingId, shardId, reply);
  }

  /**
   * Takes the shard's lease from `fromWorker`, expired or not, in one step (balancing).
   * Undefined when `fromWorker` no longer holds it. The former holder's renewals and
   * checkpoint writes are refused from then on; its batch in flight is invoked again by
   * the new holder (at least once).
   */
  async steal(mappingId: string, shardId: string, fromWorker: string, toWorker: string): Promise<Lease | undefined> {
    checkId('fromWorker', fromWorker);
    checkId('toWorker', toWorker);
    const reply = (await this.redis.eval(
      stealLeaseScript,
      1,
      this.key(mappingId),
      shardId,
      fromWorker,
      toWorker,
      String(this.leaseMs),
    )) as ScriptReply;
    return this.toLease(mappingId, shardId, reply);
  }

  /**
   * Extends the lease by `leaseMs` from now. Undefined when it was lost: taken by another
   * worker (after it expired, or by a steal), released, or deleted with its mapping; the
   * holder must stop the shard at once. A lease that expired but nobody took is renewed.
   */
  async renew(lease: Lease): Promise<Lease | undefined> {
    const { renewed } = await this.renewAll([lease]);
    return renewed[0];
  }

  /** renew() for many leases, one script per mapping. */
  async renewAll(leases: readonly Lease[]): Promise<{ renewed: Lease[]; lost: Lease[] }> {
    const byMapping = new Map<string, Lease[]>();
    for (const lease of leases) {
      const group = byMapping.get(lease.mappingId);
      if (group) group.push(lease);
      else byMapping.set(lease.mappingId, [lease]);
    }
    const groups = [...byMapping.values()];
    // One script per mapping, sent together but not as one pipeline: on Redis Cluster each
    // mapping's leases live in its own slot (src/redis/keyspace.ts), possibly on another
    // node, and an ioredis Cluster pipeline must stay on one node.
    const results = await Promise.all(
      groups.map((group) => {
        const args = group.flatMap((lease) => [lease.shardId, lease.workerId, String(lease.token)]);
        return this.redis.eval(renewLeasesScript, 1, this.key(group[0]!.mappingId), String(this.leaseMs), ...args).then(
          (reply): [Error | null, unknown] => [null, reply],
          (error: Error): [Error | null, unknown] => [error, undefined],
        );
      }),
    );
    const renewed: Lease[] = [];
    const lost: Lease[] = [];
    groups.forEach((group, i) => {
      const [error, reply] = results[i] ?? [new Error('no reply')];
      if (error) throw error;
      const expiries = reply as number[];
      group.forEach((lease, j) => {
        const expiresAt = expiries[j] ?? 0;
        if (expiresAt > 0) renewed.push({ ...lease, expiresAt });
        else lost.push(lease);
      });
    });
    return { renewed, lost };
  }

  /**
   * Gives the lease up at once, so another worker can take it in its next round (shutdown,
   * or a shard read to its end). Write the last checkpoint first: after this, writes with
   * the lease are refused. False when the lease was already lost.
   */
  async release(lease: Lease): Promise<boolean> {
    const released = await this.redis.eval(releaseLeaseScript, 1, this.key(lease.mappingId), lease.shardId, lease.workerId, String(lease.token));
    return released === 1;
  }

  /**
   * Whether `lease` is still held with its token (expired but not taken counts as held, as
   * for renew()). A holder asks before each invocation, so a shard whose lease was stolen
   * since the last renewal invokes nothing more (streams.md §2: it stops at once).
   */
  async holds(lease: Lease): Promise<boolean> {
    const value = await this.redis.hget(this.key(lease.mappingId), lease.shardId);
    const match = value === null ? null : /^(\d+)\|(\d+)\|(.*)$/s.exec(value);
    return match !== null && match[3] === lease.workerId && Number(match[1]) === lease.token;
  }

  /**
   * The fence of a batch job submitted under `lease` (pipeline/job-fence.ts): the lease's
   * field must still start with its token, which renewals keep and every new holder changes.
   * A lease expired but not taken still holds it, as for holds(); so does a released one
   * until someone takes it (its holder released it only after its batches ended).
   */
  fence(lease: Lease): JobFence {
    return { key: this.key(lease.mappingId), field: lease.shardId, prefix: `${lease.token}|`, subject: { shardId: lease.shardId } };
  }

  /** Releases every lease `workerId` holds in the mapping; returns their shard ids. */
  async releaseAll(mappingId: string, workerId: string): Promise<string[]> {
    checkId('workerId', workerId);
    return (await this.redis.eval(releaseAllLeasesScript, 1, this.key(mappingId), workerId)) as string[];
  }

  /** The held leases of a mapping (released ones left out), expired ones flagged as of the read. */
  async owners(mappingId: string): Promise<Map<string, ShardOwner>> {
    return (await this.renewAndRead(mappingId, [])).owners;
  }

  /**
   * renewAll() for one mapping's leases and owners() after it, in one script: a poller's
   * round (stream-poller.ts) costs Redis one round trip and a handful of commands. With
   * `rewindKey` (the mapping's rewind hash, same slot), the running rewind's id and state too.
   */
  async renewAndRead(
    mappingId: string,
    leases: readonly Lease[],
    rewindKey?: string,
  ): Promise<{ renewed: Lease[]; lost: Lease[]; owners: Map<string, ShardOwner>; rewind?: { id: string; state: string } }> {
    const args = leases.flatMap((lease) => [lease.shardId, lease.workerId, String(lease.token)]);
    const keys = rewindKey === undefined ? [this.key(mappingId)] : [this.key(mappingId), rewindKey];
    const [now, expiries, fields, rewindFields] = (await this.redis.eval(renewAndReadLeasesScript, keys.length, ...keys, String(this.leaseMs), ...args)) as [
      number,
      number[],
      string[],
      (string | null)[],
    ];
    const renewed: Lease[] = [];
    const lost: Lease[] = [];
    leases.forEach((lease, i) => {
      const expiresAt = expiries[i] ?? 0;
      if (expiresAt > 0) renewed.push({ ...lease, expiresAt });
      else lost.push(lease);
    });
    const owners = new Map<string, ShardOwner>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const match = /^(\d+)\|(\d+)\|(.*)$/s.exec(fields[i + 1]!);
      if (!match || match[3] === '') continue;
      const expiresAt = Number(match[2]);
      owners.set(fields[i]!, { workerId: match[3]!, token: Number(match[1]), expiresAt, expired: expiresAt <= now });
    }
    const [rewindId, rewindState] = rewindFields ?? [];
    return { renewed, lost, owners, ...(rewindId && rewindState ? { rewind: { id: rewindId, state: rewindState } } : {}) };
  }

  /** Forgets every lease of a mapping (deleted mapping); see also deleteStreamState. */
  async deleteMapping(mappingId: string): Promise<void> {
    await this.redis.del(this.key(mappingId));
  }
}
