/**
 * Compares Sluice builds on SQS, each started as a user would (`node <tree>/bin/sluice.js
 * start`) in its own process: messages/s and CPU of that process per 1,000 messages (from
 * /proc/<pid>/stat), and its RSS once the queue is empty, alternating trees so drift hits
 * them alike. For a regression hunt between commits: `git worktree add /tmp/old <rev>`,
 * build it (`npm run build` there), then
 *
 *   npx tsx bench/sqs-builds.ts /tmp/old .
 *   (ROUNDS=2, ONLY="http b10,module b10", BENCH_MESSAGES=20000, BENCH_MESSAGE_BYTES=200)
 *
 * Large messages show what a build keeps of what it processed: the SQS receiver that kept
 * every batch (fixed in issue #13's last stop) ended 20,000 messages of 10 KB at RSS 614 and 644 MB,
 * the fixed one at 184 and 185 MB (two runs, BatchSize 10, http no-op).
 *
 * No raw loop shares Sluice's process, so one contender's CPU does not slow the other (issue
 * #12's bisect: the old in-process bench swung ±20 % between runs of one tree).
 */
import { resolve } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startFauxqs, startNoopHttpTarget, startRedis } from './support/services.js';
import { startSluiceBuild } from './support/sluice-build.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const MESSAGE_BYTES = Number(process.env.BENCH_MESSAGE_BYTES ?? 200);
const trees = process.argv.slice(2).map((tree) => resolve(tree));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const [redis, fauxqs, noop] = await Promise.all([startRedis(), startFauxqs(), startNoopHttpTarget()]);
const sqs = new SQSClient({ endpoint: fauxqs.url, region: 'us-east-1', credentials });
async function filled(name: string) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
  const body = JSON.stringify({ order: 'x'.repeat(MESSAGE_BYTES) });
  for (let b = 0; b < MESSAGES / 10; b += 50) await Promise.all(Array.from({ length: 50 }, () => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: body })) }))));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}
async function empty(url: string) {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}
const allCases: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['http b10', { http: noop.url }, { BatchSize: 10 }],
  ['http b100 w1', { http: noop.url }, { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }],
  ['module b10', { module: `${resolve(import.meta.dirname, 'handlers/noop.mjs')}#handler` }, { BatchSize: 10 }],
];
const cases = allCases.filter(([n]) => !process.env.ONLY || process.env.ONLY.split(',').includes(n));
let port = 19400;
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const [name, fn, settings] of cases) for (const tree of trees) {
    port++;
    const sluice = await startSluiceBuild(tree, port, { redis: { url: redis.url, keyPrefix: `p${port}` }, aws: { services: { sqs: { endpoint: fauxqs.url } } }, functions: { fn } });
    const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials });
    const q = await filled(`q${port}`);
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = sluice.cpuMs(); const t0 = performance.now();
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: q.arn, ...settings }));
    while (!(await empty(q.url))) await new Promise((r) => setTimeout(r, 20));
    const s = (performance.now() - t0) / 1000; const cpu = sluice.cpuMs() - cpu0;
    const rssMb = Math.round(sluice.rssBytes() / 2 ** 20);
    console.log(`${name.padEnd(14)} ${tree.padEnd(24)} ${Math.round(MESSAGES / s)} msg/s  ${(cpu / (MESSAGES / 1000)).toFixed(1)} ms CPU / 1000 msgs  RSS ${rssMb} MB at the end`);
    sluice.stop(); lambda.destroy();
  }
}
sqs.destroy();
await Promise.allSettled([redis.stop(), fauxqs.stop(), noop.stop()]);
