/**
 * The command line (and `--scenario FILE`) → a LoadtestPlan, the CI thresholds and the
 * output folder. Every value is checked here, before anything is created or sent, and a
 * wrong one is said in one line naming the flag (exit 2).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LoadPhase, LoadShape, LoadtestPlan, PayloadSpec, ResourceSpec } from '../plan.js';
import type { Thresholds } from '../report/index.js';
import { BUILTIN_TARGET_PATTERN } from '../../targets/builtin-target.js';
import { builtinFunctionName } from '../../functions/index.js';
import { parseDuration } from './duration.js';
import { requireSourceEndpoint, resolveEndpoints, serviceOf, type EndpointOrigin } from './endpoints.js';
import { readScenarioFile } from './scenario-file.js';
import { UsageError } from './usage-error.js';

/** What commander hands over: flag values as typed (strings), booleans for switches. */
export interface LoadtestCliOptions {
  source?: string;
  resource?: string;
  shards?: string;
  function?: string;
  batchSize?: string;
  window?: string;
  parallelizationFactor?: string;
  reportBatchItemFailures?: boolean;
  maxConcurrency?: string;
  maxRetryAttempts?: string;
  bisect?: boolean;
  onFailure?: boolean;
  payloadSize?: string;
  template?: string;
  records?: string;
  rate?: string;
  duration?: string;
  count?: string;
  maxInFlight?: string;
  grace?: string;
  scenario?: string;
  out?: string;
  maxP99Ms?: string;
  minThroughput?: string;
  maxMissing?: string;
  endpointUrl?: string;
  region?: string;
  compare?: string[];
}

export interface ResolvedLoadtest {
  plan: LoadtestPlan;
  thresholds: Thresholds;
  /** Absolute path of the folder the report goes to. */
  outDir: string;
  endpointOrigin: EndpointOrigin;
  /** Records the load shape sends in all. */
  plannedRecords: number;
  plannedMs: number;
}

/** Defaults (chosen) — see the flags' help in src/cli/main.ts, which repeats them. */
export const DEFAULTS = {
  functionName: 'noop',
  /** Small enough for any source's record limit, large enough to look like an event. */
  payloadBytes: 256,
  /** Enough to hold a few thousand records/s with batched sends (10-500 records per request) on a local emulator. */
  maxInFlight: 16,
  /** Long enough for a stream's retries with backoff to land; a missing record costs this long to find. */
  graceMs: 10_000,
} as const;

// ---- value schemas: each message reads after "--flag: " ----

/** Numbers from the command line arrive as text; from the file as numbers. */
const toNumber = (value: unknown) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value);

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = max === Number.MAX_SAFE_INTEGER ? `expected an integer of at least ${min}` : `expected an integer from ${min} to ${max}`;
  return z.preprocess(toNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}

function number(min: number, { exclusive = false } = {}) {
  const error = exclusive ? `expected a number above ${min}` : `expected a number of at least ${min}`;
  const base = z.number({ error }).refine((n) => Number.isFinite(n), { error });
  return z.preprocess(toNumber, exclusive ? base.refine((n) => n > min, { error }) : base.refine((n) => n >= min, { error }));
}

const durationMs = (min: number) =>
  z.unknown().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration${min > 0 ? ' above 0' : ''} such as 500ms, 30s, 2m or 1m30s` });
      return z.NEVER;
    }
    return ms;
  });

const flag = z.boolean({ error: 'expected true or false' });

const phaseSchema = z
  .strictObject(
    {
      name: z.string({ error: 'expected text' }).min(1, { error: 'expected a name' }).optional(),
      duration: durationMs(1),
      rate: number(0).optional(),
      from: number(0).optional(),
      to: number(0).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown key ${issue.keys.join(', ')} (a phase takes name, duration, and rate or from + to)`
          : 'expected {name, duration, rate} or {name, duration, from, to}',
    },
  )
  .superRefine((phase, ctx) => {
    const steady = phase.rate !== undefined;
    const ramp = phase.from !== undefined || phase.to !== undefined;
    if (steady === ramp || (ramp && (phase.from === undefined || phase.to === undefined))) {
      ctx.addIssue({ code: 'custom', message: 'give rate (steady) or both from and to (a ramp)' });
    }
  });

const settingsSchema = z.object({
  source: z.enum(['sqs', 'sqs-fifo', 'kinesis', 'dynamodb'], { error: 'expected sqs, sqs-fifo, kinesis or dynamodb' }),
  resource: z.string().regex(/^arn:[^:]+:[^:]+:/, { error: 'expected an ARN (arn:aws:...) of the queue, stream or table' }).optional(),
  shards: integer(1, 500).optional(),
  function: z
    .string({ error: 'expected a function name' })
    .min(1, { error: 'expected a function name' })
    // `sleep:` / `fail:` can only mean a builtin (a FunctionName has no such qualifier): say what is wrong with it.
    .refine((name) => !/^(sleep|fail):/.test(name) || BUILTIN_TARGET_PATTERN.test(name), {
      error: 'a builtin is noop, echo, sleep:<ms> or fail:<ratio 0..1>',
    })
    .optional(),
  batchSize: integer(1, 10_000).optional(),
  window: durationMs(0)
    .refine((ms) => ms % 1000 === 0 && ms <= 300_000, { error: 'expected whole seconds from 0 to 300 (MaximumBatchingWindowInSeconds), e.g. 5 or 5s' })
    .optional(),
  parallelizationFactor: integer(1, 10).optional(),
  reportBatchItemFailures: flag.optional(),
  maxConcurrency: integer(2, 1000).optional(),
  maxRetryAttempts: integer(-1, 10_000).optional(),
  bisect: flag.optional(),
  onFailure: flag.optional(),
  payloadSize: integer(1, 1_048_576).optional(),
  template: z.string({ error: 'expected text' }).min(1, { error: 'expected a template, e.g. \'{"id":"{{uuid}}","seq":{{seq}}}\'' }).optional(),
  records: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }).optional(),
  rate: number(0, { exclusive: true }).optional(),
  duration: durationMs(1).optional(),
  count: integer(1).optional(),
  phases: z.array(phaseSchema, { error: 'expected a list of phases' }).min(1, { error: 'expected at least one phase' }).optional(),
  maxInFlight: integer(1, 1000).optional(),
  grace: durationMs(0).optional(),
  out: z.string({ error: 'expected a folder' }).min(1, { error: 'expected a folder' }).optional(),
  maxP99Ms: number(0).optional(),
  minThroughput: number(0).optional(),
  maxMissing: integer(0).optional(),
  endpointUrl: z.string({ error: 'expected a URL' }).optional(),
  region: z.string({ error: 'expected a region' }).min(1, { error: 'expected a region' }).optional(),
});

type Settings = z.infer<typeof settingsSchema>;

/** Settings a scenario file may hold: every flag's, plus phases. */
export const SCENARIO_KEYS: ReadonlySet<string> = new Set(Object.keys(settingsSchema.shape));

const LOAD_KEYS = ['rate', 'duration', 'count', 'phases'] as const;

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `--batch-size`, or `phases[1].to` for what only the file can hold. */
function settingName(issuePath: PropertyKey[]): string {
  const [head, ...rest] = issuePath;
  if (head === 'phases') {
    return `scenario phases${rest.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}`;
  }
  return head === 'function' ? '--function' : `--${kebab(String(head))}`;
}

function valueAt(settings: Record<string, unknown>, issuePath: PropertyKey[]): unknown {
  let value: unknown = settings;
  for (const part of issuePath) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

function shown(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? typeof value;
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** Merges the file under the flags. A load shape on the command line replaces the file's whole shape. */
function merge(fileSettings: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...fileSettings };
  // (chosen) `--rate 900` over a file's phases has no single meaning (scale them? replace
  // one?): any of --rate / --duration / --count on the command line sets the shape alone.
  if (LOAD_KEYS.some((key) => flags[key] !== undefined)) for (const key of LOAD_KEYS) delete merged[key];
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  return merged;
}

function parseSettings(raw: Record<string, unknown>): Settings {
  if (raw.source === undefined) throw new UsageError('--source is required: sqs, sqs-fifo, kinesis or dynamodb (or source: in the --scenario file)');
  const parsed = settingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return fail(`${settingName(issue.path)}: ${issue.message}${shown(valueAt(raw, issue.path))}`);
}

function fail(message: string): never {
  throw new UsageError(message);
}

function checkSourceFit(s: Settings): void {
  const service = serviceOf(s.source);
  const streams = service !== 'sqs';
  const streamsOnly: Array<[keyof Settings, string]> = [
    ['parallelizationFactor', '--parallelization-factor'],
    ['maxRetryAttempts', '--max-retry-attempts'],
    ['bisect', '--bisect'],
  ];
  if (!streams) {
    for (const [key, name] of streamsOnly) {
      if (s[key] !== undefined) fail(`${name} is for kinesis and dynamodb: an SQS mapping retries through the queue's visibility timeout and redrive policy`);
    }
  }
  if (streams && s.maxConcurrency !== undefined) fail('--max-concurrency (ScalingConfig) is for sqs and sqs-fifo');
  if (s.shards !== undefined && s.source !== 'kinesis') fail('--shards is for kinesis');
  if (s.shards !== undefined && s.resource !== undefined) fail('--shards sizes a stream the run creates; with --resource the stream exists already');
  if (s.resource !== undefined) {
    const arnService = s.resource.split(':')[2];
    if (arnService !== service) fail(`--resource: a ${s.source} run needs a ${service} ARN, got one of ${arnService}: ${s.resource}`);
    if (s.source === 'sqs-fifo' && !s.resource.endsWith('.fifo')) fail(`--resource: an sqs-fifo run needs a FIFO queue (its name ends in .fifo), got ${s.resource}`);
    if (s.source === 'sqs' && s.resource.endsWith('.fifo')) fail(`--resource: ${s.resource} is a FIFO queue: use --source sqs-fifo`);
  }
}

function loadShape(s: Settings): LoadShape {
  const bounded = 'a load test is bounded: give --rate R with --duration D (e.g. 30s) or --count N, or phases: in a --scenario file';
  if (s.phases !== undefined) {
    if (s.rate !== undefined || s.duration !== undefined || s.count !== undefined) {
      fail('the scenario file gives both phases and rate / duration / count: keep one (flags on the command line replace the phases)');
    }
    return {
      kind: 'phases',
      phases: s.phases.map(
        (phase, i): LoadPhase => ({
          name: phase.name ?? `phase ${i + 1}`,
          durationMs: phase.duration,
          fromRate: phase.rate ?? phase.from!,
          toRate: phase.rate ?? phase.to!,
        }),
      ),
    };
  }
  if (s.duration !== undefined && s.count !== undefined) fail('give --duration or --count, not both');
  if (s.rate === undefined) fail(s.duration !== undefined || s.count !== undefined ? `--rate is required with --${s.duration !== undefined ? 'duration' : 'count'}` : bounded);
  if (s.count !== undefined) return { kind: 'count', count: s.count, rate: s.rate };
  if (s.duration === undefined) fail(bounded);
  return { kind: 'phases', phases: [{ name: 'steady', durationMs: s.duration, fromRate: s.rate, toRate: s.rate }] };
}

/** Records and milliseconds the shape plans: a ramp sends its average rate. */
export function plannedLoad(shape: LoadShape): { records: number; ms: number } {
  if (shape.kind === 'count') return { records: shape.count, ms: Math.round((shape.count / shape.rate) * 1000) };
  let records = 0;
  let ms = 0;
  for (const phase of shape.phases) {
    records += ((phase.fromRate + phase.toRate) / 2) * (phase.durationMs / 1000);
    ms += phase.durationMs;
  }
  return { records: Math.floor(records), ms };
}

function payload(s: Settings, recordsBase: string): PayloadSpec {
  const given = [s.payloadSize !== undefined && '--payload-size', s.template !== undefined && '--template', s.records !== undefined && '--records'].filter(Boolean);
  if (given.length > 1) fail(`give one payload: ${given.join(', ')} are exclusive`);
  if (s.template !== undefined) return { kind: 'template', template: s.template };
  if (s.records !== undefined) {
    const file = path.resolve(recordsBase, s.records);
    if (!existsSync(file)) fail(`--records: no such file: ${file}`);
    return { kind: 'file', path: file };
  }
  return { kind: 'size', bytes: s.payloadSize ?? DEFAULTS.payloadBytes };
}

function mappingFields(s: Settings): Record<string, unknown> {
  const mapping: Record<string, unknown> = {};
  if (s.batchSize !== undefined) mapping.BatchSize = s.batchSize;
  if (s.window !== undefined) mapping.MaximumBatchingWindowInSeconds = s.window / 1000;
  if (s.parallelizationFactor !== undefined) mapping.ParallelizationFactor = s.parallelizationFactor;
  if (s.reportBatchItemFailures === true) mapping.FunctionResponseTypes = ['ReportBatchItemFailures'];
  if (s.maxConcurrency !== undefined) mapping.ScalingConfig = { MaximumConcurrency: s.maxConcurrency };
  if (s.maxRetryAttempts !== undefined) mapping.MaximumRetryAttempts = s.maxRetryAttempts;
  if (s.bisect === true) mapping.BisectBatchOnFunctionError = true;
  return mapping;
}

/** `loadtest-20261206-210503` (UTC, chosen: the same name whatever the machine's zone). */
export function defaultOutDir(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `loadtest-${stamp}`;
}

export interface ResolveContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
}

export function resolveOptions(cli: LoadtestCliOptions, context: ResolveContext): ResolvedLoadtest {
  const { compare: _compare, scenario, ...flags } = cli;
  const file = scenario !== undefined ? readScenarioFile(scenario, context.cwd, SCENARIO_KEYS) : undefined;
  const raw = merge(file?.settings ?? {}, flags);
  const s = parseSettings(raw);
  checkSourceFit(s);
  const load = loadShape(s);
  // A relative records: path in the file is the file's neighbour; on the command line, the shell's.
  const recordsBase = flags.records === undefined && file ? file.dir : context.cwd;
  const spec = payload(s, recordsBase);
  const { endpoints, origin } = resolveEndpoints({ endpointUrl: s.endpointUrl, region: s.region }, context.env, context.cwd);
  requireSourceEndpoint(endpoints, s.source);
  const resource: ResourceSpec = s.resource !== undefined ? { kind: 'existing', arn: s.resource } : { kind: 'create', ...(s.shards !== undefined ? { shards: s.shards } : {}) };
  const planned = plannedLoad(load);
  if (planned.records < 1) fail('the load shape sends no records: raise the rate or the duration');
  const plan: LoadtestPlan = {
    source: s.source,
    resource,
    functionName: functionNameOf(s.function ?? DEFAULTS.functionName),
    mapping: mappingFields(s),
    onFailure: s.onFailure === true,
    load,
    payload: spec,
    maxInFlight: s.maxInFlight ?? DEFAULTS.maxInFlight,
    graceMs: s.grace ?? DEFAULTS.graceMs,
    endpoints,
  };
  const thresholds: Thresholds = {
    ...(s.maxP99Ms !== undefined ? { maxP99Ms: s.maxP99Ms } : {}),
    ...(s.minThroughput !== undefined ? { minThroughput: s.minThroughput } : {}),
    maxMissing: s.maxMissing ?? 0,
  };
  const outBase = flags.out === undefined && file && s.out !== undefined ? file.dir : context.cwd;
  const outDir = path.resolve(outBase, s.out ?? defaultOutDir(context.now()));
  return { plan, thresholds, outDir, endpointOrigin: origin, plannedRecords: planned.records, plannedMs: planned.ms };
}

/**
 * The FunctionName the mapping names. A builtin spec is not one as it is (Lambda reads
 * `fail:0.1` as function `fail`, qualifier `0.1`), so it becomes its reserved name
 * (`builtin-fail-0_1`), which every Sluice runs (src/functions/builtin-functions.ts).
 * (chosen) The four specs always mean the builtins, bare `noop` and `echo` included: a load
 * test's `--function noop` then works on any Sluice; a configured function of such a name
 * is still reached by its ARN.
 */
function functionNameOf(name: string): string {
  return BUILTIN_TARGET_PATTERN.test(name) ? builtinFunctionName(name) : name;
}
