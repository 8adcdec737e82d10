/** Every SQS call of a poller is counted by its API action (`sluice_source_requests_total{operation}`). */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { countingSqs, type SqsClientLike } from '../../../../src/sources/sqs/sqs-calls.js';

describe('countingSqs', () => {
  it('counts each call by its action and passes it, and its answer, through unchanged', async () => {
    const sent: unknown[] = [];
    const client = { send: async (command: unknown) => (sent.push(command), { Messages: [] }) } as unknown as SqsClientLike;
    const counted: string[] = [];
    const sqs = countingSqs(client, (operation) => counted.push(operation));
    const receive = new ReceiveMessageCommand({ QueueUrl: 'q' });
    expect(await sqs.send(receive)).toEqual({ Messages: [] });
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: 'q', Entries: [] }));
    expect(counted).toEqual(['ReceiveMessage', 'DeleteMessageBatch']);
    expect(sent[0]).toBe(receive);
  });
});
