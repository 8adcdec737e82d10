/**
 * Applying a rewind against a real Redis (issue #16): each shard's checkpoint moves in one
 * step under its lease fence (a stale holder can no longer checkpoint, save a window or
 * retry progress over it), its tumbling window and saved batches are dropped, the replay
 * mark keeps the furthest checkpoint, each shard moves once however many processes apply
 * it, and the rewind completes once. The stream is a stand-in that only lists shards: what
 * is under test is the Redis side.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rewinds } from '../../../src/mappings/rewinds.js';
import { BatchProgress } from '../../../src/sources/streams/checkpoints/batch-progress.js';
import { Checkpoints } from '../../../src/sources/streams/checkpoints/checkpoints.js';
import { SHARD_END } from '../../../src/sources/streams/checkpoints/sequence-numbers.js';
import { ShardLeases } from '../../../src/sources/streams/leases/shard-leases.js';
import { createBatchState } from '../../../src/sources/streams/policy/index.js';
import { applyRewind } from '../../../src/sources/streams/rewind/apply-rewind.js';
import { readRewoundShard } from '../../../src/sources/streams/rewind/rewound-shards.js';
import type { ShardInfo } from '../../../src/sources/streams/stream-source.js';
import { deleteStreamState, streamKeys } from '../../../src/sources/streams/stream-keys.js';
import { windowOf } from '../../../src/sources/streams/windows/tumbling-window.js';
import { WindowStates } from '../../../src/sources/streams/windows/window-states.js';
import { allocateRedisDb, createRedis } from '../../support/index.js';

const PREFIX = 'sluice';

let redis: Redis;
let checkpoints: Checkpoints;
let leases: ShardLeases;
let rewinds: Rewinds;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
  checkpoints = new Checkpoints(redis, PREFIX);
  leases = new ShardLeases(redis, PREFIX, { leaseMs: 60_000 });
  rewinds = new Rewinds(redis, PREFIX);
});
afterAll(() => redis.quit());

const listing = (shards: ShardInfo[]) => ({
  listShards: async () => shards,
  pinLatest: async () => {
    throw new Error('not used');
  },
});

async function leased(mappingId: string, shardId: string, workerId = 'w1') {
  const lease = await leases.tryAcquire(mappingId, shardId, workerId);
  if (!lease) throw new Error('lease not acquired');
  return lease;
}

describe('applyRewind', () => {
  it('moves each shard under its fence: a stale holder writes nothing more; window and saved batches go; replay mark and moves recorded', async () => {
    const mappingId = randomUUID();
    const a = await leased(mappingId, 'shard-a');
    const b = await leased(mappingId, 'shard-b', 'w2');
    expect(await checkpoints.write(a, '500')).toBe('written');
    expect(await checkpoints.write(b, SHARD_END)).toBe('written');
    const windows = new WindowStates(redis, PREFIX);
    expect(await windows.save(a, { ...windowOf(1607497475000, 60), state: { n: 1 }, instance: 1, terminatedEarly: false }, '500')).toBe('unchanged');
    const batches = new BatchProgress(redis, PREFIX);
    const records = [{ sequenceNumber: '501', partitionKey: 'k', arrivalTime: 1, event: {}, sizeBytes: 2 }];
    expect(await batches.save(a, 0, { settings: 's', records, state: createBatchState([{ sequenceNumber: '501', arrivalTime: 1, sizeBytes: 2 }], 1) }, true)).toBe(true);

    const id = randomUUID();
    expect(await rewinds.begin(mappingId, id, { Position: 'TRIM_HORIZON' }, 1000)).toEqual({ ok: true });
    expect(await rewinds.begin(mappingId, randomUUID(), { Position: 'LATEST' }, 1001)).toEqual({ ok: false, running: id });
    const source = listing([{ shardId: 'shard-a' }, { shardId: 'shard-b' }, { shardId: 'shard-c' }]);
    expect(await applyRewind(redis, PREFIX, source, mappingId, { id, request: { Position: 'TRIM_HORIZON' } })).toBe('completed');

    // The holders of the old leases are fenced: nothing they write lands.
    expect(await checkpoints.write(a, '900')).toBe('fenced');
    expect(await leases.renew(b)).toBeUndefined();
    expect(await batches.save(a, 0, { settings: 's', records, state: createBatchState([{ sequenceNumber: '501', arrivalTime: 1, sizeBytes: 2 }], 1) }, true)).toBe(false);
    // No checkpoint: every shard starts at TRIM_HORIZON; the closed shard b is reopened.
    const all = await checkpoints.all(mappingId);
    expect(all.size).toBe(0);
    for (const shardId of ['shard-a', 'shard-b', 'shard-c']) expect((await readRewoundShard(redis, PREFIX, mappingId, shardId)).start).toEqual({ type: 'TRIM_HORIZON' });
    expect(await windows.get(mappingId, 'shard-a')).toBeUndefined();
    expect(await batches.load(mappingId, 'shard-a')).toEqual([]);
    expect((await readRewoundShard(redis, PREFIX, mappingId, 'shard-a')).replayedUpTo).toBe('500');
    expect((await readRewoundShard(redis, PREFIX, mappingId, 'shard-b')).replayedUpTo).toBe(SHARD_END);
    expect((await readRewoundShard(redis, PREFIX, mappingId, 'shard-c')).replayedUpTo).toBeUndefined();
    // A new holder takes the lease with a token above the fenced one.
    const again = await leased(mappingId, 'shard-a', 'w2');
    expect(again.token).toBe(a.token + 2);

    const record = await rewinds.last(mappingId);
    expect(record).toMatchObject({ id, state: 'Completed', request: { Position: 'TRIM_HORIZON' } });
    expect(record!.moved).toEqual([
      { ShardId: 'shard-a', From: '500', To: 'TRIM_HORIZON' },
      { ShardId: 'shard-b', From: SHARD_END, To: 'TRIM_HORIZON' },
      { ShardId: 'shard-c', From: null, To: 'TRIM_HORIZON' },
    ]);
    // Applying it again changes nothing: it no longer runs.
    expect(await applyRewind(redis, PREFIX, source, mappingId, { id, request: { Position: 'TRIM_HORIZON' } })).toBe('superseded');
  });

  it('Shards: moves only the named shards after their sequence number, backwards or forwards; the replay mark keeps the furthest checkpoint', async () => {
    const mappingId = randomUUID();
    const a = await leased(mappingId, 'shard-a');
    const b = await leased(mappingId, 'shard-b');
    await checkpoints.write(a, '000000000000000000900');
    await checkpoints.write(b, '300');
    const first = randomUUID();
    await rewinds.begin(mappingId, first, { Shards: { 'shard-a': '100' } }, 1);
    const source = listing([{ shardId: 'shard-a' }, { shardId: 'shard-b' }]);
    expect(await applyRewind(redis, PREFIX, source, mappingId, { id: first, request: { Shards: { 'shard-a': '100' } } })).toBe('completed');
    expect(Object.fromEntries(await checkpoints.all(mappingId))).toEqual({ 'shard-a': '100', 'shard-b': '300' });
    expect(await checkpoints.write(b, '301')).toBe('written'); // b was not touched: its lease still holds

    // Processed up to 200 again, then rewound again: the mark stays at the furthest point (900).
    const a2 = await leased(mappingId, 'shard-a', 'w2');
    expect(await checkpoints.write(a2, '200')).toBe('written');
    const second = randomUUID();
    await rewinds.begin(mappingId, second, { Shards: { 'shard-a': '50' } }, 2);
    await applyRewind(redis, PREFIX, source, mappingId, { id: second, request: { Shards: { 'shard-a': '50' } } });
    expect((await readRewoundShard(redis, PREFIX, mappingId, 'shard-a')).replayedUpTo).toBe('000000000000000000900');
    expect(await checkpoints.get(mappingId, 'shard-a')).toBe('50');
  });

  it('AT_TIMESTAMP: every shard starts at the time; two processes applying at once move each shard once and complete it once', async () => {
    const mappingId = randomUUID();
    const shards = Array.from({ length: 8 }, (_, i) => ({ shardId: `shard-${i}` }));
    for (const { shardId } of shards) await checkpoints.write(await leased(mappingId, shardId), '1000');
    const id = randomUUID();
    const request = { Position: 'AT_TIMESTAMP' as const, Timestamp: 1765000000.5 };
    await rewinds.begin(mappingId, id, request, 1);
    const results = await Promise.all([0, 1].map(() => applyRewind(redis, PREFIX, listing(shards), mappingId, { id, request })));
    expect(results.sort()).toEqual(['completed', 'superseded']);
    const record = await rewinds.last(mappingId);
    expect(record!.moved).toHaveLength(8);
    for (const move of record!.moved) expect(move).toMatchObject({ From: '1000', To: 'AT_TIMESTAMP 2025-12-06T05:46:40.500Z' });
    expect((await readRewoundShard(redis, PREFIX, mappingId, 'shard-3')).start).toEqual({ type: 'AT_TIMESTAMP', timestamp: new Date(1765000000500) });
    // Every lease moved on by exactly one token, whichever process moved it.
    for (const [, owner] of Object.entries(await redis.hgetall(streamKeys(PREFIX, mappingId).leases))) expect(owner).toMatch(/^2\|0\|$/);
  });

  it('a listing failure leaves the rewind Rewinding with the cause; deleting the mapping removes the rewind and what it left', async () => {
    const mappingId = randomUUID();
    const id = randomUUID();
    await rewinds.begin(mappingId, id, { Position: 'TRIM_HORIZON' }, 1);
    const failing = {
      listShards: async () => {
        throw new Error('ResourceNotFoundException: Stream gone');
      },
      pinLatest: async () => [],
    };
    await expect(applyRewind(redis, PREFIX, failing, mappingId, { id, request: { Position: 'TRIM_HORIZON' } })).rejects.toThrow('Stream gone');
    expect(await rewinds.last(mappingId)).toMatchObject({ state: 'Rewinding', lastError: 'ResourceNotFoundException: Stream gone' });
    await applyRewind(redis, PREFIX, listing([{ shardId: 's' }]), mappingId, { id, request: { Position: 'TRIM_HORIZON' } });
    const completed = await rewinds.last(mappingId);
    expect(completed).toMatchObject({ state: 'Completed' });
    expect(completed!.lastError).toBeUndefined();

    await deleteStreamState(redis, PREFIX, mappingId);
    const keys = streamKeys(PREFIX, mappingId);
    expect(await redis.exists(keys.rewind, keys.starts, keys.replay)).toBe(0);
  });
});
