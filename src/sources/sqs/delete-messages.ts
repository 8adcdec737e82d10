/**
 * Deleting processed messages (sqs.md §6): DeleteMessageBatch in groups of 10; failed
 * entries retried 3 times (200, 400, 800 ms); an invalid receipt handle (the message is
 * visible again) is given up, so the message is delivered again (at least once).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

const RETRY_DELAYS_MS = [200, 400, 800];
const GIVE_UP_CODES = new Set(['ReceiptHandleIsInvalid', 'InvalidParameterValue', 'AWS.SimpleQueueService.ReceiptHandleIsInvalid']);

export interface DeleteTarget {
  messageId: string;
  receiptHandle: string;
}

/** Deletes the messages; resolves with the ids that could not be deleted. */
export async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: DeleteTarget[]): Promise<string[]> {
  const groups: DeleteTarget[][] = [];
  for (let i = 0; i < messages.length; i += 10) groups.push(messages.slice(i, i + 10));
  const failed = await Promise.all(groups.map((group) => deleteGroup(sqs, queueUrl, group)));
  return failed.flat();
}

async function deleteGroup(sqs: SQSClient, queueUrl: string, group: DeleteTarget[]): Promise<string[]> {
  let pending = group;
  for (let attempt = 0; ; attempt++) {
    let retry: DeleteTarget[] = [];
    try {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: pending.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
        }),
      );
      retry = (result.Failed ?? []).filter((f) => !GIVE_UP_CODES.has(f.Code ?? '')).map((f) => pending[Number(f.Id)]!);
    } catch {
      retry = pending; // the whole call failed (network, throttling): retry all
    }
    if (retry.length === 0) return [];
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) return retry.map((m) => m.messageId);
    await sleep(delay);
    pending = retry;
  }
}
