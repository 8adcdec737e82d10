/**
 * What one shard holds read and not yet cut into a batch (streams.md §4 revised), counted
 * in records and in bytes (each record's event JSON, as the 6 MB payload rule counts it).
 * The shard stops reading while its buffer holds more than `readAheadRecords` records or
 * `readAheadBytes` bytes, or while the process's buffers together hold more than the
 * process cap (the BufferAccountant this buffer reports to).
 *
 * A read asks for the service maximum whatever the room left (§4: batch size never changes
 * how Sluice reads), so a buffer may go past its bound by one read (chosen: reading to fill
 * the room exactly would make a call per batch again, the problem §4's revision removed).
 */
import type { BufferAccountant } from './buffer-accountant.js';

export interface ReadAheadLimits {
  /** `streams.readAheadRecords`, resolved for the mapping (default max(10000, 2 × BatchSize × PF)). */
  records: number;
  /** `streams.readAheadBytes`. */
  bytes: number;
}

export class ShardBuffer {
  private heldRecords = 0;
  private heldBytes = 0;

  constructor(
    readonly limits: ReadAheadLimits,
    private readonly accountant: BufferAccountant,
  ) {}

  get records(): number {
    return this.heldRecords;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** The shard may read again: its buffer is within both bounds and the process within its cap. */
  hasRoom(): boolean {
    return this.heldRecords <= this.limits.records && this.heldBytes <= this.limits.bytes && !this.accountant.full();
  }

  /** The process's buffers together are over the cap: every shard waits for room there. */
  processFull(): boolean {
    return this.accountant.full();
  }

  /** Resolves once the process cap may have room (the shard's own room is the batcher's to signal). */
  processRoom(signal: AbortSignal): Promise<void> {
    return this.accountant.whenRoom(signal);
  }

  added(bytes: number): void {
    this.heldRecords++;
    this.heldBytes += bytes;
    this.accountant.add(bytes);
  }

  removed(bytes: number): void {
    this.heldRecords--;
    this.heldBytes -= bytes;
    this.accountant.remove(bytes);
  }

  /** The lease is gone (or the shard stopped): what it held is no longer counted; the next holder reads again from the checkpoint. */
  drop(): void {
    const bytes = this.heldBytes;
    this.heldRecords = 0;
    this.heldBytes = 0;
    this.accountant.remove(bytes);
  }
}
