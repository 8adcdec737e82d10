/**
 * The process-wide bound on read-ahead (streams.md §4 revised): every shard of the process
 * stops reading while the buffers of all its shards together hold more than
 * `streams.maxBufferedBytes`. One accountant per process (the supervisor makes it, every
 * shard buffer reports to it). Reading pauses; nothing already read is dropped, so nothing
 * is lost or reordered: the lanes keep cutting batches from what is buffered, which frees
 * bytes and wakes the readers again.
 */
export class BufferAccountant {
  private held = 0;
  private waiters = new Set<() => void>();

  constructor(readonly maxBytes: number) {}

  /** Bytes the buffers of this process hold now. */
  get bytes(): number {
    return this.held;
  }

  /** Every shard must stop reading: the buffers together hold more than the cap. */
  full(): boolean {
    return this.held > this.maxBytes;
  }

  add(bytes: number): void {
    this.held += bytes;
  }

  remove(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    if (!this.full() && this.waiters.size > 0) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once the buffers hold no more than the cap (at once if they do already), or when `signal` aborts. */
  whenRoom(signal: AbortSignal): Promise<void> {
    if (!this.full() || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}
