import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { RateLimitedWarnings } from '../../../src/observability/rate-limited-warnings.js';

interface Line {
  level: number;
  msg: string;
  repeats?: number;
  [key: string]: unknown;
}

function capture() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

const WARN = 40;
const ERROR = 50;

describe('RateLimitedWarnings', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs the first occurrence at once, then one count line per interval', () => {
    const { logger, lines } = capture();
    const warnings = new RateLimitedWarnings(logger, { intervalMs: 60_000 });
    const warn = (n: number) => warnings.warn({ key: 'm-1|connection_refused', fields: { attempt: n }, message: 'target refused' });

    warn(1);
    expect(lines).toEqual([expect.objectContaining({ level: WARN, msg: 'target refused', attempt: 1 })]);
    for (let n = 2; n <= 58; n++) {
      vi.advanceTimersByTime(1000);
      warn(n);
    }
    expect(lines).toHaveLength(1);

    vi.advanceTimersByTime(3000); // the interval ends 60 s after the first line
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: WARN, msg: 'target refused (57 more times in the last 60 s)', repeats: 57, attempt: 58 });

    // Still failing: the next interval gets its own count line, and no line in between.
    warn(59);
    warn(60);
    vi.advanceTimersByTime(59_000);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(lines[2]).toMatchObject({ msg: 'target refused (2 more times in the last 60 s)', repeats: 2 });
  });

  it('an interval without repeats ends the episode: the next occurrence is logged at once, without a count line', () => {
    const { logger, lines } = capture();
    const warnings = new RateLimitedWarnings(logger, { intervalMs: 60_000 });
    warnings.warn({ key: 'k', fields: {}, message: 'once' });
    vi.advanceTimersByTime(60_000);
    expect(lines.map((l) => l.msg)).toEqual(['once']);
    vi.advanceTimersByTime(60_000);
    warnings.warn({ key: 'k', fields: {}, message: 'again' });
    expect(lines.map((l) => l.msg)).toEqual(['once', 'again']);
  });

  it('keys are independent', () => {
    const { logger, lines } = capture();
    const warnings = new RateLimitedWarnings(logger, { intervalMs: 60_000 });
    for (const key of ['m-1|connection_refused', 'm-1|timeout', 'm-2|connection_refused', 'm-1|connection_refused']) {
      warnings.warn({ key, fields: { key }, message: key });
    }
    expect(lines.map((l) => l.msg)).toEqual(['m-1|connection_refused', 'm-1|timeout', 'm-2|connection_refused']);
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(3).map((l) => l.msg)).toEqual(['m-1|connection_refused (1 more time in the last 60 s)']);
  });

  it('writes through the logger and at the level of the latest occurrence', () => {
    const { logger, lines } = capture();
    const warnings = new RateLimitedWarnings(logger, { intervalMs: 1000 });
    warnings.warn({ key: 'k', fields: {}, message: 'dropped', logger: logger.child({ shardId: 's-1' }), level: 'error' });
    warnings.warn({ key: 'k', fields: {}, message: 'dropped', logger: logger.child({ shardId: 's-2' }), level: 'error' });
    vi.advanceTimersByTime(1000);
    expect(lines).toEqual([
      expect.objectContaining({ level: ERROR, shardId: 's-1', msg: 'dropped' }),
      expect.objectContaining({ level: ERROR, shardId: 's-2', msg: 'dropped (1 more time in the last 1 s)' }),
    ]);
  });

  it('close() writes the counts still pending, over the time they took, and stops every timer', () => {
    const { logger, lines } = capture();
    const warnings = new RateLimitedWarnings(logger, { intervalMs: 60_000 });
    warnings.warn({ key: 'a', fields: {}, message: 'a' });
    warnings.warn({ key: 'b', fields: {}, message: 'b' });
    vi.advanceTimersByTime(5000);
    warnings.warn({ key: 'a', fields: {}, message: 'a' });
    warnings.warn({ key: 'a', fields: {}, message: 'a' });
    warnings.close();
    expect(lines.map((l) => l.msg)).toEqual(['a', 'b', 'a (2 more times in the last 5 s)']);
    expect(vi.getTimerCount()).toBe(0);
    warnings.warn({ key: 'a', fields: {}, message: 'a' });
    expect(lines).toHaveLength(4);
  });
});
