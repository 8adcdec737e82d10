import { describe, expect, it } from 'vitest';
import { compileFilterCriteria } from '../../../src/filtering/index.js';
import { readRange } from '../../../src/redrive/range-reader.js';
import { laneOf } from '../../../src/sources/streams/shard/lanes.js';
import { StreamSourceError } from '../../../src/sources/streams/stream-errors.js';
import { toStreamRecord } from '../../../src/sources/streams/stream-record.js';
import type { IteratorPosition, ReadResult, StreamRecord, StreamSource } from '../../../src/sources/streams/stream-source.js';

/** A shard holding `records` from `trimHorizon` on, read `pageSize` records at a time. */
function shard(records: Array<{ seq: string; key?: string; data: string }>, options: { pageSize?: number; trimmedBefore?: string; open?: boolean } = {}): StreamSource {
  const all: StreamRecord[] = records.map((r) => toStreamRecord(r.seq, r.key ?? 'k', 0, { kinesis: { data: Buffer.from(r.data).toString('base64'), partitionKey: r.key ?? 'k', sequenceNumber: r.seq } }));
  const pageSize = options.pageSize ?? 2;
  return {
    traits: { type: 'kinesis', maxRecordsPerRead: 10_000, defaultIdlePollMs: 0, defaultMinReadIntervalMs: 0, batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' },
    eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    filterView: (event) => ({ data: JSON.parse(Buffer.from((event as { kinesis: { data: string } }).kinesis.data, 'base64').toString()) as unknown }),
    traceId: (record) => record.sequenceNumber,
    listShards: async () => [],
    async getIterator(shardId: string, position: IteratorPosition) {
      if (position.type !== 'AT_SEQUENCE_NUMBER') throw new Error('unexpected');
      if (options.trimmedBefore && BigInt(position.sequenceNumber) < BigInt(options.trimmedBefore)) {
        // As a service that refuses a trimmed position does.
        throw new StreamSourceError({ kind: 'trimmed', code: 'TrimmedDataAccessException', message: 'trimmed' }, { operation: 'GetShardIterator', streamArn: 's', shardId });
      }
      return String(all.findIndex((r) => BigInt(r.sequenceNumber) >= BigInt(position.sequenceNumber)));
    },
    async read(_shardId: string, iterator: string): Promise<ReadResult> {
      const from = Number(iterator);
      if (from < 0) return { records: [], millisBehindLatest: 0, ...(options.open === false ? {} : { nextIterator: iterator }) };
      const page = all.slice(from, from + pageSize);
      const next = from + page.length;
      const ended = next >= all.length && options.open === false;
      return { records: page, millisBehindLatest: next >= all.length ? 0 : 100, ...(ended ? {} : { nextIterator: String(next >= all.length ? -1 : next) }) };
    },
    pinLatest: async () => [],
    retentionMs: async () => 86_400_000,
  };
}

const data = (records: StreamRecord[]) => records.map((r) => Buffer.from((r.event as { kinesis: { data: string } }).kinesis.data, 'base64').toString());
const range = (start: string, end: string, batchSize: number) => ({ shardId: 'shardId-0', startSequenceNumber: start, endSequenceNumber: end, batchSize });

describe('readRange', () => {
  const records = ['1', '2', '3', '4', '5', '6'].map((seq) => ({ seq, data: `{"n":${seq}}` }));

  it('reads from the start to the end sequence number over several pages, nothing before or after', async () => {
    const read = await readRange(shard(records), range('2', '5', 4), { parallelizationFactor: 1 });
    expect(data(read.records)).toEqual(['{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
    expect(read.trimmed).toBe(0);
  });

  it('keeps only what the FilterCriteria keep: filtered-out records were never in the batch', async () => {
    const filter = compileFilterCriteria([{ Pattern: '{"data":{"n":[{"numeric":[">=",4]}]}}' }], 'kinesis');
    const read = await readRange(shard(records), range('2', '6', 3), { parallelizationFactor: 1, filter });
    expect(data(read.records)).toEqual(['{"n":4}', '{"n":5}', '{"n":6}']);
  });

  it("with ParallelizationFactor, only the lane of the range's first record", async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const lanes = keys.map((k) => laneOf(k, 2));
    expect(new Set(lanes).size).toBe(2); // both lanes hold records: the other lane's must be left out
    const mixed = keys.map((key, i) => ({ seq: String(i + 1), key, data: `{"n":${i + 1}}` }));
    const read = await readRange(shard(mixed), range('1', '8', lanes.filter((l) => l === lanes[0]).length), { parallelizationFactor: 2 });
    expect(read.records.map((r) => r.partitionKey)).toEqual(keys.filter((_, i) => lanes[i] === lanes[0]));
    expect(read.trimmed).toBe(0);
  });

  it('fewer records than the range held: the shortfall is reported as trimmed, with why', async () => {
    const read = await readRange(shard(records.slice(2)), range('1', '4', 4), { parallelizationFactor: 1 });
    expect(data(read.records)).toEqual(['{"n":3}', '{"n":4}']);
    expect(read.trimmed).toBe(2);
    expect(read.trimmedBecause).toBe('shardId-0 starts at 3 now, after 1 (the records before were trimmed)');
  });

  it('a position the service refuses as trimmed: nothing read, the whole range trimmed', async () => {
    const read = await readRange(shard(records, { trimmedBefore: '3' }), range('1', '2', 2), { parallelizationFactor: 1 });
    expect(read).toMatchObject({ records: [], trimmed: 2 });
    expect(read.trimmedBecause).toMatch(/^the stream no longer holds shardId-0 at 1: /);
  });

  it('stops at the tip of an open shard whose range ends beyond what it holds', async () => {
    const read = await readRange(shard(records, { pageSize: 10 }), range('5', '99', 2), { parallelizationFactor: 1 });
    expect(data(read.records)).toEqual(['{"n":5}', '{"n":6}']);
  });
});
