/**
 * What a scenario hands back, and how it is shown: one table per scenario on stdout, and
 * every figure in the JSON summary file.
 */

export type Cell = string | number | undefined;

export interface ScenarioTable {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface ScenarioResult {
  scenario: string;
  /** False when a record was lost, a stream record came out of order, or a promise broke. */
  ok: boolean;
  /** What broke, one line each (empty when ok). */
  problems: string[];
  tables: ScenarioTable[];
  /** Machine-readable figures for the JSON summary. */
  figures: Record<string, unknown>;
  /** What the figures mean or what was seen (printed under the tables). */
  notes: string[];
  seconds: number;
}

export interface ScenarioOptions {
  /** The CI variant: fewer records and kills, shorter outages. */
  short: boolean;
}

const show = (cell: Cell): string => (cell === undefined ? '-' : typeof cell === 'number' ? cell.toLocaleString('en-US') : cell);

/** A Markdown table (readable in a terminal, pasteable into the README). */
export function formatTable(table: ScenarioTable): string {
  const lines = [`${table.title}`, '', `| ${table.columns.join(' | ')} |`, `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const row of table.rows) lines.push(`| ${row.map(show).join(' | ')} |`);
  return lines.join('\n');
}

export function formatResult(result: ScenarioResult): string {
  const head = `== ${result.scenario}: ${result.ok ? 'OK' : 'FAILED'} (${result.seconds.toFixed(1)} s)`;
  const parts = [head, ...result.tables.map(formatTable)];
  if (result.notes.length > 0) parts.push(result.notes.map((note) => `- ${note}`).join('\n'));
  if (result.problems.length > 0) parts.push(result.problems.map((problem) => `PROBLEM: ${problem}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** Milliseconds as seconds with one decimal, for tables. */
export const seconds = (ms: number | undefined): Cell => (ms === undefined ? undefined : `${(ms / 1000).toFixed(1)} s`);

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
