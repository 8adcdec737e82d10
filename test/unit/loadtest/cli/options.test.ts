/** `sluice loadtest` options and scenario files → LoadtestPlan, and their one-line errors. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatClock, parseDuration } from '../../../../src/loadtest/cli/duration.js';
import { defaultOutDir, plannedLoad, resolveOptions, type LoadtestCliOptions } from '../../../../src/loadtest/cli/options.js';
import { UsageError } from '../../../../src/loadtest/cli/usage-error.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-loadtest-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 11, 6, 21, 5, 3);
const context = { env: { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, cwd: dir, now: () => NOW };
const resolve = (options: LoadtestCliOptions) => resolveOptions(options, context);
const errorOf = (options: LoadtestCliOptions): string => {
  try {
    resolve(options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('resolved without an error');
};
const scenario = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['45', 45_000],
    [' 10s ', 10_000],
    [12, 12_000],
    [0, 0],
  ])('%j → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 's', '10x', '-5s', '10 s', '5s10', 'abc', null, true, -1, Number.NaN])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats a clock', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65_999)).toBe('1:05');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatClock(-5)).toBe('0:00');
  });
});

describe('flags → plan', () => {
  it('the walk-through command: kinesis at 500/s for 60 s, with the defaults', () => {
    const resolved = resolve({ source: 'kinesis', rate: '500', duration: '60s' });
    expect(resolved.plan).toEqual({
      source: 'kinesis',
      resource: { kind: 'create' },
      functionName: 'builtin-noop',
      mapping: {},
      onFailure: false,
      load: { kind: 'phases', phases: [{ name: 'steady', durationMs: 60_000, fromRate: 500, toRate: 500 }] },
      payload: { kind: 'size', bytes: 256 },
      maxInFlight: 16,
      graceMs: 10_000,
      endpoints: { region: 'us-east-1', lambda: 'http://127.0.0.1:9001', sqs: 'http://127.0.0.1:4566', kinesis: 'http://127.0.0.1:4566', dynamodb: 'http://127.0.0.1:4566' },
    });
    expect(resolved.plannedRecords).toBe(30_000);
    expect(resolved.plannedMs).toBe(60_000);
    expect(resolved.thresholds).toEqual({ maxMissing: 0 });
    expect(resolved.outDir).toBe(path.join(dir, 'loadtest-20261206-210503'));
    expect(resolved.endpointOrigin).toBe('AWS_ENDPOINT_URL_LAMBDA');
  });

  it('mapping settings become CreateEventSourceMapping fields', () => {
    const streams = resolve({
      source: 'kinesis',
      count: '1000',
      rate: '100',
      batchSize: '50',
      window: '5s',
      parallelizationFactor: '4',
      reportBatchItemFailures: true,
      maxRetryAttempts: '2',
      bisect: true,
      onFailure: true,
      shards: '3',
      function: 'fail-10',
    }).plan;
    expect(streams.mapping).toEqual({
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 4,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 2,
      BisectBatchOnFunctionError: true,
    });
    expect(streams.onFailure).toBe(true);
    expect(streams.resource).toEqual({ kind: 'create', shards: 3 });
    expect(streams.functionName).toBe('fail-10');
    // A function may be named by ARN, with a qualifier: left to Sluice to resolve.
    expect(resolve({ source: 'sqs', rate: '1', count: '1', function: 'arn:aws:lambda:us-east-1:000000000000:function:orders:live' }).plan.functionName).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:orders:live',
    );
    expect(streams.load).toEqual({ kind: 'count', count: 1000, rate: 100 });

    const sqs = resolve({ source: 'sqs', count: '10', rate: '5', maxConcurrency: '5', window: '0' }).plan;
    expect(sqs.mapping).toEqual({ ScalingConfig: { MaximumConcurrency: 5 }, MaximumBatchingWindowInSeconds: 0 });
  });

  it('an existing resource, payloads, in-flight, grace, thresholds and --out', () => {
    const records = scenario('bodies.jsonl', '{"a":1}\n');
    const resolved = resolve({
      source: 'sqs-fifo',
      resource: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
      count: '100',
      rate: '50.5',
      records: 'bodies.jsonl',
      maxInFlight: '4',
      grace: '1m',
      maxP99Ms: '250',
      minThroughput: '40.5',
      maxMissing: '3',
      out: 'runs/a',
      region: 'eu-west-1',
    });
    expect(resolved.plan.resource).toEqual({ kind: 'existing', arn: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo' });
    expect(resolved.plan.payload).toEqual({ kind: 'file', path: records });
    expect(resolved.plan.maxInFlight).toBe(4);
    expect(resolved.plan.graceMs).toBe(60_000);
    expect(resolved.plan.endpoints.region).toBe('eu-west-1');
    expect(resolved.thresholds).toEqual({ maxP99Ms: 250, minThroughput: 40.5, maxMissing: 3 });
    expect(resolved.outDir).toBe(path.join(dir, 'runs/a'));
    expect(resolve({ source: 'dynamodb', count: '1', rate: '1', template: '{"n":{{seq}}}' }).plan.payload).toEqual({ kind: 'template', template: '{"n":{{seq}}}' });
    expect(resolve({ source: 'dynamodb', count: '1', rate: '1', payloadSize: '1024' }).plan.payload).toEqual({ kind: 'size', bytes: 1024 });
  });

  it('no endpoint for the source: refused, never AWS by default', () => {
    const only = { ...context, env: { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324', AWS_REGION: 'eu-west-1' } };
    expect(resolveOptions({ source: 'sqs-fifo', rate: '1', count: '1' }, only).plan.endpoints.sqs).toBe('http://127.0.0.1:9324');
    expect(() => resolveOptions({ source: 'kinesis', rate: '1', count: '1' }, only)).toThrow(
      'no kinesis endpoint: set AWS_ENDPOINT_URL_KINESIS (or AWS_ENDPOINT_URL); for AWS itself its regional endpoint, e.g. https://kinesis.eu-west-1.amazonaws.com',
    );
  });

  it.each<[LoadtestCliOptions, RegExp]>([
    [{ rate: '1', count: '1' }, /^--source is required/],
    [{ source: 'kafka', rate: '1', count: '1' }, /^--source: expected sqs, sqs-fifo, kinesis or dynamodb, got "kafka"$/],
    [{ source: 'sqs' }, /^a load test is bounded: give --rate R with --duration D/],
    [{ source: 'sqs', rate: '10' }, /^a load test is bounded/],
    [{ source: 'sqs', duration: '10s' }, /^--rate is required with --duration$/],
    [{ source: 'sqs', count: '10' }, /^--rate is required with --count$/],
    [{ source: 'sqs', rate: '10', count: '5', duration: '1s' }, /^give --duration or --count, not both$/],
    [{ source: 'sqs', rate: 'fast', count: '5' }, /^--rate: expected a number above 0, got "fast"$/],
    [{ source: 'sqs', rate: '0', count: '5' }, /^--rate: expected a number above 0, got "0"$/],
    [{ source: 'sqs', rate: '10', count: '2.5' }, /^--count: expected an integer of at least 1, got "2.5"$/],
    [{ source: 'sqs', rate: '10', duration: '10 minutes' }, /^--duration: expected a duration above 0 such as 500ms, 30s, 2m or 1m30s, got "10 minutes"$/],
    [{ source: 'sqs', rate: '10', duration: '0s' }, /^--duration: expected a duration above 0/],
    [{ source: 'sqs', rate: '10', count: '5', batchSize: '0' }, /^--batch-size: expected an integer from 1 to 10000, got "0"$/],
    [{ source: 'sqs', rate: '10', count: '5', window: '1.5s' }, /^--window: expected whole seconds from 0 to 300/],
    [{ source: 'sqs', rate: '10', count: '5', window: '301' }, /^--window: expected whole seconds from 0 to 300/],
    [{ source: 'sqs', rate: '10', count: '5', maxP99Ms: '-1' }, /^--max-p99-ms: expected a number of at least 0, got "-1"$/],
    [{ source: 'sqs', rate: '10', count: '5', function: 'fail:2' }, /^--function: a builtin is noop, echo, sleep:<ms> or fail:<ratio 0..1>, got "fail:2"$/],
    [{ source: 'sqs', rate: '10', count: '5', function: 'sleep:soon' }, /^--function: a builtin is noop, echo, sleep:<ms> or fail:<ratio 0..1>/],
    [{ source: 'sqs', rate: '10', count: '5', parallelizationFactor: '2' }, /^--parallelization-factor is for kinesis and dynamodb/],
    [{ source: 'sqs-fifo', rate: '10', count: '5', bisect: true }, /^--bisect is for kinesis and dynamodb/],
    [{ source: 'kinesis', rate: '10', count: '5', maxConcurrency: '5' }, /^--max-concurrency \(ScalingConfig\) is for sqs and sqs-fifo$/],
    [{ source: 'dynamodb', rate: '10', count: '5', shards: '2' }, /^--shards is for kinesis$/],
    [{ source: 'kinesis', rate: '10', count: '5', shards: '2', resource: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' }, /^--shards sizes a stream the run creates/],
    [{ source: 'kinesis', rate: '10', count: '5', resource: 'orders' }, /^--resource: expected an ARN/],
    [{ source: 'kinesis', rate: '10', count: '5', resource: 'arn:aws:sqs:us-east-1:000000000000:q' }, /^--resource: a kinesis run needs a kinesis ARN, got one of sqs/],
    [{ source: 'sqs-fifo', rate: '10', count: '5', resource: 'arn:aws:sqs:us-east-1:000000000000:q' }, /^--resource: an sqs-fifo run needs a FIFO queue/],
    [{ source: 'sqs', rate: '10', count: '5', resource: 'arn:aws:sqs:us-east-1:000000000000:q.fifo' }, /use --source sqs-fifo$/],
    [{ source: 'sqs', rate: '10', count: '5', template: 'x', payloadSize: '10' }, /^give one payload: --payload-size, --template are exclusive$/],
    [{ source: 'sqs', rate: '10', count: '5', records: 'nope.jsonl' }, /^--records: no such file: /],
    [{ source: 'sqs', rate: '0.01', duration: '1s' }, /^the load shape sends no records/],
    [{ source: 'sqs', rate: '10', count: '5', endpointUrl: 'localhost:9001' }, /^--endpoint-url: expected an http:\/\/ or https:\/\/ URL, got localhost:9001$/],
  ])('%j → one line', (options, message) => {
    const text = errorOf(options);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});

describe('scenario file', () => {
  it('YAML phases: ramp, steady, spike; kebab-case keys; the planned total', () => {
    const file = scenario(
      'ramp.yaml',
      `source: kinesis
batch-size: 100
reportBatchItemFailures: true
phases:
  - { name: ramp-up, duration: 10s, from: 0, to: 100 }
  - { name: steady, duration: 1m, rate: 100 }
  - { duration: 2s, rate: 1000 }
out: results
`,
    );
    const resolved = resolve({ scenario: file });
    expect(resolved.plan.load).toEqual({
      kind: 'phases',
      phases: [
        { name: 'ramp-up', durationMs: 10_000, fromRate: 0, toRate: 100 },
        { name: 'steady', durationMs: 60_000, fromRate: 100, toRate: 100 },
        { name: 'phase 3', durationMs: 2000, fromRate: 1000, toRate: 1000 },
      ],
    });
    expect(resolved.plan.mapping).toEqual({ BatchSize: 100, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    // 10 s ramping 0→100 sends 500, then 6,000 and 2,000.
    expect(resolved.plannedRecords).toBe(8500);
    expect(resolved.plannedMs).toBe(72_000);
    // A relative out: in the file is the file's neighbour.
    expect(resolved.outDir).toBe(path.join(dir, 'results'));
  });

  it('a builtin spec becomes its reserved FunctionName; any other name is sent as given', () => {
    expect(resolve({ source: 'sqs', rate: '10', count: '5', function: 'fail:0.1' }).plan.functionName).toBe('builtin-fail-0_1');
    expect(resolve({ source: 'sqs', rate: '10', count: '5', function: 'sleep:50' }).plan.functionName).toBe('builtin-sleep-50');
    expect(resolve({ source: 'sqs', rate: '10', count: '5', function: 'orders-consumer' }).plan.functionName).toBe('orders-consumer');
  });

  it('JSON works too, and flags override the file; a load flag replaces the whole shape', () => {
    const file = scenario('run.json', JSON.stringify({ source: 'sqs', batchSize: 10, rate: 50, duration: '30s', function: 'echo' }));
    expect(resolve({ scenario: file }).plan.load).toEqual({ kind: 'phases', phases: [{ name: 'steady', durationMs: 30_000, fromRate: 50, toRate: 50 }] });
    const overridden = resolve({ scenario: file, batchSize: '20', count: '100', rate: '10' }).plan;
    expect(overridden.mapping).toEqual({ BatchSize: 20 });
    expect(overridden.functionName).toBe('builtin-echo');
    expect(overridden.load).toEqual({ kind: 'count', count: 100, rate: 10 });
    // --count alone replaces the file's rate too: the rate must then come with it.
    expect(errorOf({ scenario: file, count: '100' })).toBe('--rate is required with --count');

    const phased = scenario('phased.yaml', 'source: sqs\nphases:\n  - { duration: 5s, rate: 10 }\n');
    expect(resolve({ scenario: phased, rate: '7', duration: '3s' }).plan.load).toEqual({ kind: 'phases', phases: [{ name: 'steady', durationMs: 3000, fromRate: 7, toRate: 7 }] });
  });

  it('a records: path in the file is read next to the file', () => {
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'r.jsonl'), '{}\n');
    writeFileSync(path.join(sub, 's.yaml'), 'source: sqs\nrate: 1\ncount: 1\nrecords: r.jsonl\n');
    expect(resolve({ scenario: path.join(sub, 's.yaml') }).plan.payload).toEqual({ kind: 'file', path: path.join(sub, 'r.jsonl') });
  });

  it.each<[string, RegExp]>([
    ['source: sqs\nrate: 1\ncount: 1\nbatch: 10\n', /: unknown setting "batch" \(the file takes the long flag names/],
    ['source: sqs\nrate: 1\ncount: 1\ncompare: [a, b]\n', /: unknown setting "compare"/],
    ['source: sqs\nbatch-size: 10\nbatchSize: 20\nrate: 1\ncount: 1\n', /: "batchSize" is given twice$/],
    ['- source: sqs\n', /: expected a mapping of settings/],
    ['source: [sqs\n', /: not valid YAML or JSON: /],
    ['source: sqs\nphases: []\n', /^scenario phases: expected at least one phase/],
    ['source: sqs\nphases:\n  - { duration: 5s }\n', /^scenario phases\[0\]: give rate \(steady\) or both from and to \(a ramp\), got \{"duration":"5s"\}$/],
    ['source: sqs\nphases:\n  - { duration: 5s, from: 1 }\n', /^scenario phases\[0\]: give rate/],
    ['source: sqs\nphases:\n  - { duration: 5s, rate: 1, to: 5 }\n', /^scenario phases\[0\]: give rate/],
    ['source: sqs\nphases:\n  - { duration: 5s, rate: 1 }\n  - { duration: soon, rate: 1 }\n', /^scenario phases\[1\]\.duration: expected a duration above 0.*, got "soon"$/],
    ['source: sqs\nphases:\n  - { duration: 5s, rate: -1 }\n', /^scenario phases\[0\]\.rate: expected a number of at least 0, got -1$/],
    ['source: sqs\nphases:\n  - { duration: 5s, rate: 1, speed: 2 }\n', /^scenario phases\[0\]: unknown key speed/],
    ['source: sqs\nphases:\n  - { duration: 5s, rate: 1 }\nrate: 5\nduration: 5s\n', /^the scenario file gives both phases and rate/],
    ['source: kinesis\nrate: 1\ncount: 1\nbisect: "yes"\n', /^--bisect: expected true or false, got "yes"$/],
  ])('%j → one line', (text, message) => {
    const file = scenario('bad.yaml', text);
    expect(errorOf({ scenario: file })).toMatch(message);
  });

  it('an unreadable file', () => {
    expect(errorOf({ scenario: 'missing.yaml' })).toBe('--scenario missing.yaml: cannot read it (ENOENT)');
  });

  it('the examples in examples/loadtest/ parse', () => {
    const examples = path.resolve(import.meta.dirname, '../../../../examples/loadtest');
    const ramp = resolve({ scenario: path.join(examples, 'kinesis-ramp.yaml') });
    expect(ramp.plan.source).toBe('kinesis');
    expect(ramp.plan.functionName).toBe('builtin-sleep-100');
    expect(ramp.plan.load.kind === 'phases' && ramp.plan.load.phases.map((phase) => phase.name)).toEqual(['ramp-up', 'steady', 'spike', 'cool-down']);
    expect(ramp.plan.mapping).toEqual({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1, ParallelizationFactor: 2 });
    expect(ramp.thresholds).toEqual({ maxP99Ms: 2000, maxMissing: 0 });
    const sqs = resolve({ scenario: path.join(examples, 'sqs-failures.json') });
    expect(sqs.plan.load).toEqual({ kind: 'count', count: 2000, rate: 200 });
    expect(sqs.plan.onFailure).toBe(true);
    expect(sqs.plan.functionName).toBe('builtin-fail-0_1');
  });
});

describe('helpers', () => {
  it('planned load of a count and of phases', () => {
    expect(plannedLoad({ kind: 'count', count: 1000, rate: 400 })).toEqual({ records: 1000, ms: 2500 });
    expect(plannedLoad({ kind: 'phases', phases: [{ name: 'a', durationMs: 4000, fromRate: 10, toRate: 30 }] })).toEqual({ records: 80, ms: 4000 });
  });

  it('the default report folder is named after the UTC start time', () => {
    expect(defaultOutDir(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('loadtest-20260102-030405');
  });
});
