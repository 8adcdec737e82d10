/**
 * The live view of a run, from its ProgressSnapshots (about one a second):
 * - on a TTY, a block of lines redrawn in place (ANSI: cursor up, clear line) (chosen over a
 *   library such as log-update: six lines and two escape codes do not earn a dependency);
 * - otherwise (CI, a pipe), one plain line every ~5 s, so a log stays readable.
 * The rendering functions are pure (snapshot in, text out); the view only decides when and how to write.
 */
import type { ProgressSnapshot } from '../plan.js';
import { formatNumber } from '../report/index.js';
import { formatClock } from './duration.js';

const BAR_WIDTH = 30;
/** (chosen) Often enough to show a run is alive, rare enough for a CI log of a 10-minute run (120 lines). */
export const PLAIN_INTERVAL_MS = 5000;

const rate = (perS: number) => `${formatNumber(Math.round(perS * 10) / 10)}/s`;

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

function latency(snapshot: ProgressSnapshot): string {
  return snapshot.latencyMs ? `p50 ${formatNumber(snapshot.latencyMs.p50)} ms  p99 ${formatNumber(snapshot.latencyMs.p99)} ms` : 'p50 –  p99 –';
}

function backlog(snapshot: ProgressSnapshot): string | undefined {
  const sample = snapshot.backlog;
  if (!sample) return undefined;
  return sample.unit === 'messages' ? `${formatNumber(sample.value)} messages in the queue` : `iterator age ${formatNumber(sample.value)} ms`;
}

/** Elapsed and what is left: of the sending while sending; while draining, how long it has waited. */
function timing(snapshot: ProgressSnapshot): string {
  if (snapshot.stage === 'draining') return `${formatClock(snapshot.elapsedMs)} elapsed, sending done; waiting for the last invocations`;
  const left = Math.max(0, snapshot.plannedMs - snapshot.elapsedMs);
  return `${formatClock(snapshot.elapsedMs)} / ${formatClock(snapshot.plannedMs)}  (${formatClock(left)} left)`;
}

export const BEHIND_WARNING = '⚠ behind: the producer cannot hold the asked rate (raise --max-in-flight, or lower the rate)';

/** The TTY block: one string per line. */
export function renderProgressBlock(snapshot: ProgressSnapshot): string[] {
  const stage = snapshot.stage === 'draining' ? 'draining' : `sending${snapshot.phase ? ` · phase ${snapshot.phase}` : ''}`;
  // Counts in one column, rates in the next, so the two rows read against each other.
  const sent = `${formatNumber(snapshot.sent)} / ${formatNumber(snapshot.planned)}`;
  const invoked = formatNumber(snapshot.invoked);
  const width = Math.max(sent.length, invoked.length);
  const rates = [rate(snapshot.sendRate), rate(snapshot.invokeRate)];
  const rateWidth = Math.max(rates[0]!.length, rates[1]!.length);
  const lines = [
    `${progressBar(snapshot.stage === 'draining' ? snapshot.plannedMs : snapshot.elapsedMs, snapshot.plannedMs)}  ${stage}`,
    `elapsed  ${timing(snapshot)}`,
    `sent     ${sent.padEnd(width)}  ${rates[0]!.padStart(rateWidth)}`,
    `invoked  ${invoked.padEnd(width)}  ${rates[1]!.padStart(rateWidth)}   failed ${formatNumber(snapshot.failed)}`,
    `latency  ${latency(snapshot)}`,
  ];
  const queued = backlog(snapshot);
  if (queued) lines.push(`backlog  ${queued}`);
  if (snapshot.behind) lines.push(BEHIND_WARNING);
  return lines;
}

/** The plain (not a TTY) line. */
export function renderProgressLine(snapshot: ProgressSnapshot): string {
  const parts = [
    `[${formatClock(snapshot.elapsedMs)}/${formatClock(snapshot.plannedMs)}]`,
    snapshot.stage === 'draining' ? 'draining' : `sending${snapshot.phase ? ` (${snapshot.phase})` : ''}`,
    `sent ${formatNumber(snapshot.sent)}/${formatNumber(snapshot.planned)} (${rate(snapshot.sendRate)})`,
    `invoked ${formatNumber(snapshot.invoked)} (${rate(snapshot.invokeRate)})`,
    `failed ${formatNumber(snapshot.failed)}`,
    snapshot.latencyMs ? `p50 ${formatNumber(snapshot.latencyMs.p50)}ms p99 ${formatNumber(snapshot.latencyMs.p99)}ms` : undefined,
    snapshot.backlog ? `backlog ${formatNumber(snapshot.backlog.value)}${snapshot.backlog.unit === 'ms' ? 'ms' : ' msgs'}` : undefined,
    snapshot.behind ? 'BEHIND (producer cannot hold the rate)' : undefined,
  ];
  return parts.filter((part) => part !== undefined).join('  ');
}

const ESC = '\u001b[';
/** Cursor up n lines, to the line's start; then each line is cleared before it is written. */
export function redraw(previousLines: number, lines: string[], columns: number | undefined): string {
  // A line wider than the terminal wraps and the cursor-up count would be off: cut it.
  const fit = (line: string) => (columns !== undefined && columns > 1 && line.length >= columns ? `${line.slice(0, columns - 2)}…` : line);
  const up = previousLines > 0 ? `${ESC}${previousLines}A\r` : '';
  // Clear what is below too: the new block may be shorter (the behind warning went away).
  return `${up}${lines.map((line) => `${ESC}2K${fit(line)}`).join('\n')}\n${ESC}0J`;
}

export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  /** A line that stays (a warning of the run): above the block on a TTY, which is drawn again under it. */
  note(line: string): void;
  /** The last state stays on screen; plain mode writes its last line if it has not yet. */
  finish(): void;
}

export interface ProgressViewOptions {
  write: (text: string) => void;
  isTTY: boolean;
  columns?: number;
  now: () => number;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  let drawnLines = 0;
  let lastPlainAt: number | undefined;
  let latest: ProgressSnapshot | undefined;
  let latestWritten = false;
  return {
    update(snapshot) {
      latest = snapshot;
      if (options.isTTY) {
        const lines = renderProgressBlock(snapshot);
        options.write(redraw(drawnLines, lines, options.columns));
        drawnLines = lines.length;
        return;
      }
      const now = options.now();
      // The first snapshot at once (the run is alive), then one line per interval.
      if (lastPlainAt === undefined || now - lastPlainAt >= PLAIN_INTERVAL_MS) {
        options.write(`${renderProgressLine(snapshot)}\n`);
        lastPlainAt = now;
        latestWritten = true;
      } else {
        latestWritten = false;
      }
    },
    note(line) {
      if (options.isTTY && drawnLines > 0) {
        const lines = renderProgressBlock(latest!);
        options.write(redraw(drawnLines, [line, ...lines], options.columns));
        drawnLines = lines.length;
        return;
      }
      options.write(`${line}\n`);
    },
    finish() {
      if (!options.isTTY && latest && !latestWritten) options.write(`${renderProgressLine(latest)}\n`);
      latestWritten = true;
    },
  };
}
