/**
 * ReportBatchItemFailures (sqs.md §7): every row of the table, through a real queue. Each
 * case has its own queue and mapping; its batch holds three messages m1, m2, m3. The
 * function answers the case's response once, then succeeds. LastProcessingResult says when
 * the outcome was applied (`OK` for a full success, `PROBLEM: Function call failed`
 * otherwise); the queue then holds exactly the messages kept, and only those come back,
 * after the visibility timeout, with ApproximateReceiveCount 2.
 */
import { randomUUID } from 'node:crypto';
import { describe, it, vi } from 'vitest';
import { createQueue, pollUntil, type RecordedRequest, type TargetResponse } from '../support/index.js';
import { queueCounts, queueIsEmpty } from '../support/sqs-helpers.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';
import { createMapping, recordsIn, sendInOrder, waitForProcessingResult } from '../support/sqs-e2e.js';

// Every case waits for a visibility timeout: run them all at once.
vi.setConfig({ maxConcurrency: 40 });

const VISIBILITY_SECONDS = 2;
const BODIES = ['m1', 'm2', 'm3'];

const bed = useSqsTestbed('rbif');

/** Ids of the batch's messages by body. */
const idOf = (request: RecordedRequest, body: string): string => recordsIn(request).find((r) => r.body === body)!.messageId;
const json = (value: unknown): TargetResponse => ({ json: value });
const failures = (...entries: unknown[]): TargetResponse => json({ batchItemFailures: entries });

interface Case {
  name: string;
  /** The function's answer to the first invocation. */
  response: (request: RecordedRequest, extra: { filteredOutId: string }) => TargetResponse;
  /** Bodies kept (not deleted), which come back. */
  kept: string[];
  /** The mapping filters out one more message, whose id the response may name. */
  withFilteredOut?: boolean;
}

const ALL = BODIES;
const NONE: string[] = [];

const cases: Case[] = [
  // full success
  { name: '{"batchItemFailures": []} is a full success', response: () => failures(), kept: NONE },
  { name: '{"batchItemFailures": null} is a full success', response: () => json({ batchItemFailures: null }), kept: NONE },
  { name: '{} is a full success', response: () => json({}), kept: NONE },
  { name: 'an empty body (null) is a full success', response: () => ({}), kept: NONE },
  { name: 'null is a full success', response: () => ({ body: 'null' }), kept: NONE },
  { name: '"" is a full success', response: () => json(''), kept: NONE },
  { name: '[] is a full success', response: () => json([]), kept: NONE },
  { name: 'another string is a full success', response: () => json('done'), kept: NONE },
  { name: 'a number is a full success', response: () => json(123), kept: NONE },
  { name: 'a boolean is a full success', response: () => json(true), kept: NONE },
  { name: 'an array of failures (not an object) is a full success', response: (r) => json([{ itemIdentifier: idOf(r, 'm2') }]), kept: NONE },
  { name: 'an object with other keys is a full success', response: () => json({ status: 'fine', failures: ['m1'] }), kept: NONE },
  // partial failure
  { name: 'listed messages are kept, the others deleted', response: (r) => failures({ itemIdentifier: idOf(r, 'm2') }), kept: ['m2'] },
  {
    name: 'an id listed twice counts once',
    response: (r) => failures({ itemIdentifier: idOf(r, 'm2') }, { itemIdentifier: idOf(r, 'm3') }, { itemIdentifier: idOf(r, 'm2') }),
    kept: ['m2', 'm3'],
  },
  {
    name: 'listing every message is a complete failure',
    response: (r) => failures(...BODIES.map((b) => ({ itemIdentifier: idOf(r, b) }))),
    kept: ALL,
  },
  // complete failure
  { name: 'a body that is not valid JSON is a complete failure', response: () => ({ body: '{"batchItemFailures": [' }), kept: ALL },
  { name: 'itemIdentifier "" is a complete failure', response: (r) => failures({ itemIdentifier: idOf(r, 'm2') }, { itemIdentifier: '' }), kept: ALL },
  { name: 'itemIdentifier null is a complete failure', response: (r) => failures({ itemIdentifier: idOf(r, 'm2') }, { itemIdentifier: null }), kept: ALL },
  { name: 'an entry without itemIdentifier is a complete failure', response: () => failures({ foo: 'notvalid' }), kept: ALL },
  {
    name: 'an itemIdentifier not of this batch is a complete failure',
    response: (r) => failures({ itemIdentifier: idOf(r, 'm2') }, { itemIdentifier: randomUUID() }),
    kept: ALL,
  },
  {
    name: 'the itemIdentifier of a filtered-out message is a complete failure',
    response: (_r, { filteredOutId }) => failures({ itemIdentifier: filteredOutId }),
    kept: ALL,
    withFilteredOut: true,
  },
  { name: 'itemIdentifier 123 is a complete failure', response: () => failures({ itemIdentifier: 123 }), kept: ALL },
  { name: 'batchItemFailures "x" is a complete failure', response: () => json({ batchItemFailures: 'x' }), kept: ALL },
  { name: 'batchItemFailures {} is a complete failure', response: () => json({ batchItemFailures: {} }), kept: ALL },
  { name: 'an entry that is not an object is a complete failure', response: (r) => failures(idOf(r, 'm2')), kept: ALL },
  {
    name: 'a function error is a complete failure, whatever its body says',
    response: (r) => ({ status: 500, json: { batchItemFailures: [{ itemIdentifier: idOf(r, 'm2') }] } }),
    kept: ALL,
  },
];

describe.concurrent('SQS ReportBatchItemFailures', () => {
  it.for(cases)('$name', async (testCase, { expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'rbif', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    onTestFinished(queue.cleanup);
    let filteredOutId = '';
    bed.router.on(queue.queueArn, (request, index) => (index === 0 ? testCase.response(request, { filteredOutId }) : {}));
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'rbif',
      EventSourceArn: queue.queueArn,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ...(testCase.withFilteredOut ? { FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: [{ prefix: 'm' }] }) }] } } : {}),
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    if (testCase.withFilteredOut) {
      filteredOutId = (await sendInOrder(queue.queueUrl, ['filtered out']))[0]!;
      await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'filtered-out message deleted' });
    }
    // One SendMessageBatch: fauxqs enqueues all three before any receive runs, so one batch holds them.
    await sendInOrder(queue.queueUrl, BODIES);

    const [first] = await bed.router.waitForInvocations(queue.queueArn, 1);
    expect(recordsIn(first!).map((r) => r.body)).toEqual(BODIES);
    const fullSuccess = testCase.kept.length === 0;
    await waitForProcessingResult(bed.sluice.lambda, uuid, fullSuccess ? 'OK' : 'PROBLEM: Function call failed');
    // The outcome is applied: what is left in the queue is what was kept.
    const counts = await queueCounts(queue.queueUrl);
    expect(counts.visible + counts.inFlight).toBe(testCase.kept.length);
    if (fullSuccess) {
      expect(bed.router.invocations(queue.queueArn)).toHaveLength(1);
      return;
    }

    // The kept messages, and only those, come back after the visibility timeout.
    const [, second] = await bed.router.waitForInvocations(queue.queueArn, 2);
    const again = recordsIn(second!);
    expect(again.map((r) => r.body).sort()).toEqual(testCase.kept);
    for (const record of again) expect(record.attributes.ApproximateReceiveCount).toBe('2');
    expect(second!.receivedAt - Number(recordsIn(first!)[0]!.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(VISIBILITY_SECONDS * 1000);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    await waitForProcessingResult(bed.sluice.lambda, uuid, 'OK');
    expect(bed.router.invocations(queue.queueArn)).toHaveLength(2);
  });
});
