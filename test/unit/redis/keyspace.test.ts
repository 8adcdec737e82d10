import { describe, expect, it } from 'vitest';
import { configuredKeyspacePrefix, keyspacePrefix, mappingKeyBase } from '../../../src/redis/keyspace.js';
import { streamKeys } from '../../../src/sources/streams/stream-keys.js';
import { slotsKey } from '../../../src/supervisor/sqs-runner.js';

describe('keyspace', () => {
  it('keeps the standalone key names of before (existing stores keep working)', () => {
    expect(keyspacePrefix('sluice', false)).toBe('sluice');
    expect(streamKeys('sluice', 'u-1').checkpoints).toBe('sluice:esm:u-1:checkpoints');
    expect(slotsKey('sluice', 'u-1')).toBe('sluice:esm:u-1:slots');
  });

  it('tags cross-mapping keys with the prefix and each mapping with its own tag on a cluster', () => {
    const prefix = configuredKeyspacePrefix({ keyPrefix: 'orders', cluster: [{ host: 'h', port: 1 }] });
    expect(prefix).toBe('{orders}');
    expect(mappingKeyBase(prefix, 'u-1')).toBe('{orders:esm:u-1}');
    const keys = streamKeys(prefix, 'u-1');
    expect(Object.values(keys).every((key) => key.startsWith('{orders:esm:u-1}:'))).toBe(true);
    expect(slotsKey(prefix, 'u-1')).toBe('{orders:esm:u-1}:slots');
  });
});
