/**
 * ModuleTarget.reload() (`sluice dev --watch`) with real worker threads and a handler file
 * the test rewrites: a running invocation finishes on the old code, the next ones (also
 * those that were waiting for a worker) run the new code, nothing runs twice; a file that
 * no longer parses is reported and fails invocations until a fix is reloaded.
 *
 * The handler notes each invocation in a file (version and id) and, when asked, holds
 * until a gate file exists, so "while a batch runs" is a state, not a sleep.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ModuleTarget, type InvocationOutcome, type ModuleTargetOptions } from '../../../src/targets/index.js';
import { FunctionTargets } from '../../../src/pipeline/function-targets.js';
import { FunctionRegistry } from '../../../src/functions/index.js';
import type { AwsClients } from '../../../src/aws/clients.js';
import type { FunctionConfig } from '../../../src/config/index.js';
import { capturingLogger, expectKind, invocationContext } from './helpers.js';

function handlerSource(version: number): string {
  return `
import fs from 'node:fs';
export async function handler(event) {
  fs.appendFileSync(event.log, 'v${version} ' + event.id + '\\n');
  while (event.gate && !fs.existsSync(event.gate)) await new Promise((resolve) => setTimeout(resolve, 5));
  return { version: ${version}, id: event.id };
}
`;
}

function setUp(options: ModuleTargetOptions = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-reload-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'handler.mjs');
  fs.writeFileSync(file, handlerSource(1));
  const log = capturingLogger();
  const target = new ModuleTarget('./handler.mjs#handler', { baseDir: dir, logger: log.logger, options });
  onTestFinished(() => target.close());
  const logFile = path.join(dir, 'invocations.log');
  const invoke = (id: string, gate?: string): Promise<InvocationOutcome> =>
    target.invoke(JSON.stringify({ id, log: logFile, ...(gate ? { gate: path.join(dir, gate) } : {}) }), invocationContext());
  const invocations = (): string[] => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n') : []);
  const open = (gate: string) => fs.writeFileSync(path.join(dir, gate), '');
  return { dir, file, target, invoke, invocations, open, log };
}

const responseOf = (outcome: InvocationOutcome) => expectKind(outcome, 'success').response;
const reload = (target: ModuleTarget) => target.reload({ reason: 'handler.mjs changed', functionName: 'orders' });

describe('ModuleTarget.reload', () => {
  it('a running invocation finishes on the old code; the next one runs the new code; none runs twice', async () => {
    const { file, target, invoke, invocations, open, log } = setUp();
    expect(responseOf(await invoke('a'))).toEqual({ version: 1, id: 'a' });

    const running = invoke('b', 'gate-b');
    await expect.poll(invocations, { timeout: 15_000 }).toEqual(['v1 a', 'v1 b']); // b runs, held by its gate
    fs.writeFileSync(file, handlerSource(2));
    expect(await reload(target)).toEqual({ ok: true });
    expect(target.workers).toEqual({ alive: 1, idle: 1 }); // a new warm worker...
    expect(target.retiringWorkers).toBe(1); // ...and b's, still busy

    let settled = false;
    void running.then(() => (settled = true));
    expect(responseOf(await invoke('c'))).toEqual({ version: 2, id: 'c' });
    expect(settled).toBe(false); // the reload did not cut b short
    open('gate-b');
    expect(responseOf(await running)).toEqual({ version: 1, id: 'b' });
    expect(target.retiringWorkers).toBe(0); // the old worker stopped once given back

    expect(invocations()).toEqual(['v1 a', 'v1 b', 'v2 c']);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'module target reloaded', reason: 'handler.mjs changed', module: './handler.mjs#handler' }));
  });

  it('an invocation waiting for a worker at the cap runs on the new code once reloaded', async () => {
    const { file, target, invoke, invocations, open } = setUp({ maxWorkers: 1 });
    const running = invoke('a', 'gate-a');
    await expect.poll(invocations, { timeout: 15_000 }).toEqual(['v1 a']);
    const waiting = invoke('b'); // no free worker: it waits
    fs.writeFileSync(file, handlerSource(2));
    expect(await reload(target)).toEqual({ ok: true });
    expect(responseOf(await waiting)).toEqual({ version: 2, id: 'b' });
    open('gate-a');
    expect(responseOf(await running)).toEqual({ version: 1, id: 'a' });
    expect(invocations()).toEqual(['v1 a', 'v2 b']);
  });

  it('a syntax error is reported by reload and fails invocations (load-failed) until a fix is reloaded', async () => {
    const { file, target, invoke, invocations, log } = setUp();
    expect(responseOf(await invoke('a'))).toEqual({ version: 1, id: 'a' });

    fs.writeFileSync(file, 'export async function handler(event) {\n  return {\n');
    const broken = await reload(target);
    expect(broken).toMatchObject({ ok: false, errorCode: 'Runtime.UserCodeSyntaxError' });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 50, errorCode: 'Runtime.UserCodeSyntaxError', msg: expect.stringContaining('does not load') as unknown }),
    );
    // The warm worker of the old code is gone: the invocation does not quietly run version 1.
    const failed = expectKind(await invoke('b'), 'invocation-error');
    expect(failed).toMatchObject({ reason: 'load-failed', errorCode: 'Runtime.UserCodeSyntaxError' });

    fs.writeFileSync(file, handlerSource(3));
    expect(await reload(target)).toEqual({ ok: true });
    expect(responseOf(await invoke('c'))).toEqual({ version: 3, id: 'c' });
    expect(invocations()).toEqual(['v1 a', 'v3 c']);
  });

  it('close() during a reload stops the old workers still busy: their invocation ends as closed', async () => {
    const { file, target, invoke, invocations } = setUp();
    const running = invoke('a', 'gate-a');
    await expect.poll(invocations, { timeout: 15_000 }).toEqual(['v1 a']);
    fs.writeFileSync(file, handlerSource(2));
    await reload(target);
    await target.close();
    expect(expectKind(await running, 'invocation-error')).toMatchObject({ errorCode: 'TargetClosed' });
    expect(target.workers).toEqual({ alive: 0, idle: 0 });
    expect(target.retiringWorkers).toBe(0);
    expect(await reload(target)).toMatchObject({ ok: false, errorCode: 'TargetClosed' });
  });
});

describe('FunctionTargets.reloadModule', () => {
  it('reloads a module function by name (its target created if unused); other functions are not reloadable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-reload-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'handler.mjs'), 'export const handler = () => {\n');
    const functions = {
      orders: { module: './handler.mjs#handler', timeout: 3 },
      noop: { builtin: 'noop', timeout: 3 },
    } as unknown as Record<string, FunctionConfig>;
    const targets = new FunctionTargets(new FunctionRegistry({ region: 'us-east-1', accountId: '000000000000' }, functions), {
      baseDir: dir,
      clients: {} as AwsClients, // module and builtin targets take no SDK client
      logger: capturingLogger().logger,
    });
    onTestFinished(() => targets.close());
    expect(await targets.reloadModule('orders', 'test')).toMatchObject({ ok: false, errorCode: 'Runtime.UserCodeSyntaxError' });
    fs.writeFileSync(path.join(dir, 'handler.mjs'), 'export const handler = async () => "fixed";\n');
    expect(await targets.reloadModule('orders', 'test')).toEqual({ ok: true });
    const resolved = targets.resolve('arn:aws:lambda:us-east-1:000000000000:function:orders');
    expect(responseOf(await resolved!.target.invoke('{}', resolved!.context))).toBe('fixed');
    expect(await targets.reloadModule('noop', 'test')).toBeUndefined();
    expect(await targets.reloadModule('missing', 'test')).toBeUndefined();
  });
});
