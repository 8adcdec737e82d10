/**
 * SQS BatchSize 10 throughput with Redis local and with Redis across a network (issue #13:
 * +1 ms each way through bench/support/delay-proxy.ts, a 2 ms round trip), each Sluice
 * build in its own process; the ratio says how many Redis round trips sit on a batch's
 * critical path. The goal is >= 0.8.
 *
 *   npx tsx bench/redis-latency.ts [tree ...]     (default: this tree; DELAY_MS=1, BENCH_MESSAGES=10000, ROUNDS=2)
 */
import { resolve } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startFauxqs, startNoopHttpTarget, startRedis } from './support/services.js';
import { startSluiceBuild } from './support/sluice-build.js';
import { startDelayProxy } from './support/delay-proxy.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10000);
const DELAY_MS = Number(process.env.DELAY_MS ?? 1);
const trees = (process.argv.length > 2 ? process.argv.slice(2) : ['.']).map((tree) => resolve(tree));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const [redis, fauxqs, noop] = await Promise.all([startRedis(), startFauxqs(), startNoopHttpTarget()]);
const redisPort = Number(new URL(redis.url).port);
const proxy = await startDelayProxy(redisPort, DELAY_MS);
const sqs = new SQSClient({ endpoint: fauxqs.url, region: 'us-east-1', credentials });

async function filled(name: string) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
  const body = JSON.stringify({ order: 'x'.repeat(200) });
  for (let b = 0; b < MESSAGES / 10; b += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, MESSAGES / 10 - b) }, () =>
        sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: body })) })),
      ),
    );
  }
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function empty(url: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}

const results = new Map<string, number[]>();
let port = 19600;
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const tree of trees) {
    for (const [label, redisUrl] of [
      ['local', redis.url],
      [`+${DELAY_MS} ms each way`, `redis://127.0.0.1:${proxy.port}`],
    ] as const) {
      port++;
      const sluice = await startSluiceBuild(tree, port, { redis: { url: redisUrl, keyPrefix: `p${port}` }, aws: { services: { sqs: { endpoint: fauxqs.url } } }, functions: { fn: { http: noop.url } } });
      const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials });
      const q = await filled(`q${port}`);
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: q.arn, BatchSize: 10 }));
      while (!(await empty(q.url))) await new Promise((r) => setTimeout(r, 20));
      const rate = MESSAGES / ((performance.now() - t0) / 1000);
      const key = `${tree}|${label}`;
      results.set(key, [...(results.get(key) ?? []), rate]);
      console.log(`SQS b10  ${tree.padEnd(28)} Redis ${label.padEnd(18)} ${Math.round(rate)} msg/s`);
      sluice.stop();
      lambda.destroy();
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const tree of trees) {
  const local = mean(results.get(`${tree}|local`)!);
  const far = mean(results.get(`${tree}|+${DELAY_MS} ms each way`)!);
  console.log(`${tree}: local ${Math.round(local)} msg/s, +${2 * DELAY_MS} ms round trip ${Math.round(far)} msg/s, ratio ${(far / local).toFixed(2)}`);
}
sqs.destroy();
await proxy.close();
await Promise.allSettled([redis.stop(), fauxqs.stop(), noop.stop()]);
