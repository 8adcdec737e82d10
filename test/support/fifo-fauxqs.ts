/**
 * A private fauxqs whose FIFO queues receive like SQS does, for the FIFO end-to-end tests
 * (test/e2e/sqs-fifo.test.ts).
 *
 * fauxqs 1.9 differs from SQS on FIFO queues in two ways (the first is proven against the
 * shared emulator by a test in sqs-fifo.test.ts):
 * 1. ReceiveMessage returns at most ONE message per message group, and the group stays
 *    locked while it is in flight, so a batch can never hold two messages of one group.
 *    SQS "first attempts to return as many messages with the same message group ID as
 *    possible" (AWS docs, FIFO delivery logic), which Lambda batches rely on.
 * 2. Messages whose visibility expires are put back with `unshift` one by one, in the order
 *    they were received, which reverses them when several of a group were in flight.
 *
 * Both are fixed here, per queue of this private instance only; product code is untouched.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { buildApp } from 'fauxqs';
import { TEST_REGION } from './endpoints.js';

interface Message {
  messageGroupId?: string;
  sequenceNumber?: string;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  messageId: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  messageAttributes: Record<string, unknown>;
}

interface Inflight {
  message: Message;
  receiptHandle: string;
  visibilityDeadline: number;
}

interface Queue {
  attributes: Record<string, string>;
  fifoMessages: Map<string, Message[]>;
  fifoLockedGroups: Map<string, number>;
  inflightMessages: Map<string, Inflight>;
  isFifo(): boolean;
  processTimers(): void;
  dequeueFifo(maxCount: number, visibilityTimeoutOverride: number | undefined, dlqResolver?: (arn: string) => { enqueue(m: Message): void } | undefined): unknown[];
}

interface Store {
  createQueue(...args: unknown[]): Queue;
}

const lock = (queue: Queue, group: string, delta: number): void => {
  const count = (queue.fifoLockedGroups.get(group) ?? 0) + delta;
  if (count <= 0) queue.fifoLockedGroups.delete(group);
  else queue.fifoLockedGroups.set(group, count);
};

/** SQS' FIFO receive: groups in order, as many messages of each unlocked group as fit. */
function dequeueFifo(this: Queue, maxCount: number, visibilityTimeoutOverride: number | undefined, dlqResolver?: (arn: string) => { enqueue(m: Message): void } | undefined) {
  this.processTimers();
  const visibilityTimeout = visibilityTimeoutOverride ?? Number(this.attributes.VisibilityTimeout);
  let maxReceiveCount = Number.POSITIVE_INFINITY;
  let dlqArn: string | undefined;
  if (this.attributes.RedrivePolicy) {
    const policy = JSON.parse(this.attributes.RedrivePolicy) as { maxReceiveCount?: number | string; deadLetterTargetArn?: string };
    maxReceiveCount = Number(policy.maxReceiveCount ?? Number.POSITIVE_INFINITY);
    dlqArn = policy.deadLetterTargetArn;
  }
  const count = Math.min(maxCount, 10);
  const result: Record<string, unknown>[] = [];
  for (const [group, messages] of this.fifoMessages) {
    if (result.length >= count) break;
    if (this.fifoLockedGroups.has(group)) continue;
    while (result.length < count && messages.length > 0) {
      const message = messages.shift()!;
      message.approximateReceiveCount++;
      message.approximateFirstReceiveTimestamp ??= Date.now();
      const dlq = dlqArn && message.approximateReceiveCount > maxReceiveCount ? dlqResolver?.(dlqArn) : undefined;
      if (dlq) {
        dlq.enqueue(message);
        continue;
      }
      const receiptHandle = randomUUID();
      this.inflightMessages.set(receiptHandle, { message, receiptHandle, visibilityDeadline: Date.now() + visibilityTimeout * 1000 });
      lock(this, group, 1);
      result.push({
        MessageId: message.messageId,
        ReceiptHandle: receiptHandle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
        ...(Object.keys(message.messageAttributes).length > 0 ? { MessageAttributes: message.messageAttributes } : {}),
      });
    }
    if (messages.length === 0) this.fifoMessages.delete(group);
  }
  return result;
}

/** Expired in-flight messages go back to the front of their group in sequence order. */
function requeueExpiredInOrder(queue: Queue): void {
  const now = Date.now();
  const expired = new Map<string, Message[]>();
  for (const [handle, entry] of queue.inflightMessages) {
    if (entry.visibilityDeadline > now) continue;
    queue.inflightMessages.delete(handle);
    const group = entry.message.messageGroupId ?? '__default';
    lock(queue, group, -1);
    expired.set(group, [...(expired.get(group) ?? []), entry.message]);
  }
  for (const [group, messages] of expired) {
    messages.sort((a, b) => (a.sequenceNumber ?? '').localeCompare(b.sequenceNumber ?? ''));
    queue.fifoMessages.set(group, [...messages, ...(queue.fifoMessages.get(group) ?? [])]);
  }
}

export interface FifoFauxqs {
  endpoint: string;
  close(): Promise<void>;
}

export async function startFifoFauxqs(): Promise<FifoFauxqs> {
  // fauxqs exports only buildApp; its store class is reached by file (the package's export map hides it).
  const storeUrl = pathToFileURL(path.resolve('node_modules/fauxqs/dist/sqs/sqsStore.js')).href;
  const { SqsStore } = (await import(storeUrl)) as { SqsStore: new () => Store };
  const sqsStore = new SqsStore();
  const createQueue = sqsStore.createQueue.bind(sqsStore);
  sqsStore.createQueue = (...args: unknown[]) => {
    const queue = createQueue(...args);
    if (queue.isFifo()) {
      const processTimers = queue.processTimers.bind(queue);
      queue.processTimers = () => {
        requeueExpiredInOrder(queue);
        processTimers();
      };
      queue.dequeueFifo = dequeueFifo.bind(queue);
    }
    return queue;
  };
  const app = buildApp({ logger: false, defaultRegion: TEST_REGION, stores: { sqsStore } } as unknown as Parameters<typeof buildApp>[0]);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    endpoint: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}
