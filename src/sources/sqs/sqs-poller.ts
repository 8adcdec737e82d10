/**
 * The SQS poller of one mapping in one process (sqs.md §3–§10): receive loops that hold a
 * concurrency slot, batches built by size / window / 6 MB, and each batch handed to the
 * SQS batch policy (its attempts, then its verdict applied). The parts: receiving
 * (sqs-receiver.ts, batch-filler.ts for a batching window), the attempts (sqs-attempts.ts), the verdict (batch-outcome.ts), what
 * is done to the messages (sqs-message-actions.ts), LastProcessingResult
 * (processing-result.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledFilter } from '../../filtering/index.js';
import type { EventSource } from '../../mappings/event-source-arn.js';
import type { SqsRuntimeSettings } from '../../mappings/runtime-settings.js';
import type { Logger } from '../../observability/logger.js';
import { mappingLabels, type MappingLabels, type SluiceMetrics } from '../../observability/metrics.js';
import type { BatchJobData, BatchJobResult } from '../../pipeline/index.js';
import { RateLimitedWarnings } from '../../observability/rate-limited-warnings.js';
import { sqsId } from '../../mappings/invocation-trace.js';
import { recordInvocationAttempt, type AttemptMetrics, type AttemptTracer } from '../invocation-attempts.js';
import { sourceErrorCode, warnSourceCallFailed, type SourceCallFailure, type SourceWarningContext } from '../source-warnings.js';
import { sqsBackoff } from './backoff.js';
import { sqsBatchVerdict } from './batch-outcome.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import { processingResult, ProcessingResultReporter } from './processing-result.js';
import { attemptBatch } from './sqs-attempts.js';
import { BatchFiller } from './batch-filler.js';
import { SqsBatch, type BatchEntry } from './sqs-batch.js';
import { countingSqs, type SqsClientLike } from './sqs-calls.js';
import { SqsMessageActions } from './sqs-message-actions.js';
import { SqsQueue } from './sqs-queue.js';
import { LONG_POLL_SECONDS, SqsReceiver, STOPPED } from './sqs-receiver.js';

/**
 * The mapping's settings as `mappings/runtime-settings.ts` resolved them (every default,
 * the concurrency cap included, applied there and none here), plus what the runner adds.
 */
export interface SqsPollerSettings extends SqsRuntimeSettings {
  source: EventSource;
  functionTimeoutMs: number;
  /** How long one invocation may last (timeout, plus a lambda target's wait for Lambda's answer): visibility covers it. */
  invocationLimitMs?: number;
  /** FilterCriteria compiled once; absent: every message is invoked. */
  filter?: CompiledFilter;
}

export interface SqsPollerDependencies {
  sqs: SqsClientLike;
  slots: ConcurrencySlots;
  /** Submits one invocation attempt (a batch job) and resolves with its outcome. */
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  /** Reports LastProcessingResult changes (api.md §6.2). */
  report: (result: { invocation?: string; readError?: string | null }) => Promise<void>;
  logger: Logger;
  /** Polled, filtered-out and deleted messages, invocation attempts, SQS errors (metrics.md §3, §4, §6). */
  metrics?: SluiceMetrics;
  /** The mapping's invocation trace (on while it is tagged `sluice:trace`). */
  trace?: AttemptTracer;
}

const SLOT_WAIT_MS = 200;
/**
 * Receive loops a window-0 poller keeps open while its queue is empty (chosen: one, the
 * fewest that still notices a message within a long poll; sqs.md §3 leaves the number of
 * parallel receives to Sluice).
 */
const IDLE_LOOPS = 1;

export class SqsPoller {
  private running = false;
  private localSlots = 0;
  private loops = 0;
  /** Aborts the poller's waits at a stop (pauses, slot waits, retry waits, the queue lookup); never a receive. */
  private readonly stopController = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loopPromises = new Set<Promise<void>>();
  /** Stage 1 of stop(), once asked for. */
  private receivingStopped?: Promise<void>;
  private readonly filler: BatchFiller;
  private readonly labels: MappingLabels;
  /** Failed calls, warned about once per mapping, operation and cause (then a count per minute). */
  private readonly warnings: SourceWarningContext;
  private readonly receiver: SqsReceiver;
  private readonly actions: SqsMessageActions;
  private readonly reporter: ProcessingResultReporter;
  private readonly attemptMetrics?: AttemptMetrics;

  constructor(
    readonly settings: SqsPollerSettings,
    private readonly deps: SqsPollerDependencies,
  ) {
    const { metrics, logger } = deps;
    const labels = (this.labels = mappingLabels(settings.mappingId, 'sqs', settings.functionArn));
    this.warnings = { warnings: new RateLimitedWarnings(logger, { ...(metrics ? { onLogged: metrics.explainedFailure } : {}) }), logger, mappingId: settings.mappingId, functionArn: settings.functionArn };
    const warn = (failure: SourceCallFailure) => warnSourceCallFailed(this.warnings, failure);
    const sqs = metrics ? countingSqs(deps.sqs, (operation) => metrics.sourceRequest(labels, operation)) : deps.sqs;
    const queue = new SqsQueue(sqs, { ...settings, signal: this.stopController.signal });
    this.actions = new SqsMessageActions({ sqs, queue, labels, logger, warn, ...(metrics ? { metrics } : {}) });
    this.receiver = new SqsReceiver({
      sqs,
      queue,
      source: settings.source,
      ...(settings.filter ? { filter: settings.filter } : {}),
      actions: this.actions,
      reportReadError: (readError) => deps.report({ readError }),
      labels,
      logger,
      warn,
      ...(metrics ? { metrics } : {}),
    });
    this.filler = new BatchFiller({
      batchSize: settings.batchSize,
      windowSeconds: settings.windowSeconds,
      receive: (max, waitSeconds) => this.receiver.receiveUnlessStopped(max, waitSeconds),
      running: () => this.running,
    });
    this.reporter = new ProcessingResultReporter((result) => deps.report(result));
    if (metrics) this.attemptMetrics = { invocationAttempt: (a) => metrics.invocationAttempt(labels, a), invocationError: (c) => metrics.invocationError(labels, c) };
  }

  /**
   * Starts IDLE_LOOPS receive loops (window 0) or one batch filler (window > 0); the first
   * receive that gets messages starts loops up to `localSlots` (receiveLoop), and loops
   * beyond IDLE_LOOPS leave once their long poll comes back empty.
   *
   * (chosen) Not all `localSlots` loops at once: 1,000 mappings starting five loops each
   * made 5,000 concurrent first receives, whose garbage V8 kept as reserved heap (RSS 551 MB
   * for 90 MB live, issue #13); a queue with a backlog reaches its full share one receive later.
   */
  start(localSlots: number): void {
    this.running = true;
    this.localSlots = Math.max(1, localSlots);
    this.spawnLoops(this.settings.windowSeconds > 0 ? 1 : Math.min(IDLE_LOOPS, this.localSlots));
  }

  /**
   * This process's share of the mapping's concurrency changed (workers came or went), or
   * the supervisor's periodic reconcile confirms it. Loops above the share leave at their
   * next turn; below it, only the idle floor is ensured here: more start when a receive
   * finds messages, so a reconcile does not wake the loops of an idle queue again.
   */
  setLocalSlots(count: number): void {
    this.localSlots = Math.max(1, count);
    this.spawnLoops(this.settings.windowSeconds > 0 ? 1 : Math.min(IDLE_LOOPS, this.localSlots));
  }

  /** Starts loops until `wanted` run. */
  private spawnLoops(wanted: number): void {
    while (this.running && this.loops < wanted) {
      this.loops++;
      // A receive loop counts itself out when it decides to go (receiveLoop); the filler when it ends.
      const running = this.settings.windowSeconds > 0 ? this.fillerLoop().finally(() => this.loops--) : this.receiveLoop();
      const loop = running.finally(() => this.loopPromises.delete(loop));
      this.loopPromises.add(loop);
    }
  }

  /**
   * Stops the poller (sqs.md §10), in two stages.
   *
   * 1. This promise: no new receive; a batch still being filled is closed and invoked;
   *    batches in flight finish and their outcome is applied; messages received but not
   *    invoked (the leftovers of a batching window) are given back. Disable and Delete
   *    settle after this stage: it lasts as long as the invocations in flight.
   * 2. `receivesEnded()`: receives still open are NOT aborted. SQS would still hand a
   *    message to an aborted long poll, and nobody could see it for the queue's visibility
   *    timeout (test/integration/sqs/aborted-receive.test.ts). They end on their own
   *    within their WaitTimeSeconds (20 s at most) and what they return is given back at
   *    once (ChangeMessageVisibility 0), never invoked. Settling does not wait for them:
   *    nothing they return is invoked, and on an idle queue they would hold `Disabling`
   *    for up to 20 s where api.md §6 wants 10. A shutdown waits for them within
   *    `supervisor.shutdownTimeoutMs` (Supervisor.stop).
   */
  stop(): Promise<void> {
    return (this.receivingStopped ??= this.stopReceiving());
  }

  private async stopReceiving(): Promise<void> {
    this.running = false;
    this.receiver.stop();
    this.stopController.abort();
    await Promise.allSettled([...this.loopPromises]);
    // An invocation tracks the deletion that follows it: wait until both are done.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.receiver.giveBackAfterStop(this.filler.takeLeftovers());
    this.warnings.warnings.close();
  }

  /** Stage 2 of stop(): every receive open at the stop has ended and what it returned was given back. */
  async receivesEnded(): Promise<void> {
    await this.receivingStopped;
    await this.receiver.receivesEnded();
  }

  /**
   * Window 0: each receive is a batch, invoked at once; several loops run in parallel.
   * A loop holds one concurrency slot for as long as it runs: it has at most one batch
   * being invoked, so loops holding slots never exceed the cap, without a Redis round trip
   * per batch. Deleting a batch's messages overlaps the next receive.
   *
   * Idle mappings (issue #13: 1,000 of them cost half a core and 640 MB): a loop whose long
   * poll came back empty while no other loop received anything leaves, down to IDLE_LOOPS,
   * and gives its slot back; the first receive that gets messages starts loops up to the
   * share again. An idle mapping then holds one long poll and one slot instead of five;
   * a queue that fills is at its full share one receive later.
   */
  private async receiveLoop(): Promise<void> {
    const backoff = sqsBackoff();
    let left = false;
    // `loops` counts the loops that stay: a loop that decides to go counts itself out at
    // once, so loops deciding together never all go.
    const leave = () => {
      if (!left) this.loops--;
      left = true;
    };
    let token = await this.acquireSlot();
    try {
      while (token && this.running) {
        if (this.loops > this.localSlots) break; // the share shrank
        if (!(await this.deps.slots.confirm(token))) {
          // This process was frozen longer than the slot's lease and the slot went to another.
          this.deps.logger.warn('lost a concurrency slot (this process was paused longer than its lease); waiting for a free one');
          token = await this.acquireSlot();
          continue;
        }
        const receivedBefore = this.receiver.messagesReceived;
        const entries = await this.receiver.receiveUnlessStopped(Math.min(10, this.settings.batchSize), LONG_POLL_SECONDS);
        if (entries === STOPPED) break;
        if (this.receiver.messagesReceived > receivedBefore) {
          this.spawnLoops(this.localSlots);
        } else if (entries !== undefined && this.loops > IDLE_LOOPS) {
          leave();
          break;
        }
        let backOffMs = 0;
        if (entries === undefined) {
          backOffMs = backoff.fail();
        } else if (entries.length > 0) {
          const batch = new SqsBatch(this.settings.batchSize);
          for (const entry of entries) batch.add(entry);
          const slowDown = await this.invoke(batch);
          if (slowDown) backOffMs = backoff.fail();
          else backoff.reset();
        }
        if (backOffMs > 0) await this.pause(backOffMs);
      }
    } finally {
      leave();
      if (token) await this.deps.slots.release(token).catch(() => undefined);
    }
  }

  /** Window > 0: fill one batch at a time; it is invoked while the next one fills. */
  private async fillerLoop(): Promise<void> {
    const backoff = sqsBackoff();
    while (this.running) {
      const token = await this.acquireSlot();
      if (!token) return;
      const batch = await this.filler.fill();
      if (batch.size === 0) {
        await this.deps.slots.release(token).catch(() => undefined);
        if (this.receiver.failing) await this.pause(backoff.fail());
        continue;
      }
      this.track(
        this.invoke(batch)
          .then(async (slowDown) => {
            // The slot that saw the failure waits before it serves another receive (sqs.md §3).
            if (slowDown) await this.pause(backoff.fail());
            else backoff.reset();
          })
          .finally(() => this.deps.slots.release(token).catch(() => undefined)),
      );
    }
  }

  /**
   * Hands the batch to the SQS batch policy: its messages kept invisible for the
   * invocation, its attempts (sqs-attempts.ts), then the verdict applied; true when the
   * loop should slow down. Deleting (and then reporting) overlaps the next receive; stop()
   * waits for it.
   */
  private async invoke(batch: SqsBatch): Promise<boolean> {
    const { settings, deps } = this;
    const records = batch.entries.map((e) => e.record);
    const visibleUntil = await this.actions.keepInvisibleUntil(batch.entries, Date.now() + (settings.invocationLimitMs ?? settings.functionTimeoutMs));
    const judgeOptions = { reportBatchItemFailures: settings.reportBatchItemFailures, fifo: settings.source.fifo ?? false };
    const { outcome, verdict } = await attemptBatch({
      job: { mappingId: settings.mappingId, source: 'sqs', functionArn: settings.functionArn, payload: batch.payload(), recordCount: records.length },
      submit: deps.submit,
      judge: (attempted) => sqsBatchVerdict(records, attempted, judgeOptions),
      record: (attempt, { startedAt, endedAt, attempt: number }) =>
        recordInvocationAttempt(
          this.attemptMetrics,
          this.warnings,
          // batchItemFailures name SQS messages by MessageId, their trace id.
          { ...attempt, trace: { startedAt, endedAt, attempt: number, ids: () => records.map(sqsId), idOfItem: (id) => id } },
          deps.trace,
        ),
      onJobFailed: (error) =>
        this.warn({ operation: 'invoke batch job', cause: sourceErrorCode(error), error, next: 'the messages come back after their visibility timeout' }),
      visibleUntil,
      functionTimeoutMs: settings.functionTimeoutMs,
      signal: this.stopController.signal,
    });
    this.track(this.apply(verdict.toDelete, processingResult(outcome, verdict.failed)));
    return verdict.backOff;
  }

  /** Deletes what the verdict says, then reports LastProcessingResult (api.md §6.2). */
  private async apply(toDelete: BatchEntry['record'][], result: string): Promise<void> {
    await this.actions.deleteProcessed(toDelete);
    await this.reporter.reported(result);
  }

  private warn(failure: SourceCallFailure): void {
    warnSourceCallFailed(this.warnings, failure);
  }

  /** Work that must end before stop() resolves (invocations, deletes). */
  private track(work: Promise<unknown>): void {
    const tracked: Promise<void> = work.then(
      () => undefined,
      (error: unknown) => this.warn({ operation: 'delete and report a batch', cause: sourceErrorCode(error), error, next: 'its messages come back after their visibility timeout' }),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Waits for a free concurrency slot; undefined once stopped. */
  private async acquireSlot(): Promise<string | undefined> {
    while (this.running) {
      try {
        const token = await this.deps.slots.tryAcquire(this.settings.maximumConcurrency);
        if (token) return token;
      } catch (error) {
        this.warn({ operation: 'take a concurrency slot (Redis)', cause: sourceErrorCode(error), error, next: 'trying again' });
      }
      await this.pause(SLOT_WAIT_MS + Math.random() * SLOT_WAIT_MS);
    }
    return undefined;
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopController.signal }).catch(() => undefined);
  }
}
