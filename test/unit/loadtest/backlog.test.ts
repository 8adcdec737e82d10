/** Prometheus text parsing and the stream backlog (largest iterator age of one mapping). */
import { describe, expect, it } from 'vitest';
import { maxIteratorAge, parsePrometheus, streamBacklog } from '../../../src/loadtest/backlog.js';

const TEXT = `# HELP sluice_iterator_age_milliseconds Invocation start minus the arrival time...
# TYPE sluice_iterator_age_milliseconds gauge
sluice_iterator_age_milliseconds{mapping="m-1",source_type="kinesis",function="noop",shard="shardId-000000000000"} 120
sluice_iterator_age_milliseconds{mapping="m-1",source_type="kinesis",function="noop",shard="shardId-000000000001"} 340
sluice_iterator_age_milliseconds{mapping="m-2",source_type="kinesis",function="noop",shard="shardId-000000000000"} 9999
sluice_batch_records_bucket{mapping="m-1",source_type="kinesis",function="noop",le="+Inf"} 3
sluice_weird{mapping="m-1",note="a \\"quoted\\", comma\\\\ and\\nnewline"} 1.5e3 1700000000000
process_cpu_seconds_total 0.42
`;

describe('parsePrometheus', () => {
  it('reads names, labels (escapes included), values and ignores comments and timestamps', () => {
    const samples = parsePrometheus(TEXT);
    expect(samples).toHaveLength(6);
    expect(samples[1]).toEqual({
      name: 'sluice_iterator_age_milliseconds',
      labels: { mapping: 'm-1', source_type: 'kinesis', function: 'noop', shard: 'shardId-000000000001' },
      value: 340,
    });
    expect(samples[3]?.labels.le).toBe('+Inf');
    expect(samples[4]).toEqual({ name: 'sluice_weird', labels: { mapping: 'm-1', note: 'a "quoted", comma\\ and\nnewline' }, value: 1500 });
    expect(samples[5]).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 0.42 });
  });
});

describe('maxIteratorAge', () => {
  it("is the largest shard's age of that mapping only", () => {
    expect(maxIteratorAge(TEXT, 'm-1')).toBe(340);
    expect(maxIteratorAge(TEXT, 'm-2')).toBe(9999);
  });

  it('is undefined when the mapping has no series yet', () => {
    expect(maxIteratorAge(TEXT, 'm-3')).toBeUndefined();
    expect(maxIteratorAge('', 'm-1')).toBeUndefined();
  });

  it('streamBacklog samples in ms from the client, nothing without a series', async () => {
    const client = { readMetrics: async () => TEXT, readTrace: async () => ({ entries: [], cursor: undefined }) };
    expect(await streamBacklog(client, 'm-1', () => 5)()).toEqual({ at: 5, value: 340, unit: 'ms' });
    expect(await streamBacklog(client, 'nope', () => 5)()).toBeUndefined();
  });
});
