/**
 * Emulators for benchmarks, each in its own process so they do not share the measured
 * process's event loop: Debian's redis-server, fauxqs, kinesis-local (a copy made for bulk
 * puts, below), and no-op HTTP targets.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../test/support/processes.js';
import { getFreePort } from '../../test/support/ports.js';

export interface BenchService {
  url: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, probe: () => Promise<boolean>, child: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitInfo) throw new Error(`${child.name} exited: ${child.tail()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name} did not answer at ${url}: ${child.tail()}`);
}

export async function startRedis(): Promise<BenchService> {
  const port = await getFreePort();
  const child = await spawnManaged('redis-server', process.env.REDIS_SERVER ?? 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const { Redis } = await import('ioredis');
  await waitFor(url, async () => {
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } finally {
      redis.disconnect();
    }
  }, child);
  return { url, stop: () => child.stop() };
}

/** A node child process serving `script` (ESM source) on a free port given as PORT. */
export async function startNodeService(name: string, script: string, probePath: string): Promise<BenchService> {
  const port = await getFreePort();
  const child = await spawnManaged(name, process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PORT: String(port) },
    cwd: process.cwd(),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, async () => (await fetch(`${url}${probePath}`)).status < 500, child);
  return { url, stop: () => child.stop() };
}

export function startFauxqs(): Promise<BenchService> {
  return startNodeService(
    'fauxqs',
    `import { buildApp } from 'fauxqs';
     const app = buildApp({ logger: false, defaultRegion: 'us-east-1' });
     await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });`,
    '/',
  );
}

/** Answers every request with 200 and an empty body at once. */
export function startNoopHttpTarget(): Promise<BenchService> {
  return startNodeService(
    'noop-target',
    `import http from 'node:http';
     const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
     server.keepAliveTimeout = 60000;
     server.listen(Number(process.env.PORT), '127.0.0.1');`,
    '/',
  );
}

const require_ = (await import('node:module')).createRequire(import.meta.url);

/**
 * kinesis-local's PutRecords groups its entries by the pair (shard, that shard's records), so
 * every entry hashes every record already in its shard, and a record's hash is recomputed
 * field by field each time: filling a stream is quadratic. Measured on the 2-core machine,
 * 500-record PutRecords of 1 KB records on 4 shards: 4.3 s per 5,000 records on an empty
 * stream, 17.9 s at 30,000 (a CPU profile puts 60 % of kinesis-local's time in
 * KinesisRecord.hashCode and SequenceNumber.equals under that grouping), so 200,000
 * records never finished in an hour. Benchmarks run a copy whose KinesisRecord caches its
 * hash (the record is immutable, so the cached value is the one it would recompute): the
 * same fill then took 2.4 to 4.2 s per 5,000 records up to 40,000. Only the emulator's put
 * cost changes, for every contender alike; nothing in Sluice depends on it.
 */
const KINESIS_RECORD_HASH = 'return $m_s_util_hashing_MurmurHash3$().Q(this, (-171008355), true);';

function kinesisLocalForBulkPuts(packageDir: string): string {
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  // Kept in the temporary folder: the next bench reuses it.
  const dir = path.join(tmpdir(), `sluice-bench-kinesis-local-${version}-cached-hash`);
  if (existsSync(path.join(dir, 'main.js'))) return dir;
  const source = readFileSync(path.join(packageDir, 'main.js'), 'utf8');
  if (source.split(KINESIS_RECORD_HASH).length !== 2) {
    process.stderr.write(`kinesis-local ${version}: KinesisRecord's hash not found, running it unpatched (bulk puts are quadratic)\n`);
    return packageDir;
  }
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'server.json']) copyFileSync(path.join(packageDir, file), path.join(dir, file));
  const cached = KINESIS_RECORD_HASH.replace('return ', 'return this.$sluiceBenchHash ??= ');
  // Written under a temporary name and renamed, so a concurrent bench never runs half a file.
  writeFileSync(path.join(dir, `main.js.${process.pid}`), source.replace(KINESIS_RECORD_HASH, () => cached));
  renameSync(path.join(dir, `main.js.${process.pid}`), path.join(dir, 'main.js'));
  return dir;
}

/** kinesis-local on a free plain-HTTP port, with near-instant stream operations. */
export async function startKinesis(): Promise<BenchService> {
  const dir = kinesisLocalForBulkPuts(path.dirname(require_.resolve('kinesis-local/package.json')));
  const [plainPort, tlsPort] = [await getFreePort(), await getFreePort()];
  const durations = ['CREATE_STREAM_DURATION', 'DELETE_STREAM_DURATION', 'MERGE_SHARDS_DURATION', 'SPLIT_SHARD_DURATION', 'UPDATE_SHARD_COUNT_DURATION'];
  const child = await spawnManaged('kinesis-local', process.execPath, [path.join(dir, 'main.js')], {
    cwd: dir,
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
      AWS_REGION: 'us-east-1',
      AWS_ACCOUNT_ID: '000000000000',
      SHOULD_PERSIST_DATA: 'false',
      LOAD_DATA_IF_EXISTS: 'false',
      LOG_LEVEL: 'WARN',
      ROOT_LOG_LEVEL: 'ERROR',
      ...Object.fromEntries(durations.map((name) => [name, '10ms'])),
      // The idle row runs 200 single-shard streams (kinesis-local allows 50 shards by default).
      SHARD_LIMIT: '10000',
    },
  });
  const url = `http://127.0.0.1:${plainPort}`;
  const { KinesisClient, ListStreamsCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const probe = new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, requestHandler: new NodeHttpHandler() });
  try {
    await waitFor(url, async () => (await probe.send(new ListStreamsCommand({})), true), child);
  } finally {
    probe.destroy();
  }
  return { url, stop: () => child.stop() };
}

/**
 * A no-op target that also measures put-to-invoke latency: each Kinesis record's data is
 * `{"t": <put time, epoch ms>}`. GET /stats answers `{count, latencies}`; POST /reset clears.
 */
export function startLatencyTarget(): Promise<BenchService> {
  return startNodeService(
    'latency-target',
    `import http from 'node:http';
     let count = 0; let latencies = [];
     const server = http.createServer((req, res) => {
       const chunks = [];
       req.on('data', (c) => chunks.push(c));
       req.on('end', () => {
         if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify({ count, latencies })); }
         if (req.url === '/reset') { count = 0; latencies = []; return res.end(); }
         const now = Date.now();
         for (const r of JSON.parse(Buffer.concat(chunks).toString()).Records ?? []) {
           count++;
           latencies.push(now - JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).t);
         }
         res.end();
       });
     });
     server.keepAliveTimeout = 60000;
     server.listen(Number(process.env.PORT), '127.0.0.1');`,
    '/stats',
  );
}
