/**
 * Keeps messages invisible until their invocation can finish (sqs.md §6, chosen): a
 * message that would become visible before its invocation deadline plus 5 s gets its
 * visibility extended with ChangeMessageVisibilityBatch. Never shortens, never makes a
 * message visible early.
 */
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BatchEntry } from './sqs-batch.js';

export const VISIBILITY_MARGIN_MS = 5000;

/**
 * Extends the entries whose visibility ends before `deadline` + 5 s so that they stay
 * invisible until then; returns the earliest time any entry becomes visible again.
 */
export async function ensureVisibleUntil(sqs: SQSClient, queueUrl: string, entries: BatchEntry[], deadline: number): Promise<number> {
  const needed = deadline + VISIBILITY_MARGIN_MS;
  const short = entries.filter((e) => e.visibleUntil < needed);
  // Visibility set now counts from now; SQS caps it at 12 hours.
  const seconds = Math.min(43_200, Math.ceil((needed - Date.now()) / 1000));
  for (let i = 0; i < short.length; i += 10) {
    const group = short.slice(i, i + 10);
    const result = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: group.map((e, j) => ({ Id: String(j), ReceiptHandle: e.record.receiptHandle, VisibilityTimeout: seconds })),
      }),
    );
    const failed = new Set((result.Failed ?? []).map((f) => Number(f.Id)));
    group.forEach((e, j) => {
      // A message that could not be extended keeps its old deadline (it may come back early: at least once).
      if (!failed.has(j)) e.visibleUntil = Date.now() + seconds * 1000;
    });
  }
  return Math.min(...entries.map((e) => e.visibleUntil));
}
