/**
 * Where a batch job runs (pipeline/invoke-pipeline.ts, issue #13), against a real Redis: in
 * the submitting process while one of its job slots is free, with no BullMQ job; through
 * the BullMQ queue once its slots are taken (and then within the same slots, so the
 * process never runs more than `workerConcurrency` at once), or always with
 * `runLocally: false`. A job run where it was submitted is fenced like a queued one.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { InvokePipeline, type BatchJobData, type BatchJobResult, type FunctionTargets } from '../../../src/pipeline/index.js';
import { redisTarget } from '../../../src/redis/connection-options.js';
import type { InvocationOutcome } from '../../../src/targets/index.js';
import { allocateRedisDb, createRedis, getEndpoints, pollUntil } from '../../support/index.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:fn';
const success: InvocationOutcome = { kind: 'success', durationMs: 1 } as InvocationOutcome;

/** A target whose invocations wait until released; counts those running at once. */
function heldTarget() {
  const waiting: Array<() => void> = [];
  let running = 0;
  let maxRunning = 0;
  let invoked = 0;
  const targets = {
    resolve: () => ({
      target: {
        invoke: async () => {
          invoked++;
          maxRunning = Math.max(maxRunning, ++running);
          await new Promise<void>((resolve) => waiting.push(resolve));
          running--;
          return success;
        },
      },
      context: { functionArn: FUNCTION_ARN, functionName: 'fn', timeoutMs: 3000 },
      description: { kind: 'http', endpoint: 'http://127.0.0.1:1/' },
    }),
  } as unknown as FunctionTargets;
  return {
    targets,
    releaseAll: () => waiting.splice(0).forEach((release) => release()),
    get waiting() {
      return waiting.length;
    },
    get maxRunning() {
      return maxRunning;
    },
    get invoked() {
      return invoked;
    },
  };
}

const job = (fence?: BatchJobData['fence']): BatchJobData => ({ mappingId: randomUUID(), source: 'kinesis', functionArn: FUNCTION_ARN, payload: '{"Records":[]}', recordCount: 0, ...(fence ? { fence } : {}) });

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function setUp(options: { workerConcurrency: number; runLocally?: boolean }) {
  const db = await allocateRedisDb();
  const redis = redisTarget({ url: `${getEndpoints().redis.url}/${db}` });
  const target = heldTarget();
  const pipeline = new InvokePipeline({ redis, prefix: 'sluice', targets: target.targets, logger: createLogger({ level: 'silent' }), ...options });
  await pipeline.start();
  cleanups.push(() => pipeline.close(0));
  // Every job added, whatever became of it: the queue's id counter (BullMQ INCRs it per add).
  const client = createRedis({ db });
  cleanups.push(() => client.quit());
  const added = async () => Number((await client.get('sluice:invoke:id')) ?? 0);
  return { target, pipeline, added, client };
}

describe('InvokePipeline', () => {
  it('runs a job where it was submitted while a slot is free; the overflow goes through the queue, within the same slots', async () => {
    const { target, pipeline, added } = await setUp({ workerConcurrency: 2 });
    const results: Promise<BatchJobResult>[] = [pipeline.submit(job()), pipeline.submit(job())];
    await pollUntil(() => target.waiting === 2, { description: 'two invocations running' });
    expect(await added()).toBe(0);

    // Both slots taken: the third is a BullMQ job, and waits for a slot of this process.
    results.push(pipeline.submit(job()));
    await pollUntil(async () => (await added()) === 1, { description: 'one job added to the queue' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.invoked).toBe(2);

    target.releaseAll();
    await pollUntil(() => target.waiting === 1, { description: 'the queued job running' });
    target.releaseAll();
    expect((await Promise.all(results)).map((r) => r.outcome.kind)).toEqual(['success', 'success', 'success']);
    expect(target.maxRunning).toBe(2);
    expect(pipeline.runningJobs).toBe(0);
  });

  it('sends every job through the queue with runLocally false', async () => {
    const { target, pipeline, added } = await setUp({ workerConcurrency: 2, runLocally: false });
    const result = pipeline.submit(job());
    await pollUntil(() => target.waiting === 1, { description: 'the job running' });
    expect(await added()).toBe(1);
    target.releaseAll();
    expect((await result).outcome.kind).toBe('success');
  });

  it('does not invoke a job run where it was submitted once its fence moved', async () => {
    const { target, pipeline, added, client } = await setUp({ workerConcurrency: 2 });
    const key = `sluice:test-fence:${randomUUID()}`;
    await client.hset(key, 'shard-1', '2|0|w2');
    const result = await pipeline.submit(job({ key, field: 'shard-1', prefix: '1|' }));
    expect(result.fenced).toBe(true);
    expect(target.invoked).toBe(0);
    expect(await added()).toBe(0);
  });
});
