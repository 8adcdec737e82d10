/**
 * Files users read must agree with the code: the README's configuration reference with the
 * config schema, the Node lines with the images and CI, one name for the Kinesis emulator.
 * (docker-compose.yml: compose.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../../src/config/index.js';
import { repositoryRoot as root, textFilesUnder } from './repository-files.js';
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

describe('README', () => {
  it('configuration reference is the one generated from the schema', () => {
    const readme = read('README.md');
    const table = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme)?.[1];
    expect(table, 'README has no config-reference markers').toBeDefined();
    expect(table).toBe(configReferenceMarkdown());
  });

  it('documents the unit-test fast path, which starts no emulators', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['test:unit']).toMatch(/^SLUICE_TEST_NO_EMULATORS=1 vitest run test\/unit$/);
    expect(read('README.md')).toContain('npm run test:unit');
  });

  it('AWS CLI examples set AWS_DEFAULT_REGION, the only region variable AWS CLI v1 reads', () => {
    const exports = read('README.md').split('\n').filter((line) => /^export .*AWS_ACCESS_KEY_ID/.test(line));
    expect(exports.length).toBeGreaterThan(0);
    for (const line of exports) expect(line).toMatch(/\bAWS_DEFAULT_REGION=/);
  });

  it('claims no management by tools no test has tried (CDK deploys through CloudFormation)', () => {
    const sentence = /Sluice speaks[^]*?manage it unchanged/.exec(read('README.md'))?.[0];
    expect(sentence).toContain('@aws-sdk/client-lambda');
    expect(sentence).not.toMatch(/Terraform|CDK/);
  });

  it('names the test command that .ci/run runs', () => {
    expect(read('README.md')).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});

describe('Node versions', () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  const supportedMajors = [...engines.matchAll(/\^(\d+)/g)].map((m) => Number(m[1]));

  it('engines names the LTS lines Sluice runs on: 20, 22 and 24', () => {
    expect(supportedMajors).toEqual([20, 22, 24]);
  });

  it('the images run a supported line newer than Node 20, which left support in April 2026', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)/gm), ...read('docker-compose.yml').matchAll(/image: node:(\d+)/g)];
    expect(images.length).toBeGreaterThan(0);
    for (const [image, major] of images) {
      expect(supportedMajors, image).toContain(Number(major));
      expect(Number(major), image).toBeGreaterThan(20);
    }
  });

  it('.ci/run runs the suite a second time with Node 22 first on PATH', () => {
    const ci = read('.ci/run');
    expect(ci).toMatch(/SLUICE_CI_SECOND_NODE-22\b/);
    expect(ci).toMatch(/^\s*PATH="\$second_bin:\$PATH" npm test$/m);
  });
});

describe('the Kinesis emulator has one name', () => {
  // The npm package kinesis-local wraps an emulator with a name of its own: only the README names it, once.
  const otherName = /kinesis[- ]mock/gi;
  const count = (text: string) => text.match(otherName)?.length ?? 0;

  it('kinesis-local in code, comments, tests, benchmarks, the chaos suite and CI', () => {
    const files = [
      ...['src', 'test', 'bench', 'chaos', 'examples'].flatMap((folder) => textFilesUnder(resolve(root, folder))),
      ...['.ci/run', 'vitest.config.ts', 'Dockerfile', 'docker-compose.yml', 'package.json'].map((file) => resolve(root, file)),
    ];
    const mentions = files.filter((file) => count(readFileSync(file, 'utf8')) > 0).map((file) => relative(root, file));
    expect(mentions).toEqual([]);
  });

  it('the README names the emulator kinesis-local runs once', () => {
    expect(count(read('README.md'))).toBe(1);
  });
});
