/** Shard leases against a real Redis: acquire, renew, expiry, steal, release, races. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardLeases, type Lease } from '../../../src/sources/streams/leases/shard-leases.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';

const PREFIX = 'sluice';
const LEASE_MS = 300;

let db: number;
let redis: Redis;
beforeAll(async () => {
  db = await allocateRedisDb();
  redis = createRedis({ db });
});
afterAll(() => redis.quit());

const leasesWith = (leaseMs = LEASE_MS, client: Redis = redis) => new ShardLeases(client, PREFIX, { leaseMs });

async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Waits (without a fixed sleep) until Redis' clock passes the lease's expiry. */
async function untilExpired(lease: Lease): Promise<void> {
  await pollUntil(async () => (await redisNow()) >= lease.expiresAt, { timeoutMs: 5000, intervalMs: 20, description: 'lease expired' });
}

describe('ShardLeases', () => {
  it('acquires a free shard with token 1 and an expiry leaseMs from now; others cannot take it while held', async () => {
    const leases = leasesWith();
    const mapping = randomUUID();
    const before = await redisNow();
    const lease = await leases.tryAcquire(mapping, 'shard-1', 'w1');
    expect(lease).toMatchObject({ mappingId: mapping, shardId: 'shard-1', workerId: 'w1', token: 1 });
    expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + LEASE_MS);
    expect(lease!.expiresAt).toBeLessThanOrEqual((await redisNow()) + LEASE_MS);

    expect(await leases.tryAcquire(mapping, 'shard-1', 'w2')).toBeUndefined();
    expect(await leases.tryAcquire(mapping, 'shard-1', 'w1')).toBeUndefined(); // held: not free, even for its holder
    expect(await leases.owners(mapping)).toEqual(new Map([['shard-1', { workerId: 'w1', token: 1, expiresAt: lease!.expiresAt, expired: false }]]));
  });

  it('renews with the right token only, pushing the expiry forward', async () => {
    const leases = leasesWith(5000);
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    await pollUntil(async () => (await redisNow()) > lease.expiresAt - 5000 + 20, { intervalMs: 5 });
    const renewed = await leases.renew(lease);
    expect(renewed).toMatchObject({ token: 1, workerId: 'w1' });
    expect(renewed!.expiresAt).toBeGreaterThan(lease.expiresAt);
    expect(await leases.renew({ ...lease, token: 2 })).toBeUndefined();
    expect(await leases.renew({ ...lease, workerId: 'w2' })).toBeUndefined();
    expect((await leases.owners(mapping)).get('shard-1')?.expiresAt).toBe(renewed!.expiresAt);
  });

  it('an expired lease goes to the next taker with a new token; the old holder can no longer renew or release it', async () => {
    const leases = leasesWith();
    const mapping = randomUUID();
    const first = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    expect(await leases.tryAcquire(mapping, 'shard-1', 'w2')).toBeUndefined();
    await untilExpired(first);
    expect((await leases.owners(mapping)).get('shard-1')).toMatchObject({ workerId: 'w1', expired: true });

    const second = await leases.tryAcquire(mapping, 'shard-1', 'w2');
    expect(second).toMatchObject({ workerId: 'w2', token: 2 });
    expect(await leases.renew(first)).toBeUndefined();
    expect(await leases.release(first)).toBe(false);
    expect((await leases.owners(mapping)).get('shard-1')).toMatchObject({ workerId: 'w2', token: 2, expired: false });
  });

  it('an expired lease nobody took is still its holder\'s: renew succeeds with the same token', async () => {
    const leases = leasesWith();
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    await untilExpired(lease);
    const renewed = await leases.renew(lease);
    expect(renewed).toMatchObject({ token: 1, workerId: 'w1' });
    expect(await leases.tryAcquire(mapping, 'shard-1', 'w2')).toBeUndefined();
  });

  it('release frees the shard at once; the token keeps growing', async () => {
    const leases = leasesWith(60_000);
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    expect(await leases.release(lease)).toBe(true);
    expect(await leases.release(lease)).toBe(false);
    expect(await leases.renew(lease)).toBeUndefined();
    expect(await leases.owners(mapping)).toEqual(new Map());
    expect(await leases.tryAcquire(mapping, 'shard-1', 'w2')).toMatchObject({ workerId: 'w2', token: 2 });
  });

  it('steals only from the named holder, expired or not, with a new token', async () => {
    const leases = leasesWith(60_000);
    const mapping = randomUUID();
    const held = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    expect(await leases.steal(mapping, 'shard-1', 'w3', 'w2')).toBeUndefined();
    expect(await leases.steal(mapping, 'shard-unknown', 'w1', 'w2')).toBeUndefined();

    const stolen = await leases.steal(mapping, 'shard-1', 'w1', 'w2');
    expect(stolen).toMatchObject({ workerId: 'w2', token: 2 });
    expect(await leases.renew(held)).toBeUndefined();
    // The former holder cannot steal it back with a stale view (it names itself as "from").
    expect(await leases.steal(mapping, 'shard-1', 'w1', 'w1')).toBeUndefined();
    // Released leases are not stealable: tryAcquire takes those.
    await leases.release(stolen!);
    expect(await leases.steal(mapping, 'shard-1', 'w2', 'w3')).toBeUndefined();
  });

  it('holds: true for the holder with its token (expired but untaken included), false once stolen, released or unknown', async () => {
    const leases = leasesWith();
    const mapping = randomUUID();
    const lease = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    expect(await leases.holds(lease)).toBe(true);
    expect(await leases.holds({ ...lease, token: 2 })).toBe(false);
    expect(await leases.holds({ ...lease, shardId: 'shard-2' })).toBe(false);
    await untilExpired(lease);
    expect(await leases.holds(lease)).toBe(true);
    const stolen = (await leases.steal(mapping, 'shard-1', 'w1', 'w2'))!;
    expect(await leases.holds(lease)).toBe(false);
    expect(await leases.holds(stolen)).toBe(true);
    await leases.release(stolen);
    expect(await leases.holds(stolen)).toBe(false);
  });

  it('releaseAll gives up exactly the worker\'s leases of that mapping', async () => {
    const leases = leasesWith(60_000);
    const mapping = randomUUID();
    const other = randomUUID();
    for (const shard of ['a', 'b', 'c']) await leases.tryAcquire(mapping, shard, 'w1');
    await leases.tryAcquire(mapping, 'd', 'w2');
    await leases.tryAcquire(other, 'a', 'w1');
    expect((await leases.releaseAll(mapping, 'w1')).sort()).toEqual(['a', 'b', 'c']);
    expect([...(await leases.owners(mapping)).keys()]).toEqual(['d']);
    expect([...(await leases.owners(other)).keys()]).toEqual(['a']);
    expect(await leases.tryAcquire(mapping, 'b', 'w2')).toMatchObject({ token: 2 });
  });

  it('renewAll renews across mappings and reports the lost ones', async () => {
    const leases = leasesWith(60_000);
    const [m1, m2] = [randomUUID(), randomUUID()];
    const a = (await leases.tryAcquire(m1, 'a', 'w1'))!;
    const b = (await leases.tryAcquire(m1, 'b', 'w1'))!;
    const c = (await leases.tryAcquire(m2, 'a', 'w1'))!;
    await leases.steal(m1, 'b', 'w1', 'w2');
    const { renewed, lost } = await leases.renewAll([a, b, c]);
    expect(renewed.map((l) => `${l.mappingId === m1 ? 'm1' : 'm2'}/${l.shardId}`).sort()).toEqual(['m1/a', 'm2/a']);
    expect(lost).toEqual([b]);
    expect(await leases.renewAll([])).toEqual({ renewed: [], lost: [] });
  });

  it('renewAndRead renews the held leases, reports the lost ones, and reads every lease after the renewals', async () => {
    const leases = leasesWith(5000);
    const mapping = randomUUID();
    const mine = (await leases.tryAcquire(mapping, 'shard-1', 'w1'))!;
    const taken = (await leases.tryAcquire(mapping, 'shard-2', 'w1'))!;
    const theirs = (await leases.tryAcquire(mapping, 'shard-3', 'w2'))!;
    expect(await leases.steal(mapping, 'shard-2', 'w1', 'w2')).toBeDefined();
    await pollUntil(async () => (await redisNow()) > mine.expiresAt - 5000 + 20, { intervalMs: 5 });

    const { renewed, lost, owners } = await leases.renewAndRead(mapping, [mine, taken]);
    expect(renewed).toHaveLength(1);
    expect(renewed[0]).toMatchObject({ shardId: 'shard-1', token: 1 });
    expect(renewed[0]!.expiresAt).toBeGreaterThan(mine.expiresAt);
    expect(lost).toEqual([taken]);
    expect(owners).toEqual(await leases.owners(mapping));
    expect(owners.get('shard-1')).toEqual({ workerId: 'w1', token: 1, expiresAt: renewed[0]!.expiresAt, expired: false });
    expect(owners.get('shard-2')).toMatchObject({ workerId: 'w2', token: 2 });
    expect(owners.get('shard-3')).toEqual({ workerId: 'w2', token: 1, expiresAt: theirs.expiresAt, expired: false });
    // Nothing held: only the read.
    expect((await leases.renewAndRead(mapping, [])).owners).toEqual(owners);
  });

  it('concurrent acquisition by many workers on separate connections: exactly one winner, free or expired', async () => {
    const mapping = randomUUID();
    const clients = Array.from({ length: 8 }, () => createRedis({ db }));
    try {
      const workers = clients.map((client, i) => ({ id: `w${i}`, leases: leasesWith(LEASE_MS, client) }));
      for (const shard of ['s1', 's2', 's3']) {
        const results = await Promise.all(workers.map((w) => w.leases.tryAcquire(mapping, shard, w.id)));
        const winners = results.filter((lease) => lease !== undefined);
        expect(winners, shard).toHaveLength(1);
        expect(winners[0]!.token).toBe(1);
        expect((await leasesWith().owners(mapping)).get(shard)?.workerId).toBe(winners[0]!.workerId);
      }
      const s1 = (await leasesWith().owners(mapping)).get('s1')!;
      await pollUntil(async () => (await redisNow()) >= s1.expiresAt, { intervalMs: 20 });
      const again = await Promise.all(workers.map((w) => w.leases.tryAcquire(mapping, 's1', w.id)));
      const winners = again.filter((lease) => lease !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.token).toBe(2);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });

  it('refuses bad options and empty worker ids', async () => {
    expect(() => new ShardLeases(redis, PREFIX, { leaseMs: 0 })).toThrow(/leaseMs/);
    expect(() => new ShardLeases(redis, PREFIX, { leaseMs: 1.5 })).toThrow(/leaseMs/);
    expect(new ShardLeases(redis, PREFIX).leaseMs).toBe(10_000);
    await expect(leasesWith().tryAcquire(randomUUID(), 's', '')).rejects.toThrow(/workerId/);
  });
});
