/**
 * Running generated fuzz cases (api-fuzz.ts) against a Sluice and judging each answer:
 * shared by the API fuzz test (test/e2e/api-fuzz.test.ts) and the chaos suite's fuzz
 * scenario (chaos/scenarios/api-fuzz.ts, 10 times the count). Emulator-free, vitest-free.
 */
import { readFileSync } from 'node:fs';
import type { FuzzCase } from './api-fuzz.js';
import { sendRaw, type RawOutcome } from './raw-http.js';

/** Resident memory of a process, from /proc (Linux). */
export const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * What is wrong with one answer, or undefined when it is acceptable: no 5xx, no hang
 * past `hangMs`, and an error answer in Lambda's shape (api.md §8).
 */
export function problemWith(fuzzCase: FuzzCase, outcome: RawOutcome, hangMs: number): string | undefined {
  if (outcome.kind === 'timeout') return `no answer within ${hangMs} ms (got ${JSON.stringify(outcome.partial)})`;
  if (outcome.kind === 'closed') return undefined;
  const { status, headers, body } = outcome;
  if (status >= 500) return `answered ${status}: ${body.slice(0, 300)}`;
  if (!headers['x-amzn-requestid']) return `answered ${status} without x-amzn-RequestId`;
  if (status < 400 || body === '' || fuzzCase.method === 'HEAD') return undefined;
  const type = headers['x-amzn-errortype'];
  if (!type) return `answered ${status} without x-amzn-ErrorType: ${body.slice(0, 300)}`;
  if (!headers['content-type']?.startsWith('application/json')) return `answered ${status} as ${headers['content-type']}`;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `answered ${status} ${type} with a body that is not JSON: ${body.slice(0, 300)}`;
  }
  const message = parsed.message ?? parsed.Message;
  if (typeof message !== 'string' || message === '') return `answered ${status} ${type} without a message: ${body.slice(0, 300)}`;
  if (type !== 'ValidationException' && parsed.Type !== 'User') return `answered ${status} ${type} without "Type": "User": ${body.slice(0, 300)}`;
  return undefined;
}

/** Runs the cases `concurrency` at a time against `port`; returns each outcome in case order. */
export async function runFuzzCases(port: number, cases: readonly FuzzCase[], options: { concurrency: number; hangMs: number }): Promise<RawOutcome[]> {
  const outcomes: RawOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const fuzzCase = cases[index]!;
      outcomes[index] = await sendRaw(port, fuzzCase.request, { timeoutMs: options.hangMs, head: fuzzCase.method === 'HEAD' });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcomes;
}

/** Answers counted by status (`closed` / `timeout` for those without one). */
export function countByStatus(outcomes: readonly RawOutcome[]): Record<string, number> {
  const byStatus = new Map<string, number>();
  for (const outcome of outcomes) {
    const key = outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...byStatus].sort());
}
