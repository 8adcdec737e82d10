/**
 * Record age (streams.md §10, §13): a record older than MaximumRecordAgeInSeconds, or than
 * the stream's retention, is discarded with `RecordAgeExceeded` before every attempt and
 * while its batch waits for a retry.
 */
import { PENDING, dropEmptyParts, liveIndices, type StreamBatchConfig, type StreamBatchState } from './batch-state.js';
import { discard } from './discard-runs.js';

/** The age above which a record is discarded (§10, §13), in ms; undefined = none. */
export function recordAgeLimitMs(config: StreamBatchConfig): number | undefined {
  const limits: number[] = [];
  if (config.maximumRecordAgeInSeconds >= 0) limits.push(config.maximumRecordAgeInSeconds * 1000);
  if (config.retentionMs !== undefined && config.retentionMs > 0) limits.push(config.retentionMs);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** A record is expired when now − arrival > the age limit (§13). */
export function isRecordExpired(arrivalTime: number, config: StreamBatchConfig, now: number): boolean {
  const limit = recordAgeLimitMs(config);
  return limit !== undefined && now - arrivalTime > limit;
}

/** Discards every pending record that has expired at `now`, as RecordAgeExceeded (§13). */
export function expireRecords(state: StreamBatchState, config: StreamBatchConfig, now: number): void {
  if (recordAgeLimitMs(config) === undefined) return;
  const status = [...state.status];
  for (const part of state.parts) {
    const expired = liveIndices(state, part).filter((i) => isRecordExpired(state.records[i]!.arrivalTime, config, now));
    if (expired.length === 0) continue;
    discard(state, status, expired, {
      condition: 'RecordAgeExceeded',
      // Invocations that included the records + 1 (§13, chosen formula).
      approximateInvokeCount: part.invocations + 1,
      ...(part.lastRequestId !== undefined ? { requestId: part.lastRequestId } : {}),
      discardedAt: now,
    });
  }
  state.status = status.join('');
  dropEmptyParts(state);
}

/** The first moment a pending record will be expired, or undefined. */
export function nextExpiry(state: StreamBatchState, config: StreamBatchConfig): number | undefined {
  const limit = recordAgeLimitMs(config);
  if (limit === undefined) return undefined;
  let oldest: number | undefined;
  for (let i = 0; i < state.records.length; i++) {
    if (state.status[i] !== PENDING) continue;
    const arrival = state.records[i]!.arrivalTime;
    if (oldest === undefined || arrival < oldest) oldest = arrival;
  }
  return oldest === undefined ? undefined : oldest + limit + 1;
}
