/**
 * Hand-made SVG charts for report.html. Why not a chart library: the report must open
 * with no network, so a library would be inlined into every report (Chart.js ≈ 200 KB,
 * and it draws on a canvas the browser test cannot read numbers from); five charts of a
 * few hundred points each are a page of code as SVG, render without JavaScript and print.
 * The viewBox scales with the page (width 100%), so the charts are as wide as the screen.
 */
import { formatNumber } from './metrics.js';
import { niceStep } from './percentiles.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const W = 720;
const H = 300;
const M = { left: 68, right: 18, top: 14, bottom: 46 };
const plotW = W - M.left - M.right;
const plotH = H - M.top - M.bottom;

export interface Series {
  name: string;
  color: string;
  values: Array<number | null>;
  dashed?: boolean;
}

export interface ChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** x of each value (same length as every series' values). */
  xs: number[];
  series: Series[];
  /** Bars: stacked per x (errors, histogram); lines otherwise. */
  kind: 'line' | 'bars';
  /** Width of one bar in x units (bars only). */
  barWidth?: number;
  note?: string;
}

const fmt = (v: number) => formatNumber(Math.round(v * 100) / 100);

function ticks(max: number, count: number): number[] {
  const step = niceStep(max / count);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function legend(series: Series[]): string {
  return `<ul class="legend">${series
    .map(
      (s) =>
        `<li><svg width="22" height="10" aria-hidden="true"><line x1="0" y1="5" x2="22" y2="5" stroke="${s.color}" stroke-width="${s.dashed ? 2 : 3}"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/></svg>${escapeHtml(s.name)}</li>`,
    )
    .join('')}</ul>`;
}

export function chart(options: ChartOptions): string {
  const { xs, series, kind } = options;
  const barWidth = options.barWidth ?? 1;
  const xMax = Math.max(1, ...xs.map((x) => (kind === 'bars' ? x + barWidth : x)));
  let yMaxRaw = 0;
  for (let i = 0; i < xs.length; i++) {
    // Stacked bars reach the sum of the series; lines reach their largest value.
    let stack = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      stack += v;
      if (kind === 'line') yMaxRaw = Math.max(yMaxRaw, v);
    }
    if (kind === 'bars') yMaxRaw = Math.max(yMaxRaw, stack);
  }
  const yStep = niceStep((yMaxRaw || 1) / 5);
  const yMax = Math.ceil((yMaxRaw || 1) / yStep) * yStep;
  const sx = (x: number) => M.left + (x / xMax) * plotW;
  const sy = (y: number) => M.top + plotH - (y / yMax) * plotH;

  const parts: string[] = [];
  for (const y of ticks(yMax, 5)) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  for (const x of ticks(xMax, 8)) {
    if (x > xMax) continue;
    parts.push(`<line class="axis" x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${M.top + plotH}" y2="${M.top + plotH + 5}"/>`);
    parts.push(`<text class="tick" x="${sx(x).toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle">${fmt(x)}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}"/>`);
  parts.push(`<text class="label" x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`);
  parts.push(
    `<text class="label" transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`,
  );

  if (kind === 'line') {
    for (const s of series) {
      // A null (no data that second) breaks the line rather than drawing a false zero.
      let d = '';
      let pen = false;
      for (let i = 0; i < xs.length; i++) {
        const v = s.values[i];
        if (v === null || v === undefined) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${sx(xs[i]!).toFixed(1)} ${sy(v).toFixed(1)}`;
        pen = true;
      }
      if (d !== '') {
        parts.push(
          `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
        );
      }
    }
  } else {
    const w = Math.max(0.5, (barWidth / xMax) * plotW - 1);
    for (let i = 0; i < xs.length; i++) {
      let base = 0;
      for (const s of series) {
        const v = s.values[i] ?? 0;
        if (v <= 0) continue;
        const y0 = sy(base);
        const y1 = sy(base + v);
        parts.push(
          `<rect class="series" data-series="${escapeHtml(s.name)}" x="${sx(xs[i]!).toFixed(1)}" y="${y1.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(s.name)}: ${fmt(v)} at ${fmt(xs[i]!)}</title></rect>`,
        );
        base += v;
      }
    }
  }

  return `<figure class="chart" data-chart="${escapeHtml(options.id)}">
<figcaption>${escapeHtml(options.title)}</figcaption>
${legend(series)}
<svg class="plot" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(options.title)}">${parts.join('')}</svg>
${options.note === undefined ? '' : `<p class="note">${escapeHtml(options.note)}</p>`}
</figure>`;
}

/** When a chart has nothing to draw (no backlog samples, no errors), say so instead of an empty frame. */
export function emptyChart(id: string, title: string, reason: string): string {
  return `<figure class="chart empty" data-chart="${escapeHtml(id)}" data-empty="true"><figcaption>${escapeHtml(title)}</figcaption><p class="note">${escapeHtml(reason)}</p></figure>`;
}
