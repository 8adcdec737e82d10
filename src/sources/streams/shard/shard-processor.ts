/**
 * One shard of one stream mapping, in the process holding its lease (streams.md §4–§8).
 *
 * A reader loop reads the shard in order, filters each record and hands the kept ones to
 * their lane (ParallelizationFactor, §7; one lane by default). Each lane loop builds its
 * batches (BatchSize, window, 6 MB), invokes them through the batch pipeline with one
 * batch in flight per lane, and runs the failure policy (§10–§13) until the batch ends.
 * The reader reads ahead while lanes invoke, at most one batch per lane waiting behind the
 * batch in flight (§4). ShardProgress turns records done in any lane (and filtered-out
 * ones) into the fenced checkpoint (§5); the shard's end is checkpointed as SHARD_END,
 * which releases its children. A batch that did not end with its first invocation is
 * saved (batch-progress.ts) so the next holder of the lease resumes its retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledFilter } from '../../../filtering/index.js';
import type { Logger } from '../../../observability/logger.js';
import { FUNCTION_NOT_CONFIGURED, type BatchJobData, type BatchJobResult, type JobFence } from '../../../pipeline/index.js';
import type { InvocationOutcome } from '../../../targets/index.js';
import type { BatchProgress, SavedBatch } from '../checkpoints/batch-progress.js';
import type { Checkpoints } from '../checkpoints/checkpoints.js';
import { laneOf } from './lanes.js';
import { LeaseLostError } from '../leases/lease-lost-error.js';
import { ShardWindows } from '../windows/shard-windows.js';
import { MAX_WINDOW_STATE_BYTES } from '../windows/tumbling-window.js';
import type { WindowStates } from '../windows/window-states.js';
import type { ShardMetrics } from './shard-metrics.js';
import { ShardProgress } from '../checkpoints/shard-progress.js';
import { Wakeup } from './wakeup.js';
import { compareSequenceNumbers, SHARD_END } from '../checkpoints/sequence-numbers.js';
import type { Lease } from '../leases/shard-leases.js';
import { StreamSourceError } from '../stream-errors.js';
import type { IteratorPosition, StreamRecord, StreamSource } from '../stream-source.js';
import {
  createBatchState,
  hasEnded,
  runStreamBatch,
  settledUpTo,
  type StreamBatchConfig,
  type StreamBatchState,
} from '../policy/index.js';
import type { OnFailureDestinations } from '../../../destinations/index.js';
import { sendDiscard, type ShardDiscardsContext } from '../policy/shard-discards.js';
import { payloadOf } from '../stream-record.js';
import { RateLimitedWarnings } from '../../../observability/rate-limited-warnings.js';
import { sourceErrorCode, warnSourceCallFailed, type SourceCallFailure, type SourceWarningContext } from '../../source-warnings.js';
import { recordInvocationAttempt } from '../../invocation-attempts.js';
import { batchResponseReading } from '../policy/response-reading.js';

import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES as ENVELOPE_BYTES } from '../../../pipeline/payload-limit.js';
const FIRST_BACKOFF_MS = 1000;
const MAX_READ_BACKOFF_MS = 10_000;
/**
 * Records read but not done that the reader may hold, beyond the per-lane bound: filtered-out
 * records behind a blocked lane would otherwise pile up without limit (chosen).
 */
const MIN_PENDING_LIMIT = 10_000;
/** Bytes of records waiting in the lanes of a shard beyond which the reader pauses (chosen). */
const WAITING_BYTES_LIMIT = 64 * 1024 * 1024;

export interface ShardProcessorSettings {
  mappingId: string;
  functionArn: string;
  shardId: string;
  batchSize: number;
  windowSeconds: number;
  filter?: CompiledFilter;
  /** Where to start when the shard has no checkpoint (streams.md §3); undefined: nothing to read. */
  start: IteratorPosition | undefined;
  policy: StreamBatchConfig;
  /** DestinationConfig.OnFailure.Destination, when set. */
  destination?: string;
  /** Lanes per shard (§7). */
  parallelizationFactor: number;
  /** TumblingWindowInSeconds (§15); 0 = no tumbling window. */
  tumblingWindowSeconds: number;
  /** What the mapping's settings were when a batch was saved: a saved batch of other settings is read again afresh. */
  settingsFingerprint: string;
}

export interface ShardProcessorDependencies {
  source: StreamSource;
  checkpoints: Checkpoints;
  /** Where retrying batches are saved. */
  batches: BatchProgress;
  /** Where tumbling windows are saved with their checkpoint. */
  windowStates: WindowStates;
  /** Counts for /metrics (metrics.md), bound to this shard. */
  metrics: ShardMetrics;
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  report: (result: { invocation?: string; readError?: string | null }) => Promise<void>;
  /** Sends discarded records to on-failure destinations. */
  destinations?: OnFailureDestinations;
  /** The lease moved: the shard stops at once, without another checkpoint. */
  onLeaseLost: (shardId: string) => void;
  /** Whether the lease is still this processor's (asked before each invocation). */
  leaseHeld: (lease: Lease) => Promise<boolean>;
  /** The fence its batch jobs carry: a worker refuses one whose lease moved meanwhile (ShardLeases.fence). */
  fence: (lease: Lease) => JobFence;
  /** The shard was read to its end and checkpointed SHARD_END. */
  onShardEnd: (shardId: string) => void;
  logger: Logger;
  /** Where failed calls are warned about, rate-limited (shared by the mapping's shards); default: the shard's own. */
  warnings?: SourceWarningContext;
}


interface WaitingRecord {
  record: StreamRecord;
  /** When it was read: a batching window opens with its first record (§8). */
  readAt: number;
}

interface Lane {
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

export class ShardProcessor {
  private running = true;
  /** Aborted when the lease is lost: nothing more may be written. */
  private readonly stopController = new AbortController();
  /** Any stop: no further retry of a failing batch starts. */
  private readonly retryStop = new AbortController();
  /** Aborted on any stop: cuts short idle waits and retry delays. */
  private readonly stopping = new AbortController();
  private readonly wakeup = new Wakeup(this.stopping.signal);
  private readonly progress = new ShardProgress();
  private readonly lanes: Lane[];
  private readonly pendingLimit: number;
  private loop?: Promise<void>;
  /** The reader has stopped: no more records will reach the lanes. */
  private readingOver = false;
  /** Sequence numbers of resumed batches: the reader meets them again and leaves them to their batch. */
  private readonly resumedSequences = new Set<string>();
  /** Last sequence number read (kept or filtered): where a new iterator resumes. */
  private lastRead?: string;
  private lastReport?: string;
  private checkpointChain: Promise<void> = Promise.resolve();
  private failure?: unknown;
  /** The tumbling window of the shard, when the mapping has one (§15). */
  private readonly windows?: ShardWindows;
  /** Payload bytes around a batch's records: the envelope, and with a tumbling window its state (at most 1 MB). */
  private readonly envelopeBytes: number;
  /** When the last read that came back empty started: the shard was caught up then (§15 final invocations). */
  private caughtUpAt?: number;
  /** Where discarded records go (§14). */
  private readonly discards: ShardDiscardsContext;
  private readonly warnings: SourceWarningContext;

  constructor(
    readonly settings: ShardProcessorSettings,
    private lease: Lease,
    private readonly deps: ShardProcessorDependencies,
  ) {
    const lanes = Math.max(1, settings.parallelizationFactor);
    this.lanes = Array.from({ length: lanes }, (_, index) => ({ index, waiting: [], waitingBytes: 0, lastEndedAt: 0 }));
    this.pendingLimit = Math.max(MIN_PENDING_LIMIT, 4 * lanes * settings.batchSize);
    this.warnings = deps.warnings ?? {
      warnings: new RateLimitedWarnings(deps.logger),
      logger: deps.logger,
      mappingId: settings.mappingId,
      functionArn: settings.functionArn,
    };
    this.discards = {
      ...settings,
      source: deps.source,
      metrics: deps.metrics,
      logger: deps.logger,
      warnings: this.warnings,
      report: deps.report,
      ...(deps.destinations ? { destinations: deps.destinations } : {}),
    };
    if (settings.tumblingWindowSeconds > 0) {
      this.windows = new ShardWindows({
        mappingId: settings.mappingId,
        functionArn: settings.functionArn,
        shardId: settings.shardId,
        streamArn: deps.source.streamArn,
        source: deps.source.traits.type,
        windowSeconds: settings.tumblingWindowSeconds,
        maximumRetryAttempts: settings.policy.maximumRetryAttempts,
        states: deps.windowStates,
        submit: (data) => this.submit(data),
        recordAttempt: (judged) => recordInvocationAttempt(deps.metrics, this.warnings, judged),
        lease: () => this.lease,
        stopping: this.stopping.signal,
        logger: deps.logger,
      });
    }
    // A window event also carries the state, window and shard fields; 1 KiB covers the latter (chosen bound).
    this.envelopeBytes = ENVELOPE_BYTES + (this.windows ? MAX_WINDOW_STATE_BYTES + 1024 : 0);
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      if (error instanceof LeaseLostError) {
        this.deps.onLeaseLost(this.settings.shardId);
        return;
      }
      if (!this.running && this.failure === undefined) return;
      this.deps.logger.error({ err: error }, 'shard processor failed');
      this.deps.onLeaseLost(this.settings.shardId);
    });
  }

  /** The balancer took the lease again (new token): keep going under it. */
  updateLease(lease: Lease): void {
    this.lease = lease;
  }

  /**
   * Stops reading; invocations in flight end first and their outcome is applied (their
   * checkpoint is written), but no retry starts: records still pending stay behind the
   * checkpoint and are read again by the next poller (streams.md §17). With `abandon`, used
   * when the lease is gone, nothing more is written.
   */
  async stop(abandon = false): Promise<void> {
    this.running = false;
    if (abandon) this.stopController.abort();
    this.stopping.abort();
    this.retryStop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { source, checkpoints } = this.deps;
    const { shardId } = this.settings;
    const checkpoint = await checkpoints.get(this.settings.mappingId, shardId);
    if (checkpoint === SHARD_END) return this.deps.onShardEnd(shardId);
    await this.windows?.load();
    await this.resumeSavedBatches(checkpoint);
    const position: IteratorPosition | undefined =
      checkpoint !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : this.settings.start;
    const iterator = position ? await this.withRetries(() => source.getIterator(shardId, position)) : undefined;

    // The reader and the lanes run side by side; the first failure (a lost lease, say) stops them all.
    await Promise.all([this.read(iterator), ...this.lanes.map((lane) => this.runLane(lane))].map((loop) => loop.catch((error: unknown) => this.fail(error))));
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a loop threw, unchanged (a LeaseLostError, an SDK error)
    if (this.failure !== undefined) throw this.failure;
    if (!this.running) return;
    await this.flushCheckpoint();
    if (this.progress.pending > 0) throw new Error(`shard ended with ${this.progress.pending} records not done`);
    // The open window's final invocation closes it and ends the shard in one step (§15).
    if (this.windows) {
      if (!(await this.windows.finalInvoke(SHARD_END))) return;
    } else await this.writeCheckpoint(SHARD_END);
    this.deps.logger.info('shard read to its end');
    this.deps.onShardEnd(shardId);
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.running = false;
    if (error instanceof LeaseLostError) this.stopController.abort();
    this.stopping.abort();
    this.retryStop.abort();
  }

  /**
   * Batches an earlier holder of the lease saved mid-retry: each lane runs its own first,
   * with its attempts so far. Saved batches of other settings or already behind the
   * checkpoint are dropped: their records are read (again) like any others.
   */
  private async resumeSavedBatches(checkpoint: string | undefined): Promise<void> {
    const saved = await this.deps.batches.load(this.settings.mappingId, this.settings.shardId);
    for (const batch of saved) {
      const last = batch.records.at(-1);
      const current =
        batch.settings === this.settings.settingsFingerprint &&
        batch.lane < this.lanes.length &&
        last !== undefined &&
        (checkpoint === undefined || compareSequenceNumbers(last.sequenceNumber, checkpoint) > 0);
      if (!current) {
        await this.deps.batches.remove(this.lease, batch.lane);
        continue;
      }
      this.lanes[batch.lane]!.resumed = batch;
      this.lanes[batch.lane]!.doneBefore = batch.records[0]!.sequenceNumber;
      for (const record of batch.records) this.resumedSequences.add(record.sequenceNumber);
      this.deps.logger.info({ lane: batch.lane, records: batch.records.length }, 'resuming a retrying batch');
    }
  }

  /** The reader loop: reads the shard until it ends or the processor stops. */
  private async read(firstIterator: string | undefined): Promise<void> {
    const { source } = this.deps;
    const { shardId } = this.settings;
    let iterator = firstIterator;
    let readBackoff = 0;
    try {
      while (this.running && iterator !== undefined) {
        const room = this.roomToRead();
        if (room <= 0) {
          await this.wakeup.wait();
          continue;
        }
        let result;
        const readStartedAt = Date.now();
        try {
          result = await source.read(shardId, iterator, Math.min(room, source.traits.maxRecordsPerRead));
          if (readBackoff > 0 || this.lastReport?.startsWith('PROBLEM: Error reading')) await this.clearReadError();
          readBackoff = 0;
        } catch (error) {
          const recovered = await this.recoverRead(error, readBackoff);
          readBackoff = recovered.backoff;
          if (recovered.iterator !== undefined) iterator = recovered.iterator;
          continue;
        }
        iterator = result.nextIterator;
        this.deps.metrics.polled(result.records.length);
        let filteredOut = 0;
        for (const record of result.records) if (!this.accept(record)) filteredOut++;
        this.deps.metrics.filteredOut(filteredOut);
        if (result.records.length > 0) this.wakeup.notify();
        await this.flushCheckpoint(); // records filtered out may have moved it (§5)
        const idle = result.records.length === 0 && !((result.millisBehindLatest ?? 0) > 0);
        if (idle) {
          this.caughtUpAt = readStartedAt;
          if (this.windows) this.wakeup.notify(); // a window's final invocation may be due
        }
        if (idle && iterator !== undefined) await this.pause(source.traits.idlePollIntervalMs);
      }
    } finally {
      this.readingOver = true;
      this.wakeup.notify();
    }
  }

  /**
   * How many records the next read may ask for (§4): the room left in the emptiest lane's
   * waiting batch. With one lane, the shard holds at most one batch behind the one in
   * flight (§4). With several, reading is still sequential, so the reader goes on while any
   * lane has room: a lane blocked by retries must not starve the others (§7), and records
   * of a full lane then wait beyond its one batch, up to `pendingLimit` records read and not
   * done in the shard and WAITING_BYTES_LIMIT bytes waiting (chosen).
   */
  private roomToRead(): number {
    if (this.progress.pending >= this.pendingLimit) return 0;
    if (this.lanes.reduce((bytes, lane) => bytes + lane.waitingBytes, 0) >= WAITING_BYTES_LIMIT) return 0;
    let room = 0;
    for (const lane of this.lanes) {
      if (!this.laneFull(lane)) room = Math.max(room, this.settings.batchSize - lane.waiting.length);
    }
    return room;
  }

  private laneFull(lane: Lane): boolean {
    return lane.waiting.length >= this.settings.batchSize || this.envelopeBytes + lane.waitingBytes > MAX_PAYLOAD_BYTES;
  }

  /** A record read: to its lane, or (filtered out: false) done at once (§5). */
  private accept(record: StreamRecord): boolean {
    this.lastRead = record.sequenceNumber;
    if (this.resumedSequences.delete(record.sequenceNumber)) {
      this.progress.add(record.sequenceNumber, false);
      return true;
    }
    const { filter } = this.settings;
    const rejected = filter !== undefined && !filter.acceptsAll && !filter.matches(this.deps.source.filterView(record.event));
    const lane = this.lanes[laneOf(record.partitionKey, this.lanes.length)]!;
    // Records of a resumed lane before its saved batch were done by the earlier holder (one
    // batch in flight per lane): invoking them again after the batch would break key order.
    const doneEarlier = lane.doneBefore !== undefined && compareSequenceNumbers(record.sequenceNumber, lane.doneBefore) < 0;
    this.progress.add(record.sequenceNumber, rejected || doneEarlier);
    if (rejected) return false;
    if (doneEarlier) return true;
    lane.waiting.push({ record, readAt: Date.now() });
    lane.waitingBytes += record.sizeBytes + 1;
    return true;
  }

  /** A lane loop: its saved batch first, then one batch after another until the reading is over. */
  private async runLane(lane: Lane): Promise<void> {
    if (lane.resumed) {
      const { records, state } = lane.resumed;
      lane.resumed = undefined;
      await this.invoke(lane, records, state);
      lane.lastEndedAt = Date.now();
    }
    while (this.running) {
      const batch = await this.nextBatch(lane);
      if (!batch) return;
      if (this.windows && !(await this.windows.beforeBatch(this.windows.windowOf(batch[0]!)))) return;
      await this.invoke(lane, batch);
      lane.lastEndedAt = Date.now();
    }
  }

  /**
   * Waits until the lane's batch closes (§8): BatchSize or 6 MB reached, the window over
   * (window 0: as soon as a record is ready), or no more records coming. Undefined when the
   * lane has nothing left to do.
   */
  private async nextBatch(lane: Lane): Promise<StreamRecord[] | undefined> {
    const windowMs = this.settings.windowSeconds * 1000;
    while (this.running) {
      const first = lane.waiting[0];
      if (!first) {
        if (this.readingOver) return undefined;
        const final = this.windows?.finalDue(Date.now(), this.caughtUpAt);
        if (final?.due) {
          if (!(await this.windows!.finalInvoke())) return undefined;
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

  /** Takes the lane's next batch from its waiting records: up to BatchSize, within 6 MB (a larger record alone). */
  private takeBatch(lane: Lane): StreamRecord[] {
    const records: StreamRecord[] = [];
    let bytes = this.envelopeBytes;
    const window = this.windows && lane.waiting[0] ? this.windows.windowOf(lane.waiting[0].record) : undefined;
    while (lane.waiting.length > 0 && records.length < this.settings.batchSize) {
      const next = lane.waiting[0]!.record;
      // A batch never holds records of two windows (§15).
      if (window && !this.windows!.sameWindow(window, this.windows!.windowOf(next))) break;
      const size = next.sizeBytes + (records.length > 0 ? 1 : 0);
      if (records.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
      lane.waiting.shift();
      lane.waitingBytes -= next.sizeBytes + 1;
      records.push(next);
      bytes += size;
    }
    this.wakeup.notify(); // the reader may have room again
    return records;
  }

  /**
   * Runs the batch through the failure policy (streams.md §10–§13: retries, partial
   * failures, bisect, record age, 6 MB) until it has ended, sends what it discarded to the
   * on-failure destination (§14), then marks its records done and moves the checkpoint.
   * Stopping mid-retry leaves the batch's records pending: the next holder reads them again
   * (at least once, §17).
   */
  private async invoke(lane: Lane, records: StreamRecord[], resumed?: StreamBatchState): Promise<void> {
    if (this.stopController.signal.aborted) throw new LeaseLostError();
    const { settings, deps } = this;
    let saved = resumed !== undefined;
    let doneUpTo = -1;
    /** The attempt in flight as the target answered it, recorded once the policy judged it. */
    let attempt: { received: InvocationOutcome; records: number; payloadBytes: number } | undefined;
    const result = await runStreamBatch({
      state: resumed ?? createBatchState(records.map((r) => ({ sequenceNumber: r.sequenceNumber, arrivalTime: r.arrivalTime, sizeBytes: r.sizeBytes })), Date.now()),
      config: settings.policy,
      signal: this.retryStop.signal,
      save: async (state) => {
        // Records before the lowest failed one of a partial failure are done (§11): the
        // checkpoint moves before the retry, unless a discard inside them still waits for
        // its on-failure delivery at the end of the batch.
        const upTo = settledUpTo(state);
        if (upTo !== undefined && state.discards.length === 0) {
          const end = records.findIndex((r) => r.sequenceNumber === upTo);
          if (end > doneUpTo) {
            this.progress.markDone(records.slice(doneUpTo + 1, end + 1).map((r) => r.sequenceNumber));
            doneUpTo = end;
            await this.flushCheckpoint();
          }
        }
        if (!hasEnded(state)) {
          // The records are stored with the first save only; later ones rewrite the progress.
          await this.saveBatch(lane, { settings: settings.settingsFingerprint, records, state }, !saved);
          saved = true;
        }
      },
      invoke: async (action) => {
        // A stolen lease is noticed at the next renewal; until then, invoke nothing more (§2).
        if (this.stopController.signal.aborted || !(await deps.leaseHeld(this.lease))) throw new LeaseLostError();
        deps.metrics.iteratorAge(Date.now() - records[action.indices.at(-1)!]!.arrivalTime);
        try {
          const payload = this.windows ? this.windows.payload(action.indices.map((i) => records[i]!)) : payloadOf(records, action.indices);
          const { outcome } = await this.submit({
            mappingId: settings.mappingId,
            source: deps.source.traits.type,
            functionArn: settings.functionArn,
            payload,
            recordCount: action.indices.length,
          });
          attempt = { received: outcome, records: action.indices.length, payloadBytes: Buffer.byteLength(payload) };
          return this.windows ? this.windows.policyOutcome(outcome) : outcome;
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          return { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 } satisfies InvocationOutcome;
        }
      },
      onAttempt: (report, outcome) => {
        if (attempt) recordInvocationAttempt(deps.metrics, this.warnings, { ...attempt, outcome: attempt.received, reading: batchResponseReading(report.result, attempt.received, outcome) });
        attempt = undefined;
        this.windows?.afterAttempt(report.result, outcome);
        // api.md §6.2's fixed strings, which clients and tests compare: why an attempt failed
        // is in its warning (pipeline/invoke-job.ts) and in sluice_invocation_errors_total{cause}.
        const notConfigured = outcome.kind === 'invocation-error' && outcome.errorCode === FUNCTION_NOT_CONFIGURED;
        void this.reportInvocation(notConfigured ? 'PROBLEM: Function not found' : report.result === 'success' ? 'OK' : 'PROBLEM: Function call failed');
      },
    });
    if (result.kind === 'stopped') {
      // A graceful stop reads the batch again afresh (batch-progress.ts); a lost lease leaves it to the next holder.
      if (saved && !this.stopController.signal.aborted) await this.saveBatch(lane);
      return;
    }
    for (const discard of result.discards) await sendDiscard(this.discards, discard, records);
    this.progress.markDone(records.slice(doneUpTo + 1).map((r) => r.sequenceNumber));
    await this.flushCheckpoint();
    if (saved) await this.saveBatch(lane);
  }

  /**
   * Submits a batch job fenced by the lease: a job that waited, or was run again after its
   * worker stalled, is refused once the lease has moved (pipeline/job-fence.ts), so it never
   * reaches the target after the next holder replayed it and moved on (§6). A refused job
   * means the lease is lost: the shard stops (LeaseLostError).
   */
  private async submit(data: BatchJobData): Promise<BatchJobResult> {
    const result = await this.deps.submit({ ...data, fence: this.deps.fence(this.lease) });
    if (result.fenced) throw new LeaseLostError();
    return result;
  }

  /** Saves the lane's retrying batch (records too with `withRecords`), or without a batch removes it. */
  private async saveBatch(lane: Lane, batch?: Omit<SavedBatch, 'lane'>, withRecords = false): Promise<void> {
    const { batches } = this.deps;
    const written = batch ? await batches.save(this.lease, lane.index, batch, withRecords) : await batches.remove(this.lease, lane.index);
    if (!written) throw new LeaseLostError();
  }

  /** Writes the checkpoint ShardProgress has moved to, one write at a time, in order. */
  private flushCheckpoint(): Promise<void> {
    const flushed = this.checkpointChain.then(async () => {
      this.deps.metrics.checkpointLag(this.progress.pending);
      const position = this.progress.takeCheckpoint();
      if (position !== undefined) await this.writeCheckpoint(position);
    });
    this.checkpointChain = flushed.catch(() => undefined);
    return flushed;
  }

  /** Moves the checkpoint; with a tumbling window, saves the window's state with it (§15). */
  private async writeCheckpoint(position: string): Promise<void> {
    const result = this.windows && position !== SHARD_END ? await this.windows.save(position) : await this.deps.checkpoints.write(this.lease, position);
    if (result === 'fenced') throw new LeaseLostError();
  }

  /** Reacts to a failed GetRecords (streams.md §4); returns the next backoff and maybe a new iterator. */
  private async recoverRead(error: unknown, backoff: number): Promise<{ backoff: number; iterator?: string }> {
    const { source } = this.deps;
    const { shardId } = this.settings;
    const kind = error instanceof StreamSourceError ? error.kind : 'other';
    this.deps.metrics.sourceError(error instanceof StreamSourceError ? { name: error.code } : error);
    const code = error instanceof StreamSourceError ? error.code : sourceErrorCode(error);
    if (kind === 'expiredIterator' || kind === 'invalidIterator') {
      this.warnCallFailed({ operation: 'GetRecords', cause: code, error, next: 'getting a new iterator after the last record read' });
      const checkpoint = this.lastRead ?? (await this.deps.checkpoints.get(this.settings.mappingId, shardId));
      const position: IteratorPosition | undefined =
        checkpoint !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : this.settings.start;
      return { backoff, iterator: position ? await this.withRetries(() => source.getIterator(shardId, position)) : undefined };
    }
    if (kind === 'trimmed' || kind === 'positionNotFound') {
      // Behind the trim horizon: records lost to retention are not reported (AWS).
      this.warnCallFailed({ operation: 'GetRecords', cause: code, error, next: 'resuming the shard at TRIM_HORIZON' });
      return { backoff, iterator: await this.withRetries(() => source.getIterator(shardId, { type: 'TRIM_HORIZON' })) };
    }
    const next = backoff === 0 ? FIRST_BACKOFF_MS : Math.min(backoff * 2, MAX_READ_BACKOFF_MS);
    this.warnCallFailed({ operation: 'GetRecords', cause: code, error, next: 'backing off' });
    await this.deps.report({ readError: `PROBLEM: Error reading from event source: ${code}` }).catch(() => undefined);
    this.lastReport = 'PROBLEM: Error reading';
    await this.pause(next);
    return { backoff: next };
  }

  private warnCallFailed(failure: SourceCallFailure): void {
    warnSourceCallFailed(this.warnings, failure);
  }

  private async clearReadError(): Promise<void> {
    this.lastReport = undefined;
    await this.deps.report({ readError: null }).catch(() => undefined);
  }

  private async reportInvocation(result: string): Promise<void> {
    await this.deps.report({ invocation: result }).catch(() => undefined);
  }

  /** Calls the source, backing off on errors, until it answers or the processor stops. */
  private async withRetries<T>(call: () => Promise<T>): Promise<T | undefined> {
    let backoff = 0;
    while (this.running) {
      try {
        return await call();
      } catch (error) {
        backoff = backoff === 0 ? FIRST_BACKOFF_MS : Math.min(backoff * 2, MAX_READ_BACKOFF_MS);
        const failed = error instanceof StreamSourceError ? { operation: error.operation, cause: error.code } : { operation: 'GetShardIterator', cause: sourceErrorCode(error) };
        this.warnCallFailed({ ...failed, error, next: 'backing off' });
        await this.pause(backoff);
      }
    }
    return undefined;
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
