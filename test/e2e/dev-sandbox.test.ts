/**
 * `sluice dev` as a newcomer runs it: the built CLI as a child process with a clean
 * environment (PATH and HOME only) in an empty folder. Records sent with `sluice send` to
 * each source reach the example handlers (seen in the live view's plain lines, read from
 * the metrics registry), and Ctrl-C (SIGINT to its process group) stops everything: exit
 * 0, no process of its tree left, the state file gone.
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
import { descendantsOf, isRunning } from '../support/process-tree.js';
import { SLUICE_BIN } from '../support/sluice-process.js';
import { findExecutable } from '../../src/dev/emulators/index.js';
import type { SourceType } from '../../src/dev/state-file.js';

const run = promisify(execFile);

describe('sluice dev', () => {
  it('runs a sandbox from a clean environment: records sent to each source are invoked, and SIGINT stops it all', { timeout: 60_000 }, async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dev-'));
    onTestFinished(() => fs.rmSync(cwd, { recursive: true, force: true }));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const sources: SourceType[] = findExecutable('java') ? ['sqs', 'kinesis', 'dynamodb'] : ['sqs', 'kinesis'];

    // A free port, not the default 7070: the other files that run `sluice dev` run beside this one.
    const dev = await spawnManaged('sluice dev', process.execPath, [SLUICE_BIN, 'dev', '--port', String(await getFreePort())], { cwd, env });
    onTestFinished(() => dev.stop());
    const stateFile = path.join(cwd, '.sluice', 'dev.json');
    await pollUntil(
      () => {
        if (dev.exitInfo) throw new Error(`sluice dev exited (${JSON.stringify(dev.exitInfo)}):\n${dev.tail()}`);
        return fs.existsSync(stateFile);
      },
      { timeoutMs: 40_000, intervalMs: 100, description: 'the sandbox state file' },
    );
    // Taken while everything runs: what must be gone after the SIGINT.
    const tree = descendantsOf(dev.pid);
    expect(tree.map((p) => p.command)).toEqual(expect.arrayContaining(['redis-server', ...(sources.includes('dynamodb') ? ['java'] : [])]));

    const sends = await Promise.all(
      sources.map((source) =>
        run(process.execPath, [SLUICE_BIN, 'send', source, source === 'dynamodb' ? '{"pk":{"S":"order-1"}}' : `hello ${source}`], { cwd, env }),
      ),
    );
    expect(sends.map((s) => s.stdout.trim())).toEqual([
      expect.stringMatching(/^sent message \S+ to http:\/\/\S+\/sluice-example-queue$/),
      expect.stringMatching(/^put record \d+ into stream sluice-example-stream \(shard shardId-\d+\)$/),
      ...(sources.includes('dynamodb') ? ['put item into table sluice-example-table'] : []),
    ]);

    const invoked = (source: string) => new RegExp(`^mapping \\S+ ${source} sluice-example-\\S+ -> example-${source}: state=Enabled polled=\\d+ invoked=1 failed=0`, 'm');
    await pollUntil(() => sources.every((source) => invoked(source).test(dev.tail())), {
      timeoutMs: 15_000,
      description: `a view line with invoked=1 for ${sources.join(', ')}`,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\noutput:\n${dev.tail()}`);
    });
    expect(dev.tail()).not.toContain('\x1b'); // not a terminal: plain lines, no redraws

    process.kill(-dev.pid, 'SIGINT'); // what Ctrl-C does: the foreground process group
    const exit = await Promise.race([dev.exited, new Promise((resolve) => setTimeout(resolve, 20_000, 'still running'))]);
    expect(exit, dev.tail()).toEqual({ code: 0, signal: null });
    expect(dev.tail()).toMatch(/Sandbox stopped\.\n$/);
    await pollUntil(() => tree.every((p) => !isRunning(p.pid)), { timeoutMs: 5_000, description: `no process left of ${JSON.stringify(tree)}` });
    expect(fs.existsSync(stateFile)).toBe(false);
  });

  it('sluice send without a running sandbox or a named target says so in one line and exits 1', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-send-'));
    onTestFinished(() => fs.rmSync(cwd, { recursive: true, force: true }));
    const result = await run(process.execPath, [SLUICE_BIN, 'send', 'kinesis', 'hi'], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `sluice send: no running sandbox found in ${fs.realpathSync(cwd)} or its parents (start one with \`npx sluice dev\`), and no --stream given\n`,
    });
  });
});
