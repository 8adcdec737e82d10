/**
 * Compares Sluice builds on Kinesis, each started as a user would (`node <tree>/bin/sluice.js
 * start`) in its own process: records/s and CPU of that process per 1,000 records, alternating
 * trees so drift hits them alike. The stream (4 shards) is filled first, then the mapping is
 * created at TRIM_HORIZON and timed until the target has seen every record.
 *
 *   npx tsx bench/streams-builds.ts /tmp/old .     (ROUNDS=2, BATCH_SIZES=100,1000, BENCH_RECORDS=20000)
 *
 * The SQS counterpart is bench/sqs-builds.ts; both exist for regression hunts between commits
 * (issue #12's bisect), where an in-process bench is too noisy.
 */
import { resolve } from 'node:path';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { benchCredentials, benchKinesisClient, createBenchStream, putInOrder, useBenchEnvironment } from './support/kinesis.js';
import { startKinesis, startLatencyTarget, startRedis } from './support/services.js';
import { startSluiceBuild } from './support/sluice-build.js';

useBenchEnvironment();
const RECORDS = Number(process.env.BENCH_RECORDS ?? 20000);
const batchSizes = (process.env.BATCH_SIZES ?? '100,1000').split(',').map(Number);
const trees = process.argv.slice(2).map((tree) => resolve(tree));
const [redis, kinesisLocal, target] = await Promise.all([startRedis(), startKinesis(), startLatencyTarget()]);
const kinesis = benchKinesisClient(kinesisLocal.url);
const received = async () => ((await (await fetch(target.url)).json()) as { count: number }).count;

let port = 19500;
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const batchSize of batchSizes) for (const tree of trees) {
    port++;
    const stream = await createBenchStream(kinesis, 4);
    const data = new TextEncoder().encode(JSON.stringify({ t: Date.now() }));
    await putInOrder(kinesis, stream.name, Array.from({ length: RECORDS }, (_, i) => ({ PartitionKey: `k${i}`, Data: data })));
    await fetch(`${target.url}/reset`, { method: 'POST' });
    const sluice = await startSluiceBuild(tree, port, {
      redis: { url: redis.url, keyPrefix: `k${port}` },
      aws: { services: { kinesis: { endpoint: kinesisLocal.url, httpHandler: 'http1' } } },
      functions: { fn: { http: `${target.url}/invoke` } },
    });
    const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials: benchCredentials });
    const cpu0 = sluice.cpuMs();
    const t0 = performance.now();
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.arn, BatchSize: batchSize, StartingPosition: 'TRIM_HORIZON' }));
    while ((await received()) < RECORDS) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = sluice.cpuMs() - cpu0;
    console.log(`b${String(batchSize).padEnd(5)} ${tree.padEnd(24)} ${Math.round(RECORDS / seconds)} records/s  ${(cpu / (RECORDS / 1000)).toFixed(1)} ms CPU / 1000 records`);
    sluice.stop();
    lambda.destroy();
  }
}
kinesis.destroy();
await Promise.all([redis.stop(), kinesisLocal.stop(), target.stop()]);
