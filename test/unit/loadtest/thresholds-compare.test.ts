/** checkThresholds (CI exit line) and compareReports (the --compare table). */
import { describe, expect, it } from 'vitest';
import { checkThresholds, compareReports, formatNumber, summarize, summaryTable, type Summary } from '../../../src/loadtest/report/index.js';
import { syntheticRun } from '../../support/loadtest-run.js';

const base = summarize(syntheticRun({ missRatio: 0 })).summary;
const withSummary = (patch: Partial<Summary>): Summary => ({ ...base, ...patch });

describe('checkThresholds', () => {
  it('nothing missing and no bounds given: passes', () => {
    expect(base.missing).toBe(0);
    expect(checkThresholds(base)).toBeUndefined();
  });

  it('max missing defaults to 0', () => {
    expect(checkThresholds(withSummary({ missing: 1 }))).toBe('threshold breached: missing 1 > max 0');
    expect(checkThresholds(withSummary({ missing: 3 }), { maxMissing: 3 })).toBeUndefined();
  });

  it('p99 above the bound, and equal to it', () => {
    const summary = withSummary({ latency_ms: { ...base.latency_ms, p99: 250 } });
    expect(checkThresholds(summary, { maxP99Ms: 200 })).toBe('threshold breached: p99 latency 250 ms > max 200 ms');
    expect(checkThresholds(summary, { maxP99Ms: 250 })).toBeUndefined();
  });

  it('no latency at all breaches a latency bound', () => {
    const summary = withSummary({ latency_ms: { p50: null, p90: null, p99: null, max: null, mean: null } });
    expect(checkThresholds(summary, { maxP99Ms: 1000 })).toMatch(/p99 latency unknown/);
  });

  it('throughput below the minimum; several breaches on one line', () => {
    const summary = withSummary({ throughput_per_s: 90.5, missing: 2 });
    expect(checkThresholds(summary, { minThroughput: 90.5 })).toBe('threshold breached: missing 2 > max 0');
    expect(checkThresholds(summary, { minThroughput: 100, maxMissing: 0 })).toBe('threshold breached: missing 2 > max 0; throughput 90.5/s < min 100/s');
  });
});

describe('compareReports', () => {
  const a = summarize(syntheticRun({ seed: 1, ratePerS: 100 }));
  const b = summarize(syntheticRun({ seed: 2, ratePerS: 150, batchSize: 25 }));
  const text = compareReports(a, b, ['a.json', 'b.json']);
  const row = (label: string) => text.split('\n').find((line) => line.startsWith(label))!;

  it('lists only the settings that differ', () => {
    expect(text).toMatch(/Settings that differ/);
    expect(row('rate ')).toMatch(/^rate\s+100\s+150$/);
    expect(row('mapping.BatchSize')).toMatch(/10\s+25$/);
    expect(text).not.toMatch(/^source /m);
    expect(compareReports(a, a)).toMatch(/^Settings: identical/);
  });

  it('every summary number with delta and percent', () => {
    const sent = row('Sent (records)').split(/\s{2,}/);
    expect(sent.slice(1)).toEqual([
      formatNumber(a.summary.sent),
      formatNumber(b.summary.sent),
      `+${formatNumber(b.summary.sent - a.summary.sent)}`,
      `+${(((b.summary.sent - a.summary.sent) / a.summary.sent) * 100).toFixed(1)}%`,
    ]);
    for (const label of ['Missing', 'Duplicates', 'Throughput', 'Latency p50', 'Latency p99', 'Latency max', 'Retries', 'On-failure destination']) {
      expect(row(label), label).toBeDefined();
    }
  });

  it('identical numbers show a zero delta; a zero base has no percent', () => {
    const zero = summarize(syntheticRun({ seed: 1, ratePerS: 100, missRatio: 0 }));
    const lines = compareReports(zero, a).split('\n');
    const missing = lines.find((l) => l.startsWith('Missing'))!.split(/\s{2,}/);
    expect(missing.slice(1)).toEqual(['0', formatNumber(a.summary.missing), `+${formatNumber(a.summary.missing)}`, 'n/a']);
    const destination = lines.find((l) => l.startsWith('On-failure'))!.split(/\s{2,}/);
    expect(destination.slice(-2)).toEqual(['0', '0%']);
  });
});

describe('formatNumber', () => {
  it('groups thousands, keeps one decimal, shows a dash for no value', () => {
    expect([formatNumber(1234567), formatNumber(1234.56), formatNumber(-1500), formatNumber(0.04), formatNumber(null)]).toEqual(['1,234,567', '1,234.6', '-1,500', '0', '–']);
  });
});

describe('summaryTable', () => {
  it('every metric with its value and unit, and the first missing ids', () => {
    const report = summarize(syntheticRun({ seed: 3 }));
    const text = summaryTable(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^result\s+value\s+unit$/);
    expect(lines.find((l) => l.startsWith('Sent '))).toMatch(new RegExp(`^Sent\\s+${formatNumber(report.summary.sent)}\\s+records$`));
    expect(lines.find((l) => l.startsWith('Latency p99'))).toMatch(new RegExp(`\\s${formatNumber(report.summary.latency_ms.p99)}\\s+ms$`));
    expect(report.summary.missing).toBeGreaterThan(10);
    expect(text).toContain(`missing ids: ${report.summary.missing_ids.slice(0, 10).join(', ')}, … (${report.summary.missing - 10} more in report.json)`);
  });
});
