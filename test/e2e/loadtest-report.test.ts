/**
 * report.html in a real browser (issue #14): a synthetic run with missing records,
 * duplicates, errors and partial failures is summarized and written, then opened from
 * disk in headless Chromium. The charts must be drawn, the page must make no request and
 * log no error, and every number on it must equal report.json's. (The README's
 * docs/loadtest-report.png is a real run's page, not this synthetic one.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { summarize, writeReport, type Report } from '../../src/loadtest/report/index.js';
import { launchChromium } from '../support/browser.js';
import { syntheticRun } from '../support/loadtest-run.js';

// tsconfig has Node's types, not the DOM's: the few browser globals the page-side code reads.
declare const document: { documentElement: { scrollWidth: number }; querySelector(selector: string): { getBoundingClientRect(): { width: number } } | null };
declare const window: { innerWidth: number };
type Graphic = { getBBox(): { width: number; height: number } };

/** The report.json value a data-metric name stands for, read from the JSON itself. */
function jsonValue(report: Report, key: string): unknown {
  if (key === 'producer_behind_ms') return report.summary.producer_behind.ms;
  if (key === 'backlog_max') return report.summary.backlog_max?.value ?? null;
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], report.summary);
}

describe('loadtest report.html in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let json: Report;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-loadtest-report-'));
    // ~3,900 records over 20 s: ramp, a spike with slower latency, ~0.4% missing, duplicates, errors.
    const written = await writeReport(dir, summarize(syntheticRun({ seed: 14, ratePerS: 200, seconds: 20 })));
    json = JSON.parse(await readFile(written.json, 'utf8')) as Report;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    const fileUrl = pathToFileURL(written.html).href;
    await page.goto(fileUrl, { waitUntil: 'load' });
    // The page itself is the one request allowed.
    requests.splice(requests.indexOf(fileUrl), 1);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the run has what the page must show: missing records, duplicates, errors, partial failures', () => {
    expect(json.summary.sent).toBeGreaterThan(3000);
    for (const key of ['missing', 'duplicates', 'failed', 'partial_failures', 'retries'] as const) expect(json.summary[key], key).toBeGreaterThan(0);
  });

  it('every chart is drawn: an SVG with data marks of real size', async () => {
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg.plot');
        const marks = [...figure.querySelectorAll('svg.plot .series')];
        const box = svg?.getBoundingClientRect();
        return {
          id: figure.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: marks.length,
          // A path with a real outline or a rect with height: something visible was drawn.
          drawn: marks.filter((mark) => {
            const b = (mark as unknown as Graphic).getBBox();
            return b.width > 0 && b.height > 0;
          }).length,
        };
      }),
    );
    expect(charts.map((c) => c.id).sort()).toEqual(['backlog', 'errors', 'histogram', 'latency', 'throughput']);
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(300);
      expect(chart.height, chart.id).toBeGreaterThan(100);
      expect(chart.drawn, chart.id).toBeGreaterThan(0);
    }
    expect(charts.find((c) => c.id === 'histogram')!.marks).toBeGreaterThan(10);
    expect(await page.$$eval('figure.chart .legend li', (items) => items.length)).toBeGreaterThanOrEqual(9);
  });

  it('no console errors and no network request', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('the numbers shown equal report.json', async () => {
    const shown = await page.$$eval('[data-metric]', (cells) => cells.map((cell) => [cell.getAttribute('data-metric')!, cell.textContent!.trim()] as const));
    const keys = new Set(shown.map(([key]) => key));
    for (const key of ['sent', 'invoked', 'missing', 'duplicates', 'failed', 'throughput_per_s', 'latency_ms.p50', 'latency_ms.p90', 'latency_ms.p99', 'latency_ms.max', 'destination_count', 'retries', 'partial_failures']) {
      expect(keys.has(key), key).toBe(true);
    }
    for (const [key, text] of shown) {
      const value = jsonValue(json, key);
      expect(typeof value, key).toBe('number');
      // The page shows one decimal with thousands separators.
      expect(Number(text.replace(/,/g, '')), `${key}: "${text}"`).toBe(Math.round((value as number) * 10) / 10);
    }
  });

  it('the missing ids are listed', async () => {
    const ids = await page.$$eval('details .ids code', (codes) => codes.map((code) => code.textContent));
    expect(ids).toEqual(json.summary.missing_ids);
  });

  it('fits a narrow window without sideways scrolling (charts scale with the page)', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    const { scroll, inner, svgWidth } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      svgWidth: document.querySelector('figure.chart svg.plot')!.getBoundingClientRect().width,
    }));
    expect(scroll).toBeLessThanOrEqual(inner);
    expect(svgWidth).toBeLessThan(420);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
