/**
 * The module target against real handler files (test/fixtures/handlers) in real worker
 * threads: every outcome class of sqs.md §2 (module column), isolation, concurrency.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { ModuleTarget, createTarget, type ModuleTargetOptions } from '../../../src/targets/index.js';
import { configSchema } from '../../../src/config/index.js';
import type { AwsClients } from '../../../src/aws/clients.js';
import { HANDLERS_DIR, FUNCTION_ARN, capturingLogger, expectKind, invocationContext } from './helpers.js';

function moduleTarget(handler: string, options: ModuleTargetOptions = {}, logger = capturingLogger().logger): ModuleTarget {
  const target = new ModuleTarget(handler, { baseDir: HANDLERS_DIR, logger, options });
  onTestFinished(() => target.close());
  return target;
}

const event = JSON.stringify({ Records: [{ messageId: 'm1', body: 'hello' }] });
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('module target: success', () => {
  it('returns the handler value, with a fresh request id per attempt and $LATEST', async () => {
    const target = moduleTarget('./handlers.mjs#echo');
    const first = expectKind(await target.invoke(event, invocationContext()), 'success');
    const second = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(first.responseIsJson).toBe(true);
    expect(first.response).toMatchObject({ event: JSON.parse(event) });
    expect(first.executedVersion).toBe('$LATEST');
    expect(first.requestId).toMatch(uuid);
    expect(second.requestId).not.toBe(first.requestId);
    expect(first.durationMs).toBeGreaterThan(0);
  });

  it('gives the handler a Lambda-like context and environment', async () => {
    const target = moduleTarget('./handlers.mjs#echo');
    const outcome = expectKind(await target.invoke('{}', invocationContext({ timeoutMs: 5_000 })), 'success');
    const { context, env } = outcome.response as { context: Record<string, unknown>; env: Record<string, unknown> };
    expect(context).toMatchObject({
      awsRequestId: outcome.requestId,
      functionName: 'orders',
      functionVersion: '$LATEST',
      invokedFunctionArn: FUNCTION_ARN,
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/orders',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(context.remaining).toBeGreaterThan(4_000);
    expect(context.remaining).toBeLessThanOrEqual(5_000);
    expect(env).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'orders',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_STREAM_NAME: context.logStreamName,
    });
  });

  it('maps a returned undefined to null', async () => {
    const outcome = expectKind(await moduleTarget('./handlers.mjs#returnsUndefined').invoke(event, invocationContext()), 'success');
    expect(outcome.response).toBeNull();
    expect(outcome.responseIsJson).toBe(true);
  });

  it('runs a synchronous handler that returns a plain value', async () => {
    const outcome = await moduleTarget('./handlers.mjs#syncValue').invoke('{"a":2,"b":3}', invocationContext());
    expect(expectKind(outcome, 'success').response).toEqual({ sum: 5 });
  });

  it('runs an async handler that awaits', async () => {
    const outcome = await moduleTarget('./handlers.mjs#waits').invoke('{"ms":30}', invocationContext());
    expect(expectKind(outcome, 'success').response).toEqual({ threadId: expect.any(Number) });
  });

  it('runs a callback-style handler (three parameters)', async () => {
    const outcome = await moduleTarget('./handlers.mjs#callbackStyle').invoke('{"value":7}', invocationContext());
    expect(expectKind(outcome, 'success').response).toEqual({ via: 'callback', got: 7 });
  });

  it('honours the legacy context.succeed()', async () => {
    const outcome = await moduleTarget('./handlers.mjs#legacySucceed').invoke('{}', invocationContext());
    expect(expectKind(outcome, 'success').response).toEqual({ via: 'context.succeed' });
  });

  it('loads CommonJS handlers, including exports only visible on module.exports', async () => {
    const direct = await moduleTarget('./commonjs.cjs#handler').invoke('{"n":1}', invocationContext());
    expect(expectKind(direct, 'success').response).toEqual({ kind: 'cjs', event: { n: 1 } });
    const late = await moduleTarget('./commonjs.cjs#lateBound').invoke('{}', invocationContext());
    expect(expectKind(late, 'success').response).toBe('late-bound');
  });

  it('accepts an absolute handler path', async () => {
    const outcome = await moduleTarget(`${HANDLERS_DIR}handlers.mjs#noop`).invoke('{}', invocationContext());
    expect(expectKind(outcome, 'success').response).toBeNull();
  });

  it('ignores stray messages a handler posts to its parent port', async () => {
    const outcome = await moduleTarget('./handlers.mjs#postsToParent').invoke('{}', invocationContext());
    expect(expectKind(outcome, 'success').response).toBe('genuine');
  });

  it('logs handler console output line by line, with stream and request id', async () => {
    const { logger, lines } = capturingLogger();
    const target = moduleTarget('./handlers.mjs#logs', {}, logger);
    const outcome = expectKind(await target.invoke('{"name":"unit"}', invocationContext()), 'success');
    await expect.poll(() => lines.filter((l) => l.stream !== undefined).map((l) => [l.stream, l.requestId, l.msg, l.level])).toEqual([
      ['stdout', outcome.requestId, 'hello from unit', 30],
      ['stderr', outcome.requestId, 'to stderr', 40],
    ]);
  });
});

describe('module target: function errors', () => {
  it.each([
    ['throws', 'RangeError', 'thrown on purpose'],
    ['throwsSync', 'Error', 'thrown synchronously'],
    ['rejects', 'Error', 'rejected on purpose'],
    ['throwsString', 'string', 'just a string'],
    ['callbackError', 'TypeError', 'bad input via callback'],
  ])('%s: function error Unhandled with the error type and message', async (name, errorType, errorMessage) => {
    const outcome = expectKind(await moduleTarget(`./handlers.mjs#${name}`).invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ functionError: 'Unhandled', errorType, errorMessage, executedVersion: '$LATEST' });
    expect(outcome.requestId).toMatch(uuid);
  });

  it('a value JSON cannot express is a function error', async () => {
    const outcome = expectKind(await moduleTarget('./handlers.mjs#returnsBigInt').invoke('{}', invocationContext()), 'function-error');
    expect(outcome.errorType).toBe('Runtime.MarshalError');
  });

  it.each(['hangs', 'spins'])('%s past the timeout: killed promptly, and the pool still works', async (name) => {
    const target = moduleTarget(`./handlers.mjs#${name}`);
    // Warm the worker so the measured time is the timeout, not the thread start.
    expect(expectKind(await target.invoke('{"warm":true}', invocationContext()), 'success').response).toBe('warm');

    const started = Date.now();
    const outcome = expectKind(await target.invoke(event, invocationContext({ timeoutMs: 300 })), 'function-error');
    const tookMs = Date.now() - started;
    expect(outcome).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.30 seconds',
    });
    expect(tookMs).toBeGreaterThanOrEqual(295);
    expect(tookMs).toBeLessThan(600);
    expect(target.workers.alive).toBe(0); // killed, not returned to the pool

    // The pool starts a new worker for the same target and it works.
    expect(expectKind(await target.invoke('{"warm":true}', invocationContext()), 'success').response).toBe('warm');
  });

  it('a timed-out worker is replaced: the next invocation of the same target succeeds', async () => {
    const target = moduleTarget('./handlers.mjs#waits');
    expectKind(await target.invoke('{"ms":5000}', invocationContext({ timeoutMs: 200 })), 'function-error');
    const outcome = await target.invoke('{"ms":1}', invocationContext({ timeoutMs: 2_000 }));
    expect(expectKind(outcome, 'success').response).toEqual({ threadId: expect.any(Number) });
  });

  it('process.exit(1) inside the handler is a function error, and only that worker dies', async () => {
    const target = moduleTarget('./handlers.mjs#exits');
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: exit status 1' });
    expect(target.workers.alive).toBe(0);
  });

  it('process.exit(0) inside the handler is a function error too', async () => {
    const outcome = expectKind(await moduleTarget('./handlers.mjs#exitsZero').invoke(event, invocationContext()), 'function-error');
    expect(outcome.errorMessage).toBe('Runtime exited without providing a reason');
  });

  it('an uncaught exception in a timer is a function error with its message', async () => {
    const outcome = expectKind(await moduleTarget('./handlers.mjs#uncaughtInTimer').invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ functionError: 'Unhandled', errorType: 'Error', errorMessage: 'uncaught in a timer' });
  });

  it('an unhandled rejection is a function error', async () => {
    const outcome = expectKind(await moduleTarget('./handlers.mjs#unhandledRejection').invoke(event, invocationContext()), 'function-error');
    expect(outcome.errorMessage).toContain('nobody handles me');
  });

  it('running out of heap is a function error, and the pool recovers', async () => {
    const target = moduleTarget('./handlers.mjs#oom', { memoryLimitMb: 128 });
    const outcome = expectKind(await target.invoke('{}', invocationContext({ timeoutMs: 20_000 })), 'function-error');
    expect(outcome.errorType).toBe('Runtime.OutOfMemory');
    expect(target.workers.alive).toBe(0);
  });

  it('memorySize is the heap a handler gets: 200 MB fit in 512 MB, not in 128 MB (Runtime.OutOfMemory within seconds)', async () => {
    const event = JSON.stringify({ mb: 200 });
    const roomy = moduleTarget('./handlers.mjs#holdsMegabytes', { memoryLimitMb: 512 });
    expect(expectKind(await roomy.invoke(event, invocationContext({ timeoutMs: 20_000 })), 'success').response).toEqual({ held: 200 });
    const tight = moduleTarget('./handlers.mjs#holdsMegabytes', { memoryLimitMb: 128 });
    const started = performance.now();
    const outcome = expectKind(await tight.invoke(event, invocationContext({ timeoutMs: 20_000 })), 'function-error');
    expect(outcome.errorType).toBe('Runtime.OutOfMemory');
    expect(performance.now() - started).toBeLessThan(5_000);
    // The worker was replaced: the same target answers the next invocation.
    expect(expectKind(await tight.invoke(JSON.stringify({ mb: 10 }), invocationContext()), 'success').response).toEqual({ held: 10 });
  });

  it('a worker that crashes while idle is dropped; the next invocation gets a live one', async () => {
    const target = moduleTarget('./handlers.mjs#crashesLater');
    expect(expectKind(await target.invoke('{}', invocationContext()), 'success').response).toBe('ok');
    await expect.poll(() => target.workers.alive).toBe(0);
    expect(expectKind(await target.invoke('{}', invocationContext()), 'success').response).toBe('ok');
  });
});

describe('module target: environment', () => {
  const SECRET = 'SLUICE_TEST_SECRET_FOR_HANDLERS';
  const withSecret = () => {
    process.env[SECRET] = 'sluice-only';
    onTestFinished(() => void delete process.env[SECRET]);
  };
  const envOf = async (options: ModuleTargetOptions) =>
    expectKind(await moduleTarget('./handlers.mjs#envVars', options).invoke('{}', invocationContext()), 'success').response as Record<string, string>;

  it('by default a handler sees Sluice\'s environment, its own `environment` over it, and Lambda\'s variables', async () => {
    withSecret();
    const env = await envOf({ environment: { TABLE: 'orders', HOME: '/handler-home' }, memoryLimitMb: 256 });
    expect(env).toMatchObject({ [SECRET]: 'sluice-only', TABLE: 'orders', HOME: '/handler-home', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256' });
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('inheritEnv false: only its own variables and Lambda\'s, none of Sluice\'s', async () => {
    withSecret();
    const env = await envOf({ environment: { TABLE: 'orders' }, inheritEnv: false });
    expect(Object.keys(env).sort()).toEqual([
      'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_LAMBDA_FUNCTION_VERSION',
      'AWS_LAMBDA_LOG_GROUP_NAME',
      'AWS_LAMBDA_LOG_STREAM_NAME',
      'TABLE',
    ]);
    expect(env.TABLE).toBe('orders');
  });

  it('a configured function\'s memorySize, environment and inheritEnv reach its handler (createTarget)', async () => {
    withSecret();
    const { functions } = configSchema.parse({
      functions: { billing: { module: './handlers.mjs#envVars', memorySize: 1024, environment: { TABLE: 'bills' }, inheritEnv: false } },
    });
    const target = createTarget(functions.billing!, { baseDir: HANDLERS_DIR, clients: {} as AwsClients, logger: capturingLogger().logger });
    onTestFinished(() => target.close());
    const env = expectKind(await target.invoke('{}', invocationContext()), 'success').response as Record<string, string>;
    expect(env).toMatchObject({ TABLE: 'bills', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' });
    expect(env[SECRET]).toBeUndefined();
    expect(env.PATH).toBeUndefined();
  });

  it('a handler changing process.env changes nothing in Sluice', async () => {
    const target = moduleTarget('./handlers.mjs#setsEnv');
    expectKind(await target.invoke(JSON.stringify({ name: 'SLUICE_TEST_SET_BY_HANDLER' }), invocationContext()), 'success');
    expect(process.env.SLUICE_TEST_SET_BY_HANDLER).toBeUndefined();
  });
});

describe('module target: invocation errors (load-failed)', () => {
  it.each([
    ['./missing.mjs#handler', 'Runtime.ImportModuleError', /missing\.mjs/],
    ['./imports-missing.mjs#handler', 'Runtime.ImportModuleError', /not-there\.mjs/],
    ['./handlers.mjs#nope', 'Runtime.HandlerNotFound', /handlers\.mjs#nope is undefined or not exported/],
    ['./handlers.mjs#notAFunction', 'Runtime.HandlerNotFound', /is not a function \(number\)/],
    ['./syntax-error.mjs#handler', 'Runtime.UserCodeSyntaxError', /SyntaxError/],
    ['./throws-on-load.mjs#handler', 'Error', /cannot initialise/],
    ['./exits-on-load.mjs#handler', 'Runtime.ExitError', /exit status 3/],
  ])('%s: %s', async (handler, errorCode, message) => {
    const target = moduleTarget(handler);
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'load-failed', errorCode });
    expect(outcome.errorMessage).toMatch(message);
    expect(target.workers.alive).toBe(0);
    // Every attempt tries again (the file may have been fixed meanwhile) and fails the same way.
    expect(expectKind(await target.invoke(event, invocationContext()), 'invocation-error').reason).toBe('load-failed');
  });

  it('a module that takes too long to load is a load failure', async () => {
    // The worker is busy loading a module that never finishes (waits forever at top level).
    const outcome = expectKind(
      await moduleTarget('./slow-load.mjs#handler', { initTimeoutMs: 300 }).invoke(event, invocationContext()),
      'invocation-error',
    );
    expect(outcome).toMatchObject({ reason: 'load-failed', errorCode: 'Runtime.InitTimeout' });
  });
});

describe('module target: pool', () => {
  it('runs concurrent invocations in parallel, reusing warm workers', async () => {
    const target = moduleTarget('./handlers.mjs#waits');
    const n = 8;
    const round = () => Promise.all(Array.from({ length: n }, () => target.invoke('{"ms":200}', invocationContext())));
    await round(); // cold: starts the workers
    expect(target.workers).toEqual({ alive: n, idle: n });

    const started = Date.now();
    const outcomes = await round();
    const tookMs = Date.now() - started;
    const threads = outcomes.map((o) => (expectKind(o, 'success').response as { threadId: number }).threadId);
    expect(new Set(threads).size).toBe(n); // one worker each
    expect(tookMs).toBeGreaterThanOrEqual(195);
    expect(tookMs).toBeLessThan(600); // serially it would be 1600 ms
    expect(target.workers.alive).toBe(n); // reused, not grown
  });

  it('at the cap, invocations wait for a free worker instead of failing', async () => {
    const target = moduleTarget('./handlers.mjs#waits', { maxWorkers: 2 });
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => target.invoke('{"ms":150}', invocationContext())));
    for (const outcome of outcomes) expectKind(outcome, 'success');
    expect(Date.now() - started).toBeGreaterThanOrEqual(295); // two rounds of two
    expect(target.workers.alive).toBe(2);
  });

  it('a slot freed by a dead worker goes to a waiting invocation', async () => {
    const target = moduleTarget('./handlers.mjs#waits', { maxWorkers: 1 });
    const [slow, next] = await Promise.all([
      target.invoke('{"ms":5000}', invocationContext({ timeoutMs: 200 })),
      target.invoke('{"ms":1}', invocationContext()),
    ]);
    expectKind(slow, 'function-error');
    expectKind(next, 'success');
  });

  it('stops idle workers after the idle timeout', async () => {
    const target = moduleTarget('./handlers.mjs#noop', { idleTimeoutMs: 100 });
    expectKind(await target.invoke('{}', invocationContext()), 'success');
    expect(target.workers.alive).toBe(1);
    await expect.poll(() => target.workers.alive, { timeout: 2_000 }).toBe(0);
    expectKind(await target.invoke('{}', invocationContext()), 'success');
  });

  it('close() ends running and waiting invocations as unreachable, and refuses new ones', async () => {
    const target = moduleTarget('./handlers.mjs#hangs', { maxWorkers: 1 });
    expectKind(await target.invoke('{"warm":true}', invocationContext()), 'success');
    const running = target.invoke('{}', invocationContext({ timeoutMs: 10_000 })); // takes the warm worker
    const waiting = target.invoke('{}', invocationContext({ timeoutMs: 10_000 })); // waits at the cap
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.workers).toEqual({ alive: 1, idle: 0 });
    await target.close();
    for (const outcome of await Promise.all([running, waiting, target.invoke('{}', invocationContext())])) {
      expect(expectKind(outcome, 'invocation-error')).toMatchObject({ reason: 'unreachable', errorCode: 'TargetClosed' });
    }
    expect(target.workers.alive).toBe(0);
  });
});
