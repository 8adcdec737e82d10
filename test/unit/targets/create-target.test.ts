import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema } from '../../../src/config/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import { HttpTarget, LambdaTarget, ModuleTarget, createTarget } from '../../../src/targets/index.js';

const options = { baseDir: '/srv/app', clients: new AwsClients(configSchema.parse({})), logger: createLogger({ level: 'silent' }) };

describe('createTarget', () => {
  it.each([
    [{ http: 'http://127.0.0.1:3000/invoke', timeout: 3 }, HttpTarget],
    [{ module: './handler.js#handler', timeout: 3 }, ModuleTarget],
    [{ lambda: 'arn:aws:lambda:us-east-1:123456789012:function:billing', timeout: 3 }, LambdaTarget],
  ])('%j', async (fn, kind) => {
    const target = createTarget(fn, options);
    expect(target).toBeInstanceOf(kind);
    await target.close();
  });

  it('refuses a function without a target (the schema should have)', () => {
    expect(() => createTarget({ timeout: 3 }, options)).toThrow(/one of http, module, lambda or builtin/);
  });
});
