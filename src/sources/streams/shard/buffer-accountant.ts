/**
 * The process-wide bound on read-ahead (streams.md §4 revised): every shard of the process
 * stops reading while the buffers of all its shards together hold more than
 * `streams.maxBufferedBytes`. One accountant per process (the supervisor makes it, every
 * shard buffer reports to it). Reading pauses; nothing already read is dropped, so nothing
 * is lost or reordered: the lanes keep cutting batches from what is buffered, which frees
 * bytes and wakes the readers again.
 *
 * Reads in flight count too (issue #13: a 40,000-record backlog on 4 shards peaked at
 * 430 MB RSS, the four shards' first full-size responses parsed at once): before a
 * GetRecords call the reader reserves what the response may cost while it is parsed
 * (`READ_RESERVATION_BYTES`), and gives the reservation back once the records are in its
 * buffer (then counted as held) or the call failed. A read waits while the buffers and the
 * other reads in flight together would pass the cap; one read may always be in flight, so
 * a cap smaller than one reservation, or buffers held by a shard whose batch is stuck in
 * retries, slows reading to one read at a time rather than stopping it.
 */

/**
 * What one full-size read may cost in memory until its records are buffered (chosen: 8 ×
 * the service's most bytes per GetRecords, Kinesis 10 MiB, DynamoDB Streams 1 MB; measured
 * on Kinesis, a read of 10,000 × 1 KB records raised RSS by about 75 MB: the response
 * text, its parsed JSON and the decoded records live at once). With the default cap
 * (256 MB) at most three Kinesis reads are in flight, fewer as buffers fill.
 */
export const READ_RESERVATION_BYTES: Readonly<Record<'kinesis' | 'dynamodb', number>> = Object.freeze({
  kinesis: 8 * 10 * 1024 * 1024,
  dynamodb: 8 * 1024 * 1024,
});

/** Gives a read's reservation back (idempotent). */
export type ReleaseRead = () => void;

export class BufferAccountant {
  private held = 0;
  private waiters = new Set<() => void>();
  /** Bytes reserved by reads in flight, and how many reads. */
  private reserved = 0;
  private reads = 0;
  /** Reads waiting for room, first come first served. */
  private readWaiters: { bytes: number; grant: (release: ReleaseRead) => void }[] = [];

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

  /** Bytes reserved by reads in flight now. */
  get reservedBytes(): number {
    return this.reserved;
  }

  /**
   * Reserves `bytes` for one read; resolves with its release once the buffers and the reads
   * in flight leave room for it (at once when no other read is in flight), or at once with
   * a no-op release when `signal` aborts.
   */
  reserveRead(bytes: number, signal: AbortSignal): Promise<ReleaseRead> {
    if (signal.aborted) return Promise.resolve(() => undefined);
    if (this.readWaiters.length === 0 && this.readFits(bytes)) return Promise.resolve(this.grantRead(bytes));
    return new Promise((resolve) => {
      const waiter = {
        bytes,
        grant: (release: ReleaseRead) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        this.readWaiters = this.readWaiters.filter((w) => w !== waiter);
        resolve(() => undefined);
        this.wakeReads();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.readWaiters.push(waiter);
    });
  }

  private readFits(bytes: number): boolean {
    return this.reads === 0 || this.held + this.reserved + bytes <= this.maxBytes;
  }

  private grantRead(bytes: number): ReleaseRead {
    this.reserved += bytes;
    this.reads++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= bytes;
      this.reads--;
      this.wakeReads();
    };
  }

  /** Grants waiting reads in order while they fit. */
  private wakeReads(): void {
    while (this.readWaiters.length > 0 && this.readFits(this.readWaiters[0]!.bytes)) {
      const waiter = this.readWaiters.shift()!;
      waiter.grant(this.grantRead(waiter.bytes));
    }
  }

  remove(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    this.wakeReads();
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
