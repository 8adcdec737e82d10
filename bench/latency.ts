/**
 * Put → invoke latency on one Kinesis shard, 20 records/s (issue #13 part 2): a raw loop
 * polling every 50 ms, Sluice at `idlePollMs` 50 / `minReadIntervalMs` 0, and Sluice at the
 * Kinesis defaults (1000 / 200); each contender in its own process, the HTTP target in
 * another (bench/support/latency.ts). Runs the built tree in this checkout: `npm run build` first.
 *
 *   npm run bench:latency          (BENCH_LATENCY_RECORDS, default 300 per contender)
 */
import { measureLatency, type LatencyContender } from './support/latency.js';
import { useBenchEnvironment } from './support/kinesis.js';
import { startKinesis, startRedis } from './support/services.js';

useBenchEnvironment();
const records = Number(process.env.BENCH_LATENCY_RECORDS ?? 300);
const tree = process.cwd();
const [redis, kinesis] = await Promise.all([startRedis(), startKinesis()]);
const contenders: Array<[string, LatencyContender]> = [
  ['raw GetRecords loop, 50 ms poll', { kind: 'raw', pollMs: 50 }],
  ['sluice, idlePollMs 50, minReadIntervalMs 0', { kind: 'sluice', tree, idlePollMs: 50, minReadIntervalMs: 0 }],
  ['sluice, defaults (1000 / 200)', { kind: 'sluice', tree }],
];
const rows: Array<[string, Awaited<ReturnType<typeof measureLatency>>]> = [];
try {
  for (const [name, contender] of contenders) {
    rows.push([name, await measureLatency({ kinesisUrl: kinesis.url, redisUrl: redis.url, contender, records })]);
    console.error(`${name}: done`);
  }
} finally {
  await Promise.allSettled([redis.stop(), kinesis.stop()]);
}
const raw = rows[0]![1];
console.log(`\nput → invoke latency, one Kinesis shard, 20 records/s, ${records} records each (kinesis-local), node ${process.version}\n`);
console.log('| contender | p50 ms | p90 ms | p99 ms | max ms | p50 / raw | p99 / raw | put → read p50 / p99 ms | read → invoke p50 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${(r.p50 / raw.p50).toFixed(2)} | ${(r.p99 / raw.p99).toFixed(2)} | ${r.readP50} / ${r.readP99} | ${r.p50 - r.readP50} |`,
  );
}
