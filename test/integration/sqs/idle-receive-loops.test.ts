/**
 * What an idle SQS mapping costs (issue #13 §3): the poller starts with one open receive
 * and one concurrency slot, not its share of five; messages arriving start the loops up to
 * the share, and once their long polls come back empty again one receive and one slot stay.
 * Counted on a real queue (fauxqs) and real slots (Redis): receives open at once, receives
 * made, and slots held, never a time or a rate.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseEventSourceArn } from '../../../src/mappings/event-source-arn.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { BatchJobData, BatchJobResult } from '../../../src/pipeline/index.js';
import { ConcurrencySlots } from '../../../src/sources/sqs/concurrency-slots.js';
import type { SqsClientLike } from '../../../src/sources/sqs/sqs-calls.js';
import { SqsPoller } from '../../../src/sources/sqs/sqs-poller.js';
import { allocateRedisDb, createQueue, createRedis, createSqsClient, pollUntil, uniqueName } from '../../support/index.js';
import { sendMessages } from '../../support/sqs-helpers.js';

const SHARE = 5;
/**
 * A long poll is 20 s (sqs-receiver.ts LONG_POLL_SECONDS). A loop leaves after an empty long
 * poll during which no other loop received anything, so the polls that started before the
 * queue's last message must end, then one more round: up to two long polls after the drain.
 */
const AFTER_LONG_POLL_MS = 60_000;

let redis: Redis;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
});
afterAll(async () => {
  await redis.quit();
});

/** The real client, with the ReceiveMessage calls counted: made, and open now. */
function countingReceives(client: SQSClient): { sqs: SqsClientLike; open: () => number; made: () => number } {
  let open = 0;
  let made = 0;
  const sqs: SqsClientLike = {
    send: (async (command: unknown, options?: unknown) => {
      if (!(command instanceof ReceiveMessageCommand)) return client.send(command as never, options as never);
      open++;
      made++;
      try {
        return await client.send(command, options as never);
      } finally {
        open--;
      }
    }) as SqsClientLike['send'],
  };
  return { sqs, open: () => open, made: () => made };
}

describe('SqsPoller on an idle queue', () => {
  it('keeps one receive and one slot while the queue is empty, and its full share once messages come', { timeout: 120_000 }, async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 60 });
    onTestFinished(queue.cleanup);
    const client = createSqsClient();
    onTestFinished(() => client.destroy());
    const receives = countingReceives(client);
    const slotsKey = uniqueName('idle-slots');
    const slots = new ConcurrencySlots(redis, slotsKey, 5000);
    onTestFinished(() => slots.close());

    // Invocations wait until released, so the loops that got messages stay busy and counted.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const submitted: BatchJobData[] = [];
    const submit = async (data: BatchJobData): Promise<BatchJobResult> => {
      submitted.push(data);
      await released;
      return { outcome: { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 } };
    };
    const poller = new SqsPoller(
      {
        sourceType: 'sqs',
        mappingId: 'idle-mapping',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        eventSourceArn: queue.queueArn,
        source: parseEventSourceArn(queue.queueArn)!,
        batchSize: 1,
        windowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [],
        maximumConcurrency: SHARE,
        functionTimeoutMs: 30_000,
      },
      { sqs: receives.sqs, slots, submit, report: async () => undefined, logger: createLogger({ level: 'silent' }) },
    );
    poller.start(SHARE);
    onTestFinished(async () => {
      release();
      await poller.stop();
      await poller.receivesEnded();
    });

    // At start: one receive and one slot, and no more while nothing arrives (sampled for 2 s).
    await pollUntil(() => receives.open() === 1, { description: 'one receive open at start' });
    let mostOpen = 0;
    for (let i = 0; i < 20; i++) {
      mostOpen = Math.max(mostOpen, receives.open());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mostOpen).toBe(1);
    expect(await redis.zcard(slotsKey)).toBe(1);
    // A periodic reconcile confirming the share does not wake more loops.
    const madeBefore = receives.made();
    poller.setLocalSlots(SHARE);
    expect(receives.open()).toBe(1);
    expect(receives.made()).toBe(madeBefore);

    // Messages: the receive that gets one starts the loops up to the share (batches of one
    // message, invocations held, so each loop keeps its slot).
    await sendMessages(queue.queueUrl, Array.from({ length: 20 }, (_, i) => `m-${i}`));
    await pollUntil(() => submitted.length === SHARE, { timeoutMs: 20_000, description: `${SHARE} batches in flight at once` });
    expect(await redis.zcard(slotsKey)).toBe(SHARE);
    expect(submitted.length).toBe(SHARE);

    // Invocations end, the queue drains, the long polls come back empty: one loop stays, the
    // others leave and free their slots.
    release();
    let state = '';
    await pollUntil(async () => (state = `${submitted.length} submitted, ${receives.open()} open, ${await redis.zcard(slotsKey)} slots`) === '20 submitted, 1 open, 1 slots', {
      timeoutMs: AFTER_LONG_POLL_MS,
      intervalMs: 200,
      description: 'one receive open and one slot held once the long polls after the backlog ended empty',
    }).catch((error: Error) => {
      throw new Error(`${error.message} (${state})`);
    });
  });
});
