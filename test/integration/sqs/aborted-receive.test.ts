/**
 * What the emulator does with a long poll whose client went away, the behaviour the SQS
 * stop tests (test/e2e/sqs-stop.test.ts) rely on: like SQS, fauxqs keeps the receive open
 * on its side for the rest of its wait and hands it the next message, which then stays
 * invisible for the queue's visibility timeout with a receipt handle nobody knows. This is
 * why a stopping SQS poller must let its receives finish rather than abort them.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createQueue, createSqsClient } from '../../support/index.js';
import { peekAll } from '../../support/sqs-e2e.js';
import { sendMessages } from '../../support/sqs-helpers.js';

describe('fauxqs and an aborted long poll', () => {
  it('hands a message sent after the abort to the aborted receive, which strands it', async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 300 });
    onTestFinished(queue.cleanup);
    const client = createSqsClient();
    onTestFinished(() => client.destroy());

    const abort = new AbortController();
    const receiving = client.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, WaitTimeSeconds: 10 }), { abortSignal: abort.signal });
    await sleep(300); // the long poll is open on the emulator's side
    abort.abort();
    await expect(receiving).rejects.toThrow();

    await sendMessages(queue.queueUrl, ['taken by the aborted receive']);
    await sleep(300);
    // Nobody can receive it: it went to the receive that was aborted.
    expect(await peekAll(queue.queueUrl)).toEqual([]);
  });

  it('a receive that is left to finish hands the message to its caller', async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 300 });
    onTestFinished(queue.cleanup);
    const client = createSqsClient();
    onTestFinished(() => client.destroy());

    const receiving = client.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, WaitTimeSeconds: 10 }));
    await sleep(300);
    await sendMessages(queue.queueUrl, ['kept']);
    const { Messages = [] } = await receiving;
    expect(Messages.map((m) => m.Body)).toEqual(['kept']);
  });
});
