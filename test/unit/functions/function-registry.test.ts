/** Qualifiers a function's config allows (issue #11): FunctionRegistry.resolve / byArn. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { FunctionRegistry } from '../../../src/functions/index.js';

const context = { region: 'us-east-1', accountId: '123456789012' };
const registry = (functions: Record<string, unknown>) => new FunctionRegistry(context, configSchema.parse({ functions }).functions);
const arn = (qualified: string) => `arn:aws:lambda:us-east-1:123456789012:function:${qualified}`;

describe('FunctionRegistry qualifiers', () => {
  it('without `qualifiers`, any qualifier and none resolve', () => {
    const functions = registry({ f: { lambda: 'f' } });
    for (const name of ['f', 'f:prod', 'f:$LATEST', 'f:12']) expect(functions.resolve(name)?.name).toBe('f');
  });

  it('with `qualifiers`, only those resolve; no qualifier counts as $LATEST', () => {
    const functions = registry({ f: { lambda: 'f', qualifiers: ['prod', '3'] }, g: { lambda: 'g', qualifiers: ['$LATEST'] } });
    expect(functions.resolve('f:prod')).toMatchObject({ name: 'f', qualifier: 'prod', functionArn: arn('f:prod') });
    expect(functions.resolve(arn('f:3'))?.qualifier).toBe('3');
    expect(functions.resolve('f:dev')).toBeUndefined();
    expect(functions.resolve('f:Prod')).toBeUndefined();
    expect(functions.resolve('f')).toBeUndefined();
    expect(functions.resolve('g')?.name).toBe('g');
    expect(functions.resolve('g:$LATEST')?.name).toBe('g');
    expect(functions.resolve('g:prod')).toBeUndefined();
  });

  it('a stored FunctionArn whose qualifier left the list no longer finds its target', () => {
    expect(registry({ f: { lambda: 'f' } }).byArn(arn('f:old'))?.name).toBe('f');
    expect(registry({ f: { lambda: 'f', qualifiers: ['prod'] } }).byArn(arn('f:old'))).toBeUndefined();
  });

  it('the config refuses a malformed qualifier and an empty list', () => {
    expect(configSchema.safeParse({ functions: { f: { lambda: 'f', qualifiers: ['a:b'] } } }).success).toBe(false);
    expect(configSchema.safeParse({ functions: { f: { lambda: 'f', qualifiers: [] } } }).success).toBe(false);
  });
});
