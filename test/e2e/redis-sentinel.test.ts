/**
 * Production Redis (issue #11): Sluice finds its Redis through Sentinel (`redis.sentinels`,
 * `redis.sentinelName`, a password on the data nodes and another on the sentinel), delivers an SQS mapping, and keeps delivering after the master is
 * killed and Sentinel promotes its replica (every connection, BullMQ's included, asks the
 * sentinels again). Real redis-servers: a master, a replica and one sentinel (quorum 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { startTestRedisServer, type TestRedisServer } from '../support/redis-server.js';

const MASTER_NAME = 'sluice-main';
const REDIS_PASSWORD = 'data-secret';
const SENTINEL_PASSWORD = 'sentinel-secret';
let master: TestRedisServer;
let replica: TestRedisServer;
let sentinel: TestRedisServer;
let target: RecordingTarget;
let sluice: TestSluice;

beforeAll(async () => {
  // Passwords everywhere, as in production: the data nodes' and the sentinel's own.
  const dataNode = [`requirepass ${REDIS_PASSWORD}`, `masterauth ${REDIS_PASSWORD}`];
  master = await startTestRedisServer({ config: dataNode, ready: { password: REDIS_PASSWORD } });
  replica = await startTestRedisServer({ config: [...dataNode, `replicaof 127.0.0.1 ${master.port}`], ready: { password: REDIS_PASSWORD } });
  sentinel = await startTestRedisServer({
    sentinel: true,
    ready: { password: SENTINEL_PASSWORD },
    config: [
      `requirepass ${SENTINEL_PASSWORD}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
      `sentinel auth-pass ${MASTER_NAME} ${REDIS_PASSWORD}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 3000`,
    ],
  });
  target = await startRecordingTarget();
  sluice = await startTestSluice({
    redis: {
      url: 'redis://sentinel/0',
      password: REDIS_PASSWORD,
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      sentinelName: MASTER_NAME,
      sentinelPassword: SENTINEL_PASSWORD,
    },
    functions: { echo: { http: target.url, timeout: 3 } },
  });
}, 30_000);
afterAll(async () => {
  await sluice?.stop();
  await Promise.all([sentinel?.stop(), replica?.stop(), master?.stop(), target?.close()]);
});

const bodiesFrom = (queueArn: string): string[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: { body: string; eventSourceARN: string }[] })?.Records ?? []).filter((rec) => rec.eventSourceARN === queueArn).map((rec) => rec.body));

describe('Redis through Sentinel', () => {
  it('delivers through the master the sentinel names, and again after a failover', { timeout: 60_000 }, async () => {
    // A batch received while Redis was failing over comes back after the visibility
    // timeout (its submit failed): 5 s keeps that case inside the wait below.
    const queue = await createQueue({ visibilityTimeoutSeconds: 5 });
    await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queue.queueArn }));
    await sendMessages(queue.queueUrl, ['before failover']);
    await pollUntil(() => bodiesFrom(queue.queueArn).includes('before failover'), { description: 'delivered through the first master' });
    // Sluice's data is on the master the sentinel named.
    const onMaster = master.client();
    await onMaster.connect();
    expect(await onMaster.exists('sluice:esm:order')).toBe(1);
    onMaster.disconnect();

    // Let the replica catch up, then kill the master: Sentinel promotes the replica. WAIT
    // answers how many replicas acknowledged once its timeout passes, even none: on a loaded
    // machine the replica's first sync could still be running, and the promoted replica then
    // lacked Sluice's store (the mapping was gone). Asked again until the replica has it all.
    const writer = master.client();
    await writer.connect();
    await pollUntil(async () => (await writer.wait(1, 1000)) >= 1, { timeoutMs: 20_000, intervalMs: 0, description: 'the replica acknowledged every write' });
    writer.disconnect();
    process.kill(-master.process.pid, 'SIGKILL');
    const sentinelClient = sentinel.client();
    await sentinelClient.connect();
    await pollUntil(
      async () => ((await sentinelClient.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[])[1] === String(replica.port),
      { timeoutMs: 20_000, intervalMs: 200, description: 'sentinel promoted the replica' },
    );
    sentinelClient.disconnect();

    await sendMessages(queue.queueUrl, ['after failover']);
    const failedOver = Date.now();
    await pollUntil(() => bodiesFrom(queue.queueArn).includes('after failover'), { timeoutMs: 25_000, description: 'delivered through the promoted replica' }).catch((error: Error) => {
      // What Sluice said meanwhile is what explains a failure here (CI has no other trace).
      const said = sluice.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 40);
      throw new Error(`${error.message}\nwarn and error lines since the start:\n${said.join('\n')}`);
    });
    // Recovery time, for whoever reads the test's output.
    console.log(`delivered ${Date.now() - failedOver} ms after Sentinel named the new master`);
    await queue.cleanup();
  });
});
