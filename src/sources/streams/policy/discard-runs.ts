/**
 * Discarded records (streams.md §12, §14): kept as runs of adjacent positions while the
 * batch goes on, merged into on-failure groups when the batch ends or is abandoned, and
 * where the checkpoint may move then.
 */
import { DISCARDED, PENDING, type DiscardGroup, type DiscardRun, type StreamBatchState } from './batch-state.js';

export type RunFacts = Omit<DiscardRun, 'from' | 'to'>;

/** Marks `indices` discarded (in `status`) and records them as runs of adjacent positions. */
export function discard(state: StreamBatchState, status: string[], indices: readonly number[], facts: RunFacts): void {
  let run: DiscardRun | undefined;
  for (const i of indices) {
    status[i] = DISCARDED;
    if (run && run.to === i - 1) {
      run.to = i;
    } else {
      run = { from: i, to: i, ...facts };
      state.discards.push(run);
    }
  }
}

/**
 * The highest sequence number up to which every record of the batch has ended (done or
 * discarded); undefined while the first record is pending. The checkpoint moves only when
 * the batch ends (§5); this is for observability, and for abandon().
 */
export function settledUpTo(state: StreamBatchState): string | undefined {
  const firstPending = state.status.indexOf(PENDING);
  const end = firstPending === -1 ? state.records.length : firstPending;
  return end === 0 ? undefined : state.records[end - 1]!.sequenceNumber;
}

/**
 * Stops a batch before it ended (§17: disable or delete after an in-flight invocation, an
 * update abandoning a batch that waits for a retry). The checkpoint may move to the end of
 * the prefix of ended records, after sending the discards within that prefix; every record
 * after it stays behind the checkpoint and is read again (with a fresh retry count).
 */
export function abandon(state: StreamBatchState): { checkpoint?: string; discards: DiscardGroup[] } {
  const firstPending = state.status.indexOf(PENDING);
  const end = firstPending === -1 ? state.records.length : firstPending;
  const checkpoint = settledUpTo(state);
  return { ...(checkpoint !== undefined ? { checkpoint } : {}), discards: discardGroups(state, end) };
}

/**
 * The discards of positions < `end`, in sequence order, adjacent runs of one condition
 * merged (§12): first start, last end, sizes summed, the largest approximateInvokeCount,
 * request id, responseContext and timestamp of the latest discard.
 */
export function discardGroups(state: StreamBatchState, end: number): DiscardGroup[] {
  const runs = state.discards.filter((run) => run.to < end).sort((a, b) => a.from - b.from);
  const merged: DiscardRun[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && last.condition === run.condition && last.to + 1 === run.from) {
      const later = run.discardedAt >= last.discardedAt ? run : last;
      merged[merged.length - 1] = {
        ...later,
        from: last.from,
        to: run.to,
        approximateInvokeCount: Math.max(last.approximateInvokeCount, run.approximateInvokeCount),
      };
    } else {
      merged.push({ ...run });
    }
  }
  return merged.map((run) => toGroup(state, run));
}

export function toGroup(state: StreamBatchState, run: DiscardRun): DiscardGroup {
  const first = state.records[run.from]!;
  const last = state.records[run.to]!;
  const base = {
    firstIndex: run.from,
    lastIndex: run.to,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    approximateArrivalOfFirstRecord: first.arrivalTime,
    approximateArrivalOfLastRecord: last.arrivalTime,
    batchSize: run.to - run.from + 1,
    approximateInvokeCount: run.approximateInvokeCount,
    ...(run.requestId !== undefined ? { requestId: run.requestId } : {}),
    discardedAt: run.discardedAt,
  };
  if (run.condition === 'RetryAttemptsExhausted') {
    return {
      ...base,
      condition: run.condition,
      responseContext: run.responseContext ?? { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    };
  }
  return { ...base, condition: run.condition };
}
