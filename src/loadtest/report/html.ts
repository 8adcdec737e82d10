/**
 * Report → report.html: one self-contained file (inline CSS and SVG, no script, no
 * network), meant to be attached to a design review. Every string from the run is
 * escaped; every summary number carries `data-metric="<name>"` (names from METRICS) so a
 * test, or a user's scraper, can read the page back.
 */
import type { Report } from './summarize.js';
import { METRICS, formatNumber, unitOf } from './metrics.js';
import { chart, emptyChart, escapeHtml } from './svg.js';

// Colour-blind-safe pairings (blue/orange, then green, red, purple), readable on white and in print.
const BLUE = '#1f6feb';
const ORANGE = '#e8710a';
const GREEN = '#1a7f37';
const RED = '#cf222e';
const PURPLE = '#8250df';

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .name { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .unit { color: var(--muted); font-size: 13px; margin-left: 4px; }
.card.bad { border-color: ${RED}; background: #fff5f5; }
.card.bad .value { color: ${RED}; }
.banner { border: 1px solid ${ORANGE}; background: #fff8f0; border-radius: 8px; padding: 8px 14px; margin: 12px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 20px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px 12px 4px; }
figcaption { font-weight: 600; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 4px 0 0; color: var(--muted); font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 6px; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--muted); }
svg text.label { font-size: 13px; fill: var(--fg); }
svg .grid { stroke: #eaeef2; }
svg .axis { stroke: #8c959f; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0 8px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 20px; align-items: start; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td code, .ids code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
details { margin-top: 12px; }
.ids { max-height: 240px; overflow: auto; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
@media print { .charts, .tables { grid-template-columns: 1fr; } }
`;

function settingsRows(report: Report): Array<[string, string]> {
  const s = report.settings;
  const rows: Array<[string, string]> = [
    ['Source', s.source],
    ['Resource', s.resource],
    ['Function', s.functionName],
    ['Endpoint', s.endpoint],
  ];
  if (s.rate !== undefined) rows.push(['Rate', `${formatNumber(s.rate)} records/s`]);
  if (s.durationMs !== undefined) rows.push(['Duration', `${formatNumber(s.durationMs / 1000)} s`]);
  if (s.count !== undefined) rows.push(['Count', formatNumber(s.count)]);
  if (s.payloadBytes !== undefined) rows.push(['Payload', `${formatNumber(s.payloadBytes)} bytes`]);
  for (const phase of s.phases ?? []) {
    rows.push([`Phase ${phase.name}`, `${formatNumber(phase.rate)} records/s for ${formatNumber(phase.durationMs / 1000)} s`]);
  }
  for (const [key, value] of Object.entries(s.mapping)) rows.push([`Mapping ${key}`, typeof value === 'string' ? value : JSON.stringify(value)]);
  rows.push(['Started', report.run.started_at], ['Ended', report.run.ended_at], ['Grace period', `${formatNumber(report.run.grace_ms / 1000)} s`]);
  return rows;
}

/** Cards at the top: the numbers a reader looks for first; red when they signal trouble. */
const CARDS: Array<{ key: string; bad?: (report: Report) => boolean }> = [
  { key: 'sent' },
  { key: 'invoked' },
  { key: 'missing', bad: (r) => r.summary.missing > 0 },
  { key: 'duplicates', bad: (r) => r.summary.duplicates > 0 },
  { key: 'failed', bad: (r) => r.summary.failed > 0 },
  { key: 'throughput_per_s' },
  { key: 'latency_ms.p50' },
  { key: 'latency_ms.p99' },
];

export function renderHtml(report: Report): string {
  const { summary, series } = report;
  const title = `Load test: ${report.settings.source} → ${report.settings.functionName}`;
  const metric = (key: string) => METRICS.find((m) => m.key === key)!;

  const cards = CARDS.map(({ key, bad }) => {
    const m = metric(key);
    return `<div class="card${bad?.(report) ? ' bad' : ''}"><div class="name">${escapeHtml(m.label)}</div><span class="value" data-metric="${escapeHtml(key)}">${formatNumber(m.value(summary))}</span><span class="unit">${escapeHtml(unitOf(m, summary))}</span></div>`;
  }).join('');

  const xs = series.map((p) => p.t);
  const charts: string[] = [
    chart({
      id: 'throughput',
      title: 'Throughput: sent vs invoked',
      xLabel: 'Time since start (s)',
      yLabel: 'Records per second',
      xs,
      kind: 'line',
      series: [
        { name: 'Sent', color: BLUE, values: series.map((p) => p.sent) },
        { name: 'Invoked (first delivery)', color: ORANGE, values: series.map((p) => p.invoked) },
      ],
    }),
    chart({
      id: 'latency',
      title: 'Put → invoke latency over time',
      xLabel: 'Send time since start (s)',
      yLabel: 'Latency (ms)',
      xs,
      kind: 'line',
      series: [
        { name: 'p50', color: GREEN, values: series.map((p) => p.p50) },
        { name: 'p90', color: BLUE, values: series.map((p) => p.p90) },
        { name: 'p99', color: RED, values: series.map((p) => p.p99) },
      ],
      note: 'Percentiles of the records sent in each second.',
    }),
  ];
  const histogram = report.histogram;
  charts.push(
    histogram.counts.length === 0
      ? emptyChart('histogram', 'Latency distribution', 'No record was invoked.')
      : chart({
          id: 'histogram',
          title: 'Latency distribution',
          xLabel: 'Put → invoke latency (ms)',
          yLabel: 'Records',
          xs: histogram.counts.map((_, i) => i * histogram.bucket_ms),
          barWidth: histogram.bucket_ms,
          kind: 'bars',
          series: [{ name: `Records per ${formatNumber(histogram.bucket_ms)} ms bucket`, color: BLUE, values: histogram.counts }],
          note:
            histogram.overflow > 0
              ? `${formatNumber(histogram.overflow)} records slower than ${formatNumber(histogram.counts.length * histogram.bucket_ms)} ms are not drawn (max ${formatNumber(summary.latency_ms.max)} ms).`
              : undefined,
        }),
  );
  const backlogUnit = report.backlog_unit;
  charts.push(
    backlogUnit === null
      ? emptyChart('backlog', 'Backlog', 'No backlog samples were taken.')
      : chart({
          id: 'backlog',
          title: backlogUnit === 'ms' ? 'Backlog: iterator age' : 'Backlog: queue depth',
          xLabel: 'Time since start (s)',
          yLabel: backlogUnit === 'ms' ? 'Iterator age (ms)' : 'Messages in queue',
          xs,
          kind: 'line',
          series: [{ name: backlogUnit === 'ms' ? 'Iterator age (max per second)' : 'Queue depth (max per second)', color: PURPLE, values: series.map((p) => p.backlog) }],
        }),
    chart({
      id: 'errors',
      title: 'Errors over time',
      xLabel: 'Time since start (s)',
      yLabel: 'Invocations per second',
      xs,
      kind: 'bars',
      series: [
        { name: 'Function / invocation errors', color: RED, values: series.map((p) => p.errors) },
        { name: 'Partial batch failures', color: ORANGE, values: series.map((p) => p.partial_failures) },
      ],
      // Empty axes could read as "not measured": say that there were none.
      note: summary.failed + summary.partial_failures === 0 ? 'No function errors, invocation errors or partial failures.' : undefined,
    }),
  );

  const results = METRICS.map((m) => {
    const unit = unitOf(m, summary);
    return `<tr><th scope="row">${escapeHtml(m.label)}</th><td class="num" data-metric="${escapeHtml(m.key)}">${formatNumber(m.value(summary))}</td><td>${escapeHtml(unit)}</td></tr>`;
  }).join('');
  const settings = settingsRows(report)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`)
    .join('');

  const behind = summary.producer_behind.behind
    ? `<p class="banner"><strong>The producer could not hold the asked rate</strong> for ${formatNumber(summary.producer_behind.ms / 1000)} s: the results describe a lighter load than asked.</p>`
    : '';
  const missing =
    summary.missing === 0
      ? ''
      : `<details><summary>${formatNumber(summary.missing)} missing record ids${summary.missing_ids_omitted > 0 ? ` (first ${formatNumber(summary.missing_ids.length)} shown)` : ''}</summary><div class="ids">${summary.missing_ids.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ')}</div></details>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(report.settings.resource)} · ${escapeHtml(report.run.started_at)} · ${formatNumber(report.run.duration_ms / 1000)} s + ${formatNumber(report.run.grace_ms / 1000)} s grace</p>
${behind}
<section class="cards">${cards}</section>
<h2>Charts</h2>
<section class="charts">${charts.join('\n')}</section>
<h2>Results and settings</h2>
<section class="tables">
<table class="results"><caption hidden>Results</caption><thead><tr><th>Result</th><th>Value</th><th>Unit</th></tr></thead><tbody>${results}</tbody></table>
<table class="settings"><caption hidden>Settings</caption><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>${settings}</tbody></table>
</section>
${missing}
</main>
</body>
</html>
`;
}
