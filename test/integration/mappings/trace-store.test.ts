/**
 * TraceStore against a real Redis (mappings/trace-store.ts): entries come back oldest first
 * in pages after a cursor; a cursor with nothing new after it is handed back unchanged; the
 * capacity trims the oldest; remove deletes the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { TraceStore } from '../../../src/mappings/trace-store.js';
import type { TraceEntry } from '../../../src/mappings/invocation-trace.js';
import { allocateRedisDb, createRedis, uniqueName } from '../../support/index.js';

let redis: Redis;
let store: TraceStore;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
  store = new TraceStore(redis, uniqueName('p'));
});
afterAll(async () => {
  await redis.quit();
});

const entry = (n: number): TraceEntry => ({ at: 1000 + n, ids: [`r${n}`], outcome: 'success', attempt: 1, durationMs: n });

describe('TraceStore', () => {
  it('reads pages oldest first after a cursor, and keeps the cursor when nothing is new', async () => {
    const mapping = uniqueName('m');
    expect(await store.read(mapping, undefined, 10)).toEqual({ entries: [], nextCursor: null });
    for (let n = 0; n < 5; n++) await store.append(mapping, 100, entry(n));
    const first = await store.read(mapping, undefined, 3);
    expect(first.entries).toEqual([entry(0), entry(1), entry(2)]);
    const second = await store.read(mapping, first.nextCursor!, 3);
    expect(second.entries).toEqual([entry(3), entry(4)]);
    const idle = await store.read(mapping, second.nextCursor!, 3);
    expect(idle).toEqual({ entries: [], nextCursor: second.nextCursor });
    await store.append(mapping, 100, entry(5));
    expect((await store.read(mapping, idle.nextCursor!, 3)).entries).toEqual([entry(5)]);
  });

  it('keeps about `capacity` entries, the newest', async () => {
    const mapping = uniqueName('m');
    for (let n = 0; n < 500; n++) await store.append(mapping, 20, entry(n));
    const [, nodeEntries] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    const kept = await redis.xlen(store.key(mapping));
    expect(kept).toBeGreaterThanOrEqual(20);
    expect(kept).toBeLessThanOrEqual(20 + Number(nodeEntries));
    const page = await store.read(mapping, undefined, 1000);
    expect(page.entries.at(-1)).toEqual(entry(499));
    expect(page.entries[0]).toEqual(entry(500 - kept));
  });

  it('remove deletes the trace', async () => {
    const mapping = uniqueName('m');
    await store.append(mapping, 10, entry(1));
    expect(await redis.exists(store.key(mapping))).toBe(1);
    await store.remove(mapping);
    expect(await redis.exists(store.key(mapping))).toBe(0);
  });
});
