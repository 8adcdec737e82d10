/**
 * The package installs and runs (issue #15 "Installable"): `npm pack` of this repository,
 * installed from the tarball into an empty folder as a user would, runs `sluice --version`
 * and `sluice start` with a config from that folder, against the test bed's Redis.
 *
 * The tarball is packed with --ignore-scripts: `npm pack` would otherwise run `prepare` (the
 * build) and rewrite dist/ while other test files run it; `npm test` built it just before.
 * What goes in is package.json's `files`: the test checks nothing else does.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateRedisDb } from '../support/index.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };

let dir: string;
let tarball: string;
let installed: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-package-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo });
  tarball = path.join(dir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  const app = path.join(dir, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  // --prefer-offline: the packages `npm ci` just fetched come from npm's cache.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, timeout: 240_000 });
  installed = path.join(app, 'node_modules', '.bin', 'sluice');
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds what runs, not the sources, tests or benchmarks', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/bin/sluice.js', 'package/dist/cli/main.js', 'package/package.json', 'package/README.md']));
    expect(files.filter((file) => /^package\/(src|test|bench|chaos)\//.test(file))).toEqual([]);
  });

  it('installed into an empty folder: `sluice --version`', async () => {
    const { stdout } = await run(installed, ['--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('installed into an empty folder: `sluice start` with a config from there serves the Lambda API', { timeout: 60_000 }, async () => {
    let sluice: SluiceProcess | undefined;
    try {
      sluice = await startSluiceProcess(await allocateRedisDb(), { functions: { noop: { builtin: 'noop' } } }, {}, installed);
      const response = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ EventSourceMappings: [] });
    } finally {
      await sluice?.process.stop();
    }
  });
});
