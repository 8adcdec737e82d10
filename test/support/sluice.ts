/**
 * Starts Sluice in-process against the test bed (real Redis, real emulators) and gives a
 * LambdaClient pointed at it, so tests drive the API exactly as users do.
 */
import { Writable } from 'node:stream';
import { GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { configSchema, type LoadedConfig } from '../../src/config/index.js';
import { startSluice, type RunningSluice } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { allocateRedisDb, getEndpoints } from './clients.js';
import { pollUntil } from './poll.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { SLUICE_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION } from './endpoints.js';

export interface TestSluice extends RunningSluice {
  lambda: LambdaClient;
  config: LoadedConfig;
  /** Log lines written so far (JSON), for assertions on what was logged. */
  logs: string[];
}

/** Functions every test Sluice knows, unless a test passes its own. */
export const TEST_FUNCTIONS = {
  'my-function': { http: 'http://127.0.0.1:9/', timeout: 3 },
  'other-function': { http: 'http://127.0.0.1:9/', timeout: 3 },
  'slow-function': { http: 'http://127.0.0.1:9/', timeout: 60 },
};

export { SLUICE_ACCOUNT_ID };

/** Config for a test Sluice: the emulators' endpoints, a free API port, `overrides` on top. */
export async function testConfig(overrides: Record<string, unknown> = {}, redisDb?: number): Promise<LoadedConfig> {
  const endpoints = getEndpoints();
  const db = redisDb ?? (await allocateRedisDb());
  const raw = {
    region: TEST_REGION,
    accountId: SLUICE_ACCOUNT_ID,
    redis: { url: `${endpoints.redis.url}/${db}` },
    api: { host: '127.0.0.1', port: 0 },
    aws: {
      services: {
        sqs: { endpoint: endpoints.sqs },
        sns: { endpoint: endpoints.sns },
        // fauxqs serves S3 on its one port too.
        s3: { endpoint: endpoints.sqs },
        kinesis: { endpoint: endpoints.kinesis },
        dynamodb: { endpoint: endpoints.dynamodb },
        dynamodbStreams: { endpoint: endpoints.dynamodbStreams },
      },
    },
    // A stop waits for SQS long polls still open (up to 20 s) to give back what they
    // return; in-process tests that stop Sluice between steps need not wait that long
    // (test/e2e/sqs-stop.test.ts proves the full wait with spawned processes).
    supervisor: { reconcileIntervalMs: 1000, shutdownTimeoutMs: 5000 },
    functions: TEST_FUNCTIONS,
    ...overrides,
  };
  return { ...configSchema.parse(raw), baseDir: process.cwd() };
}

/** Environment for SDK credentials inside Sluice (the default chain reads them). */
export function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
}

export function lambdaClientFor(url: string): LambdaClient {
  // One attempt: a test must see the first answer, not the SDK's retry of it.
  return new LambdaClient({ endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export async function startTestSluice(overrides: Record<string, unknown> = {}, redisDb?: number): Promise<TestSluice> {
  useTestCredentials();
  const config = await testConfig(overrides, redisDb);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const running = await startSluice(config, createLogger({ level: 'info', destination: sink }));
  const lambda = lambdaClientFor(running.url);
  return {
    ...running,
    lambda,
    config,
    logs,
    async stop() {
      lambda.destroy();
      await running.stop();
    },
  };
}

/** Waits until Get reports `state` (transitional states settle within seconds, api.md §6). */
export async function waitForState(lambda: LambdaClient, uuid: string, state: string): Promise<void> {
  await pollUntil(async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === state, {
    timeoutMs: 10_000,
    description: `mapping ${uuid} ${state}`,
  });
}

/**
 * A test Sluice reaching its Redis (a fresh database) through a proxy the test can cut or
 * stall. `stop()` lets it reach Redis again before stopping it (a stop is quicker that
 * way), then closes the proxy.
 */
export async function startTestSluiceBehindProxy(overrides: Record<string, unknown> = {}): Promise<{ sluice: TestSluice; proxy: TcpProxy; stop: () => Promise<void> }> {
  const redis = getEndpoints().redis;
  const proxy = await startTcpProxy(redis.port, redis.host);
  const sluice = await startTestSluice({ redis: { url: `redis://127.0.0.1:${proxy.port}/${await allocateRedisDb()}` }, ...overrides }).catch(
    async (error: unknown) => {
      await proxy.close();
      throw error;
    },
  );
  return {
    sluice,
    proxy,
    async stop() {
      proxy.unstall();
      if (!proxy.isOpen) await proxy.restore();
      await sluice.stop();
      await proxy.close();
    },
  };
}
