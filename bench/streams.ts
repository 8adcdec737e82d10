/**
 * Kinesis throughput and latency: N records (default 50,000; BENCH_RECORDS) over 4 shards,
 *   - drained by a raw GetRecords loop (one loop per shard, 10,000 records per call; and
 *     100 per call, the Limit Sluice uses at BatchSize 100, streams.md §4), and
 *   - delivered by Sluice (through its API, shard leases, the BullMQ pipeline and a real
 *     Redis) to a no-op http target, BatchSize 100 (Lambda's default) and 1,000;
 * then put-to-invoke latency (p50, p99) with records produced at a steady rate.
 * Prints each figure beside the raw loop's, as a ratio.
 *
 *   npm run bench:streams
 */
import {
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { benchKinesisClient, createBenchStream, startBenchSluice, useBenchEnvironment } from './support/kinesis.js';
import { startKinesis, startLatencyTarget, startRedis } from './support/services.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 50_000);
const SHARDS = 4;
const LATENCY_RECORDS = Number(process.env.BENCH_LATENCY_RECORDS ?? 3000);
const LATENCY_RATE = 500; // records per second while measuring latency
useBenchEnvironment();

const [redis, kinesisService, target] = await Promise.all([startRedis(), startKinesis(), startLatencyTarget()]);
const kinesis = benchKinesisClient(kinesisService.url);
const newStream = () => createBenchStream(kinesis, SHARDS);

/** Puts `count` records (data `{"t": now}`), 500 per call, `rate` per second if given. */
async function put(stream: string, count: number, rate?: number): Promise<void> {
  const started = Date.now();
  for (let sent = 0; sent < count; ) {
    const n = Math.min(rate ? Math.max(1, Math.round(rate / 20)) : 500, count - sent);
    const records = Array.from({ length: n }, (_, i) => ({ PartitionKey: `key-${(sent + i) % 97}`, Data: Buffer.from(JSON.stringify({ t: Date.now() })) }));
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    sent += n;
    if (rate) {
      const due = started + (sent / rate) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Raw loop: one GetRecords loop per shard from TRIM_HORIZON until `expected` records were read, `limit` per call. */
async function rawLoop(stream: string, expected: number, latencies?: number[], limit = 10_000): Promise<void> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  let read = 0;
  await Promise.all(
    Shards.map(async (shard) => {
      let { ShardIterator: iterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (read < expected && iterator) {
        const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        const now = Date.now();
        for (const record of result.Records ?? []) latencies?.push(now - (JSON.parse(Buffer.from(record.Data!).toString()) as { t: number }).t);
        read += result.Records?.length ?? 0;
        iterator = result.NextShardIterator;
        if ((result.Records?.length ?? 0) === 0) await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
}

async function targetStats(): Promise<{ count: number; latencies: number[] }> {
  return (await fetch(`${target.url}/stats`)).json() as Promise<{ count: number; latencies: number[] }>;
}

/**
 * Runs `run` with a mapping created Disabled (LATEST is pinned then); `run` calls `enable`
 * when the records it wants are in the stream.
 */
async function withSluice<T>(batchSize: number, run: (stream: { name: string; arn: string }, enable: () => Promise<void>) => Promise<T>): Promise<T> {
  const sluice = await startBenchSluice({ redisUrl: redis.url, kinesisEndpoint: kinesisService.url, functions: { noop: { http: target.url } } });
  const { lambda } = sluice;
  const stream = await newStream();
  await fetch(`${target.url}/reset`, { method: 'POST' });
  try {
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'noop', EventSourceArn: stream.arn, StartingPosition: 'LATEST', BatchSize: batchSize, Enabled: false }),
    );
    const result = await run(stream, async () => {
      await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true }));
    });
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
    return result;
  } finally {
    await sluice.stop();
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream.name, EnforceConsumerDeletion: true }));
  }
}

async function untilDelivered(count: number): Promise<void> {
  while ((await targetStats()).count < count) await new Promise((r) => setTimeout(r, 25));
}

const rows: { name: string; seconds: number; p50: number; p99: number }[] = [];
try {
  // Raw loop: drain a pre-filled stream; then latency with a steady producer.
  {
    const stream = await newStream();
    await put(stream.name, RECORDS);
    const started = performance.now();
    await rawLoop(stream.name, RECORDS);
    const seconds = (performance.now() - started) / 1000;
    const latencyStream = await newStream();
    const latencies: number[] = [];
    await Promise.all([put(latencyStream.name, LATENCY_RECORDS, LATENCY_RATE), rawLoop(latencyStream.name, LATENCY_RECORDS, latencies)]);
    rows.push({ name: 'raw GetRecords loop', seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream.name }));
    await kinesis.send(new DeleteStreamCommand({ StreamName: latencyStream.name }));
  }
  // The same loop reading 100 records per call: what Sluice's GetRecords calls cost at
  // BatchSize 100, where streams.md §4 sets Limit to the room left in the batch.
  {
    const stream = await newStream();
    await put(stream.name, RECORDS);
    const started = performance.now();
    await rawLoop(stream.name, RECORDS, undefined, 100);
    rows.push({ name: 'raw GetRecords loop, Limit 100', seconds: (performance.now() - started) / 1000, p50: NaN, p99: NaN });
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream.name }));
  }
  for (const batchSize of [100, 1000]) {
    // Throughput: every record is in the stream when the mapping is enabled, as for the raw loop.
    const seconds = await withSluice(batchSize, async (stream, enable) => {
      await put(stream.name, RECORDS);
      const started = performance.now();
      await enable();
      await untilDelivered(RECORDS);
      return (performance.now() - started) / 1000;
    });
    const latencies = await withSluice(batchSize, async (stream, enable) => {
      await enable();
      await new Promise((r) => setTimeout(r, 1500)); // let the shards start
      await put(stream.name, LATENCY_RECORDS, LATENCY_RATE);
      await untilDelivered(LATENCY_RECORDS);
      return (await targetStats()).latencies;
    });
    rows.push({ name: `sluice, no-op http target, BatchSize ${batchSize}`, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
  }
} finally {
  kinesis.destroy();
  await Promise.allSettled([redis.stop(), kinesisService.stop(), target.stop()]);
}

const base = rows[0]!;
console.log(`\nKinesis: ${RECORDS} records over ${SHARDS} shards (kinesis-local); latency at ${LATENCY_RATE} records/s, node ${process.version}\n`);
console.log('| contender | records/s | ratio to raw | put-to-invoke p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const rate = RECORDS / row.seconds;
  console.log(`| ${row.name} | ${Math.round(rate)} | ${(rate / (RECORDS / base.seconds)).toFixed(2)} | ${Number.isNaN(row.p50) ? '—' : row.p50} | ${Number.isNaN(row.p99) ? '—' : row.p99} |`);
}
