import { describe, expect, it } from 'vitest';
import { FunctionRegistry } from '../../../src/functions/index.js';
import { FunctionTargets } from '../../../src/pipeline/function-targets.js';
import { LAMBDA_ANSWER_GRACE_MS } from '../../../src/targets/lambda-target.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { AwsClients } from '../../../src/aws/clients.js';

describe('FunctionTargets.invocationLimitMs', () => {
  const functions = new FunctionRegistry({ region: 'us-east-1', accountId: '123456789012' }, {
    web: { http: 'http://127.0.0.1:1/', timeout: 3 },
    real: { lambda: 'arn:aws:lambda:us-east-1:123456789012:function:real', timeout: 5 },
  } as never);
  const targets = new FunctionTargets(functions, { baseDir: '.', clients: {} as AwsClients, logger: createLogger({ level: 'silent' }) });
  const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

  it('is the timeout for targets that enforce it themselves, and timeout + the wait for Lambda answer for lambda targets', () => {
    expect(targets.invocationLimitMs(arn('web'))).toBe(3000);
    expect(targets.invocationLimitMs(arn('real'))).toBe(5000 + LAMBDA_ANSWER_GRACE_MS);
    expect(targets.timeoutMs(arn('real'))).toBe(5000);
  });
});
