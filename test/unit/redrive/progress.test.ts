import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bar, exitCodeOf, emptyTally, RedriveProgress, streamSummary } from '../../../src/redrive/progress.js';

function terminal(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('RedriveProgress', () => {
  it('on a TTY: a status line redrawn in place, item lines written above it, cleared before the summary', () => {
    const tty = terminal();
    const out: string[] = [];
    const progress = new RedriveProgress({ out: (line) => out.push(line), tty: tty.stream, unit: 'ranges' });
    progress.expect(4);
    progress.tally.items = 1;
    progress.tally.done = 1;
    progress.tally.records = 3;
    progress.line('redriven  shard 1..3');
    progress.finish(['ranges 1']);
    expect(out).toEqual(['redriven  shard 1..3', 'ranges 1']);
    expect(tty.text()).toBe(
      '\r\x1b[2K[------------------------] 0/4 ranges  0 done · 0 records re-invoked · 0 failed · 0 trimmed' +
        '\r\x1b[2K' +
        '\r\x1b[2K[######------------------] 1/4 ranges  1 done · 3 records re-invoked · 0 failed · 0 trimmed' +
        '\r\x1b[2K',
    );
  });

  it('without a TTY: plain lines only, no escape codes', () => {
    const out: string[] = [];
    const progress = new RedriveProgress({ out: (line) => out.push(line), unit: 'messages' });
    progress.expect(3);
    progress.line('would move  message m-1');
    progress.finish(['messages 1']);
    expect(out.join('\n').includes('\x1b')).toBe(false);
    expect(out).toEqual(['would move  message m-1', 'messages 1']);
  });
});

describe('summary and exit code', () => {
  it('exit 1 when a range failed again or records were trimmed, else 0', () => {
    expect(exitCodeOf({ ...emptyTally(), done: 3 })).toBe(0);
    expect(exitCodeOf({ ...emptyTally(), failed: 1 })).toBe(1);
    expect(exitCodeOf({ ...emptyTally(), trimmed: 2 })).toBe(1);
  });

  it('the bar never passes its total', () => {
    expect(bar(5, 4)).toBe('[########################] 5/4');
    expect(streamSummary({ ...emptyTally(), items: 2, done: 2, records: 4 }, false)).toContain('records invoked  4');
  });
});
