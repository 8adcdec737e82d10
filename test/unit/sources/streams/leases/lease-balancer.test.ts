/**
 * decideLeases: single decisions, then whole clusters simulated round by round over an
 * in-memory lease table (the Redis executor: test/integration/streams-leases).
 */
import { describe, expect, it } from 'vitest';
import { decideLeases, type BalanceInput } from '../../../../../src/sources/streams/leases/lease-balancer.js';

const shardIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);

type Owners = BalanceInput['owners'];

/** owners from `{ worker: count }`, shards dealt in order. */
function dealt(shards: string[], counts: Record<string, number>): Map<string, { workerId: string; expired: boolean }> {
  const owners = new Map<string, { workerId: string; expired: boolean }>();
  let next = 0;
  for (const [workerId, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) owners.set(shards[next++]!, { workerId, expired: false });
  }
  return owners;
}

const decide = (workerId: string, liveWorkers: string[], shards: string[], owners: Owners, overdue?: Set<string>) =>
  decideLeases({ workerId, liveWorkers, shards, owners, ...(overdue ? { overdue } : {}) });

describe('decideLeases: one decision', () => {
  it('cold start: the free shards are dealt to the live workers, disjoint and complete', () => {
    const shards = shardIds(10);
    const live = ['a', 'b', 'c'];
    const picks = live.map((w) => decide(w, live, shards, new Map()).acquire);
    expect(picks.map((p) => p.length)).toEqual([4, 3, 3]);
    expect(new Set(picks.flat()).size).toBe(10);
    expect(picks.every((_, i) => decide(live[i]!, live, shards, new Map()).steal === undefined)).toBe(true);
  });

  it('a lone worker takes every free shard', () => {
    const shards = shardIds(5);
    expect(decide('a', [], shards, new Map()).acquire).toEqual(shards);
  });

  it('fills free shards up to the share, counting what each already holds', () => {
    const shards = shardIds(6);
    const owners = dealt(shards.slice(0, 3), { b: 3 });
    expect(decide('a', ['a', 'b'], shards, owners).acquire).toEqual(shards.slice(3));
    expect(decide('b', ['a', 'b'], shards, owners).acquire).toEqual([]);
  });

  it('an expired lease is free, and its holder gets none of the free shards even while still listed live', () => {
    const shards = shardIds(4);
    const owners = dealt(shards, { a: 2, c: 2 });
    owners.set(shards[2]!, { workerId: 'c', expired: true });
    owners.set(shards[3]!, { workerId: 'c', expired: true });
    const live = ['a', 'b', 'c'];
    expect(decide('b', live, shards, owners).acquire).toEqual([shards[2], shards[3]]);
    expect(decide('a', live, shards, owners).acquire).toEqual([]);
  });

  it('a shard held by a worker no longer live waits for its lease to expire: no take, no steal', () => {
    const shards = shardIds(4);
    const owners = dealt(shards, { a: 1, dead: 3 });
    const decision = decide('b', ['a', 'b'], shards, owners);
    expect(decision).toEqual({ acquire: [] });
  });

  it('steals one lease when the most loaded holds at least 2 more', () => {
    const shards = shardIds(4);
    const decision = decide('b', ['a', 'b'], shards, dealt(shards, { a: 4 }));
    expect(decision.acquire).toEqual([]);
    expect(decision.steal).toEqual({ shardId: shards[3], from: 'a' });
  });

  it('never steals over a difference of 1', () => {
    const shards = shardIds(5);
    const owners = dealt(shards, { a: 3, b: 2 });
    expect(decide('b', ['a', 'b'], shards, owners).steal).toBeUndefined();
    expect(decide('a', ['a', 'b'], shards, owners).steal).toBeUndefined();
  });

  it('2/2/0 over 3 workers: the empty one steals (below floor, the others above it)', () => {
    const shards = shardIds(4);
    const owners = dealt(shards, { a: 2, b: 2 });
    expect(decide('c', ['a', 'b', 'c'], shards, owners).steal).toEqual({ shardId: shards[1], from: 'a' });
    expect(decide('a', ['a', 'b', 'c'], shards, owners).steal).toBeUndefined();
  });

  it('2/2/4 over 3 workers (floor 2, ceil 3): exactly one of the two at floor steals', () => {
    const shards = shardIds(8);
    const owners = dealt(shards, { a: 2, b: 2, c: 4 });
    const live = ['a', 'b', 'c'];
    expect(decide('a', live, shards, owners).steal).toEqual({ shardId: shards[7], from: 'c' });
    expect(decide('b', live, shards, owners).steal).toBeUndefined();
    expect(decide('c', live, shards, owners).steal).toBeUndefined();
  });

  it('several thieves in one round take distinct shards and leave the victim its share', () => {
    const shards = shardIds(6);
    const owners = dealt(shards, { d: 6 });
    const live = ['a', 'b', 'c', 'd'];
    const steals = live.map((w) => decide(w, live, shards, owners).steal);
    expect(steals[3]).toBeUndefined();
    const taken = steals.flatMap((s) => (s ? [s.shardId] : []));
    expect(taken).toHaveLength(3);
    expect(new Set(taken).size).toBe(3);
    // d keeps 3, at least floor (1); one more steal next round leaves 2/1/1/2.
  });

  it('does not steal in a round that still has free shards', () => {
    const shards = shardIds(6);
    const owners = dealt(shards.slice(0, 5), { a: 5 });
    const decision = decide('b', ['a', 'b'], shards, owners);
    expect(decision).toEqual({ acquire: [shards[5]] });
  });

  it('an overdue free shard is tried even when the plan gives it to another worker', () => {
    const shards = shardIds(2);
    const owners = dealt(shards.slice(0, 1), { a: 1 });
    expect(decide('a', ['a', 'b'], shards, owners).acquire).toEqual([]);
    expect(decide('a', ['a', 'b'], shards, owners, new Set([shards[1]!])).acquire).toEqual([shards[1]]);
  });

  it('ignores owners of shards that are not ready', () => {
    const shards = shardIds(2);
    const owners = dealt([...shards, 'parent-1', 'parent-2', 'parent-3'], { a: 1, b: 4 });
    // b holds shards[1] and three not-ready parents: 1 each of the ready ones.
    expect(decide('a', ['a', 'b'], shards, owners)).toEqual({ acquire: [] });
  });
});

// ---------------------------------------------------------------------------------------
// Simulation

interface SimLease {
  workerId: string;
  expiresAt: number;
}

/** A cluster on an in-memory lease table; time moves `roundMs` per round. */
class Cluster {
  now = 0;
  readonly leases = new Map<string, SimLease>();
  /** Workers running rounds and renewing their leases. */
  readonly running = new Set<string>();
  /** Workers the registry still lists (dead ones linger until `registryLagMs` passes). */
  private readonly listedUntil = new Map<string, number>();
  moves = 0;
  steals = 0;
  private seed = 7;

  constructor(
    readonly shards: string[],
    readonly options: { leaseMs: number; roundMs: number; registryLagMs: number; mode: 'lockstep' | 'sequential' },
  ) {}

  start(worker: string): void {
    this.running.add(worker);
    this.listedUntil.set(worker, Infinity);
  }

  /** Dies: no more rounds or renewals; the registry notices after registryLagMs. */
  kill(worker: string): void {
    this.running.delete(worker);
    this.listedUntil.set(worker, this.now + this.options.registryLagMs);
  }

  /** Shuts down: releases its leases at once and leaves the registry. */
  shutdown(worker: string): void {
    this.running.delete(worker);
    this.listedUntil.delete(worker);
    for (const [shard, lease] of this.leases) if (lease.workerId === worker) this.leases.delete(shard);
  }

  get live(): string[] {
    return [...this.listedUntil].filter(([, until]) => until > this.now).map(([w]) => w);
  }

  owners(): Map<string, { workerId: string; expired: boolean }> {
    return new Map([...this.leases].map(([shard, lease]) => [shard, { workerId: lease.workerId, expired: lease.expiresAt <= this.now }]));
  }

  counts(): Map<string, number> {
    const counts = new Map<string, number>([...this.running].map((w) => [w, 0]));
    for (const lease of this.leases.values()) {
      if (lease.expiresAt > this.now) counts.set(lease.workerId, (counts.get(lease.workerId) ?? 0) + 1);
    }
    return counts;
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  /** One round; returns how many leases changed hands. */
  round(): number {
    const expiry = this.now + this.options.leaseMs;
    for (const lease of this.leases.values()) if (this.running.has(lease.workerId) && lease.expiresAt > this.now) lease.expiresAt = expiry;
    const workers = [...this.running].sort(() => this.random() - 0.5);
    const snapshot = this.owners();
    let changed = 0;
    for (const worker of workers) {
      const owners = this.options.mode === 'lockstep' ? snapshot : this.owners();
      const decision = decideLeases({ workerId: worker, liveWorkers: this.live, shards: this.shards, owners });
      for (const shard of decision.acquire) {
        const lease = this.leases.get(shard);
        if (lease && lease.expiresAt > this.now) continue; // lost the race
        if (lease && lease.workerId !== worker) this.moves += 1;
        this.leases.set(shard, { workerId: worker, expiresAt: expiry });
        changed += 1;
      }
      if (decision.steal) {
        const lease = this.leases.get(decision.steal.shardId);
        if (lease?.workerId !== decision.steal.from) continue;
        this.leases.set(decision.steal.shardId, { workerId: worker, expiresAt: expiry });
        this.moves += 1;
        this.steals += 1;
        changed += 1;
      }
    }
    this.now += this.options.roundMs;
    return changed;
  }

  /** Rounds until one changes nothing; returns how many ran. */
  settle(maxRounds = 200): number {
    for (let i = 1; i <= maxRounds; i++) if (this.round() === 0) return i;
    throw new Error(`not stable after ${maxRounds} rounds: ${JSON.stringify([...this.counts()])}`);
  }

  /** Every shard held by a running worker, and counts within 1 of each other. */
  expectBalanced(): void {
    const counts = [...this.counts()].filter(([w]) => this.running.has(w)).map(([, n]) => n);
    const heldByRunning = [...this.leases.values()].filter((l) => this.running.has(l.workerId) && l.expiresAt > this.now).length;
    expect(heldByRunning, 'every shard held by a running worker').toBe(this.shards.length);
    expect(Math.max(...counts) - Math.min(...counts), `counts ${JSON.stringify([...this.counts()])}`).toBeLessThanOrEqual(1);
  }

  /** `rounds` more rounds change nothing. */
  expectStable(rounds = 50): void {
    const before = JSON.stringify([...this.leases].map(([s, l]) => [s, l.workerId]));
    for (let i = 0; i < rounds; i++) expect(this.round(), `round ${i} after settling`).toBe(0);
    expect(JSON.stringify([...this.leases].map(([s, l]) => [s, l.workerId]))).toBe(before);
  }
}

describe.each(['lockstep', 'sequential'] as const)('decideLeases: simulated cluster (%s rounds)', (mode) => {
  const options = { leaseMs: 3000, roundMs: 1000, registryLagMs: 5000, mode };

  it('1 -> 2 -> 3 workers: each newcomer gets its share by one steal a round, with no needless moves', () => {
    const cluster = new Cluster(shardIds(12), options);
    cluster.start('w1');
    cluster.settle();
    expect(cluster.counts()).toEqual(new Map([['w1', 12]]));

    cluster.start('w2');
    cluster.settle();
    cluster.expectBalanced();
    expect(cluster.moves).toBe(6);

    cluster.start('w3');
    cluster.settle();
    cluster.expectBalanced();
    expect(cluster.counts()).toEqual(new Map([['w1', 4], ['w2', 4], ['w3', 4]]));
    expect(cluster.moves).toBe(10);
    cluster.expectStable();
  });

  it('cold start of 3 workers on 10 shards: dealt in one round, no steals', () => {
    const cluster = new Cluster(shardIds(10), options);
    for (const w of ['a', 'b', 'c']) cluster.start(w);
    expect(cluster.settle()).toBe(2);
    cluster.expectBalanced();
    expect(cluster.steals).toBe(0);
    cluster.expectStable();
  });

  it('a dying worker loses its shards to the others within leaseMs + one round, though the registry still lists it', () => {
    // The registry notices the death only after 10 s, later than leaseMs + one round.
    const cluster = new Cluster(shardIds(12), { ...options, registryLagMs: 10_000 });
    for (const w of ['w1', 'w2', 'w3']) cluster.start(w);
    cluster.settle();
    cluster.expectBalanced();

    cluster.kill('w3');
    const deadline = cluster.now + options.leaseMs + options.roundMs;
    while (cluster.now < deadline) cluster.round();
    expect(cluster.live).toContain('w3');
    const held = [...cluster.leases.values()].filter((l) => l.workerId !== 'w3' && l.expiresAt > cluster.now).length;
    expect(held).toBe(12);
    cluster.settle();
    cluster.expectBalanced();
    expect(cluster.counts()).toEqual(new Map([['w1', 6], ['w2', 6]]));
    cluster.expectStable();
  });

  it('a worker that shuts down releases: the others take its shards in the next round', () => {
    const cluster = new Cluster(shardIds(9), options);
    for (const w of ['w1', 'w2', 'w3']) cluster.start(w);
    cluster.settle();
    cluster.shutdown('w2');
    cluster.round();
    cluster.expectBalanced();
    expect(cluster.steals).toBe(0);
    cluster.expectStable();
  });

  it('uneven counts (7 shards, 3 workers, all on one at first) settle at 3/2/2', () => {
    const cluster = new Cluster(shardIds(7), options);
    cluster.start('a');
    cluster.settle();
    cluster.start('b');
    cluster.start('c');
    cluster.settle();
    cluster.expectBalanced();
    expect([...cluster.counts().values()].sort()).toEqual([2, 2, 3]);
    expect(cluster.moves).toBe(4);
    cluster.expectStable();
  });

  it('random clusters always settle balanced within 1, then stay put (no ping-pong)', () => {
    let seed = mode === 'lockstep' ? 11 : 13;
    const rand = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    for (let trial = 0; trial < 200; trial++) {
      const shards = shardIds(rand(41));
      const workers = Array.from({ length: 1 + rand(6) }, (_, i) => `w${i}`);
      const cluster = new Cluster(shards, options);
      for (const w of workers) cluster.start(w);
      // Any starting table: free, held by anyone (skewed), or expired.
      for (const shard of shards) {
        const pick = rand(10);
        if (pick < 2) continue;
        const workerId = pick < 6 ? workers[0]! : workers[rand(workers.length)]!;
        cluster.leases.set(shard, { workerId, expiresAt: pick === 9 ? 0 : options.leaseMs });
      }
      // Expired leases make their holder suspect for a round; a worker joining later is the rest.
      const rounds = cluster.settle();
      expect(rounds, `trial ${trial}`).toBeLessThanOrEqual(shards.length + 3);
      cluster.expectBalanced();
      cluster.expectStable(20);
    }
  });
});
