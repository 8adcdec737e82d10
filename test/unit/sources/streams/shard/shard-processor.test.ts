/**
 * The shard processor as a whole (streams.md §4–§8, §17) over a scripted shard, a fake
 * submit and fake stores: batches in order with one in flight per lane, checkpoints after
 * each batch and SHARD_END at the end, a saved batch resumed first, a fenced checkpoint
 * stopping the shard, and a stop mid-retry.
 */
import { streamReading, type StreamReading } from '../../../../../src/sources/streams/read-settings.js';
import { describe, expect, it } from 'vitest';
import type { BatchJobData } from '../../../../../src/pipeline/index.js';
import type { InvocationOutcome } from '../../../../../src/targets/index.js';
import type { SavedBatch } from '../../../../../src/sources/streams/checkpoints/batch-progress.js';
import { SHARD_END } from '../../../../../src/sources/streams/checkpoints/sequence-numbers.js';
import type { Lease } from '../../../../../src/sources/streams/leases/shard-leases.js';
import { createBatchState } from '../../../../../src/sources/streams/policy/index.js';
import { ShardProcessor, type ShardProcessorSettings } from '../../../../../src/sources/streams/shard/shard-processor.js';
import { laneOf } from '../../../../../src/sources/streams/shard/lanes.js';
import { READ_RESERVATION_BYTES } from '../../../../../src/sources/streams/shard/buffer-accountant.js';
import type { StreamRecord } from '../../../../../src/sources/streams/stream-source.js';
import { functionError, success } from '../policy/harness.js';
import { countedMetrics, nOf, record, records, scriptedShard, seq, SHARD, silentLogger } from './scripted-stream.js';
import { configSchema } from '../../../../../src/config/index.js';

/** The `streams` settings of a config that sets none. */
const defaultStreams = configSchema.parse({}).streams;

const LEASE: Lease = { mappingId: 'm-1', shardId: SHARD, workerId: 'w-1', token: 1, expiresAt: Date.now() + 60_000 };

const payloadNs = (payload: string): number[] =>
  (JSON.parse(payload) as { Records: Array<{ kinesis: { sequenceNumber: string } }> }).Records.map((r) => nOf(r.kinesis.sequenceNumber));

interface Options {
  settings?: Partial<ShardProcessorSettings>;
  stored?: string;
  saved?: SavedBatch[];
  answer?: (data: BatchJobData) => InvocationOutcome;
  fenceCheckpointAt?: string;
  reading?: StreamReading;
  pageSize?: number;
}

function processorOf(read: StreamRecord[], options: Options = {}) {
  const shard = scriptedShard(read, options.pageSize ? { pageSize: options.pageSize } : {});
  const checkpoints: string[] = [];
  const invoked: number[][] = [];
  const batchEvents: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let ended: () => void = () => undefined;
  let lost: () => void = () => undefined;
  const done = new Promise<'ended' | 'lost'>((resolve) => {
    ended = () => resolve('ended');
    lost = () => resolve('lost');
  });
  const { metrics, counts } = countedMetrics();
  const processor = new ShardProcessor(
    {
      mappingId: 'm-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      shardId: SHARD,
      batchSize: 2,
      windowSeconds: 0,
      start: { type: 'TRIM_HORIZON' },
      policy: { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, reportBatchItemFailures: false },
      parallelizationFactor: 1,
      tumblingWindowSeconds: 0,
      settingsFingerprint: 'fp',
      ...options.settings,
    },
    LEASE,
    {
      source: shard.source,
      reading: options.reading ?? streamReading(defaultStreams),
      checkpoints: {
        get: async () => options.stored,
        write: async (_lease, position) => {
          if (position === options.fenceCheckpointAt) return 'fenced';
          checkpoints.push(position === SHARD_END ? position : String(nOf(position)));
          return 'written';
        },
      },
      batches: {
        load: async () => options.saved ?? [],
        save: async (_lease, lane) => {
          batchEvents.push(`save ${lane}`);
          return true;
        },
        remove: async (_lease, lane) => {
          batchEvents.push(`remove ${lane}`);
          return true;
        },
      },
      windowStates: undefined as never,
      metrics,
      submit: async (data) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        invoked.push(payloadNs(data.payload));
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight--;
        return { outcome: options.answer?.(data) ?? success() };
      },
      report: async () => undefined,
      onLeaseLost: () => lost(),
      leaseHeld: async () => true,
      fence: () => ({ key: 'k', field: 'f', prefix: 'p' }),
      onShardEnd: () => ended(),
      logger: silentLogger(),
    },
  );
  return { processor, shard, checkpoints, invoked, batchEvents, done, counts, maxInFlight: () => maxInFlight };
}

describe('ShardProcessor', () => {
  it('drains 20,000 records at BatchSize 100 with two reads of 10,000 (the second ends the closed shard)', async () => {
    const harness = processorOf(records(20_000), { settings: { batchSize: 100 }, answer: () => success() });
    harness.processor.start();
    expect(await harness.done).toBe('ended');
    expect(harness.invoked.flat()).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    expect(harness.invoked).toHaveLength(200);
    // Reading per batch (§4's first rule) took 200 reads.
    expect(harness.shard.reads().map((r) => r.limit)).toEqual([10_000, 10_000]);
    expect(harness.counts.requests.GetRecords).toBe(2);
  });

  it('pauses reading of every shard while the process cap is reached, and loses or reorders nothing', async () => {
    const reading = streamReading({ ...defaultStreams, maxBufferedBytes: 2000 });
    const shards = [processorOf(records(60), { reading, pageSize: 10, settings: { batchSize: 5 } }), processorOf(records(60), { reading, pageSize: 10, settings: { batchSize: 5 } })];
    const heldAtRead: number[] = [];
    for (const { shard } of shards) {
      const read = shard.source.read.bind(shard.source);
      shard.source.read = async (...args) => {
        heldAtRead.push(reading.accountant.bytes);
        return read(...args);
      };
    }
    for (const { processor } of shards) processor.start();
    expect(await Promise.all(shards.map((s) => s.done))).toEqual(['ended', 'ended']);
    const pageBytes = 10 * (record(1).sizeBytes + 1);
    expect(pageBytes).toBeGreaterThan(1000); // two pages exceed the cap: the cap is reached
    expect(Math.max(...heldAtRead)).toBeLessThanOrEqual(2000); // no read started over the cap
    for (const { invoked } of shards) expect(invoked.flat()).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(reading.accountant.bytes).toBe(0); // the ended shards hold nothing
  });

  it('counts reads in flight against the process cap: reads wait their turn when the cap has room for one (issue #13)', async () => {
    /** Two shards reading, each read taking a while; the most reads in flight at once, and everything invoked. */
    const run = async (maxBufferedBytes: number) => {
      const reading = streamReading({ ...defaultStreams, maxBufferedBytes });
      const shards = [0, 1].map(() => processorOf(records(40), { reading, pageSize: 10, settings: { batchSize: 5 } }));
      let inFlight = 0;
      let most = 0;
      for (const { shard } of shards) {
        const read = shard.source.read.bind(shard.source);
        shard.source.read = async (...args) => {
          most = Math.max(most, ++inFlight);
          try {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return await read(...args);
          } finally {
            inFlight--;
          }
        };
      }
      for (const { processor } of shards) processor.start();
      expect(await Promise.all(shards.map((s) => s.done))).toEqual(['ended', 'ended']);
      for (const { invoked } of shards) expect(invoked.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(reading.accountant.reservedBytes).toBe(0); // every reservation given back
      return most;
    };
    // Room for one Kinesis read's reservation, not two: one read at a time, nothing lost.
    expect(await run(READ_RESERVATION_BYTES.kinesis + 1000)).toBe(1);
    // Room for both: the shards read side by side.
    expect(await run(4 * READ_RESERVATION_BYTES.kinesis)).toBe(2);
  });

  it('invokes the batches of a closed shard one after another in order, checkpoints each, then SHARD_END', async () => {
    const harness = processorOf(records(5));
    harness.processor.start();
    expect(await harness.done).toBe('ended');
    expect(harness.invoked).toEqual([[1, 2], [3, 4], [5]]);
    expect(harness.maxInFlight()).toBe(1);
    expect(harness.checkpoints).toEqual(['2', '4', '5', SHARD_END]);
  });

  it('reads on from the stored checkpoint, and does not read a shard already checkpointed at its end', async () => {
    const from = processorOf(records(4), { stored: seq(2) });
    from.processor.start();
    expect(await from.done).toBe('ended');
    expect(from.invoked).toEqual([[3, 4]]);

    const over = processorOf(records(4), { stored: SHARD_END });
    over.processor.start();
    expect(await over.done).toBe('ended');
    expect(over.shard.calls).toEqual([]);
    expect(over.checkpoints).toEqual([]);
  });

  it("runs a batch an earlier holder saved mid-retry first, and never invokes its records again", async () => {
    const saved = [record(3), record(4)];
    const harness = processorOf(records(6), { stored: seq(2), saved: [{ lane: 0, settings: 'fp', records: saved, state: createBatchState(saved, Date.now()) }] });
    harness.processor.start();
    expect(await harness.done).toBe('ended');
    expect(harness.invoked).toEqual([[3, 4], [5, 6]]);
    expect(harness.batchEvents).toEqual(['remove 0']);
    expect(harness.checkpoints).toEqual(['4', '6', SHARD_END]);
  });

  it('drops a saved batch of other settings: its records are read and batched again', async () => {
    const saved = [record(3), record(4)];
    const harness = processorOf(records(4), { stored: seq(2), settings: { batchSize: 10 }, saved: [{ lane: 0, settings: 'older', records: saved, state: createBatchState(saved, Date.now()) }] });
    harness.processor.start();
    expect(await harness.done).toBe('ended');
    expect(harness.batchEvents).toEqual(['remove 0']);
    expect(harness.invoked).toEqual([[3, 4]]);
  });

  it('stops the shard, without SHARD_END, when a checkpoint write is fenced', async () => {
    const harness = processorOf(records(4), { fenceCheckpointAt: seq(2) });
    harness.processor.start();
    expect(await harness.done).toBe('lost');
    expect(harness.invoked).toEqual([[1, 2]]);
    expect(harness.checkpoints).toEqual([]);
  });

  it('with ParallelizationFactor 2 runs the lanes side by side, each in key order, and ends the shard once all are done', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const read = Array.from({ length: 12 }, (_, i) => record(i + 1, keys[i % keys.length]));
    const harness = processorOf(read, { settings: { parallelizationFactor: 2, batchSize: 3 } });
    harness.processor.start();
    expect(await harness.done).toBe('ended');
    for (const lane of [0, 1]) {
      const mine = read.filter((r) => laneOf(r.partitionKey, 2) === lane).map((r) => nOf(r.sequenceNumber));
      expect(harness.invoked.filter((batch) => laneOf(read[batch[0]! - 1]!.partitionKey, 2) === lane).flat()).toEqual(mine);
    }
    expect(harness.maxInFlight()).toBe(2);
    expect(harness.checkpoints.at(-2)).toBe('12');
    expect(harness.checkpoints.at(-1)).toBe(SHARD_END);
  });

  it('stopped while a batch waits to retry: ends without a checkpoint past it, and forgets the saved batch', async () => {
    const harness = processorOf(records(2), { answer: () => functionError() });
    harness.processor.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await harness.processor.stop();
    expect(harness.invoked).toEqual([[1, 2]]);
    expect(harness.checkpoints).toEqual([]);
    expect(harness.batchEvents).toEqual(['save 0', 'remove 0']);
  });
});
