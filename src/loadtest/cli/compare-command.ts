/** `sluice loadtest --compare a b`: two report.json files (or run folders holding one), side by side. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { compareReports, readReport } from '../report/index.js';
import { UsageError } from './usage-error.js';

/** A run folder stands for its report.json. */
function reportFile(given: string, cwd: string): string {
  const full = path.resolve(cwd, given);
  try {
    return statSync(full).isDirectory() ? path.join(full, 'report.json') : full;
  } catch {
    throw new UsageError(`--compare: no such file or folder: ${given}`);
  }
}

export async function compareCommand(files: string[], cwd: string): Promise<string> {
  if (files.length !== 2) throw new UsageError(`--compare takes two reports (report.json files or run folders), got ${files.length}`);
  const [a, b] = files.map((file) => reportFile(file, cwd)) as [string, string];
  let reports;
  try {
    reports = await Promise.all([readReport(a), readReport(b)]);
  } catch (error) {
    throw new UsageError(`--compare: ${(error as Error).message}`);
  }
  // Name the columns after what the user typed (a folder name says more than "A").
  return compareReports(reports[0], reports[1], [files[0]!, files[1]!]);
}
