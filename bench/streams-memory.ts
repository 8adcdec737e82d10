/**
 * Memory under a stream backlog (issue #13 part 1, streams.md §4): BENCH_RECORDS records of
 * 1 KB (default 200,000) put on a 4-shard stream first, then drained by a `sluice start`
 * process (this checkout's build, startSluiceBuild) through a TRIM_HORIZON mapping at
 * BatchSize 100 to an HTTP target in its own process, while the Sluice process's VmRSS is
 * sampled from /proc/<pid>/status every 100 ms. Goal: under 400 MB throughout (the default
 * read-ahead: 16 MB per shard, 256 MB per process). Kept out of the test suite: kinesis-local
 * takes about 9 minutes to accept 200,000 records on a 2-core machine.
 *
 * Measured (2 busy cores, kinesis-local): 40,000 records: RSS 130 MB at start, median 154 MB,
 * max 430 MB; 20,000: max 225 MB. The peak is not the buffers (16 MB per shard) but the four
 * shards' first reads of up to 10,000 records (~14 MB of JSON each) parsed at once. Reads in
 * flight now count against maxBufferedBytes (BufferAccountant.reserveRead, 80 MB per Kinesis
 * read: at most three at once with the default cap). Measured again on a machine loaded by
 * other work (load average 8-10 on 2 cores), 40,000 records: before, 285 records/s, RSS
 * median 187 MB, max 303 MB; after, 483 records/s, median 178 MB, max 277 MB (the
 * throughput difference is the machine's load, not the change). 200,000 records, once
 * kinesis-local's quadratic PutRecords was worked around (bench/support/services.ts), on
 * the quiet machine: put in 519 s, drained in 172 s (1,165 records/s), RSS at start 128 MB,
 * median 321 MB, max 375 MB over 1,693 samples.
 *
 *   npm run build && npm run bench:streams-memory   (BENCH_TREE: another built checkout)
 */
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { getFreePort } from '../test/support/ports.js';
import { benchCredentials, benchKinesisClient, createBenchStream, useBenchEnvironment } from './support/kinesis.js';
import { startKinesis, startLatencyTarget, startRedis } from './support/services.js';
import { startSluiceBuild } from './support/sluice-build.js';

useBenchEnvironment();
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const SHARDS = 4;
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);

const [redis, kinesisService, target] = await Promise.all([startRedis(), startKinesis(), startLatencyTarget()]);
const kinesis = benchKinesisClient(kinesisService.url);
try {
  const stream = await createBenchStream(kinesis, SHARDS);
  const putStarted = Date.now();
  // 1 KB records: `{"t":<ms>,"pad":"xxx…"}`; four putters, 500 records per call.
  const pad = 'x'.repeat(1000 - 30);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < RECORDS) {
        const n = Math.min(500, RECORDS - next);
        const first = next;
        next += n;
        const records = Array.from({ length: n }, (_, i) => ({ PartitionKey: `key-${first + i}`, Data: Buffer.from(JSON.stringify({ t: Date.now(), pad })) }));
        for (let pending = records; pending.length > 0; ) {
          const { Records = [] } = await kinesis.send(new PutRecordsCommand({ StreamName: stream.name, Records: pending }));
          pending = pending.filter((_, j) => Records[j]?.ErrorCode);
        }
        if ((first + n) % 20_000 === 0) process.stderr.write(`put ${first + n} of ${RECORDS} records\n`);
      }
    }),
  );
  const putSeconds = (Date.now() - putStarted) / 1000;

  const sluice = await startSluiceBuild(process.env.BENCH_TREE ?? process.cwd(), await getFreePort(), {
    redis: { url: redis.url },
    aws: { services: { kinesis: { endpoint: kinesisService.url } } },
    functions: { sink: { http: target.url } },
  });
  const rssMb = (): number => sluice.rssBytes() / 2 ** 20;
  const samples: number[] = [rssMb()];
  const sampler = setInterval(() => samples.push(rssMb()), 100);
  try {
    const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials: benchCredentials });
    const started = Date.now();
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'sink', EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: BATCH_SIZE }));
    for (;;) {
      const { count } = (await (await fetch(`${target.url}/stats`)).json()) as { count: number };
      if (count >= RECORDS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    lambda.destroy();
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(`\n${RECORDS} records of 1 KB on ${SHARDS} shards (put in ${putSeconds.toFixed(0)} s), BatchSize ${BATCH_SIZE}, default read-ahead; node ${process.version}\n`);
    console.log('| drained in s | records/s | RSS at start MB | RSS median MB | RSS max MB | samples |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| ${seconds.toFixed(1)} | ${Math.round(RECORDS / seconds)} | ${samples[0]!.toFixed(0)} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} | ${samples.length} |`);
  } finally {
    clearInterval(sampler);
    sluice.stop();
  }
} finally {
  kinesis.destroy();
  await Promise.allSettled([redis.stop(), kinesisService.stop(), target.stop()]);
}
