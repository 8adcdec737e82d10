/**
 * SQS helpers for delivery tests: send many messages, read queue counts, wait for a message.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { sqsClient } from './clients.js';
import { pollUntil } from './poll.js';

/** Sends bodies (or entries) in batches of 10, 20 calls at a time. */
export async function sendMessages(queueUrl: string, messages: (string | Omit<SendMessageBatchRequestEntry, 'Id'>)[]): Promise<void> {
  const entries = messages.map((m, i) => (typeof m === 'string' ? { Id: String(i), MessageBody: m } : { Id: String(i), ...m }));
  const batches: SendMessageBatchRequestEntry[][] = [];
  for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10).map((e, j) => ({ ...e, Id: String(j) })));
  for (let i = 0; i < batches.length; i += 20) {
    await Promise.all(
      batches.slice(i, i + 20).map(async (batch) => {
        const result = await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
        if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
      }),
    );
  }
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
}

export async function queueCounts(queueUrl: string): Promise<QueueCounts> {
  const { Attributes = {} } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

/** Whether the queue holds no message at all, visible or in flight. */
export async function queueIsEmpty(queueUrl: string): Promise<boolean> {
  const counts = await queueCounts(queueUrl);
  return counts.visible === 0 && counts.inFlight === 0;
}

/** Polls the queue until a message arrives (an on-failure record, say) and returns the first one. */
export async function receiveFirstMessage(queueUrl: string, description: string, timeoutMs = 20_000): Promise<Message> {
  return pollUntil(async () => (await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))).Messages?.[0], {
    timeoutMs,
    description,
  });
}
