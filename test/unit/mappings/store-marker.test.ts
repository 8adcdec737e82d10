/**
 * The store marker (src/mappings/store-marker.ts) on a redis-server of this file's own:
 * claiming, telling an intact store from a lost one, recording the loss once for all
 * processes, and the operator's acknowledgement.
 */
import { describe, expect, it } from 'vitest';
import { StoreMarker } from '../../../src/mappings/store-marker.js';
import { storeKeys } from '../../../src/redis/keyspace.js';
import { useLocalRedis } from '../local-redis.js';

const local = useLocalRedis();
const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

async function setup() {
  const redis = await local.client();
  const prefix = local.freshPrefix();
  const keys = storeKeys(prefix);
  return { redis, keys, marker: new StoreMarker(redis, prefix, keys.order) };
}

describe('StoreMarker', () => {
  it('the first claim on an empty Redis creates the marker; later claims join it', async () => {
    const { marker } = await setup();
    expect(await marker.current()).toBeUndefined();
    const before = Date.now();
    const first = await marker.claim();
    expect(first.created).toBe(true);
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.createdAt).toBeGreaterThanOrEqual(before);
    expect(first.createdAt).toBeLessThanOrEqual(Date.now());
    expect(await marker.claim()).toEqual({ id: first.id, createdAt: first.createdAt, created: false });
    expect(await marker.current()).toEqual({ id: first.id, createdAt: first.createdAt });
  });

  it('an intact store reports the mappings it holds, from the order index', async () => {
    const { redis, keys, marker } = await setup();
    const joined = await marker.claim();
    await redis.zadd(keys.order, 0, `000001700000000:${UUID}`);
    expect(await marker.check(joined, { detectedBy: 'w1', mappingIds: [] })).toEqual({ intact: true, mappingIds: [UUID] });
    expect(await marker.loss()).toBeUndefined();
  });

  it('a lost store gets a new marker and one loss record; the second detector records nothing', async () => {
    const { redis, keys, marker } = await setup();
    const joined = await marker.claim();
    await redis.del(keys.marker);
    const first = await marker.check(joined, { detectedBy: 'w1', mappingIds: [UUID] });
    expect(first).toMatchObject({ intact: false, recorded: true });
    const current = (first as { current: { id: string; createdAt: number } }).current;
    expect(current.id).not.toBe(joined.id);
    expect(await marker.current()).toEqual(current);

    const second = await marker.check(joined, { detectedBy: 'w2', mappingIds: [] });
    expect(second).toEqual({ intact: false, current, recorded: false });

    const loss = await marker.loss();
    expect(loss).toMatchObject({ detectedBy: 'w1', lostStore: joined, mappingIds: [UUID] });
    expect(loss!.detectedAt).toBeGreaterThanOrEqual(current.createdAt);
  });

  it('a marker with another id (Redis replaced) is a loss too', async () => {
    const { redis, keys, marker } = await setup();
    const joined = await marker.claim();
    await redis.hset(keys.marker, 'id', 'someone-else', 'createdAt', '5');
    expect(await marker.check(joined, { detectedBy: 'w1', mappingIds: [] })).toEqual({ intact: false, current: { id: 'someone-else', createdAt: 5 }, recorded: true });
  });

  it('acknowledge returns the loss and clears it; again returns nothing', async () => {
    const { redis, keys, marker } = await setup();
    const joined = await marker.claim();
    await redis.del(keys.marker);
    await marker.check(joined, { detectedBy: 'w1', mappingIds: [] });
    const loss = await marker.loss();
    expect(await marker.acknowledge()).toEqual(loss);
    expect(await marker.loss()).toBeUndefined();
    expect(await marker.acknowledge()).toBeUndefined();
  });
});
