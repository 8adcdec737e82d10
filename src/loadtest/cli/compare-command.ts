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
  // (chosen) Columns named after the runs' folders (loadtest-<time>, or the --out the user
  // chose), short enough for a terminal; A and B when the folders have the same name.
  const folders = [path.basename(path.dirname(a)), path.basename(path.dirname(b))];
  const names: [string, string] = folders[0] !== folders[1] ? [folders[0]!, folders[1]!] : ['A', 'B'];
  const width = Math.max(names[0].length, names[1].length);
  const legend = `${names[0].padEnd(width)}  ${a}\n${names[1].padEnd(width)}  ${b}`;
  return `${legend}\n\n${compareReports(reports[0], reports[1], names)}`;
}
