/**
 * What `sluice redrive` shows while it runs and when it ends. On a TTY, one status line
 * redrawn in place (a bar when the number of items is known, else the counts); every item's
 * own line (done, failed again, trimmed, skipped) is written above it either way, so a
 * pipe or a CI log gets plain lines and no escape codes. Then the summary.
 */

/** The counts of a run, for the summary and the exit code. */
export interface RedriveTally {
  /** On-failure records (stream mappings) or DLQ messages seen. */
  items: number;
  /** Ranges whose every batch succeeded / messages moved. */
  done: number;
  /** Records invoked again (streams) or messages moved (SQS). */
  records: number;
  /** Ranges or messages that failed again (left in the destination / the DLQ). */
  failed: number;
  /** Records the stream no longer holds. */
  trimmed: number;
  /** Ranges already redriven by an earlier run (removed now). */
  alreadyDone: number;
  /** Entries that are not this mapping's, or not on-failure records (left where they are). */
  ignored: number;
}

export const emptyTally = (): RedriveTally => ({ items: 0, done: 0, records: 0, failed: 0, trimmed: 0, alreadyDone: 0, ignored: 0 });

export interface ProgressOptions {
  /** Item lines and the summary. */
  out: (line: string) => void;
  /** The status line's stream, when it is a TTY (the caller checks `isTTY`). */
  tty?: NodeJS.WritableStream;
  /** `ranges` or `messages`. */
  unit: 'ranges' | 'messages';
}

const BAR_WIDTH = 24;

export function bar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}

export class RedriveProgress {
  private total: number | undefined;
  private drawn = false;

  constructor(
    private readonly options: ProgressOptions,
    readonly tally: RedriveTally = emptyTally(),
  ) {}

  /** How many items the run expects (approximate; --limit applied). */
  expect(total: number | undefined): void {
    this.total = total;
    this.draw();
  }

  /** One item's line, kept above the status line. */
  line(text: string): void {
    this.clear();
    this.options.out(text);
    this.draw();
  }

  /** The status line, redrawn after a count changed. */
  draw(): void {
    const tty = this.options.tty;
    if (!tty) return;
    const t = this.tally;
    const counts = `${t.done} done · ${t.records} ${this.options.unit === 'ranges' ? 'records re-invoked' : 'moved'} · ${t.failed} failed${this.options.unit === 'ranges' ? ` · ${t.trimmed} trimmed` : ''}`;
    const total = this.total !== undefined ? Math.max(this.total, t.items) : undefined;
    tty.write(`\r\x1b[2K${total !== undefined ? `${bar(t.items, total)} ${this.options.unit}  ` : `${t.items} ${this.options.unit}  `}${counts}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.options.tty?.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Clears the status line and writes the summary. */
  finish(summaryLines: string[]): void {
    this.clear();
    for (const text of summaryLines) this.options.out(text);
  }
}

/** The summary of a stream redrive (`dryRun`: what it would do). */
export function streamSummary(t: RedriveTally, dryRun: boolean): string[] {
  if (dryRun) {
    return [`dry run: ${t.items} range(s) found; ${t.done} would be redriven (${t.records} records), ${t.trimmed} record(s) trimmed, ${t.alreadyDone} already done, ${t.ignored} ignored; nothing invoked or removed`];
  }
  return [
    `ranges           ${t.items}`,
    `  redriven       ${t.done}`,
    `  failed again   ${t.failed}`,
    `  already done   ${t.alreadyDone}`,
    `  ignored        ${t.ignored}`,
    `records invoked  ${t.records}`,
    `records trimmed  ${t.trimmed}`,
  ];
}

export function dlqSummary(t: RedriveTally, dryRun: boolean): string[] {
  if (dryRun) return [`dry run: ${t.items} message(s) would be moved; nothing sent or deleted`];
  return [`messages  ${t.items}`, `  moved   ${t.done}`, `  failed  ${t.failed}`];
}

/** 0 everything done, 1 something failed again or was trimmed (chosen: also in a dry run that finds trimmed records). */
export function exitCodeOf(t: RedriveTally): 0 | 1 {
  return t.failed > 0 || t.trimmed > 0 ? 1 : 0;
}
