/**
 * vitest globalSetup: start Redis, fauxqs (SQS/SNS), kinesis-local and DynamoDB Local ONCE
 * per run, on free loopback ports, concurrently; hand their endpoints to test files via
 * `provide('emulators', ...)` (read them with helpers from test/support/clients.ts).
 *
 * The launching itself is the product's (src/dev/emulators, shared with `sluice dev`):
 * every child runs in its own process group and is killed at teardown, and also when
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
 *   SLUICE_TEST_EMULATORS=redis,sqs   start only these (redis is always started); a test
 *                                     that needs another fails at its first call. For
 *                                     running a few files on a busy machine.
 */
import type { TestProject } from 'vitest/node';
import { DEFAULT_READY_TIMEOUT_MS, describeError, EmulatorsStartError, startEmulators } from '../../src/dev/emulators/index.js';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION, type EmulatorEndpoints } from './endpoints.js';

/** Upper bound for one emulator to answer its first real request. */
const READY_TIMEOUT_MS = Number(process.env.SLUICE_TEST_EMULATOR_TIMEOUT_MS ?? DEFAULT_READY_TIMEOUT_MS);
/** Many logical Redis databases so tests can take an isolated one each (see allocateRedisDb). */
const REDIS_DATABASES = 1024;

/** SLUICE_TEST_EMULATORS: a comma list of emulators to start (default: all). */
const only = process.env.SLUICE_TEST_EMULATORS?.split(',').map((name) => name.trim());
const wanted = (name: 'sqs' | 'kinesis' | 'dynamodb'): boolean => !only || only.includes(name);
/** Port 9 (discard) on loopback: nothing listens, so a call fails at once with ECONNREFUSED. */
const NOT_STARTED = 'http://127.0.0.1:9';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (process.env.SLUICE_TEST_NO_EMULATORS === '1') {
    project.provide('emulators', undefined);
    return;
  }

  const started = performance.now();
  if (process.env.SLUICE_TEST_DEBUG) console.log(`[testbed] setup called ${Math.round(started)}ms after process start; ready timeout ${READY_TIMEOUT_MS}ms`);
  let emulators;
  try {
    emulators = await startEmulators(
      { redis: { databases: REDIS_DATABASES }, sqs: wanted('sqs'), kinesis: wanted('kinesis'), dynamodb: wanted('dynamodb') },
      { region: TEST_REGION, accountId: TEST_ACCOUNT_ID, readyTimeoutMs: READY_TIMEOUT_MS },
    );
  } catch (error) {
    const causes = error instanceof EmulatorsStartError ? error.causes : [error];
    throw new Error(`[testbed] emulators failed to start:\n${causes.map((c) => `- ${c instanceof Error ? c.message : String(c)}`).join('\n')}`);
  }
  const { redis, startupMs } = emulators;
  // An emulator left out by SLUICE_TEST_EMULATORS gets an address that refuses connections.
  const { sqs = NOT_STARTED, kinesis = NOT_STARTED, dynamodb = NOT_STARTED } = emulators;
  if (!redis || ![sqs, kinesis, dynamodb].every(Boolean)) throw new Error('[testbed] an emulator did not report its endpoint');

  const teardown = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      await emulators.stop();
    } catch (error) {
      console.error(`[testbed] teardown errors:\n${describeError(error)}`);
    }
    if (process.env.SLUICE_TEST_DEBUG) console.log(`[testbed] teardown took ${Math.round(performance.now() - t0)}ms`);
  };

  const endpoints: EmulatorEndpoints = {
    region: TEST_REGION,
    credentials: { ...TEST_CREDENTIALS },
    accountId: TEST_ACCOUNT_ID,
    redis,
    sqs,
    sns: sqs,
    kinesis,
    dynamodb,
    dynamodbStreams: dynamodb,
    startupMs: { ...startupMs },
  };
  const total = Math.round(performance.now() - started);
  const parts = Object.entries(startupMs)
    .map(([name, ms]) => `${name} ${ms}ms`)
    .join(', ');
  endpoints.startupMs.total = total;
  project.provide('emulators', endpoints);
  console.log(`[testbed] emulators ready in ${total}ms (${parts})`);

  return teardown;
}
