import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

function fileWith(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cfg-'));
  const file = join(dir, 'sluice.config.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has the documented defaults with no file and no environment', () => {
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'empty-')) });
    expect(config).toMatchObject({
      region: 'us-east-1',
      accountId: '000000000000',
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'sluice' },
      api: { host: '127.0.0.1', port: 7070 },
      aws: { httpHandler: 'http1' },
      filters: { maxPerMapping: 5 },
      supervisor: { enabled: true },
      functions: {},
      mappings: [],
    });
    expect(config.file).toBeUndefined();
  });

  it('reads ./sluice.config.yaml by default, and the environment overrides the file', () => {
    const { dir } = fileWith(`
region: eu-west-1
redis: { url: redis://file:6379 }
api: { port: 8080 }
aws:
  endpoint: http://localhost:4566
  services:
    kinesis: { httpHandler: http2 }
functions:
  fn: { module: ./handlers/fn.js#handler, timeout: 10 }
`);
    const config = loadConfig({
      cwd: dir,
      env: {
        AWS_REGION: 'ap-south-1',
        SLUICE_API_PORT: '9090',
        SLUICE_REDIS_URL: 'redis://env:6380/2',
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
        SLUICE_SUPERVISOR: 'false',
      },
    });
    expect(config.region).toBe('ap-south-1');
    expect(config.api.port).toBe(9090);
    expect(config.redis.url).toBe('redis://env:6380/2');
    expect(config.aws.endpoint).toBe('http://localhost:4566');
    expect(config.aws.services.sqs.endpoint).toBe('http://127.0.0.1:9324');
    expect(config.aws.services.kinesis.httpHandler).toBe('http2');
    expect(config.supervisor.enabled).toBe(false);
    expect(config.functions.fn).toEqual({ module: './handlers/fn.js#handler', timeout: 10, memorySize: 128, environment: {}, inheritEnv: true });
    expect(config.baseDir).toBe(dir);
  });

  it('names the key and the problem for a bad value in the file', () => {
    const { file } = fileWith('api:\n  port: seventy\n');
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toMatch(/^Invalid configuration in .*: api\.port: .*expected number/);
  });

  it('names the variable for a bad value in the environment', () => {
    expect(errorOf(() => loadConfig({ env: { SLUICE_API_PORT: 'abc' }, cwd: tmpdir() })).message).toBe(
      "Invalid configuration: SLUICE_API_PORT (api.port): expected an integer, got 'abc'",
    );
    expect(errorOf(() => loadConfig({ env: { SLUICE_REDIS_URL: 'http://x' }, cwd: tmpdir() })).message).toBe(
      'Invalid configuration: redis.url (from SLUICE_REDIS_URL): must be a redis:// or rediss:// URL',
    );
  });

  it('reads allow lists from comma-separated variables, and refuses a pattern that is not an ARN', () => {
    const config = loadConfig({ env: { SLUICE_SOURCES_ALLOW: ' arn:aws:sqs:*:1:a-* ,arn:aws:kinesis:*,', SLUICE_DESTINATIONS_ALLOW: ',' }, cwd: tmpdir() });
    expect(config.sources.allow).toEqual(['arn:aws:sqs:*:1:a-*', 'arn:aws:kinesis:*']);
    expect(config.destinations.allow).toEqual([]);
    expect(loadConfig({ env: {}, cwd: tmpdir() }).sources.allow).toBeUndefined();
    expect(errorOf(() => loadConfig({ env: { SLUICE_SOURCES_ALLOW: 'orders' }, cwd: tmpdir() })).message).toBe(
      'Invalid configuration: sources.allow.0 (from SLUICE_SOURCES_ALLOW): must be an ARN pattern such as arn:aws:sqs:us-east-1:123456789012:orders-*',
    );
  });

  it('function handler settings: memorySize within Lambda\'s 128-10240 (default 128), environment names, inheritEnv default true', () => {
    const ok = fileWith('functions:\n  f: { module: h.js#h, memorySize: 10240, environment: { TABLE: t } }\n  g: { module: h.js#h }\n');
    const config = loadConfig({ file: ok.file, env: {} });
    expect(config.functions.f).toMatchObject({ memorySize: 10240, environment: { TABLE: 't' }, inheritEnv: true });
    expect(config.functions.g).toMatchObject({ memorySize: 128, environment: {}, inheritEnv: true });
    for (const [setting, problem] of [
      ['memorySize: 127', /functions\.f\.memorySize: .*>=128/],
      ['memorySize: 10241', /functions\.f\.memorySize: .*<=10240/],
      ['environment: { AWS_LAMBDA_FUNCTION_NAME: x }', /functions\.f\.environment\.AWS_LAMBDA_FUNCTION_NAME: AWS_LAMBDA_\* variables are set by Sluice/],
      ['environment: { 1X: x }', /variable names are letters, digits and _/],
    ] as const) {
      const bad = fileWith(`functions:\n  f: { module: h.js#h, ${setting} }\n`);
      expect(errorOf(() => loadConfig({ file: bad.file, env: {} })).message).toMatch(problem);
    }
  });

  it('refuses unknown keys, functions without exactly one target, and a missing --config file', () => {
    const unknown = fileWith('regoin: us-east-1\n');
    expect(errorOf(() => loadConfig({ file: unknown.file, env: {} })).message).toMatch(/regoin: is not a known setting \(did you mean `region`\?\)$/);
    const twoTargets = fileWith('functions:\n  f: { http: "http://x", lambda: f }\n');
    expect(errorOf(() => loadConfig({ file: twoTargets.file, env: {} })).message).toMatch(
      /functions\.f: needs exactly one target: http, module, lambda or builtin$/,
    );
    const badModule = fileWith('functions:\n  f: { module: handler.js }\n');
    expect(errorOf(() => loadConfig({ file: badModule.file, env: {} })).message).toMatch(/functions\.f\.module: must look like path\/to\/handler\.js#exportName$/);
    expect(errorOf(() => loadConfig({ file: '/nonexistent/sluice.yaml', env: {} })).message).toBe(
      'Config file /nonexistent/sluice.yaml does not exist',
    );
  });

  it('suggests the nearest known key beside an unknown one, keeping the names the user chose', () => {
    const problemOf = (yaml: string) => errorOf(() => loadConfig({ file: fileWith(yaml).file, env: {} })).message.replace(/^Invalid configuration in \S+: /, '');
    expect(problemOf('redis:\n  ulr: redis://x:6379\n')).toBe('redis.ulr: is not a known setting (did you mean `redis.url`?)');
    expect(problemOf('supervisr:\n  enabled: false\n')).toBe('supervisr: is not a known setting (did you mean `supervisor`?)');
    expect(problemOf('aws:\n  services:\n    sqs: { endpont: "http://x" }\n')).toBe(
      'aws.services.sqs.endpont: is not a known setting (did you mean `aws.services.sqs.endpoint`?)',
    );
    expect(problemOf('functions:\n  orders: { http: "http://x", timout: 5 }\n')).toBe(
      'functions.orders.timout: is not a known setting (did you mean `functions.orders.timeout`?)',
    );
    // Nothing near: no guess.
    expect(problemOf('colour: red\n')).toBe('colour: is not a known setting');
    expect(problemOf('api:\n  tls: true\n')).toBe('api.tls: is not a known setting');
  });

  it('a YAML error gives its position and reason on one line', () => {
    const { file } = fileWith('region: us-east-1\napi:\n  port: 7070\nfunctions:\n  f: { http: "http://x" }\n - g\n');
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toBe(
      `Config file ${file} is not valid YAML at line 6, column 1: A block sequence may not be used as an implicit map key`,
    );
  });

  it('refuses YAML that does not parse or is not a mapping', () => {
    expect(errorOf(() => loadConfig({ file: fileWith('a: [').file, env: {} })).message).toMatch(/is not valid YAML at line \d+, column \d+: [^:]+$/);
    expect(errorOf(() => loadConfig({ file: fileWith('- 1\n').file, env: {} })).message).toMatch(/must hold a YAML mapping/);
  });
});
