/**
 * ensureVisibleUntil against fauxqs: a message that would reappear before its invocation
 * deadline gets more visibility; one with enough is left alone (sqs.md §6).
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ensureVisibleUntil, VISIBILITY_MARGIN_MS } from '../../../src/sources/sqs/extend-visibility.js';
import { toBatchEntry } from '../../../src/sources/sqs/sqs-batch.js';
import { toSqsEventRecord } from '../../../src/sources/sqs/sqs-record.js';
import { createQueue, pollUntil, sqsClient } from '../../support/index.js';
import { queueCounts, sendMessages } from '../../support/sqs-helpers.js';

describe('ensureVisibleUntil', () => {
  it('extends a message whose visibility ends before the deadline + 5 s, so it does not come back early', async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 1 });
    onTestFinished(queue.cleanup);
    await sendMessages(queue.queueUrl, ['a']);
    const requestedAt = Date.now();
    const { Messages = [] } = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, WaitTimeSeconds: 1 }));
    const entries = Messages.map((m) => toBatchEntry(toSqsEventRecord(m, queue.queueArn, 'us-east-1'), Date.now(), requestedAt + 1000));
    expect(entries).toHaveLength(1);

    const deadline = Date.now() + 1000;
    const visibleUntil = await ensureVisibleUntil(sqsClient(), queue.queueUrl, entries, deadline);
    expect(visibleUntil).toBeGreaterThanOrEqual(deadline + VISIBILITY_MARGIN_MS - 1000);

    // Without the extension the message would be visible again after 1 s.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl }));
    expect(again.Messages ?? []).toHaveLength(0);
    expect(await queueCounts(queue.queueUrl)).toEqual({ visible: 0, inFlight: 1 });
  });

  it('leaves messages with enough visibility alone', async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 1 });
    onTestFinished(queue.cleanup);
    await sendMessages(queue.queueUrl, ['b']);
    const requestedAt = Date.now();
    const { Messages = [] } = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, WaitTimeSeconds: 1 }));
    const entries = Messages.map((m) => toBatchEntry(toSqsEventRecord(m, queue.queueArn, 'us-east-1'), Date.now(), requestedAt + 60_000));
    await ensureVisibleUntil(sqsClient(), queue.queueUrl, entries, Date.now());
    // The real visibility (1 s) was not touched: the message comes back. (fauxqs returns
    // expired messages to the queue lazily, on the next receive, so ask by receiving.)
    await pollUntil(
      async () => ((await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl }))).Messages ?? []).length === 1,
      { timeoutMs: 5000, description: 'message visible again' },
    );
  });
});
