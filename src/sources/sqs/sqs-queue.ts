/**
 * The queue a mapping reads (sqs.md §6): its URL and the visibility its receives ask for,
 * looked up once, and again after a reading error (the queue may have been deleted and
 * recreated).
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { EventSource } from '../../mappings/event-source-arn.js';
import type { SqsClientLike } from './sqs-calls.js';

/** Extra visibility Lambda gives when window + timeout exceed the queue's (sqs.md §6). */
const VISIBILITY_EXTRA_SECONDS = 30;

export interface SqsQueueOptions {
  source: EventSource;
  windowSeconds: number;
  functionTimeoutMs: number;
  /** Aborts a lookup in progress (the poller stopped). */
  signal: AbortSignal;
}

export class SqsQueue {
  private url?: string;
  /** The URL last resolved, kept when a reading error drops the current one: messages received from it go back there. */
  lastUrl?: string;
  /** VisibilityTimeout of each receive, when the queue's own is too short; undefined: the queue's. */
  receiveVisibilitySeconds?: number;
  /** How long a received message stays invisible. */
  visibilityMs = 30_000;

  constructor(
    private readonly sqs: SqsClientLike,
    private readonly options: SqsQueueOptions,
  ) {}

  /** The queue's URL (and visibility), asked when not known. */
  async resolve(): Promise<string> {
    if (this.url) return this.url;
    const { source, windowSeconds, functionTimeoutMs, signal } = this.options;
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: source.name, QueueOwnerAWSAccountId: source.account }), { abortSignal: signal });
    const { Attributes = {} } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }), { abortSignal: signal });
    const queueVisibility = Number(Attributes.VisibilityTimeout ?? 30);
    const needed = windowSeconds + Math.ceil(functionTimeoutMs / 1000);
    // Lambda receives with window + timeout + 30 s when the queue's own is too short (sqs.md §6).
    this.receiveVisibilitySeconds = needed > queueVisibility ? needed + VISIBILITY_EXTRA_SECONDS : undefined;
    this.visibilityMs = (this.receiveVisibilitySeconds ?? queueVisibility) * 1000;
    this.url = QueueUrl!;
    this.lastUrl = this.url;
    return this.url;
  }

  /** A call failed: the queue is asked for again before the next one. */
  forget(): void {
    this.url = undefined;
  }
}
