/**
 * SQS rows: a fauxqs queue filled with N messages beforehand, drained by each contender in
 * its own process; timed until the queue is empty (every message deleted).
 */
import { resolve } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { scaled, type Bed, type RunningSluice, type SluiceOptions } from '../support/bed.js';
import { startContender } from '../support/contender.js';
import { timedDrain, until, type Drain } from '../support/measure.js';
import { metricSum } from '../support/redis-stats.js';
import { ceilingRow, formatNumber, ratioText, type Row } from '../support/table.js';

export const SQS_MESSAGES = scaled(20_000, 200);
const DRAIN_TIMEOUT_MS = 600_000;
export const moduleNoop = { module: `${resolve(import.meta.dirname, '../handlers/noop.mjs')}#handler` };

export interface Queue {
  url: string;
  arn: string;
}

let queueNumber = 0;

export async function createQueue(bed: Bed, name = `bench-${process.pid}-${queueNumber++}`): Promise<Queue> {
  const { QueueUrl } = await bed.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
  const { Attributes } = await bed.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** A new queue holding `messages` messages of about 220 bytes. */
export async function filledQueue(bed: Bed, messages = SQS_MESSAGES): Promise<Queue> {
  const queue = await createQueue(bed);
  const body = JSON.stringify({ order: 'x'.repeat(200) });
  const batches = Math.ceil(messages / 10);
  for (let b = 0; b < batches; b += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, batches - b) }, (_, i) =>
        bed.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: Array.from({ length: Math.min(10, messages - (b + i) * 10) }, (_, j) => ({ Id: String(j), MessageBody: body })),
          }),
        ),
      ),
    );
  }
  return queue;
}

async function queueEmpty(bed: Bed, url: string): Promise<boolean> {
  const { Attributes = {} } = await bed.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}

const untilEmpty = (bed: Bed, queue: Queue) => until(() => queueEmpty(bed, queue.url), DRAIN_TIMEOUT_MS, `${queue.url} to drain`, 20);

/** A raw contender script (sqs-raw.ts, sqs-consumer.ts) draining a filled queue. */
export async function rawSqsDrain(bed: Bed, script: string, env: Record<string, string | number> = {}): Promise<Drain> {
  const queue = await filledQueue(bed);
  const contender = await startContender(script, { SQS_ENDPOINT: bed.sqsEndpoint, QUEUE_URL: queue.url, QUEUE_ARN: queue.arn, SINK_URL: bed.sink.url, ...env });
  try {
    return await timedDrain(bed, SQS_MESSAGES, contender.cpuMs, contender.go, () => untilEmpty(bed, queue));
  } finally {
    await contender.stop();
  }
}

export interface SluiceDrain extends Drain {
  batches: number;
  redisPerBatch: number;
}

/**
 * `processes` Sluice processes on one Redis (one key prefix) draining a filled queue through
 * one mapping with `settings`; CPU is the sum over the processes, batches from their metrics.
 */
export async function sluiceSqsDrain(bed: Bed, settings: Record<string, unknown>, options: SluiceOptions = {}, processes = 1): Promise<SluiceDrain> {
  const keyPrefix = options.keyPrefix ?? `sqs${process.pid}x${queueNumber}`;
  const queue = await filledQueue(bed);
  const sluices: RunningSluice[] = [];
  try {
    for (let i = 0; i < processes; i++) sluices.push(await bed.sluice({ ...options, keyPrefix }));
    const drain = await timedDrain(
      bed,
      SQS_MESSAGES,
      () => sluices.reduce((sum, s) => sum + s.cpuMs(), 0),
      async () => {
        await sluices[0]!.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.arn, ...settings }));
      },
      () => untilEmpty(bed, queue),
    );
    let batches = 0;
    for (const s of sluices) batches += metricSum(await s.metrics(), 'sluice_invocations_total');
    return { ...drain, batches, redisPerBatch: drain.redisCalls / batches };
  } finally {
    for (const s of sluices) s.close();
  }
}

export const rateText = (d: Drain, unit = 'records/s') => `${formatNumber(d.rate)} ${unit}`;

export async function sqsRows(bed: Bed): Promise<Row[]> {
  const rows: Row[] = [];
  const raw = await rawSqsDrain(bed, 'sqs-raw.ts', { LOOPS: 5 });
  const base = { rate: raw.rate, cpuPer1k: raw.cpuPer1k };
  const consumer = await rawSqsDrain(bed, 'sqs-consumer.ts', { CONSUMERS: 5 });
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['Sluice, http target, BatchSize 10', { BatchSize: 10 }, { http: bed.sink.url }],
    ['Sluice, module target, BatchSize 10', { BatchSize: 10 }, moduleNoop],
    ['Sluice, http target, BatchSize 100, window 1 s', { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }, { http: bed.sink.url }],
    ['Sluice, module target, BatchSize 100, window 1 s', { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }, moduleNoop],
  ];
  const caseName = `SQS, ${SQS_MESSAGES.toLocaleString('en-US')} messages`;
  rows.push({ case: caseName, contender: 'raw loop ×5 (Receive → POST → DeleteMessageBatch)', result: rateText(raw), cpuMsPer1k: raw.cpuPer1k, vsRaw: '1.00 (baseline)', data: { ...raw } });
  rows.push({ case: caseName, contender: 'sqs-consumer ×5', result: rateText(consumer), cpuMsPer1k: consumer.cpuPer1k, vsRaw: ratioText(consumer.rate, consumer.cpuPer1k, base), data: { ...consumer } });
  for (const [contender, settings, fn] of cases) {
    const d = await sluiceSqsDrain(bed, settings, { fn });
    rows.push({
      case: caseName,
      contender,
      result: rateText(d),
      cpuMsPer1k: d.cpuPer1k,
      vsRaw: ratioText(d.rate, d.cpuPer1k, base),
      redisPerBatch: d.redisPerBatch,
      data: { ...d, ...settings },
    });
    if (contender === 'Sluice, http target, BatchSize 10') rows.push(ceilingRow(caseName, d.redisPerBatch, 10));
  }
  return rows;
}
