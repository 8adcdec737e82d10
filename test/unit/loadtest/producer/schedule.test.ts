/** The load shape as a function of time: counts, phases, linear ramps. */
import { describe, expect, it } from 'vitest';
import { createSchedule } from '../../../../src/loadtest/producer/schedule.js';

describe('createSchedule', () => {
  it('count + rate is one steady phase of count / rate seconds', () => {
    const s = createSchedule({ kind: 'count', count: 100, rate: 50 });
    expect(s.total).toBe(100);
    expect(s.durationMs).toBe(2000);
    expect(s.dueBy(0)).toBe(0);
    expect(s.dueBy(500)).toBe(25);
    expect(s.dueBy(1999)).toBe(99);
    expect(s.dueBy(2000)).toBe(100);
    expect(s.dueBy(60_000)).toBe(100);
    expect(s.rateAt(1000)).toBe(50);
    expect(s.rateAt(2000)).toBe(0);
  });

  it('a count that rate does not divide is still sent whole', () => {
    const s = createSchedule({ kind: 'count', count: 10, rate: 3 });
    expect(s.dueBy(s.durationMs)).toBe(10);
    expect(s.dueBy(s.durationMs - 1)).toBe(9);
  });

  it('a linear ramp integrates to a trapezoid', () => {
    // 0 → 100/s over 10 s: 500 records, 125 in the first half (rate 50 at 5 s: triangle 5 × 50 / 2).
    const s = createSchedule({ kind: 'phases', phases: [{ name: 'ramp', durationMs: 10_000, fromRate: 0, toRate: 100 }] });
    expect(s.total).toBe(500);
    expect(s.dueBy(5_000)).toBe(125);
    expect(s.rateAt(5_000)).toBe(50);
    expect(s.dueBy(10_000)).toBe(500);
  });

  it('phases follow each other: ramp-up, steady, spike', () => {
    const s = createSchedule({
      kind: 'phases',
      phases: [
        { name: 'ramp-up', durationMs: 2_000, fromRate: 0, toRate: 100 },
        { name: 'steady', durationMs: 3_000, fromRate: 100, toRate: 100 },
        { name: 'spike', durationMs: 1_000, fromRate: 400, toRate: 400 },
      ],
    });
    expect(s.total).toBe(100 + 300 + 400);
    expect(s.durationMs).toBe(6_000);
    expect(s.dueBy(2_000)).toBe(100);
    expect(s.dueBy(3_000)).toBe(200);
    expect(s.dueBy(5_500)).toBe(600);
    expect(s.phaseAt(1_000)).toBe('ramp-up');
    expect(s.phaseAt(2_000)).toBe('steady');
    expect(s.phaseAt(5_200)).toBe('spike');
    expect(s.rateAt(5_200)).toBe(400);
    // Never goes down over time.
    let previous = 0;
    for (let t = 0; t <= 6_000; t += 37) {
      const due = s.dueBy(t);
      expect(due).toBeGreaterThanOrEqual(previous);
      previous = due;
    }
  });

  it('refuses a rate of 0 for a count and negative phase values', () => {
    expect(() => createSchedule({ kind: 'count', count: 10, rate: 0 })).toThrow(/rate/);
    expect(() => createSchedule({ kind: 'phases', phases: [{ name: 'x', durationMs: 1000, fromRate: -1, toRate: 1 }] })).toThrow(/"x"/);
  });
});
