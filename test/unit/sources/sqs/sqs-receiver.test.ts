/**
 * Receiving for one SQS poller (sqs.md §4, §5, §9, §10), with a scripted client: messages
 * become event records with their visibility, filtered-out ones are deleted at once, a
 * reading error is counted, warned about and shown until a receive succeeds, and a receive
 * that ends after the stop gives back what it returns.
 */
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileFilterCriteria } from '../../../../src/filtering/index.js';
import { parseEventSourceArn } from '../../../../src/mappings/event-source-arn.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { mappingLabels } from '../../../../src/observability/metrics.js';
import { SqsMessageActions } from '../../../../src/sources/sqs/sqs-message-actions.js';
import { SqsQueue } from '../../../../src/sources/sqs/sqs-queue.js';
import { SqsReceiver, STOPPED } from '../../../../src/sources/sqs/sqs-receiver.js';
import type { SourceCallFailure } from '../../../../src/sources/source-warnings.js';
import { queueLookup, QUEUE_URL, scriptedSqs, type Answer } from './scripted-sqs.js';

const SOURCE = parseEventSourceArn('arn:aws:sqs:us-east-1:000000000000:orders')!;
const labels = mappingLabels('m-uuid', 'sqs', 'arn:aws:lambda:us-east-1:000000000000:function:f');
const sqsMessage = (id: string, body: string) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body, MD5OfBody: 'x', Attributes: { ApproximateReceiveCount: '1' } });

function receiverWith(answer: Answer, options: { filterPattern?: string; visibilitySeconds?: number; functionTimeoutMs?: number } = {}) {
  const { sqs, sent } = scriptedSqs((command) => queueLookup(command, options.visibilitySeconds) ?? answer(command));
  const warnings: SourceCallFailure[] = [];
  const readErrors: Array<string | null> = [];
  const logger = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });
  const warn = (failure: SourceCallFailure) => warnings.push(failure);
  const queue = new SqsQueue(sqs, { source: SOURCE, windowSeconds: 0, functionTimeoutMs: options.functionTimeoutMs ?? 3000, signal: new AbortController().signal });
  const actions = new SqsMessageActions({ sqs, queue, labels, logger, warn });
  const receiver = new SqsReceiver({
    sqs,
    queue,
    source: SOURCE,
    ...(options.filterPattern ? { filter: compileFilterCriteria([{ Pattern: options.filterPattern }], 'sqs') } : {}),
    actions,
    reportReadError: async (readError) => void readErrors.push(readError),
    labels,
    logger,
    warn,
  });
  return { receiver, sent, warnings, readErrors };
}

describe('SqsReceiver', () => {
  it('receives event records with their visibility, asking for every attribute', async () => {
    const { receiver, sent } = receiverWith((c) => (c.name === 'ReceiveMessage' ? { Messages: [sqsMessage('a', 'x')] } : {}), { visibilitySeconds: 45 });
    const before = Date.now();
    const entries = await receiver.receiveUnlessStopped(7, 20);
    expect(Array.isArray(entries) && entries.map((e) => e.record.messageId)).toEqual(['a']);
    const [entry] = entries as Exclude<typeof entries, undefined | typeof STOPPED>;
    expect(entry!.record.eventSourceARN).toBe(SOURCE.arn);
    expect(entry!.visibleUntil).toBeGreaterThanOrEqual(before + 45_000);
    const receive = sent.find((c) => c.name === 'ReceiveMessage')!;
    expect(receive.input).toEqual({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 7, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] });
  });

  it('asks for window + timeout + 30 s of visibility when the queue\'s own is shorter (sqs.md §6)', async () => {
    const { receiver, sent } = receiverWith(() => ({ Messages: [] }), { visibilitySeconds: 10, functionTimeoutMs: 20_000 });
    await receiver.receiveUnlessStopped(10, 0);
    expect(sent.find((c) => c.name === 'ReceiveMessage')!.input.VisibilityTimeout).toBe(50);
  });

  it('deletes what no filter matches at once and hands on the rest (sqs.md §9)', async () => {
    const { receiver, sent } = receiverWith(
      (c) => (c.name === 'ReceiveMessage' ? { Messages: [sqsMessage('keep', '{"kind":"order"}'), sqsMessage('drop', '{"kind":"ping"}')] } : { Failed: [] }),
      { filterPattern: '{"body":{"kind":["order"]}}' },
    );
    const entries = await receiver.receiveUnlessStopped(10, 0);
    expect(Array.isArray(entries) && entries.map((e) => e.record.messageId)).toEqual(['keep']);
    const deleted = sent.filter((c) => c.name === 'DeleteMessageBatch');
    expect(deleted.map((c) => c.input.Entries)).toEqual([[{ Id: '0', ReceiptHandle: 'rh-drop' }]]);
  });

  it('a reading error: undefined, warned, shown in LastProcessingResult until a receive succeeds; the queue is looked up again', async () => {
    let receives = 0;
    const { receiver, sent, warnings, readErrors } = receiverWith((c) => {
      if (c.name !== 'ReceiveMessage') return {};
      if (++receives === 1) throw Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' });
      return { Messages: [] };
    });
    expect(await receiver.receiveUnlessStopped(10, 0)).toBeUndefined();
    expect(receiver.failing).toBe(true);
    expect(warnings).toMatchObject([{ operation: 'ReceiveMessage', cause: 'QueueDoesNotExist', next: 'backing off' }]);
    expect(readErrors).toEqual(['PROBLEM: Error reading from event source: QueueDoesNotExist']);
    expect(await receiver.receiveUnlessStopped(10, 0)).toEqual([]);
    expect(receiver.failing).toBe(false);
    expect(readErrors).toEqual(['PROBLEM: Error reading from event source: QueueDoesNotExist', null]);
    expect(sent.filter((c) => c.name === 'GetQueueUrl')).toHaveLength(2);
  });

  it('a receive still open at the stop: the loop goes on at once, and what the receive returns is given back', async () => {
    let answer!: (value: unknown) => void;
    const { receiver, sent } = receiverWith((c) => (c.name === 'ReceiveMessage' ? new Promise((resolve) => (answer = resolve)) : { Failed: [] }));
    const received = receiver.receiveUnlessStopped(10, 20);
    await new Promise((resolve) => setTimeout(resolve, 10));
    receiver.stop();
    expect(await received).toBe(STOPPED);
    answer({ Messages: [sqsMessage('late', 'x')] });
    await receiver.receivesEnded();
    const giveBack = sent.find((c) => c.name === 'ChangeMessageVisibilityBatch')!;
    expect(giveBack.input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'rh-late', VisibilityTimeout: 0 }]);
  });
  it('keeps nothing of a receive once the loop has it: a long-running poller does not hold every batch it received', async () => {
    // Awaiting a race against the poller's own stop promise left a reaction on that promise
    // per receive, holding the race's result (the batch) until the poller stopped.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let n = 0;
    const { receiver } = receiverWith((c) => (c.name === 'ReceiveMessage' ? { Messages: [sqsMessage(`m${++n}`, 'x'.repeat(10_000))] } : {}));
    const received: Array<WeakRef<object>> = [];
    for (let i = 0; i < 50; i++) received.push(new WeakRef((await receiver.receiveUnlessStopped(10, 0)) as object));
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(received.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    receiver.stop();
  });
});
