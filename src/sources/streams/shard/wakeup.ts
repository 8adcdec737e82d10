/**
 * A wake-up call between the loops of one shard (the reader and its lanes): `wait()`
 * resolves at the next `notify()`, after `ms`, or when the signal aborts, whichever is
 * first. Waiters re-check their condition after waking, so spurious wake-ups are harmless.
 */
export class Wakeup {
  private waiters: Array<() => void> = [];

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.notify(), { once: true });
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  wait(ms?: number): Promise<void> {
    if (this.signal.aborted || ms === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined && Number.isFinite(ms)) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, Math.max(0, ms));
      }
      this.waiters.push(wake);
    });
  }
}
