/**
 * Moves the checkpoint of one shard (streams.md §5): ShardProgress knows which records are
 * done (kept or filtered out, in any lane); this writes the checkpoint it has moved to, one
 * write at a time and in order, however many lanes finish at once. A write refused by the
 * lease fence means the lease moved: LeaseLostError, and the shard stops.
 */
import type { CheckpointWriteResult } from '../checkpoints/checkpoints.js';
import { ShardProgress } from '../checkpoints/shard-progress.js';
import { LeaseLostError } from '../leases/lease-lost-error.js';
import type { ShardMetrics } from './shard-metrics.js';

/** Writes one checkpoint position (with a tumbling window, the window's state too); 'fenced': the lease moved. */
export type CheckpointWrite = (position: string) => Promise<CheckpointWriteResult>;

export class ShardCheckpointer {
  /** Which records read are done; the batcher adds what is read, the batch runner marks what is done. */
  readonly progress = new ShardProgress();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: CheckpointWrite,
    private readonly metrics: Pick<ShardMetrics, 'checkpointLag'>,
  ) {}

  /** Writes the checkpoint the progress has moved to, if it moved, after any write before it. */
  flush(): Promise<void> {
    const flushed = this.chain.then(async () => {
      this.metrics.checkpointLag(this.progress.pending);
      const position = this.progress.takeCheckpoint();
      if (position !== undefined) await this.writeAt(position);
    });
    this.chain = flushed.catch(() => undefined);
    return flushed;
  }

  /** Writes `position` (SHARD_END at the shard's end) now. */
  async writeAt(position: string): Promise<void> {
    if ((await this.write(position)) === 'fenced') throw new LeaseLostError();
  }
}
