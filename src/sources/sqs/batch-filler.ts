/**
 * Filling one batch under a batching window (sqs.md §4): receives until the batch is full,
 * its window is over, or the next record would pass 6 MB. What does not fit waits as a
 * leftover for the next batch; a stop closes the batch being filled (what it holds is
 * invoked) and the leftovers are given back (SqsPoller.stop).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SqsBatch, type BatchEntry } from './sqs-batch.js';
import { LONG_POLL_SECONDS, type Received } from './sqs-receiver.js';

export interface BatchFillerOptions {
  batchSize: number;
  windowSeconds: number;
  /** One receive (SqsReceiver.receiveUnlessStopped). */
  receive: (maxMessages: number, waitSeconds: number) => Promise<Received>;
  /** Whether the poller still runs. */
  running: () => boolean;
}

export class BatchFiller {
  private readonly leftovers: BatchEntry[] = [];

  constructor(private readonly options: BatchFillerOptions) {}

  /** Received, never invoked: handed back at a stop. */
  takeLeftovers(): BatchEntry[] {
    return this.leftovers.splice(0);
  }

  async fill(): Promise<SqsBatch> {
    const { batchSize, windowSeconds, receive, running } = this.options;
    const batch = new SqsBatch(batchSize);
    while (this.leftovers.length > 0 && batch.fits(this.leftovers[0]!)) batch.add(this.leftovers.shift()!);
    const windowMs = windowSeconds * 1000;
    while (!batch.isFull && this.leftovers.length === 0 && running()) {
      let waitSeconds = LONG_POLL_SECONDS;
      if (batch.openedAt !== undefined) {
        const remainingMs = batch.openedAt + windowMs - Date.now();
        if (remainingMs <= 0) break;
        waitSeconds = Math.min(LONG_POLL_SECONDS, Math.floor(remainingMs / 1000));
      }
      // Parallel receives once the batch has started, never asking for more than it has room for.
      const room = batchSize - batch.size;
      const requests = batch.size === 0 ? [Math.min(10, room)] : chunks(room, 10, 10);
      const received = await Promise.all(requests.map((max) => receive(max, waitSeconds)));
      if (received.some((r) => r === undefined) && batch.size === 0) break; // reading error: let the loop back off
      // Receives that ended before the stop count; the others give back what they get.
      const entries = received.flatMap((r) => (Array.isArray(r) ? r : []));
      for (const entry of entries) {
        if (this.leftovers.length === 0 && batch.fits(entry)) batch.add(entry);
        else this.leftovers.push(entry);
      }
      if (entries.length === 0 && waitSeconds === 0) await sleep(50);
    }
    return batch;
  }
}

/** Splits `total` into at most `count` chunks of at most `size`. */
function chunks(total: number, size: number, count: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0 && out.length < count; left -= size) out.push(Math.min(size, left));
  return out;
}
