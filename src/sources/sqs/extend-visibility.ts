/**
 * Keeps messages invisible until their invocation can finish (sqs.md §6, chosen): a
 * message that would become visible before its invocation deadline plus 5 s gets its
 * visibility extended with ChangeMessageVisibilityBatch. Never shortens, never makes a
 * message visible early.
 */
import { changeVisibility, MAX_VISIBILITY_SECONDS } from './change-visibility.js';
import type { MessageCalls, SqsClientLike } from './sqs-calls.js';
import type { BatchEntry } from './sqs-batch.js';

export const VISIBILITY_MARGIN_MS = 5000;

/**
 * Extends the entries whose visibility ends before `deadline` + 5 s so that they stay
 * invisible until then; returns the earliest time any entry becomes visible again.
 */
export async function ensureVisibleUntil(sqs: SqsClientLike, queueUrl: string, entries: BatchEntry[], deadline: number, calls?: MessageCalls): Promise<number> {
  const needed = deadline + VISIBILITY_MARGIN_MS;
  const short = entries.filter((e) => e.visibleUntil < needed);
  if (short.length > 0) {
    // Visibility set now counts from when SQS applies it, a little after `setAt`.
    const setAt = Date.now();
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.ceil((needed - setAt) / 1000));
    const refused = await changeVisibility(
      sqs,
      queueUrl,
      short.map((e) => e.record.receiptHandle),
      seconds,
      calls,
    );
    // A message that could not be extended keeps its old deadline (it may come back early: at least once).
    for (const entry of short) if (!refused.has(entry.record.receiptHandle)) entry.visibleUntil = setAt + seconds * 1000;
  }
  return Math.min(...entries.map((e) => e.visibleUntil));
}
