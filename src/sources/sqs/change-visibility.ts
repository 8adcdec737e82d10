/**
 * ChangeMessageVisibilityBatch over any number of messages: groups of 10 (the API's limit),
 * sent one after the other. Used to extend a batch's visibility (extend-visibility.ts) and
 * to give unused messages back at a stop (give-back.ts).
 */
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS caps a message's visibility at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Sets the visibility of every receipt handle to `seconds` from now; resolves with the
 * handles SQS refused, each with its error code. A failed call rejects.
 */
export async function changeVisibility(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[], seconds: number): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (let i = 0; i < receiptHandles.length; i += 10) {
    const group = receiptHandles.slice(i, i + 10);
    const result = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: group.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: seconds })),
      }),
    );
    for (const failed of result.Failed ?? []) refused.set(group[Number(failed.Id)]!, failed.Code ?? 'UnknownError');
  }
  return refused;
}
