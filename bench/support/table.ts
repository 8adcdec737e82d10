/** The one table `npm run bench` prints (markdown) and writes (JSON): a row per contender per case. */

export interface Row {
  /** The case, e.g. "SQS BatchSize 10". */
  case: string;
  contender: string;
  /** What was measured, as printed (records/s, p50 / p99, CPU % and RSS, ...). */
  result: string;
  /** CPU ms of the contender's process(es) per 1,000 records. */
  cpuMsPer1k?: number;
  /** Sluice / raw, as printed (throughput, CPU per record, or latency). */
  vsRaw?: string;
  /** Redis commands per batch invoked (Sluice rows). */
  redisPerBatch?: number;
  /** Every number behind the row, for the JSON. */
  data: Record<string, number | string | boolean | null>;
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const formatNumber = fmt;

/** Redis commands per batch: under one (most batches touch no Redis), two decimals, so 0.04 does not print as 0.0. */
const fmtCommands = (n: number | undefined): string => fmt(n, n !== undefined && n < 1 ? 2 : 1);

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| case | contender | result | CPU ms / 1,000 records | Sluice / raw | Redis cmds / batch |',
    '| --- | --- | --- | ---: | --- | ---: |',
  ];
  for (const row of rows) {
    lines.push(`| ${row.case} | ${row.contender} | ${row.result} | ${fmt(row.cpuMsPer1k)} | ${row.vsRaw ?? ''} | ${fmtCommands(row.redisPerBatch)} |`);
  }
  return lines.join('\n');
}

/** "1.28 × throughput, 0.92 × CPU" against a baseline's records/s and CPU per 1,000 records. */
export function ratioText(rate: number, cpuPer1k: number, base: { rate: number; cpuPer1k: number }): string {
  return `${fmt(rate / base.rate, 2)} × throughput, ${fmt(cpuPer1k / base.cpuPer1k, 2)} × CPU`;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * (chosen) What one Redis is taken to execute, commands/s: issue #13's round figure for a
 * single-threaded Redis on one core. Every Sluice process shares that Redis, so it caps a
 * fleet's throughput however many processes are added.
 */
export const REDIS_COMMANDS_PER_SECOND = 100_000;

/** The row of the records/s one Redis allows at `cmdsPerBatch` commands per batch of `batchSize`. */
export function ceilingRow(caseName: string, cmdsPerBatch: number, batchSize: number): Row {
  const ceiling = (REDIS_COMMANDS_PER_SECOND / cmdsPerBatch) * batchSize;
  return {
    case: caseName,
    contender: `one-Redis ceiling at BatchSize ${fmt(batchSize)}`,
    result: `${fmt(ceiling)} records/s (${fmt(REDIS_COMMANDS_PER_SECOND)} cmds/s ÷ ${fmtCommands(cmdsPerBatch)} cmds per batch × ${fmt(batchSize)})`,
    redisPerBatch: cmdsPerBatch,
    data: { ceilingRecordsPerSecond: ceiling, redisCommandsPerSecond: REDIS_COMMANDS_PER_SECOND, cmdsPerBatch, batchSize },
  };
}
