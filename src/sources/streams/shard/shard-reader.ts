/**
 * The reader of one shard (streams.md §4): gets the iterator, calls GetRecords in order until
 * the shard ends or the processor stops, and hands every page read to a ShardIntake. It
 * reacts to failed reads: throttling and network errors back off (1 s doubling to 10 s,
 * aws/backoff.ts) and show in LastProcessingResult; an expired iterator is replaced from the
 * last record read; a position behind the trim horizon resumes at TRIM_HORIZON. The shard
 * has ended when a read (or GetShardIterator) gives no next iterator.
 *
 * The reader knows nothing of lanes, batches or checkpoints. Every read asks for the
 * service maximum (§4 revised: Limit 10000 Kinesis, 1000 DynamoDB), whenever the intake's
 * buffer has room (ShardIntake.hasRoom). Pacing (§4): after a read that came back empty and
 * not behind, the next waits `idlePollMs`; and two reads of the shard are never closer than
 * `minReadIntervalMs` (start to start), backlog or not.
 *
 * Why no p-queue for reads (issue #12 asked): a shard has one iterator, single-use, so its
 * reads are sequential by construction and a process holds one read in flight per shard it
 * leases. A process-wide concurrency bound would make shards wait on one another, raising
 * the iterator age of healthy shards behind a slow one, and AWS's read limits are per shard
 * (5 GetRecords/s), not per process. What §4 bounds per process is buffered bytes, which a
 * queue of calls cannot express; a read in flight counts against them (`readBudget`,
 * BufferAccountant.reserveRead), so shards wait on one another only when memory is short. The per-shard `minReadIntervalMs` is one timestamp here:
 * a p-queue per shard for it would hold one task at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, type BackoffPolicy } from '../../../aws/backoff.js';
import { sourceErrorCode, warnSourceCallFailed, type SourceWarningContext } from '../../source-warnings.js';
import { StreamSourceError } from '../stream-errors.js';
import type { IteratorPosition, StreamRecord, StreamSource } from '../stream-source.js';
import type { ShardMetrics } from './shard-metrics.js';
import { READ_RESERVATION_BYTES, type ReleaseRead } from './buffer-accountant.js';

/** Failed reads and GetShardIterator calls: 1 s doubling to 10 s (streams.md §4). */
export const READ_BACKOFF: BackoffPolicy = { firstMs: 1000, maxMs: 10_000 };

/** Where the reader puts what it reads, and what tells it whether it may read. */
export interface ShardIntake {
  /** Whether the shard's buffer (and the process's) has room for another read; false: the reader waits for `roomMayHaveOpened`. */
  hasRoom(): boolean;
  /** Resolves when room may have opened (or the processor stops); the reader asks again. */
  roomMayHaveOpened(): Promise<void>;
  /**
   * The records of one read, in sequence order; called after every read, empty ones too
   * (the intake may have a checkpoint to move then).
   */
  put(records: StreamRecord[]): Promise<void>;
  /** A read that started at `readStartedAt` came back empty and not behind: the shard is caught up. */
  caughtUp(readStartedAt: number): void;
  /** No more records will come: the shard ended, or the reader stopped. */
  close(): void;
}

export interface ShardReaderOptions {
  shardId: string;
  source: StreamSource;
  intake: ShardIntake;
  /** The checkpoint as stored: where an expired iterator resumes when nothing was read yet. */
  storedCheckpoint: () => Promise<string | undefined>;
  /** Where to start when the shard has no checkpoint (streams.md §3). */
  start: IteratorPosition | undefined;
  metrics: Pick<ShardMetrics, 'polled' | 'sourceError' | 'sourceRequest'>;
  warnings: SourceWarningContext;
  /** LastProcessingResult of a read problem, and `null` once reads work again. */
  report: (result: { readError: string | null }) => Promise<void>;
  /** Aborted on any stop: the reader ends, its waits are cut short. */
  stopping: AbortSignal;
  /** `streams.idlePollMs` and `streams.minReadIntervalMs`, resolved for the source (§4). */
  pacing: ReadPacing;
  /**
   * The process's budget for reads in flight (BufferAccountant.reserveRead): each read
   * reserves READ_RESERVATION_BYTES of its source until its records are in the buffer.
   * Absent: reads are not counted (tests of one shard).
   */
  readBudget?: { reserveRead(bytes: number, signal: AbortSignal): Promise<ReleaseRead> };
  /** Default READ_BACKOFF; tests pass shorter delays. */
  backoff?: BackoffPolicy;
  /** Default: Date.now and timers; tests pass a fake clock. */
  clock?: ReaderClock;
}

export interface ReadPacing {
  /** Wait after a read that returned no records and was not behind (§4). */
  idlePollMs: number;
  /** Least time between the starts of two reads of the shard (§4). */
  minReadIntervalMs: number;
}

export interface ReaderClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: ReaderClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

export class ShardReader {
  /** Last sequence number read (kept or filtered): where a new iterator resumes. */
  private lastRead?: string;
  /** LastProcessingResult shows a read error: the next good read clears it. */
  private showingReadError = false;
  private readonly policy: BackoffPolicy;
  private readonly clock: ReaderClock;
  /** No read starts before this (the minimum interval, the idle wait). */
  private nextReadAt = -Infinity;

  constructor(private readonly options: ShardReaderOptions) {
    this.policy = options.backoff ?? READ_BACKOFF;
    this.clock = options.clock ?? realClock;
  }

  /** The first iterator: after the checkpoint, else at the start position; undefined: nothing to read. */
  async open(checkpoint: string | undefined): Promise<string | undefined> {
    const position: IteratorPosition | undefined =
      checkpoint !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : this.options.start;
    return position ? this.iteratorAt(position) : undefined;
  }

  /** Reads from `firstIterator` until the shard ends or the processor stops; always closes the intake. */
  async run(firstIterator: string | undefined): Promise<void> {
    const { source, intake, shardId, stopping, pacing } = this.options;
    let iterator = firstIterator;
    const backoff = new Backoff(this.policy);
    try {
      while (!stopping.aborted && iterator !== undefined) {
        if (!intake.hasRoom()) {
          await intake.roomMayHaveOpened();
          continue;
        }
        const wait = this.nextReadAt - this.clock.now();
        if (wait > 0) {
          await this.pause(wait);
          continue; // the room is asked again: other shards may have filled the process's cap meanwhile
        }
        const release = await this.reserveRead();
        if (stopping.aborted || !intake.hasRoom()) {
          // Stopped, or the buffers filled while this read waited for its turn: asked again.
          release();
          continue;
        }
        let result;
        const readStartedAt = this.clock.now();
        this.nextReadAt = readStartedAt + pacing.minReadIntervalMs;
        try {
          this.options.metrics.sourceRequest('GetRecords');
          result = await source.read(shardId, iterator, source.traits.maxRecordsPerRead);
          if (backoff.failuresInARow > 0 || this.showingReadError) await this.clearReadError();
          backoff.reset();
        } catch (error) {
          release(); // not held through the backoff
          const renewed = await this.recover(error, backoff);
          if (renewed !== undefined) iterator = renewed;
          continue;
        }
        iterator = result.nextIterator;
        this.options.metrics.polled(result.records.length);
        const last = result.records.at(-1);
        if (last) this.lastRead = last.sequenceNumber;
        try {
          await intake.put(result.records);
        } finally {
          // The records are the buffer's now (counted as held), or the put failed.
          release();
        }
        const idle = result.records.length === 0 && !((result.millisBehindLatest ?? 0) > 0);
        if (idle) {
          intake.caughtUp(readStartedAt);
          this.nextReadAt = Math.max(this.nextReadAt, this.clock.now() + pacing.idlePollMs);
        }
      }
    } finally {
      intake.close();
    }
  }

  /** Waits until the process's read budget has room for one more read of this source. */
  private reserveRead(): Promise<ReleaseRead> {
    const { readBudget, source, stopping } = this.options;
    return readBudget ? readBudget.reserveRead(READ_RESERVATION_BYTES[source.traits.type], stopping) : Promise.resolve(() => undefined);
  }

  /** Reacts to a failed GetRecords (streams.md §4); returns a new iterator when it got one. */
  private async recover(error: unknown, backoff: Backoff): Promise<string | undefined> {
    const { metrics } = this.options;
    const kind = error instanceof StreamSourceError ? error.kind : 'other';
    metrics.sourceError(error instanceof StreamSourceError ? { name: error.code } : error);
    const cause = error instanceof StreamSourceError ? error.code : sourceErrorCode(error);
    if (kind === 'expiredIterator' || kind === 'invalidIterator') {
      this.warn({ operation: 'GetRecords', cause, error, next: 'getting a new iterator after the last record read' });
      const after = this.lastRead ?? (await this.options.storedCheckpoint());
      const position: IteratorPosition | undefined =
        after !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after } : this.options.start;
      return position ? this.iteratorAt(position) : undefined;
    }
    if (kind === 'trimmed' || kind === 'positionNotFound') {
      // Behind the trim horizon: records lost to retention are not reported (AWS).
      this.warn({ operation: 'GetRecords', cause, error, next: 'resuming the shard at TRIM_HORIZON' });
      return this.iteratorAt({ type: 'TRIM_HORIZON' });
    }
    const delay = backoff.fail();
    this.warn({ operation: 'GetRecords', cause, error, next: 'backing off' });
    await this.options.report({ readError: `PROBLEM: Error reading from event source: ${cause}` }).catch(() => undefined);
    this.showingReadError = true;
    await this.pause(delay);
    return undefined;
  }

  /** GetShardIterator, backing off on errors until it answers or the processor stops. */
  private async iteratorAt(position: IteratorPosition): Promise<string | undefined> {
    const { source, shardId, stopping } = this.options;
    const backoff = new Backoff(this.policy);
    while (!stopping.aborted) {
      try {
        this.options.metrics.sourceRequest('GetShardIterator');
        return await source.getIterator(shardId, position);
      } catch (error) {
        const delay = backoff.fail();
        const failed = error instanceof StreamSourceError ? { operation: error.operation, cause: error.code } : { operation: 'GetShardIterator', cause: sourceErrorCode(error) };
        this.warn({ ...failed, error, next: 'backing off' });
        await this.pause(delay);
      }
    }
    return undefined;
  }

  private async clearReadError(): Promise<void> {
    this.showingReadError = false;
    await this.options.report({ readError: null }).catch(() => undefined);
  }

  private warn(failure: Parameters<typeof warnSourceCallFailed>[1]): void {
    warnSourceCallFailed(this.options.warnings, failure);
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.options.stopping.aborted) return;
    await this.clock.sleep(ms, this.options.stopping);
  }
}
