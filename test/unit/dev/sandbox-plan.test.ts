/** What `sluice dev` decides to start, what `sluice send dynamodb` accepts, and the state file lookup. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { planSandbox, sandboxEnvironment } from '../../../src/dev/sandbox-plan.js';
import { parseDynamoDBItem, SendError } from '../../../src/dev/send.js';
import { findSandboxState, removeStateFile, writeStateFile, type SandboxState } from '../../../src/dev/state-file.js';

const configWith = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd: os.tmpdir() });
const machine = { hasRedisServer: true, hasJava: true };

describe('planSandbox', () => {
  it('with nothing configured: a private Redis and all three emulators', () => {
    expect(planSandbox(configWith({}), machine)).toEqual({
      startRedis: true,
      sources: ['sqs', 'kinesis', 'dynamodb'],
      emulate: ['sqs', 'kinesis', 'dynamodb'],
      // DynamoDB Local's minute-rounded creation times make its iterator ages look wrong: said once.
      notes: [expect.stringMatching(/^DynamoDB Local rounds ApproximateCreationDateTime down to the minute/)],
      problems: [],
    });
  });

  it('SLUICE_REDIS_URL and configured endpoints are used as they are', () => {
    const env = { SLUICE_REDIS_URL: 'redis://10.0.0.1:6379', AWS_ENDPOINT_URL_KINESIS: 'http://localhost:4567' };
    const plan = planSandbox(configWith(env), { ...machine, redisUrl: env.SLUICE_REDIS_URL, hasRedisServer: false });
    expect(plan).toMatchObject({ startRedis: false, emulate: ['sqs', 'dynamodb'], problems: [] });
    const localstack = planSandbox(configWith({ AWS_ENDPOINT_URL: 'http://localhost:4566' }), { ...machine, hasJava: false });
    expect(localstack).toMatchObject({ sources: ['sqs', 'kinesis', 'dynamodb'], emulate: [], notes: [] });
  });

  it('no Java: DynamoDB is skipped with a one-line note; no redis-server: a one-line problem saying how to install it', () => {
    const plan = planSandbox(configWith({}), { hasRedisServer: false, hasJava: false });
    expect(plan.sources).toEqual(['sqs', 'kinesis']);
    expect(plan.notes).toEqual([expect.stringMatching(/^DynamoDB skipped: .*apt-get install -y default-jre-headless\)$/)]);
    expect(plan.problems).toEqual([expect.stringMatching(/^redis-server is not installed: .*apt-get install -y redis-server.* or set SLUICE_REDIS_URL/)]);
    expect(plan.problems[0]).not.toContain('\n');
  });

  it('environment overrides point the config at what was started', () => {
    const env = sandboxEnvironment({ redisUrl: 'redis://127.0.0.1:7000', sqs: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2', apiPort: 0 });
    const config = configWith(env);
    expect([config.redis.url, config.aws.services.sqs.endpoint, config.aws.services.kinesis.endpoint, config.aws.services.dynamodbStreams.endpoint, config.api.port]).toEqual([
      'redis://127.0.0.1:7000',
      'http://127.0.0.1:1',
      undefined,
      'http://127.0.0.1:2',
      0,
    ]);
  });

  it('reads streams at the low-latency pacing: idle polls every 100 ms, no least interval between reads', () => {
    const config = configWith(sandboxEnvironment({}));
    expect([config.streams.idlePollMs, config.streams.minReadIntervalMs]).toEqual([100, 0]);
  });
});

describe('parseDynamoDBItem', () => {
  it('takes DynamoDB JSON', () => {
    expect(parseDynamoDBItem('{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"BOOL":true}}}}')).toEqual({ pk: { S: 'a' }, n: { N: '1' }, m: { M: { x: { BOOL: true } } } });
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /JSON object of attributes/],
    ['{"pk":"a"}', /attribute "pk" must be typed DynamoDB JSON/],
    ['{"pk":{"S":"a","N":"1"}}', /attribute "pk"/],
    ['{"pk":{"X":"a"}}', /attribute "pk"/],
  ])('refuses %s in one line with an example', (body, message) => {
    expect(() => parseDynamoDBItem(body)).toThrow(SendError);
    expect(() => parseDynamoDBItem(body)).toThrow(message);
    expect(() => parseDynamoDBItem(body)).toThrow(/e\.g\. '\{"pk":\{"S":"order-1"\}/);
  });
});

describe('state file', () => {
  const state = (pid: number): SandboxState => ({ pid, apiUrl: 'http://127.0.0.1:1', region: 'us-east-1', endpoints: {}, emulated: [], resources: {} });

  it('is found from a folder below, only while its process lives, and removed only by its owner', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-state-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const below = path.join(dir, 'a', 'b');
    fs.mkdirSync(below, { recursive: true });
    expect(findSandboxState(below)).toBeUndefined();

    const file = writeStateFile(dir, state(process.pid));
    expect(findSandboxState(below)).toEqual({ file, state: state(process.pid) });
    removeStateFile(dir, process.pid + 1);
    expect(fs.existsSync(file)).toBe(true);
    removeStateFile(dir, process.pid);
    expect(fs.existsSync(file)).toBe(false);

    // pid 2^22 + 1 is above Linux's pid_max: no such process.
    writeStateFile(dir, state(4_194_305));
    expect(findSandboxState(below)).toBeUndefined();
  });
});
