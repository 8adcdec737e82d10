/**
 * FIFO queues (sqs.md §8): group order across invocations, never two batches of one group
 * in flight, and after a failure the group's kept messages come back in order before any
 * later message of the group.
 *
 * fauxqs returns one message per group per receive (proven by the first test), so these
 * tests run against a private fauxqs whose FIFO receive behaves like SQS' (see
 * test/support/fifo-fauxqs.ts); Sluice's SQS endpoint points there.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createQueue, createSqsClient, pollUntil, sqsClient, startRecordingTarget, uniqueName, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { startFifoFauxqs, type FifoFauxqs } from '../support/fifo-fauxqs.js';
import { QueueRouter, createMapping, maxOverlap, recordsIn, sendInOrder, waitForProcessingResult, type SqsRecord } from '../support/sqs-e2e.js';

const VISIBILITY_SECONDS = 2;

let fauxqs: FifoFauxqs;
let sqs: SQSClient;
let target: RecordingTarget;
let router: QueueRouter;
let sluice: TestSluice;
beforeAll(async () => {
  fauxqs = await startFifoFauxqs();
  sqs = createSqsClient({ endpoint: fauxqs.endpoint });
  target = await startRecordingTarget();
  router = new QueueRouter(target);
  sluice = await startTestSluice({
    aws: { services: { sqs: { endpoint: fauxqs.endpoint } } },
    functions: { ordered: { http: target.url, timeout: 1 } },
  });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
  sqs?.destroy();
  await fauxqs?.close();
});

async function createFifoQueue(prefix: string): Promise<{ queueUrl: string; queueArn: string }> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${uniqueName(prefix)}.fifo`,
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: String(VISIBILITY_SECONDS) },
    }),
  );
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }));
  return { queueUrl: QueueUrl!, queueArn: Attributes!.QueueArn! };
}

async function fifoQueueIsEmpty(queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}

const inGroup = (group: string, bodies: string[]) => bodies.map((body) => ({ MessageBody: body, MessageGroupId: group }));
const bodiesOf = (records: SqsRecord[]) => records.map((r) => r.body);

describe('fauxqs (the shared emulator)', () => {
  it('returns one message per group per FIFO receive, unlike SQS: why the FIFO tests use their own', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ fifo: true, contentBasedDeduplication: true });
    onTestFinished(queue.cleanup);
    await sendInOrder(queue.queueUrl, inGroup('g', ['1', '2', '3', '4']));
    const { Messages = [] } = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10 }));
    // SQS would return all four (as many of one group as possible).
    expect(Messages.map((m) => m.Body)).toEqual(['1']);
  });
});

describe.concurrent('SQS FIFO', () => {
  it('keeps each group in order across invocations, and never has two batches of a group in flight', async ({ expect }) => {
    const queue = await createFifoQueue('order');
    router.on(queue.queueArn, { delayMs: 100 });
    const groups = ['a', 'b', 'c'];
    const perGroup = 12;
    await createMapping(sluice.lambda, { FunctionName: 'ordered', EventSourceArn: queue.queueArn, BatchSize: 3, ScalingConfig: { MaximumConcurrency: 5 } });
    // Interleaved sends: a1 b1 c1 a2 b2 c2 ...
    const sent = Array.from({ length: perGroup }, (_, i) => groups.map((g) => ({ MessageBody: `${g}${i + 1}`, MessageGroupId: g }))).flat();
    await sendInOrder(queue.queueUrl, sent, sqs);

    await router.waitForRecords(queue.queueArn, sent.length);
    await pollUntil(() => fifoQueueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const invocations = router.invocations(queue.queueArn);
    for (const group of groups) {
      const ofGroup = invocations.filter((r) => recordsIn(r).some((rec) => rec.attributes.MessageGroupId === group));
      const delivered = ofGroup.flatMap((r) => recordsIn(r).filter((rec) => rec.attributes.MessageGroupId === group));
      expect(bodiesOf(delivered)).toEqual(Array.from({ length: perGroup }, (_, i) => `${group}${i + 1}`));
      expect(maxOverlap(ofGroup)).toBe(1);
    }
    // Groups do run side by side, never more than there are groups.
    expect(maxOverlap(invocations)).toBeGreaterThan(1);
    expect(maxOverlap(invocations)).toBeLessThanOrEqual(groups.length);
  });

  it('after a failed message, keeps the later messages of its group and redelivers them in order first', async ({ expect }) => {
    const queue = await createFifoQueue('keep');
    router.on(queue.queueArn, (request, index) => {
      if (index > 0) return {};
      const failed = recordsIn(request).find((r) => r.body === 'g2')!;
      return { json: { batchItemFailures: [{ itemIdentifier: failed.messageId }] } };
    });
    const uuid = await createMapping(sluice.lambda, {
      FunctionName: 'ordered',
      EventSourceArn: queue.queueArn,
      BatchSize: 6,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await sendInOrder(queue.queueUrl, [...inGroup('g', ['g1', 'g2', 'g3', 'g4']), ...inGroup('h', ['h1', 'h2'])], sqs);
    const [first] = await router.waitForInvocations(queue.queueArn, 1);
    expect(bodiesOf(recordsIn(first!))).toEqual(['g1', 'g2', 'g3', 'g4', 'h1', 'h2']);
    // A later message of group g, sent while g2..g4 are in flight.
    await sendInOrder(queue.queueUrl, inGroup('g', ['g5']), sqs);
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed');

    // g1, h1, h2 deleted; g2 failed, so g3 and g4 were kept although not listed; g5 waits behind them.
    const [, second] = await router.waitForInvocations(queue.queueArn, 2);
    const again = recordsIn(second!);
    expect(bodiesOf(again)).toEqual(['g2', 'g3', 'g4', 'g5']);
    expect(again.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2', '2', '1']);
    await pollUntil(() => fifoQueueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(bodiesOf(router.records(queue.queueArn))).toEqual(['g1', 'g2', 'g3', 'g4', 'h1', 'h2', 'g2', 'g3', 'g4', 'g5']);
  });

  it('after a function error, the whole batch comes back in group order before later messages of its groups', async ({ expect }) => {
    const queue = await createFifoQueue('error');
    router.on(queue.queueArn, (_request, index) => (index === 0 ? { status: 500, json: { errorMessage: 'boom' } } : {}));
    await createMapping(sluice.lambda, { FunctionName: 'ordered', EventSourceArn: queue.queueArn, BatchSize: 4 });
    await sendInOrder(queue.queueUrl, [...inGroup('g', ['g1', 'g2']), ...inGroup('h', ['h1', 'h2'])], sqs);
    const [first] = await router.waitForInvocations(queue.queueArn, 1);
    expect(bodiesOf(recordsIn(first!))).toEqual(['g1', 'g2', 'h1', 'h2']);
    await sendInOrder(queue.queueUrl, [...inGroup('h', ['h3']), ...inGroup('g', ['g3'])], sqs);

    await pollUntil(() => fifoQueueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const records = router.records(queue.queueArn);
    for (const group of ['g', 'h']) {
      const ofGroup = records.filter((r) => r.attributes.MessageGroupId === group);
      expect(ofGroup.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`)).toEqual([`${group}1#1`, `${group}2#1`, `${group}1#2`, `${group}2#2`, `${group}3#1`]);
    }
  });

  it('four messages of one group, 2, 3 and 4 listed → the next invocation holds exactly those three, ApproximateReceiveCount 2 (observed on AWS)', async ({
    expect,
  }) => {
    const queue = await createFifoQueue('observed');
    router.on(queue.queueArn, (request, index) =>
      index > 0 ? {} : { json: { batchItemFailures: recordsIn(request).slice(1).map((r) => ({ itemIdentifier: r.messageId })) } },
    );
    await createMapping(sluice.lambda, {
      FunctionName: 'ordered',
      EventSourceArn: queue.queueArn,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await sendInOrder(queue.queueUrl, inGroup('only', ['1', '2', '3', '4']), sqs);

    const [first, second] = await router.waitForInvocations(queue.queueArn, 2);
    expect(bodiesOf(recordsIn(first!))).toEqual(['1', '2', '3', '4']);
    expect(bodiesOf(recordsIn(second!))).toEqual(['2', '3', '4']);
    expect(recordsIn(second!).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2', '2']);
    expect(second!.receivedAt - Number(recordsIn(first!)[0]!.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(VISIBILITY_SECONDS * 1000);
    await pollUntil(() => fifoQueueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    expect(router.invocations(queue.queueArn)).toHaveLength(2);
  });
});
