/**
 * The supervisor of one process: turns each mapping's state into running pollers and
 * settles transitional states (api.md §6).
 *
 * - It converges every mapping: runs a poller for an enabled SQS mapping (its share of the
 *   mapping's concurrency), stops it and waits for in-flight batches when the mapping is
 *   disabled or deleted, and records the mapping generation it converged on.
 * - A transitional state settles once every live worker has converged on the mapping's
 *   current generation, so `Disabled` means no process still invokes.
 * - It listens to the store's change feed and reconciles everything periodically, so a
 *   missed notification cannot strand a mapping; heartbeats keep the worker list fresh.
 *
 * Every settle is a compare-and-set on the mapping's revision, so supervisors on one
 * Redis never undo an update made meanwhile.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { StoredMapping } from '../mappings/model.js';
import { isTransitional, settledState } from '../mappings/states.js';
import type { MappingStore } from '../mappings/store.js';
import { SqsRunner, type SqsRunnerDependencies } from './sqs-runner.js';
import { mappingStateKeys } from '../redis/keyspace.js';
import { StreamRunner } from './stream-runner.js';
import type { StreamReading } from '../sources/streams/read-settings.js';
import { OnFailureDestinations } from '../destinations/index.js';
import { deleteStreamState } from '../sources/streams/stream-keys.js';
import { WorkerRegistry } from './worker-registry.js';
import { mappingLabels, type SluiceMetrics } from '../observability/metrics.js';
import { TRACE_TAG, parseTraceCapacity } from '../mappings/invocation-trace.js';
import { TraceStore } from '../mappings/trace-store.js';
import { TraceSwitch } from './trace-switch.js';
import { Rewinds } from '../mappings/rewinds.js';
import { createStreamSource } from '../sources/stream-sources.js';
import { applyRewind } from '../sources/streams/rewind/apply-rewind.js';

export interface SupervisorOptions {
  store: MappingStore;
  redis: Redis;
  /** A connection the supervisor may put into subscriber mode. */
  subscriber: Redis;
  prefix: string;
  logger: Logger;
  reconcileIntervalMs: number;
  heartbeatIntervalMs: number;
  workerTimeoutMs: number;
  shutdownTimeoutMs: number;
  sqs: Omit<SqsRunnerDependencies, 'redis' | 'prefix' | 'store' | 'logger' | 'metrics' | 'slotLeaseMs'>;
  /** Account id for the ARNs in stream records. */
  accountId: string;
  /** Shard lease length (streams.md §2). */
  leaseMs: number;
  /** How stream shards read (streams.md §4): `streams.*` settings and the process's one buffer accountant. */
  reading: StreamReading;
  /** This process's metrics: mapping states here, the pollers' counts through the runners. */
  metrics?: SluiceMetrics;
  /** Runs before every full reconcile: the store-loss check (src/mappings/store-guard.ts). */
  beforeReconcile?: () => Promise<unknown>;
  now?: () => number;
}

const runsPollers = (mapping: StoredMapping): boolean =>
  mapping.enabled && ['Creating', 'Enabling', 'Enabled', 'Updating'].includes(mapping.State);

export class Supervisor {
  private reconcileTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  /** The generation this process last marked applied, per mapping. */
  private readonly marked = new Map<string, number>();
  private running = false;
  /** UUIDs with a reconcile running, so bursts of changes coalesce. */
  private readonly pending = new Map<string, Promise<void>>();
  /** UUIDs changed again while their reconcile ran: run once more after it. */
  private readonly dirty = new Set<string>();
  private readonly runners = new Map<string, SqsRunner | StreamRunner>();
  /** SQS runners stopped by a Disable or Delete whose receives may still be open (SqsPoller.stop). */
  private readonly receivingRunners = new Set<SqsRunner>();
  /** Source type of each mapping a runner was made for. */
  private readonly runnerSources = new Map<string, StoredMapping['sourceType']>();
  private readonly registry: WorkerRegistry;
  private readonly now: () => number;
  private liveCount = 1;
  private readonly destinations: OnFailureDestinations;
  private readonly traceStore: TraceStore;
  /** Each running mapping's invocation trace switch (trace-switch.ts). */
  private readonly traces = new Map<string, TraceSwitch>();
  /** Mappings changed since their trace tag was last read: read it at their next converge. */
  private readonly traceStale = new Set<string>();
  private readonly rewinds: Rewinds;

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.registry = new WorkerRegistry(options.redis, options.prefix, options.workerTimeoutMs);
    this.destinations = new OnFailureDestinations({ clients: options.sqs.clients });
    this.traceStore = new TraceStore(options.redis, options.prefix);
    this.rewinds = new Rewinds(options.redis, options.prefix);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get workerId(): string {
    return this.registry.workerId;
  }

  /** The mappings this process runs pollers for, with their source type. */
  runningMappings(): Map<string, string> {
    return new Map([...this.runners.keys()].map((uuid) => [uuid, this.runnerSources.get(uuid) ?? 'unknown']));
  }

  async start(): Promise<void> {
    const { subscriber, store } = this.options;
    subscriber.on('message', (channel: string, uuid: string) => {
      if (channel !== store.changesChannel) return;
      this.traceStale.add(uuid);
      void this.reconcile(uuid);
    });
    await subscriber.subscribe(store.changesChannel);
    this.liveCount = (await this.registry.heartbeat()).length;
    this.running = true;
    await this.reconcileAll();
    this.reconcileTimer = setInterval(() => void this.reconcileAll(), this.options.reconcileIntervalMs);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    this.reconcileTimer.unref();
    this.heartbeatTimer.unref();
  }

  /**
   * Stops every poller, then the worker leaves. `shutdownTimeoutMs` bounds both stages of
   * the SQS pollers' stop: in-flight batches finish, then receives still open end and give
   * back what they return. Receives end within their long poll (20 s) of the stop, so the
   * default bound (30 s) strands nothing when invocations are short; what does not end in
   * time is abandoned: the process exits, and messages come back after their visibility
   * timeout (sqs.md §10).
   */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.reconcileTimer);
    clearInterval(this.heartbeatTimer);
    await this.options.subscriber.unsubscribe().catch(() => undefined);
    const runners = [...this.runners.values()];
    const stopping = Promise.allSettled(runners.map((r) => r.stop())).then(() =>
      Promise.allSettled([...runners, ...this.receivingRunners].map((r) => (r instanceof SqsRunner ? r.receivesEnded() : Promise.resolve()))),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs)));
    if ((await Promise.race([stopping, timedOut])) === 'timeout') {
      this.options.logger.warn(
        { shutdownTimeoutMs: this.options.shutdownTimeoutMs },
        'shutdown bound reached: batches or receives still open are abandoned; their messages come back after their visibility timeout',
      );
    }
    clearTimeout(timer);
    this.runners.clear();
    await Promise.allSettled(this.pending.values());
    await this.registry.leave().catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    try {
      const live = await this.registry.heartbeat();
      if (live.length !== this.liveCount) {
        this.liveCount = live.length;
        this.options.logger.info({ workers: live.length }, 'worker set changed; rebalancing');
        await this.reconcileAll();
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'heartbeat failed');
    }
  }

  async reconcileAll(): Promise<void> {
    try {
      await this.options.beforeReconcile?.();
      const mappings = await this.options.store.all();
      const known = new Set(mappings.map((m) => m.UUID));
      // Mappings removed while this process missed the notification (runners, or only metrics).
      const seen = new Set([...this.runners.keys(), ...(this.options.metrics?.mappingIds() ?? [])]);
      for (const uuid of seen) if (!known.has(uuid)) void this.reconcile(uuid);
      await Promise.all(mappings.filter((m) => !this.convergedOn(m)).map((m) => this.reconcile(m.UUID)));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'reconcile failed; retrying at the next interval');
    }
  }

  /**
   * A full reconcile's fast path (issue #13: with 1,000 idle mappings, reading each one
   * again every `reconcileIntervalMs` was most of the supervisor's Redis work and CPU).
   * True when the snapshot `store.all()` just returned shows a steady mapping at the
   * generation this process converged on, and its runner is in the state that calls for:
   * then only the share of an SQS mapping is refreshed (the live worker count may have
   * changed) and its state metric recorded, from the snapshot. Anything else goes through
   * `reconcile`, which reads the mapping again. A snapshot older than a change cannot
   * undo it: the change bumped the generation, and this process marks the new one only
   * after converging on it (a newer mark no longer matches the snapshot), while a
   * reconcile in progress sends the mapping the slow way.
   */
  private convergedOn(mapping: StoredMapping): boolean {
    const uuid = mapping.UUID;
    if (this.pending.has(uuid) || isTransitional(mapping.State) || this.marked.get(uuid) !== mapping.generation) return false;
    const runner = this.runners.get(uuid);
    if (runsPollers(mapping) !== (runner !== undefined)) return false;
    if (runner instanceof SqsRunner) runner.run(mapping, this.liveCount);
    this.recordState(mapping);
    return true;
  }

  /** Converges and settles one mapping; concurrent calls for the same UUID coalesce. */
  reconcile(uuid: string): Promise<void> {
    const running = this.pending.get(uuid);
    if (running) {
      this.dirty.add(uuid);
      return running;
    }
    const run = this.converge(uuid)
      .catch((error: unknown) => this.options.logger.warn({ err: error, mappingId: uuid }, 'reconciling failed; will retry'))
      .finally(() => {
        this.pending.delete(uuid);
        if (this.dirty.delete(uuid) && this.running) void this.reconcile(uuid);
      });
    this.pending.set(uuid, run);
    return run;
  }

  private async converge(uuid: string): Promise<void> {
    if (!this.running) return;
    const current = await this.options.store.get(uuid);
    if (!current) {
      if (this.runners.has(uuid)) {
        // A removed mapping's pollers stop while it is Deleting; one that vanished while
        // running was lost with the store, or removed while this worker counted as dead.
        this.options.logger.warn({ mappingId: uuid }, 'mapping vanished from the store while its poller ran (store lost?): stopping its poller');
      }
      await this.stopRunner(uuid);
      this.marked.delete(uuid);
      // A deleted mapping's series go (metrics.md §1).
      this.options.metrics?.removeMapping(uuid);
      return;
    }
    const mapping = current.mapping;
    this.recordState(mapping);
    if (runsPollers(mapping)) {
      let runner = this.runners.get(uuid);
      if (!runner) {
        const trace = new TraceSwitch(this.traceStore, uuid, this.options.logger);
        this.traces.set(uuid, trace);
        runner = mapping.sourceType === 'sqs' ? this.sqsRunner(uuid, trace) : this.streamRunner(uuid, trace);
        this.runners.set(uuid, runner);
        this.runnerSources.set(uuid, mapping.sourceType);
        await this.readTraceTag(uuid);
      } else if (this.traceStale.has(uuid)) {
        await this.readTraceTag(uuid);
      }
      if (runner instanceof SqsRunner) runner.run(mapping, this.liveCount);
      else await runner.run(mapping);
    } else {
      await this.stopRunner(uuid);
      if (mapping.sourceType !== 'sqs' && !isTransitional(mapping.State)) await this.applyRewindOfStopped(mapping);
    }
    // The mark is read only to settle a transitional state (allApplied): a steady mapping
    // whose generation this process marked already is not marked again at every reconcile
    // (issue #13: an idle mapping's Redis work). A transitional one always is, so a mark
    // lost with the store is written again when it matters.
    if (isTransitional(mapping.State) || this.marked.get(uuid) !== mapping.generation) {
      await this.registry.markApplied(uuid, mapping.generation);
      this.marked.set(uuid, mapping.generation);
    }
    if (isTransitional(mapping.State)) await this.settle(uuid);
  }

  /**
   * Sets the mapping's trace switch from its `sluice:trace` tag: one HGET, only when its
   * runner starts and when a change notification named the mapping, never per batch nor per
   * periodic reconcile (issue #13's idle cost stays as it was).
   */
  private async readTraceTag(uuid: string): Promise<void> {
    const trace = this.traces.get(uuid);
    if (!trace) return;
    // Cleared before the read, so a notification arriving meanwhile is read again; set again
    // when the read fails, so the next reconcile retries it.
    this.traceStale.delete(uuid);
    let value: string | undefined;
    try {
      value = await this.options.store.getTag(uuid, TRACE_TAG);
    } catch (error) {
      this.traceStale.add(uuid);
      throw error;
    }
    const capacity = parseTraceCapacity(value);
    if (capacity !== trace.capacity) this.options.logger.info({ mappingId: uuid, capacity: capacity ?? null }, capacity ? 'invocation trace on' : 'invocation trace off');
    trace.capacity = capacity;
  }

  /**
   * A rewind of a stream mapping no process runs (Disabled: every live worker has stopped its
   * poller, so nothing is in flight) has no poller to apply it: the supervisor does, when a
   * change names the mapping (the rewind request notifies). Every process may try at once;
   * each shard moves once (apply-rewind.ts). A failure throws: the reconcile warns (with the
   * cause, also in the rewind's LastError) and the next full reconcile tries again.
   */
  private async applyRewindOfStopped(mapping: StoredMapping): Promise<void> {
    const running = await this.rewinds.running(mapping.UUID);
    if (!running) return;
    const source = createStreamSource(mapping.EventSourceArn, { clients: this.options.sqs.clients, accountId: this.options.accountId });
    try {
      if ((await applyRewind(this.options.redis, this.options.prefix, source, mapping.UUID, running)) === 'completed') {
        this.options.logger.info({ mappingId: mapping.UUID, rewindId: running.id }, 'rewind applied to the stopped mapping: every shard moved');
      }
    } catch (error) {
      // Not marked converged: the next full reconcile takes the slow path and tries again.
      this.marked.delete(mapping.UUID);
      throw error;
    }
  }

  /** Stops the mapping's runner, if any; an SQS runner's receives end later (shutdown waits for them). */
  private async stopRunner(uuid: string): Promise<void> {
    const runner = this.runners.get(uuid);
    this.traceStale.delete(uuid);
    if (!runner) return;
    this.runners.delete(uuid);
    this.runnerSources.delete(uuid);
    const stopped = runner.stop();
    if (runner instanceof SqsRunner) {
      this.receivingRunners.add(runner);
      void runner.receivesEnded().finally(() => this.receivingRunners.delete(runner));
    }
    await stopped;
    this.traces.get(uuid)?.close();
    this.traces.delete(uuid);
  }

  /**
   * `sluice_mapping_state`, disabled mappings included: "a disabled mapping records
   * nothing" (metrics.md §1) is about what its pollers count, not about its state.
   */
  private recordState(mapping: StoredMapping): void {
    this.options.metrics?.mappingState(mappingLabels(mapping.UUID, mapping.sourceType, mapping.FunctionArn), mapping.State);
  }

  private sqsRunner(uuid: string, trace: TraceSwitch): SqsRunner {
    const { sqs, redis, prefix, store, logger, metrics, workerTimeoutMs } = this.options;
    // A slot lasts as long as a silent worker counts as alive: when its share of the cap
    // goes to the others, its slots are free too (concurrency-slots.ts).
    return new SqsRunner(uuid, { ...sqs, redis, prefix, store, logger, slotLeaseMs: workerTimeoutMs, trace, ...(metrics ? { metrics } : {}) });
  }

  private streamRunner(uuid: string, trace: TraceSwitch): StreamRunner {
    const { sqs, redis, prefix, store, logger, accountId, leaseMs, reading } = this.options;
    return new StreamRunner(uuid, {
      redis,
      prefix,
      accountId,
      clients: sqs.clients,
      pipeline: sqs.pipeline,
      store,
      logger,
      workerId: this.registry.workerId,
      liveWorkers: () => this.registry.live,
      leaseMs,
      reading,
      destinations: this.destinations,
      trace,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
    });
  }

  /** Moves a transitional mapping to its settled state once every live worker converged. */
  private async settle(uuid: string): Promise<void> {
    const { store, logger } = this.options;
    for (let attempt = 0; attempt < 10 && this.running; attempt++) {
      const current = await store.get(uuid);
      if (!current || !isTransitional(current.mapping.State)) return;
      if (!(await this.registry.allApplied(uuid, current.mapping.generation))) return; // the last worker to converge settles
      const target = settledState(current.mapping.State, current.mapping.enabled);
      if (target === 'removed') {
        const result = await store.remove(current);
        if (result === 'stale') continue;
        await this.registry.forget(uuid, mappingStateKeys(this.options.prefix, uuid).sqsSlots);
        // Deleting a mapping deletes its checkpoints, leases and pinned positions (streams.md §5).
        await deleteStreamState(this.options.redis, this.options.prefix, uuid);
        // And its invocation trace (chosen: the trace is the mapping's, like its checkpoints).
        await this.traceStore.remove(uuid);
        logger.info({ mappingId: uuid }, 'mapping removed');
        return;
      }
      const settled = { ...current.mapping, State: target, LastModified: this.now() / 1000 };
      const result = await store.replace(current, settled);
      if (result.ok) {
        this.recordState(settled);
        logger.info({ mappingId: uuid, from: current.mapping.State, to: target }, 'mapping settled');
        return;
      }
      if (result.reason === 'missing') return;
    }
  }
}
