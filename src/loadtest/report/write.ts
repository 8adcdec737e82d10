/** Writes a run's report.json and report.html into `dir` (created, with parents). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './html.js';
import type { Report } from './summarize.js';

export async function writeReport(dir: string, report: Report): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, 'report.json');
  const html = path.join(dir, 'report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderHtml(report));
  return { json, html };
}
