/** Tumbling window states against a real Redis: saved with the checkpoint in one step, fenced by the lease, deleted with the mapping. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoints } from '../../../src/sources/streams/checkpoints/checkpoints.js';
import { InvalidSequenceNumberError, SHARD_END } from '../../../src/sources/streams/checkpoints/sequence-numbers.js';
import { CheckpointCode, writeWindowCheckpointScript } from '../../../src/sources/streams/redis-scripts.js';
import { ShardLeases } from '../../../src/sources/streams/leases/shard-leases.js';
import { deleteStreamState, streamKeys } from '../../../src/sources/streams/stream-keys.js';
import { windowOf } from '../../../src/sources/streams/windows/tumbling-window.js';
import { WindowStates, type OpenWindow } from '../../../src/sources/streams/windows/window-states.js';
import { allocateRedisDb, createRedis, pollUntil } from '../../support/index.js';

const PREFIX = 'sluice';
const SEQ = '49590338271490256608559692538361571095921575989136588898';

let redis: Redis;
let checkpoints: Checkpoints;
let windows: WindowStates;
let leases: ShardLeases;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
  checkpoints = new Checkpoints(redis, PREFIX);
  windows = new WindowStates(redis, PREFIX);
  leases = new ShardLeases(redis, PREFIX, { leaseMs: 300 });
});
afterAll(() => redis.quit());

async function leased(shardId = 'shard-1', workerId = 'w1', mappingId: string = randomUUID()) {
  const lease = await leases.tryAcquire(mappingId, shardId, workerId);
  if (!lease) throw new Error('lease not acquired');
  return lease;
}

function openWindow(state: OpenWindow['state'], overrides: Partial<OpenWindow> = {}): OpenWindow {
  return { ...windowOf(1607497475000, 120), state, instance: 1, terminatedEarly: false, ...overrides };
}

describe('WindowStates: saved with the checkpoint', () => {
  it('saves window and checkpoint in one step and reads the window back as saved', async () => {
    const lease = await leased();
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    const window = openWindow({ '1': 282, '2': 715, nested: { list: [1, 'é', null] } });
    expect(await windows.save(lease, window, '100')).toBe('written');
    expect(await windows.get(lease.mappingId, lease.shardId)).toEqual(window);
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('100');

    const next = openWindow({ '1': 300 }, { instance: 2, terminatedEarly: true });
    expect(await windows.save(lease, next, '100')).toBe('unchanged'); // the checkpoint stays; the window is saved
    expect(await windows.get(lease.mappingId, lease.shardId)).toEqual(next);
    expect(await windows.save(lease, openWindow({ '1': 301 }))).toBe('unchanged'); // window only
    expect((await windows.get(lease.mappingId, lease.shardId))?.state).toEqual({ '1': 301 });
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('100');
  });

  it('keeps one window per shard and mapping', async () => {
    const a = await leased('a');
    const b = await leased('b', 'w2', a.mappingId);
    const other = await leased('a');
    await windows.save(a, openWindow({ shard: 'a' }), '1');
    await windows.save(b, openWindow({ shard: 'b' }), '2');
    await windows.save(other, openWindow({ shard: 'other' }), '3');
    expect((await windows.get(a.mappingId, 'a'))?.state).toEqual({ shard: 'a' });
    expect((await windows.get(a.mappingId, 'b'))?.state).toEqual({ shard: 'b' });
    expect((await windows.get(other.mappingId, 'a'))?.state).toEqual({ shard: 'other' });
  });

  it('stores a state over 1 MB as it is (the window ends early, the state still goes to its final invocation)', async () => {
    const lease = await leased();
    const big = openWindow({ k: 'x'.repeat(1_100_000) }, { terminatedEarly: true });
    expect(await windows.save(lease, big, SEQ)).toBe('written');
    expect(await windows.get(lease.mappingId, lease.shardId)).toEqual(big);
  });

  it('refuses to go backwards: neither the checkpoint nor the window is written', async () => {
    const lease = await leased();
    const base = SEQ.slice(0, -3);
    expect(await windows.save(lease, openWindow({ n: 1 }), `${base}899`)).toBe('written');
    expect(await windows.save(lease, openWindow({ n: 2 }), `${base}898`)).toBe('behind');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(`${base}899`);
    expect((await windows.get(lease.mappingId, lease.shardId))?.state).toEqual({ n: 1 });
    expect(await checkpoints.write(lease, `${base}900`)).toBe('written');
    expect(await windows.save(lease, openWindow({ n: 3 }), `${base}899`)).toBe('behind');
    expect((await windows.get(lease.mappingId, lease.shardId))?.state).toEqual({ n: 1 });
    expect(await windows.save(lease, openWindow({ n: 4 }), `${base}901`)).toBe('written');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(`${base}901`);
  });

  it('after SHARD_END nothing more is written', async () => {
    const lease = await leased();
    await windows.save(lease, openWindow({ n: 1 }), '5');
    expect(await windows.close(lease, SHARD_END)).toBe('written');
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    expect(await windows.save(lease, openWindow({ n: 2 }), '6')).toBe('ended');
    expect(await windows.save(lease, openWindow({ n: 2 }))).toBe('ended');
    await expect(windows.save(lease, openWindow({ n: 2 }), SHARD_END)).rejects.toThrow(TypeError);
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    expect(await windows.close(lease, SHARD_END)).toBe('unchanged');
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe(SHARD_END);

    // The script refuses a window going with SHARD_END too (save() refuses it before Redis).
    const fresh = await leased();
    const keys = streamKeys(PREFIX, fresh.mappingId);
    const args = [fresh.shardId, fresh.workerId, String(fresh.token), SHARD_END, JSON.stringify(openWindow({}))];
    expect(await redis.eval(writeWindowCheckpointScript, 3, keys.leases, keys.checkpoints, keys.windowStates, ...args)).toBe(CheckpointCode.ended);
    expect(await checkpoints.get(fresh.mappingId, fresh.shardId)).toBeUndefined();
    expect(await windows.get(fresh.mappingId, fresh.shardId)).toBeUndefined();
  });

  it('refuses what is not a sequence number, and windows that are not windows, before Redis', async () => {
    const lease = await leased();
    await expect(windows.save(lease, openWindow({}), 'LATEST')).rejects.toThrow(InvalidSequenceNumberError);
    await expect(windows.close(lease, '')).rejects.toThrow(InvalidSequenceNumberError);
    await expect(windows.save(lease, openWindow({}, { endMs: 0 }))).rejects.toThrow(RangeError);
    await expect(windows.save(lease, openWindow({}, { instance: 0 }))).rejects.toThrow(RangeError);
    await expect(windows.save(lease, openWindow([] as unknown as OpenWindow['state']))).rejects.toThrow(TypeError);
    expect(await redis.exists(streamKeys(PREFIX, lease.mappingId).windowStates)).toBe(0);
  });
});

describe('WindowStates: fencing', () => {
  it("after the lease expired and moved, the old holder's saves and closes are refused and change nothing", async () => {
    const old = await leased();
    expect(await windows.save(old, openWindow({ n: 1 }), '100')).toBe('written');
    await pollUntil(async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) >= old.expiresAt;
    }, { intervalMs: 20 });
    const next = (await leases.tryAcquire(old.mappingId, old.shardId, 'w2'))!;

    expect(await windows.save(old, openWindow({ n: 2 }), '200')).toBe('fenced');
    expect(await windows.save(old, openWindow({ n: 2 }))).toBe('fenced');
    expect(await windows.close(old)).toBe('fenced');
    expect(await checkpoints.get(old.mappingId, old.shardId)).toBe('100');
    expect((await windows.get(old.mappingId, old.shardId))?.state).toEqual({ n: 1 });

    expect(await windows.save(next, openWindow({ n: 3 }), '150')).toBe('written');
    expect(await windows.close(old, SHARD_END)).toBe('fenced');
    expect((await windows.get(old.mappingId, old.shardId))?.state).toEqual({ n: 3 });
  });

  it('after a steal the victim is fenced at once; a released lease is fenced too', async () => {
    const victim = await leased();
    const thief = (await leases.steal(victim.mappingId, victim.shardId, 'w1', 'w2'))!;
    expect(await windows.save(victim, openWindow({ n: 1 }), '5')).toBe('fenced');
    expect(await windows.get(victim.mappingId, victim.shardId)).toBeUndefined();
    expect(await windows.save(thief, openWindow({ n: 1 }), '5')).toBe('written');
    await leases.release(thief);
    expect(await windows.close(thief)).toBe('fenced');
    expect(await windows.get(victim.mappingId, victim.shardId)).toBeDefined();
  });
});

describe('WindowStates: closing and mapping deletion', () => {
  it('close deletes the window, with or without moving the checkpoint; a shard without a window closes quietly', async () => {
    const lease = await leased();
    await windows.save(lease, openWindow({ n: 1 }), '10');
    expect(await windows.close(lease)).toBe('unchanged');
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('10');

    await windows.save(lease, openWindow({ n: 2 }, { instance: 2 }), '11');
    expect(await windows.close(lease, '12')).toBe('written');
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    expect(await checkpoints.get(lease.mappingId, lease.shardId)).toBe('12');
    expect(await windows.close(lease, '9')).toBe('behind');
    expect(await windows.close(lease)).toBe('unchanged');
  });

  it('deleteStreamState removes the window states of that mapping only; a lingering holder is fenced', async () => {
    const lease = await leased();
    const other = await leased();
    await windows.save(lease, openWindow({ n: 1 }), '10');
    await windows.save(other, openWindow({ n: 2 }), '20');
    await deleteStreamState(redis, PREFIX, lease.mappingId);
    expect(await windows.get(lease.mappingId, lease.shardId)).toBeUndefined();
    expect(await windows.save(lease, openWindow({ n: 3 }), '11')).toBe('fenced');
    expect(await redis.exists(...Object.values(streamKeys(PREFIX, lease.mappingId)))).toBe(0);
    expect((await windows.get(other.mappingId, other.shardId))?.state).toEqual({ n: 2 });
  });

  it('a malformed stored window is an error, not a silent empty state', async () => {
    const lease = await leased();
    await redis.hset(streamKeys(PREFIX, lease.mappingId).windowStates, lease.shardId, '{"startMs":1}');
    await expect(windows.get(lease.mappingId, lease.shardId)).rejects.toThrow(/malformed/);
  });
});
