/**
 * Production Redis (issue #11): two Sluice installations share one Redis database with
 * different `redis.keyPrefix`es and never see each other: List shows each its own
 * mappings, each one's batch jobs run on its own workers (BullMQ queues under the
 * prefix). Each connects as an ACL user allowed only keys and channels under its prefix
 * (`~alpha:* &alpha:*`), so any key, BullMQ key or pub/sub channel outside it would be
 * refused (NOPERM) — and every key left in Redis is checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { startTestRedisServer, type TestRedisServer } from '../support/redis-server.js';

const PREFIXES = ['alpha', 'beta'] as const;
let redis: TestRedisServer;
const installations = new Map<string, { sluice: TestSluice; target: RecordingTarget }>();

beforeAll(async () => {
  redis = await startTestRedisServer({ config: PREFIXES.map((p) => `user ${p}-user on >${p}-pw ~${p}:* &${p}:* +@all`) });
  for (const prefix of PREFIXES) {
    const target = await startRecordingTarget();
    const sluice = await startTestSluice({
      redis: { url: `redis://${prefix}-user:${prefix}-pw@127.0.0.1:${redis.port}/0`, keyPrefix: prefix },
      functions: { echo: { http: target.url, timeout: 3 } },
    });
    installations.set(prefix, { sluice, target });
  }
}, 30_000);
afterAll(async () => {
  for (const { sluice, target } of installations.values()) await Promise.all([sluice.stop(), target.close()]);
  await redis?.stop();
});

const queueArnsIn = (target: RecordingTarget): string[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: { eventSourceARN: string }[] })?.Records ?? []).map((rec) => rec.eventSourceARN));

describe('installations sharing one Redis with different key prefixes', () => {
  it('see only their own mappings and run only their own jobs; every key and channel is under its prefix', { timeout: 30_000 }, async () => {
    const queues = new Map<string, Awaited<ReturnType<typeof createQueue>>>();
    const uuids = new Map<string, string>();
    for (const prefix of PREFIXES) {
      const queue = await createQueue({ prefix });
      queues.set(prefix, queue);
      const { sluice } = installations.get(prefix)!;
      const created = await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queue.queueArn, BatchSize: 1 }));
      uuids.set(prefix, created.UUID!);
    }
    for (const prefix of PREFIXES) {
      const { sluice } = installations.get(prefix)!;
      const listed = await sluice.lambda.send(new ListEventSourceMappingsCommand({}));
      expect(listed.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuids.get(prefix)]);
    }
    // Several single-message batches each: a worker taking the other installation's jobs
    // would send them to its own target.
    for (const prefix of PREFIXES) await sendMessages(queues.get(prefix)!.queueUrl, ['1', '2', '3', '4']);
    for (const prefix of PREFIXES) {
      const { target } = installations.get(prefix)!;
      const arn = queues.get(prefix)!.queueArn;
      await pollUntil(() => queueArnsIn(target).length >= 4, { description: `4 records delivered for ${prefix}` });
      expect(new Set(queueArnsIn(target))).toEqual(new Set([arn]));
    }
    for (const { sluice } of installations.values()) expect(sluice.logs.filter((line) => line.includes('NOPERM'))).toEqual([]);

    const admin = redis.client();
    await admin.connect();
    const keys = await admin.keys('*');
    admin.disconnect();
    for (const prefix of PREFIXES) {
      expect(keys).toContain(`${prefix}:esm:order`);
      expect(keys).toContain(`${prefix}:workers`);
      expect(keys.some((k) => k.startsWith(`${prefix}:invoke:`))).toBe(true);
    }
    expect(keys.filter((k) => !PREFIXES.some((p) => k.startsWith(`${p}:`)))).toEqual([]);
    for (const queue of queues.values()) await queue.cleanup();
  });
});
