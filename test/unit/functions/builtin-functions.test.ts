/** Builtin functions under reserved names (issue #14): any Sluice runs them without a config entry. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { builtinFunctionName, builtinSpecOf, FunctionRegistry } from '../../../src/functions/index.js';

const registry = (functions: Record<string, unknown>) =>
  new FunctionRegistry({ region: 'us-east-1', accountId: '123456789012' }, configSchema.parse({ functions }).functions);

describe('builtin function names', () => {
  it('map each spec to a FunctionName and back', () => {
    const cases = { noop: 'builtin-noop', echo: 'builtin-echo', 'sleep:50': 'builtin-sleep-50', 'fail:0.1': 'builtin-fail-0_1', 'fail:1': 'builtin-fail-1' };
    for (const [spec, name] of Object.entries(cases)) {
      expect(builtinFunctionName(spec)).toBe(name);
      expect(builtinSpecOf(name)).toBe(spec);
      expect(name).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
    }
  });

  it('refuse what is not a builtin', () => {
    expect(() => builtinFunctionName('fail:2')).toThrow(/not a builtin function/);
    for (const name of ['builtin-fail-2', 'builtin-sleep-', 'builtin-nope', 'builtin-fail-0_1_2', 'noop', 'builtin-sleep-5_0']) expect(builtinSpecOf(name)).toBeUndefined();
  });

  it('resolve in a registry with no functions, with the default timeout', () => {
    const fn = registry({}).resolve('builtin-fail-0_25');
    expect(fn).toMatchObject({ name: 'builtin-fail-0_25', config: { builtin: 'fail:0.25', timeout: 3 } });
    expect(registry({}).resolve('builtin-unknown')).toBeUndefined();
  });

  it('a configured function of the same name wins', () => {
    expect(registry({ 'builtin-noop': { http: 'http://127.0.0.1:9/' } }).resolve('builtin-noop')?.config.http).toBe('http://127.0.0.1:9/');
  });
});
