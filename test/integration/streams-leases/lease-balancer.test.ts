/** LeaseBalancer (the executor) against a real Redis, several workers on one mapping. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoints } from '../../../src/sources/streams/checkpoints/checkpoints.js';
import { LeaseBalancer } from '../../../src/sources/streams/leases/lease-balancer.js';
import { ShardLeases, type Lease } from '../../../src/sources/streams/leases/shard-leases.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';

const PREFIX = 'sluice';
const LEASE_MS = 300;

let redis: Redis;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
});
afterAll(() => redis.quit());

const shardIds = (n: number) => Array.from({ length: n }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);

/** A worker as a stream source would drive it: renew what it holds, then balance. */
class Worker {
  readonly held = new Map<string, Lease>();
  readonly balancer: LeaseBalancer;
  clock = 0;

  constructor(
    readonly id: string,
    readonly leases: ShardLeases,
    orphanAfterMs?: number,
  ) {
    this.balancer = new LeaseBalancer(leases, id, { now: () => this.clock, ...(orphanAfterMs === undefined ? {} : { orphanAfterMs }) });
  }

  /** Returns how many leases it took. */
  async tick(mappingId: string, live: string[], shards: string[]): Promise<number> {
    const { renewed, lost } = await this.leases.renewAll([...this.held.values()]);
    for (const lease of lost) this.held.delete(lease.shardId);
    for (const lease of renewed) this.held.set(lease.shardId, lease);
    const { acquired } = await this.balancer.round(mappingId, live, shards);
    for (const lease of acquired) this.held.set(lease.shardId, lease);
    return acquired.length;
  }
}

function cluster(ids: string[]) {
  const leases = new ShardLeases(redis, PREFIX, { leaseMs: LEASE_MS });
  return ids.map((id) => new Worker(id, leases));
}

/** Ticks every worker (in order) until a full pass takes nothing. */
async function settle(workers: Worker[], mappingId: string, shards: string[], live = workers.map((w) => w.id)): Promise<number> {
  for (let pass = 1; pass <= 50; pass++) {
    let taken = 0;
    for (const worker of workers) taken += await worker.tick(mappingId, live, shards);
    if (taken === 0) return pass;
  }
  throw new Error('not settled after 50 passes');
}

async function ownersByWorker(mappingId: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const [shardId, owner] of await new ShardLeases(redis, PREFIX).owners(mappingId)) {
    if (owner.expired) continue;
    (result[owner.workerId] ??= []).push(shardId);
  }
  for (const list of Object.values(result)) list.sort();
  return result;
}

const heldIds = (worker: Worker) => [...worker.held.keys()].sort();

describe('LeaseBalancer', () => {
  it('three workers starting together split nine shards 3/3/3, with no steals and Redis agreeing', async () => {
    const mappingId = randomUUID();
    const shards = shardIds(9);
    const workers = cluster(['a', 'b', 'c']);
    expect(await settle(workers, mappingId, shards)).toBe(2);
    const owners = await ownersByWorker(mappingId);
    for (const worker of workers) {
      expect(heldIds(worker)).toHaveLength(3);
      expect(owners[worker.id]).toEqual(heldIds(worker));
    }
    // Every lease is a first acquisition: nothing was taken twice.
    expect(workers.flatMap((w) => [...w.held.values()].map((l) => l.token))).toEqual(Array(9).fill(1));
  });

  it('a newcomer steals one lease a round; the victim learns on renewal and its checkpoint write is fenced', async () => {
    const mappingId = randomUUID();
    const shards = shardIds(6);
    const [a, b] = cluster(['a', 'b']) as [Worker, Worker];
    await settle([a], mappingId, shards, ['a']);
    expect(heldIds(a)).toEqual(shards);
    const before = new Map(a.held);

    expect(await b.tick(mappingId, ['a', 'b'], shards)).toBe(1);
    const [stolen] = [...b.held.values()];
    expect(stolen!.token).toBe(2);
    const checkpoints = new Checkpoints(redis, PREFIX);
    expect(await checkpoints.write(before.get(stolen!.shardId)!, '42')).toBe('fenced');
    expect(await checkpoints.get(mappingId, stolen!.shardId)).toBeUndefined();

    await a.tick(mappingId, ['a', 'b'], shards);
    expect(a.held.has(stolen!.shardId)).toBe(false);
    await settle([a, b], mappingId, shards);
    expect([heldIds(a).length, heldIds(b).length]).toEqual([3, 3]);
    expect(await ownersByWorker(mappingId)).toEqual({ a: heldIds(a), b: heldIds(b) });
  });

  it('a dead worker\'s shards go to the others once its leases expire, though the registry still lists it', async () => {
    const mappingId = randomUUID();
    const shards = shardIds(6);
    const workers = cluster(['a', 'b', 'c']);
    await settle(workers, mappingId, shards);
    const [a, b, c] = workers as [Worker, Worker, Worker];
    const lastExpiry = Math.max(...[...c.held.values()].map((l) => l.expiresAt));
    const live = ['a', 'b', 'c']; // c stops ticking but stays listed

    await pollUntil(
      async () => {
        for (const w of [a, b]) await w.tick(mappingId, live, shards);
        return heldIds(a).length + heldIds(b).length === 6;
      },
      { timeoutMs: LEASE_MS * 10, intervalMs: 50, description: 'c\'s shards taken' },
    );
    const [seconds, micros] = await redis.time();
    const takenAt = Number(seconds) * 1000 + Number(micros) / 1000;
    expect(takenAt).toBeGreaterThanOrEqual(lastExpiry);
    expect(takenAt).toBeLessThan(lastExpiry + 1000); // one round after expiry, with room for a slow machine
    expect([heldIds(a).length, heldIds(b).length]).toEqual([3, 3]);
    const checkpoints = new Checkpoints(redis, PREFIX);
    for (const lease of c.held.values()) expect(await checkpoints.write(lease, '1')).toBe('fenced');
  });

  it('a worker shutting down releases at once: the others take its shards in their next round', async () => {
    const mappingId = randomUUID();
    const shards = shardIds(6);
    const leases = new ShardLeases(redis, PREFIX, { leaseMs: 60_000 }); // expiry cannot be what frees them
    const workers = ['a', 'b', 'c'].map((id) => new Worker(id, leases));
    await settle(workers, mappingId, shards);
    const [a, b, c] = workers as [Worker, Worker, Worker];
    const cShards = heldIds(c);
    expect((await c.balancer.release(mappingId)).sort()).toEqual(cShards);

    for (const w of [a, b]) await w.tick(mappingId, ['a', 'b'], shards);
    expect([...heldIds(a), ...heldIds(b)].sort()).toEqual(shards);
    expect([heldIds(a).length, heldIds(b).length]).toEqual([3, 3]);
  });

  it('shards planned for a live worker that never takes them are taken by others after orphanAfterMs', async () => {
    const mappingId = randomUUID();
    const shards = shardIds(4);
    const leases = new ShardLeases(redis, PREFIX, { leaseMs: 60_000 });
    const a = new Worker('a', leases, 1000);
    const live = ['a', 'ghost'];
    await a.tick(mappingId, live, shards);
    expect(heldIds(a)).toHaveLength(2);
    a.clock += 999;
    await a.tick(mappingId, live, shards);
    expect(heldIds(a)).toHaveLength(2);
    a.clock += 1;
    await a.tick(mappingId, live, shards);
    expect(heldIds(a)).toEqual(shards);
  });
});
