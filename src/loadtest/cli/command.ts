/**
 * `sluice loadtest`: options → plan, the run with its live view, then the summary table,
 * the report folder and the thresholds' verdict. Exit codes: 0 done (thresholds hold),
 * 1 a threshold breached, 2 the run could not be made (options, endpoint, API refusal),
 * 130 interrupted (Ctrl-C).
 *
 * The run itself (runLoadtest) and Sluice's client come in as dependencies, with the
 * process's streams, environment and clock, so the command is tested with fakes and the
 * real modules are wired in one place (wiring.ts).
 */
import type { Endpoints, LoadtestPlan, ProgressSnapshot, SluiceClient } from '../plan.js';
import type { RunData } from '../run-data.js';
import { checkThresholds, formatNumber, summarize, summaryTable, writeReport } from '../report/index.js';
import { compareCommand } from './compare-command.js';
import { formatClock } from './duration.js';
import { resolveOptions, type LoadtestCliOptions, type ResolvedLoadtest } from './options.js';
import { createProgressView } from './progress-view.js';
import { UsageError } from './usage-error.js';

/**
 * What runLoadtest adds to RunData about sends that failed for good (its LoadtestResult):
 * RunData's `sent` holds only what landed, so without this the user would not hear of them.
 */
export interface SendTrouble {
  producerStats?: { failed: number; errors: string[] };
}

export type RunLoadtest = (
  plan: LoadtestPlan,
  options: {
    client: SluiceClient;
    onProgress: (snapshot: ProgressSnapshot) => void;
    signal: AbortSignal;
    /** Trouble the run gets over (a trace read that failed, a resource not removed): shown, the run goes on. */
    onWarning: (message: string) => void;
  },
) => Promise<RunData & SendTrouble>;

export interface Output {
  write(text: string): unknown;
  /** Terminal width, when a TTY. */
  columns?: number;
}

export interface LoadtestDeps {
  runLoadtest: RunLoadtest;
  createSluiceClient: (endpoints: Endpoints) => SluiceClient;
  stdout: Output;
  stderr: Output;
  /** Whether stdout is a terminal: the redrawn view, else plain lines. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
  /** Aborted on Ctrl-C: the run stops sending and removes what it created. */
  signal?: AbortSignal;
}

export const EXIT = { ok: 0, thresholdBreached: 1, cannotRun: 2, interrupted: 130 } as const;

const PROGRAMMING_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/** The first network error code in the cause chain (fetch wraps it; the SDK passes it on). */
function networkCause(error: unknown): { code: string; address?: string; port?: number } | undefined {
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const { code, address, port } = cause as { code?: unknown; address?: string; port?: number };
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+)$/.test(code)) {
      return { code, address, port };
    }
  }
  return undefined;
}

/**
 * What stopped a run, in one line: the API's own words for a refusal (Lambda's error type
 * and message), the address for an unreachable endpoint. A programming error keeps its
 * stack: that one is ours to fix, not the user's.
 */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const network = networkCause(error);
  if (network) {
    const where = network.address ? ` ${network.address}${network.port ? `:${network.port}` : ''}` : '';
    return `cannot reach${where} (${network.code}): ${error.message.split('\n')[0]}`;
  }
  if (PROGRAMMING_ERRORS.has(error.name) && error.stack) return `unexpected error: ${error.stack}`;
  const fromAws = typeof (error as { $metadata?: unknown }).$metadata === 'object';
  const named = fromAws || (error.name !== 'Error' && error.name !== 'UsageError');
  return `${named ? `${error.name}: ` : ''}${error.message.split('\n')[0]}`;
}

function introLines(resolved: ResolvedLoadtest): string[] {
  const { plan } = resolved;
  const resource = plan.resource.kind === 'existing' ? plan.resource.arn : `a new ${plan.source === 'sqs-fifo' ? 'FIFO queue' : plan.source === 'sqs' ? 'queue' : plan.source === 'kinesis' ? 'stream' : 'table'} (removed at the end)`;
  const serviceEndpoint = plan.endpoints[plan.source === 'sqs-fifo' ? 'sqs' : plan.source]!;
  return [
    `sluice loadtest: ${plan.source} → ${plan.functionName}, ${formatNumber(resolved.plannedRecords)} records over ${formatClock(resolved.plannedMs)}`,
    `  Sluice ${plan.endpoints.lambda} (${resolved.endpointOrigin}), ${plan.source} ${serviceEndpoint}, ${resource}`,
    `  report: ${resolved.outDir}    Ctrl-C stops the run and removes what it created`,
  ];
}

export async function runLoadtestCommand(options: LoadtestCliOptions, deps: LoadtestDeps): Promise<number> {
  const say = (text: string) => deps.stdout.write(`${text}\n`);
  const complain = (text: string) => deps.stderr.write(`sluice loadtest: ${text}\n`);

  if (options.compare !== undefined) {
    const others = Object.entries(options).filter(([key, value]) => key !== 'compare' && value !== undefined);
    if (others.length > 0) {
      complain(`--compare reads two reports and takes no run options (got --${others[0]![0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)})`);
      return EXIT.cannotRun;
    }
    try {
      say(await compareCommand(options.compare, deps.cwd));
      return EXIT.ok;
    } catch (error) {
      complain(oneLine(error));
      return EXIT.cannotRun;
    }
  }

  let resolved: ResolvedLoadtest;
  try {
    resolved = resolveOptions(options, deps);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    complain(error.message);
    return EXIT.cannotRun;
  }
  for (const line of introLines(resolved)) say(line);

  const signal = deps.signal ?? new AbortController().signal;
  const view = createProgressView({ write: (text) => deps.stdout.write(text), isTTY: deps.isTTY, columns: deps.stdout.columns, now: deps.now });
  let run: RunData & SendTrouble;
  try {
    run = await deps.runLoadtest(resolved.plan, {
      client: deps.createSluiceClient(resolved.plan.endpoints),
      onProgress: (snapshot) => view.update(snapshot),
      signal,
      onWarning: (message) => view.note(`warning: ${message}`),
    });
  } catch (error) {
    view.finish();
    if (signal.aborted) {
      complain(`interrupted${error instanceof Error && error.name !== 'AbortError' ? ` (${oneLine(error)})` : ''}`);
      return EXIT.interrupted;
    }
    complain(oneLine(error));
    return EXIT.cannotRun;
  }
  view.finish();

  const report = summarize(run);
  let written: { json: string; html: string };
  try {
    written = await writeReport(resolved.outDir, report);
  } catch (error) {
    // The run is lost if the table is not printed: print it before saying the folder failed.
    say(`\n${summaryTable(report)}`);
    complain(`cannot write the report to ${resolved.outDir}: ${oneLine(error)}`);
    return EXIT.cannotRun;
  }
  say(`\n${summaryTable(report)}\n`);
  say(`report: ${written.html}`);
  say(`        ${written.json}`);
  const unsent = run.producerStats;
  if (unsent && unsent.failed > 0) {
    // (chosen) Said, not judged: the thresholds are about what Sluice did with what was sent;
    // records that never left lower the throughput, which --min-throughput sees.
    complain(`warning: ${formatNumber(unsent.failed)} records could not be sent${unsent.errors[0] ? ` (${unsent.errors[0]})` : ''}; the report shows them as not sent`);
  }
  if (signal.aborted) {
    // (chosen) A run cut short is not judged against the thresholds: they were set for the whole run.
    complain('interrupted: the report covers the run until Ctrl-C; thresholds not checked');
    return EXIT.interrupted;
  }
  const breach = checkThresholds(report.summary, resolved.thresholds);
  if (breach !== undefined) {
    complain(breach);
    return EXIT.thresholdBreached;
  }
  return EXIT.ok;
}
