/**
 * Record age (streams.md §10, §13) at its edges: the limit is the smaller of
 * MaximumRecordAgeInSeconds and the stream's retention, and a record is expired only once
 * its age is strictly above it.
 */
import { describe, expect, it } from 'vitest';
import { createBatchState, isRecordExpired, nextAction, recordAgeLimitMs } from '../../../../../src/sources/streams/policy/index.js';
import { T0, config, records } from './harness.js';

describe('recordAgeLimitMs', () => {
  it('is the smaller of MaximumRecordAgeInSeconds and the retention, either absent or -1 meaning none', () => {
    expect(recordAgeLimitMs(config())).toBeUndefined();
    expect(recordAgeLimitMs(config({ maximumRecordAgeInSeconds: 60 }))).toBe(60_000);
    expect(recordAgeLimitMs(config({ retentionMs: 86_400_000 }))).toBe(86_400_000);
    expect(recordAgeLimitMs(config({ maximumRecordAgeInSeconds: 60, retentionMs: 59_999 }))).toBe(59_999);
    expect(recordAgeLimitMs(config({ maximumRecordAgeInSeconds: 60, retentionMs: 60_001 }))).toBe(60_000);
    // A retention of 0 is unknown, not "everything expired".
    expect(recordAgeLimitMs(config({ maximumRecordAgeInSeconds: -1, retentionMs: 0 }))).toBeUndefined();
  });
});

describe('isRecordExpired', () => {
  const cfg = config({ maximumRecordAgeInSeconds: 60 });
  it('only above the limit: age limit - 1 and limit are kept, limit + 1 is expired', () => {
    expect(isRecordExpired(T0, cfg, T0 + 59_999)).toBe(false);
    expect(isRecordExpired(T0, cfg, T0 + 60_000)).toBe(false);
    expect(isRecordExpired(T0, cfg, T0 + 60_001)).toBe(true);
    expect(isRecordExpired(T0, config(), T0 + 10 * 365 * 86_400_000)).toBe(false);
  });

  it('nextAction discards exactly the records past the limit, as RecordAgeExceeded with approximateInvokeCount 1', () => {
    // Records arrive 10 ms apart: at T0 + 60 010, record 1 is 60 010 ms old, record 2 60 000.
    const step = nextAction(createBatchState(records(3), T0), cfg, T0 + 60_010);
    expect(step.action).toMatchObject({ kind: 'invoke', indices: [1, 2] });
    expect(step.state.discards).toEqual([{ from: 0, to: 0, condition: 'RecordAgeExceeded', approximateInvokeCount: 1, discardedAt: T0 + 60_010 }]);
  });
});
