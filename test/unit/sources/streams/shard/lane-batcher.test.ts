/**
 * The lane batcher (streams.md §4, §5, §7, §8): whether the reader may read (the shard's
 * read-ahead buffer, the process cap), which records
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
import { BufferAccountant } from '../../../../../src/sources/streams/shard/buffer-accountant.js';
import { ShardBuffer, type ReadAheadLimits } from '../../../../../src/sources/streams/shard/shard-buffer.js';
import { countedMetrics, nsOf, record, records, seq } from './scripted-stream.js';

const bufferOf = (limits: Partial<ReadAheadLimits> = {}, accountant = new BufferAccountant(256 * 1024 * 1024)) =>
  new ShardBuffer({ records: 10_000, bytes: 16 * 1024 * 1024, ...limits }, accountant);

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
    buffer: bufferOf(),
    stopping: stopping.signal,
    ...options,
  });
  return { batcher, progress, stopping, counts, checkpoints, lane: batcher.lanes[0]! };
}

describe('LaneBatcher', () => {
  it('lets the reader read while the buffer holds no more than readAheadRecords records, whatever the batch size', async () => {
    const buffer = bufferOf({ records: 5 });
    const { batcher, lane } = batcherOf({ batchSize: 3, buffer });
    expect(batcher.hasRoom()).toBe(true);
    await batcher.put(records(5));
    expect([batcher.hasRoom(), buffer.records]).toEqual([true, 5]); // full batches waiting do not stop it
    await batcher.put([record(6)]);
    expect([batcher.hasRoom(), buffer.records]).toEqual([false, 6]);
    const room = batcher.roomMayHaveOpened();
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([1, 2, 3]);
    await room; // taking a batch wakes the reader
    expect([batcher.hasRoom(), buffer.records]).toEqual([true, 3]);
  });

  it('stops the reader while the buffer holds more than readAheadBytes, and counts the bytes out as batches are cut', async () => {
    const buffer = bufferOf({ bytes: 3000 });
    const { batcher, lane } = batcherOf({ batchSize: 2, buffer });
    await batcher.put([record(1, 'k', 1000), record(2, 'k', 1000)]);
    expect(batcher.hasRoom()).toBe(true);
    await batcher.put([record(3, 'k', 1000)]);
    expect(batcher.hasRoom()).toBe(false);
    const sizes = [1, 2, 3].map((n) => record(n, 'k', 1000).sizeBytes + 1);
    expect(buffer.bytes).toBe(sizes.reduce((a, b) => a + b));
    await batcher.nextBatch(lane);
    expect([batcher.hasRoom(), buffer.bytes]).toEqual([true, sizes[2]]);
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


  it('keeps filtered-out records out of batches, counts them, and moves the checkpoint past them at once', async () => {
    const filter = compileFilterCriteria([{ Pattern: JSON.stringify({ kinesis: { partitionKey: ['keep'] } }) }], 'kinesis');
    const { batcher, lane, counts, checkpoints, progress } = batcherOf({ batchSize: 10, filter });
    await batcher.put([record(1, 'drop'), record(2, 'drop'), record(3, 'keep'), record(4, 'drop')]);
    expect(counts.filteredOut).toBe(3);
    expect(checkpoints).toEqual([seq(2)]); // 3 is not done yet: 4 waits behind it
    expect(progress.pending).toBe(2);
    expect(nsOf((await batcher.nextBatch(lane))!)).toEqual([3]);
    expect(batcher.hasRoom()).toBe(true);
    expect(batcher.lanes[0]!.waiting).toHaveLength(0); // rejected records take no room in the buffer
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

  it('with several lanes, lets the reader go on while the buffer has room, one lane holding many batches', async () => {
    const { batcher } = batcherOf({ batchSize: 2, parallelizationFactor: 2, buffer: bufferOf({ records: 6 }) });
    const keyOf = (lane: number) => ['a', 'b', 'c', 'd', 'e'].find((k) => laneOf(k, 2) === lane)!;
    await batcher.put([1, 2, 3, 4, 5].map((n) => record(n, keyOf(0))));
    expect(batcher.hasRoom()).toBe(true); // lane 0 holds more than a batch, lane 1 none
    await batcher.put([6, 7].map((n) => record(n, keyOf(1))));
    expect(batcher.hasRoom()).toBe(false);
  });

  it('stops the reader once twice readAheadRecords plus the batches in flight are read and not done (filtered-out records behind a blocked lane)', async () => {
    const { batcher, progress } = batcherOf({ batchSize: 10, buffer: bufferOf({ records: 100 }) });
    for (let i = 1; i < 210; i++) progress.add(seq(10_000 + i), false);
    expect(batcher.hasRoom()).toBe(true);
    progress.add(seq(20_000), false);
    expect(batcher.hasRoom()).toBe(false);
  });

  it('stops every shard of the process while their buffers together exceed the process cap, and wakes them as batches drain it', async () => {
    const accountant = new BufferAccountant(5000);
    const a = batcherOf({ batchSize: 2, buffer: bufferOf({}, accountant) });
    const b = batcherOf({ batchSize: 2, buffer: bufferOf({}, accountant) });
    await a.batcher.put([1, 2, 3].map((n) => record(n, 'k', 1000)));
    expect([a.batcher.hasRoom(), b.batcher.hasRoom()]).toEqual([true, true]);
    await b.batcher.put([1, 2, 3].map((n) => record(n, 'k', 1000)));
    expect(accountant.bytes).toBeGreaterThan(5000);
    expect([a.batcher.hasRoom(), b.batcher.hasRoom()]).toEqual([false, false]);
    let woken = false;
    const waiting = b.batcher.roomMayHaveOpened().then(() => (woken = true));
    expect(nsOf((await a.batcher.nextBatch(a.lane))!)).toEqual([1, 2]); // shard a's lane drains the cap...
    await waiting;
    expect([woken, b.batcher.hasRoom()]).toEqual([true, true]); // ...and shard b may read again
    // Nothing held was dropped: b's lane still has all its records, in order.
    expect(nsOf((await b.batcher.nextBatch(b.lane))!)).toEqual([1, 2]);
    b.batcher.close();
    expect(nsOf((await b.batcher.nextBatch(b.lane))!)).toEqual([3]);
  });

  it("drops a shard's buffer from the process count only when the shard ends (dispose)", async () => {
    const accountant = new BufferAccountant(1 << 20);
    const { batcher } = batcherOf({ buffer: bufferOf({}, accountant) });
    await batcher.put(records(4));
    expect(accountant.bytes).toBeGreaterThan(0);
    batcher.close(); // the reading is over, the lanes still run what is held
    expect(accountant.bytes).toBeGreaterThan(0);
    batcher.dispose();
    expect(accountant.bytes).toBe(0);
    expect(batcher.lanes[0]!.waiting).toEqual([]);
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
