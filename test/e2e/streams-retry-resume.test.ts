/**
 * A crash mid-retry resumes the retry count (design.md: the batch's retry progress is
 * durable; streams.md §10): a batch that failed twice in a process killed with SIGKILL is
 * retried by the next holder of the shard's lease only as often as MaximumRetryAttempts
 * still allows, and its on-failure record counts every invocation of both processes.
 * Real child processes of the built CLI (`npm run build` first).
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, createRedis, createStream, pollUntil, startRecordingTarget } from '../support/index.js';
import { receiveFirstMessage } from '../support/sqs-helpers.js';
import { lambdaClientFor } from '../support/sluice.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';
import { StreamRouter, dataOf, putKinesis } from '../support/streams-e2e.js';

const running: SluiceProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.stop()));
});

describe('retry progress survives a crash', () => {
  it('MaximumRetryAttempts 3, SIGKILL after two failed invocations: the survivor invokes twice more (4 in all), then the on-failure record says 4', async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const router = new StreamRouter(target, { status: 500, json: { errorMessage: 'always failing' } });
    const db = await allocateRedisDb();
    const config = {
      functions: { fn: { http: target.url, timeout: 3 } },
      streams: { leaseMs: 1500 },
      supervisor: { workerTimeoutMs: 1500, heartbeatIntervalMs: 300, reconcileIntervalMs: 500 },
    };
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const destination = await createQueue();
    onTestFinished(destination.cleanup);
    await putKinesis(stream.streamName, ['a', 'b', 'c'].map((data) => ({ key: 'k', data })));

    const first = await startSluiceProcess(db, config);
    running.push(first);
    const lambda = lambdaClientFor(first.url);
    onTestFinished(() => lambda.destroy());
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fn',
        EventSourceArn: stream.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 3,
        DestinationConfig: { OnFailure: { Destination: destination.queueArn } },
      }),
    );
    // Attempt 1, then retry 1 a second later; retry 2 would come 2 s after that.
    await router.waitForInvocations(stream.streamArn, 2, 15_000);
    const redis = createRedis({ db });
    onTestFinished(() => redis.disconnect());
    const savedBatch = () => redis.hgetall(`sluice:esm:${UUID}:batches`);
    // The outcome of retry 1 is saved right after its answer; retry 2 is due 2 s after it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The retrying batch is saved: its records once, its progress after every attempt.
    expect(Object.keys(await savedBatch()).sort()).toEqual([`${stream.shardIds[0]}|0|progress`, `${stream.shardIds[0]}|0|records`]);
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    expect(router.invocations(stream.streamArn)).toHaveLength(2);

    const second = await startSluiceProcess(db, config);
    running.push(second);
    const message = await receiveFirstMessage(destination.queueUrl, 'the on-failure record', 25_000);
    const record = JSON.parse(message.Body!) as { requestContext: { condition: string; approximateInvokeCount: number }; KinesisBatchInfo: { batchSize: number } };
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(record.requestContext.approximateInvokeCount).toBe(4);
    expect(record.KinesisBatchInfo.batchSize).toBe(3);
    // Exactly N + 1 = 4 invocations of the batch over both processes, each with the whole batch.
    const invocations = router.invocations(stream.streamArn);
    expect(invocations).toHaveLength(4);
    expect(router.records(stream.streamArn).map(dataOf)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    // Ended: nothing saved any more.
    await pollUntil(async () => Object.keys(await savedBatch()).length === 0 || undefined, { description: 'the saved batch removed' });
  });
});
