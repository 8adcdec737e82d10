/**
 * The shard reader (streams.md §4) over a scripted shard: reads in order into its intake,
 * as much as the intake allows, until the shard ends; backs off on throttling (1 s doubling
 * to 10 s, aws/backoff.ts) and shows it in LastProcessingResult until a read works; renews an
 * expired iterator after the last record read; resumes at TRIM_HORIZON behind the horizon.
 */
import { describe, expect, it } from 'vitest';
import { backoffSchedule } from '../../../../../src/aws/backoff.js';
import { READ_BACKOFF, ShardReader, type ReadPacing, type ReaderClock, type ShardIntake } from '../../../../../src/sources/streams/shard/shard-reader.js';
import type { IteratorPosition, StreamRecord } from '../../../../../src/sources/streams/stream-source.js';
import { countedMetrics, keptWarnings, nsOf, records, scriptedShard, seq, SHARD, sourceError, type ScriptedShard } from './scripted-stream.js';

/** An intake that takes everything while `room()` says so and keeps what it got. */
function recordingIntake(room: () => boolean = () => true) {
  const pages: StreamRecord[][] = [];
  const caughtUp: number[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const intake: ShardIntake = {
    hasRoom: room,
    roomMayHaveOpened: () => new Promise<void>((resolve) => (wake = resolve)),
    put: async (page) => void pages.push(page),
    caughtUp: (at) => void caughtUp.push(at),
    close: () => void (closed = true),
  };
  return { intake, pages, caughtUp, closed: () => closed, wake: () => wake?.() };
}

/** A clock that only moves when the reader sleeps (or a test moves it): gaps between reads are exact. */
function fakeClock(): ReaderClock & { advance: (ms: number) => void } {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms) => void (now += ms),
    advance: (ms) => void (now += ms),
  };
}

function readerOf(
  shard: ScriptedShard,
  intake: ShardIntake,
  options: { start?: IteratorPosition; stored?: string; firstMs?: number; maxMs?: number; pacing?: Partial<ReadPacing>; clock?: ReaderClock } = {},
) {
  const stopping = new AbortController();
  const { context, messages } = keptWarnings();
  const { metrics, counts } = countedMetrics();
  const reports: Array<string | null> = [];
  const reader = new ShardReader({
    shardId: SHARD,
    source: shard.source,
    intake,
    storedCheckpoint: async () => options.stored,
    start: options.start ?? { type: 'TRIM_HORIZON' },
    metrics,
    warnings: context,
    report: async ({ readError }) => void reports.push(readError),
    stopping: stopping.signal,
    backoff: { firstMs: options.firstMs ?? 1, maxMs: options.maxMs ?? 1 },
    pacing: { idlePollMs: shard.source.traits.defaultIdlePollMs, minReadIntervalMs: 0, ...options.pacing },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { reader, stopping, messages, counts, reports };
}

describe('ShardReader', () => {
  it('reads a closed shard in order into its intake, asking for the service maximum each time, then closes the intake', async () => {
    const shard = scriptedShard(records(7), { pageSize: 3 });
    const sink = recordingIntake();
    const { reader, counts } = readerOf(shard, sink.intake);
    await reader.run(await reader.open(undefined));
    expect(shard.calls[0]).toMatchObject({ op: 'getIterator', position: { type: 'TRIM_HORIZON' } });
    expect(shard.reads().map((r) => r.limit)).toEqual([10_000, 10_000, 10_000]);
    expect(sink.pages.map(nsOf)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(counts.polled).toBe(7);
    expect(counts.requests).toEqual({ GetShardIterator: 1, GetRecords: 3 });
    expect(sink.closed()).toBe(true);
  });

  it('never lets two reads of the shard start closer than minReadIntervalMs, under backlog too, counting the read time in', async () => {
    const shard = scriptedShard(records(25), { pageSize: 5 });
    const clock = fakeClock();
    const started: number[] = [];
    const read = shard.source.read.bind(shard.source);
    shard.source.read = async (...args) => {
      started.push(clock.now());
      clock.advance(started.length % 2 === 0 ? 150 : 250); // reads that take less and more than the interval
      return read(...args);
    };
    const sink = recordingIntake();
    const { reader } = readerOf(shard, sink.intake, { clock, pacing: { minReadIntervalMs: 200, idlePollMs: 0 } });
    await reader.run(await reader.open(undefined));
    const gaps = started.slice(1).map((t, i) => t - started[i]!);
    expect(gaps).toEqual([250, 200, 250, 200]); // a slow read is followed at once, a fast one after the rest of the interval
    expect(sink.pages.flatMap(nsOf)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('waits idlePollMs after an empty read that is not behind, and the minimum interval when that is longer', async () => {
    for (const [idlePollMs, minReadIntervalMs, expected] of [
      [300, 200, 300],
      [50, 200, 200],
      [0, 0, 0],
    ] as const) {
      const shard = scriptedShard([], { closed: false });
      const clock = fakeClock();
      const { reader, stopping } = readerOf(shard, recordingIntake().intake, { clock, pacing: { idlePollMs, minReadIntervalMs } });
      const started: number[] = [];
      const read = shard.source.read.bind(shard.source);
      shard.source.read = async (...args) => {
        started.push(clock.now());
        if (started.length === 4) stopping.abort();
        return read(...args);
      };
      await reader.run('it-0');
      expect(started.slice(1).map((t, i) => t - started[i]!)).toEqual([expected, expected, expected]);
    }
  });

  it('starts after the checkpoint when there is one', async () => {
    const shard = scriptedShard(records(5));
    const sink = recordingIntake();
    const { reader } = readerOf(shard, sink.intake);
    await reader.run(await reader.open(seq(3)));
    expect(shard.calls[0]).toMatchObject({ op: 'getIterator', position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(3) } });
    expect(sink.pages.flatMap(nsOf)).toEqual([4, 5]);
  });

  it("asks for the service's maximum per read, DynamoDB's 1000 included", async () => {
    const shard = scriptedShard(records(3), { maxRecordsPerRead: 1000, pageSize: 2 });
    const sink = recordingIntake();
    const { reader } = readerOf(shard, sink.intake);
    await reader.run(await reader.open(undefined));
    expect(shard.reads().map((r) => r.limit)).toEqual([1000, 1000]);
  });

  it('does not read while the intake has no room, and reads again once room may have opened', async () => {
    const shard = scriptedShard(records(2));
    let room = false;
    const sink = recordingIntake(() => room);
    const { reader } = readerOf(shard, sink.intake);
    const running = reader.run(await reader.open(undefined));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(shard.reads()).toHaveLength(0);
    room = true;
    sink.wake();
    await running;
    expect(shard.reads().map((r) => r.limit)).toEqual([10_000]);
    expect(sink.pages.flatMap(nsOf)).toEqual([1, 2]);
  });

  it('backs off on throttling, doubling up to the cap, shows the problem, and clears it once a read works', async () => {
    const shard = scriptedShard(records(1));
    const throttled = () => sourceError('throttled', 'ProvisionedThroughputExceededException');
    shard.failNext('read', throttled(), throttled(), throttled(), throttled(), throttled());
    const sink = recordingIntake();
    const { reader, reports, messages, counts } = readerOf(shard, sink.intake, { firstMs: 30, maxMs: 60 });
    await reader.run(await reader.open(undefined));
    const at = shard.reads().map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 30, 60, then capped at 60: uncapped doubling would wait 120, 240 and 480.
    expect(gaps).toHaveLength(5);
    [30, 60, 60, 60, 60].forEach((least, i) => expect(gaps[i]).toBeGreaterThanOrEqual(least - 2));
    expect(gaps[3]! + gaps[4]!).toBeLessThan(400);
    expect(reports).toEqual([...Array<string>(5).fill('PROBLEM: Error reading from event source: ProvisionedThroughputExceededException'), null]);
    expect(messages[0]).toMatch(/^GetRecords failed for mapping m-1: ProvisionedThroughputExceededException: .*; backing off$/);
    expect(counts.sourceErrors).toBe(5);
    expect(sink.pages.flatMap(nsOf)).toEqual([1]);
  });

  it('reads with the documented backoff: 1 s doubling to 10 s', () => {
    expect(READ_BACKOFF).toEqual({ firstMs: 1000, maxMs: 10_000 });
    expect(backoffSchedule(READ_BACKOFF, 6)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('replaces an expired iterator by one after the last record read, without backing off', async () => {
    const shard = scriptedShard(records(5), { pageSize: 2 });
    const sink = recordingIntake();
    const { reader, reports, messages } = readerOf(shard, sink.intake, { firstMs: 5000, maxMs: 5000 });
    const iterator = await reader.open(undefined);
    // The second read fails: the first one gave records 1 and 2.
    const read = shard.source.read.bind(shard.source);
    let reads = 0;
    shard.source.read = async (...args) => {
      if (reads++ === 1) throw sourceError('expiredIterator', 'ExpiredIteratorException');
      return read(...args);
    };
    const started = Date.now();
    await reader.run(iterator);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(shard.calls.filter((c) => c.op === 'getIterator').map((c) => c.op === 'getIterator' && c.position)).toEqual([
      { type: 'TRIM_HORIZON' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(2) },
    ]);
    expect(sink.pages.flatMap(nsOf)).toEqual([1, 2, 3, 4, 5]);
    expect(reports).toEqual([]);
    expect(messages).toEqual([expect.stringMatching(/ExpiredIteratorException.*; getting a new iterator after the last record read$/)]);
  });

  it('renews an iterator that expired before anything was read from the stored checkpoint', async () => {
    const shard = scriptedShard(records(4));
    shard.failNext('read', sourceError('expiredIterator', 'ExpiredIteratorException'));
    const sink = recordingIntake();
    const { reader } = readerOf(shard, sink.intake, { stored: seq(2) });
    await reader.run('it-0');
    expect(shard.calls[1]).toMatchObject({ op: 'getIterator', position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(2) } });
    expect(sink.pages.flatMap(nsOf)).toEqual([3, 4]);
  });

  it('resumes at TRIM_HORIZON when the position is behind the trim horizon', async () => {
    const shard = scriptedShard(records(3));
    shard.failNext('read', sourceError('trimmed', 'TrimmedDataAccessException'));
    const sink = recordingIntake();
    const { reader, messages } = readerOf(shard, sink.intake);
    await reader.run(await reader.open(seq(1)));
    expect(shard.calls.filter((c) => c.op === 'getIterator').map((c) => c.op === 'getIterator' && c.position.type)).toEqual(['AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON']);
    expect(sink.pages.flatMap(nsOf)).toEqual([1, 2, 3]);
    expect(messages).toEqual([expect.stringMatching(/TrimmedDataAccessException.*; resuming the shard at TRIM_HORIZON$/)]);
  });

  it('retries GetShardIterator with backoff until it answers', async () => {
    const shard = scriptedShard(records(1));
    shard.failNext('getIterator', sourceError('network', 'ECONNREFUSED', 'GetShardIterator'), sourceError('network', 'ECONNREFUSED', 'GetShardIterator'));
    const sink = recordingIntake();
    const { reader, messages } = readerOf(shard, sink.intake, { firstMs: 20, maxMs: 40 });
    expect(await reader.open(undefined)).toBe('it-0');
    const at = shard.calls.map((c) => c.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(18);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(38);
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message).toMatch(/^GetShardIterator failed for mapping m-1: ECONNREFUSED: .*; backing off$/);
  });

  it('says when the shard is caught up and waits the idle interval before the next read; not while it is behind', async () => {
    const shard = scriptedShard([], { closed: false, idlePollIntervalMs: 200, behind: (i) => (i === 0 ? 500 : 0) });
    const sink = recordingIntake();
    const { reader, stopping } = readerOf(shard, sink.intake);
    const running = reader.run(await reader.open(undefined));
    await new Promise((resolve) => setTimeout(resolve, 450));
    stopping.abort();
    await running;
    const reads = shard.reads();
    // Read 0 was behind: read 1 followed at once; from read 1 on the shard is caught up.
    expect(reads[1]!.at - reads[0]!.at).toBeLessThan(150);
    expect(reads[2]!.at - reads[1]!.at).toBeGreaterThanOrEqual(198);
    expect(sink.caughtUp.length).toBe(reads.length - 1);
    expect(sink.caughtUp[0]).toBe(reads[1]!.at);
    expect(sink.closed()).toBe(true);
  });

  it('stops reading at once when stopped, even while backing off', async () => {
    const shard = scriptedShard(records(1));
    shard.failNext('read', sourceError('throttled', 'LimitExceededException'));
    const sink = recordingIntake();
    const { reader, stopping } = readerOf(shard, sink.intake, { firstMs: 60_000, maxMs: 60_000 });
    const running = reader.run(await reader.open(undefined));
    await new Promise((resolve) => setTimeout(resolve, 20));
    stopping.abort();
    await running;
    expect(shard.reads()).toHaveLength(1);
    expect(sink.pages).toEqual([]);
    expect(sink.closed()).toBe(true);
  });
});
