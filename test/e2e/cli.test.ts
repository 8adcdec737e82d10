/** The `sluice` command itself, run as users run it (bin/sluice.js on the built dist/). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLUICE_BIN } from '../support/sluice-process.js';

const packageVersion = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

describe('sluice --version', () => {
  // Loading the CLI takes seconds on a busy machine: a generous bound.
  it("prints package.json's version and exits 0", { timeout: 60_000 }, () => {
    const result = spawnSync(process.execPath, [SLUICE_BIN, '--version'], { encoding: 'utf8', timeout: 50_000 });
    expect(result.stdout).toBe(`${packageVersion}\n`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
