/**
 * The summary numbers every view shows (terminal table, compare, report.html), in one
 * list so the three agree on names, order and units. `key` is the stable name used in
 * report.html's `data-metric` attributes.
 */
import type { Summary } from './summarize.js';

export interface Metric {
  key: string;
  label: string;
  unit: string;
  value: (summary: Summary) => number | null;
  /** Whether a larger value is better (for compare's reading of a delta); undefined = neutral. */
  higherIsBetter?: boolean;
}

export const METRICS: Metric[] = [
  { key: 'sent', label: 'Sent', unit: 'records', value: (s) => s.sent },
  { key: 'invoked', label: 'Invoked', unit: 'records', value: (s) => s.invoked, higherIsBetter: true },
  { key: 'processed', label: 'Processed OK', unit: 'records', value: (s) => s.processed, higherIsBetter: true },
  { key: 'missing', label: 'Missing', unit: 'records', value: (s) => s.missing, higherIsBetter: false },
  { key: 'duplicates', label: 'Duplicates', unit: 'records', value: (s) => s.duplicates, higherIsBetter: false },
  { key: 'failed', label: 'Failed invocations', unit: 'invocations', value: (s) => s.failed, higherIsBetter: false },
  { key: 'failed_records', label: 'Failed records', unit: 'records', value: (s) => s.failed_records, higherIsBetter: false },
  { key: 'partial_failures', label: 'Partial failures', unit: 'invocations', value: (s) => s.partial_failures, higherIsBetter: false },
  { key: 'retries', label: 'Retries', unit: 'deliveries', value: (s) => s.retries, higherIsBetter: false },
  { key: 'invocations', label: 'Invocations', unit: 'invocations', value: (s) => s.invocations },
  { key: 'late_invocations', label: 'Late invocations', unit: 'invocations', value: (s) => s.late_invocations },
  { key: 'unknown_ids', label: 'Unknown ids', unit: 'records', value: (s) => s.unknown_ids },
  { key: 'send_failed', label: 'Not sent (producer gave up)', unit: 'records', value: (s) => s.send_failed, higherIsBetter: false },
  { key: 'destination_count', label: 'On-failure destination', unit: 'records', value: (s) => s.destination_count },
  { key: 'throughput_per_s', label: 'Throughput', unit: 'records/s', value: (s) => s.throughput_per_s, higherIsBetter: true },
  { key: 'send_rate_per_s', label: 'Send rate', unit: 'records/s', value: (s) => s.send_rate_per_s },
  { key: 'latency_ms.p50', label: 'Latency p50', unit: 'ms', value: (s) => s.latency_ms.p50, higherIsBetter: false },
  { key: 'latency_ms.p90', label: 'Latency p90', unit: 'ms', value: (s) => s.latency_ms.p90, higherIsBetter: false },
  { key: 'latency_ms.p99', label: 'Latency p99', unit: 'ms', value: (s) => s.latency_ms.p99, higherIsBetter: false },
  { key: 'latency_ms.max', label: 'Latency max', unit: 'ms', value: (s) => s.latency_ms.max, higherIsBetter: false },
  { key: 'latency_ms.mean', label: 'Latency mean', unit: 'ms', value: (s) => s.latency_ms.mean, higherIsBetter: false },
  { key: 'producer_behind_ms', label: 'Producer behind', unit: 'ms', value: (s) => s.producer_behind.ms, higherIsBetter: false },
  { key: 'backlog_max', label: 'Backlog max', unit: '', value: (s) => s.backlog_max?.value ?? null, higherIsBetter: false },
];

/** Plain, locale-independent formatting (1,234,567.8): the browser test parses it back. */
export function formatNumber(value: number | null): string {
  if (value === null) return '–';
  const rounded = Math.round(value * 10) / 10;
  const [int, frac] = Math.abs(rounded).toFixed(Number.isInteger(rounded) ? 0 : 1).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** The unit a metric shows with; the backlog's comes from the run (messages or ms of iterator age). */
export function unitOf(metric: Metric, summary: Summary): string {
  if (metric.key === 'backlog_max') return summary.backlog_max?.unit ?? '';
  return metric.unit;
}
