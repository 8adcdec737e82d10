/** renderHtml / writeReport: self-contained, escaped, numbers tagged with data-metric. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS, formatNumber, renderHtml, summarize, writeReport } from '../../../src/loadtest/report/index.js';
import { syntheticRun } from '../../support/loadtest-run.js';

const report = summarize(syntheticRun());
const html = renderHtml(report);

describe('renderHtml', () => {
  it('needs no network: no script, stylesheet link, image or frame source, no url() in CSS', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import/i);
  });

  it('escapes every string from the run (the resource name here holds < > & ")', () => {
    expect(report.settings.resource).toContain('<orders>&"q"');
    expect(html).not.toContain('<orders>');
    expect(html).toContain('loadtest-&lt;orders&gt;&amp;&quot;q&quot;');
    const hostile = summarize({ ...syntheticRun({ seconds: 2 }), settings: { ...report.settings, functionName: '</title><script>alert(1)</script>', mapping: { '<b>': '"x"' } } });
    const page = renderHtml(hostile);
    expect(page).not.toMatch(/<script|<b>/);
    expect(page).toContain('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('every summary metric appears with data-metric and its formatted value', () => {
    for (const metric of METRICS) {
      const match = new RegExp(`data-metric="${metric.key.replace('.', '\\.')}">([^<]*)<`).exec(html);
      expect(match?.[1], metric.key).toBe(formatNumber(metric.value(report.summary)));
    }
  });

  it('five charts, each with drawn data', () => {
    for (const id of ['throughput', 'latency', 'histogram', 'backlog', 'errors']) {
      const figure = new RegExp(`<figure class="chart" data-chart="${id}">([\\s\\S]*?)</figure>`).exec(html)?.[1];
      expect(figure, id).toBeDefined();
      expect(figure).toMatch(/<(path|rect) class="series"/);
    }
  });

  it('a run without backlog samples or invocations says so instead of drawing empty charts', () => {
    const run = syntheticRun({ seconds: 2 });
    const page = renderHtml(summarize({ ...run, backlog: [], invocations: [] }));
    expect(page).toMatch(/data-chart="backlog" data-empty="true"[\s\S]*No backlog samples/);
    expect(page).toMatch(/data-chart="histogram" data-empty="true"[\s\S]*No record was invoked/);
  });

  it('an error-free run says so under the errors chart', () => {
    expect(html).not.toContain('No function errors');
    const clean = renderHtml(summarize(syntheticRun({ errorRatio: 0, partialRatio: 0 })));
    expect(clean).toMatch(/data-chart="errors">[\s\S]*No function errors, invocation errors or partial failures/);
  });

  it('lists missing ids and warns when the producer fell behind', () => {
    expect(report.summary.missing).toBeGreaterThan(0);
    for (const id of report.summary.missing_ids) expect(html).toContain(`<code>${id}</code>`);
    expect(html).toMatch(/could not hold the asked rate<\/strong> for 1 s/);
    const calm = renderHtml(summarize({ ...syntheticRun({ missRatio: 0 }), producer: [] }));
    expect(calm).not.toMatch(/could not hold|missing record ids/);
  });
});

describe('writeReport', () => {
  it('creates the folder and writes report.json (the report itself) and report.html', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sluice-report-'));
    try {
      const dir = path.join(root, 'nested', 'run-1');
      const written = await writeReport(dir, report);
      expect(written).toEqual({ json: path.join(dir, 'report.json'), html: path.join(dir, 'report.html') });
      expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(report);
      expect(await readFile(written.html, 'utf8')).toBe(html);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
