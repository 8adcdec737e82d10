/**
 * The SQS poller of one mapping in one process (sqs.md §3–§10): receive loops that hold a
 * concurrency slot, batches built by size / window / 6 MB, filtering, one BullMQ batch job
 * per batch, and the outcome applied (delete, keep, back off).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { CompiledFilter } from '../../filtering/index.js';
import { sqsFilterView } from '../../filtering/index.js';
import type { EventSource } from '../../mappings/event-source-arn.js';
import type { Logger } from '../../observability/logger.js';
import { errorLabel, mappingLabels, type MappingLabels, type SluiceMetrics } from '../../observability/metrics.js';
import { FUNCTION_NOT_CONFIGURED, type BatchJobData, type BatchJobResult } from '../../pipeline/index.js';
import type { InvocationOutcome } from '../../targets/index.js';
import { sqsBatchVerdict } from './batch-outcome.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import { deleteMessages, type DeleteFailure } from './delete-messages.js';
import { ensureVisibleUntil } from './extend-visibility.js';
import { giveBack } from './give-back.js';
import { SqsBatch, toBatchEntry, type BatchEntry } from './sqs-batch.js';
import { toSqsEventRecord, type SqsEventRecord } from './sqs-record.js';
import { RateLimitedWarnings } from '../../observability/rate-limited-warnings.js';
import { sourceErrorCode, warnSourceCallFailed, type SourceCallFailure, type SourceWarningContext } from '../source-warnings.js';

export interface SqsPollerSettings {
  mappingId: string;
  functionArn: string;
  source: EventSource;
  batchSize: number;
  windowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Batches in flight over all processes. */
  cap: number;
  functionTimeoutMs: number;
  /** How long one invocation may last (timeout, plus a lambda target's wait for Lambda's answer): visibility covers it. */
  invocationLimitMs?: number;
  filter?: CompiledFilter;
}

export interface SqsPollerDependencies {
  sqs: SQSClient;
  slots: ConcurrencySlots;
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  /** Reports LastProcessingResult changes (api.md §6.2). */
  report: (result: { invocation?: string; readError?: string | null }) => Promise<void>;
  logger: Logger;
  /** Polled, filtered-out and deleted messages, SQS errors (metrics.md §3, §6). */
  metrics?: SluiceMetrics;
}

const LONG_POLL_SECONDS = 20;
/** How often an unchanged LastProcessingResult is written again. */
const REPORT_REFRESH_MS = 2000;
const SLOT_WAIT_MS = 200;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** Extra visibility Lambda gives when window + timeout exceed the queue's (sqs.md §6). */
const VISIBILITY_EXTRA_SECONDS = 30;

/** What a receive resolves with when the poller stopped before it ended. */
const STOPPED = Symbol('stopped');
type Received = BatchEntry[] | undefined | typeof STOPPED;

/** Exponential backoff state of one loop: 1 s doubling to 30 s, reset by a success. */
class Backoff {
  private delay = 0;
  fail(): number {
    this.delay = this.delay === 0 ? FIRST_BACKOFF_MS : Math.min(this.delay * 2, MAX_BACKOFF_MS);
    return this.delay;
  }
  reset(): void {
    this.delay = 0;
  }
}

export class SqsPoller {
  private running = false;
  private localSlots = 0;
  private loops = 0;
  /** Aborts the poller's waits at a stop (pauses, slot waits, the queue lookup); never a receive. */
  private readonly stopController = new AbortController();
  /** Resolves with STOPPED at stop(): a loop waiting for a receive goes on without it. */
  private readonly stopping: Promise<typeof STOPPED>;
  private resolveStopping!: (value: typeof STOPPED) => void;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loopPromises = new Set<Promise<void>>();
  /** Receives still open at the stop, each followed by the give-back of what it returns. */
  private readonly openReceives = new Set<Promise<void>>();
  private queueUrl?: string;
  /** The queue URL last resolved, kept when a reading error drops `queueUrl`: messages received from it go back there. */
  private lastQueueUrl?: string;
  /** Stage 1 of stop(), once asked for. */
  private receivingStopped?: Promise<void>;
  private receiveVisibilitySeconds?: number;
  private visibilityMs = 30_000;
  private lastInvocationReport?: { value: string; at: number };
  private readErrorShown = false;
  private readonly leftovers: BatchEntry[] = [];
  private readonly labels: MappingLabels;
  /** Failed calls, warned about once per mapping, operation and cause (then a count per minute). */
  private readonly warnings: SourceWarningContext;

  constructor(
    readonly settings: SqsPollerSettings,
    private readonly deps: SqsPollerDependencies,
  ) {
    this.labels = mappingLabels(settings.mappingId, 'sqs', settings.functionArn);
    this.warnings = { warnings: new RateLimitedWarnings(deps.logger), logger: deps.logger, mappingId: settings.mappingId, functionArn: settings.functionArn };
    this.stopping = new Promise((resolve) => (this.resolveStopping = resolve));
  }

  /** Starts `localSlots` receive loops (window 0) or one batch filler (window > 0). */
  start(localSlots: number): void {
    this.running = true;
    this.setLocalSlots(localSlots);
  }

  /** This process's share of the mapping's concurrency changed (workers came or went). */
  setLocalSlots(count: number): void {
    this.localSlots = Math.max(1, count);
    // A batching window fills one batch at a time per process (sqs.md §4).
    const wanted = this.settings.windowSeconds > 0 ? 1 : this.localSlots;
    while (this.running && this.loops < wanted) {
      const index = this.loops++;
      const loop = (this.settings.windowSeconds > 0 ? this.fillerLoop() : this.receiveLoop(index)).finally(() => {
        this.loops--;
        this.loopPromises.delete(loop);
      });
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
    this.resolveStopping(STOPPED);
    this.stopController.abort();
    await Promise.allSettled([...this.loopPromises]);
    // An invocation tracks the deletion that follows it: wait until both are done.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.trackReceive(this.giveBack(this.leftovers.splice(0)));
    this.warnings.warnings.close();
  }

  /** Stage 2 of stop(): every receive open at the stop has ended and what it returned was given back. */
  async receivesEnded(): Promise<void> {
    await this.receivingStopped;
    while (this.openReceives.size > 0) await Promise.allSettled([...this.openReceives]);
  }

  private get stopped(): boolean {
    return !this.running;
  }

  private wantsLoop(index: number): boolean {
    return this.running && index < this.localSlots;
  }

  /**
   * Window 0: each receive is a batch, invoked at once; several loops run in parallel.
   * A loop holds one concurrency slot for as long as it runs: it has at most one batch
   * being invoked, so loops holding slots never exceed the cap, without a Redis round trip
   * per batch. Deleting a batch's messages overlaps the next receive.
   */
  private async receiveLoop(index: number): Promise<void> {
    const backoff = new Backoff();
    let token = await this.acquireSlot();
    try {
      while (token && this.wantsLoop(index)) {
        if (!(await this.deps.slots.confirm(token))) {
          // This process was frozen longer than the slot's lease and the slot went to another.
          this.deps.logger.warn('lost a concurrency slot (this process was paused longer than its lease); waiting for a free one');
          token = await this.acquireSlot();
          continue;
        }
        const entries = await this.receiveUnlessStopped(Math.min(10, this.settings.batchSize), LONG_POLL_SECONDS);
        if (entries === STOPPED) break;
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
      if (token) await this.deps.slots.release(token).catch(() => undefined);
    }
  }

  /** Window > 0: fill one batch at a time; it is invoked while the next one fills. */
  private async fillerLoop(): Promise<void> {
    const backoff = new Backoff();
    while (this.running) {
      const token = await this.acquireSlot();
      if (!token) return;
      const batch = await this.fill();
      if (batch.size === 0) {
        await this.deps.slots.release(token).catch(() => undefined);
        if (this.readErrorShown) await this.pause(backoff.fail());
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

  /** Receives until the batch is full, its window is over, or the next record would pass 6 MB. */
  private async fill(): Promise<SqsBatch> {
    const batch = new SqsBatch(this.settings.batchSize);
    while (this.leftovers.length > 0 && batch.fits(this.leftovers[0]!)) batch.add(this.leftovers.shift()!);
    const windowMs = this.settings.windowSeconds * 1000;
    // A stop closes the batch being filled: what it holds is invoked (sqs.md §10).
    while (!batch.isFull && this.leftovers.length === 0 && !this.stopped) {
      let waitSeconds = LONG_POLL_SECONDS;
      if (batch.openedAt !== undefined) {
        const remainingMs = batch.openedAt + windowMs - Date.now();
        if (remainingMs <= 0) break;
        waitSeconds = Math.min(LONG_POLL_SECONDS, Math.floor(remainingMs / 1000));
      }
      // Parallel receives once the batch has started, never asking for more than it has room for.
      const room = this.settings.batchSize - batch.size;
      const requests = batch.size === 0 ? [Math.min(10, room)] : chunks(room, 10, 10);
      const received = await Promise.all(requests.map((max) => this.receiveUnlessStopped(max, waitSeconds)));
      if (received.some((r) => r === undefined) && batch.size === 0) break; // reading error: let the loop back off
      // Receives that ended before the stop count; the others give back what they get.
      const entries = received.flatMap((r) => (Array.isArray(r) ? r : []));
      for (const entry of entries) {
        if (this.leftovers.length === 0 && batch.fits(entry)) batch.add(entry);
        else this.leftovers.push(entry);
      }
      if (entries.length === 0 && waitSeconds === 0) await sleep(50);
    }
    return batch;
  }

  /**
   * One receive, unless the poller stops first: the loop then goes on at once with
   * STOPPED, while the receive ends on its own and gives back what it returns (stop()).
   * Whatever reaches the loop was received before the stop.
   */
  private async receiveUnlessStopped(maxMessages: number, waitSeconds: number): Promise<Received> {
    const receiving = this.receive(maxMessages, waitSeconds);
    const first = await Promise.race([receiving, this.stopping]);
    if (first !== STOPPED) return first;
    this.trackReceive(receiving.then((entries) => this.giveBack(entries ?? [])));
    return STOPPED;
  }

  /** One ReceiveMessage; filtered-out messages are deleted at once. Undefined on a reading error. */
  private async receive(maxMessages: number, waitSeconds: number): Promise<BatchEntry[] | undefined> {
    let operation = 'GetQueueUrl'; // (and GetQueueAttributes), when the queue is not known yet
    try {
      const queueUrl = await this.resolveQueue();
      if (this.stopped) return [];
      operation = 'ReceiveMessage';
      // Visibility runs from when SQS answers; counting from the request errs on the safe side.
      const requestedAt = Date.now();
      // Never aborted, not even by a stop: see stop().
      const response = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.receiveVisibilitySeconds !== undefined ? { VisibilityTimeout: this.receiveVisibilitySeconds } : {}),
        }),
      );
      const messages = response.Messages ?? [];
      // A receive that ends after the stop serves no poller any more: what it returns is given
      // back untouched (stop()), neither counted (a disabled mapping records nothing,
      // metrics.md §1) nor filtered under settings an Update may just have replaced.
      if (this.stopped) return this.toEntries(messages, Date.now(), requestedAt + this.visibilityMs);
      this.deps.metrics?.polled(this.labels, messages.length);
      if (this.readErrorShown) {
        this.readErrorShown = false;
        await this.deps.report({ readError: null });
      }
      return this.applyFilter(messages, Date.now(), requestedAt + this.visibilityMs, queueUrl);
    } catch (error) {
      if (this.stopped) return [];
      this.queueUrl = undefined; // the queue may have been deleted and recreated
      const code = sourceErrorCode(error);
      this.deps.metrics?.sourceError(this.labels, errorLabel(error));
      this.warn({ operation, cause: code, error, next: 'backing off' });
      this.readErrorShown = true;
      await this.deps.report({ readError: `PROBLEM: Error reading from event source: ${code}` }).catch(() => undefined);
      return undefined;
    }
  }

  private toEntries(messages: Message[], receivedAt: number, visibleUntil: number): BatchEntry[] {
    const { source } = this.settings;
    return messages.map((m) => toBatchEntry(toSqsEventRecord(m, source.arn, source.region), receivedAt, visibleUntil));
  }

  private async applyFilter(messages: Message[], receivedAt: number, visibleUntil: number, queueUrl: string): Promise<BatchEntry[]> {
    const { filter } = this.settings;
    const entries = this.toEntries(messages, receivedAt, visibleUntil);
    if (!filter || filter.acceptsAll) return entries;
    const kept: BatchEntry[] = [];
    const rejected: BatchEntry[] = [];
    for (const entry of entries) (filter.matches(sqsFilterView(entry.record)) ? kept : rejected).push(entry);
    // Messages no filter matches are deleted at once, never invoked (sqs.md §9).
    if (rejected.length > 0) {
      this.deps.metrics?.filteredOut(this.labels, rejected.length);
      // Their failed deletions count as delete failures; their deletions are not "deleted" (metrics.md §3).
      this.countDeleteFailures(await deleteMessages(this.deps.sqs, queueUrl, rejected.map((e) => e.record)));
    }
    return kept;
  }

  /** Invokes the batch through the pipeline and applies the outcome; true when the loop should slow down. */
  private async invoke(batch: SqsBatch): Promise<boolean> {
    const { settings, deps } = this;
    const records = batch.entries.map((e) => e.record);
    const visibleUntil = await this.extendVisibility(batch);
    let outcome: InvocationOutcome;
    try {
      ({ outcome } = await deps.submit({
        mappingId: settings.mappingId,
        source: 'sqs',
        functionArn: settings.functionArn,
        payload: batch.payload(),
        recordCount: records.length,
        retryInvocationErrorsUntil: visibleUntil,
        reportBatchItemFailures: settings.reportBatchItemFailures,
      }));
    } catch (error) {
      // Not the target's failure but Sluice's own (Redis, the queue `invoke`).
      this.warn({ operation: 'invoke batch job', cause: sourceErrorCode(error), error, next: 'the messages come back after their visibility timeout' });
      outcome = { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 };
    }
    const verdict = sqsBatchVerdict(records, outcome, { reportBatchItemFailures: settings.reportBatchItemFailures, fifo: settings.source.fifo ?? false });
    // Deleting (and then reporting) overlaps the next receive; stop() waits for it.
    this.track(this.apply(verdict.toDelete, result(outcome, verdict.failed)));
    return verdict.backOff;
  }

  /**
   * A batch that waited (window, leftovers) may need more visibility before it is invoked;
   * returns when its first message becomes visible. The queue's URL is asked again if a
   * failed receive of another loop forgot it: when that fails too, the batch is invoked
   * with the visibility it has, like when the extension fails.
   */
  private async extendVisibility(batch: SqsBatch): Promise<number> {
    const { settings } = this;
    let operation = 'GetQueueUrl';
    try {
      const queueUrl = await this.resolveQueue();
      operation = 'ChangeMessageVisibilityBatch';
      return await ensureVisibleUntil(this.deps.sqs, queueUrl, batch.entries, Date.now() + (settings.invocationLimitMs ?? settings.functionTimeoutMs));
    } catch (error) {
      this.warn({ operation, cause: sourceErrorCode(error), error, next: 'invoking with the visibility the messages have' });
      return Math.min(...batch.entries.map((e) => e.visibleUntil));
    }
  }

  /** Deletes what the verdict says, then reports LastProcessingResult (api.md §6.2). */
  private async apply(toDelete: SqsEventRecord[], processingResult: string): Promise<void> {
    if (toDelete.length > 0) {
      const undeleted = await deleteMessages(this.deps.sqs, await this.resolveQueue(), toDelete);
      this.deps.metrics?.deleted(this.labels, toDelete.length - undeleted.length);
      this.countDeleteFailures(undeleted);
    }
    // Unchanged values are re-reported now and then only: with several processes on one
    // mapping, the latest invocation anywhere must win without a Redis write per batch.
    const last = this.lastInvocationReport;
    if (!last || last.value !== processingResult || Date.now() - last.at > REPORT_REFRESH_MS) {
      this.lastInvocationReport = { value: processingResult, at: Date.now() };
      await this.deps.report({ invocation: processingResult });
    }
  }

  private countDeleteFailures(failures: DeleteFailure[]): void {
    if (failures.length === 0) return;
    const byError = new Map<string, DeleteFailure[]>();
    for (const failure of failures) byError.set(failure.error, [...(byError.get(failure.error) ?? []), failure]);
    for (const [error, failed] of byError) {
      this.deps.metrics?.sqsDeleteFailed(this.labels, error, failed.length);
      this.warn({ operation: 'DeleteMessageBatch', cause: error, next: 'the messages will be delivered again', fields: { messageIds: failed.map((f) => f.messageId) } });
    }
  }

  private warn(failure: SourceCallFailure): void {
    warnSourceCallFailed(this.warnings, failure);
  }

  /** Messages received but never to be invoked go back to the queue at once (give-back.ts). */
  private async giveBack(entries: BatchEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const failures = await giveBack(this.deps.sqs, this.lastQueueUrl!, entries.map((e) => e.record));
    this.deps.logger.info({ count: entries.length - failures.length }, 'gave back messages received by a stopping poller');
    if (failures.length > 0) this.deps.logger.warn({ failures }, 'could not give messages back; they come back after their visibility timeout');
  }

  /** Receives open at the stop and give-backs: receivesEnded() waits for them. */
  private trackReceive(work: Promise<void>): void {
    const tracked: Promise<void> = work.catch((error: unknown) => this.deps.logger.warn({ err: error }, 'receive after the stop failed'));
    this.openReceives.add(tracked);
    void tracked.finally(() => this.openReceives.delete(tracked));
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

  /** Queue URL and visibility, asked once (and again after a reading error). */
  private async resolveQueue(): Promise<string> {
    if (this.queueUrl) return this.queueUrl;
    const { source, windowSeconds, functionTimeoutMs } = this.settings;
    const { QueueUrl } = await this.deps.sqs.send(
      new GetQueueUrlCommand({ QueueName: source.name, QueueOwnerAWSAccountId: source.account }),
      { abortSignal: this.stopController.signal },
    );
    const { Attributes = {} } = await this.deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }), {
      abortSignal: this.stopController.signal,
    });
    const queueVisibility = Number(Attributes.VisibilityTimeout ?? 30);
    const needed = windowSeconds + Math.ceil(functionTimeoutMs / 1000);
    // Lambda receives with window + timeout + 30 s when the queue's own is too short (sqs.md §6).
    this.receiveVisibilitySeconds = needed > queueVisibility ? needed + VISIBILITY_EXTRA_SECONDS : undefined;
    this.visibilityMs = (this.receiveVisibilitySeconds ?? queueVisibility) * 1000;
    this.queueUrl = QueueUrl!;
    this.lastQueueUrl = this.queueUrl;
    return this.queueUrl;
  }

  /** Waits for a free concurrency slot; undefined once stopped. */
  private async acquireSlot(): Promise<string | undefined> {
    while (this.running) {
      try {
        const token = await this.deps.slots.tryAcquire(this.settings.cap);
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

/**
 * LastProcessingResult for an applied outcome (api.md §6.2). These are the spec's fixed
 * strings, which clients and tests compare: the reason of a failure is not appended here;
 * it is in the attempt's warning and in the `cause` of sluice_invocation_errors_total.
 */
function result(outcome: InvocationOutcome, failed: boolean): string {
  // Only a function missing from Sluice's configuration; a Lambda target's own
  // ResourceNotFound is an invocation that failed (api.md §6.2).
  if (outcome.kind === 'invocation-error' && outcome.errorCode === FUNCTION_NOT_CONFIGURED) return 'PROBLEM: Function not found';
  return failed ? 'PROBLEM: Function call failed' : 'OK';
}

/** Splits `total` into at most `count` chunks of at most `size`. */
function chunks(total: number, size: number, count: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0 && out.length < count; left -= size) out.push(Math.min(size, left));
  return out;
}
