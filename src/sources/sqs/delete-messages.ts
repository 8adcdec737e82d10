/**
 * Deleting processed messages (sqs.md §6): DeleteMessageBatch in groups of 10; failed
 * entries retried 3 times (200, 400, 800 ms); an invalid receipt handle (the message is
 * visible again) is given up, so the message is delivered again (at least once). Every
 * message not deleted is reported with why (logs, `sluice_sqs_delete_failures_total`).
 * Calls go through the poller's bounded message calls (sqs-calls.ts); a retry waits
 * outside them, so a group backing off does not hold a place.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { errorLabel } from '../../observability/metrics.js';
import { messageCalls, type MessageCalls, type SqsClientLike } from './sqs-calls.js';

const RETRY_DELAYS_MS = [200, 400, 800];
const GIVE_UP_CODES = new Set(['ReceiptHandleIsInvalid', 'InvalidParameterValue', 'AWS.SimpleQueueService.ReceiptHandleIsInvalid']);

export interface DeleteTarget {
  messageId: string;
  receiptHandle: string;
}

export interface DeleteFailure {
  messageId: string;
  /** The entry's error code, or the failed call's error label (e.g. `NetworkingError`). */
  error: string;
}

/** Deletes the messages; resolves with those that could not be deleted. */
export async function deleteMessages(sqs: SqsClientLike, queueUrl: string, messages: readonly DeleteTarget[], calls: MessageCalls = messageCalls()): Promise<DeleteFailure[]> {
  const groups: DeleteTarget[][] = [];
  for (let i = 0; i < messages.length; i += 10) groups.push(messages.slice(i, i + 10));
  const failed = await Promise.all(groups.map((group) => deleteGroup(sqs, queueUrl, group, calls)));
  return failed.flat();
}

async function deleteGroup(sqs: SqsClientLike, queueUrl: string, group: DeleteTarget[], calls: MessageCalls): Promise<DeleteFailure[]> {
  let pending = group;
  const givenUp: DeleteFailure[] = [];
  for (let attempt = 0; ; attempt++) {
    let retry: DeleteFailure[] = [];
    try {
      const entries = pending.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle }));
      const result = await calls.add(() => sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })));
      for (const failed of result.Failed ?? []) {
        const failure = { messageId: pending[Number(failed.Id)]!.messageId, error: failed.Code ?? 'UnknownError' };
        (GIVE_UP_CODES.has(failed.Code ?? '') ? givenUp : retry).push(failure);
      }
    } catch (error) {
      retry = pending.map((m) => ({ messageId: m.messageId, error: errorLabel(error) })); // the whole call failed (network, throttling): retry all
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (retry.length === 0 || delay === undefined) return [...givenUp, ...retry];
    await sleep(delay);
    const again = new Set(retry.map((f) => f.messageId));
    pending = pending.filter((m) => again.has(m.messageId));
  }
}
