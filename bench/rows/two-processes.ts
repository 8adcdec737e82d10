/**
 * Throughput of 2 Sluice processes against 1, on one Redis (one key prefix, one mapping):
 * SQS BatchSize 10 and Kinesis 4 shards at BatchSize 100. CPU is the sum over the processes.
 */
import type { Bed } from '../support/bed.js';
import { formatNumber, type Row } from '../support/table.js';
import { rateText, sluiceSqsDrain, SQS_MESSAGES } from './sqs.js';
import { filledKinesisStream, KINESIS_RECORDS, sluiceStreamDrain } from './streams.js';

// (chosen) SQS concurrency is a mapping's total over all processes (sqs.defaultMaximumConcurrency
// 5): at 5, a second process would only split the same 5 batches. 10 lets it add its own.
const SQS_SETTINGS = { BatchSize: 10, ScalingConfig: { MaximumConcurrency: 10 } };

export async function twoProcessRows(bed: Bed): Promise<Row[]> {
  const rows: Row[] = [];
  const sqsCase = `SQS BatchSize 10, MaximumConcurrency 10, ${SQS_MESSAGES.toLocaleString('en-US')} messages, one Redis`;
  const one = await sluiceSqsDrain(bed, SQS_SETTINGS);
  const two = await sluiceSqsDrain(bed, SQS_SETTINGS, {}, 2);
  const vs = (a: { rate: number; cpuPer1k: number }, b: { rate: number; cpuPer1k: number }) =>
    `2 / 1 processes: ${formatNumber(b.rate / a.rate, 2)} × throughput, ${formatNumber(b.cpuPer1k / a.cpuPer1k, 2)} × CPU`;
  rows.push({ case: sqsCase, contender: 'Sluice ×1, http target', result: rateText(one), cpuMsPer1k: one.cpuPer1k, redisPerBatch: one.redisPerBatch, data: { ...one, processes: 1 } });
  rows.push({ case: sqsCase, contender: 'Sluice ×2, http target', result: rateText(two), cpuMsPer1k: two.cpuPer1k, vsRaw: vs(one, two), redisPerBatch: two.redisPerBatch, data: { ...two, processes: 2 } });

  const stream = await filledKinesisStream(bed);
  const kinesisCase = `Kinesis 4 shards, BatchSize 100, ${KINESIS_RECORDS.toLocaleString('en-US')} records, one Redis`;
  const k1 = await sluiceStreamDrain(bed, stream, KINESIS_RECORDS, 100);
  const k2 = await sluiceStreamDrain(bed, stream, KINESIS_RECORDS, 100, 2);
  rows.push({ case: kinesisCase, contender: 'Sluice ×1, http target', result: rateText(k1), cpuMsPer1k: k1.cpuPer1k, redisPerBatch: k1.redisPerBatch, data: { ...k1, processes: 1 } });
  rows.push({ case: kinesisCase, contender: 'Sluice ×2, http target', result: rateText(k2), cpuMsPer1k: k2.cpuPer1k, vsRaw: vs(k1, k2), redisPerBatch: k2.redisPerBatch, data: { ...k2, processes: 2 } });
  return rows;
}
