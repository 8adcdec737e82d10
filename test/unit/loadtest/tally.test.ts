/** The live match for the progress view: records and trace entries in any order. */
import { describe, expect, it } from 'vitest';
import { SlidingRate, Tally } from '../../../src/loadtest/tally.js';

describe('Tally', () => {
  it('matches invocations to sends whichever arrives first, counts distinct records and failed invocations', () => {
    const tally = new Tally();
    tally.addSent([{ id: 'a', sentAt: 1000 }, { id: 'b', sentAt: 1000 }]);
    // c is invoked before its put's answer named it.
    tally.addInvocations([
      { at: 1010, ids: ['a', 'c'], outcome: 'success' },
      { at: 1020, ids: ['b'], outcome: 'function_error' },
    ]);
    // a and b reached the function (b's invocation failed: invoked all the same).
    expect(tally.invoked).toBe(2);
    expect(tally.failed).toBe(1);
    tally.addSent([{ id: 'c', sentAt: 1005 }]);
    expect(tally.sent).toBe(3);
    expect(tally.invoked).toBe(3);
    // b retried: still one record invoked, now processed.
    expect(tally.settled).toBe(false);
    tally.addInvocations([{ at: 1100, ids: ['b'], outcome: 'success' }]);
    expect(tally.invoked).toBe(3);
    expect(tally.settled).toBe(true);
    // Latencies: a 10, c 5, b 20 (first invocation, the failed one).
    expect(tally.latency()).toEqual({ p50: 10, p99: 20 });
  });

  it('a partial failure settles the records it did not list', () => {
    const tally = new Tally();
    tally.addSent([{ id: 'a', sentAt: 0 }, { id: 'b', sentAt: 0 }]);
    tally.addInvocations([{ at: 5, ids: ['a', 'b'], outcome: 'partial_failure', failedIds: ['b'] }]);
    expect(tally.invoked).toBe(2);
    expect(tally.failed).toBe(0);
    expect(tally.settled).toBe(false);
    tally.addInvocations([{ at: 9, ids: ['b'], outcome: 'partial_failure', failedIds: [] }]);
    expect(tally.settled).toBe(true);
  });

  it('is not settled with nothing sent, and has no latency before a match', () => {
    const tally = new Tally();
    expect(tally.settled).toBe(false);
    tally.addInvocations([{ at: 5, ids: ['x'], outcome: 'success' }]);
    expect(tally.settled).toBe(false);
    expect(tally.latency()).toBeUndefined();
  });
});

describe('SlidingRate', () => {
  it('is the count per second over the window, forgetting older points', () => {
    const rate = new SlidingRate(5_000);
    expect(rate.add(0, 0)).toBe(0);
    expect(rate.add(1_000, 100)).toBe(100);
    expect(rate.add(2_000, 300)).toBe(150);
    // At 12 s only points at most 5 s old count: from 8 s (700) to 12 s (1,100).
    rate.add(6_000, 700);
    rate.add(8_000, 700);
    expect(rate.add(12_000, 1_100)).toBe(100);
  });
});
