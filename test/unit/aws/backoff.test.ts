import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs, backoffSchedule } from '../../../src/aws/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from the first delay and stops at the cap', () => {
    const policy = { firstMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelayMs(policy, n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('counts n below 1 as the first delay', () => {
    expect(backoffDelayMs({ firstMs: 1000, maxMs: 10_000 }, 0)).toBe(1000);
    expect(backoffDelayMs({ firstMs: 1000, maxMs: 10_000 }, -3)).toBe(1000);
  });

  it('adds up to the jitter fraction, clamping the random draw to [0, 1]', () => {
    const policy = { firstMs: 1000, maxMs: 30_000, jitter: 0.1 };
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(1000);
    expect(backoffDelayMs(policy, 1, () => 0.5)).toBe(1050);
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(1100);
    expect(backoffDelayMs(policy, 9, () => 2)).toBe(33_000);
    expect(backoffDelayMs(policy, 2, () => -1)).toBe(2000);
  });

  it('never draws a random number without jitter', () => {
    const random = () => {
      throw new Error('drawn');
    };
    expect(backoffDelayMs({ firstMs: 1000, maxMs: 30_000 }, 3, random)).toBe(4000);
  });

  it("gives the stream batch retries' numbers (streams.md §10: min(2^(n−1), 30) s + up to 10 %)", () => {
    const policy = { firstMs: 1000, maxMs: 30_000, jitter: 0.1 };
    const seconds = [1, 1, 2, 4, 8, 16, 30, 30, 30];
    for (const draw of [0, 0.25, 1]) {
      expect(seconds.map((_, n) => backoffDelayMs(policy, n, () => draw))).toEqual(seconds.map((s) => Math.round(s * 1000 * (1 + 0.1 * draw))));
    }
  });
});

describe('backoffSchedule', () => {
  it("gives the on-failure destination's 1 s, 2 s, 4 s", () => {
    expect(backoffSchedule({ firstMs: 1000, maxMs: 4000 }, 3)).toEqual([1000, 2000, 4000]);
    expect(backoffSchedule({ firstMs: 1000, maxMs: 4000 }, 0)).toEqual([]);
  });
});

describe('Backoff', () => {
  it('waits longer after each failure, up to the cap, and starts over after a success', () => {
    const backoff = new Backoff({ firstMs: 1000, maxMs: 10_000 });
    expect(backoff.failuresInARow).toBe(0);
    expect([backoff.fail(), backoff.fail(), backoff.fail(), backoff.fail(), backoff.fail()]).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(backoff.failuresInARow).toBe(5);
    backoff.reset();
    expect(backoff.failuresInARow).toBe(0);
    expect(backoff.fail()).toBe(1000);
  });

  it('applies the jitter with the injected random source', () => {
    const backoff = new Backoff({ firstMs: 1000, maxMs: 30_000, jitter: 0.1 }, () => 1);
    expect([backoff.fail(), backoff.fail()]).toEqual([1100, 2200]);
  });
});
