/**
 * Receiving for one SQS poller (sqs.md §4, §5, §9, §10): ReceiveMessage with the queue's
 * visibility, messages turned into event records, filtered (what no filter matches is
 * deleted at once), reading errors counted, warned about and shown in
 * LastProcessingResult. At a stop, a receive still open is not aborted: it ends on its own
 * and what it returns is given back (SqsPoller.stop).
 */
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { CompiledFilter } from '../../filtering/index.js';
import { sqsFilterView } from '../../filtering/index.js';
import type { EventSource } from '../../mappings/event-source-arn.js';
import type { Logger } from '../../observability/logger.js';
import { errorLabel, type MappingLabels, type SluiceMetrics } from '../../observability/metrics.js';
import { sourceErrorCode, type SourceCallFailure } from '../source-warnings.js';
import type { SqsClientLike } from './sqs-calls.js';
import type { SqsMessageActions } from './sqs-message-actions.js';
import { toBatchEntry, type BatchEntry } from './sqs-batch.js';
import type { SqsQueue } from './sqs-queue.js';
import { toSqsEventRecord } from './sqs-record.js';

/** WaitTimeSeconds of a receive that is not cut short by a batching window (SQS's most). */
export const LONG_POLL_SECONDS = 20;

/** What a receive resolves with when the poller stopped before it ended. */
export const STOPPED = Symbol('stopped');
/** Entries received (after filtering), undefined after a reading error, or STOPPED. */
export type Received = BatchEntry[] | undefined | typeof STOPPED;

export interface SqsReceiverDependencies {
  sqs: SqsClientLike;
  queue: SqsQueue;
  source: EventSource;
  filter?: CompiledFilter;
  actions: SqsMessageActions;
  /** Reports a reading error, or its end (null), in LastProcessingResult (api.md §6.2). */
  reportReadError: (readError: string | null) => Promise<void>;
  labels: MappingLabels;
  metrics?: SluiceMetrics;
  logger: Logger;
  warn: (failure: SourceCallFailure) => void;
}

export class SqsReceiver {
  private stopped = false;
  /**
   * The loops waiting for a receive, each woken with STOPPED at stop() to go on without it.
   * One waiter per receive, removed when it ends: racing every receive against one promise
   * that only settles at the stop left a reaction on that promise per receive, holding the
   * batch it returned until the poller stopped (a busy mapping's whole history).
   */
  private readonly stopWaiters = new Set<(value: typeof STOPPED) => void>();
  /** Receives still open at the stop, each followed by the give-back of what it returns. */
  private readonly openReceives = new Set<Promise<void>>();
  /** A reading error is shown in LastProcessingResult until a receive succeeds again. */
  private readErrorShown = false;
  /** Messages received so far, filtered-out ones included: whether the queue has traffic (SqsPoller's idle loops). */
  private received = 0;

  constructor(private readonly deps: SqsReceiverDependencies) {}

  /** Messages received so far (before filtering), by every loop of the poller. */
  get messagesReceived(): number {
    return this.received;
  }

  /** The last receive failed (the loops back off until one succeeds). */
  get failing(): boolean {
    return this.readErrorShown;
  }

  /**
   * One receive, unless the poller stops first: the loop then goes on at once with
   * STOPPED, while the receive ends on its own and gives back what it returns. Whatever
   * reaches the loop was received before the stop.
   */
  async receiveUnlessStopped(maxMessages: number, waitSeconds: number): Promise<Received> {
    const receiving = this.receive(maxMessages, waitSeconds);
    let wake!: (value: typeof STOPPED) => void;
    const stopped = new Promise<typeof STOPPED>((resolve) => {
      wake = resolve;
      if (this.stopped) resolve(STOPPED);
      else this.stopWaiters.add(resolve);
    });
    const first = await Promise.race([receiving, stopped]).finally(() => this.stopWaiters.delete(wake));
    if (first !== STOPPED) return first;
    this.trackAfterStop(receiving.then((entries) => this.deps.actions.giveBack((entries ?? []).map((e) => e.record))));
    return STOPPED;
  }

  /** No receive starts any more; the ones open go on and give back what they return. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.stopWaiters) wake(STOPPED);
  }

  /** Gives back what the poller received but will never invoke, as part of the receives after the stop. */
  giveBackAfterStop(entries: BatchEntry[]): void {
    if (entries.length > 0) this.trackAfterStop(this.deps.actions.giveBack(entries.map((e) => e.record)));
  }

  /** Every receive open at the stop has ended and what it returned was given back. */
  async receivesEnded(): Promise<void> {
    while (this.openReceives.size > 0) await Promise.allSettled([...this.openReceives]);
  }

  /** One ReceiveMessage; filtered-out messages are deleted at once. Undefined on a reading error. */
  private async receive(maxMessages: number, waitSeconds: number): Promise<BatchEntry[] | undefined> {
    const { queue } = this.deps;
    let operation = 'GetQueueUrl'; // (and GetQueueAttributes), when the queue is not known yet
    try {
      const queueUrl = await queue.resolve();
      if (this.stopped) return [];
      operation = 'ReceiveMessage';
      // Visibility runs from when SQS answers; counting from the request errs on the safe side.
      const requestedAt = Date.now();
      // Never aborted, not even by a stop: see SqsPoller.stop().
      const response = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(queue.receiveVisibilitySeconds !== undefined ? { VisibilityTimeout: queue.receiveVisibilitySeconds } : {}),
        }),
      );
      const messages = response.Messages ?? [];
      const visibleUntil = requestedAt + queue.visibilityMs;
      // A receive that ends after the stop serves no poller any more: what it returns is given
      // back untouched, neither counted (a disabled mapping records nothing, metrics.md §1)
      // nor filtered under settings an Update may just have replaced.
      if (this.stopped) return this.toEntries(messages, Date.now(), visibleUntil);
      this.received += messages.length;
      this.deps.metrics?.polled(this.deps.labels, messages.length);
      if (this.readErrorShown) {
        this.readErrorShown = false;
        await this.deps.reportReadError(null);
      }
      return await this.applyFilter(this.toEntries(messages, Date.now(), visibleUntil), queueUrl);
    } catch (error) {
      if (this.stopped) return [];
      queue.forget(); // the queue may have been deleted and recreated
      const code = sourceErrorCode(error);
      this.deps.metrics?.sourceError(this.deps.labels, errorLabel(error));
      this.deps.warn({ operation, cause: code, error, next: 'backing off' });
      this.readErrorShown = true;
      await this.deps.reportReadError(`PROBLEM: Error reading from event source: ${code}`).catch(() => undefined);
      return undefined;
    }
  }

  private toEntries(messages: Message[], receivedAt: number, visibleUntil: number): BatchEntry[] {
    const { source } = this.deps;
    return messages.map((m) => toBatchEntry(toSqsEventRecord(m, source.arn, source.region), receivedAt, visibleUntil));
  }

  /** Messages no filter matches are deleted at once, never invoked (sqs.md §9). */
  private async applyFilter(entries: BatchEntry[], queueUrl: string): Promise<BatchEntry[]> {
    const { filter } = this.deps;
    if (!filter || filter.acceptsAll) return entries;
    const kept: BatchEntry[] = [];
    const rejected: BatchEntry[] = [];
    for (const entry of entries) (filter.matches(sqsFilterView(entry.record)) ? kept : rejected).push(entry);
    if (rejected.length > 0) {
      this.deps.metrics?.filteredOut(this.deps.labels, rejected.length);
      await this.deps.actions.deleteFiltered(queueUrl, rejected.map((e) => e.record));
    }
    return kept;
  }

  private trackAfterStop(work: Promise<void>): void {
    const tracked: Promise<void> = work.catch((error: unknown) => this.deps.logger.warn({ err: error }, 'receive after the stop failed'));
    this.openReceives.add(tracked);
    void tracked.finally(() => this.openReceives.delete(tracked));
  }
}
