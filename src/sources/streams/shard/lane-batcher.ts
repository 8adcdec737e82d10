/**
 * The lanes of one shard and the batches cut from them (streams.md §5, §7, §8). What the
 * reader reads comes in as a ShardIntake: each record is filtered (a rejected one is done at
 * once, §5) and goes to its lane by partition key (ParallelizationFactor, §7), in order. A
 * lane's next batch closes at BatchSize, at 6 MB of payload (the record that would cross it
 * starts the next batch), when the batching window is over, or when no more records come.
 *
 * The records waiting in the lanes are the shard's buffer (§4 revised, shard-buffer.ts):
 * the reader reads at the service maximum while the buffer has room, whatever the batch
 * size, and batches are cut from it here.
 */
import type { CompiledFilter } from '../../../filtering/index.js';
import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES } from '../../../pipeline/payload-limit.js';
import type { SavedBatch } from '../checkpoints/batch-progress.js';
import { compareSequenceNumbers } from '../checkpoints/sequence-numbers.js';
import type { ShardProgress } from '../checkpoints/shard-progress.js';
import type { StreamEventRecord, StreamRecord } from '../stream-source.js';
import type { ShardWindows } from '../windows/shard-windows.js';
import { MAX_WINDOW_STATE_BYTES } from '../windows/tumbling-window.js';
import { laneOf } from './lanes.js';
import type { ShardBuffer } from './shard-buffer.js';
import type { ShardMetrics } from './shard-metrics.js';
import type { ShardIntake } from './shard-reader.js';
import { Wakeup } from './wakeup.js';


interface WaitingRecord {
  record: StreamRecord;
  /** When it was read: a batching window opens with its first record (§8). */
  readAt: number;
}

export interface Lane {
  index: number;
  /** Kept records read for this lane and not yet in a batch, in order. */
  waiting: WaitingRecord[];
  /** Payload bytes of `waiting` (records plus separators). */
  waitingBytes: number;
  /** When the lane's last batch ended: a window never opens before (§8). */
  lastEndedAt: number;
  /** A batch saved by an earlier holder of the lease, run before anything else. */
  resumed?: SavedBatch;
  /** The first record of the resumed batch: the lane's records before it are done. */
  doneBefore?: string;
}

/** What of the shard's tumbling window (§15) the batcher asks: batches never span two windows, final invocations. */
export type BatcherWindows = Pick<ShardWindows, 'windowOf' | 'sameWindow' | 'finalDue' | 'finalInvoke'>;

export interface LaneBatcherOptions {
  batchSize: number;
  windowSeconds: number;
  parallelizationFactor: number;
  filter?: CompiledFilter;
  /** What the filter sees of a record (the adapter's filter view). */
  filterView: (event: StreamEventRecord) => unknown;
  /** Records read, kept or not: the batcher adds them, the batch runner marks them done. */
  progress: ShardProgress;
  /** Writes the checkpoint once records filtered out may have moved it (§5). */
  flushCheckpoint: () => Promise<void>;
  metrics: Pick<ShardMetrics, 'filteredOut'>;
  windows?: BatcherWindows;
  /** The shard's read-ahead buffer (§4): the waiting records are counted in it. */
  buffer: ShardBuffer;
  /** Aborted on any stop: waits end, no batch is cut. */
  stopping: AbortSignal;
}

export class LaneBatcher implements ShardIntake {
  readonly lanes: Lane[];
  private readonly wakeup: Wakeup;
  private readonly pendingLimit: number;
  /** Payload bytes around a batch's records: the envelope, and with a tumbling window its state (at most 1 MB). */
  private readonly envelopeBytes: number;
  /** The reader has stopped: no more records will reach the lanes. */
  private readingOver = false;
  /** Sequence numbers of resumed batches: the reader meets them again and leaves them to their batch. */
  private readonly resumedSequences = new Set<string>();
  /** When the last read that came back empty started: the shard was caught up then (§15 final invocations). */
  private caughtUpAt?: number;

  constructor(private readonly options: LaneBatcherOptions) {
    const lanes = Math.max(1, options.parallelizationFactor);
    this.lanes = Array.from({ length: lanes }, (_, index) => ({ index, waiting: [], waitingBytes: 0, lastEndedAt: 0 }));
    // Records read and not done (sequence numbers only, a few dozen bytes each) may exceed
    // the buffer when filtered-out records sit behind a blocked lane, which cannot move the
    // checkpoint: bounded at twice the read-ahead (the buffer plus one read past it) and the
    // batches in flight (chosen), so a blocked lane cannot make the shard read forever.
    this.pendingLimit = 2 * options.buffer.limits.records + lanes * options.batchSize;
    this.wakeup = new Wakeup(options.stopping);
    // A window event also carries the state, window and shard fields; 1 KiB covers the latter (chosen bound).
    this.envelopeBytes = PAYLOAD_ENVELOPE_BYTES + (options.windows ? MAX_WINDOW_STATE_BYTES + 1024 : 0);
  }

  /** Records read and waiting in the lanes, not yet in a batch (the shards view's `Buffered`). */
  get bufferedRecords(): number {
    return this.options.buffer.records;
  }

  /** A batch saved mid-retry by an earlier holder of the lease: its lane runs it first (`takeResumed`). */
  resume(batch: SavedBatch): void {
    const lane = this.lanes[batch.lane]!;
    lane.resumed = batch;
    lane.doneBefore = batch.records[0]!.sequenceNumber;
    for (const record of batch.records) this.resumedSequences.add(record.sequenceNumber);
  }

  takeResumed(lane: Lane): SavedBatch | undefined {
    const resumed = lane.resumed;
    lane.resumed = undefined;
    return resumed;
  }

  /** The lane's batch has ended (its next batching window opens no earlier, §8). */
  batchEnded(lane: Lane): void {
    lane.lastEndedAt = Date.now();
  }

  /**
   * Whether the reader may read (§4): the buffer within its bounds and the process within
   * its cap, and not too many records read and not done (pendingLimit). With several lanes
   * the reader goes on while the buffer has room even if one lane is blocked by retries: it
   * must not starve the others (§7).
   */
  hasRoom(): boolean {
    return this.options.progress.pending < this.pendingLimit && this.options.buffer.hasRoom();
  }

  /** The process cap frees when any shard's buffer drains; the shard's own room when its lanes take a batch. */
  roomMayHaveOpened(): Promise<void> {
    const { buffer, stopping } = this.options;
    return buffer.processFull() ? Promise.race([this.wakeup.wait(), buffer.processRoom(stopping)]) : this.wakeup.wait();
  }

  /** The shard's processor has ended (lease gone, stopped, shard done): its buffer no longer counts toward the process cap. */
  dispose(): void {
    for (const lane of this.lanes) {
      lane.waiting = [];
      lane.waitingBytes = 0;
    }
    this.options.buffer.drop();
  }

  async put(records: StreamRecord[]): Promise<void> {
    let filteredOut = 0;
    for (const record of records) if (!this.accept(record)) filteredOut++;
    this.options.metrics.filteredOut(filteredOut);
    if (records.length > 0) this.wakeup.notify();
    await this.options.flushCheckpoint(); // records filtered out may have moved it (§5)
  }

  caughtUp(readStartedAt: number): void {
    this.caughtUpAt = readStartedAt;
    if (this.options.windows) this.wakeup.notify(); // a window's final invocation may be due
  }

  close(): void {
    this.readingOver = true;
    this.wakeup.notify();
  }

  /** A record read: to its lane, or (filtered out: false) done at once (§5). */
  private accept(record: StreamRecord): boolean {
    const { progress, filter } = this.options;
    if (this.resumedSequences.delete(record.sequenceNumber)) {
      progress.add(record.sequenceNumber, false);
      return true;
    }
    const rejected = filter !== undefined && !filter.acceptsAll && !filter.matches(this.options.filterView(record.event));
    const lane = this.lanes[laneOf(record.partitionKey, this.lanes.length)]!;
    // Records of a resumed lane before its saved batch were done by the earlier holder (one
    // batch in flight per lane): invoking them again after the batch would break key order.
    const doneEarlier = lane.doneBefore !== undefined && compareSequenceNumbers(record.sequenceNumber, lane.doneBefore) < 0;
    progress.add(record.sequenceNumber, rejected || doneEarlier);
    if (rejected) return false;
    if (doneEarlier) return true;
    lane.waiting.push({ record, readAt: Date.now() });
    lane.waitingBytes += record.sizeBytes + 1;
    this.options.buffer.added(record.sizeBytes + 1);
    return true;
  }

  /**
   * Waits until the lane's batch closes (§8): BatchSize or 6 MB reached, the window over
   * (window 0: as soon as a record is ready), or no more records coming. Undefined when the
   * lane has nothing left to do. An idle lane of a tumbling-window shard runs the window's
   * final invocation when it is due (§15).
   */
  async nextBatch(lane: Lane): Promise<StreamRecord[] | undefined> {
    const { windows, stopping } = this.options;
    const windowMs = this.options.windowSeconds * 1000;
    while (!stopping.aborted) {
      const first = lane.waiting[0];
      if (!first) {
        if (this.readingOver) return undefined;
        const final = windows?.finalDue(Date.now(), this.caughtUpAt);
        if (final?.due) {
          if (!(await windows!.finalInvoke())) return undefined;
          continue;
        }
        await this.wakeup.wait(final?.recheckInMs);
        continue;
      }
      const closesAt = Math.max(first.readAt, lane.lastEndedAt) + windowMs;
      if (windowMs === 0 || this.laneFull(lane) || this.readingOver || Date.now() >= closesAt) return this.takeBatch(lane);
      await this.wakeup.wait(closesAt - Date.now());
    }
    return undefined;
  }

  private laneFull(lane: Lane): boolean {
    return lane.waiting.length >= this.options.batchSize || this.envelopeBytes + lane.waitingBytes > MAX_PAYLOAD_BYTES;
  }

  /** Takes the lane's next batch from its waiting records: up to BatchSize, within 6 MB (a larger record alone). */
  private takeBatch(lane: Lane): StreamRecord[] {
    const { windows, batchSize } = this.options;
    const records: StreamRecord[] = [];
    let bytes = this.envelopeBytes;
    const window = windows && lane.waiting[0] ? windows.windowOf(lane.waiting[0].record) : undefined;
    while (lane.waiting.length > 0 && records.length < batchSize) {
      const next = lane.waiting[0]!.record;
      // A batch never holds records of two windows (§15).
      if (window && !windows!.sameWindow(window, windows!.windowOf(next))) break;
      const size = next.sizeBytes + (records.length > 0 ? 1 : 0);
      if (records.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
      lane.waiting.shift();
      lane.waitingBytes -= next.sizeBytes + 1;
      this.options.buffer.removed(next.sizeBytes + 1);
      records.push(next);
      bytes += size;
    }
    this.wakeup.notify(); // the reader may have room again
    return records;
  }
}
