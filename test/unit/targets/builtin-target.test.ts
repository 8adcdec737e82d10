import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { BuiltinTarget, parseBuiltin } from '../../../src/targets/builtin-target.js';
import { createTarget } from '../../../src/targets/index.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { createLogger } from '../../../src/observability/logger.js';

const context = { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:load', functionName: 'load', timeoutMs: 1000 };
const event = JSON.stringify({ Records: [{ messageId: 'm1', body: 'hello' }] });

describe('builtin targets', () => {
  it('noop succeeds with a null response', async () => {
    const outcome = await new BuiltinTarget('noop').invoke(event, context);
    expect(outcome).toMatchObject({ kind: 'success', response: null, responseIsJson: true, executedVersion: '$LATEST' });
  });

  it('echo answers with the event it was given', async () => {
    const outcome = await new BuiltinTarget('echo').invoke(event, context);
    expect(outcome).toMatchObject({ kind: 'success', response: JSON.parse(event) as unknown });
  });

  it('sleep:<ms> succeeds after that long', async () => {
    const started = performance.now();
    const outcome = await new BuiltinTarget('sleep:60').invoke(event, context);
    expect(outcome.kind).toBe('success');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('sleep past the function timeout ends as Lambda timeout', async () => {
    const outcome = await new BuiltinTarget('sleep:5000').invoke(event, { ...context, timeoutMs: 50 });
    expect(outcome).toMatchObject({ kind: 'function-error', functionError: 'Unhandled', errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.05 seconds' });
  });

  it('a sleeping invocation ends as closed when the target closes', async () => {
    const target = new BuiltinTarget('sleep:900');
    const pending = target.invoke(event, context);
    await target.close();
    expect(await pending).toMatchObject({ kind: 'invocation-error', errorCode: 'TargetClosed' });
    expect(await target.invoke(event, context)).toMatchObject({ kind: 'invocation-error', errorCode: 'TargetClosed' });
  });

  it('fail:<ratio> fails an invocation when the draw is under the ratio', async () => {
    const draws = [0.1, 0.3, 0.29999, 0.9];
    const target = new BuiltinTarget('fail:0.3', () => draws.shift()!);
    const kinds = [];
    for (let i = 0; i < 4; i++) kinds.push((await target.invoke(event, context)).kind);
    expect(kinds).toEqual(['function-error', 'success', 'function-error', 'success']);
  });

  it('fail:1 always fails, fail:0 never', async () => {
    expect((await new BuiltinTarget('fail:1').invoke(event, context)).kind).toBe('function-error');
    expect((await new BuiltinTarget('fail:0').invoke(event, context)).kind).toBe('success');
  });

  it.each(['', 'nop', 'sleep', 'sleep:-1', 'sleep:1.5', 'fail:1.5', 'fail:2', 'fail:-0.1', 'echo:1'])('refuses %j', (spec) => {
    expect(() => parseBuiltin(spec)).toThrow(/builtin target must be noop, echo, sleep:<ms> or fail:<ratio 0\.\.1>/);
    expect(configSchema.safeParse({ functions: { f: { builtin: spec } } }).success).toBe(false);
  });

  it('is a fourth target kind of the config, exclusive with the others', () => {
    expect(configSchema.parse({ functions: { f: { builtin: 'sleep:20' } } }).functions.f?.builtin).toBe('sleep:20');
    const both = configSchema.safeParse({ functions: { f: { builtin: 'noop', http: 'http://127.0.0.1:1/' } } });
    expect(both.error?.issues[0]?.message).toBe('needs exactly one target: http, module, lambda or builtin');
    const target = createTarget({ builtin: 'noop', timeout: 3 }, { baseDir: '.', clients: new AwsClients(configSchema.parse({})), logger: createLogger({ level: 'silent' }) });
    expect(target).toBeInstanceOf(BuiltinTarget);
  });
});
