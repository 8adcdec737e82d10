/** Where a rewind moves each shard (sources/streams/rewind/rewind-plan.ts), per kind of request. */
import { describe, expect, it } from 'vitest';
import { planRewind, startFromJson } from '../../../../../src/sources/streams/rewind/rewind-plan.js';
import type { PinnedShard } from '../../../../../src/sources/streams/stream-source.js';

const shards = [{ shardId: 'a' }, { shardId: 'b', parentShardId: 'a' }, { shardId: 'c', parentShardId: 'a' }];
const noPins = { pinLatest: async (): Promise<PinnedShard[]> => [] };

describe('planRewind', () => {
  it('TRIM_HORIZON: every listed shard starts at its first record, closed parents included', async () => {
    const moves = await planRewind(noPins, { Position: 'TRIM_HORIZON' }, shards);
    expect(moves.map((m) => [m.shardId, m.kind, m.shown])).toEqual([
      ['a', 'start', 'TRIM_HORIZON'],
      ['b', 'start', 'TRIM_HORIZON'],
      ['c', 'start', 'TRIM_HORIZON'],
    ]);
    expect(startFromJson(moves[0]!.position)).toEqual({ type: 'TRIM_HORIZON' });
  });

  it('AT_TIMESTAMP: every listed shard starts at the time (ms kept)', async () => {
    const moves = await planRewind(noPins, { Position: 'AT_TIMESTAMP', Timestamp: 1765000000.123 }, shards);
    expect(moves.every((m) => m.kind === 'start' && m.shown === 'AT_TIMESTAMP 2025-12-06T05:46:40.123Z')).toBe(true);
    expect(startFromJson(moves[2]!.position)).toEqual({ type: 'AT_TIMESTAMP', timestamp: new Date(1765000000123) });
  });

  it('LATEST: open shards after their last record (an empty one from its start), closed ones stay done', async () => {
    const pins = {
      pinLatest: async (): Promise<PinnedShard[]> => [
        { shardId: 'a', start: { type: 'SHARD_END' } },
        { shardId: 'b', start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '000000000000000000042' } },
        { shardId: 'c', start: { type: 'SHARD_START' } },
      ],
    };
    expect((await planRewind(pins, { Position: 'LATEST' }, shards)).map((m) => [m.shardId, m.kind, m.position])).toEqual([
      ['a', 'checkpoint', 'SHARD_END'],
      ['b', 'checkpoint', '000000000000000000042'],
      ['c', 'start', '{"type":"TRIM_HORIZON"}'],
    ]);
  });

  it('Shards: only the named shards still listed, after the sequence number given', async () => {
    const moves = await planRewind(noPins, { Shards: { b: '7', gone: '9' } }, shards);
    expect(moves).toEqual([{ shardId: 'b', kind: 'checkpoint', position: '7', shown: '7' }]);
  });

  it('a stored start it does not know is no start', () => {
    expect(startFromJson('{"type":"LATEST"}')).toBeUndefined();
  });
});
