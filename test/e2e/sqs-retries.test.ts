/**
 * SQS outcomes (sqs.md §6, §3): a success deletes, a failure leaves the message to come
 * back after its visibility timeout until the queue's redrive policy moves it to the DLQ, an
 * invocation error is retried without receiving again while visibility allows, and failures
 * slow the receive loops down (unless ReportBatchItemFailures is on).
 *
 * Sluice extends a message's visibility to its invocation deadline + 5 s (sqs.md §6), so with
 * these 2 s queues and 1 s functions a failed message comes back about 6 s after its receive.
 */
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { getFreePort } from '../support/ports.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { queueCounts, queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { QueueRouter, createMapping, lastProcessingResult, recordsIn, sendInOrder, waitForProcessingResult, type SqsRecord } from '../support/sqs-e2e.js';

let target: RecordingTarget;
let router: QueueRouter;
let sluice: TestSluice;
/** Nothing listens here until a test says so: connections are refused. */
let refusingPort: number;
beforeAll(async () => {
  target = await startRecordingTarget();
  router = new QueueRouter(target);
  refusingPort = await getFreePort();
  sluice = await startTestSluice({
    functions: {
      // Function timeouts must not exceed the queues' visibility timeouts (api.md V41).
      worker: { http: target.url, timeout: 1 },
      throttled: { http: target.url, timeout: 1 },
      refused: { http: `http://127.0.0.1:${refusingPort}/`, timeout: 1 },
    },
  });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

/**
 * A queue whose function always fails, 20 messages waiting, then a `worker` mapping with
 * `settings` (at most 2 batches at once) enabled on it: every batch fails from the start.
 */
async function alwaysFailing(prefix: string, settings: Record<string, unknown>, onTestFinished: (fn: () => Promise<void>) => void) {
  const queue = await createQueue({ prefix });
  onTestFinished(queue.cleanup);
  router.on(queue.queueArn, { status: 500, json: { errorMessage: 'always' } });
  const uuid = await createMapping(sluice.lambda, {
    FunctionName: 'worker',
    EventSourceArn: queue.queueArn,
    ...settings,
    ScalingConfig: { MaximumConcurrency: 2 },
    Enabled: false,
  });
  await sendMessages(queue.queueUrl, Array.from({ length: 20 }, (_, i) => `m${i}`));
  await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  return queue;
}

describe.concurrent('SQS outcomes', () => {
  it('deletes the batch after a success', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'ok' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'worker', EventSourceArn: queue.queueArn });
    await sendInOrder(queue.queueUrl, ['a', 'b', 'c']);
    await router.waitForRecords(queue.queueArn, 3);
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(router.records(queue.queueArn).map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
  });

  it('redelivers a failed message after the visibility timeout, with ApproximateReceiveCount 2, then deletes it (observed on AWS)', async ({
    expect,
    onTestFinished,
  }) => {
    const queue = await createQueue({ prefix: 'retry', visibilityTimeoutSeconds: 2 });
    onTestFinished(queue.cleanup);
    router.on(queue.queueArn, (_request, index) => (index === 0 ? { status: 500, json: { errorMessage: 'once' } } : {}));
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'worker', EventSourceArn: queue.queueArn, BatchSize: 1 });
    const [messageId] = await sendInOrder(queue.queueUrl, ['fails once']);

    const [first, second] = await router.waitForInvocations(queue.queueArn, 2);
    const [r1] = recordsIn(first!) as [SqsRecord];
    const [r2] = recordsIn(second!) as [SqsRecord];
    expect(r1).toMatchObject({ messageId, attributes: { ApproximateReceiveCount: '1' } });
    expect(r2).toMatchObject({ messageId, attributes: { ApproximateReceiveCount: '2' } });
    expect(r2.receiptHandle).not.toBe(r1.receiptHandle);
    // Not before the visibility timeout, counted from the first receive.
    expect(second!.receivedAt - Number(r1.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(2000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
    // Deleted: it can never come a third time.
    expect(router.invocations(queue.queueArn)).toHaveLength(2);
  });

  it('leaves redrive to the queue: maxReceiveCount 2 and an always failing function → 2 invocations, then the DLQ (observed on AWS)', async ({
    expect,
    onTestFinished,
  }) => {
    const dlq = await createQueue({ prefix: 'dlq' });
    onTestFinished(dlq.cleanup);
    const queue = await createQueue({
      prefix: 'redrive',
      visibilityTimeoutSeconds: 2,
      redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 },
    });
    onTestFinished(queue.cleanup);
    router.on(queue.queueArn, { status: 500, json: { errorMessage: 'always' } });
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'worker', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, ['poison']);

    await pollUntil(async () => (await queueCounts(dlq.queueUrl)).visible === 1, { timeoutMs: 25_000, description: 'message in the DLQ' });
    expect(router.invocations(queue.queueArn).map((r) => recordsIn(r)[0]!.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(await queueIsEmpty(queue.queueUrl)).toBe(true);
    expect(await lastProcessingResult(sluice.lambda, uuid)).toBe('PROBLEM: Function call failed');
  });

  it('slows a receive loop down after function errors (RBIF off): 1 s, then 2 s before its next receives', async ({ expect, onTestFinished }) => {
    const queue = await alwaysFailing('backoff', { BatchSize: 1 }, onTestFinished);
    // Two loops, each: fail, wait 1 s, fail, wait 2 s, fail: the fifth invocation comes 3 s after the first.
    const invocations = await router.waitForInvocations(queue.queueArn, 5);
    expect(invocations[4]!.receivedAt - invocations[0]!.receivedAt).toBeGreaterThanOrEqual(2900);
  });

  it('slows a batching window down after function errors too', async ({ expect, onTestFinished }) => {
    const queue = await alwaysFailing('backoff-window', { BatchSize: 2, MaximumBatchingWindowInSeconds: 1 }, onTestFinished);
    // Two batches fill at once (BatchSize reached); the slots that saw them fail wait before the next.
    const invocations = await router.waitForInvocations(queue.queueArn, 3);
    expect(invocations[2]!.receivedAt - invocations[0]!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('does not slow down after function errors with ReportBatchItemFailures on', async ({ expect, onTestFinished }) => {
    const queue = await alwaysFailing('no-backoff', { BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] }, onTestFinished);
    const invocations = await router.waitForInvocations(queue.queueArn, 20);
    expect(invocations[19]!.receivedAt - invocations[0]!.receivedAt).toBeLessThan(900);
  });

  it('retries an invocation error (429) without receiving again while visibility allows, then lets the message come back', async ({
    expect,
    onTestFinished,
  }) => {
    // Retries stop once a retry could not finish 5 s before the message becomes visible
    // (function timeout 1 s): with 10 s of visibility that is attempts at 0, 1 and 3 s.
    const queue = await createQueue({ prefix: 'throttle', visibilityTimeoutSeconds: 10 });
    onTestFinished(queue.cleanup);
    router.on(queue.queueArn, (request) =>
      recordsIn(request)[0]!.attributes.ApproximateReceiveCount === '1' ? { status: 429, json: { message: 'slow down' } } : {},
    );
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'throttled', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, ['throttled']);

    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed', 15_000);
    const attempts = router.invocations(queue.queueArn);
    const firstRecord = recordsIn(attempts[0]!)[0]!;
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      const record = recordsIn(attempt)[0]!;
      expect(record.receiptHandle).toBe(firstRecord.receiptHandle);
      expect(record.attributes.ApproximateReceiveCount).toBe('1');
    }
    // Backoff between attempts (1 s, 2 s ...), and every attempt left time before the message returns.
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.receivedAt - attempts[i - 1]!.receivedAt).toBeGreaterThanOrEqual(1000 * 2 ** (i - 1) - 50);
    const received = Number(firstRecord.attributes.ApproximateFirstReceiveTimestamp);
    expect(attempts.at(-1)!.receivedAt + 1000 + 5000).toBeLessThanOrEqual(received + 10_000 + 50);
    // Nothing deleted: the message is still in flight, and comes back after its visibility timeout.
    expect(await queueCounts(queue.queueUrl)).toEqual({ visible: 0, inFlight: 1 });

    const redelivered = await pollUntil(() => router.invocations(queue.queueArn).find((r) => recordsIn(r)[0]!.attributes.ApproximateReceiveCount === '2'), {
      timeoutMs: 15_000,
      description: 'redelivery',
    });
    expect(redelivered.receivedAt - received).toBeGreaterThanOrEqual(10_000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
  }, 40_000);

  it('retries a refused connection without receiving again', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'refused', visibilityTimeoutSeconds: 10 });
    onTestFinished(queue.cleanup);
    // Connections Sluice's http target could not open, seen through node's diagnostics channel.
    let refusals = 0;
    const onSocket = ({ socket }: { socket: Socket }) =>
      socket.once('error', (error: NodeJS.ErrnoException & { port?: number }) => {
        if (error.code === 'ECONNREFUSED' && error.port === refusingPort) refusals++;
      });
    diagnostics.subscribe('net.client.socket', onSocket as (message: unknown) => void);
    onTestFinished(() => void diagnostics.unsubscribe('net.client.socket', onSocket as (message: unknown) => void));

    const uuid = await createMapping(sluice.lambda, { FunctionName: 'refused', EventSourceArn: queue.queueArn, BatchSize: 1 });
    const [messageId] = await sendInOrder(queue.queueUrl, ['refused at first']);
    await pollUntil(() => refusals >= 1, { description: 'a refused invocation' });

    // The target comes up: the next retry reaches it, with the message as first received.
    const received: { record: SqsRecord; at: number }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ record: (JSON.parse(Buffer.concat(chunks).toString()) as { Records: SqsRecord[] }).Records[0]!, at: Date.now() });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(refusingPort, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));

    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(received).toHaveLength(1);
    const [{ record, at }] = received as [{ record: SqsRecord; at: number }];
    expect(record).toMatchObject({ messageId, attributes: { ApproximateReceiveCount: '1' } });
    // Well within the visibility timeout: a retry of the same receive, not a redelivery.
    expect(at - Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeLessThan(10_000);
    expect(refusals).toBeGreaterThanOrEqual(1);
    await waitForProcessingResult(sluice.lambda, uuid, 'OK');
  });
});
