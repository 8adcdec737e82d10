import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { laneOf } from '../../../../../src/sources/streams/shard/lanes.js';
import { ShardProgress } from '../../../../../src/sources/streams/checkpoints/shard-progress.js';

describe('ShardProgress: the checkpoint is the end of the done prefix (streams.md §5, §7)', () => {
  it('waits for every earlier record, whatever lane finished first', () => {
    const progress = new ShardProgress();
    for (const seq of ['1', '2', '3', '4']) progress.add(seq, false);
    progress.markDone(['3', '4']);
    expect(progress.takeCheckpoint()).toBeUndefined();
    progress.markDone(['1']);
    expect(progress.takeCheckpoint()).toBe('1');
    expect(progress.pending).toBe(3);
    progress.markDone(['2']);
    expect(progress.takeCheckpoint()).toBe('4');
    expect(progress.takeCheckpoint()).toBeUndefined();
    expect(progress.pending).toBe(0);
  });

  it('filtered-out records are done when read; records done before they are read count when they come', () => {
    const progress = new ShardProgress();
    progress.add('10', true);
    expect(progress.takeCheckpoint()).toBe('10');
    progress.markDone(['12']); // a resumed batch ended before the reader met its record
    progress.add('11', false);
    progress.add('12', false);
    expect(progress.takeCheckpoint()).toBeUndefined();
    progress.markDone(['11']);
    expect(progress.takeCheckpoint()).toBe('12');
  });

  it('keeps working across its internal compaction', () => {
    const progress = new ShardProgress();
    for (let i = 1; i <= 5000; i++) progress.add(String(i), i % 2 === 0);
    for (let i = 1; i <= 4999; i += 2) progress.markDone([String(i)]);
    expect(progress.takeCheckpoint()).toBe('5000');
    expect(progress.pending).toBe(0);
  });
});

describe('laneOf (streams.md §7)', () => {
  it('is u32be(MD5(key)[0..4]) mod PF, and 0 with one lane', () => {
    for (const key of ['a', 'key-1', '{"S":"abc"}', 'ünïcode']) {
      const expected = createHash('md5').update(key, 'utf8').digest().readUInt32BE(0) % 7;
      expect(laneOf(key, 7)).toBe(expected);
      expect(laneOf(key, 1)).toBe(0);
    }
  });
});
