/**
 * The load shape as a pure function of time: how many records should have been sent
 * `elapsedMs` after the start. The rate moves linearly inside a phase, so the count is the
 * integral of that line (a trapezoid per phase), rounded down; `count + rate` is one steady
 * phase of `count / rate` seconds. The scheduler (scheduler.ts) sends what is due minus what
 * it already sent, so a slow moment is caught up rather than dropped.
 */
import type { LoadPhase, LoadShape } from '../plan.js';

export interface Schedule {
  /** Records planned in all. */
  readonly total: number;
  /** Planned length of the sending part, ms. */
  readonly durationMs: number;
  /** Records due by `elapsedMs` (0 … total). */
  dueBy(elapsedMs: number): number;
  /** The asked rate (records/s) at `elapsedMs`; 0 after the end. */
  rateAt(elapsedMs: number): number;
  /** The phase running at `elapsedMs` (the last one after the end). */
  phaseAt(elapsedMs: number): string | undefined;
}

/** Records a linear-rate phase sends in its first `ms` milliseconds. */
function phaseIntegral(phase: LoadPhase, ms: number): number {
  const t = Math.min(Math.max(ms, 0), phase.durationMs) / 1000;
  const duration = phase.durationMs / 1000;
  const slope = duration > 0 ? (phase.toRate - phase.fromRate) / duration : 0;
  return phase.fromRate * t + (slope * t * t) / 2;
}

export function phasesOf(shape: LoadShape): LoadPhase[] {
  if (shape.kind === 'phases') return shape.phases;
  if (!(shape.rate > 0)) throw new Error(`load: the rate must be above 0 (got ${shape.rate})`);
  return [{ name: 'steady', durationMs: (shape.count / shape.rate) * 1000, fromRate: shape.rate, toRate: shape.rate }];
}

export function createSchedule(shape: LoadShape): Schedule {
  const phases = phasesOf(shape);
  for (const p of phases) {
    if (!(p.durationMs >= 0) || !(p.fromRate >= 0) || !(p.toRate >= 0)) throw new Error(`load: phase "${p.name}" needs a duration and rates of 0 or more`);
  }
  const starts: number[] = [];
  const before: number[] = [];
  let at = 0;
  let sum = 0;
  for (const p of phases) {
    starts.push(at);
    before.push(sum);
    at += p.durationMs;
    sum += phaseIntegral(p, p.durationMs);
  }
  const durationMs = at;
  // A count shape sends exactly `count`, whatever floating point makes of count / rate × rate.
  const total = shape.kind === 'count' ? shape.count : Math.floor(sum + 1e-9);
  const indexAt = (ms: number): number => {
    for (let i = phases.length - 1; i >= 0; i--) if (ms >= starts[i]!) return i;
    return 0;
  };
  return {
    total,
    durationMs,
    dueBy(elapsedMs) {
      if (phases.length === 0 || elapsedMs <= 0) return 0;
      if (elapsedMs >= durationMs) return total;
      const i = indexAt(elapsedMs);
      const value = before[i]! + phaseIntegral(phases[i]!, elapsedMs - starts[i]!);
      return Math.min(total, Math.floor(value + 1e-9));
    },
    rateAt(elapsedMs) {
      if (phases.length === 0 || elapsedMs < 0 || elapsedMs >= durationMs) return 0;
      const i = indexAt(elapsedMs);
      const p = phases[i]!;
      const f = p.durationMs > 0 ? (elapsedMs - starts[i]!) / p.durationMs : 0;
      return p.fromRate + (p.toRate - p.fromRate) * f;
    },
    phaseAt(elapsedMs) {
      return phases[indexAt(Math.min(elapsedMs, durationMs))]?.name;
    },
  };
}
