/**
 * Small helpers the stream adapters share: building a StreamRecord (its JSON size measured
 * once) and clamping a GetRecords limit.
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
