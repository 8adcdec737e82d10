/**
 * Durable progress of the stream batches that are retrying (design.md: "a crash mid-batch
 * resumes from the job"; issue: a crash mid-retry resumes the retry count instead of
 * starting it again). Per mapping, one Redis hash (stream-keys.ts `batches`) with, per
 * (shard, lane), the batch's records as read and its policy state (stream-batch-policy.ts).
 *
 * Design change from design.md, on purpose: the progress is not the data of one long
 * BullMQ job. Each invocation attempt is a BullMQ job; the retry loop runs in the process
 * holding the shard's lease, because only that process may order the shard's batches and
 * move its checkpoint. The loop's state is saved here, fenced by the lease like
 * checkpoints, so the next holder of the lease (after a crash or a lease move) resumes the
 * batch with its attempts, bisection and done records instead of starting it over.
 *
 * Only batches that did not end with their first invocation are saved (the happy path
 * costs nothing). The entry is removed when the batch ends, and by a graceful stop
 * (disable, update, delete, process stop): then, as streams.md §17 says for an update, the
 * batch is read again under the current settings with a fresh retry count (chosen for the
 * other stops too). `settings` fingerprints what the batch was built under; an entry whose
 * fingerprint differs from the processor's (an update made while no process ran the
 * mapping) is dropped, for the same reason.
 */
import type { Redis } from 'ioredis';
import type { StreamBatchState } from '../policy/index.js';
import { writeProgressScript } from '../redis-scripts.js';
import type { Lease } from '../leases/shard-leases.js';
import { streamKeys } from '../stream-keys.js';
import type { StreamRecord } from '../stream-source.js';

export interface SavedBatch {
  lane: number;
  settings: string;
  records: StreamRecord[];
  state: StreamBatchState;
}

type Writer = Pick<Lease, 'mappingId' | 'shardId' | 'workerId' | 'token'>;

export class BatchProgress {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Saves a lane's batch: its records once (`withRecords`, the first save), its settings and
   * state every time. False when the lease moved (fenced).
   */
  async save(lease: Writer, lane: number, batch: Omit<SavedBatch, 'lane'>, withRecords: boolean): Promise<boolean> {
    const { records, ...progress } = batch;
    return this.write(lease, lane, JSON.stringify(progress), withRecords ? JSON.stringify(records) : '');
  }

  /** Removes a lane's batch (it ended, or is abandoned); false when the lease moved (fenced). */
  async remove(lease: Writer, lane: number): Promise<boolean> {
    return this.write(lease, lane, '', '');
  }

  private async write(lease: Writer, lane: number, progress: string, records: string): Promise<boolean> {
    const keys = streamKeys(this.prefix, lease.mappingId);
    const written = await this.redis.eval(writeProgressScript, 2, keys.leases, keys.batches, lease.shardId, lease.workerId, String(lease.token), `${lease.shardId}|${lane}`, progress, records);
    return written === 1;
  }

  /** The saved batches of a shard, by lane. */
  async load(mappingId: string, shardId: string): Promise<SavedBatch[]> {
    const all = await this.redis.hgetall(streamKeys(this.prefix, mappingId).batches);
    const saved: SavedBatch[] = [];
    for (const [field, value] of Object.entries(all)) {
      const [shard, lane, part] = field.split('|');
      if (shard !== shardId || part !== 'progress') continue;
      const records = all[`${shard}|${lane}|records`];
      if (records === undefined) continue;
      saved.push({ ...(JSON.parse(value) as Omit<SavedBatch, 'lane' | 'records'>), records: JSON.parse(records) as StreamRecord[], lane: Number(lane) });
    }
    return saved;
  }
}
