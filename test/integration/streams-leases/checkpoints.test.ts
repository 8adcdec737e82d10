/** Checkpoints against a real Redis: fenced by the lease, never backwards, SHARD_END final. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoints } from '../../../src/sources/streams/checkpoints/checkpoints.js';
import { PinnedPositions } from '../../../src/sources/streams/start-position/pinned-positions.js';
import { CheckpointCode, writeCheckpointScript } from '../../../src/sources/streams/redis-scripts.js';
import { InvalidSequenceNumberError, SHARD_END, SHARD_START } from '../../../src/sources/streams/checkpoints/sequence-numbers.js';
import { ShardLeases } from '../../../src/sources/streams/leases/shard-leases.js';
import { deleteStreamState, streamKeys } from '../../../src/sources/streams/stream-keys.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';

const PREFIX = 'sluice';
const SEQ = '49590338271490256608559692538361571095921575989136588898';

let redis: Redis;
let checkpoints: Checkpoints;
let leases: ShardLeases;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
  checkpoints = new Checkpoints(redis, PREFIX);
  leases = new ShardLeases(redis, PREFIX, { leaseMs: 300 });
});
afterAll(() => redis.quit());

async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

async function leased(shardId = 'shard-1', workerId = 'w1', mappingId: string = randomUUID()) {
  const lease = await leases.tryAcquire(mappingId, shardId, workerId);
  if (!lease) throw new Error('lease not acquired');
  return lease;
}

describe('Checkpoints: fencing', () => {
  it('writes with the current lease and reads back, one shard or all', async () => {
    const a = await leased('a');
    const b = await leases.tryAcquire(a.mappingId, 'b', 'w2');
    expect(await checkpoints.get(a.mappingId, 'a')).toBeUndefined();
    expect(await checkpoints.write(a, '100')).toBe('written');
    expect(await checkpoints.write(b!, SEQ)).toBe('written');
    expect(await checkpoints.get(a.mappingId, 'a')).toBe('100');
    expect(await checkpoints.all(a.mappingId)).toEqual(new Map([['a', '100'], ['b', SEQ]]));
    expect(await checkpoints.all(randomUUID())).toEqual(new Map());
  });

  it('after the lease expired and moved, the old holder\'s write is refused and the checkpoint unchanged', async () => {
    const old = await leased();
    expect(await checkpoints.write(old, '100')).toBe('written');
    await pollUntil(async () => (await redisNow()) >= old.expiresAt, { intervalMs: 20 });
    const next = (await leases.tryAcquire(old.mappingId, old.shardId, 'w2'))!;
    expect(next.token).toBe(2);

    expect(await checkpoints.write(old, '200')).toBe('fenced');
    expect(await checkpoints.get(old.mappingId, old.shardId)).toBe('100');
    expect(await checkpoints.write(next, '150')).toBe('written');
    expect(await checkpoints.write(old, SHARD_END)).toBe('fenced');
    expect(await checkpoints.get(old.mappingId, old.shardId)).toBe('150');
  });

  it('after a steal the victim is fenced at once, though its lease had not expired', async () => {
    const victim = await leased();
    const thief = (await leases.steal(victim.mappingId, victim.shardId, 'w1', 'w2'))!;
    expect(await checkpoints.write(victim, '5')).toBe('fenced');
    expect(await checkpoints.get(victim.mappingId, victim.shardId)).toBeUndefined();
    expect(await checkpoints.write(thief, '5')).toBe('written');
  });

  it('a released lease, a stale token of the same worker, and a lease never taken are all fenced', async () => {
    const lease = await leased();
    await leases.release(lease);
    expect(await checkpoints.write(lease, '1')).toBe('fenced');
    const again = (await leases.tryAcquire(lease.mappingId, lease.shardId, 'w1'))!;
    expect(again.token).toBe(2);
    expect(await checkpoints.write(lease, '1')).toBe('fenced'); // same worker, token 1
    expect(await checkpoints.write(again, '1')).toBe('written');
    expect(await checkpoints.write({ ...again, shardId: 'never-leased' }, '1')).toBe('fenced');
    expect(await checkpoints.get(lease.mappingId, 'never-leased')).toBeUndefined();
  });

  it('an expired lease nobody took yet still writes (taking it would have changed the token first)', async () => {
    const lease = await leased();
    await pollUntil(async () => (await redisNow()) >= lease.expiresAt, { intervalMs: 20 });
    expect(await checkpoints.write(lease, '7')).toBe('written');
  });
});

describe('Checkpoints: order', () => {
  it('never moves backwards, for numbers beyond 2^53 that differ only in their last digits', async () => {
    const lease = await leased();
    const base = SEQ.slice(0, -3);
    const [low, high, higher] = [`${base}898`, `${base}899`, `${base}900`];
    expect(Number(low)).toBe(Number(higher)); // indistinguishable as JS numbers
    expect(await checkpoints.write(lease, low)).toBe('written');
    expect(await checkpoints.write(lease, high)).toBe('written');
    expect(await checkpoints.write(lease, low)).toBe('behind');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(high);
    expect(await checkpoints.write(lease, high)).toBe('unchanged');
    expect(await checkpoints.write(lease, higher)).toBe('written');
    expect(await checkpoints.write(lease, high)).toBe('behind');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(higher);
  });

  it('compares by length first: a shorter number is behind even when lexically greater', async () => {
    const lease = await leased();
    expect(await checkpoints.write(lease, '10')).toBe('written');
    expect(await checkpoints.write(lease, '9')).toBe('behind');
    expect(await checkpoints.write(lease, '100000000000000000000000')).toBe('written');
    expect(await checkpoints.write(lease, '99999999999999999999999')).toBe('behind');
    expect(await checkpoints.write(lease, '100000000000000000000001')).toBe('written');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('100000000000000000000001');
  });

  it('agrees with BigInt on random pairs (the Lua comparison)', async () => {
    let seed = 99;
    const rand = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    const randomNumber = (length: number) => {
      let digits = String(1 + rand(9));
      while (digits.length < length) digits += String(rand(10));
      return digits;
    };
    const mappingId = randomUUID();
    const pipeline = redis.pipeline();
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      const shardId = `s${i}`;
      const a = randomNumber(1 + rand(57));
      const b = rand(2) === 0 ? `${a.slice(0, -1)}${rand(10)}` : rand(2) === 0 ? randomNumber(a.length) : randomNumber(1 + rand(57));
      const lease = (await leases.tryAcquire(mappingId, shardId, 'w1'))!;
      const keys = streamKeys(PREFIX, mappingId);
      for (const position of [a, b]) {
        pipeline.eval(writeCheckpointScript, 2, keys.leases, keys.checkpoints, shardId, 'w1', String(lease.token), position);
      }
      expected.push(BigInt(b) > BigInt(a) ? 'written' : BigInt(b) === BigInt(a) ? 'unchanged' : 'behind', BigInt(b) >= BigInt(a) ? b : a);
    }
    const replies = (await pipeline.exec())!.map(([, code]) => code as number);
    const actual = await checkpoints.all(mappingId);
    for (let i = 0; i < 300; i++) {
      expect(replies[2 * i], `first write s${i}`).toBe(CheckpointCode.written);
      const code = replies[2 * i + 1];
      const result = code === CheckpointCode.written ? 'written' : code === CheckpointCode.unchanged ? 'unchanged' : 'behind';
      expect(result, `s${i}`).toBe(expected[2 * i]);
      expect(actual.get(`s${i}`), `s${i}`).toBe(expected[2 * i + 1]);
    }
  });

  it('SHARD_END is final: it follows any sequence number, and nothing moves it afterwards', async () => {
    const lease = await leased();
    expect(await checkpoints.write(lease, SEQ)).toBe('written');
    expect(await checkpoints.write(lease, SHARD_END)).toBe('written');
    expect(await checkpoints.write(lease, `9${SEQ}`)).toBe('ended');
    expect(await checkpoints.write(lease, SHARD_END)).toBe('unchanged');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(SHARD_END);

    const empty = await leased('empty-shard', 'w1', lease.mappingId);
    expect(await checkpoints.write(empty, SHARD_END)).toBe('written');
  });

  it('orders zero-padded sequence numbers (DynamoDB Local) by value and never moves back', async () => {
    const lease = await leased();
    expect(await checkpoints.write(lease, '000000000000000000012')).toBe('written');
    expect(await checkpoints.write(lease, '000000000000000000003')).toBe('behind');
    expect(await checkpoints.write(lease, '12')).toBe('unchanged');
    expect(await checkpoints.write(lease, '000000000000000000100')).toBe('written');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('000000000000000000100');
  });

  it('refuses what is not a sequence number before Redis, and the script refuses it too', async () => {
    const lease = await leased();
    for (const bad of ['', '-1', 'LATEST', SHARD_START, '1e9']) {
      await expect(checkpoints.write(lease, bad), bad).rejects.toThrow(InvalidSequenceNumberError);
    }
    const keys = streamKeys(PREFIX, lease.mappingId);
    const code = await redis.eval(writeCheckpointScript, 2, keys.leases, keys.checkpoints, lease.shardId, 'w1', String(lease.token), '7e3');
    expect(code).toBe(CheckpointCode.invalid);
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBeUndefined();
  });
});

describe('mapping deletion and pinned LATEST', () => {
  it('deleteMapping removes the checkpoints of one mapping only', async () => {
    const a = await leased();
    const b = await leased();
    await checkpoints.write(a, '1');
    await checkpoints.write(b, '2');
    await checkpoints.deleteMapping(a.mappingId);
    expect(await checkpoints.all(a.mappingId)).toEqual(new Map());
    expect(await checkpoints.all(b.mappingId)).toEqual(new Map([['shard-1', '2']]));
  });

  it('deleteStreamState removes leases, checkpoints and pinned positions; a lingering holder is fenced', async () => {
    const pinned = new PinnedPositions(redis, PREFIX);
    const lease = await leased();
    await checkpoints.write(lease, '10');
    await pinned.pin(lease.mappingId, { 'shard-1': '5' });
    await deleteStreamState(redis, PREFIX, lease.mappingId);
    expect(await leases.owners(lease.mappingId)).toEqual(new Map());
    expect(await pinned.get(lease.mappingId)).toBeUndefined();
    expect(await checkpoints.write(lease, '11')).toBe('fenced');
    expect(await checkpoints.all(lease.mappingId)).toEqual(new Map());
    expect(await redis.exists(...Object.values(streamKeys(PREFIX, lease.mappingId)))).toBe(0);
  });

  it('pins LATEST once: the first pin wins; read, delete, pin again', async () => {
    const pinned = new PinnedPositions(redis, PREFIX);
    const mappingId = randomUUID();
    expect(await pinned.get(mappingId)).toBeUndefined();
    const positions = new Map([
      ['shardId-000000000000', SEQ],
      ['shardId-000000000001', SHARD_START],
      ['shardId-000000000002', SHARD_END],
    ]);
    expect(await pinned.pin(mappingId, positions)).toBe(true);
    expect(await pinned.pin(mappingId, { 'shardId-000000000000': '1' })).toBe(false);
    expect(await pinned.get(mappingId)).toEqual(positions);
    await pinned.delete(mappingId);
    expect(await pinned.get(mappingId)).toBeUndefined();

    const noShards = randomUUID();
    expect(await pinned.pin(noShards, {})).toBe(true);
    expect(await pinned.get(noShards)).toEqual(new Map());
    expect(await pinned.pin(noShards, { s: '1' })).toBe(false);
  });

  it('refuses a pinned value that is none of sequence number, SHARD_START, SHARD_END', async () => {
    const pinned = new PinnedPositions(redis, PREFIX);
    const mappingId = randomUUID();
    await expect(pinned.pin(mappingId, { s: 'LATEST' })).rejects.toThrow(InvalidSequenceNumberError);
    expect(await pinned.get(mappingId)).toBeUndefined();
  });
});
