/**
 * The module target as shipped: compiled to dist/ (`npm test` builds first), where the
 * worker entry is dist/targets/module-worker.js and no TypeScript loader is involved.
 * Skipped when there is no build (e.g. a bare `npx vitest run` on a fresh checkout).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HANDLERS_DIR } from './helpers.js';

const distIndex = fileURLToPath(new URL('../../../dist/targets/index.js', import.meta.url));

const logger = distIndex.replace('targets/index.js', 'observability/logger.js');
// Run with `node --input-type=module -e`: also proves that flag (inherited by workers by
// default) does not break them.
const script = `
const { ModuleTarget } = await import(${JSON.stringify(distIndex)});
const { createLogger } = await import(${JSON.stringify(logger)});
const deps = { baseDir: ${JSON.stringify(HANDLERS_DIR)}, logger: createLogger({ level: 'silent' }) };
const context = { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', functionName: 'f', timeoutMs: 2000 };
const echo = new ModuleTarget('./handlers.mjs#echo', deps);
const spins = new ModuleTarget('./handlers.mjs#spins', deps);
const ok = await echo.invoke('{"n":1}', context);
const hung = await spins.invoke('{}', { ...context, timeoutMs: 200 });
console.log(JSON.stringify({ ok: ok.kind, event: ok.response?.event, hung: hung.kind, type: hung.errorType }));
// No close(): idle workers must not keep the process alive.
`;

describe.skipIf(!existsSync(distIndex))('module target from the compiled build', () => {
  it('runs handlers in dist/targets/module-worker.js and exits cleanly', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ ok: 'success', event: { n: 1 }, hung: 'function-error', type: 'Sandbox.Timedout' });
  });
});
