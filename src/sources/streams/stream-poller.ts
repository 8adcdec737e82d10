/**
 * A stream mapping (Kinesis or DynamoDB Streams) in one process (streams.md §2): lists the
 * shards, starts a shard only after its parents are read to their end, takes its share of
 * the shard leases (balanced over live workers), renews them, and runs a ShardProcessor
 * per held shard. A lost lease stops that shard at once; stopping hands every lease over.
 *
 * A rewind (issue #16) is decided here, between rounds: each round reads the mapping's
 * rewind state with its leases (one script). While a rewind is Rewinding, the poller pauses:
 * its shards stop as for a stop (in-flight invocations end and are checkpointed, no retry
 * starts, saved retries are left for the rewind to drop), it releases their leases, takes
 * none, and records on the rewind that this worker has paused. The worker that finds every
 * live worker paused applies the rewind (rewind/apply-rewind.ts: each shard's checkpoint
 * moved under its lease fence in one step). Once the rewind is Completed, rounds take
 * leases again and the shards start where the rewind put them.
 */
import type { Redis } from 'ioredis';
import type { CompiledFilter } from '../../filtering/index.js';
import type { Logger } from '../../observability/logger.js';
import type { BatchJobData, BatchJobResult } from '../../pipeline/index.js';
import { BatchProgress } from './checkpoints/batch-progress.js';
import { Checkpoints } from './checkpoints/checkpoints.js';
import { WindowStates } from './windows/window-states.js';
import { LeaseBalancer } from './leases/lease-balancer.js';
import { PinnedPositions } from './start-position/pinned-positions.js';
import { SHARD_END, SHARD_START } from './checkpoints/sequence-numbers.js';
import { ShardLeases, type Lease } from './leases/shard-leases.js';
import { ShardProcessor } from './shard/shard-processor.js';
import { shardMetrics, type ShardMetrics } from './shard/shard-metrics.js';
import { errorLabel, mappingLabels, type MappingLabels, type SluiceMetrics } from '../../observability/metrics.js';
import type { StreamBatchConfig } from './policy/index.js';
import type { StreamRuntimeSettings } from '../../mappings/runtime-settings.js';
import type { OnFailureDestinations } from '../../destinations/index.js';
import type { IteratorPosition, ShardInfo, StreamSource } from './stream-source.js';
import { RateLimitedWarnings } from '../../observability/rate-limited-warnings.js';
import { sourceErrorCode, warnSourceCallFailed, type SourceWarningContext } from '../source-warnings.js';
import type { AttemptTracer } from '../invocation-attempts.js';
import { StreamSourceError } from './stream-errors.js';
import type { StreamReading } from './read-settings.js';
import { Rewinds } from '../../mappings/rewinds.js';
import { applyRewind } from './rewind/apply-rewind.js';
import { readRewoundShard } from './rewind/rewound-shards.js';
import { publishShardStatus, SHARD_STATUS_FRESH_LEASES, type PublishedShardStatus } from './view/shard-status.js';

/**
 * The mapping's settings as `mappings/runtime-settings.ts` resolved them (every default
 * applied there, none here), plus what the runner adds from outside the mapping.
 */
export interface StreamPollerSettings extends StreamRuntimeSettings {
  /** FilterCriteria compiled once; absent: every record is invoked. */
  filter?: CompiledFilter;
  /** The stream's retention (StreamSource.retentionMs()): older records are discarded (§10, §13). */
  retentionMs?: number;
  /**
   * Identifies the mapping's settings (e.g. JSON of FunctionArn and settings): a batch saved
   * mid-retry under other settings is read again afresh (batch-progress.ts). Default: built
   * from these settings, filter excepted.
   */
  settingsFingerprint?: string;
}

export interface StreamPollerDependencies {
  source: StreamSource;
  redis: Redis;
  prefix: string;
  workerId: string;
  liveWorkers: () => readonly string[];
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  report: (result: { invocation?: string; readError?: string | null }) => Promise<void>;
  destinations?: OnFailureDestinations;
  logger: Logger;
  leaseMs: number;
  /** /metrics (metrics.md): counts per shard, leases held and moved. */
  metrics?: SluiceMetrics;
  /** The process's read settings and buffer accountant (streams.md §4), shared by every mapping. */
  reading: StreamReading;
  /** The mapping's invocation trace (on while it is tagged `sluice:trace`). */
  trace?: AttemptTracer;
  /** Tells every process the mapping changed (the store's change feed): a completed rewind resumes the others at once. */
  notifyChanged?: () => Promise<void>;
}

/** How often shards are listed again (streams.md §2, chosen). */
const RELIST_INTERVAL_MS = 60_000;
/**
 * Rounds run every third of the lease (chosen, issue #13): that many renewals a lease
 * needs anyway (two may fail before it runs out), and balancing rides along in the same
 * script. A dead worker's shards are taken within the lease plus a third of it; a
 * released one (a stopping process) within a third of the lease. The former 1 s rounds
 * took those a few seconds sooner at the default 10 s lease, and cost every idle mapping
 * about 9 Redis commands a second.
 */
const roundIntervalMs = (leaseMs: number): number => Math.max(100, Math.floor(leaseMs / 3));

export class StreamPoller {
  private running = false;
  private timer?: NodeJS.Timeout;
  private roundInFlight?: Promise<void>;
  private shards: ShardInfo[] = [];
  private listedAt = 0;
  private relistSoon = true;
  private readonly processors = new Map<string, { processor: ShardProcessor; lease: Lease; metrics: ShardMetrics; iteratorAgeMs?: number }>();
  private readonly labels: MappingLabels;
  /** What publishStatus() last wrote, and when. */
  private published = { fingerprint: '', at: 0 };
  private readonly leases: ShardLeases;
  private readonly checkpoints: Checkpoints;
  private readonly batches: BatchProgress;
  private readonly windowStates: WindowStates;
  private readonly pinned: PinnedPositions;
  private readonly balancer: LeaseBalancer;
  /** Failed calls of this mapping, its shards' included: one warning per operation and cause, then a count. */
  private readonly warnings: SourceWarningContext;
  /** What the batch policy follows, taken from the settings once. */
  private readonly policy: StreamBatchConfig;
  private readonly rewinds: Rewinds;
  /** The rewind this poller has paused for (its shards stopped, its leases released), and when. */
  private pausedFor?: string;
  private pausedAt = 0;

  constructor(
    readonly settings: StreamPollerSettings,
    private readonly deps: StreamPollerDependencies,
  ) {
    this.leases = new ShardLeases(deps.redis, deps.prefix, { leaseMs: deps.leaseMs });
    this.checkpoints = new Checkpoints(deps.redis, deps.prefix);
    this.batches = new BatchProgress(deps.redis, deps.prefix);
    this.windowStates = new WindowStates(deps.redis, deps.prefix);
    this.pinned = new PinnedPositions(deps.redis, deps.prefix);
    this.balancer = new LeaseBalancer(this.leases, deps.workerId);
    this.rewinds = new Rewinds(deps.redis, deps.prefix);
    this.labels = mappingLabels(settings.mappingId, deps.source.traits.type, settings.functionArn);
    this.policy = {
      reportBatchItemFailures: settings.reportBatchItemFailures,
      maximumRetryAttempts: settings.maximumRetryAttempts,
      maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds,
      bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
      ...(settings.retentionMs !== undefined ? { retentionMs: settings.retentionMs } : {}),
    };
    const onLogged = deps.metrics?.explainedFailure;
    this.warnings = { warnings: new RateLimitedWarnings(deps.logger, { ...(onLogged ? { onLogged } : {}) }), logger: deps.logger, mappingId: settings.mappingId, functionArn: settings.functionArn };
  }

  start(): void {
    this.running = true;
    this.tick();
    this.timer = setInterval(this.tick, roundIntervalMs(this.deps.leaseMs));
    this.timer.unref();
  }

  /** Runs a round now unless one runs already (a change notification: a rewind may have begun or ended). */
  wake(): void {
    this.tick();
  }

  private readonly tick = (): void => {
    if (!this.running || this.roundInFlight) return;
    this.roundInFlight = this.round()
      .catch((error: unknown) =>
        // Leases and checkpoints live in Redis: this is Redis failing, not the stream.
        warnSourceCallFailed(this.warnings, { operation: 'lease round (Redis)', cause: sourceErrorCode(error), error, next: 'retrying' }),
      )
      .finally(() => (this.roundInFlight = undefined));
  };

  /** Stops every shard (in-flight batches end and are checkpointed) and hands the leases over. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.roundInFlight;
    await this.stopShards();
    this.warnings.warnings.close();
  }

  /** Stops every shard held (in-flight batches end and are checkpointed, no retry starts) and releases the leases. */
  private async stopShards(): Promise<void> {
    await Promise.allSettled([...this.processors.values()].map(({ processor }) => processor.stop()));
    for (const { metrics } of this.processors.values()) metrics.remove();
    this.processors.clear();
    const released = await this.balancer.release(this.settings.mappingId).catch(() => []);
    for (const _ of released) this.deps.metrics?.leaseChange(this.settings.mappingId, 'released');
    this.deps.metrics?.shardLeases(this.settings.mappingId, 0);
  }

  /**
   * One round: renew the leases held and read the mapping's leases (one script), list the
   * shards now and then, take this worker's share. The checkpoints are read only when some
   * listed shard is free or its lease expired (issue #13: an idle mapping's Redis work):
   * while every listed shard is held, each was ready when it was taken and a shard read to
   * its end is released by its holder (or its lease expires), so no readiness can change.
   */
  private async round(): Promise<void> {
    const { mappingId } = this.settings;
    // Renew first: a failing listing must not let the shards already held lose their leases.
    const { renewed, lost, owners, rewind } = await this.leases.renewAndRead(
      mappingId,
      [...this.processors.values()].map((p) => p.lease),
      this.rewinds.key(mappingId),
    );
    this.applyRenewals(renewed, lost);
    if (!this.running) return;
    if (rewind?.state === 'Rewinding') return this.rewindRound(rewind.id);
    if (this.pausedFor !== undefined) {
      this.deps.logger.info({ rewindId: this.pausedFor }, 'rewind completed: resuming the mapping');
      this.pausedFor = undefined;
      this.relistSoon = true; // the rewind may have reopened closed shards
    }
    if (this.relistSoon || Date.now() - this.listedAt > RELIST_INTERVAL_MS) {
      try {
        this.shards = await this.deps.source.listShards();
        this.listedAt = Date.now();
        this.relistSoon = false;
        await this.deps.report({ readError: null });
      } catch (error) {
        const code = error instanceof StreamSourceError ? error.code : sourceErrorCode(error);
        this.deps.metrics?.sourceError(this.labels, errorLabel(error));
        const operation = error instanceof StreamSourceError ? error.operation : 'ListShards';
        warnSourceCallFailed(this.warnings, { operation, cause: code, error, next: 'listing again at the next round' });
        await this.deps.report({ readError: `PROBLEM: Error reading from event source: ${code}` });
        return;
      }
    }
    const allHeld = this.shards.every((s) => owners.get(s.shardId)?.expired === false);
    let ready: string[];
    if (allHeld) {
      ready = this.shards.map((s) => s.shardId);
    } else {
      const checkpoints = await this.checkpoints.all(mappingId);
      const listed = new Set(this.shards.map((s) => s.shardId));
      // Parents before children (§2): parents still listed must be read to their end. A rewind
      // that reopened a closed parent (no longer SHARD_END) holds its children back here again.
      const parentsDone = (shard: ShardInfo) =>
        [shard.parentShardId, shard.adjacentParentShardId].every((p) => p === undefined || !listed.has(p) || checkpoints.get(p) === SHARD_END);
      ready = this.shards.filter((s) => checkpoints.get(s.shardId) !== SHARD_END && parentsDone(s)).map((s) => s.shardId);
    }
    const { acquired, stolen } = await this.balancer.round(mappingId, this.deps.liveWorkers(), ready, owners);
    for (const lease of acquired) {
      if (!this.processors.has(lease.shardId)) this.deps.metrics?.leaseChange(mappingId, lease === stolen ? 'stolen' : 'acquired');
      await this.startShard(lease);
    }
    this.deps.metrics?.shardLeases(mappingId, this.processors.size);
    await this.publishStatus();
  }

  /**
   * The held shards' iterator age and lanes, for the shards view (view/shard-status.ts: its
   * Redis cost). Written when they changed, else once every two leases (chosen, issue #13's
   * idle budget of 2 commands/s per mapping: an unchanged status every other round cost an
   * idle 1-shard mapping 0.45 commands/s at a 3 s lease). Readers take a status younger than
   * SHARD_STATUS_FRESH_LEASES leases from the lease's live holder; a holder that stopped
   * loses the lease first, so the age bound only catches a holder that stopped publishing.
   */
  private async publishStatus(): Promise<void> {
    const at = Date.now();
    const statuses = new Map<string, PublishedShardStatus>();
    for (const [shardId, held] of this.processors) {
      statuses.set(shardId, { workerId: this.deps.workerId, at, ...(held.iteratorAgeMs !== undefined ? { iteratorAgeMs: held.iteratorAgeMs } : {}), ...held.processor.status() });
    }
    const fingerprint = JSON.stringify([...statuses].map(([shardId, { at: _at, ...status }]) => [shardId, status]));
    if (fingerprint === this.published.fingerprint && at - this.published.at < 2 * this.deps.leaseMs) return;
    await publishShardStatus(this.deps.redis, this.deps.prefix, this.settings.mappingId, statuses, SHARD_STATUS_FRESH_LEASES * this.deps.leaseMs);
    this.published = { fingerprint, at };
  }

  /**
   * A round while rewind `id` runs: pause (once), then, when every live worker has paused,
   * apply it. The barrier is every live worker (chosen; the supervisor's registry), not only the
   * lease holders: a worker that has not paused yet could take a lease and invoke from the
   * old checkpoint while the rewind moves it. A worker that dies leaves the live set within
   * `supervisor.workerTimeoutMs`; what it may still hold is fenced by the move itself.
   */
  private async rewindRound(id: string): Promise<void> {
    const { mappingId } = this.settings;
    if (this.pausedFor !== id) {
      this.deps.logger.info({ rewindId: id, shards: this.processors.size }, 'rewind requested: pausing the mapping (batches in flight end first)');
      await this.stopShards();
      if (!this.running || !(await this.rewinds.markPaused(mappingId, id, this.deps.workerId))) return;
      this.pausedFor = id;
      this.pausedAt = Date.now();
    }
    const running = await this.rewinds.running(mappingId);
    if (running?.id !== id) return;
    const paused = await this.rewinds.pausedWorkers(mappingId, id);
    const waiting = this.deps.liveWorkers().filter((worker) => !paused.has(worker));
    if (waiting.length > 0) {
      // The last live worker to pause applies it. One that never does (its runner cannot start) holds the rewind: say so.
      if (Date.now() - this.pausedAt > Math.max(30_000, 3 * this.deps.leaseMs)) {
        warnSourceCallFailed(this.warnings, {
          operation: 'rewind',
          cause: 'WorkersNotPaused',
          detail: `live workers ${waiting.join(', ')} have not paused the mapping`,
          next: 'waiting for them (a stopped process leaves the live set after supervisor.workerTimeoutMs)',
        });
      }
      return;
    }
    try {
      if ((await applyRewind(this.deps.redis, this.deps.prefix, this.deps.source, mappingId, running)) === 'completed') {
        this.deps.logger.info({ rewindId: id }, 'rewind applied: every shard moved; the mapping resumes');
        await this.deps.notifyChanged?.().catch(() => undefined);
      }
    } catch (error) {
      const code = error instanceof StreamSourceError ? error.code : sourceErrorCode(error);
      this.deps.metrics?.sourceError(this.labels, errorLabel(error));
      warnSourceCallFailed(this.warnings, { operation: 'rewind', cause: code, error, next: 'applying it again at the next round' });
    }
  }

  private applyRenewals(renewed: readonly Lease[], lost: readonly Lease[]): void {
    for (const lease of renewed) {
      const held = this.processors.get(lease.shardId);
      // Only the lease renewed: a shard restarted meanwhile holds a newer one.
      if (held && held.lease.token === lease.token) {
        held.lease = lease;
        held.processor.updateLease(lease);
      }
    }
    for (const lease of lost) if (this.processors.get(lease.shardId)?.lease.token === lease.token) this.loseShard(lease.shardId);
  }

  private loseShard(shardId: string): void {
    const held = this.processors.get(shardId);
    if (!held) return;
    this.processors.delete(shardId);
    held.metrics.remove();
    this.deps.metrics?.leaseChange(this.settings.mappingId, 'lost');
    this.deps.logger.info({ shardId }, 'shard lease lost; stopping the shard');
    void held.processor.stop(true);
  }

  private async startShard(lease: Lease): Promise<void> {
    const existing = this.processors.get(lease.shardId);
    if (existing) {
      existing.lease = lease;
      existing.processor.updateLease(lease);
      return;
    }
    // A rewind's start wins over StartingPosition; both apply only while the shard has no checkpoint.
    const rewound = await readRewoundShard(this.deps.redis, this.deps.prefix, this.settings.mappingId, lease.shardId);
    const start = rewound.start ?? (await this.startPosition(lease.shardId));
    const logger = this.deps.logger.child({ shardId: lease.shardId });
    const counted = shardMetrics(this.deps.metrics, this.labels, lease.shardId);
    // The last iterator age is kept for the shard's published status too.
    const metrics: ShardMetrics = {
      ...counted,
      iteratorAge: (ms) => {
        const held = this.processors.get(lease.shardId);
        if (held?.metrics === metrics) held.iteratorAgeMs = Math.max(0, ms);
        counted.iteratorAge(ms);
      },
    };
    const processor = new ShardProcessor(
      {
        mappingId: this.settings.mappingId,
        functionArn: this.settings.functionArn,
        shardId: lease.shardId,
        batchSize: this.settings.batchSize,
        windowSeconds: this.settings.windowSeconds,
        ...(this.settings.filter ? { filter: this.settings.filter } : {}),
        start,
        policy: this.policy,
        ...(this.settings.onFailureDestination ? { destination: this.settings.onFailureDestination } : {}),
        parallelizationFactor: this.settings.parallelizationFactor,
        tumblingWindowSeconds: this.settings.tumblingWindowSeconds,
        settingsFingerprint: this.settings.settingsFingerprint ?? JSON.stringify({ ...this.settings, filter: undefined }),
        ...(rewound.replayedUpTo !== undefined ? { replayedUpTo: rewound.replayedUpTo } : {}),
      },
      lease,
      {
        source: this.deps.source,
        checkpoints: this.checkpoints,
        batches: this.batches,
        windowStates: this.windowStates,
        metrics,
        leaseHeld: (held) => this.leases.holds(held),
        fence: (held) => this.leases.fence(held),
        submit: this.deps.submit,
        report: this.deps.report,
        ...(this.deps.destinations ? { destinations: this.deps.destinations } : {}),
        onLeaseLost: (shardId) => this.processors.get(shardId)?.processor === processor && this.loseShard(shardId),
        warnings: { ...this.warnings, logger },
        reading: this.deps.reading,
        ...(this.deps.trace ? { trace: this.deps.trace } : {}),
        onShardEnd: (shardId) => {
          if (this.processors.get(shardId)?.processor === processor) this.processors.delete(shardId);
          metrics.remove();
          this.deps.metrics?.leaseChange(this.settings.mappingId, 'released');
          this.relistSoon = true; // children may now start (§2)
          void this.leases.release(lease).catch(() => undefined);
        },
        logger,
      },
    );
    this.processors.set(lease.shardId, { processor, lease, metrics });
    logger.info({ start }, 'shard started');
    processor.start();
  }

  /**
   * Where a shard without a checkpoint starts (streams.md §3): the position pinned at
   * creation for LATEST, the timestamp for AT_TIMESTAMP, else the shard's first record
   * (TRIM_HORIZON, and shards that appeared after the mapping was created).
   */
  private async startPosition(shardId: string): Promise<IteratorPosition | undefined> {
    const { startingPosition, startingPositionTimestamp } = this.settings;
    if (startingPosition === 'AT_TIMESTAMP' && startingPositionTimestamp !== undefined) {
      // Shards that appeared after the mapping was created start at their first record (§3).
      const existed = await this.pinned.get(this.settings.mappingId);
      if (existed && !existed.has(shardId)) return { type: 'TRIM_HORIZON' };
      return { type: 'AT_TIMESTAMP', timestamp: new Date(startingPositionTimestamp * 1000) };
    }
    if (startingPosition === 'LATEST') {
      const pins = await this.pinned.get(this.settings.mappingId);
      // No pin at all (pinning failed at create): the live tip is the best left.
      if (!pins) return { type: 'LATEST' };
      const pinned = pins.get(shardId);
      if (pinned === SHARD_END) return undefined;
      if (pinned === SHARD_START || pinned === undefined) return { type: 'TRIM_HORIZON' };
      return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: pinned };
    }
    return { type: 'TRIM_HORIZON' };
  }
}
