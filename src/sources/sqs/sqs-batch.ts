/**
 * One batch being filled (sqs.md §4): closes at BatchSize, at the end of the window, or
 * before the record that would push the invocation payload past 6 MB.
 */
import type { SqsEventRecord } from './sqs-record.js';
import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES as ENVELOPE_BYTES } from '../../pipeline/payload-limit.js';

export { MAX_PAYLOAD_BYTES };

export interface BatchEntry {
  record: SqsEventRecord;
  json: string;
  bytes: number;
  /** When SQS handed the message over (epoch ms): a batching window opens then. */
  receivedAt: number;
  /** When the message becomes visible again unless deleted or extended (epoch ms). */
  visibleUntil: number;
}

export function toBatchEntry(record: SqsEventRecord, receivedAt: number, visibleUntil: number): BatchEntry {
  const json = JSON.stringify(record);
  return { record, json, bytes: Buffer.byteLength(json), receivedAt, visibleUntil };
}

export class SqsBatch {
  readonly entries: BatchEntry[] = [];
  private bytes = ENVELOPE_BYTES;
  /** When the first record arrived: the window opens then (chosen, sqs.md §4). */
  openedAt?: number;

  constructor(readonly batchSize: number) {}

  get size(): number {
    return this.entries.length;
  }

  get isFull(): boolean {
    return this.entries.length >= this.batchSize;
  }

  /** Whether the entry fits (count and bytes); a lone record always fits an empty batch. */
  fits(entry: BatchEntry): boolean {
    if (this.isFull) return false;
    const separator = this.entries.length > 0 ? 1 : 0;
    return this.entries.length === 0 || this.bytes + separator + entry.bytes <= MAX_PAYLOAD_BYTES;
  }

  add(entry: BatchEntry): void {
    this.bytes += entry.bytes + (this.entries.length > 0 ? 1 : 0);
    this.entries.push(entry);
    this.openedAt ??= entry.receivedAt;
  }

  payload(): string {
    return `{"Records":[${this.entries.map((e) => e.json).join(',')}]}`;
  }
}
