/**
 * Targets that misbehave (sqs.md §2, §6; api.md §6.2): an http target too slow for its
 * timeout, module handlers that throw, hang past their timeout, answer garbage for
 * ReportBatchItemFailures or run out of their memorySize. Each is a function error:
 * nothing is deleted, the message comes back after its visibility timeout,
 * LastProcessingResult says `PROBLEM: Function call failed`. A function the configuration no longer knows is `PROBLEM: Function not found`.
 */
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import type { CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, pollUntil, startRecordingTarget, type RecordingTarget, type ResponseFn } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { queueCounts, queueIsEmpty } from '../support/sqs-helpers.js';
import { QueueRouter, createMapping, lastProcessingResult, recordsIn, sendInOrder, waitForProcessingResult } from '../support/sqs-e2e.js';

const HANDLERS = 'test/fixtures/handlers/sqs-misbehaving.mjs';
/** The shortest queue visibility here: a redelivery comes 2 s after the failed attempt. */
const VISIBILITY_SECONDS = 2;

/**
 * Each queue's visibility is its function's timeout, at least VISIBILITY_SECONDS: the
 * visibility bounds the timeout (api.md V41). oom's is 6 s: filling 128 MB takes about half
 * a second on a quiet machine (and still ended in OutOfMemory beside three busy loops), but
 * beside the whole suite on 2 cores the warnings once named no OutOfMemory: a fresh worker's
 * start plus the fill passing a 2 s timeout, which then ends the handler first, is the way
 * these settings allow that.
 */
const FUNCTIONS = (targetUrl: string) => ({
  'slow-http': { http: targetUrl, timeout: 1 },
  throws: { module: `${HANDLERS}#throwsFirst`, timeout: 1 },
  hangs: { module: `${HANDLERS}#hangsFirst`, timeout: 1 },
  garbage: { module: `${HANDLERS}#garbageFirst`, timeout: 1 },
  oom: { module: `${HANDLERS}#oomFirst`, timeout: 6, memorySize: 128 },
});
let functions: ReturnType<typeof FUNCTIONS>;

let target: RecordingTarget;
let router: QueueRouter;
let sluice: TestSluice;
/** An API-only Sluice on the same Redis whose configuration has a function the worker lacks. */
let apiOnly: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  router = new QueueRouter(target);
  const db = await allocateRedisDb();
  functions = FUNCTIONS(target.url);
  sluice = await startTestSluice({ functions }, db);
  apiOnly = await startTestSluice({ supervisor: { enabled: false }, functions: { removed: { http: target.url, timeout: 1 } } }, db);
});
afterAll(async () => {
  await apiOnly?.stop();
  await sluice?.stop();
  await target?.close();
});

/**
 * Sends one message to a fresh queue mapped to `functionName`; the first delivery must fail
 * (the target misbehaves), the redelivery succeeds. Checks what a function error means.
 */
async function failsOnceThenRecovers(
  expect: ExpectStatic,
  onTestFinished: (fn: () => Promise<void>) => void,
  functionName: keyof typeof functions,
  extra: Partial<CreateEventSourceMappingCommandInput> = {},
  httpBehaviour?: ResponseFn,
): Promise<void> {
  const visibilitySeconds = Math.max(VISIBILITY_SECONDS, functions[functionName].timeout);
  const queue = await createQueue({ prefix: functionName, visibilityTimeoutSeconds: visibilitySeconds });
  onTestFinished(queue.cleanup);
  if (httpBehaviour) router.on(queue.queueArn, httpBehaviour);
  const uuid = await createMapping(sluice.lambda, { FunctionName: functionName, EventSourceArn: queue.queueArn, BatchSize: 1, ...extra });
  // Module handlers report each invocation to the recording target (see the fixture).
  const [messageId] = await sendInOrder(queue.queueUrl, [JSON.stringify({ report: target.url })]);

  await router.waitForInvocations(queue.queueArn, 1);
  await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed');
  // Nothing deleted.
  const counts = await queueCounts(queue.queueUrl);
  expect(counts.visible + counts.inFlight).toBe(1);

  const [first, second] = await router.waitForInvocations(queue.queueArn, 2);
  const r1 = recordsIn(first!)[0]!;
  const r2 = recordsIn(second!)[0]!;
  expect([r1.messageId, r2.messageId]).toEqual([messageId, messageId]);
  expect([r1.attributes.ApproximateReceiveCount, r2.attributes.ApproximateReceiveCount]).toEqual(['1', '2']);
  expect(second!.receivedAt - Number(r1.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(visibilitySeconds * 1000);
  await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
  await waitForProcessingResult(sluice.lambda, uuid, 'OK');
  expect(router.invocations(queue.queueArn)).toHaveLength(2);
}

describe.concurrent('SQS targets misbehaving', () => {
  it('an http target answering after its timeout is a function error', async ({ expect, onTestFinished }) => {
    await failsOnceThenRecovers(expect, onTestFinished, 'slow-http', {}, (_request, index) => (index === 0 ? { delayMs: 1_500 } : {}));
  });

  it('a module handler that throws is a function error', async ({ expect, onTestFinished }) => {
    await failsOnceThenRecovers(expect, onTestFinished, 'throws');
  });

  it('a module handler that hangs past its timeout is a function error', async ({ expect, onTestFinished }) => {
    await failsOnceThenRecovers(expect, onTestFinished, 'hangs');
  });

  it('a module handler running out of its memorySize is a function error (Runtime.OutOfMemory); its worker is replaced', async ({ expect, onTestFinished }) => {
    await failsOnceThenRecovers(expect, onTestFinished, 'oom');
    const warnings = sluice.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.function === 'oom' && line.level === 40);
    expect(warnings.some((line) => line.errorType === 'Runtime.OutOfMemory')).toBe(true);
  });

  it('a module handler answering garbage with ReportBatchItemFailures on is a complete failure', async ({ expect, onTestFinished }) => {
    await failsOnceThenRecovers(expect, onTestFinished, 'garbage', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('a function the configuration does not know is PROBLEM: Function not found, and nothing is deleted', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'removed' });
    onTestFinished(queue.cleanup);
    // Created where the function is configured; run by a worker whose configuration lacks it.
    const uuid = await createMapping(apiOnly.lambda, { FunctionName: 'removed', EventSourceArn: queue.queueArn });
    expect(await lastProcessingResult(sluice.lambda, uuid)).toBeUndefined();
    await sendInOrder(queue.queueUrl, ['nobody home']);
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function not found');
    expect(await queueCounts(queue.queueUrl)).toEqual({ visible: 0, inFlight: 1 });
    expect(router.invocations(queue.queueArn)).toHaveLength(0);
  });
});
