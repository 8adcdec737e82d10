/** Terminal tables: the end-of-run summary and `--compare`. */
import { METRICS, formatNumber, unitOf } from './metrics.js';
import type { Report } from './summarize.js';

/** First row is the header; the first column is text (left), the others numbers (right-aligned, so digits line up). */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const align = (cell: string, column: number) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!));
  const line = (row: string[]) => row.map(align).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** The summary table printed when a run ends: every metric of report.json with its unit. */
export function summaryTable(report: Report): string {
  const rows = METRICS.map((metric) => [metric.label, formatNumber(metric.value(report.summary)), unitOf(metric, report.summary)]);
  const missing = report.summary.missing_ids;
  const tail =
    missing.length === 0
      ? ''
      : `\nmissing ids: ${missing.slice(0, 10).join(', ')}${report.summary.missing > 10 ? `, … (${formatNumber(report.summary.missing - 10)} more in report.json)` : ''}`;
  return `${textTable([['result', 'value', 'unit'], ...rows])}${tail}`;
}
