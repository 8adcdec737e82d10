/**
 * The one backoff of Sluice (design.md `aws/`): the delay before the n-th try again is
 * `min(first × 2^(n−1), max)`, plus up to `jitter` of it at random. Every caller keeps its
 * own documented numbers and passes them as a policy:
 *
 *   SQS poll / receive errors         1 s doubling to 30 s, reset by a success (sqs.md §7)
 *   SQS invocation retries            1 s doubling to 30 s (sqs.md §6)
 *   stream read errors                1 s doubling to 10 s (streams.md §4)
 *   stream batch retries              1 s doubling to 30 s, + up to 10 % jitter (streams.md §10)
 *   on-failure destination sends      1 s, 2 s, 4 s: three tries again (streams.md §14.2)
 *   `sluice dev` emulator probes      25 ms doubling to 250 ms (dev/emulators/readiness.ts)
 *
 * Why not p-retry: each of these loops does more between tries than p-retry lets it (an
 * SQS poller keeps polling forever and resets on success; a stream batch's attempt count
 * and next delay are saved in Redis beside the checkpoint so a crash resumes them; a
 * destination send stops on a permanent refusal and drops a stale queue URL), and their
 * tests inject the clock. Only the formula is shared, and it lives here.
 */

export interface BackoffPolicy {
  /** The first delay, ms (n = 1). */
  firstMs: number;
  /** No delay exceeds this, jitter excluded, ms. */
  maxMs: number;
  /** Up to this fraction of the delay is added at random (0.1: up to +10 %); default 0. */
  jitter?: number;
}

/**
 * Delay before try-again `n` (1 = the first): `min(first × 2^(n−1), max) × (1 + jitter × r)`,
 * `r` in [0, 1] from `random`, rounded to whole ms. `n` below 1 counts as 1.
 */
export function backoffDelayMs(policy: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const base = Math.min(policy.firstMs * 2 ** Math.max(0, n - 1), policy.maxMs);
  const jitter = policy.jitter ?? 0;
  if (jitter === 0) return Math.round(base);
  return Math.round(base * (1 + jitter * Math.min(Math.max(random(), 0), 1)));
}

/** The first `count` delays of a policy without jitter, e.g. a fixed retry schedule. */
export function backoffSchedule(policy: Omit<BackoffPolicy, 'jitter'>, count: number): number[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => backoffDelayMs(policy, i + 1));
}

/** The backoff state of a loop that keeps going: each failure waits longer, a success starts over. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Counts a failure; returns how long to wait before the next try. */
  fail(): number {
    this.failures++;
    return backoffDelayMs(this.policy, this.failures, this.random);
  }

  reset(): void {
    this.failures = 0;
  }

  /** Failures since the last success (0: not backing off). */
  get failuresInARow(): number {
    return this.failures;
  }
}
