/**
 * pinLatestPositions (streams.md §3) against a fake shard reader: where each shard is
 * pinned, how far back it looks, and what it settles for when the budget runs out.
 */
import { describe, expect, it } from 'vitest';
import {
  pinLatestPositions,
  pinnedValueOf,
  startPositionOf,
  type PinPlan,
  type PinReader,
} from '../../../../../src/sources/streams/start-position/pin-latest.js';
import { StreamSourceError, type StreamErrorKind } from '../../../../../src/sources/streams/stream-errors.js';
import type { IteratorPosition, ReadResult, ShardInfo } from '../../../../../src/sources/streams/stream-source.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface FakeShard {
  info: ShardInfo;
  /** Arrival times (ms) of its records; sequence numbers are 100, 101, ... */
  arrivals: number[];
}

const failure = (kind: StreamErrorKind, code: string) =>
  new StreamSourceError({ kind, code, message: code }, { operation: 'GetRecords', streamArn: 'arn' });

/** A Kinesis-like shard reader: AT_TIMESTAMP, MillisBehindLatest, a page size of `pageSize`. */
class FakeReader implements PinReader {
  readonly iteratorCalls: Array<{ shardId: string; position: IteratorPosition }> = [];
  reads = 0;
  throttleNextReads = 0;
  /** Reads that return an empty page with MillisBehindLatest > 0 before the records. */
  emptyPagesFirst = 0;
  readDelayMs = 0;
  pageSize = 2;
  futureRefused = false;
  noIteratorFor = new Set<string>();

  constructor(private readonly shards: FakeShard[]) {}

  async listShards(): Promise<ShardInfo[]> {
    return this.shards.map((s) => s.info);
  }

  async getIterator(shardId: string, position: IteratorPosition): Promise<string | undefined> {
    this.iteratorCalls.push({ shardId, position });
    if (this.noIteratorFor.has(shardId)) return undefined;
    const shard = this.shard(shardId);
    let index = 0;
    if (position.type === 'AT_TIMESTAMP') {
      if (this.futureRefused && position.timestamp.getTime() > Date.now() - 30 * 1000) {
        throw new StreamSourceError({ kind: 'invalidArgument', code: 'InvalidArgumentException', message: 'Timestamp cannot be in the future' }, { operation: 'GetShardIterator', streamArn: 'arn' });
      }
      index = shard.arrivals.findIndex((a) => a >= position.timestamp.getTime());
      if (index < 0) index = shard.arrivals.length;
    } else if (position.type !== 'TRIM_HORIZON') {
      throw new Error(`unexpected position ${position.type}`);
    }
    return JSON.stringify({ shardId, index, empties: this.emptyPagesFirst });
  }

  async read(shardId: string, iterator: string, limit: number): Promise<ReadResult> {
    this.reads++;
    if (this.readDelayMs) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
    if (this.throttleNextReads > 0) {
      this.throttleNextReads--;
      throw failure('throttled', 'ProvisionedThroughputExceededException');
    }
    const state = JSON.parse(iterator) as { shardId: string; index: number; empties: number };
    const shard = this.shard(shardId);
    const behind = (index: number) => (index < shard.arrivals.length ? 1000 : 0);
    if (state.empties > 0) {
      return { records: [], nextIterator: JSON.stringify({ ...state, empties: state.empties - 1 }), millisBehindLatest: behind(state.index) || 1 };
    }
    const end = Math.min(shard.arrivals.length, state.index + Math.min(limit, this.pageSize));
    const records = shard.arrivals.slice(state.index, end).map((arrivalTime, i) => ({
      sequenceNumber: String(100 + state.index + i),
      partitionKey: 'k',
      arrivalTime,
      event: {},
      sizeBytes: 2,
    }));
    const closed = shard.info.endingSequenceNumber !== undefined;
    return {
      records,
      ...(closed && end === shard.arrivals.length ? {} : { nextIterator: JSON.stringify({ shardId, index: end, empties: 0 }) }),
      millisBehindLatest: behind(end),
    };
  }

  private shard(shardId: string): FakeShard {
    const shard = this.shards.find((s) => s.info.shardId === shardId);
    if (!shard) throw new Error(`no shard ${shardId}`);
    return shard;
  }
}

const kinesisPlan: PinPlan = {
  searchFrom: (now) => [MINUTE, HOUR, 24 * HOUR].map((ago) => ({ type: 'AT_TIMESTAMP', timestamp: new Date(now - ago) })),
  readLimit: 10_000,
};
const open = (shardId: string, arrivals: number[]): FakeShard => ({ info: { shardId }, arrivals });
const ago = (ms: number) => Date.now() - ms;

describe('pinLatestPositions', () => {
  it('pins after the last record, SHARD_START for an empty shard, SHARD_END for a closed one (not read)', async () => {
    const reader = new FakeReader([
      open('busy', [ago(5000), ago(4000), ago(3000), ago(2000), ago(1000)]),
      open('empty', []),
      { info: { shardId: 'closed', endingSequenceNumber: '999' }, arrivals: [ago(1000)] },
    ]);
    const pins = await pinLatestPositions(reader, kinesisPlan);
    expect(pins).toEqual([
      { shardId: 'busy', start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '104' } },
      { shardId: 'empty', start: { type: 'SHARD_START' } },
      { shardId: 'closed', start: { type: 'SHARD_END' } },
    ]);
    expect(reader.iteratorCalls.filter((c) => c.shardId === 'closed')).toEqual([]);
    // A busy shard costs one window; an empty one every window down to TRIM_HORIZON.
    expect(reader.iteratorCalls.filter((c) => c.shardId === 'busy')).toHaveLength(1);
    expect(reader.iteratorCalls.filter((c) => c.shardId === 'empty').map((c) => c.position.type)).toEqual([
      'AT_TIMESTAMP',
      'AT_TIMESTAMP',
      'AT_TIMESTAMP',
      'TRIM_HORIZON',
    ]);
  });

  it('widens the window until it holds a record: 2 hours back, then 3 days back', async () => {
    const twoHours = new FakeReader([open('s', [ago(3 * HOUR), ago(2 * HOUR)])]);
    expect((await pinLatestPositions(twoHours, kinesisPlan))[0]!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '101' });
    expect(twoHours.iteratorCalls).toHaveLength(3);
    const threeDays = new FakeReader([open('s', [ago(72 * HOUR)])]);
    expect((await pinLatestPositions(threeDays, kinesisPlan))[0]!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '100' });
    expect(threeDays.iteratorCalls.at(-1)!.position).toEqual({ type: 'TRIM_HORIZON' });
  });

  it('searches from TRIM_HORIZON alone when the plan has no window (DynamoDB)', async () => {
    const reader = new FakeReader([open('s', [ago(HOUR), ago(1)])]);
    const pins = await pinLatestPositions(reader, { searchFrom: () => [], readLimit: 1000 });
    expect(pins[0]!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '101' });
    expect(reader.iteratorCalls.map((c) => c.position)).toEqual([{ type: 'TRIM_HORIZON' }]);
  });

  it('reads on through empty pages while MillisBehindLatest > 0', async () => {
    const reader = new FakeReader([open('s', [ago(1000)])]);
    reader.emptyPagesFirst = 3;
    expect((await pinLatestPositions(reader, kinesisPlan))[0]!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '100' });
  });

  it('waits out throttling', async () => {
    const reader = new FakeReader([open('s', [ago(1000), ago(500)])]);
    reader.throttleNextReads = 2;
    expect((await pinLatestPositions(reader, kinesisPlan))[0]!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '101' });
  });

  it('skips a window whose timestamp the service calls future (clock skew)', async () => {
    const reader = new FakeReader([open('s', [ago(10 * MINUTE)])]);
    reader.futureRefused = true;
    const [pin] = await pinLatestPositions(reader, { ...kinesisPlan, searchFrom: (now) => [{ type: 'AT_TIMESTAMP', timestamp: new Date(now) }, { type: 'AT_TIMESTAMP', timestamp: new Date(now - HOUR) }] });
    expect(pin!.start).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '100' });
  });

  it('settles for an earlier pin when the budget runs out, never a later one', async () => {
    const arrivals = Array.from({ length: 50 }, (_, i) => ago(50_000 - i * 1000));
    const reader = new FakeReader([open('s', arrivals)]);
    reader.readDelayMs = 20;
    const [pin] = await pinLatestPositions(reader, kinesisPlan, { budgetMs: 70 });
    expect(pin!.start.type).toBe('AFTER_SEQUENCE_NUMBER');
    const pinned = Number((pin!.start as { sequenceNumber: string }).sequenceNumber);
    expect(pinned).toBeGreaterThanOrEqual(100);
    expect(pinned).toBeLessThan(149); // the true last record is 149

    const nothingYet = new FakeReader([open('s', [ago(1000)])]);
    nothingYet.emptyPagesFirst = 1_000;
    nothingYet.readDelayMs = 5;
    expect((await pinLatestPositions(nothingYet, kinesisPlan, { budgetMs: 40 }))[0]!.start).toEqual({ type: 'SHARD_START' });
    expect(nothingYet.iteratorCalls).toHaveLength(1); // no wider window once the time is up
  });

  it('takes a missing iterator (shard ended meanwhile) as nothing there', async () => {
    const reader = new FakeReader([open('s', [ago(1000)])]);
    reader.noIteratorFor.add('s');
    expect((await pinLatestPositions(reader, kinesisPlan))[0]!.start).toEqual({ type: 'SHARD_START' });
  });

  it('fails on other errors', async () => {
    const reader = new FakeReader([open('s', [ago(1000)])]);
    reader.read = async () => {
      throw failure('notFound', 'ResourceNotFoundException');
    };
    await expect(pinLatestPositions(reader, kinesisPlan)).rejects.toMatchObject({ kind: 'notFound' });
  });

  it('pins many shards with bounded concurrency, results in listing order', async () => {
    const shards = Array.from({ length: 20 }, (_, i) => open(`s${String(i).padStart(2, '0')}`, i % 2 ? [] : [ago(1000)]));
    const reader = new FakeReader(shards);
    let active = 0;
    let peak = 0;
    const read = reader.read.bind(reader);
    reader.read = async (...args) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        return await read(...args);
      } finally {
        active--;
      }
    };
    const pins = await pinLatestPositions(reader, kinesisPlan, { concurrency: 3 });
    expect(pins.map((p) => p.shardId)).toEqual(shards.map((s) => s.info.shardId));
    expect(pins.map((p) => p.start.type)).toEqual(shards.map((_, i) => (i % 2 ? 'SHARD_START' : 'AFTER_SEQUENCE_NUMBER')));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('pinned starts', () => {
  it('map to iterator positions and to the stored form', () => {
    expect(startPositionOf({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '5' })).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '5' });
    expect(startPositionOf({ type: 'SHARD_START' })).toEqual({ type: 'TRIM_HORIZON' });
    expect(startPositionOf({ type: 'SHARD_END' })).toBeUndefined();
    expect(pinnedValueOf({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '5' })).toBe('5');
    expect(pinnedValueOf({ type: 'SHARD_START' })).toBe('SHARD_START');
    expect(pinnedValueOf({ type: 'SHARD_END' })).toBe('SHARD_END');
  });
});
