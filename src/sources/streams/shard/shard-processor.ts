/**
 * One shard of one stream mapping, in the process holding its lease (streams.md §4–§8): the
 * coordinator of its parts, owning the lease and the stop.
 *
 * - ShardReader reads the shard in order, at the service maximum and paced by
 *   `streams.idlePollMs` / `streams.minReadIntervalMs`, into the LaneBatcher (a ShardIntake)
 *   while the shard's buffer (§4 revised: readAheadRecords, readAheadBytes, and the
 *   process-wide maxBufferedBytes) has room;
 * - LaneBatcher filters each record, puts it in its lane (ParallelizationFactor, §7) and
 *   cuts the lane's batches (BatchSize, window, 6 MB, §8);
 * - one loop per lane runs its batches one after another through the BatchRunner (one
 *   batch in flight per lane, §6; failure policy §10–§13), which checkpoints through the
 *   ShardCheckpointer (§5);
 * - here: batches an earlier holder saved mid-retry are resumed first, the shard's end is
 *   checkpointed as SHARD_END (which releases its children), and the first failure of any
 *   loop (a lost lease, say) stops them all.
 */
import type { CompiledFilter } from '../../../filtering/index.js';
import type { Logger } from '../../../observability/logger.js';
import type { BatchJobData, BatchJobResult, JobFence } from '../../../pipeline/index.js';
import type { OnFailureDestinations } from '../../../destinations/index.js';
import { RateLimitedWarnings } from '../../../observability/rate-limited-warnings.js';
import type { SourceWarningContext } from '../../source-warnings.js';
import type { BatchProgress } from '../checkpoints/batch-progress.js';
import type { Checkpoints } from '../checkpoints/checkpoints.js';
import { compareSequenceNumbers, SHARD_END } from '../checkpoints/sequence-numbers.js';
import { LeaseLostError } from '../leases/lease-lost-error.js';
import type { Lease } from '../leases/shard-leases.js';
import type { StreamBatchConfig } from '../policy/index.js';
import { sendDiscard } from '../policy/shard-discards.js';
import type { IteratorPosition, StreamSource } from '../stream-source.js';
import { ShardWindows } from '../windows/shard-windows.js';
import type { WindowStates } from '../windows/window-states.js';
import { recordInvocationAttempt, type AttemptTracer } from '../../invocation-attempts.js';
import { BatchRunner, fencedSubmit } from './batch-runner.js';
import { LaneBatcher, type Lane } from './lane-batcher.js';
import { ShardCheckpointer } from './shard-checkpointer.js';
import type { ShardMetrics } from './shard-metrics.js';
import { ShardReader } from './shard-reader.js';
import { ShardBuffer } from './shard-buffer.js';
import { readAheadLimits, readPacing, type StreamReading } from '../read-settings.js';

/** The stores a shard uses, narrowed to what it calls (unit tests pass fakes). */
export type ShardCheckpoints = Pick<Checkpoints, 'get' | 'write'>;
export type ShardBatches = Pick<BatchProgress, 'load' | 'save' | 'remove'>;

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
  /**
   * Records up to this sequence number (all with SHARD_END) were delivered before a rewind
   * moved the shard back (rewind/rewound-shards.ts): delivering them again counts them as replayed.
   */
  replayedUpTo?: string;
}

export interface ShardProcessorDependencies {
  source: StreamSource;
  checkpoints: ShardCheckpoints;
  /** Where retrying batches are saved. */
  batches: ShardBatches;
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
  /** The process's `streams.*` read settings and its buffer accountant (§4). */
  reading: StreamReading;
  /** Where failed calls are warned about, rate-limited (shared by the mapping's shards); default: the shard's own. */
  warnings?: SourceWarningContext;
  /** The mapping's invocation trace (on while it is tagged `sluice:trace`). */
  trace?: AttemptTracer;
}

/** What the shard is doing now, as its holder publishes it (stream-poller.ts, the shards view). */
export interface ShardStatus {
  /** Lanes with a batch in flight (at most ParallelizationFactor). */
  inFlight: number;
  /** Records read and waiting for a batch. */
  buffered: number;
}

export class ShardProcessor {
  /** Lanes running a batch now. */
  private lanesInFlight = 0;
  /** Aborted when the lease is lost: nothing more may be written. */
  private readonly leaseLost = new AbortController();
  /** Aborted on any stop: reading ends, no retry starts, idle waits and retry delays are cut short. */
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private failure?: unknown;
  /** The tumbling window of the shard, when the mapping has one (§15). */
  private readonly windows?: ShardWindows;
  private readonly checkpointer: ShardCheckpointer;
  private readonly reader: ShardReader;
  private readonly batcher: LaneBatcher;
  private readonly runner: BatchRunner;
  /** What is left of settings.replayedUpTo: cleared once a batch passes it. */
  private replayedUpTo?: string;

  constructor(
    readonly settings: ShardProcessorSettings,
    private lease: Lease,
    private readonly deps: ShardProcessorDependencies,
  ) {
    const { source, metrics, logger } = deps;
    if (settings.replayedUpTo !== undefined) this.replayedUpTo = settings.replayedUpTo;
    const warnings = deps.warnings ?? { warnings: new RateLimitedWarnings(logger), logger, mappingId: settings.mappingId, functionArn: settings.functionArn };
    const submit = fencedSubmit(deps.submit, deps.fence, () => this.lease);
    const stopping = this.stopping.signal;
    if (settings.tumblingWindowSeconds > 0) {
      this.windows = new ShardWindows({
        mappingId: settings.mappingId,
        functionArn: settings.functionArn,
        shardId: settings.shardId,
        streamArn: source.streamArn,
        source: source.traits.type,
        windowSeconds: settings.tumblingWindowSeconds,
        maximumRetryAttempts: settings.policy.maximumRetryAttempts,
        states: deps.windowStates,
        submit,
        recordAttempt: (judged) => recordInvocationAttempt(metrics, warnings, judged),
        lease: () => this.lease,
        stopping,
        logger,
      });
    }
    const windows = this.windows;
    this.checkpointer = new ShardCheckpointer(
      (position) => (windows && position !== SHARD_END ? windows.save(position) : deps.checkpoints.write(this.lease, position)),
      metrics,
    );
    this.batcher = new LaneBatcher({
      ...settings,
      filterView: (event) => source.filterView(event),
      progress: this.checkpointer.progress,
      flushCheckpoint: () => this.checkpointer.flush(),
      metrics,
      ...(windows ? { windows } : {}),
      buffer: new ShardBuffer(readAheadLimits(deps.reading.config, settings.batchSize, settings.parallelizationFactor), deps.reading.accountant),
      stopping,
    });
    this.reader = new ShardReader({
      shardId: settings.shardId,
      source,
      intake: this.batcher,
      storedCheckpoint: () => deps.checkpoints.get(settings.mappingId, settings.shardId),
      start: settings.start,
      metrics,
      warnings,
      report: deps.report,
      pacing: readPacing(deps.reading.config, source.traits),
      readBudget: deps.reading.accountant,
      stopping,
    });
    const discards = { ...settings, source, metrics, logger, warnings, report: deps.report, ...(deps.destinations ? { destinations: deps.destinations } : {}) };
    this.runner = new BatchRunner({
      ...settings,
      traits: source.traits,
      lease: () => this.lease,
      leaseHeld: deps.leaseHeld,
      submit,
      batches: deps.batches,
      checkpointer: this.checkpointer,
      discard: (discard, records) => sendDiscard(discards, discard, records),
      metrics,
      warnings,
      report: deps.report,
      ...(windows ? { windows } : {}),
      leaseLost: this.leaseLost.signal,
      stopping,
      ...(deps.trace ? { trace: deps.trace } : {}),
      traceId: (record) => source.traceId(record),
    });
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      if (error instanceof LeaseLostError) {
        this.deps.onLeaseLost(this.settings.shardId);
        return;
      }
      if (this.stopping.signal.aborted && this.failure === undefined) return;
      this.deps.logger.error({ err: error }, 'shard processor failed');
      this.deps.onLeaseLost(this.settings.shardId);
    });
  }

  status(): ShardStatus {
    return { inFlight: this.lanesInFlight, buffered: this.batcher.bufferedRecords };
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
    if (abandon) this.leaseLost.abort();
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { shardId, mappingId } = this.settings;
    const checkpoint = await this.deps.checkpoints.get(mappingId, shardId);
    if (checkpoint === SHARD_END) return this.deps.onShardEnd(shardId);
    await this.windows?.load();
    await this.resumeSavedBatches(checkpoint);
    const iterator = await this.reader.open(checkpoint);

    // The reader and the lanes run side by side; the first failure (a lost lease, say) stops them all.
    try {
      await Promise.all([this.reader.run(iterator), ...this.batcher.lanes.map((lane) => this.runLane(lane))].map((loop) => loop.catch((error: unknown) => this.fail(error))));
    } finally {
      // A buffer goes only with the shard (§4): what it still holds is read again by the next holder, after the checkpoint.
      this.batcher.dispose();
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a loop threw, unchanged (a LeaseLostError, an SDK error)
    if (this.failure !== undefined) throw this.failure;
    if (this.stopping.signal.aborted) return;
    await this.checkpointer.flush();
    const { pending } = this.checkpointer.progress;
    if (pending > 0) throw new Error(`shard ended with ${pending} records not done`);
    // The open window's final invocation closes it and ends the shard in one step (§15).
    if (this.windows) {
      if (!(await this.windows.finalInvoke(SHARD_END))) return;
    } else await this.checkpointer.writeAt(SHARD_END);
    this.deps.logger.info('shard read to its end');
    this.deps.onShardEnd(shardId);
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    if (error instanceof LeaseLostError) this.leaseLost.abort();
    this.stopping.abort();
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
        batch.lane < this.batcher.lanes.length &&
        last !== undefined &&
        (checkpoint === undefined || compareSequenceNumbers(last.sequenceNumber, checkpoint) > 0);
      if (!current) {
        await this.deps.batches.remove(this.lease, batch.lane);
        continue;
      }
      this.batcher.resume(batch);
      this.deps.logger.info({ lane: batch.lane, records: batch.records.length }, 'resuming a retrying batch');
    }
  }

  /**
   * sluice_replayed_events_total: the records of a new batch at or before the replay mark,
   * counted once per batch (chosen: its retries are not new deliveries; they show in
   * sluice_invoked_events_total). Batches of a shard come in
   * sequence order per lane, so a lane's batch past the mark ends the count only for a
   * shard of one lane; with several lanes the mark stays (cheap: one comparison per record).
   */
  private countReplayed(batch: readonly { sequenceNumber: string }[]): void {
    const mark = this.replayedUpTo;
    if (mark === undefined) return;
    const replayed = mark === SHARD_END ? batch.length : batch.filter((r) => compareSequenceNumbers(r.sequenceNumber, mark) <= 0).length;
    this.deps.metrics.replayed(replayed);
    if (this.batcher.lanes.length === 1 && replayed < batch.length) this.replayedUpTo = undefined;
  }

  /** A lane loop: its saved batch first, then one batch after another until the reading is over. */
  private async runLane(lane: Lane): Promise<void> {
    const resumed = this.batcher.takeResumed(lane);
    if (resumed) {
      await this.inFlight(this.runner.run(lane.index, resumed.records, resumed.state));
      this.batcher.batchEnded(lane);
    }
    while (!this.stopping.signal.aborted) {
      const batch = await this.batcher.nextBatch(lane);
      if (!batch) return;
      if (this.windows && !(await this.windows.beforeBatch(this.windows.windowOf(batch[0]!)))) return;
      this.countReplayed(batch);
      await this.inFlight(this.runner.run(lane.index, batch));
      this.batcher.batchEnded(lane);
    }
  }

  /** Counts a lane's batch in flight while it runs (retries included). */
  private async inFlight<T>(run: Promise<T>): Promise<T> {
    this.lanesInFlight++;
    try {
      return await run;
    } finally {
      this.lanesInFlight--;
    }
  }
}
