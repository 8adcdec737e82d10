/**
 * `sluice start`: declared mappings applied idempotently, and start-up failures that stop
 * the process with one clear line.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GetEventSourceMappingCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, createRedis, createStream, pollUntil } from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, TEST_FUNCTIONS } from '../support/sluice.js';
import { SLUICE_BIN, sluiceEnvironment, startSluiceProcess, writeConfigFile } from '../support/sluice-process.js';
import { StartupError } from '../../src/app.js';

describe('declared mappings', () => {
  it('are created once, left alone when unchanged, and updated when the file changes', async () => {
    const db = await allocateRedisDb();
    const queue = await createQueue();
    const stream = await createStream();
    onTestFinished(queue.cleanup);
    onTestFinished(stream.cleanup);
    const declared = (batchSize: number) => ({
      mappings: [
        { FunctionName: 'my-function', EventSourceArn: queue.queueArn, BatchSize: batchSize, Tags: { team: 'a' } },
        { FunctionName: 'my-function', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' },
      ],
    });

    const first = await startTestSluice(declared(5), db);
    const listed = await first.lambda.send(new ListEventSourceMappingsCommand({}));
    await first.stop();
    expect(listed.EventSourceMappings).toHaveLength(2);
    const sqsMapping = listed.EventSourceMappings!.find((m) => m.EventSourceArn === queue.queueArn)!;
    expect(sqsMapping.BatchSize).toBe(5);

    const again = await startTestSluice(declared(5), db);
    const relisted = await again.lambda.send(new ListEventSourceMappingsCommand({}));
    expect(relisted.EventSourceMappings!.map((m) => m.UUID)).toEqual(listed.EventSourceMappings!.map((m) => m.UUID));
    expect(again.logs.filter((l) => l.includes('"action":"unchanged"'))).toHaveLength(2);
    await again.stop();

    const changed = await startTestSluice(declared(8), db);
    onTestFinished(() => changed.stop());
    const after = await changed.lambda.send(new GetEventSourceMappingCommand({ UUID: sqsMapping.UUID }));
    expect(after.BatchSize).toBe(8);
    expect(changed.logs.some((l) => l.includes('"action":"updated"'))).toBe(true);
    const count = await changed.lambda.send(new ListEventSourceMappingsCommand({}));
    expect(count.EventSourceMappings).toHaveLength(2);
  });

  it('a declared mapping that fails validation stops the start, naming it', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const error = await startTestSluice({ mappings: [{ FunctionName: 'nope', EventSourceArn: queue.queueArn }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toBe(`mappings[0] (${queue.queueArn} -> nope): InvalidParameterValueException: Function does not exist`);
  });
});

/** The handler fixtures, as absolute paths (a config file lives in a temp dir). */
const HANDLERS_DIR = fileURLToPath(new URL('../fixtures/handlers/', import.meta.url));

describe('module targets are checked at start', () => {
  it('a module that cannot load only because its top level threw does not stop the start: a warning names it', async () => {
    // It may depend on something not up yet (a database): each invocation tries again.
    const sluice = await startTestSluice({ functions: { flaky: { module: `${HANDLERS_DIR}throws-on-load.mjs#handler` } } });
    onTestFinished(() => sluice.stop());
    const warning = sluice.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.function === 'flaky' && l.level === 40);
    expect(warning).toMatchObject({ errorCode: 'Error', msg: expect.stringContaining('failed to load at start') });
  });
});

// Generous bounds: loading the CLI and the SDK's retries of a refused call take seconds on a busy machine.
describe('sluice start failures', { timeout: 60_000 }, () => {
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [SLUICE_BIN, 'start', ...args], { env, encoding: 'utf8', timeout: 50_000 });
  /** stderr as lines; `sluiceEnvironment` passes no AWS_SDK_JS_* setting, so nothing hides the SDK's own warnings. */
  const stderrLines = (stderr: string) => stderr.trimEnd().split('\n');

  it('a bad config exits 2 with one line naming the key', async () => {
    const file = writeConfigFile({ functions: { f: { http: 'not a url' } } });
    const result = run(['--config', file], sluiceEnvironment(0, 0));
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `sluice: Invalid configuration in ${file}: functions.f.http: must be a URL such as http://127.0.0.1:4566`,
    ]);
  });

  it('a module target whose export does not exist exits 2 with one line naming the function, the file and the export', async () => {
    const file = writeConfigFile({ functions: { ...TEST_FUNCTIONS, orders: { module: `${HANDLERS_DIR}handlers.mjs#nope` } } });
    const result = run(['--config', file], sluiceEnvironment(0, 0));
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `sluice: function "orders": ${HANDLERS_DIR}handlers.mjs has no function export "nope" (${HANDLERS_DIR}handlers.mjs#nope is undefined or not exported)`,
    ]);
  });

  it('a module target whose file does not exist exits 2 with one line naming the function and the file', async () => {
    // Relative to the config file's directory, as at run time.
    const file = writeConfigFile({ functions: { orders: { module: './handlers/orders.mjs#handler' }, ok: { module: `${HANDLERS_DIR}handlers.mjs#echo` } } });
    const result = run(['--config', file], sluiceEnvironment(0, 0));
    expect(result.status).toBe(2);
    const missing = join(dirname(file), 'handlers', 'orders.mjs');
    expect(result.stderr.trim().split('\n')).toEqual([`sluice: function "orders": module file ${missing} does not exist (module: ./handlers/orders.mjs#handler)`]);
  });

  it('an unreachable Redis exits 2 and says why in plain words', async () => {
    const file = writeConfigFile({ functions: TEST_FUNCTIONS });
    const refused = run(['--config', file], { ...sluiceEnvironment(0, 0), SLUICE_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual(['sluice: Cannot connect to Redis at redis://127.0.0.1:1: connection refused (127.0.0.1:1)']);
    const unknownHost = run(['--config', file], { ...sluiceEnvironment(0, 0), SLUICE_REDIS_URL: 'redis://redis.invalid:6379/3' });
    expect(unknownHost.status).toBe(2);
    expect(unknownHost.stderr.trim().split('\n')).toEqual(['sluice: Cannot connect to Redis at redis://redis.invalid:6379/3: host not found (redis.invalid)']);
  });

  it('an error met after the AWS SDK is in use is still the only line on stderr, on any Node version', async () => {
    // Checking a declared mapping's queue builds an SQS client: on Node < 22 the SDK then
    // emits its multi-line Node-version warning, which must not precede Sluice's line.
    const db = await allocateRedisDb();
    const queueArn = `arn:aws:sqs:us-east-1:${SLUICE_ACCOUNT_ID}:unreachable`;
    const file = writeConfigFile({ functions: TEST_FUNCTIONS, mappings: [{ FunctionName: 'my-function', EventSourceArn: queueArn }] });
    const result = run(['--config', file], { ...sluiceEnvironment(db, 0), AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' });
    expect(result.status).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([expect.stringMatching(/^sluice: mappings\[0\] \(arn:aws:sqs:.*ECONNREFUSED/)]);
  });

  it('a taken API port exits 2 before joining the others: no key, no worker registration, no rebalance', async () => {
    const db = await allocateRedisDb();
    const first = await startTestSluice({}, db);
    onTestFinished(() => first.stop());
    const redis = createRedis({ db });
    onTestFinished(() => redis.quit().then(() => undefined));
    // BullMQ's stalled-job check key comes and goes (a short TTL): not a trace of anyone's start.
    const snapshot = async () => ({
      keys: (await redis.keys('*')).filter((key) => !key.endsWith(':stalled-check')).sort(),
      workers: await redis.zrange(`${first.config.redis.keyPrefix}:workers`, '0', '-1'),
    });
    const before = await snapshot();
    expect(before.workers).toHaveLength(1);
    // Every command a new connection sends to this database (a registration undone before
    // exiting leaves no key, but it was written).
    const known = new Set(
      (await redis.client('LIST') as string)
        .split('\n')
        .map((line) => /addr=(\S+)/.exec(line)?.[1])
        .filter(Boolean),
    );
    const monitor = await createRedis().monitor();
    onTestFinished(() => monitor.disconnect());
    const sentByNewcomers: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
      // (Commands a script runs show as sent by "lua"; the script's caller sent EVAL.)
      if (database === String(db) && source !== 'lua' && !known.has(source)) sentByNewcomers.push(args.join(' '));
    });

    const file = writeConfigFile({ functions: TEST_FUNCTIONS });
    const second = spawnSync(process.execPath, [SLUICE_BIN, 'start', '--config', file], { env: sluiceEnvironment(db, first.port), encoding: 'utf8', timeout: 50_000 });
    expect(second.status).toBe(2);
    expect(second.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^sluice: Cannot listen on 127\\.0\\.0\\.1:${first.port}: .*EADDRINUSE`))]);
    // Past one heartbeat and worker timeout of the first process: a registration would have shown by now.
    await new Promise((resolve) => setTimeout(resolve, first.config.supervisor.heartbeatIntervalMs * 2));
    expect(await snapshot()).toEqual(before);
    expect(first.logs.filter((line) => line.includes('rebalancing'))).toEqual([]);
    // Connecting, selecting the database and reading are all it did.
    const harmless = new Set(['client', 'select', 'info', 'ping', 'hello', 'quit', 'auth', 'echo']);
    expect(sentByNewcomers.filter((command) => !harmless.has(command.split(' ')[0]!.toLowerCase()))).toEqual([]);
  });
});

describe('sluice start with no functions configured', () => {
  /** The JSON log lines of a started process, once it has logged that it started. */
  const startupLogs = async (config: Record<string, unknown>) => {
    const sluice = await startSluiceProcess(await allocateRedisDb(), config);
    onTestFinished(() => sluice.process.stop());
    const logs = await pollUntil(() => {
      const lines = sluice.process.tail().split('\n').filter((line) => line.startsWith('{'));
      const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
      return parsed.some((log) => log.msg === 'sluice started') && parsed;
    }, { description: '"sluice started" logged' });
    return { url: sluice.url, warnings: logs.filter((log) => log.level === 40).map((log) => log.msg) };
  };

  it('still serves the API, and says so in one warn line', async () => {
    const { url, warnings } = await startupLogs({});
    expect(warnings).toEqual([expect.stringMatching(/^no functions configured/)]);
    const listed = await fetch(`${url}/2015-03-31/event-source-mappings/`);
    expect(listed.status).toBe(200);
  });

  it('says nothing of the kind when functions are configured', async () => {
    const { warnings } = await startupLogs({ functions: TEST_FUNCTIONS });
    expect(warnings).toEqual([]);
  });
});
