/** `sluice loadtest --compare a.json b.json`: two runs side by side as a terminal table. */
import type { Report } from './summarize.js';
import { METRICS, formatNumber, unitOf } from './metrics.js';
import { textTable as table } from './table.js';

function flatten(value: unknown, prefix: string, into: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix === '' ? key : `${prefix}.${key}`, into);
  } else if (value !== undefined) {
    into.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
}

function percentChange(a: number, b: number): string {
  if (a === b) return '0%';
  if (a === 0) return 'n/a';
  const pct = ((b - a) / Math.abs(a)) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function compareReports(a: Report, b: Report, names: [string, string] = ['A', 'B']): string {
  const sections: string[] = [];
  const settingsA = new Map<string, string>();
  const settingsB = new Map<string, string>();
  flatten(a.settings, '', settingsA);
  flatten(b.settings, '', settingsB);
  const keys = [...new Set([...settingsA.keys(), ...settingsB.keys()])].sort();
  const differing = keys.filter((key) => settingsA.get(key) !== settingsB.get(key));
  sections.push(
    differing.length === 0
      ? 'Settings: identical'
      : `Settings that differ\n${table([['setting', names[0], names[1]], ...differing.map((key) => [key, settingsA.get(key) ?? '–', settingsB.get(key) ?? '–'])])}`,
  );
  const rows = METRICS.map((metric) => {
    const va = metric.value(a.summary);
    const vb = metric.value(b.summary);
    const unit = unitOf(metric, a.summary) || unitOf(metric, b.summary);
    const both = va !== null && vb !== null;
    return [
      unit === '' ? metric.label : `${metric.label} (${unit})`,
      formatNumber(va),
      formatNumber(vb),
      both ? `${vb - va > 0 ? '+' : ''}${formatNumber(vb - va)}` : '–',
      both ? percentChange(va, vb) : '–',
    ];
  });
  sections.push(`Results\n${table([['metric', names[0], names[1], 'delta', '%'], ...rows])}`);
  return sections.join('\n\n');
}
