/**
 * Giving back messages a stopping poller received but will never invoke (sqs.md §10):
 * ChangeMessageVisibility 0, so the next poller (after Enable, an Update, a restart, or
 * another process) receives them at once instead of after the queue's visibility
 * timeout, which users set to minutes.
 *
 * This is the one exception to "Sluice never makes a message visible early" (sqs.md §6):
 * that rule protects messages being invoked (FIFO order, no duplicate invocation); these
 * were never handed to an invocation, so there is nothing to protect. Their receive
 * still counts: each give-back adds one to ApproximateReceiveCount, as any receive does
 * (Lambda's advice of a `maxReceiveCount` of at least 5 covers it).
 */
import { errorLabel } from '../../observability/metrics.js';
import { changeVisibility } from './change-visibility.js';
import type { MessageCalls, SqsClientLike } from './sqs-calls.js';
import type { DeleteFailure as MessageFailure, DeleteTarget as MessageRef } from './delete-messages.js';

/** Makes the messages visible again; resolves with those that could not be (they come back after their visibility timeout). */
export async function giveBack(sqs: SqsClientLike, queueUrl: string, messages: readonly MessageRef[], calls?: MessageCalls): Promise<MessageFailure[]> {
  if (messages.length === 0) return [];
  try {
    const refused = await changeVisibility(
      sqs,
      queueUrl,
      messages.map((m) => m.receiptHandle),
      0,
      calls,
    );
    return messages.filter((m) => refused.has(m.receiptHandle)).map((m) => ({ messageId: m.messageId, error: refused.get(m.receiptHandle)! }));
  } catch (error) {
    return messages.map((m) => ({ messageId: m.messageId, error: errorLabel(error) }));
  }
}
