/**
 * SQS throughput: N messages (default 20,000; BENCH_MESSAGES) drained from a fauxqs queue by
 *   - a raw ReceiveMessage / DeleteMessageBatch loop (the baseline), with as many loops as
 *     Sluice's default concurrency, and with one loop;
 *   - sqs-consumer (one consumer, batches of 10);
 *   - Sluice with a no-op http target, and with a no-op module target (BatchSize 10,
 *     default concurrency 5), through its API, BullMQ pipeline and real Redis;
 * all in this process, one after the other, each on a fresh queue filled beforehand.
 * Prints messages per second and each figure as a ratio of the raw loop's.
 *
 *   npm run bench:sqs
 */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Consumer } from 'sqs-consumer';
import { configSchema } from '../src/config/index.js';
import { startSluice } from '../src/app.js';
import { createLogger } from '../src/observability/logger.js';
import { startFauxqs, startNoopHttpTarget, startRedis } from './support/services.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CONCURRENCY = 5; // Sluice's default sqs.defaultMaximumConcurrency
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const [redis, fauxqs, noop] = await Promise.all([startRedis(), startFauxqs(), startNoopHttpTarget()]);
const sqs = new SQSClient({ endpoint: fauxqs.url, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } }) });

async function filledQueue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
  const body = JSON.stringify({ order: 'x'.repeat(200) });
  const batches = Array.from({ length: Math.ceil(MESSAGES / 10) }, (_, b) => b);
  for (let i = 0; i < batches.length; i += 50) {
    await Promise.all(
      batches.slice(i, i + 50).map((b) =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: Array.from({ length: Math.min(10, MESSAGES - b * 10) }, (_, j) => ({ Id: String(j), MessageBody: body })),
          }),
        ),
      ),
    );
  }
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function queueEmpty(url: string): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}

async function untilEmpty(url: string): Promise<void> {
  while (!(await queueEmpty(url))) await new Promise((r) => setTimeout(r, 20));
}

/** Time to drain a freshly filled queue, in seconds. */
async function measure(name: string, drain: (queue: { url: string; arn: string }) => Promise<() => Promise<void>>): Promise<number> {
  const queue = await filledQueue(`bench-${name}-${Date.now()}`);
  const started = performance.now();
  const stop = await drain(queue);
  await untilEmpty(queue.url);
  const seconds = (performance.now() - started) / 1000;
  await stop();
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  return seconds;
}

function rawLoop(loops: number) {
  return async ({ url }: { url: string }) => {
    let running = true;
    const loop = async () => {
      while (running) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        if (Messages.length === 0) continue;
        await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
        );
      }
    };
    const all = Array.from({ length: loops }, loop);
    return async () => {
      running = false;
      await Promise.all(all);
    };
  };
}

async function sqsConsumer({ url }: { url: string }) {
  const consumer = Consumer.create({ queueUrl: url, sqs, batchSize: 10, waitTimeSeconds: 1, handleMessageBatch: async (messages) => messages });
  consumer.start();
  return async () => consumer.stop({ abort: false });
}

async function sluiceWith(functionConfig: Record<string, unknown>, mappingSettings: Record<string, unknown> = { BatchSize: 10 }) {
  const config = configSchema.parse({
    redis: { url: redis.url, keyPrefix: `bench${Date.now()}` },
    api: { port: 0 },
    aws: { services: { sqs: { endpoint: fauxqs.url } } },
    functions: { fn: functionConfig },
    log: { level: 'warn' },
  });
  const sluice = await startSluice({ ...config, baseDir: resolve('.') }, createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) }));
  const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials });
  return async ({ arn }: { arn: string }) => {
    const { UUID } = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: arn, ...mappingSettings }));
    return async () => {
      await lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
      lambda.destroy();
      await sluice.stop();
    };
  };
}

/** BENCH_ONLY=raw,sluice-http,... runs a subset (the raw loop always runs: it is the baseline). */
const only = process.env.BENCH_ONLY?.split(',');
const contenders: [string, () => Promise<(queue: { url: string; arn: string }) => Promise<() => Promise<void>>>][] = [
  ['raw loop x1', async () => rawLoop(1)],
  ['sqs-consumer', async () => sqsConsumer],
  ['sluice http no-op', () => sluiceWith({ http: noop.url })],
  ['sluice module no-op', () => sluiceWith({ module: 'bench/handlers/noop.mjs#handler' })],
  // Bigger batches amortise the per-batch job over more messages.
  ['sluice http no-op, BatchSize 100 + window 1 s', () => sluiceWith({ http: noop.url }, { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 })],
];
const results: [string, number, number][] = [];
/** Measures a contender, with the CPU time this process spent (ms) beside the wall time. */
async function run(name: string, drain: (queue: { url: string; arn: string }) => Promise<() => Promise<void>>): Promise<void> {
  const cpu = process.cpuUsage();
  const seconds = await measure(name.replace(/\W+/g, '-'), drain);
  const used = process.cpuUsage(cpu);
  results.push([name, seconds, (used.user + used.system) / 1000]);
}
try {
  // Warm-up: SDK and emulator JIT.
  await measure('warmup', rawLoop(CONCURRENCY));
  await run(`raw loop x${CONCURRENCY}`, rawLoop(CONCURRENCY));
  for (const [name, make] of contenders) if (!only || only.some((o) => name.includes(o))) await run(name, await make());
} finally {
  sqs.destroy();
  await Promise.allSettled([redis.stop(), fauxqs.stop(), noop.stop()]);
}

const baseline = MESSAGES / results[0]![1];
console.log(`\nSQS: ${MESSAGES} messages per run, fauxqs, node ${process.version}\n`);
console.log(`| contender | seconds | messages/s | ratio to raw loop x${CONCURRENCY} | CPU of this process (% of one core) |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, seconds, cpuMs] of results) {
  const rate = MESSAGES / seconds;
  console.log(`| ${name} | ${seconds.toFixed(2)} | ${Math.round(rate)} | ${(rate / baseline).toFixed(2)} | ${Math.round(cpuMs / 10 / seconds)} |`);
}
