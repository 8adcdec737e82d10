/** The live view: pure rendering of a snapshot, the TTY redraw, the plain lines' pace. */
import { describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../../../../src/loadtest/plan.js';
import {
  BEHIND_WARNING,
  PLAIN_INTERVAL_MS,
  createProgressView,
  progressBar,
  redraw,
  renderProgressBlock,
  renderProgressLine,
} from '../../../../src/loadtest/cli/progress-view.js';

const snapshot = (patch: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  elapsedMs: 27_400,
  plannedMs: 60_000,
  stage: 'sending',
  phase: 'steady',
  sent: 13_500,
  planned: 30_000,
  invoked: 13_210,
  failed: 3,
  sendRate: 500,
  invokeRate: 498.24,
  latencyMs: { p50: 12, p99: 48 },
  backlog: { at: 0, value: 230, unit: 'ms' },
  behind: false,
  ...patch,
});

describe('progressBar', () => {
  it('fills in proportion, clamped to 0..100%', () => {
    expect(progressBar(0, 100, 10)).toBe('[░░░░░░░░░░]   0%');
    expect(progressBar(45, 100, 10)).toBe('[█████░░░░░]  45%');
    expect(progressBar(100, 100, 10)).toBe('[██████████] 100%');
    expect(progressBar(150, 100, 10)).toBe('[██████████] 100%');
    expect(progressBar(5, 0, 4)).toBe('[░░░░]   0%');
  });
});

describe('renderProgressBlock (TTY)', () => {
  it('every number the issue asks for', () => {
    expect(renderProgressBlock(snapshot())).toEqual([
      `${progressBar(27_400, 60_000)}  sending · phase steady`,
      'elapsed  0:27 / 1:00  (0:32 left)',
      'sent     13,500 / 30,000    500/s',
      'invoked  13,210           498.2/s   failed 3',
      'latency  p50 12 ms  p99 48 ms',
      'backlog  iterator age 230 ms',
    ]);
  });

  it('behind: a warning line; a queue backlog in messages; no latency yet', () => {
    const lines = renderProgressBlock(snapshot({ behind: true, backlog: { at: 0, value: 1200, unit: 'messages' }, latencyMs: undefined }));
    expect(lines).toContain('backlog  1,200 messages in the queue');
    expect(lines).toContain('latency  p50 –  p99 –');
    expect(lines.at(-1)).toBe(BEHIND_WARNING);
  });

  it('draining: the bar full, the wait said, no "left"', () => {
    const [bar, elapsed] = renderProgressBlock(snapshot({ stage: 'draining', elapsedMs: 63_000 }));
    expect(bar).toMatch(/100% {2}draining$/);
    expect(elapsed).toBe('elapsed  1:03 elapsed, sending done; waiting for the last invocations');
  });
});

describe('renderProgressLine (not a TTY)', () => {
  it('one line with the same numbers', () => {
    expect(renderProgressLine(snapshot())).toBe(
      '[0:27/1:00]  sending (steady)  sent 13,500/30,000 (500/s)  invoked 13,210 (498.2/s)  failed 3  p50 12ms p99 48ms  backlog 230ms',
    );
    expect(renderProgressLine(snapshot({ behind: true, latencyMs: undefined, backlog: undefined, stage: 'draining' }))).toBe(
      '[0:27/1:00]  draining  sent 13,500/30,000 (500/s)  invoked 13,210 (498.2/s)  failed 3  BEHIND (producer cannot hold the rate)',
    );
  });
});

describe('redraw', () => {
  it('first draw writes the lines; later ones move up over the previous block and clear below', () => {
    expect(redraw(0, ['a', 'b'], 80)).toBe('\u001b[2Ka\n\u001b[2Kb\n\u001b[0J');
    expect(redraw(2, ['c'], 80)).toBe('\u001b[2A\r\u001b[2Kc\n\u001b[0J');
  });

  it('cuts a line wider than the terminal, so the cursor count stays right', () => {
    expect(redraw(0, ['0123456789'], 8)).toBe('\u001b[2K012345…\n\u001b[0J');
    expect(redraw(0, ['0123456789'], undefined)).toBe('\u001b[2K0123456789\n\u001b[0J');
  });
});

describe('createProgressView', () => {
  it('TTY: redraws each snapshot over the last block', () => {
    const out: string[] = [];
    const view = createProgressView({ write: (text) => out.push(text), isTTY: true, columns: 200, now: () => 0 });
    view.update(snapshot());
    view.update(snapshot({ behind: true }));
    view.finish();
    expect(out).toHaveLength(2);
    expect(out[0]).not.toContain('\u001b[6A');
    // The second draw climbs the 6 lines of the first, and has 7 of its own.
    expect(out[1]!.startsWith('\u001b[6A\r')).toBe(true);
    expect(out[1]!.split('\n')).toHaveLength(8);
    expect(out[1]).toContain(BEHIND_WARNING);
  });

  it('plain: the first line at once, then one per interval, and the last state at the end', () => {
    let now = 1_000_000;
    const out: string[] = [];
    const view = createProgressView({ write: (text) => out.push(text), isTTY: false, now: () => now });
    for (let second = 0; second <= 12; second++) {
      view.update(snapshot({ elapsedMs: second * 1000, sent: second }));
      now += 1000;
    }
    // At 0 s, 5 s and 10 s.
    expect(out.map((line) => /sent (\d+)/.exec(line)![1])).toEqual(['0', '5', '10']);
    expect(out.every((line) => line.endsWith('\n') && !line.includes('\u001b'))).toBe(true);
    view.finish();
    expect(out).toHaveLength(4);
    expect(out[3]).toContain('sent 12/');
    // Nothing new since: finish writes nothing more.
    view.finish();
    expect(out).toHaveLength(4);
    expect(PLAIN_INTERVAL_MS).toBe(5000);
  });

  it('plain: the last line is not repeated when it was just written', () => {
    const out: string[] = [];
    const view = createProgressView({ write: (text) => out.push(text), isTTY: false, now: () => 0 });
    view.update(snapshot());
    view.finish();
    expect(out).toHaveLength(1);
  });

  it('a note stays above the TTY block, which is drawn again under it; plain: a line', () => {
    const out: string[] = [];
    const view = createProgressView({ write: (text) => out.push(text), isTTY: true, columns: 200, now: () => 0 });
    view.note('warning: before anything');
    view.update(snapshot({ backlog: undefined }));
    view.note('warning: a trace read failed');
    expect(out[0]).toBe('warning: before anything\n');
    expect(out[2]!.startsWith('\u001b[5A\r\u001b[2Kwarning: a trace read failed\n\u001b[2K[')).toBe(true);
    // The next redraw climbs only the block, not the note.
    view.update(snapshot({ backlog: undefined }));
    expect(out[3]!.startsWith('\u001b[5A\r')).toBe(true);
    const plain: string[] = [];
    const line = createProgressView({ write: (text) => plain.push(text), isTTY: false, now: () => 0 });
    line.note('warning: x');
    expect(plain).toEqual(['warning: x\n']);
  });
});
