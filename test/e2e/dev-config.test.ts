/**
 * `sluice dev --config FILE` as a user runs it with their own handler: the built CLI as a
 * child process, a config file declaring a queue with a DLQ, a stream, a mapping on each
 * (the handler's module path relative to the file, not to the folder `sluice dev` runs
 * in). Records sent with `sluice send` reach the user's handler; the one it fails ends in
 * the DLQ, whose depth the live view shows. Then kill -9: the orphan guard stops what the
 * sandbox started; and with the guard killed too, the next `sluice dev` in the folder
 * stops them and says so in one line.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { spawnManaged, type ManagedProcess } from '../support/processes.js';
import { descendantsOf, isRunning } from '../support/process-tree.js';
import { SLUICE_BIN } from '../support/sluice-process.js';
import { getFreePort } from '../support/ports.js';
import { Redis } from 'ioredis';
import { findExecutable, startEmulators } from '../../src/dev/emulators/index.js';
import type { ChildrenRecord } from '../../src/dev/stale-children.js';

const run = promisify(execFile);
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

/** A project folder: sluice.yaml at its root, the handler in handlers/, what the handler received in received.jsonl. */
function project(sandbox: string): { dir: string; cwd: string; config: string; received: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dev-config-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'handlers'));
  // Appends each record's body (SQS) or data (Kinesis) and fails those containing "fail".
  fs.writeFileSync(
    path.join(dir, 'handlers', 'jobs.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function handler(event) {
  const failures = [];
  for (const record of event.Records) {
    const body = record.body ?? Buffer.from(record.kinesis.data, 'base64').toString();
    appendFileSync(new URL('../received.jsonl', import.meta.url), JSON.stringify({ source: record.eventSource, body }) + '\\n');
    if (body.includes('fail')) failures.push({ itemIdentifier: record.messageId ?? record.kinesis.sequenceNumber });
  }
  return { batchItemFailures: failures };
}
`,
  );
  const config = path.join(dir, 'sluice.yaml');
  fs.writeFileSync(config, `functions:\n  jobs:\n    module: ./handlers/jobs.mjs#handler\n    timeout: 1\nsupervisor:\n  shutdownTimeoutMs: 2000\nsandbox:\n${sandbox}`);
  // `sluice dev` runs in a folder of its own: module paths are the file's, not the cwd's.
  const cwd = path.join(dir, 'run');
  fs.mkdirSync(cwd);
  return { dir, cwd, config, received: path.join(dir, 'received.jsonl') };
}

async function startDev(cwd: string, args: string[]): Promise<ManagedProcess> {
  const dev = await spawnManaged('sluice dev', process.execPath, [SLUICE_BIN, 'dev', ...args], { cwd, env });
  onTestFinished(() => dev.stop());
  const stateFile = path.join(cwd, '.sluice', 'dev.json');
  // Its own state file (a killed sandbox's may still be there), or its exit.
  const ownState = () => fs.existsSync(stateFile) && (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { pid: number }).pid === dev.pid;
  await pollUntil(() => dev.exitInfo !== undefined || (ownState() && dev.tail().includes('Sluice sandbox ready')), {
    timeoutMs: 40_000,
    intervalMs: 100,
    description: 'the sandbox state file and view',
  });
  if (dev.exitInfo) throw new Error(`sluice dev exited (${JSON.stringify(dev.exitInfo)}):\n${dev.tail()}`);
  return dev;
}

const childrenRecord = (cwd: string): ChildrenRecord => JSON.parse(fs.readFileSync(path.join(cwd, '.sluice', 'children.json'), 'utf8')) as ChildrenRecord;

describe('sluice dev --config', () => {
  it("runs the user's handler on the declared queue (with its DLQ) and stream; the view shows the DLQ's depth", { timeout: 90_000 }, async () => {
    const { cwd, config, received } = project(`  queues:
    - name: jobs
      visibilityTimeout: 1
      dlq: { name: jobs-dlq, maxReceiveCount: 1 }
    - name: ordered.fifo
  streams: [{ name: clicks, shards: 2 }]
  mappings:
    - { function: jobs, queue: jobs, BatchSize: 1, FunctionResponseTypes: [ReportBatchItemFailures] }
    - { function: jobs, stream: clicks, BatchSize: 10 }
    - { function: jobs, queue: ordered.fifo }
`);
    const port = await getFreePort();
    const dev = await startDev(cwd, ['--config', config, '--port', String(port), '--no-dynamodb']);
    expect(dev.tail()).toContain(`  API       http://127.0.0.1:${port}`);
    expect(dev.tail()).toContain(`  Config    ${config}`);

    const send = (...args: string[]) => run(process.execPath, [SLUICE_BIN, 'send', ...args], { cwd, env });
    // At once: each is a CLI start (about a second alone, far more on a loaded machine).
    const [, , , fifo] = await Promise.all([send('sqs', 'job 1'), send('sqs', 'job 2 will fail'), send('kinesis', 'click 1'), send('sqs', 'in order', '--queue', 'ordered.fifo')]);
    expect(fifo.stdout).toMatch(/^sent message \S+ to http:\/\/\S+\/ordered\.fifo\n$/);
    const bodies = () => (fs.existsSync(received) ? fs.readFileSync(received, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; body: string }) : []);
    await pollUntil(() => bodies().length >= 4, { timeoutMs: 15_000, description: 'four records at the handler' }).catch((error: Error) => {
      throw new Error(`${error.message}\nreceived: ${JSON.stringify(bodies())}\noutput:\n${dev.tail()}`);
    });
    expect(bodies()).toEqual(
      expect.arrayContaining([
        { source: 'aws:sqs', body: 'job 1' },
        { source: 'aws:sqs', body: 'job 2 will fail' },
        { source: 'aws:kinesis', body: 'click 1' },
        { source: 'aws:sqs', body: 'in order' },
      ]),
    );
    // Failed once with maxReceiveCount 1: after its visibility timeout the message is in the DLQ.
    await pollUntil(() => / sqs jobs -> jobs: .* failures=jobs-dlq:1$/m.test(dev.tail()), { timeoutMs: 15_000, description: 'the DLQ depth 1 in the view' }).catch(
      (error: Error) => {
        throw new Error(`${error.message}\noutput:\n${dev.tail()}`);
      },
    );
    expect(dev.tail()).toMatch(/ kinesis clicks -> jobs: state=Enabled polled=1 invoked=1 failed=0 .* failures=-$/m);
    expect(dev.tail()).toMatch(/ rate=0\.\d\/s /);
  });

  it('after kill -9 the orphan guard stops what the sandbox started', { timeout: 60_000 }, async () => {
    const { cwd, config } = project('  queues: [{ name: q }]\n  streams: [{ name: s }]\n  mappings: [{ function: jobs, queue: q }, { function: jobs, stream: s }]\n');
    const dev = await startDev(cwd, ['--config', config, '--no-dynamodb']);
    const children = childrenRecord(cwd).children;
    expect(children.map((c) => c.name).sort()).toEqual(['kinesis-local', 'redis-server']);
    process.kill(dev.pid, 'SIGKILL');
    await pollUntil(() => children.every((c) => !isRunning(c.pid)), { timeoutMs: 10_000, description: `the guard to stop ${JSON.stringify(children)}` });
    await pollUntil(() => !fs.existsSync(path.join(cwd, '.sluice', 'children.json')), { timeoutMs: 5_000, description: 'the children record removed' });

    // --fresh: the kept Redis (its mappings) is dropped, so the mapping is created anew, and the view says so.
    const uuidOf = (tail: string) => /^mapping (\S+) sqs q -> jobs:/m.exec(tail)?.[1];
    expect(uuidOf(dev.tail())).toBeDefined();
    const fresh = await startDev(cwd, ['--config', config, '--no-dynamodb', '--fresh']);
    expect(fresh.tail()).toContain('  Started fresh (--fresh): removed .sluice/data (Redis, kinesis-local and DynamoDB Local data)\n');
    await pollUntil(() => uuidOf(fresh.tail()) !== undefined, { timeoutMs: 10_000, description: 'the mapping in the view' });
    expect(uuidOf(fresh.tail())).not.toBe(uuidOf(dev.tail()));
  });

  it('with the sandbox and its guard killed with kill -9, the next sluice dev stops the orphans (java included) and says so in one line', { timeout: 90_000 }, async () => {
    const java = findExecutable('java') !== undefined;
    const { cwd, config } = project(`  queues: [{ name: q }]\n  streams: [{ name: s }]\n${java ? '  tables: [{ name: tab }]\n' : ''}  mappings: [{ function: jobs, queue: q }, { function: jobs, stream: s }]\n`);

    const killed = await startDev(cwd, ['--config', config]);
    const record = childrenRecord(cwd);
    const orphans = descendantsOf(killed.pid).filter((p) => record.children.some((c) => c.pid === p.pid));
    expect(orphans.map((p) => p.command).sort()).toEqual([...(java ? ['java'] : []), 'node', 'redis-server']);
    process.kill(record.guardPid!, 'SIGKILL');
    process.kill(killed.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(orphans.every((p) => isRunning(p.pid)), 'the children outlive a sandbox killed with its guard').toBe(true);

    // Without DynamoDB Local this time: the clean-up comes first, whatever the new sandbox runs.
    const next = await startDev(cwd, ['--config', config, '--no-dynamodb']);
    // kinesis-local may have ended on its own meanwhile (its output pipe closed with the
    // sandbox): the line names those that were still running, redis-server and java among them.
    const line = next.tail().split('\n')[0]!;
    expect(line).toMatch(new RegExp(`^Stopped what a sandbox killed earlier here \\(pid ${killed.pid}\\) left running: .+\\.$`));
    for (const child of record.children.filter((c) => c.name !== 'kinesis-local')) expect(line).toContain(`${child.name} (pid ${child.pid})`);
    // Without --fresh the kept Redis still holds the mappings: none is created twice.
    const uuids = (tail: string) => [...tail.matchAll(/^mapping (\S+) /gm)].map((m) => m[1]);
    await pollUntil(() => uuids(next.tail()).length > 0, { timeoutMs: 10_000, description: 'mappings in the view' });
    expect(new Set(uuids(next.tail()))).toEqual(new Set(uuids(killed.tail())));
    expect(orphans.filter((p) => isRunning(p.pid))).toEqual([]);

    process.kill(-next.pid, 'SIGINT');
    const exit = await Promise.race([next.exited, new Promise((resolve) => setTimeout(resolve, 20_000, 'still running'))]);
    expect(exit, next.tail()).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(cwd, '.sluice', 'children.json'))).toBe(false);
  });

  it('says in one line, before starting anything, what is wrong: a busy --port, an unknown function, an invalid sandbox: section', { timeout: 60_000 }, async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    onTestFinished(() => void busy.close());
    await new Promise((resolve) => busy.once('listening', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const good = project('  queues: [{ name: q }]\n  mappings: [{ function: jobs, queue: q }]\n');
    const unknown = project('  queues: [{ name: q }]\n  mappings: [{ function: nope, queue: q }]\n');
    const invalid = project('  queues: [{ name: q }]\n  mappings: [{ function: jobs, queue: other }]\n');
    const dev = (cwd: string, ...args: string[]) =>
      run(process.execPath, [SLUICE_BIN, 'dev', ...args], { cwd, env }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const [busyPort, unknownFunction, invalidSection] = await Promise.all([
      dev(good.cwd, '--config', good.config, '--port', String(port)),
      dev(unknown.cwd, '--config', unknown.config),
      dev(invalid.cwd, '--config', invalid.config),
    ]);
    expect(busyPort).toMatchObject({ code: 1, stderr: `sluice dev: --port ${port}: the port is in use\n` });
    expect(unknownFunction).toMatchObject({ code: 1, stderr: `sluice dev: ${unknown.config}: sandbox.mappings[0].function: no function nope in functions: (it has jobs)\n` });
    expect(invalidSection).toMatchObject({ code: 2, stderr: `sluice dev: Invalid configuration in ${invalid.config}: sandbox.mappings.0.queue: no queue named other in sandbox.queues\n` });
    // Nothing was started, so nothing is left to clean up.
    for (const { cwd } of [good, unknown, invalid]) expect(fs.existsSync(path.join(cwd, '.sluice', 'children.json'))).toBe(false);
  });

  it('--redis-url uses that Redis and starts none; --fresh deletes only Sluice\'s keys there', { timeout: 60_000 }, async () => {
    const own = await startEmulators({ redis: true }, { region: 'us-east-1', accountId: '000000000000' });
    onTestFinished(() => own.stop());
    const redis = new Redis(own.redis!.url);
    onTestFinished(() => void redis.quit());
    await redis.set('sluice:left-by-an-earlier-sandbox', '1');
    await redis.set('someone-else:key', 'kept');

    const { cwd, config } = project('  queues: [{ name: q }]\n  mappings: [{ function: jobs, queue: q }]\n');
    const dev = await startDev(cwd, ['--config', config, '--redis-url', own.redis!.url, '--fresh']);
    expect(dev.tail()).toContain(`  Redis     ${own.redis!.url}\n`);
    expect(dev.tail()).toMatch(new RegExp(`^  Started fresh \\(--fresh\\): deleted 1 keys sluice:\\* in ${own.redis!.url.replaceAll('.', '\\.')}$`, 'm'));
    expect(childrenRecord(cwd).children.map((c) => c.name)).toEqual([]);
    expect(await redis.get('someone-else:key')).toBe('kept');
    expect(await redis.exists('sluice:left-by-an-earlier-sandbox')).toBe(0);
    // The sandbox's mapping is in that Redis.
    expect((await redis.keys('sluice:*')).length).toBeGreaterThan(0);
  });
});
