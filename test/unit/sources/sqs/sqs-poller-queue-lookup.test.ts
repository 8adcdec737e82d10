/**
 * One edge case of the SQS poller, with a scripted SQS client (the emulator cannot fail on
 * cue between two calls): a receive loop got a message while another loop's receive
 * failed, which makes the poller forget the queue's URL; asking for it again before the
 * invocation fails as well (SQS still down). The batch must still be invoked (with the
 * visibility it has) and the failure warned about; it used to throw out of the receive
 * loop, which ended it (an unhandled rejection, fatal to the process).
 *
 * The poller starts one receive loop and its share once a receive gets messages, so the
 * script's first receive answers a message at once (a second loop starts), and of the two
 * loops' next receives one answers late while the other fails at once.
 */
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createLogger } from '../../../../src/observability/logger.js';
import { parseEventSourceArn } from '../../../../src/mappings/event-source-arn.js';
import type { BatchJobData, BatchJobResult } from '../../../../src/pipeline/index.js';
import type { ConcurrencySlots } from '../../../../src/sources/sqs/concurrency-slots.js';
import { SqsPoller } from '../../../../src/sources/sqs/sqs-poller.js';
import { pollUntil } from '../../../support/poll.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });

/** SQS answering by script: the first lookup and two receives succeed, every later call to SQS fails. */
function scriptedSqs(): SQSClient {
  let queueUrlCalls = 0;
  let receives = 0;
  const send = async (command: { constructor: { name: string } }): Promise<unknown> => {
    switch (command.constructor.name) {
      case 'GetQueueUrlCommand':
        // The first receive looks the queue up; a lookup after the failed receive fails.
        if (++queueUrlCalls > 1) throw refused();
        return { QueueUrl: 'http://sqs.local/000000000000/orders' };
      case 'GetQueueAttributesCommand':
        return { Attributes: { VisibilityTimeout: '30' } };
      case 'ReceiveMessageCommand': {
        const receive = ++receives;
        if (receive === 1) return { Messages: [{ MessageId: 'm-0', ReceiptHandle: 'rh-0', Body: 'first', Attributes: { ApproximateReceiveCount: '1' } }] };
        if (receive > 2) throw refused();
        // Answers after the other loop's receive has failed (and the URL was forgotten).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: 'hello', Attributes: { ApproximateReceiveCount: '1' } }] };
      }
      default:
        throw refused();
    }
  };
  return { send } as unknown as SQSClient;
}

describe('SqsPoller: the queue URL cannot be asked again before an invocation', () => {
  it('invokes the batch anyway and warns about the failed lookup', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const submitted: BatchJobData[] = [];
    const slots = { tryAcquire: async () => `token-${Math.random()}`, release: async () => undefined, confirm: async () => true } as unknown as ConcurrencySlots;
    const poller = new SqsPoller(
      {
        sourceType: 'sqs',
        mappingId: 'm-uuid',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        eventSourceArn: QUEUE_ARN,
        source: parseEventSourceArn(QUEUE_ARN)!,
        batchSize: 10,
        windowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [],
        maximumConcurrency: 2,
        functionTimeoutMs: 3000,
      },
      {
        sqs: scriptedSqs(),
        slots,
        submit: async (data): Promise<BatchJobResult> => {
          submitted.push(data);
          return { outcome: { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 } };
        },
        report: async () => undefined,
        logger: createLogger({ destination }).child({ mappingId: 'm-uuid' }),
      },
    );
    poller.start(2);
    onTestFinished(() => poller.stop());

    await pollUntil(() => submitted.length === 2, { timeoutMs: 5000, description: 'both batches submitted' });
    expect(submitted[1]).toMatchObject({ mappingId: 'm-uuid', recordCount: 1 });
    const lookup = await pollUntil(() => lines.find((l) => l.operation === 'GetQueueUrl' && /invoking with the visibility/.test(String(l.msg))));
    expect(lookup).toMatchObject({ level: 40, mappingId: 'm-uuid', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', cause: 'ECONNREFUSED' });
    expect(lines.find((l) => l.operation === 'ReceiveMessage')).toMatchObject({ level: 40, cause: 'ECONNREFUSED', msg: expect.stringContaining('backing off') });
  });
});
