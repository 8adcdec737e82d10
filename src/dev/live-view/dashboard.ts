/**
 * What the live view of `sluice dev` shows, as pure functions: per mapping its state and,
 * from the metrics registry (metrics.md, `registry.getMetricsAsJSON()`), records polled,
 * invoked and failed and the iterator age. The terminal side (redraws, plain lines) is
 * in terminal-view.ts.
 */
import { parseEventSourceArn, type SourceType } from '../../mappings/event-source-arn.js';
import { parseFunctionName } from '../../functions/function-name.js';

/** The parts of a mapping the view shows (from ListEventSourceMappings). */
export interface MappingStatus {
  uuid: string;
  eventSourceArn: string;
  functionArn: string;
  state: string;
  /** DestinationConfig.OnFailure.Destination, if any. */
  onFailureArn?: string;
}

/** One metric as `registry.getMetricsAsJSON()` returns it (only what the view reads). */
export interface MetricFamily {
  name: string;
  values: ReadonlyArray<{ value: number; labels: Readonly<Record<string, string | number | undefined>> }>;
}

export const VIEW_METRICS = {
  polled: 'sluice_polled_events_total',
  invoked: 'sluice_invoked_events_total',
  failed: 'sluice_failed_invoke_events_total',
  iteratorAge: 'sluice_iterator_age_milliseconds',
} as const;

export interface DashboardRow {
  uuid: string;
  source: SourceType | 'unknown';
  /** Queue, stream or table name. */
  resource: string;
  functionName: string;
  state: string;
  /** Undefined while no metrics are available at all. */
  polled?: number;
  invoked?: number;
  failed?: number;
  /** Largest over the mapping's shards; undefined for SQS and before the first batch. */
  iteratorAgeMs?: number;
  /** Records invoked per second over the last 10 s (rates.ts); undefined until two samples. */
  ratePerSecond?: number;
  /** The DLQ or on-failure destination and its depth (queue-depth.ts); undefined when there is none. */
  failures?: { name: string; depth: number | 'n/a' | 'error' };
}

function seriesOf(metrics: readonly MetricFamily[], name: string, uuid: string): number[] {
  const family = metrics.find((metric) => metric.name === name);
  return (family?.values ?? []).filter((value) => value.labels.mapping === uuid).map((value) => value.value);
}

/**
 * One row per mapping, in the order given. `metrics` undefined means this process has no
 * metrics registry (counts show as "-"); a mapping without series has counted nothing yet.
 */
export function dashboardRows(mappings: readonly MappingStatus[], metrics: readonly MetricFamily[] | undefined): DashboardRow[] {
  return mappings.map((mapping) => {
    const source = parseEventSourceArn(mapping.eventSourceArn);
    const row: DashboardRow = {
      uuid: mapping.uuid,
      source: source?.type ?? 'unknown',
      resource: source?.name ?? mapping.eventSourceArn,
      functionName: parseFunctionName(mapping.functionArn)?.name ?? mapping.functionArn,
      state: mapping.state,
    };
    if (!metrics) return row;
    const sum = (name: string) => seriesOf(metrics, name, mapping.uuid).reduce((total, value) => total + value, 0);
    const ages = seriesOf(metrics, VIEW_METRICS.iteratorAge, mapping.uuid);
    return {
      ...row,
      polled: sum(VIEW_METRICS.polled),
      invoked: sum(VIEW_METRICS.invoked),
      failed: sum(VIEW_METRICS.failed),
      ...(ages.length > 0 ? { iteratorAgeMs: Math.max(...ages) } : {}),
    };
  });
}

export function formatCount(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '-';
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

/** "3 orders-dlq", "n/a orders-bucket", "- " when the mapping has none. */
export function formatFailures(failures: DashboardRow['failures']): string {
  if (failures === undefined) return '-';
  return `${failures.depth === 'error' ? '?' : String(failures.depth)} ${failures.name}`;
}

export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

const COLUMNS: ReadonlyArray<{ title: string; cell: (row: DashboardRow) => string; right?: boolean }> = [
  { title: 'SOURCE', cell: (row) => row.source },
  { title: 'RESOURCE', cell: (row) => row.resource },
  { title: 'FUNCTION', cell: (row) => row.functionName },
  { title: 'STATE', cell: (row) => row.state },
  { title: 'POLLED', cell: (row) => formatCount(row.polled), right: true },
  { title: 'INVOKED', cell: (row) => formatCount(row.invoked), right: true },
  { title: 'FAILED', cell: (row) => formatCount(row.failed), right: true },
  { title: 'ITERATOR AGE', cell: (row) => formatAge(row.iteratorAgeMs), right: true },
  { title: 'REC/S (10 s)', cell: (row) => formatRate(row.ratePerSecond), right: true },
  { title: 'DLQ / ON-FAILURE', cell: (row) => formatFailures(row.failures) },
];

/** The table: a header line, then one line per row, columns padded to their widest cell. */
export function renderTable(rows: readonly DashboardRow[]): string[] {
  const cells = [COLUMNS.map((column) => column.title), ...rows.map((row) => COLUMNS.map((column) => column.cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) =>
    line
      .map((cell, i) => (COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** One self-contained line for a row, for output that is not a terminal (one per change). */
export function renderRowLine(row: DashboardRow): string {
  return (
    `mapping ${row.uuid} ${row.source} ${row.resource} -> ${row.functionName}: state=${row.state}` +
    ` polled=${formatCount(row.polled)} invoked=${formatCount(row.invoked)} failed=${formatCount(row.failed)}` +
    ` iterator_age=${formatAge(row.iteratorAgeMs).replace(' ', '')}` +
    ` rate=${formatRate(row.ratePerSecond)}/s failures=${row.failures ? `${row.failures.name}:${row.failures.depth === 'error' ? '?' : row.failures.depth}` : '-'}`
  );
}
