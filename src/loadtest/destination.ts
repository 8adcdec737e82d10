/**
 * destinationCount: how many of the run's records reached the failure destination.
 *
 * - SQS: the DLQ's depth at the end minus its depth before the run (a DLQ message is one
 *   record, moved by SQS' redrive).
 * - Streams: the on-failure queue the run created holds one message per discarded batch,
 *   Lambda's on-failure record, whose `KinesisBatchInfo` / `DDBStreamBatchInfo.batchSize`
 *   says how many records it stands for; the run receives them all (the queue is its own and
 *   removed right after) and sums those sizes. Depth alone would count batches, not records.
 *   Read here from the wire format rather than from src/destinations (a user's view: the
 *   tool reads what AWS' documented record says).
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth, type FailureQueue } from './resources.js';

/** Records one on-failure message stands for: its batch size, or 1 when it names none. */
export function recordsInOnFailureMessage(body: string | undefined): number {
  try {
    const parsed = JSON.parse(body ?? '') as { KinesisBatchInfo?: { batchSize?: unknown }; DDBStreamBatchInfo?: { batchSize?: unknown } };
    const size = (parsed.KinesisBatchInfo ?? parsed.DDBStreamBatchInfo)?.batchSize;
    return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : 1;
  } catch {
    return 1;
  }
}

/**
 * Receives every message of `queueUrl` (made invisible for `holdSeconds` so none is read
 * twice) and sums what `count` makes of each; stops at the first empty receive.
 */
export async function drainAndCount(sqs: SQSClient, queueUrl: string, count: (body: string | undefined) => number, holdSeconds = 120): Promise<number> {
  let total = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: holdSeconds }));
    if (Messages.length === 0) return total;
    for (const m of Messages) total += count(m.Body);
  }
}

export async function countDestination(sqs: SQSClient, queue: FailureQueue, kind: 'dlq' | 'on-failure'): Promise<number> {
  if (kind === 'dlq') return Math.max(0, (await queueDepth(sqs, queue.queueUrl)) - queue.baseline);
  return drainAndCount(sqs, queue.queueUrl, recordsInOnFailureMessage);
}
