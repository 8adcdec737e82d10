/**
 * Small helpers the stream code shares: building a StreamRecord (its JSON size measured
 * once), clamping a GetRecords limit, and the event of a batch's records.
 */
import type { StreamEventRecord, StreamRecord } from './stream-source.js';

/** `{ sequenceNumber, partitionKey, arrivalTime, event, sizeBytes }` with sizeBytes = UTF-8 bytes of the event's JSON. */
export function toStreamRecord(
  sequenceNumber: string,
  partitionKey: string,
  arrivalTime: number,
  event: StreamEventRecord,
): StreamRecord {
  return { sequenceNumber, partitionKey, arrivalTime, event, sizeBytes: Buffer.byteLength(JSON.stringify(event), 'utf8') };
}

/** A requested GetRecords limit, clamped to 1..max (a non-finite request gets max). */
export function clampLimit(limit: number, max: number): number {
  if (!Number.isFinite(limit)) return max;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

/** The event of the records at `indices`: `{"Records":[...]}` exactly as the target receives it. */
export function payloadOf(records: readonly StreamRecord[], indices: readonly number[]): string {
  return `{"Records":[${indices.map((i) => JSON.stringify(records[i]!.event)).join(',')}]}`;
}
