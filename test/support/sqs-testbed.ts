/**
 * The usual setup of an SQS end-to-end test file: a recording target answering per queue
 * (QueueRouter) and a test Sluice whose one function posts to it, started before the
 * file's tests and stopped after them.
 *
 *   const bed = useSqsTestbed('my-fn');
 *   it('...', async () => { bed.router.on(queueArn, { status: 500 }); await createMapping(bed.sluice.lambda, ...) });
 */
import { afterAll, beforeAll } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from './recording-target.js';
import { QueueRouter } from './sqs-e2e.js';
import { startTestSluice, type TestSluice } from './sluice.js';

export interface SqsTestbed {
  target: RecordingTarget;
  router: QueueRouter;
  sluice: TestSluice;
}

/**
 * Registers beforeAll / afterAll; the returned object is filled once beforeAll has run.
 * `functionName`: one function posting to the target; or a function of the target's URL
 * giving the whole Sluice config overrides (several functions, other settings).
 */
export function useSqsTestbed(functionName: string | ((targetUrl: string) => Record<string, unknown>), timeoutSeconds = 1): SqsTestbed {
  const bed = {} as SqsTestbed;
  beforeAll(async () => {
    bed.target = await startRecordingTarget();
    bed.router = new QueueRouter(bed.target);
    const overrides =
      typeof functionName === 'string' ? { functions: { [functionName]: { http: bed.target.url, timeout: timeoutSeconds } } } : functionName(bed.target.url);
    bed.sluice = await startTestSluice(overrides);
  });
  afterAll(async () => {
    await bed.sluice?.stop();
    await bed.target?.close();
  });
  return bed;
}
