/**
 * The mapping store (src/mappings/store.ts) on a redis-server of this file's own: the
 * compare-and-set on revisions, the (source, function) pair index, tags, List order, the
 * change feed, and LastProcessingResult (a reading error shows until cleared).
 */
import { describe, expect, it } from 'vitest';
import { MappingStore } from '../../../src/mappings/store.js';
import { storeKeys } from '../../../src/redis/keyspace.js';
import { useLocalRedis } from '../local-redis.js';
import { storedMapping } from '../stored-mapping.js';

const local = useLocalRedis();
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function setup() {
  const redis = await local.client();
  const prefix = local.freshPrefix();
  return { redis, prefix, store: new MappingStore(redis, prefix) };
}

describe('MappingStore', () => {
  it('create stores the mapping with its tags; the same pair again names the holder and keeps no tags', async () => {
    const { store } = await setup();
    const first = storedMapping(id(1), { createdAt: 10 });
    expect(await store.create(first, { team: 'a' })).toEqual({ ok: true });
    expect((await store.get(id(1)))!.mapping).toEqual(first);
    expect(await store.getTags(id(1))).toEqual({ team: 'a' });
    expect(await store.findPair(first.EventSourceArn, first.FunctionArn)).toBe(id(1));
    expect(await store.exists(id(1))).toBe(true);

    const twin = storedMapping(id(2), { EventSourceArn: first.EventSourceArn });
    expect(await store.create(twin, { team: 'b' })).toEqual({ ok: false, holder: id(1) });
    expect(await store.get(id(2))).toBeUndefined();
    expect(await store.exists(id(2))).toBe(false);
    expect(await store.getTags(id(2))).toEqual({});
  });

  it('replace is a compare-and-set on the revision; a missing mapping is missing', async () => {
    const { store } = await setup();
    await store.create(storedMapping(id(1)), {});
    const current = (await store.get(id(1)))!;
    expect(await store.replace(current, { ...current.mapping, State: 'Disabling' })).toEqual({ ok: true });
    const next = (await store.get(id(1)))!;
    expect(next.revision).not.toBe(current.revision);
    expect(next.mapping.State).toBe('Disabling');
    expect(await store.replace(current, { ...current.mapping, State: 'Updating' })).toEqual({ ok: false, reason: 'stale' });
    expect((await store.get(id(1)))!.mapping.State).toBe('Disabling');
    const ghost = { mapping: storedMapping(id(9)), revision: next.revision };
    expect(await store.replace(ghost, ghost.mapping)).toEqual({ ok: false, reason: 'missing' });
  });

  it('replace moves the pair index with the function, and refuses a pair another mapping holds', async () => {
    const { store } = await setup();
    const a = storedMapping(id(1));
    const b = storedMapping(id(2), { EventSourceArn: a.EventSourceArn, FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:other' });
    await store.create(a, {});
    await store.create(b, {});
    const current = (await store.get(id(2)))!;
    expect(await store.replace(current, { ...b, FunctionArn: a.FunctionArn })).toEqual({ ok: false, reason: 'conflict', holder: id(1) });
    const moved = { ...b, FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:third' };
    expect(await store.replace(current, moved)).toEqual({ ok: true });
    expect(await store.findPair(b.EventSourceArn, moved.FunctionArn)).toBe(id(2));
    expect(await store.findPair(b.EventSourceArn, b.FunctionArn)).toBeUndefined();
  });

  it('remove deletes the mapping, its pair, order entry and tags, at the current revision only', async () => {
    const { store } = await setup();
    const a = storedMapping(id(1));
    await store.create(a, { team: 'a' });
    const current = (await store.get(id(1)))!;
    await store.replace(current, { ...a, State: 'Deleting' });
    expect(await store.remove(current)).toBe('stale');
    const latest = (await store.get(id(1)))!;
    expect(await store.remove(latest)).toBe('ok');
    expect(await store.get(id(1))).toBeUndefined();
    expect(await store.findPair(a.EventSourceArn, a.FunctionArn)).toBeUndefined();
    expect(await store.getTags(id(1))).toEqual({});
    expect(await store.all()).toEqual([]);
    expect(await store.remove(latest)).toBe('missing');
  });

  it('lists in creation order, page by page, skipping mappings removed meanwhile', async () => {
    const { store } = await setup();
    for (const [n, createdAt] of [[1, 30], [2, 10], [3, 20]] as const) await store.create(storedMapping(id(n), { createdAt }), {});
    expect((await store.all()).map((m) => m.UUID)).toEqual([id(2), id(3), id(1)]);
    const firstPage = await store.orderPage(undefined, 2);
    expect(firstPage).toEqual([`000000000000010:${id(2)}`, `000000000000020:${id(3)}`]);
    expect(await store.orderPage(firstPage[1], 2)).toEqual([`000000000000030:${id(1)}`]);
    expect(await store.getMany([])).toEqual([]);
    expect((await store.getMany([...firstPage, `000000000000099:${id(8)}`])).map((m) => m.UUID)).toEqual([id(2), id(3)]);
  });

  it('tags: added up to the limit, the limit refused, a missing mapping missing; removed by key', async () => {
    const { store } = await setup();
    await store.create(storedMapping(id(1)), { a: '1' });
    expect(await store.addTags(id(1), { b: '2', a: 'x' }, 2)).toBe('ok');
    expect(await store.getTags(id(1))).toEqual({ a: 'x', b: '2' });
    expect(await store.addTags(id(1), { c: '3' }, 2)).toBe('limit');
    expect(await store.addTags(id(9), { c: '3' }, 2)).toBe('missing');
    await store.removeTags(id(1), ['a', 'zzz']);
    await store.removeTags(id(1), []);
    expect(await store.getTags(id(1))).toEqual({ b: '2' });
  });

  it('LastProcessingResult: the invocation result, overridden by a reading error until cleared; never on a removed mapping', async () => {
    const { store } = await setup();
    await store.create(storedMapping(id(1)), {});
    const result = async () => (await store.get(id(1)))!.mapping.LastProcessingResult;
    expect(await result()).toBeUndefined();
    await store.reportProcessingResult(id(1), { invocation: 'OK' });
    expect(await result()).toBe('OK');
    await store.reportProcessingResult(id(1), { readError: 'PROBLEM: Function call failed' });
    expect(await result()).toBe('PROBLEM: Function call failed');
    await store.reportProcessingResult(id(1), { invocation: 'OK again' });
    expect(await result()).toBe('PROBLEM: Function call failed');
    await store.reportProcessingResult(id(1), { readError: null });
    expect(await result()).toBe('OK again');
    expect((await store.all())[0]!.LastProcessingResult).toBe('OK again');

    await store.reportProcessingResult(id(5), { invocation: 'late', readError: 'late' });
    expect(await store.get(id(5))).toBeUndefined();
  });

  it('a stored LastProcessingResult at create shows; the doc itself never holds it', async () => {
    const { store, redis, prefix } = await setup();
    await store.create(storedMapping(id(1), { sourceType: 'kinesis', LastProcessingResult: 'No records processed' }), {});
    expect((await store.get(id(1)))!.mapping.LastProcessingResult).toBe('No records processed');
    // The document's own key (other keys of the mapping end with its UUID too).
    const docKey = storeKeys(prefix).mapping(id(1));
    expect(JSON.parse((await redis.hget(docKey, 'doc'))!)).not.toHaveProperty('LastProcessingResult');
  });

  it('announces every change of a mapping on the change feed', async () => {
    const { store } = await setup();
    const subscriber = await local.client();
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, uuid: string) => heard.push(uuid));
    await subscriber.subscribe(store.changesChannel);
    await store.create(storedMapping(id(1)), {});
    const current = (await store.get(id(1)))!;
    await store.replace(current, { ...current.mapping, State: 'Disabling' });
    await store.remove((await store.get(id(1)))!);
    await expect.poll(() => heard).toEqual([id(1), id(1), id(1)]);
  });
});
