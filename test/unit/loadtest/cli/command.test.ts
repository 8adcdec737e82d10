/**
 * `sluice loadtest` end to end with the run faked: the fake hands back a RunData built here
 * (test/support/loadtest-run.ts), and the test checks the exit code, the files written and
 * the lines printed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EXIT, oneLine, runLoadtestCommand, type LoadtestDeps, type RunLoadtest } from '../../../../src/loadtest/cli/command.js';
import { SAME_SIGNAL_MS, createInterruptHandler } from '../../../../src/loadtest/cli/from-cli.js';
import type { LoadtestCliOptions } from '../../../../src/loadtest/cli/options.js';
import type { Endpoints, ProgressSnapshot, SluiceClient } from '../../../../src/loadtest/plan.js';
import type { RunData } from '../../../../src/loadtest/run-data.js';
import { summarize, writeReport } from '../../../../src/loadtest/report/index.js';
import { syntheticRun } from '../../../support/loadtest-run.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'sluice-loadtest-command-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

const client: SluiceClient = { readTrace: async () => ({ entries: [], cursor: undefined }), readMetrics: async () => '' };

const progress = (patch: Partial<ProgressSnapshot>): ProgressSnapshot => ({
  elapsedMs: 0,
  plannedMs: 2000,
  stage: 'sending',
  sent: 0,
  planned: 100,
  invoked: 0,
  failed: 0,
  sendRate: 0,
  invokeRate: 0,
  behind: false,
  ...patch,
});

interface Harness {
  deps: LoadtestDeps;
  stdout: () => string;
  stderr: () => string;
  cwd: string;
  controller: AbortController;
  clientFor: Endpoints[];
}

function harness(runLoadtest: RunLoadtest, { isTTY = false } = {}): Harness {
  const cwd = path.join(root, `run-${++runs}`);
  mkdirSync(cwd);
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const clientFor: Endpoints[] = [];
  let clock = Date.UTC(2026, 11, 6, 21, 0, 0);
  return {
    deps: {
      runLoadtest,
      createSluiceClient: (endpoints) => {
        clientFor.push(endpoints);
        return client;
      },
      stdout: { write: (text: string) => out.push(text), columns: 120 },
      stderr: { write: (text: string) => err.push(text) },
      isTTY,
      env: { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001', AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4567' },
      cwd,
      // Each read a second later: the plain view writes on the clock, not on wall time.
      now: () => (clock += 1000),
      signal: controller.signal,
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    cwd,
    controller,
    clientFor,
  };
}

/** A fake run: a few progress snapshots, then the given data. */
const fakeRun =
  (data: RunData, snapshots = 3): RunLoadtest =>
  async (_plan, { onProgress }) => {
    for (let i = 1; i <= snapshots; i++) onProgress(progress({ elapsedMs: i * 500, sent: i * 30, invoked: i * 25 }));
    return data;
  };

const base: LoadtestCliOptions = { source: 'kinesis', rate: '100', duration: '2s' };
const clean = syntheticRun({ missRatio: 0, seconds: 3, ratePerS: 50 });

describe('runLoadtestCommand: a run', () => {
  it('passes the plan and a client for its endpoints; prints progress, the table, the report path; exit 0', async () => {
    const run = vi.fn(fakeRun(clean));
    const h = harness(run);
    const code = await runLoadtestCommand({ ...base, out: 'results', batchSize: '25' }, h.deps);
    expect(h.stderr()).toBe('');
    expect(code).toBe(EXIT.ok);

    const [plan, options] = run.mock.calls[0]!;
    expect(plan.source).toBe('kinesis');
    expect(plan.mapping).toEqual({ BatchSize: 25 });
    expect(plan.endpoints).toEqual({ region: 'us-east-1', lambda: 'http://127.0.0.1:9001', kinesis: 'http://127.0.0.1:4567' });
    expect(h.clientFor).toEqual([plan.endpoints]);
    expect(options.client).toBe(client);
    expect(options.signal).toBe(h.controller.signal);

    const dir = path.join(h.cwd, 'results');
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReturnType<typeof summarize>;
    expect(report).toEqual(JSON.parse(JSON.stringify(summarize(clean))));
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);

    const out = h.stdout();
    expect(out).toMatch(/^sluice loadtest: kinesis → builtin-noop, 200 records over 0:02\n/);
    expect(out).toContain('Sluice http://127.0.0.1:9001 (AWS_ENDPOINT_URL_LAMBDA), kinesis http://127.0.0.1:4567, a new stream (removed at the end)');
    // Not a TTY: plain lines (no escape codes), the first at once.
    expect(out).toContain('[0:00/0:02]  sending  sent 30/100');
    expect(out).not.toContain('\u001b[');
    expect(out).toMatch(new RegExp(`\\nSent +${report.summary.sent.toLocaleString('en-US')} +records\\n`));
    expect(out).toContain(`report: ${path.join(dir, 'report.html')}\n`);
    expect(out).toContain(path.join(dir, 'report.json'));
  });

  it("the run's warnings are shown and the run goes on", async () => {
    const h = harness(async (_plan, { onWarning, onProgress }) => {
      onProgress(progress({}));
      onWarning('trace read failed: socket hang up');
      return clean;
    });
    expect(await runLoadtestCommand({ ...base, out: 'w' }, h.deps)).toBe(EXIT.ok);
    expect(h.stdout()).toContain('\nwarning: trace read failed: socket hang up\n');
  });

  it('records the producer could not send are said on stderr; the exit code is the thresholds\'', async () => {
    const h = harness(async () => ({ ...clean, producerStats: { failed: 12, errors: ['ProvisionedThroughputExceededException: Rate exceeded', 'x'] } }));
    expect(await runLoadtestCommand({ ...base, out: 'unsent' }, h.deps)).toBe(EXIT.ok);
    expect(h.stderr()).toBe('sluice loadtest: warning: 12 records could not be sent (ProvisionedThroughputExceededException: Rate exceeded); the report shows them as not sent\n');
    const none = harness(async () => ({ ...clean, producerStats: { failed: 0, errors: [] } }));
    expect(await runLoadtestCommand({ ...base, out: 'sent' }, none.deps)).toBe(EXIT.ok);
    expect(none.stderr()).toBe('');
  });

  it('on a TTY the block is redrawn in place', async () => {
    const h = harness(fakeRun(clean), { isTTY: true });
    expect(await runLoadtestCommand({ ...base, out: 'r' }, h.deps)).toBe(EXIT.ok);
    expect(h.stdout()).toContain('\u001b[5A\r');
  });

  it('the default folder is loadtest-<UTC time> in the current directory', async () => {
    const h = harness(fakeRun(clean));
    expect(await runLoadtestCommand(base, h.deps)).toBe(EXIT.ok);
    expect(existsSync(path.join(h.cwd, 'loadtest-20261206-210001', 'report.json'))).toBe(true);
  });
});

describe('runLoadtestCommand: thresholds', () => {
  const lossy = syntheticRun({ missRatio: 0.02, seconds: 3, ratePerS: 50 });
  const missing = summarize(lossy).summary.missing;

  it('missing records breach the default --max-missing 0: exit 1 with one line, the report still written', async () => {
    expect(missing).toBeGreaterThan(0);
    const h = harness(fakeRun(lossy));
    expect(await runLoadtestCommand({ ...base, out: 'r' }, h.deps)).toBe(EXIT.thresholdBreached);
    expect(h.stderr()).toBe(`sluice loadtest: threshold breached: missing ${missing} > max 0\n`);
    expect(existsSync(path.join(h.cwd, 'r', 'report.json'))).toBe(true);
  });

  it('--max-missing allows them; --max-p99-ms and --min-throughput are checked', async () => {
    const allowed = harness(fakeRun(lossy));
    expect(await runLoadtestCommand({ ...base, maxMissing: String(missing) }, allowed.deps)).toBe(EXIT.ok);

    const { summary } = summarize(clean);
    const p99 = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ ...base, maxP99Ms: String(summary.latency_ms.p99! - 1) }, p99.deps)).toBe(EXIT.thresholdBreached);
    expect(p99.stderr()).toBe(`sluice loadtest: threshold breached: p99 latency ${summary.latency_ms.p99} ms > max ${summary.latency_ms.p99! - 1} ms\n`);
    const held = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ ...base, maxP99Ms: String(summary.latency_ms.p99), minThroughput: String(summary.throughput_per_s) }, held.deps)).toBe(EXIT.ok);
    const slow = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ ...base, minThroughput: String(summary.throughput_per_s + 1) }, slow.deps)).toBe(EXIT.thresholdBreached);
    expect(slow.stderr()).toMatch(/^sluice loadtest: threshold breached: throughput [\d.]+\/s < min [\d.]+\/s\n$/);
  });
});

describe('runLoadtestCommand: what stops a run', () => {
  it('a wrong option: exit 2, one line, nothing run', async () => {
    const run = vi.fn(fakeRun(clean));
    const h = harness(run);
    expect(await runLoadtestCommand({ source: 'kinesis', rate: '100' }, h.deps)).toBe(EXIT.cannotRun);
    expect(h.stderr()).toMatch(/^sluice loadtest: a load test is bounded: [^\n]+\n$/);
    expect(run).not.toHaveBeenCalled();
    expect(h.stdout()).toBe('');
  });

  it('no endpoint anywhere: exit 2 with how to give one', async () => {
    const h = harness(fakeRun(clean));
    expect(await runLoadtestCommand(base, { ...h.deps, env: {} })).toBe(EXIT.cannotRun);
    expect(h.stderr()).toMatch(/^sluice loadtest: no Sluice endpoint: give --endpoint-url URL, set AWS_ENDPOINT_URL_LAMBDA, or start a sandbox/);
  });

  it("the API refuses the mapping: Lambda's error type and message, exit 2", async () => {
    const refusal = Object.assign(new Error('Unsupported MaximumRetryAttempts: 20000\nmore detail'), {
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
    const h = harness(async () => Promise.reject(refusal));
    expect(await runLoadtestCommand(base, h.deps)).toBe(EXIT.cannotRun);
    expect(h.stderr()).toBe('sluice loadtest: InvalidParameterValueException: Unsupported MaximumRetryAttempts: 20000\n');
  });

  it('an unreachable endpoint: the address, exit 2', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9001'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9001 });
    const h = harness(async () => Promise.reject(new Error('fetch failed', { cause })));
    expect(await runLoadtestCommand(base, h.deps)).toBe(EXIT.cannotRun);
    expect(h.stderr()).toBe('sluice loadtest: cannot reach 127.0.0.1:9001 (ECONNREFUSED): fetch failed\n');
  });

  it('oneLine keeps the stack of a programming error only', () => {
    expect(oneLine(new TypeError('x is undefined'))).toMatch(/^unexpected error: TypeError: x is undefined\n\s+at /);
    expect(oneLine(Object.assign(new Error('gone'), { name: 'ProducerError' }))).toBe('ProducerError: gone');
    expect(oneLine('text')).toBe('text');
  });
});

describe('runLoadtestCommand: Ctrl-C', () => {
  it('aborted, the run hands back what it measured: report written, thresholds not judged, exit 130', async () => {
    const lossy = syntheticRun({ missRatio: 0.05, seconds: 2, ratePerS: 20 });
    const h: Harness = harness(async (_plan, { signal }) => {
      h.controller.abort();
      expect(signal.aborted).toBe(true);
      return lossy;
    });
    expect(await runLoadtestCommand({ ...base, out: 'cut' }, h.deps)).toBe(EXIT.interrupted);
    expect(existsSync(path.join(h.cwd, 'cut', 'report.json'))).toBe(true);
    expect(h.stderr()).toBe('sluice loadtest: interrupted: the report covers the run until Ctrl-C; thresholds not checked\n');
  });

  it('aborted, the run rejects: exit 130, no report', async () => {
    const h: Harness = harness(async () => {
      h.controller.abort();
      throw Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    });
    expect(await runLoadtestCommand({ ...base, out: 'none' }, h.deps)).toBe(EXIT.interrupted);
    expect(h.stderr()).toBe('sluice loadtest: interrupted\n');
    expect(existsSync(path.join(h.cwd, 'none'))).toBe(false);
  });

  it('the first signal aborts; a repeat within a second is the same Ctrl-C (npx); a later one exits 130', () => {
    let now = 5000;
    const abort = vi.fn();
    const exit = vi.fn();
    const said: string[] = [];
    const onSignal = createInterruptHandler({ abort, exit, say: (text) => said.push(text), now: () => now });
    onSignal();
    expect(abort).toHaveBeenCalledTimes(1);
    expect(said.join('')).toContain('Ctrl-C again to quit at once');
    now += SAME_SIGNAL_MS;
    onSignal();
    expect(exit).not.toHaveBeenCalled();
    now += 1;
    onSignal();
    expect(exit).toHaveBeenCalledWith(130);
    expect(abort).toHaveBeenCalledTimes(1);
  });
});

describe('runLoadtestCommand --compare', () => {
  const dir = path.join(root, 'compare');
  const a = summarize(syntheticRun({ seed: 1, ratePerS: 100, seconds: 3 }));
  const b = summarize(syntheticRun({ seed: 2, ratePerS: 150, seconds: 3, batchSize: 25 }));

  it('two report.json files, or two run folders: the table, exit 0', async () => {
    await writeReport(path.join(dir, 'run-a'), a);
    await writeReport(path.join(dir, 'run-b'), b);
    const files = harness(fakeRun(clean));
    const never = vi.fn();
    const code = await runLoadtestCommand({ compare: [path.join(dir, 'run-a', 'report.json'), path.join(dir, 'run-b', 'report.json')] }, { ...files.deps, runLoadtest: never });
    expect(code).toBe(EXIT.ok);
    expect(never).not.toHaveBeenCalled();
    const table = files.stdout();
    expect(table.startsWith(`run-a  ${path.join(dir, 'run-a', 'report.json')}\nrun-b  ${path.join(dir, 'run-b', 'report.json')}\n\n`)).toBe(true);
    expect(table).toMatch(/Settings that differ\nsetting +run-a +run-b\n/);
    expect(table).toMatch(/\nmapping\.BatchSize +10 +25\n/);
    expect(table).toMatch(new RegExp(`\\nSent \\(records\\) +${a.summary.sent.toLocaleString('en-US')} +${b.summary.sent.toLocaleString('en-US')} +\\+${b.summary.sent - a.summary.sent} `));

    const folders = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ compare: [path.join(dir, 'run-a'), path.join(dir, 'run-b')] }, { ...folders.deps, cwd: dir })).toBe(EXIT.ok);
    expect(folders.stdout()).toBe(table);
    // Same folder names: A and B.
    await writeReport(path.join(dir, 'x', 'run'), a);
    await writeReport(path.join(dir, 'y', 'run'), b);
    const same = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ compare: ['x/run', 'y/run'] }, { ...same.deps, cwd: dir })).toBe(EXIT.ok);
    expect(same.stdout()).toMatch(/^A {2}\S+x\/run\/report\.json\nB {2}\S+y\/run\/report\.json\n\nSettings that differ\nsetting +A +B\n/);
  });

  it.each<[string[], RegExp]>([
    [['only-one'], /^sluice loadtest: --compare takes two reports \(report.json files or run folders\), got 1\n$/],
    [['nowhere', 'run-b'], /^sluice loadtest: --compare: no such file or folder: nowhere\n$/],
    [['not-a-report.json', 'run-b'], /^sluice loadtest: --compare: .*not-a-report.json: not a sluice loadtest report.json \(/],
  ])('%j → exit 2', async (given, message) => {
    writeFileSync(path.join(dir, 'not-a-report.json'), '{"hello": 1}');
    const h = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ compare: given }, { ...h.deps, cwd: dir })).toBe(EXIT.cannotRun);
    expect(h.stderr()).toMatch(message);
  });

  it('takes no run options', async () => {
    const h = harness(fakeRun(clean));
    expect(await runLoadtestCommand({ compare: ['a', 'b'], maxP99Ms: '5' }, h.deps)).toBe(EXIT.cannotRun);
    expect(h.stderr()).toBe('sluice loadtest: --compare reads two reports and takes no run options (got --max-p99-ms)\n');
  });
});
