/**
 * Files users read must agree with the code: the README's configuration reference with the
 * config schema, docker-compose.yml with the environment names Sluice reads.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configReferenceMarkdown, environmentOverrides, loadConfig } from '../../../src/config/index.js';

const root = resolve(import.meta.dirname, '../../..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

describe('README', () => {
  it('configuration reference is the one generated from the schema', () => {
    const readme = read('README.md');
    const table = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme)?.[1];
    expect(table, 'README has no config-reference markers').toBeDefined();
    expect(table).toBe(configReferenceMarkdown());
  });

  it('names the test command that .ci/run runs', () => {
    expect(read('README.md')).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; environment?: Record<string, string>; volumes?: string[] }>;
  };
  const sluiceEnv = compose.services.sluice?.environment ?? {};

  it('pins LocalStack 4.14.0 and runs Redis with noeviction', () => {
    expect(compose.services.localstack?.image).toBe('localstack/localstack:4.14.0');
    expect(JSON.stringify(compose.services.redis)).toContain('noeviction');
  });

  it('configures Sluice only with variables Sluice reads, and they load', () => {
    const known = new Set([...environmentOverrides.map((o) => o.env), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(Object.keys(sluiceEnv).filter((name) => !known.has(name))).toEqual([]);
    const config = loadConfig({ file: resolve(root, 'sluice.config.example.yaml'), env: sluiceEnv });
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.aws.endpoint).toBe('http://localstack:4566');
    expect(config.api).toEqual({ host: '0.0.0.0', port: 7070 });
  });

  it('mounts the example config where the image looks for it', () => {
    expect(compose.services.sluice?.volumes).toContain('./sluice.config.example.yaml:/app/sluice.config.yaml:ro');
    expect(read('Dockerfile')).toContain('"--config", "/app/sluice.config.yaml"');
  });
});
