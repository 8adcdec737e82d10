import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';

function capture(pretty = false) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ destination, pretty }), text: () => lines.join('') };
}

describe('createLogger', () => {
  it('never writes credentials, at the top level or nested in configs, errors and headers', () => {
    const { logger, text } = capture();
    logger.child({ mappingId: 'm-1' }).warn(
      {
        secretAccessKey: 's3cr3t-1',
        config: { credentials: { accessKeyId: 'AKIA-s3cr3t', secretAccessKey: 's3cr3t-2' } },
        err: { request: { headers: { authorization: 'AWS4-HMAC-SHA256 s3cr3t-3', 'x-amz-security-token': 's3cr3t-4' } } },
        env: { AWS_SECRET_ACCESS_KEY: 's3cr3t-5' },
        a: { b: { sessionToken: 's3cr3t-6' } },
      },
      'something failed',
    );
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(text()).not.toContain('s3cr3t');
    expect(line).toMatchObject({ mappingId: 'm-1', msg: 'something failed', secretAccessKey: '[redacted]', config: { credentials: '[redacted]' } });
  });

  it('writes pretty lines for sluice dev, still redacted', async () => {
    const { logger, text } = capture(true);
    logger.child({ mappingId: 'm-1', batchId: 'b-1' }).info({ sessionToken: 's3cr3t' }, 'batch invoked');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toContain('batch invoked');
    expect(text()).toContain('mappingId: "m-1"');
    expect(text()).not.toContain('s3cr3t');
    expect(() => JSON.parse(text())).toThrow();
  });
});
