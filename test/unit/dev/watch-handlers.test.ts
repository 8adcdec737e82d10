/**
 * The `--watch` file watcher on a real folder (fs.watch, real timers) with a recording
 * reload: which changes reload which function, debouncing, the live-view lines, a failed
 * load, changes during a reload. ModuleTarget.reload itself: test/integration/targets.
 *
 * A change that must NOT reload is checked against a sentinel: after it, a change in
 * another function's folder is made, and once that one has reloaded (events arrive in
 * order, from one inotify queue) and a debounce has passed, the first must not have.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FunctionConfig } from '../../../src/config/index.js';
import type { ReloadResult } from '../../../src/targets/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import { watchModuleHandlers } from '../../../src/dev/watch-handlers.js';
import { watchTree } from '../../../src/dev/watch-tree.js';

const DEBOUNCE_MS = 50;
const POLL = { timeout: 5_000, interval: 10 };

function setUp(results: (name: string) => ReloadResult | Promise<ReloadResult> = () => ({ ok: true })) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-watch-')));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const dir of ['orders', 'orders/lib', 'orders/node_modules/dep', 'orders/.cache', 'payments']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.writeFileSync(path.join(root, 'orders/handler.mjs'), 'export const handler = () => 1;\n');
  fs.writeFileSync(path.join(root, 'payments/handler.mjs'), 'export const handler = () => 1;\n');
  fs.writeFileSync(path.join(root, 'orders/refunds.mjs'), 'export const handler = () => 1;\n');
  const functions = {
    orders: { module: './orders/handler.mjs#handler' },
    'orders-audit': { module: './orders/handler.mjs#audit' },
    refunds: { module: './orders/refunds.mjs#handler' },
    payments: { module: 'payments/handler.mjs#handler' },
    echo: { builtin: 'echo' },
  } as unknown as Record<string, FunctionConfig>;
  const reloads: Array<{ name: string; reason: string }> = [];
  const lines: string[] = [];
  const stop = watchModuleHandlers({
    config: { functions, baseDir: root },
    reload: async (name, reason) => {
      reloads.push({ name, reason });
      return results(name);
    },
    view: { message: (line) => lines.push(line) },
    logger: createLogger({ level: 'silent' }),
    cwd: root,
    debounceMs: DEBOUNCE_MS,
  });
  onTestFinished(stop);
  const write = (file: string, text = `// ${Math.random()}\n`) => fs.writeFileSync(path.join(root, file), text);
  /** After the changes made so far, a payments reload; resolves once it happened and a debounce passed. */
  const sentinel = async () => {
    const before = reloads.filter((r) => r.name === 'payments').length;
    write('payments/handler.mjs');
    await expect.poll(() => reloads.filter((r) => r.name === 'payments').length, POLL).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 3));
  };
  return { root, reloads, lines, write, sentinel, stop };
}

const names = (reloads: Array<{ name: string }>) => reloads.map((r) => r.name);

describe('watchModuleHandlers', () => {
  it('says what it watches: the handler folders of the module functions', () => {
    const { lines } = setUp();
    expect(lines).toEqual(['Watching orders, payments: module handlers reload when their files change.']);
  });

  it('a changed handler file reloads its function, once for a burst of writes, with one live-view line', async () => {
    const { reloads, lines, write } = setUp();
    write('orders/handler.mjs');
    write('orders/handler.mjs');
    write('orders/handler.mjs');
    await expect.poll(() => names(reloads).sort(), POLL).toEqual(['orders', 'orders-audit']);
    await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 3));
    expect(reloads).toHaveLength(2); // not refunds: another handler of the folder, which it does not import
    expect(reloads.map((r) => r.reason)).toEqual(['orders/handler.mjs changed', 'orders/handler.mjs changed']);
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^reloaded orders \(orders\/handler\.mjs\) at \d\d:\d\d:\d\d$/),
      expect.stringMatching(/^reloaded orders-audit \(orders\/handler\.mjs\) at \d\d:\d\d:\d\d$/),
    ]);
  });

  it('a file the handler may import, in its folder or a sub-folder (also a new one), reloads it', async () => {
    const { reloads, write, root } = setUp();
    write('orders/lib/prices.mjs');
    await expect.poll(() => names(reloads).sort(), POLL).toEqual(['orders', 'orders-audit', 'refunds']);
    expect(new Set(reloads.map((r) => r.reason))).toEqual(new Set(['orders/lib/prices.mjs changed']));
    fs.mkdirSync(path.join(root, 'orders/lib/new'));
    write('orders/lib/new/tax.json', '{}');
    await expect.poll(() => reloads.length, POLL).toBe(6);
    expect(new Set(reloads.slice(3).map((r) => r.reason))).toEqual(new Set(['orders/lib/new/tax.json changed']));
  });

  it('node_modules, hidden folders and editor files do not reload', async () => {
    const { reloads, write, sentinel } = setUp();
    write('orders/node_modules/dep/index.js');
    write('orders/.cache/x.js');
    write('orders/handler.mjs.swp');
    write('orders/handler.mjs~');
    write('orders/4913');
    await sentinel();
    expect(names(reloads)).toEqual(['payments']);
  });

  it('a handler that no longer loads: one line with the cause; the fix: reloaded again', async () => {
    let broken = true;
    const { reloads, lines, write } = setUp((name) =>
      broken && name === 'orders' ? { ok: false, errorCode: 'Runtime.UserCodeSyntaxError', errorMessage: './handler.mjs#handler: SyntaxError: Unexpected end\nof input' } : { ok: true },
    );
    write('orders/handler.mjs', 'export const handler = () => {\n');
    await expect.poll(() => reloads.length, POLL).toBe(2);
    await expect.poll(() => lines.find((line) => line.startsWith('reload of orders ')), POLL).toMatch(
      /^reload of orders \(orders\/handler\.mjs\) at \d\d:\d\d:\d\d: the handler does not load: Runtime\.UserCodeSyntaxError: \.\/handler\.mjs#handler: SyntaxError: Unexpected end of input \(its batches fail and are retried until the file is fixed\)$/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^reloaded orders-audit /));
    broken = false;
    write('orders/handler.mjs');
    await expect.poll(() => lines, POLL).toContainEqual(expect.stringMatching(/^reloaded orders /));
  });

  it('a change during a reload reloads once more after it, never two at once', async () => {
    let release!: () => void;
    let running = 0;
    let most = 0;
    const { reloads, write } = setUp(async () => {
      running++;
      most = Math.max(most, running);
      if (reloads.length === 1) await new Promise<void>((resolve) => (release = resolve));
      running--;
      return { ok: true };
    });
    write('orders/refunds.mjs');
    await expect.poll(() => reloads.length, POLL).toBe(1);
    write('orders/refunds.mjs', '// again\n');
    write('orders/refunds.mjs', '// and again\n');
    await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 3));
    expect(reloads).toHaveLength(1); // still waiting for the first
    release();
    await expect.poll(() => reloads.length, POLL).toBe(2);
    expect(names(reloads)).toEqual(['refunds', 'refunds']);
    expect(most).toBe(1);
  });

  it('after stop, changes reload nothing', async () => {
    const { reloads, write, stop } = setUp();
    stop();
    write('orders/handler.mjs');
    await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
    expect(reloads).toEqual([]);
  });
});

describe('watchTree', () => {
  it('watches one folder each, not node_modules or hidden ones, and follows new and removed folders', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tree-')));
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
    for (const dir of ['a/b', 'node_modules/x/y', '.git/objects']) fs.mkdirSync(path.join(root, dir), { recursive: true });
    const changed: string[] = [];
    const tree = watchTree(root, { onChange: (file) => changed.push(file), onError: (folder, error) => changed.push(`error ${folder} ${error.message}`) });
    onTestFinished(() => tree.close());
    expect([...tree.folders].sort()).toEqual([root, path.join(root, 'a'), path.join(root, 'a/b')]);
    fs.mkdirSync(path.join(root, 'a/node_modules'));
    fs.mkdirSync(path.join(root, 'a/.hidden'));
    fs.mkdirSync(path.join(root, 'c'));
    await expect.poll(() => tree.folders, POLL).toContain(path.join(root, 'c'));
    expect(tree.folders).not.toContain(path.join(root, 'a/node_modules'));
    expect(tree.folders).not.toContain(path.join(root, 'a/.hidden'));
    fs.rmSync(path.join(root, 'a'), { recursive: true });
    await expect.poll(() => [...tree.folders].sort(), POLL).toEqual([root, path.join(root, 'c')]);
    expect(changed.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
