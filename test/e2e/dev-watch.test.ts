/**
 * `sluice dev --watch` as a user runs it: the built CLI as a child process, a handler file
 * edited while it runs. The next record is handled by the new code (the live view says
 * "reloaded ..."); a handler saved with a syntax error is reported in the view and its
 * record is not lost: it is retried (a stream's invocation error, streams.md §12) and
 * handled once the file is fixed, exactly once.
 *
 * `sluice dev` runs the handlers of its own examples/ (i15-devcfg's `--config` is not on
 * this branch), so the test runs a copy of the built package (bin, dist, examples,
 * package.json; node_modules linked) whose example handler it may edit. JAVA points
 * nowhere: DynamoDB Local is skipped (the sandbox says so and runs SQS and Kinesis), which
 * spares the shared machine a JVM this test does not need.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { getFreePort } from '../support/ports.js';
import { spawnManaged } from '../support/processes.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

/** A copy of the built package whose examples/ can be edited; node_modules is the checkout's. */
function copyOfPackage(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-package-copy-'));
  onTestFinished(() => fs.rmSync(copy, { recursive: true, force: true }));
  for (const entry of ['bin', 'dist', 'examples', 'package.json']) fs.cpSync(path.join(repo, entry), path.join(copy, entry), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

/** The example Kinesis handler at version `version`: it logs `v<version> handled <data>`. */
const kinesisHandler = (version: number): string => `
export async function handler(event) {
  for (const { kinesis } of event.Records) console.log('v${version} handled ' + Buffer.from(kinesis.data, 'base64').toString('utf8'));
  return {};
}
`;

describe('sluice dev --watch', () => {
  it('an edited handler handles the next record; a syntax error is reported and its record handled once fixed', { timeout: 120_000 }, async () => {
    const copy = copyOfPackage();
    const bin = path.join(copy, 'bin', 'sluice.js');
    const handlerFile = path.join(copy, 'examples', 'handlers', 'kinesis.mjs');
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dev-watch-'));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, JAVA: path.join(cwd, 'no-java') };

    // A free port, not the default 7070: the other files that run `sluice dev` run beside this one.
    const dev = await spawnManaged('sluice dev --watch', process.execPath, [bin, 'dev', '--watch', '--port', String(await getFreePort())], { cwd, env });
    // Stopped before its folder goes: the sandbox stops its children (and its guard reads
    // .sluice/children.json) from there; a 3 s grace then SIGKILL used to leave redis-server
    // and kinesis-local running on a loaded machine.
    onTestFinished(async () => {
      await dev.stop(20_000);
      fs.rmSync(cwd, { recursive: true, force: true });
    });
    const output = (): string => dev.tail();
    const waitFor = async (what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> => {
      await pollUntil(
        () => {
          if (dev.exitInfo) throw new Error(`sluice dev exited (${JSON.stringify(dev.exitInfo)})`);
          return test();
        },
        { timeoutMs, intervalMs: 100, description: what },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\noutput:\n${output()}\ndev.log:\n${devLog().slice(-4000)}`);
      });
    };
    const devLog = (): string => {
      const file = path.join(cwd, '.sluice', 'dev.log');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    };
    /** What the handler printed, in order (dev.log is pino-pretty text: `[time] INFO: <line>`). */
    const handled = (): string[] =>
      [...devLog().matchAll(/^\[[\d:.]+\] INFO: (?:kinesis record \S+ \(key \S+\): (.*)|(v\d handled .*))$/gm)].map((m) => m[2] ?? `v1 handled ${m[1]}`);
    const send = (data: string) => run(process.execPath, [bin, 'send', 'kinesis', data], { cwd, env });

    await waitFor('the sandbox state file', () => fs.existsSync(path.join(cwd, '.sluice', 'dev.json')), 60_000);
    expect(output()).toContain(`Watching ${path.relative(cwd, path.dirname(handlerFile))}: module handlers reload when their files change.`);

    await send('one');
    await waitFor('record one handled', () => handled().includes('v1 handled one'));

    fs.writeFileSync(handlerFile, kinesisHandler(2));
    const reloaded = (count: number) => (output().match(/^reloaded example-kinesis \(\S+kinesis\.mjs\) at \d\d:\d\d:\d\d$/gm) ?? []).length >= count;
    await waitFor('the view line "reloaded example-kinesis"', () => reloaded(1));
    await send('two');
    await waitFor('record two handled by the new code', () => handled().includes('v2 handled two'));

    fs.writeFileSync(handlerFile, 'export async function handler(event) {\n  return {\n');
    await waitFor('the view line saying the handler does not load', () =>
      /^reload of example-kinesis \(\S+kinesis\.mjs\) at \d\d:\d\d:\d\d: the handler does not load: Runtime\.UserCodeSyntaxError: /m.test(output()),
    );
    await send('three');
    // The batch fails as a broken target: an invocation error, warned about with its cause.
    await waitFor('an invocation error of example-kinesis in the log', () =>
      /invocation of example-kinesis failed \(module target [^)]*\): [^:]+: Runtime\.UserCodeSyntaxError/.test(devLog()),
    );

    fs.writeFileSync(handlerFile, kinesisHandler(3));
    await waitFor('the view line "reloaded example-kinesis" after the fix', () => reloaded(2));
    await waitFor('record three handled once fixed', () => handled().includes('v3 handled three'), 30_000);
    expect(handled()).toEqual(['v1 handled one', 'v2 handled two', 'v3 handled three']);
  });
});
