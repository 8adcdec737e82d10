/**
 * The SQS side's one backoff (sqs.md §3, §6): 1 s, doubling, at most 30 s apart. A receive
 * loop slows down with it after a failure; a batch whose invocation was refused waits it
 * out between attempts.
 */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

export class Backoff {
  private delay = 0;

  /** The next wait: 1 s after a success, then twice the last, at most 30 s. */
  fail(): number {
    this.delay = this.delay === 0 ? FIRST_DELAY_MS : Math.min(this.delay * 2, MAX_DELAY_MS);
    return this.delay;
  }

  /** The wait `fail()` would return next, without moving on. */
  peek(): number {
    return this.delay === 0 ? FIRST_DELAY_MS : Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  reset(): void {
    this.delay = 0;
  }
}
