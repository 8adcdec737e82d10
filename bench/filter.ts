/**
 * What FilterCriteria cost: records per second through a Kinesis mapping with 5 filters
 * vs the same mapping without filters, plus the compiled matcher alone as context.
 *
 * Source: Kinesis (kinesis-local, 4 shards). On streams the filter runs in the shard
 * reader, before batching, and rejected records cost no service call at all (their
 * checkpoint just moves on, streams.md §8 / filtering.md §7); on SQS every rejected
 * message still needs a DeleteMessage on the emulator, so the emulator's cost would
 * hide the filter's. Kinesis shows the filter's own share of the work.
 *
 * Records are order events (JSON data) from a seeded generator; 5 realistic filters
 * (filtering.md §3: equals, numeric range, prefix, suffix, anything-but, nested keys,
 * equals-ignore-case) keep a share printed below, computed by the compiled matcher and
 * checked against what the target receives. The last record of every partition key is
 * one the filters keep, so "all kept records delivered" means every record was read.
 *
 * Prints records/s (all records put, kept or not, over the time from enabling the
 * mapping until the target has every record it should get) for: no filter, 5 filters;
 * and compiled `matches()` calls per second over the same records' filter views, alone
 * and with the view built from the event (base64 decode + JSON parse), as Sluice does.
 *
 *   npm run bench:filter     (BENCH_RECORDS, default 20,000; BENCH_ROUNDS, default 3: best of)
 */
import { DeleteStreamCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { compileFilterCriteria, kinesisFilterView } from '../src/filtering/index.js';
import { toKinesisEventRecord, type KinesisEventRecord } from '../src/sources/kinesis/kinesis-record.js';
import { startKinesis, startLatencyTarget, startRedis } from './support/services.js';
import { benchKinesisClient, createBenchStream, putInOrder, startBenchSluice, useBenchEnvironment } from './support/kinesis.js';

// kinesis-local takes about 35 s to take 20,000 of these records in (not measured); more only lengthens the wait.
const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHARDS = 4;
const KEYS = 97; // partition keys
const BATCH_SIZE = 100; // Lambda's default for streams
const MICRO_SECONDS = 1.5; // how long each micro-benchmark loops

/** Five filters an order-processing function might use (any one keeps a record). */
const PATTERNS = [
  // Large new orders.
  { data: { type: ['order.created'], amount: [{ numeric: ['>=', 500] }] } },
  // Payments in euros or pounds.
  { data: { type: [{ prefix: 'payment.' }], currency: ['EUR', 'GBP'] } },
  // Anything from gold or platinum customers.
  { data: { customer: { tier: ['gold', 'platinum'] } } },
  // Priority events outside the test and staging regions.
  { data: { priority: [true], region: [{ 'anything-but': ['test', 'staging'] }] } },
  // Cancellations and refunds, whatever the producer's casing.
  { data: { type: [{ suffix: '.cancelled' }, { 'equals-ignore-case': 'REFUND.ISSUED' }] } },
];
const FILTER_CRITERIA = { Filters: PATTERNS.map((p) => ({ Pattern: JSON.stringify(p) })) };

// ---------------------------------------------------------------------------------------
// records

/** mulberry32: a small seeded generator, so every run puts the same records. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const TYPES = ['order.created', 'order.updated', 'order.shipped', 'order.cancelled', 'payment.captured', 'payment.failed', 'refund.issued', 'inventory.adjusted'];

/** The data of record `i`: an order event; the last record of each partition key is a refund (kept). */
function orderEvent(i: number, random: () => number): Record<string, unknown> {
  return {
    t: 0, // put time, set when put (the latency target reads it)
    id: `evt-${i}`,
    type: i >= RECORDS - KEYS ? 'refund.issued' : pick(random, TYPES),
    amount: Math.round(random() * 100_000) / 100,
    currency: pick(random, ['USD', 'USD', 'EUR', 'GBP', 'JPY']),
    customer: { id: `c-${Math.floor(random() * 5000)}`, tier: pick(random, ['basic', 'basic', 'basic', 'basic', 'silver', 'silver', 'silver', 'gold', 'platinum']) },
    region: pick(random, ['eu-west-1', 'us-east-1', 'ap-south-1', 'test', 'staging']),
    priority: random() < 0.15,
    items: Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => ({ sku: `sku-${(i * 7 + k) % 1000}`, qty: 1 + k })),
  };
}

const random = seededRandom(42);
const events = Array.from({ length: RECORDS }, (_, i) => orderEvent(i, random));
const partitionKey = (i: number): string => `key-${i % KEYS}`;

function entries(): PutRecordsRequestEntry[] {
  const t = Date.now();
  return events.map((event, i) => ({ PartitionKey: partitionKey(i), Data: Buffer.from(JSON.stringify({ ...event, t })) }));
}

/** The records as a Kinesis event carries them, for the matcher alone. */
const eventRecords: KinesisEventRecord[] = events.map((event, i) =>
  toKinesisEventRecord(
    { SequenceNumber: String(49_600_000_000_000_000_000_000n + BigInt(i)), PartitionKey: partitionKey(i), Data: Buffer.from(JSON.stringify(event)) },
    { shardId: 'shardId-000000000000', streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench', awsRegion: 'us-east-1', invokeIdentityArn: 'arn:aws:iam::000000000000:role/lambda-role' },
    Date.now(),
  ),
);
const filter = compileFilterCriteria(FILTER_CRITERIA.Filters, 'kinesis');
const kept = eventRecords.filter((record) => filter.matches(kinesisFilterView(record))).length;

// ---------------------------------------------------------------------------------------
// micro-benchmark: the compiled matcher alone

/** Calls of `fn(record)` per second, looping over `records` for MICRO_SECONDS (after a warm-up pass). */
function callsPerSecond<T>(records: readonly T[], fn: (record: T) => boolean): number {
  let sink = 0;
  for (const record of records) if (fn(record)) sink++;
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < MICRO_SECONDS * 1000) {
    for (const record of records) if (fn(record)) sink++;
    calls += records.length;
  }
  const rate = calls / ((performance.now() - started) / 1000);
  if (sink < 0) console.log(sink); // keeps the loop from being optimised away
  return rate;
}

const views = eventRecords.map((record) => kinesisFilterView(record));
const matchOnly = callsPerSecond(views, (view) => filter.matches(view));
const viewAndMatch = callsPerSecond(eventRecords, (record) => filter.matches(kinesisFilterView(record)));

// ---------------------------------------------------------------------------------------
// Sluice end to end

useBenchEnvironment();
const [redis, kinesisService, target] = await Promise.all([startRedis(), startKinesis(), startLatencyTarget()]);
const kinesis = benchKinesisClient(kinesisService.url);

async function delivered(): Promise<number> {
  return ((await (await fetch(`${target.url}/stats`)).json()) as { count: number }).count;
}

/** Seconds from enabling a mapping on a stream holding every record until the target has `expected` records. */
async function throughput(filterCriteria: typeof FILTER_CRITERIA | undefined, expected: number): Promise<number> {
  const sluice = await startBenchSluice({ redisUrl: redis.url, kinesisEndpoint: kinesisService.url, functions: { noop: { http: target.url } } });
  const stream = await createBenchStream(kinesis, SHARDS);
  try {
    await fetch(`${target.url}/reset`, { method: 'POST' });
    // Created Disabled: LATEST is pinned now, so the records put next are all read once enabled.
    const { UUID } = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'noop',
        EventSourceArn: stream.arn,
        StartingPosition: 'LATEST',
        BatchSize: BATCH_SIZE,
        Enabled: false,
        ...(filterCriteria ? { FilterCriteria: filterCriteria } : {}),
      }),
    );
    const putStarted = performance.now();
    await putInOrder(kinesis, stream.name, entries());
    const started = performance.now();
    console.error(`put ${RECORDS} records in ${((started - putStarted) / 1000).toFixed(1)} s`);
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true }));
    while ((await delivered()) < expected) await new Promise((r) => setTimeout(r, 10));
    const seconds = (performance.now() - started) / 1000;
    console.error(`${filterCriteria ? '5 filters' : 'no filter'}: ${seconds.toFixed(1)} s`);
    // The filters must have kept exactly what the matcher keeps: nothing more arrives.
    await new Promise((r) => setTimeout(r, 500));
    const count = await delivered();
    if (count !== expected) throw new Error(`target received ${count} records, expected ${expected}`);
    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
    return seconds;
  } finally {
    await sluice.stop();
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream.name, EnforceConsumerDeletion: true }));
  }
}

const best = { none: Infinity, filtered: Infinity };
try {
  for (let round = 0; round < ROUNDS; round++) {
    best.none = Math.min(best.none, await throughput(undefined, RECORDS));
    best.filtered = Math.min(best.filtered, await throughput(FILTER_CRITERIA, kept));
  }
} finally {
  kinesis.destroy();
  await Promise.allSettled([redis.stop(), kinesisService.stop(), target.stop()]);
}

const noneRate = RECORDS / best.none;
const filteredRate = RECORDS / best.filtered;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`\nFiltering: ${fmt(RECORDS)} Kinesis records over ${SHARDS} shards (kinesis-local), BatchSize ${BATCH_SIZE}, no-op http target, best of ${ROUNDS}; node ${process.version}`);
console.log(`The 5 filters keep ${fmt(kept)} of ${fmt(RECORDS)} records (${((kept / RECORDS) * 100).toFixed(1)} %), reject ${(((RECORDS - kept) / RECORDS) * 100).toFixed(1)} %.\n`);
console.log('| contender | records/s | ratio to no filter | invocations\' records |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| Sluice, no filter | ${fmt(noneRate)} | 1.00 | ${fmt(RECORDS)} |`);
console.log(`| Sluice, 5 filters | ${fmt(filteredRate)} | ${(filteredRate / noneRate).toFixed(2)} | ${fmt(kept)} |`);
console.log('\n| compiled filter alone (5 filters, same records) | calls/s | ratio to Sluice, 5 filters |');
console.log('| --- | ---: | ---: |');
console.log(`| matches(view) | ${fmt(matchOnly)} | ${(matchOnly / filteredRate).toFixed(0)} |`);
console.log(`| kinesisFilterView(record) + matches | ${fmt(viewAndMatch)} | ${(viewAndMatch / filteredRate).toFixed(0)} |`);
