/**
 * Puts the live view on a terminal, or, when the output is not a terminal (a pipe, a file,
 * a test), prints one plain line per mapping whose row changed: no escape codes, nothing
 * redrawn, so the output reads (and parses) as a log.
 */
import { renderRowLine, renderTable, type DashboardRow } from './dashboard.js';

export interface ViewFrame {
  /** Lines above the table (what runs where). */
  header: readonly string[];
  rows: readonly DashboardRow[];
  /** Lines below the table (how to send records). */
  footer: readonly string[];
  /** Latest log lines, shown under everything on a terminal only. */
  logTail: readonly string[];
}

export interface ViewOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

// ECMA-48: CPL (cursor to the start of the line N lines up) and ED (erase to the end of the screen).
const cursorUp = (lines: number): string => (lines > 0 ? `\x1b[${lines}F` : '');
const ERASE_DOWN = '\x1b[J';

/** Size assumed when the terminal does not say (undefined) or says 0, as some pseudo-terminals do. */
const DEFAULT_COLUMNS = 120;
const DEFAULT_ROWS = 40;
const reported = (size: number | undefined, fallback: number): number => (size !== undefined && size > 0 ? size : fallback);

export class TerminalView {
  private printedLines = 0;
  private lastFrame = '';
  private headerPrinted = false;
  private readonly lastRowLines = new Map<string, string>();

  constructor(private readonly out: ViewOutput) {}

  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  /** Draws `frame` if it differs from the last one; the caller decides how often (about once a second). */
  update(frame: ViewFrame): void {
    if (this.interactive) this.redraw(frame);
    else this.printChanges(frame);
  }

  /** Prints one line below what is on screen; the next frame is drawn below it (the last one stays readable). */
  message(line: string): void {
    this.out.write(`${line}\n`);
    this.printedLines = 0;
    this.lastFrame = '';
  }

  private redraw(frame: ViewFrame): void {
    const width = Math.max(20, reported(this.out.columns, DEFAULT_COLUMNS));
    const height = Math.max(10, reported(this.out.rows, DEFAULT_ROWS));
    const fixed = [...frame.header, '', ...renderTable(frame.rows), '', ...frame.footer];
    // Only as many log lines as fit: a frame taller than the screen cannot be erased in place.
    const room = height - 1 - fixed.length - 2;
    const logs = room > 0 && frame.logTail.length > 0 ? ['', 'Recent logs:', ...frame.logTail.slice(-room)] : [];
    const lines = [...fixed, ...logs].map((line) => (line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line));
    const text = lines.join('\n');
    if (text === this.lastFrame) return;
    this.out.write(`${cursorUp(this.printedLines)}${ERASE_DOWN}${text}\n`);
    this.printedLines = lines.length;
    this.lastFrame = text;
  }

  private printChanges(frame: ViewFrame): void {
    if (!this.headerPrinted) {
      this.out.write([...frame.header, ...frame.footer, ''].join('\n'));
      this.headerPrinted = true;
    }
    for (const row of frame.rows) {
      const line = renderRowLine(row);
      if (this.lastRowLines.get(row.uuid) === line) continue;
      this.lastRowLines.set(row.uuid, line);
      this.out.write(`${line}\n`);
    }
  }
}
