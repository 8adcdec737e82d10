/**
 * What the SQS side does to messages once their fate is known (sqs.md §6–§10), with a
 * scripted client: deletes in groups of 10 and their failures, filtered deletions,
 * visibility kept through an invocation, give-back, and the bound on calls at once.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseEventSourceArn } from '../../../../src/mappings/event-source-arn.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { mappingLabels, SluiceMetrics } from '../../../../src/observability/metrics.js';
import { messageCalls } from '../../../../src/sources/sqs/sqs-calls.js';
import { SqsMessageActions } from '../../../../src/sources/sqs/sqs-message-actions.js';
import { SqsQueue } from '../../../../src/sources/sqs/sqs-queue.js';
import { toBatchEntry } from '../../../../src/sources/sqs/sqs-batch.js';
import type { SqsEventRecord } from '../../../../src/sources/sqs/sqs-record.js';
import type { SourceCallFailure } from '../../../../src/sources/source-warnings.js';
import { queueLookup, QUEUE_URL, scriptedSqs, type Answer } from './scripted-sqs.js';

const labels = mappingLabels('m-uuid', 'sqs', 'arn:aws:lambda:us-east-1:000000000000:function:f');
const message = (i: number) => ({ messageId: `m${i}`, receiptHandle: `rh${i}` });
const messages = (n: number) => Array.from({ length: n }, (_, i) => message(i));

function actionsWith(answer: Answer, options: { concurrency?: number } = {}) {
  const { sqs, sent } = scriptedSqs((command) => queueLookup(command) ?? answer(command));
  const warnings: SourceCallFailure[] = [];
  const lines: string[] = [];
  const logger = createLogger({ destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
  const metrics = new SluiceMetrics();
  const queue = new SqsQueue(sqs, { source: parseEventSourceArn('arn:aws:sqs:us-east-1:000000000000:orders')!, windowSeconds: 0, functionTimeoutMs: 3000, signal: new AbortController().signal });
  const actions = new SqsMessageActions({
    sqs,
    queue,
    labels,
    metrics,
    logger,
    warn: (failure) => warnings.push(failure),
    ...(options.concurrency !== undefined ? { calls: messageCalls(options.concurrency) } : {}),
  });
  return { actions, sent, warnings, lines, metrics, queue };
}

async function counter(metrics: SluiceMetrics, name: string, extra: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const wanted = { mapping: 'm-uuid', ...extra };
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values.filter((v) => Object.entries(wanted).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

describe('SqsMessageActions', () => {
  it('deletes processed messages in groups of 10 and counts them', async () => {
    const { actions, sent, metrics } = actionsWith(() => ({ Failed: [] }));
    await actions.deleteProcessed(messages(25));
    const deletes = sent.filter((c) => c.name === 'DeleteMessageBatch');
    expect(deletes.map((c) => (c.input.Entries as unknown[]).length)).toEqual([10, 10, 5]);
    expect(deletes.every((c) => c.input.QueueUrl === QUEUE_URL)).toBe(true);
    expect(await counter(metrics, 'sluice_deleted_events_total')).toBe(25);
  });

  it('a message SQS refuses to delete for good is counted and warned about by its error, not counted as deleted', async () => {
    const { actions, warnings, metrics } = actionsWith((command) =>
      command.name === 'DeleteMessageBatch' ? { Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid' }] } : {},
    );
    await actions.deleteProcessed(messages(3));
    expect(await counter(metrics, 'sluice_deleted_events_total')).toBe(2);
    expect(await counter(metrics, 'sluice_sqs_delete_failures_total', { error: 'ReceiptHandleIsInvalid' })).toBe(1);
    expect(warnings).toEqual([
      { operation: 'DeleteMessageBatch', cause: 'ReceiptHandleIsInvalid', next: 'the messages will be delivered again', fields: { messageIds: ['m1'] } },
    ]);
  });

  it('filtered-out messages are deleted but not counted as deleted', async () => {
    const { actions, sent, metrics } = actionsWith(() => ({ Failed: [] }));
    await actions.deleteFiltered(QUEUE_URL, messages(2));
    expect(sent.filter((c) => c.name === 'DeleteMessageBatch')).toHaveLength(1);
    expect(await counter(metrics, 'sluice_deleted_events_total')).toBe(0);
  });

  it('keeps messages invisible through the invocation: only those that would come back too early are extended', async () => {
    const { actions, sent } = actionsWith(() => ({ Failed: [] }));
    const now = Date.now();
    const record = (i: number) => ({ messageId: `m${i}`, receiptHandle: `rh${i}` }) as SqsEventRecord;
    const entries = [toBatchEntry(record(0), now, now + 2000), toBatchEntry(record(1), now, now + 600_000)];
    const visibleUntil = await actions.keepInvisibleUntil(entries, now + 10_000);
    const changes = sent.filter((c) => c.name === 'ChangeMessageVisibilityBatch');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'rh0', VisibilityTimeout: 15 }]);
    expect(visibleUntil).toBeGreaterThanOrEqual(now + 15_000);
  });

  it('when the queue cannot be looked up, invokes with the visibility the messages have and warns', async () => {
    const { sqs } = scriptedSqs(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const warnings: SourceCallFailure[] = [];
    const queue = new SqsQueue(sqs, { source: parseEventSourceArn('arn:aws:sqs:us-east-1:000000000000:orders')!, windowSeconds: 0, functionTimeoutMs: 3000, signal: new AbortController().signal });
    const logger = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });
    const actions = new SqsMessageActions({ sqs, queue, labels, logger, warn: (f) => warnings.push(f) });
    const entry = toBatchEntry({ messageId: 'm0', receiptHandle: 'rh0' } as SqsEventRecord, 0, 1234);
    expect(await actions.keepInvisibleUntil([entry], Date.now() + 10_000)).toBe(1234);
    expect(warnings).toMatchObject([{ operation: 'GetQueueUrl', cause: 'ECONNREFUSED', next: 'invoking with the visibility the messages have' }]);
  });

  it('gives messages back with visibility 0 to the queue they came from', async () => {
    const { actions, sent, queue } = actionsWith(() => ({ Failed: [] }));
    await queue.resolve();
    queue.forget(); // a reading error since: the messages still go back to where they came from
    await actions.giveBack(messages(3));
    const change = sent.find((c) => c.name === 'ChangeMessageVisibilityBatch')!;
    expect(change.input).toMatchObject({ QueueUrl: QUEUE_URL, Entries: [{ VisibilityTimeout: 0 }, { VisibilityTimeout: 0 }, { VisibilityTimeout: 0 }] });
  });

  it('runs at most the bound of message calls at once (p-queue), whatever the batch size', async () => {
    let open = 0;
    let most = 0;
    const { actions, sent } = actionsWith(
      async () => {
        open++;
        most = Math.max(most, open);
        await new Promise((resolve) => setTimeout(resolve, 5));
        open--;
        return { Failed: [] };
      },
      { concurrency: 3 },
    );
    await actions.deleteProcessed(messages(200));
    expect(sent.filter((c) => c.name === 'DeleteMessageBatch')).toHaveLength(20);
    expect(most).toBe(3);
  });
});
