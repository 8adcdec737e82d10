/**
 * Builtin functions (issue #14): a mapping on a `builtin` function needs no handler. `noop`
 * drains a queue; `fail:1` fails every invocation, so the messages go back and, after
 * maxReceiveCount, to the queue's DLQ (SQS's own redrive), as with a handler that throws.
 * Real fauxqs, real Redis, mappings through the Lambda API.
 */
import { describe, it } from 'vitest';
import { createQueue, pollUntil } from '../support/index.js';
import { queueCounts, queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';
import { createMapping } from '../support/sqs-e2e.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';

const bed = useSqsTestbed(() => ({ functions: { noop: { builtin: 'noop' }, broken: { builtin: 'fail:1', timeout: 1 } } }));

describe.concurrent('builtin functions', () => {
  it('noop: a mapping drains its queue with no handler', async ({ onTestFinished }) => {
    const queue = await createQueue({ prefix: 'noop' });
    onTestFinished(queue.cleanup);
    await sendMessages(queue.queueUrl, Array.from({ length: 25 }, (_, i) => `m${i}`));
    await createMapping(bed.sluice.lambda, { FunctionName: 'noop', EventSourceArn: queue.queueArn, BatchSize: 10 });
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue drained by noop' });
  });

  it('fail:1: every invocation fails, the messages reach the DLQ after maxReceiveCount', async ({ expect, onTestFinished }) => {
    const dlq = await createQueue({ prefix: 'fail-dlq' });
    onTestFinished(dlq.cleanup);
    const queue = await createQueue({ prefix: 'fail', visibilityTimeoutSeconds: 1, redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 } });
    onTestFinished(queue.cleanup);
    await sendMessages(queue.queueUrl, ['a', 'b', 'c']);
    await createMapping(bed.sluice.lambda, { FunctionName: 'broken', EventSourceArn: queue.queueArn, BatchSize: 10 });
    await pollUntil(async () => (await queueCounts(dlq.queueUrl)).visible === 3, { description: 'three messages in the DLQ', timeoutMs: 30_000 });
    expect(await queueIsEmpty(queue.queueUrl)).toBe(true);
  });
});
