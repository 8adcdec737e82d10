/**
 * Lease balancing: which shard leases of a mapping this worker should take, so that the
 * live workers share the mapping's ready shards within one of each other.
 *
 * decideLeases() is the pure decision; LeaseBalancer runs one round of it against Redis.
 * Each worker calls LeaseBalancer.round() for each stream mapping it runs, every few
 * seconds (a round is one HGETALL plus the takes it decides on).
 *
 * The rules, for one snapshot of the leases:
 * 1. Candidates are the live workers (this one always included), minus workers that let a
 *    lease of this mapping expire (dead or stuck: a healthy holder renews long before
 *    expiry). So a dead worker's shards go to the others within `leaseMs` plus one round,
 *    however long the worker registry takes to notice it.
 * 2. Free shards (never leased, released, or expired) go first, one at a time, to the
 *    candidate holding the fewest shards (ties: lowest worker id). This worker tries to
 *    take those that fall to it. Every worker computes the same plan from the same
 *    snapshot, so a cold start spreads the shards at once instead of one worker taking
 *    all and the others stealing them back one by one.
 * 3. Free shards that stayed free for `orphanAfterMs` (their planned taker never took
 *    them, e.g. a live worker that does not run this mapping) are tried by every worker.
 * 4. Only when no shard is free or held by a non-candidate: with T shards over L
 *    candidates, floor = ⌊T/L⌋, ceil = ⌈T/L⌉, a worker holding fewer than floor steals
 *    from the most loaded worker if that one holds more than floor; a worker holding fewer
 *    than ceil steals if the most loaded holds more than ceil. At most one steal per worker
 *    per round. Either way the two differ by at least 2, so a steal never makes the thief
 *    hold more than its victim: no ping-pong. With no steal possible, every candidate holds
 *    floor or ceil shards.
 *    The steals of a round are planned in order (fewest held first), each on the counts
 *    left by the previous ones, so several thieves never strip one victim below its share.
 *
 * A worker that shuts down releases its leases at once (release()); the others take them
 * in their next round.
 */
import type { Lease, ShardLeases, ShardOwner } from './shard-leases.js';

export interface BalanceInput {
  /** This worker. */
  workerId: string;
  /** Live workers (WorkerRegistry.live). This worker counts as live whether listed or not. */
  liveWorkers: readonly string[];
  /** The mapping's shards that are ready to run (parents done, not ended), computed by the caller. */
  shards: readonly string[];
  /** Current holders (ShardLeases.owners()); shards of other mappings or not ready are ignored. */
  owners: ReadonlyMap<string, Pick<ShardOwner, 'workerId' | 'expired'>>;
  /** Free shards left free for too long: any worker tries them. Default: none. */
  overdue?: ReadonlySet<string>;
}

export interface BalanceDecision {
  /** Free or expired shards this worker should try to take (tryAcquire), in order. */
  acquire: string[];
  /** One lease to take from the most loaded worker (steal), if any. */
  steal?: { shardId: string; from: string };
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function decideLeases(input: BalanceInput): BalanceDecision {
  const me = input.workerId;
  const shards = [...new Set(input.shards)].sort(byId);

  // 1. Candidates.
  const stalled = new Set<string>();
  for (const shardId of shards) {
    const owner = input.owners.get(shardId);
    if (owner?.expired && owner.workerId !== me) stalled.add(owner.workerId);
  }
  const candidates = [...new Set([...input.liveWorkers, me])].filter((worker) => !stalled.has(worker)).sort(byId);
  const held = new Map<string, string[]>(candidates.map((worker) => [worker, []]));
  const free: string[] = [];
  let inLimbo = 0;
  for (const shardId of shards) {
    const owner = input.owners.get(shardId);
    if (!owner || owner.expired) free.push(shardId);
    else {
      const mine = held.get(owner.workerId);
      if (mine) mine.push(shardId);
      else inLimbo += 1; // held by a worker that is not live (or stalled): wait for its lease to expire
    }
  }
  const count = (worker: string): number => held.get(worker)?.length ?? 0;

  // 2. Free shards to the least loaded candidates.
  const acquire: string[] = [];
  for (const shardId of free) {
    let taker = candidates[0]!;
    for (const worker of candidates) if (count(worker) < count(taker)) taker = worker;
    held.get(taker)!.push(shardId);
    if (taker === me) acquire.push(shardId);
  }
  // 3. Overdue free shards: anyone.
  for (const shardId of free) if (input.overdue?.has(shardId) && !acquire.includes(shardId)) acquire.push(shardId);

  if (free.length > 0 || inLimbo > 0 || candidates.length < 2) return { acquire };

  // 4. Steals, planned for every candidate in order; this worker's part is returned.
  const total = shards.length;
  const floor = Math.floor(total / candidates.length);
  const ceil = Math.ceil(total / candidates.length);
  const thieves = [...candidates].sort((a, b) => count(a) - count(b) || byId(a, b));
  for (const thief of thieves) {
    let victim: string | undefined;
    for (const worker of candidates) if (worker !== thief && (victim === undefined || count(worker) > count(victim))) victim = worker;
    if (victim === undefined) break;
    const mine = count(thief);
    const theirs = count(victim);
    const eligible = (mine < floor && theirs > floor) || (mine < ceil && theirs > ceil);
    if (!eligible || theirs - mine < 2) continue;
    const victimShards = held.get(victim)!;
    const shardId = victimShards.pop()!;
    held.get(thief)!.push(shardId);
    if (thief === me) return { acquire, steal: { shardId, from: victim } };
  }
  return { acquire };
}

export interface LeaseBalancerOptions {
  /**
   * A ready shard left free this long, in ms, is tried by every worker, not only the one
   * the plan gives it to (that one may be live but not running the mapping).
   * Default: the leases' `leaseMs`.
   */
  orphanAfterMs?: number;
  /** Clock for `orphanAfterMs` (this process only; lease times come from Redis). Default Date.now. */
  now?: () => number;
}

export interface BalanceRound {
  decision: BalanceDecision;
  /** Leases taken this round, free ones and the stolen one; start processing these shards. */
  acquired: Lease[];
  /** The stolen lease, also in `acquired`. */
  stolen?: Lease;
}

/** Runs decideLeases() for one worker against Redis. */
export class LeaseBalancer {
  private readonly orphanAfterMs: number;
  private readonly now: () => number;
  /** Per mapping: ready shards seen free, since when (this process' clock). */
  private readonly freeSince = new Map<string, Map<string, number>>();

  constructor(
    private readonly leases: ShardLeases,
    readonly workerId: string,
    options: LeaseBalancerOptions = {},
  ) {
    this.orphanAfterMs = options.orphanAfterMs ?? leases.leaseMs;
    if (!(this.orphanAfterMs >= 0)) throw new RangeError(`LeaseBalancer: orphanAfterMs must be >= 0 (got ${this.orphanAfterMs})`);
    this.now = options.now ?? Date.now;
  }

  /**
   * One balancing round for a mapping: reads the leases, decides, and takes what was
   * decided. A take that loses a race to another worker is simply left out of `acquired`.
   * A shard in `acquired` may be one this worker held with a lease that expired: that
   * old lease is lost (its token is stale); carry on with the new one.
   */
  async round(mappingId: string, liveWorkers: readonly string[], shards: readonly string[], read?: ReadonlyMap<string, ShardOwner>): Promise<BalanceRound> {
    // `read`: the owners as the caller just read them (with its renewals, one script).
    const owners = read ?? (await this.leases.owners(mappingId));
    const overdue = this.trackFree(mappingId, shards, owners);
    const decision = decideLeases({ workerId: this.workerId, liveWorkers, shards, owners, overdue });
    const taken = await Promise.all(decision.acquire.map((shardId) => this.leases.tryAcquire(mappingId, shardId, this.workerId)));
    const acquired = taken.filter((lease): lease is Lease => lease !== undefined);
    let stolen: Lease | undefined;
    if (decision.steal) {
      stolen = await this.leases.steal(mappingId, decision.steal.shardId, decision.steal.from, this.workerId);
      if (stolen) acquired.push(stolen);
    }
    for (const lease of acquired) this.freeSince.get(mappingId)?.delete(lease.shardId);
    return stolen ? { decision, acquired, stolen } : { decision, acquired };
  }

  /** Shutdown: releases every lease this worker holds in the mapping at once; returns their shard ids. */
  async release(mappingId: string): Promise<string[]> {
    this.forget(mappingId);
    return this.leases.releaseAll(mappingId, this.workerId);
  }

  /** Drops this balancer's memory of a mapping (stopped or deleted). */
  forget(mappingId: string): void {
    this.freeSince.delete(mappingId);
  }

  private trackFree(mappingId: string, shards: readonly string[], owners: ReadonlyMap<string, Pick<ShardOwner, 'expired'>>): Set<string> {
    const now = this.now();
    const previous = this.freeSince.get(mappingId) ?? new Map<string, number>();
    const next = new Map<string, number>();
    const overdue = new Set<string>();
    for (const shardId of shards) {
      const owner = owners.get(shardId);
      if (owner && !owner.expired) continue;
      const since = previous.get(shardId) ?? now;
      next.set(shardId, since);
      if (now - since >= this.orphanAfterMs) overdue.add(shardId);
    }
    this.freeSince.set(mappingId, next);
    return overdue;
  }
}
