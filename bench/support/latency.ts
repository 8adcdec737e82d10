/**
 * Put → invoke latency on one Kinesis shard (issue #13 part 2): records put one at a time at
 * a steady rate (default 20 records/s), each carrying its put time (`{"t": ms}`), and the
 * moment each reaches an HTTP target (its own process) that notes `now − t`. Contenders, each
 * in its own process:
 *   - `raw`: a GetRecords loop that sleeps `pollMs` after an empty read and posts each
 *     non-empty page to the target (what a hand-written poller every 50 ms does);
 *   - `sluice`: a built Sluice tree (startSluiceBuild) with a LATEST mapping, BatchSize 100,
 *     window 0, and the given `streams.idlePollMs` / `streams.minReadIntervalMs` (unset:
 *     the Kinesis defaults, 1000 / 200).
 * measureLatency() is what `npm run bench` (and bench/latency.ts) call.
 */
import { DeleteStreamCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnManaged } from '../../test/support/processes.js';
import { getFreePort } from '../../test/support/ports.js';
import { benchCredentials, benchKinesisClient, createBenchStream } from './kinesis.js';
import { startLatencyTarget } from './services.js';
import { startSluiceBuild } from './sluice-build.js';

export type LatencyContender =
  | { kind: 'raw'; pollMs: number }
  | { kind: 'sluice'; tree: string; idlePollMs?: number; minReadIntervalMs?: number };

export interface LatencyOptions {
  kinesisUrl: string;
  redisUrl: string;
  contender: LatencyContender;
  /** Records put, one per PutRecord call; default 300. */
  records?: number;
  /** Records per second; default 20. */
  rate?: number;
}

export interface LatencyResult {
  records: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /**
   * Put → the end of the GetRecords answer that held the record, seen by a proxy in front of
   * kinesis-local: p50 − readP50 is what stands between a read and the invocation (lane
   * hand-off, batch cut, the BullMQ round trip, the POST).
   */
  readP50: number;
  readP99: number;
}

/**
 * A proxy in front of kinesis-local noting, for every record of every GetRecords answer,
 * how long after its put time (`{"t": ms}` in its data) the answer was complete.
 */
async function startReadProxy(upstream: string): Promise<{ url: string; reads: number[]; close: () => void }> {
  const reads: number[] = [];
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const isRead = String(req.headers['x-amz-target'] ?? '').endsWith('.GetRecords');
    const forward = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!isRead) return void answer.pipe(res);
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const now = Date.now();
        try {
          for (const record of (JSON.parse(body.toString('utf8')) as { Records?: Array<{ Data: string }> }).Records ?? []) {
            reads.push(now - (JSON.parse(Buffer.from(record.Data, 'base64').toString('utf8')) as { t: number }).t);
          }
        } catch {
          // not JSON (an error page): nothing to note
        }
        res.end(body);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The raw loop as a child process: GetRecords(10000) from LATEST, sleep pollMs when empty, POST pages to TARGET. */
const RAW_LOOP = `
import { KinesisClient, ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import http from 'node:http';
const kinesis = new KinesisClient({ endpoint: process.env.KINESIS, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, requestHandler: new NodeHttpHandler() });
const agent = new http.Agent({ keepAlive: true });
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request(process.env.TARGET, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject); req.end(body);
});
const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: process.env.STREAM }));
let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: process.env.STREAM, ShardId: Shards[0].ShardId, ShardIteratorType: 'LATEST' }));
http.createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
for (;;) {
  const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
  iterator = result.NextShardIterator;
  const records = result.Records ?? [];
  if (records.length > 0) await post(JSON.stringify({ Records: records.map((r) => ({ kinesis: { data: Buffer.from(r.Data).toString('base64') } })) }));
  else await new Promise((r) => setTimeout(r, Number(process.env.POLL_MS)));
}
`;

export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const count = options.records ?? 300;
  const rate = options.rate ?? 20;
  const kinesis = benchKinesisClient(options.kinesisUrl);
  const target = await startLatencyTarget();
  const stream = await createBenchStream(kinesis, 1);
  // The contender reads through the proxy; puts go straight to kinesis-local.
  const proxy = await startReadProxy(options.kinesisUrl);
  const readsUrl = proxy.url;
  // Stopped in reverse order: the contender first, then the stream, the target and the client.
  const stops: Array<() => unknown> = [() => kinesis.destroy(), () => target.stop(), () => kinesis.send(new DeleteStreamCommand({ StreamName: stream.name, EnforceConsumerDeletion: true })), () => proxy.close()];
  try {
    const { contender } = options;
    if (contender.kind === 'raw') {
      const port = await getFreePort();
      const child = await spawnManaged('raw-loop', process.execPath, ['--input-type=module', '-e', RAW_LOOP], {
        env: { ...process.env, KINESIS: readsUrl, TARGET: target.url, STREAM: stream.name, POLL_MS: String(contender.pollMs), PORT: String(port) },
        cwd: process.cwd(),
      });
      stops.push(() => child.stop());
      // Ready once it has its LATEST iterator (it listens only then).
      for (;;) {
        if (child.exitInfo) throw new Error(`raw loop exited: ${child.tail()}`);
        if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } else {
      const port = await getFreePort();
      const streams = {
        ...(contender.idlePollMs !== undefined ? { idlePollMs: contender.idlePollMs } : {}),
        ...(contender.minReadIntervalMs !== undefined ? { minReadIntervalMs: contender.minReadIntervalMs } : {}),
      };
      const sluice = await startSluiceBuild(contender.tree, port, {
        redis: { url: options.redisUrl, keyPrefix: `lat${Date.now()}` },
        aws: { services: { kinesis: { endpoint: readsUrl } } },
        functions: { latency: { http: target.url } },
        streams,
      });
      stops.push(() => sluice.stop());
      const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials: benchCredentials });
      stops.push(() => lambda.destroy());
      const { UUID } = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'latency', EventSourceArn: stream.arn, StartingPosition: 'LATEST', BatchSize: 100 }));
      while ((await lambda.send(new GetEventSourceMappingCommand({ UUID }))).State !== 'Enabled') await new Promise((r) => setTimeout(r, 100));
      // The shard's lease and first iterator: a few lease rounds (1 s each).
      await new Promise((r) => setTimeout(r, 3000));
    }
    await fetch(`${target.url}/reset`, { method: 'POST' });
    proxy.reads.length = 0;
    const started = Date.now();
    for (let sent = 0; sent < count; sent++) {
      const due = started + (sent * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await kinesis.send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: `k${sent % 7}`, Data: Buffer.from(JSON.stringify({ t: Date.now() })) }));
    }
    const deadline = Date.now() + 60_000;
    let stats: { count: number; latencies: number[] };
    do {
      stats = (await (await fetch(`${target.url}/stats`)).json()) as { count: number; latencies: number[] };
      if (stats.count >= count) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    const { latencies } = stats;
    return {
      records: latencies.length,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      readP50: percentile(proxy.reads, 50),
      readP99: percentile(proxy.reads, 99),
    };
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  }
}
