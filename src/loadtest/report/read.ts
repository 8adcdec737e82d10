/**
 * Reads a report.json back for `--compare`. The file may come from another Sluice version
 * or be some other JSON: check the parts compare reads (version, settings, every summary
 * number) and say which file and field is wrong, rather than printing a table of NaN.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Report } from './summarize.js';

const count = z.number().finite();
const maybe = count.nullable();
const reportShape = z.object({
  version: z.literal(1),
  settings: z.object({ source: z.string(), resource: z.string(), functionName: z.string(), endpoint: z.string(), mapping: z.record(z.string(), z.unknown()) }).passthrough(),
  summary: z
    .object({
      sent: count,
      invoked: count,
      processed: count,
      missing: count,
      missing_ids: z.array(z.string()),
      missing_ids_omitted: count,
      duplicates: count,
      failed: count,
      failed_records: count,
      partial_failures: count,
      retries: count,
      invocations: count,
      late_invocations: count,
      unknown_ids: count,
      destination_count: count,
      throughput_per_s: count,
      send_rate_per_s: count,
      latency_ms: z.object({ p50: maybe, p90: maybe, p99: maybe, max: maybe, mean: maybe }),
      producer_behind: z.object({ behind: z.boolean(), ms: count }),
      backlog_max: z.object({ value: count, unit: z.enum(['messages', 'ms']) }).nullable(),
    })
    .passthrough(),
});

export async function readReport(file: string): Promise<Report> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a readable JSON file (${(error as Error).message})`);
  }
  const parsed = reportShape.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: not a sluice loadtest report.json (${issue.path.join('.') || 'top level'}: ${issue.message})`);
  }
  // Checked: everything compare and the thresholds read; series and histogram pass through untouched.
  return data as Report;
}
