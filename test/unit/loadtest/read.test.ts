/** readReport: a report.json comes back as written; anything else is refused with the file and field named. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport, summarize, writeReport } from '../../../src/loadtest/report/index.js';
import { syntheticRun } from '../../support/loadtest-run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-read-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readReport', () => {
  it('reads back what writeReport wrote', async () => {
    const report = summarize(syntheticRun({ seconds: 4 }));
    const { json } = await writeReport(path.join(dir, 'ok'), report);
    expect(await readReport(json)).toEqual(report);
  });

  it('refuses a JSON file that is not a report, naming the field', async () => {
    const report = summarize(syntheticRun({ seconds: 2 }));
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...report, summary: { ...report.summary, sent: 'many' } }));
    await expect(readReport(file)).rejects.toThrow(`${file}: not a sluice loadtest report.json (summary.sent:`);
    await writeFile(file, JSON.stringify({ ...report, version: 2 }));
    await expect(readReport(file)).rejects.toThrow(/\(version:/);
  });

  it('refuses a file that is not JSON or does not exist', async () => {
    const file = path.join(dir, 'text.json');
    await writeFile(file, 'sent=3');
    await expect(readReport(file)).rejects.toThrow(`${file}: not a readable JSON file`);
    await expect(readReport(path.join(dir, 'absent.json'))).rejects.toThrow(/absent\.json: not a readable JSON file \(ENOENT/);
  });
});
