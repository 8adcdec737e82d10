/**
 * `sluice loadtest` as users run it (bin/sluice.js on the built dist/), against a test
 * Sluice with builtin functions and the emulators: the report folder, the table, the exit
 * codes of a clean run, a threshold breach, a refused mapping and an unreachable Sluice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEndpoints, TEST_CREDENTIALS } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { SLUICE_BIN } from '../support/sluice-process.js';
import type { Report } from '../../src/loadtest/report/index.js';
import { writeStateFile } from '../../src/dev/state-file.js';

let sluice: TestSluice;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-loadtest-cli-'));

beforeAll(async () => {
  sluice = await startTestSluice({ functions: { noop: { builtin: 'noop' } } });
});

afterAll(async () => {
  await sluice?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Spawned, not spawnSync: the test Sluice answering the child runs in this process. */
function loadtest(
  args: string[],
  { cwd = dir, sandbox = false, onStdout }: { cwd?: string; sandbox?: boolean; onStdout?: (soFar: string, child: ChildProcess) => void } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e = getEndpoints();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^AWS_(ENDPOINT_URL|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|REGION)/.test(name)) delete env[name];
  if (!sandbox) {
    Object.assign(env, {
      AWS_ENDPOINT_URL_SQS: e.sqs,
      AWS_ENDPOINT_URL_KINESIS: e.kinesis,
      AWS_REGION: e.region,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLUICE_BIN, 'loadtest', ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const report = (out: string) => JSON.parse(readFileSync(path.join(dir, out, 'report.json'), 'utf8')) as Report;

describe('sluice loadtest (e2e)', () => {
  it('sqs, noop: every record invoked, the table and the report folder, exit 0', { timeout: 120_000 }, async () => {
    const result = await loadtest(['--source', 'sqs', '--count', '60', '--rate', '30', '--batch-size', '10', '--endpoint-url', sluice.url, '--out', 'sqs-run', '--grace', '20s']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { summary, settings } = report('sqs-run');
    expect(summary).toMatchObject({ sent: 60, invoked: 60, missing: 0, failed: 0 });
    expect(settings).toMatchObject({ source: 'sqs', functionName: 'builtin-noop', count: 60, rate: 30 });
    expect(result.stdout).toMatch(/^sluice loadtest: sqs → builtin-noop, 60 records over 0:02\n/);
    // Not a TTY: plain progress lines.
    expect(result.stdout).toMatch(/\n\[0:0\d\/0:02\] {2}(sending|draining)/);
    expect(result.stdout).toMatch(/\nSent +60 +records\n/);
    expect(result.stdout).toContain(`report: ${path.join(dir, 'sqs-run', 'report.html')}`);
  });

  it('kinesis, a threshold breached: exit 1 with one line, the report written', { timeout: 120_000 }, async () => {
    const result = await loadtest(['--source', 'kinesis', '--rate', '20', '--duration', '2s', '--endpoint-url', sluice.url, '--out', 'kinesis-run', '--max-p99-ms', '0', '--grace', '30s']);
    const { summary } = report('kinesis-run');
    expect(summary).toMatchObject({ sent: 40, invoked: 40, missing: 0 });
    expect(result.stderr).toBe(`sluice loadtest: threshold breached: p99 latency ${summary.latency_ms.p99} ms > max 0 ms\n`);
    expect(result.code).toBe(1);
  });

  it('the sandbox found through its state file: endpoints, region and credentials from it', { timeout: 120_000 }, async () => {
    const e = getEndpoints();
    const project = path.join(dir, 'project');
    // This test process stands for `sluice dev`: the state file names a live pid.
    writeStateFile(project, {
      pid: process.pid,
      apiUrl: sluice.url,
      region: e.region,
      endpoints: { sqs: e.sqs, kinesis: e.kinesis, dynamodb: e.dynamodb },
      emulated: ['sqs', 'kinesis', 'dynamodb'],
      resources: {},
    });
    const below = path.join(project, 'services', 'orders');
    mkdirSync(below, { recursive: true });
    const result = await loadtest(['--source', 'dynamodb', '--count', '20', '--rate', '20', '--out', 'ddb-run', '--grace', '30s'], { cwd: below, sandbox: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Sluice ${sluice.url} (sandbox), dynamodb ${e.dynamodb}, a new table (removed at the end)`);
    const summary = (JSON.parse(readFileSync(path.join(below, 'ddb-run', 'report.json'), 'utf8')) as Report).summary;
    expect(summary).toMatchObject({ sent: 20, invoked: 20, missing: 0 });
  });

  it('--compare of the two runs above: side by side, exit 0', { timeout: 60_000 }, async () => {
    const result = await loadtest(['--compare', 'sqs-run', 'kinesis-run']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nsource +sqs +kinesis\n/);
    expect(result.stdout).toMatch(/\nSent \(records\) +60 +40 +-20 +-33\.3%\n/);
  });

  it('Ctrl-C while sending: the run stops, the report of what it did is written, exit 130', { timeout: 120_000 }, async () => {
    let interrupted = false;
    const result = await loadtest(['--source', 'sqs', '--count', '2000', '--rate', '50', '--endpoint-url', sluice.url, '--out', 'cut-run'], {
      onStdout: (soFar, child) => {
        // Once the first progress line says records went out.
        if (!interrupted && /\n\[0:\d\d\/0:40\] {2}sending {2}sent [1-9]/.test(soFar)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('stopping: removing what the run created (Ctrl-C again to quit at once, leaving it)');
    expect(result.stderr).toMatch(/sluice loadtest: interrupted: the report covers the run until Ctrl-C; thresholds not checked\n$/);
    const { summary } = report('cut-run');
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.sent).toBeLessThan(2000);
  });

  it("a function Sluice does not know: the API's refusal in one line, exit 2", { timeout: 60_000 }, async () => {
    const result = await loadtest(['--source', 'sqs', '--count', '5', '--rate', '5', '--function', 'no-such-function', '--endpoint-url', sluice.url, '--out', 'refused']);
    expect(result.code).toBe(2);
    // Lambda's own words for an unknown function, as Sluice answers CreateEventSourceMapping.
    expect(result.stderr).toBe('sluice loadtest: InvalidParameterValueException: Function does not exist\n');
  });

  it('no Sluice at the endpoint: exit 2 with one line', { timeout: 60_000 }, async () => {
    const result = await loadtest(['--source', 'sqs', '--count', '5', '--rate', '5', '--endpoint-url', 'http://127.0.0.1:1', '--out', 'unreachable']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sluice loadtest: cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\)[^\n]*\n$/);
  });
});
