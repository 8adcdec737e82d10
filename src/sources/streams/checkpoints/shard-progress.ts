/**
 * Which records of a shard are done (streams.md §5, §7): every record read, kept or
 * filtered out, in sequence order, with whether it is done. The shard's checkpoint is the
 * last record of the longest done prefix; lanes finish out of order, so a record done in
 * one lane waits for every earlier record of the other lanes before the checkpoint passes it.
 */
interface Entry {
  sequenceNumber: string;
  done: boolean;
}

export class ShardProgress {
  private entries: Entry[] = [];
  private head = 0;
  private readonly bySequence = new Map<string, Entry>();
  /** Marked done before they were read (a resumed batch ended before the reader reached them). */
  private readonly doneAhead = new Set<string>();
  /** Last record of the done prefix not yet taken by takeCheckpoint(). */
  private checkpoint?: string;

  /** A record read, in sequence order; `done` when the filter rejected it. */
  add(sequenceNumber: string, done: boolean): void {
    const entry = { sequenceNumber, done: done || this.doneAhead.delete(sequenceNumber) };
    this.entries.push(entry);
    this.bySequence.set(sequenceNumber, entry);
    this.advance();
  }

  markDone(sequenceNumbers: Iterable<string>): void {
    for (const sequenceNumber of sequenceNumbers) {
      const entry = this.bySequence.get(sequenceNumber);
      if (entry) entry.done = true;
      else this.doneAhead.add(sequenceNumber);
    }
    this.advance();
  }

  /** The new checkpoint, once per move of the done prefix; undefined when it has not moved. */
  takeCheckpoint(): string | undefined {
    const checkpoint = this.checkpoint;
    this.checkpoint = undefined;
    return checkpoint;
  }

  /** Records read and not yet done (metrics: sluice_shard_checkpoint_lag_records). */
  get pending(): number {
    return this.entries.length - this.head;
  }

  private advance(): void {
    while (this.head < this.entries.length && this.entries[this.head]!.done) {
      const entry = this.entries[this.head++]!;
      this.bySequence.delete(entry.sequenceNumber);
      this.checkpoint = entry.sequenceNumber;
    }
    // Drop the done prefix now and then rather than shifting on every record.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
