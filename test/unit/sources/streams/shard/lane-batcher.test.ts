/**
 * The lane batcher (streams.md §4, §5, §7, §8): how much the reader may read, which records
 * go to which lane, which records are in which batch (BatchSize, window, 6 MB), filtered-out
 * records done at once, and a resumed batch's records left to it.
 */
import { describe, expect, it } from 'vitest';
import { compileFilterCriteria } from '../../../../../src/filtering/index.js';
import { MAX_PAYLOAD_BYTES } from '../../../../../src/pipeline/payload-limit.js';
import { ShardProgress } from '../../../../../src/sources/streams/checkpoints/shard-progress.js';
import { createBatchState } from '../../../../../src/sources/streams/policy/index.js';
import { LaneBatcher, type LaneBatcherOptions } from '../../../../../src/sources/streams/shard/lane-batcher.js';
import { laneOf } from '../../../../../src/sources/streams/shard/lanes.js';
import { countedMetrics, nsOf, record, records, seq } from './scripted-stream.js';

function batcherOf(options: Partial<LaneBatcherOptions> = {}) {
  const progress = new ShardProgress();
  const stopping = new AbortController();
  const { metrics, counts } = countedMetrics();
  const checkpoints: string[] = [];
  const batcher = new LaneBatcher({
    batchSize: 3,
    windowSeconds: 0,
    parallelizationFactor: 1,
    filterView: (event) => event,
    progress,
    flushCheckpoint: async () => {
      const at = progress.takeCheckpoint();
      if (at !== undefined) checkpoints.push(at);
    },
    metrics,
    stopping: stopping.signal,
    ...options,
  });
  return { batcher, progress, stopping, counts, checkpoints, lane: batcher.lanes[0]! };
}

describe('LaneBatcher', () => {
  it('lets the reader read the room left in the batch waiting behind the one in flight (one lane)', async () => {
    const { batcher, lane } = batcherOf({ batchSize: 3 });
    expect(batcher.readLimit()).toBe(3);
    await batcher.put(records(2));
    expect(batcher.readLimit()).toBe(1);
    await batcher.put([record(3)]);
    expect(batcher.readLimit()).toBe(0);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1, 2, 3]);
    expect(batcher.readLimit()).toBe(3);
  });

  it('cuts batches of BatchSize in read order; with window 0 a batch goes as soon as one record is ready', async () => {
    const { batcher, lane } = batcherOf({ batchSize: 2 });
    await batcher.put(records(5));
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1, 2]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([3, 4]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([5]);
    const waiting = batcher.nextBatch(lane);
    await batcher.put([record(6)]);
    expect(nsOf((await waiting)!)).toEqual([6]);
  });

  it('with a window, holds the batch until the window is over, unless it is full or the reading is over', async () => {
    const { batcher, lane } = batcherOf({ batchSize: 3, windowSeconds: 0.15 });
    const started = Date.now();
    await batcher.put(records(2));
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);

    const full = batcherOf({ batchSize: 3, windowSeconds: 60 });
    await full.batcher.put(records(4));
    expect(nsOf((await full.batcher.nextBatch(full.lane))!)).toEqual([1, 2, 3]);
    full.batcher.close();
    expect(nsOf((await full.batcher.nextBatch(full.lane))!)).toEqual([4]);
    expect(await full.batcher.nextBatch(full.lane)).toBeUndefined();
  });

  it("opens a lane's window no earlier than the end of its previous batch", async () => {
    const { batcher, lane } = batcherOf({ batchSize: 10, windowSeconds: 0.1 });
    await batcher.put([record(1)]);
    await new Promise((resolve) => setTimeout(resolve, 120)); // the record waited a whole window...
    batcher.batchEnded(lane); // ...behind a batch that just ended
    const started = Date.now();
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('closes a batch before the record that would take the payload over 6 MB; a record too large alone goes alone', async () => {
    const big = Math.floor(MAX_PAYLOAD_BYTES / 2.5);
    const { batcher, lane } = batcherOf({ batchSize: 10 });
    await batcher.put([record(1, 'k', big), record(2, 'k', big), record(3, 'k', big), record(4, 'k', MAX_PAYLOAD_BYTES), record(5)]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1, 2]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([3]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([4]);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([5]);
  });

  it('counts a lane over 6 MB waiting as full: the reader gets no room for it', async () => {
    const { batcher } = batcherOf({ batchSize: 10 });
    await batcher.put([record(1, 'k', MAX_PAYLOAD_BYTES)]);
    expect(batcher.readLimit()).toBe(0);
  });

  it('keeps filtered-out records out of batches, counts them, and moves the checkpoint past them at once', async () => {
    const filter = compileFilterCriteria([{ Pattern: JSON.stringify({ kinesis: { partitionKey: ['keep'] } }) }], 'kinesis');
    const { batcher, lane, counts, checkpoints, progress } = batcherOf({ batchSize: 10, filter });
    await batcher.put([record(1, 'drop'), record(2, 'drop'), record(3, 'keep'), record(4, 'drop')]);
    expect(counts.filteredOut).toBe(3);
    expect(checkpoints).toEqual([seq(2)]); // 3 is not done yet: 4 waits behind it
    expect(progress.pending).toBe(2);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([3]);
    expect(batcher.readLimit()).toBe(10); // rejected records take no room
  });

  it('sends each partition key to its lane, keeping read order within a lane', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const read = keys.flatMap((key, i) => [record(2 * i + 1, key), record(2 * i + 2, key)]);
    const { batcher } = batcherOf({ batchSize: 100, parallelizationFactor: 3, windowSeconds: 0 });
    await batcher.put(read);
    batcher.close();
    for (const lane of batcher.lanes) {
      const batch = (await batcher.nextBatch(lane)) ?? [];
      const expected = read.filter((r) => laneOf(r.partitionKey, 3) === lane.index);
      expect(nsOf(batch)).toEqual(nsOf(expected));
      for (const r of batch) expect(laneOf(r.partitionKey, 3)).toBe(lane.index);
    }
    expect(new Set(read.map((r) => laneOf(r.partitionKey, 3))).size).toBeGreaterThan(1);
  });

  it('with several lanes, lets the reader go on while any lane has room', async () => {
    const { batcher } = batcherOf({ batchSize: 2, parallelizationFactor: 2 });
    const keyOf = (lane: number) => ['a', 'b', 'c', 'd', 'e'].find((k) => laneOf(k, 2) === lane)!;
    await batcher.put([record(1, keyOf(0))]);
    expect(batcher.readLimit()).toBe(2); // the room of the emptiest lane
    await batcher.put([record(2, keyOf(0))]);
    expect(batcher.readLimit()).toBe(2); // lane 0 is full, lane 1 empty
    await batcher.put([record(3, keyOf(1))]);
    expect(batcher.readLimit()).toBe(1);
  });

  it('stops the reader once 10 000 records are read and not done', async () => {
    const { batcher, progress } = batcherOf({ batchSize: 10 });
    for (let i = 1; i <= 9_999; i++) progress.add(seq(10_000 + i), false);
    expect(batcher.readLimit()).toBe(10);
    progress.add(seq(20_000), false);
    expect(batcher.readLimit()).toBe(0);
  });

  it("leaves a resumed batch's records to it, and counts its lane's earlier records done", async () => {
    const { batcher, lane, progress, checkpoints } = batcherOf({ batchSize: 10 });
    const saved = [record(3), record(4)];
    batcher.resume({ lane: 0, settings: 's', records: saved, state: createBatchState(saved, Date.now()) });
    expect(nsOf(batcher.takeResumed(lane)!.records)).toEqual([3, 4]);
    expect(batcher.takeResumed(lane)).toBeUndefined();
    await batcher.put(records(6));
    expect(checkpoints).toEqual([seq(2)]); // 1 and 2 were done by the earlier holder
    expect(progress.pending).toBe(4);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([5, 6]);
  });

  it('ends a waiting lane when stopped', async () => {
    const { batcher, lane, stopping } = batcherOf();
    const waiting = batcher.nextBatch(lane);
    stopping.abort();
    expect(await waiting).toBeUndefined();
  });
});
