import { describe, expect, it } from 'vitest';
import { configuredKeyspacePrefix, keyspacePrefix, mappingKeyBase, mappingStateKeys, storeKeys, workerInfoKey, workersKey } from '../../../src/redis/keyspace.js';
import { streamKeys } from '../../../src/sources/streams/stream-keys.js';

describe('keyspace', () => {
  it('keeps the standalone key names of before (existing stores keep working)', () => {
    expect(keyspacePrefix('sluice', false)).toBe('sluice');
    expect(streamKeys('sluice', 'u-1').checkpoints).toBe('sluice:esm:u-1:checkpoints');
    expect(mappingStateKeys('sluice', 'u-1').sqsSlots).toBe('sluice:esm:u-1:slots');
  });

  it('tags cross-mapping keys with the prefix and each mapping with its own tag on a cluster', () => {
    const prefix = configuredKeyspacePrefix({ keyPrefix: 'orders', cluster: [{ host: 'h', port: 1 }] });
    expect(prefix).toBe('{orders}');
    expect(mappingKeyBase(prefix, 'u-1')).toBe('{orders:esm:u-1}');
    const keys = streamKeys(prefix, 'u-1');
    expect(Object.values(keys).every((key) => key.startsWith('{orders:esm:u-1}:'))).toBe(true);
    expect(mappingStateKeys(prefix, 'u-1').sqsSlots).toBe('{orders:esm:u-1}:slots');
  });
});

describe('key names, built in one module', () => {
  it('names the store keys as before, in the cross-mapping slot', () => {
    expect(storeKeys('sluice')).toMatchObject({ order: 'sluice:esm:order', changes: 'sluice:esm:changes', marker: 'sluice:store', markerLost: 'sluice:store:lost' });
    const keys = storeKeys('{orders}');
    expect(keys.mapping('u-1')).toBe('{orders}:esm:u-1');
    expect(keys.tags('u-1')).toBe('{orders}:esm:tags:u-1');
    expect(keys.pair('arn:src', 'arn:fn')).toBe('{orders}:esm:pair:arn:src|arn:fn');
    expect(workersKey('{orders}')).toBe('{orders}:workers');
    expect(workerInfoKey('{orders}')).toBe('{orders}:workers:info');
  });

  it("names a mapping's running state in its own slot, as the runners and stream keys do", () => {
    expect(mappingStateKeys('sluice', 'u-1')).toEqual({
      applied: 'sluice:esm:u-1:applied',
      sqsSlots: 'sluice:esm:u-1:slots',
      shardLeases: 'sluice:esm:u-1:shard-leases',
      checkpoints: 'sluice:esm:u-1:checkpoints',
      pinnedLatest: 'sluice:esm:u-1:latest',
      batches: 'sluice:esm:u-1:batches',
      windows: 'sluice:esm:u-1:windows',
      trace: 'sluice:esm:u-1:trace',
      rewind: 'sluice:esm:u-1:rewind',
      starts: 'sluice:esm:u-1:starts',
      replay: 'sluice:esm:u-1:replay',
      shardStatus: 'sluice:esm:u-1:shard-status',
      activity: 'sluice:esm:u-1:activity',
      failures: 'sluice:esm:u-1:failures',
    });
    const tagged = mappingStateKeys('{orders}', 'u-1');
    expect(Object.values(tagged).every((key) => key.startsWith('{orders:esm:u-1}:'))).toBe(true);
    const stream = streamKeys('{orders}', 'u-1');
    expect([stream.leases, stream.checkpoints, stream.pinnedLatest, stream.batches, stream.windowStates]).toEqual([
      tagged.shardLeases,
      tagged.checkpoints,
      tagged.pinnedLatest,
      tagged.batches,
      tagged.windows,
    ]);
  });
});
