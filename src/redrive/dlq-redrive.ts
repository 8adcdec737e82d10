/**
 * `sluice redrive` for an SQS mapping (issue #16): moves the messages of the source queue's
 * dead-letter queue (its RedrivePolicy `deadLetterTargetArn`, or `--from`) back to the
 * source queue, as SQS's StartMessageMoveTask does: body, message attributes and the
 * AWSTraceHeader system attribute kept; into a FIFO queue with the message's group id and a
 * new deduplication id (a moved message must not be dropped as a duplicate of its first
 * sending). A message is deleted from the DLQ only after the source queue took it, so a
 * crash between the two sends it twice, never loses it (at-least-once, design.md).
 *
 * (chosen) Messages are received ten at a time, invisible for DLQ_VISIBILITY_SECONDS while
 * they are moved, and moved in that order (a FIFO DLQ hands a group's messages in order, and
 * SendMessageBatch keeps the order of its entries). A message the source queue refused stays
 * in the DLQ, visible again at once, and is reported with the refusal.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { RedriveProgress } from './progress.js';

export const DLQ_VISIBILITY_SECONDS = 120;

/** Message attributes as SendMessage takes them: only the members a value has. */
function attributesToSend(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  return out;
}

/** The SendMessageBatch entry that moves `message` to a queue (FIFO or not). */
export function moveEntry(message: Message, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes = attributesToSend(message.MessageAttributes);
  const trace = message.Attributes?.AWSTraceHeader;
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(attributes ? { MessageAttributes: attributes } : {}),
    ...(trace ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: trace } } } : {}),
    ...(fifo ? { MessageGroupId: message.Attributes?.MessageGroupId ?? 'sluice-redrive', MessageDeduplicationId: randomUUID() } : {}),
  };
}

export interface DlqRedriveOptions {
  sqs: SQSClient;
  dlqUrl: string;
  sourceUrl: string;
  sourceFifo: boolean;
  progress: RedriveProgress;
  dryRun: boolean;
  limit?: number;
}

/** How many messages the DLQ holds (for the progress bar), or undefined when SQS does not say. */
export async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number | undefined> {
  const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  const depth = Number(answer.Attributes?.ApproximateNumberOfMessages);
  return Number.isFinite(depth) ? depth : undefined;
}

export async function redriveDlq(options: DlqRedriveOptions): Promise<void> {
  const { sqs, dlqUrl, sourceUrl, sourceFifo, progress, dryRun, limit } = options;
  const tally = progress.tally;
  /** Receipt handles to make visible again at the end (a dry run's, refused ones). */
  const release: Message[] = [];
  try {
    for (;;) {
      const room = limit === undefined ? 10 : Math.min(10, limit - tally.items);
      if (room <= 0) break;
      const answer = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: room,
          WaitTimeSeconds: 1,
          VisibilityTimeout: DLQ_VISIBILITY_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = answer.Messages ?? [];
      if (messages.length === 0) break;
      tally.items += messages.length;
      if (dryRun) {
        for (const message of messages) progress.line(`would move  message ${message.MessageId ?? '?'} (${Buffer.byteLength(message.Body ?? '')} bytes)`);
        release.push(...messages);
        progress.draw();
        continue;
      }
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: sourceUrl, Entries: messages.map((m, i) => moveEntry(m, String(i), sourceFifo)) }));
      const moved = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
      for (const refusal of sent.Failed ?? []) {
        const message = messages[Number(refusal.Id)]!;
        tally.failed++;
        release.push(message);
        progress.line(`failed      message ${message.MessageId ?? '?'}: the source queue refused it: ${refusal.Code ?? ''}: ${refusal.Message ?? ''}; it stays in the DLQ`);
      }
      const toDelete = messages.filter((_, i) => moved.has(i));
      if (toDelete.length > 0) {
        const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        for (const refusal of deleted.Failed ?? []) {
          // Sent but still in the DLQ: it comes back after its visibility timeout and would be moved twice.
          progress.line(`warning     message ${toDelete[Number(refusal.Id)]!.MessageId ?? '?'} was moved but could not be deleted from the DLQ: ${refusal.Code ?? ''}: ${refusal.Message ?? ''}`);
        }
      }
      tally.done += toDelete.length;
      tally.records += toDelete.length;
      progress.draw();
    }
  } finally {
    // Visible again at once: what was not moved is where it was.
    for (let i = 0; i < release.length; i += 10) {
      const chunk = release.slice(i, i + 10);
      await sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) }))
        .catch((error: unknown) => progress.line(`warning     ${chunk.length} message(s) stay invisible in the DLQ for up to ${DLQ_VISIBILITY_SECONDS} s: ${(error as Error).message}`));
    }
  }
}
