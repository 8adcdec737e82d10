/**
 * ChangeMessageVisibilityBatch over any number of messages: groups of 10 (the API's limit),
 * run through the poller's bounded message calls (sqs-calls.ts). Used to extend a batch's
 * visibility (extend-visibility.ts) and to give unused messages back at a stop (give-back.ts).
 */
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import { messageCalls, type MessageCalls, type SqsClientLike } from './sqs-calls.js';

/** SQS caps a message's visibility at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Sets the visibility of every receipt handle to `seconds` from now; resolves with the
 * handles SQS refused, each with its error code. A failed call rejects (once every call
 * has ended, so none is left running unseen).
 */
export async function changeVisibility(
  sqs: SqsClientLike,
  queueUrl: string,
  receiptHandles: readonly string[],
  seconds: number,
  calls: MessageCalls = messageCalls(),
): Promise<Map<string, string>> {
  const groups: string[][] = [];
  for (let i = 0; i < receiptHandles.length; i += 10) groups.push(receiptHandles.slice(i, i + 10));
  const results = await Promise.allSettled(
    groups.map((group) =>
      calls.add(() =>
        sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: group.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: seconds })),
          }),
        ),
      ),
    ),
  );
  const refused = new Map<string, string>();
  for (const [index, result] of results.entries()) {
    if (result.status === 'rejected') throw result.reason;
    for (const failed of result.value.Failed ?? []) refused.set(groups[index]![Number(failed.Id)]!, failed.Code ?? 'UnknownError');
  }
  return refused;
}
