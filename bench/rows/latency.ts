/**
 * Put → invoke latency on one Kinesis shard at 20 records/s (issue #13 part 2): each record
 * carries its put time and the sink subtracts it from its arrival. Contenders: a raw loop
 * polling every 50 ms, Sluice at default pacing, and Sluice with
 * `streams: { idlePollMs: 50, minReadIntervalMs: 0 }` (when the tree's config knows them).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SCALE, type Bed } from '../support/bed.js';
import { startContender } from '../support/contender.js';
import { until } from '../support/measure.js';
import { formatNumber, percentile, type Row } from '../support/table.js';
import { createStream, type Stream } from './streams.js';

const RATE = 20; // records per second (issue #13 part 2)
const SECONDS = Math.max(3, 30 * SCALE);
const LOW_LATENCY = { idlePollMs: 50, minReadIntervalMs: 0 };

async function putNow(bed: Bed, stream: Stream): Promise<void> {
  await bed.kinesis.send(new PutRecordsCommand({ StreamName: stream.name, Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ t: Date.now() })) }] }));
}

interface Measured {
  p50: number;
  p99: number;
  records: number;
  cpuPercent: number;
  cpuPer1k: number;
}

/** Once the contender delivers (probe records until one arrives), RATE records/s for SECONDS, each timed. */
async function measure(bed: Bed, stream: Stream, cpuMs: () => number): Promise<Measured> {
  await bed.sink.reset();
  await until(async () => {
    await putNow(bed, stream);
    return (await bed.sink.stats()).records > 0;
  }, 60_000, 'the first record to arrive', 200);
  await new Promise((r) => setTimeout(r, 1000));
  await bed.sink.reset();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const total = Math.round(RATE * SECONDS);
  for (let sent = 0; sent < total; sent++) {
    const due = t0 + (sent * 1000) / RATE;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    await putNow(bed, stream);
  }
  await until(async () => (await bed.sink.stats()).records >= total, 60_000, `${total} records at the sink`, 50);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - cpu0;
  const { latencies } = await bed.sink.stats();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), records: total, cpuPercent: cpu / 10 / seconds, cpuPer1k: cpu / (total / 1000) };
}

/** Whether the tree's config accepts the low-latency keys (they come with issue #13 part 1). */
async function treeKnowsLowLatency(tree: string): Promise<boolean> {
  const { configSchema } = (await import(pathToFileURL(join(tree, 'dist/config/index.js')).href)) as { configSchema: { safeParse(v: unknown): { success: boolean } } };
  return configSchema.safeParse({ streams: LOW_LATENCY }).success;
}

async function sluiceLatency(bed: Bed, streams?: Record<string, number>): Promise<Measured> {
  const stream = await createStream(bed, 1);
  const sluice = await bed.sluice(streams ? { extra: { streams } } : {});
  try {
    await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.arn, StartingPosition: 'LATEST', BatchSize: 100 }));
    return await measure(bed, stream, sluice.cpuMs);
  } finally {
    sluice.close();
  }
}

export async function latencyRows(bed: Bed): Promise<Row[]> {
  const caseName = `put → invoke latency, Kinesis 1 shard, ${RATE} records/s for ${formatNumber(SECONDS)} s`;
  const stream = await createStream(bed, 1);
  const contender = await startContender('stream-raw.ts', {
    SOURCE: 'kinesis',
    ENDPOINT: bed.kinesisEndpoint,
    STREAM: stream.name,
    STREAM_ARN: stream.arn,
    BATCH_SIZE: 100,
    SINK_URL: bed.sink.url,
    START: 'LATEST',
    IDLE_POLL_MS: 50,
  });
  let raw: Measured;
  try {
    contender.go();
    raw = await measure(bed, stream, contender.cpuMs);
  } finally {
    await contender.stop();
  }
  const text = (m: Measured) => `p50 ${formatNumber(m.p50)} ms, p99 ${formatNumber(m.p99)} ms (CPU ${formatNumber(m.cpuPercent, 1)} % of a core)`;
  const vs = (m: Measured) => `p50 ${formatNumber(m.p50 / raw.p50, 1)} ×, p99 ${formatNumber(m.p99 / raw.p99, 1)} ×`;
  const rows: Row[] = [{ case: caseName, contender: 'raw loop polling every 50 ms', result: text(raw), cpuMsPer1k: raw.cpuPer1k, vsRaw: '1.00 (baseline)', data: { ...raw } }];
  const defaults = await sluiceLatency(bed);
  rows.push({ case: caseName, contender: 'Sluice, default pacing', result: text(defaults), cpuMsPer1k: defaults.cpuPer1k, vsRaw: vs(defaults), data: { ...defaults } });
  const lowContender = 'Sluice, streams.idlePollMs 50, minReadIntervalMs 0';
  if (await treeKnowsLowLatency(bed.tree)) {
    const low = await sluiceLatency(bed, LOW_LATENCY);
    rows.push({ case: caseName, contender: lowContender, result: text(low), cpuMsPer1k: low.cpuPer1k, vsRaw: vs(low), data: { ...low } });
  } else {
    rows.push({ case: caseName, contender: lowContender, result: 'n/a (needs streams.idlePollMs)', data: { available: false } });
  }
  return rows;
}
