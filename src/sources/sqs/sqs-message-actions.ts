/**
 * What the SQS side does to messages it holds, once it knows their fate (sqs.md §6–§10):
 * extend their visibility before an invocation, delete what a verdict or the filter lets
 * go, give back what a stopping poller will never invoke; with the failures counted and
 * warned about. All through one bounded queue of message calls per poller (sqs-calls.ts).
 */
import type { MappingLabels, SluiceMetrics } from '../../observability/metrics.js';
import type { Logger } from '../../observability/logger.js';
import { sourceErrorCode, type SourceCallFailure } from '../source-warnings.js';
import { deleteMessages, type DeleteFailure, type DeleteTarget } from './delete-messages.js';
import { ensureVisibleUntil } from './extend-visibility.js';
import { giveBack } from './give-back.js';
import { messageCalls, type MessageCalls, type SqsClientLike } from './sqs-calls.js';
import type { BatchEntry } from './sqs-batch.js';
import type { SqsQueue } from './sqs-queue.js';

export interface SqsMessageActionsDependencies {
  sqs: SqsClientLike;
  queue: SqsQueue;
  labels: MappingLabels;
  metrics?: SluiceMetrics;
  logger: Logger;
  /** The poller's rate-limited warning of a failed call (source-warnings.ts). */
  warn: (failure: SourceCallFailure) => void;
  /** Default: a queue of its own (MESSAGE_CALL_CONCURRENCY). */
  calls?: MessageCalls;
}

export class SqsMessageActions {
  private readonly calls: MessageCalls;

  constructor(private readonly deps: SqsMessageActionsDependencies) {
    this.calls = deps.calls ?? messageCalls();
  }

  /**
   * A batch that waited (window, leftovers) may need more visibility before it is invoked
   * (extend-visibility.ts); returns when its first message becomes visible. The queue's URL
   * is asked again if a failed receive forgot it: when that fails too, the batch is invoked
   * with the visibility it has, like when the extension fails.
   */
  async keepInvisibleUntil(entries: BatchEntry[], deadline: number): Promise<number> {
    let operation = 'GetQueueUrl';
    try {
      const queueUrl = await this.deps.queue.resolve();
      operation = 'ChangeMessageVisibilityBatch';
      return await ensureVisibleUntil(this.deps.sqs, queueUrl, entries, deadline, this.calls);
    } catch (error) {
      this.deps.warn({ operation, cause: sourceErrorCode(error), error, next: 'invoking with the visibility the messages have' });
      return Math.min(...entries.map((e) => e.visibleUntil));
    }
  }

  /** Deletes the messages of an applied verdict; counted as deleted (metrics.md §3). */
  async deleteProcessed(messages: readonly DeleteTarget[]): Promise<void> {
    if (messages.length === 0) return;
    const undeleted = await deleteMessages(this.deps.sqs, await this.deps.queue.resolve(), messages, this.calls);
    this.deps.metrics?.deleted(this.deps.labels, messages.length - undeleted.length);
    this.countDeleteFailures(undeleted);
  }

  /** Deletes messages no filter matched (sqs.md §9): not counted as deleted, their failures are. */
  async deleteFiltered(queueUrl: string, messages: readonly DeleteTarget[]): Promise<void> {
    if (messages.length === 0) return;
    this.countDeleteFailures(await deleteMessages(this.deps.sqs, queueUrl, messages, this.calls));
  }

  /** Messages received but never to be invoked go back to the queue at once (give-back.ts), to the queue they came from. */
  async giveBack(messages: readonly DeleteTarget[]): Promise<void> {
    const queueUrl = this.deps.queue.lastUrl;
    if (messages.length === 0 || queueUrl === undefined) return;
    const failures = await giveBack(this.deps.sqs, queueUrl, messages, this.calls);
    this.deps.logger.info({ count: messages.length - failures.length }, 'gave back messages received by a stopping poller');
    if (failures.length > 0) this.deps.logger.warn({ failures }, 'could not give messages back; they come back after their visibility timeout');
  }

  private countDeleteFailures(failures: DeleteFailure[]): void {
    if (failures.length === 0) return;
    const byError = new Map<string, DeleteFailure[]>();
    for (const failure of failures) byError.set(failure.error, [...(byError.get(failure.error) ?? []), failure]);
    for (const [error, failed] of byError) {
      this.deps.metrics?.sqsDeleteFailed(this.deps.labels, error, failed.length);
      this.deps.warn({ operation: 'DeleteMessageBatch', cause: error, next: 'the messages will be delivered again', fields: { messageIds: failed.map((f) => f.messageId) } });
    }
  }
}
