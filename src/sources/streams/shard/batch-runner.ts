/**
 * Runs one batch of a lane through the stream batch policy until it ends (streams.md
 * §10–§13: retries, partial failures, bisect, record age, 6 MB): each attempt is one job
 * submitted to the invoke pipeline, fenced by the lease; the policy judges its outcome. Then
 * what it discarded goes to the on-failure destination (§14), its records are done and the
 * checkpoint moves (§5). A batch that did not end with its first attempt is saved
 * (batch-progress.ts) after every step, so the next holder of the lease resumes its retries.
 * Stopping mid-retry leaves the batch's records pending: the next holder reads them again
 * (at least once, §17).
 */
import { FUNCTION_NOT_CONFIGURED, type BatchJobData, type BatchJobResult, type JobFence } from '../../../pipeline/index.js';
import type { InvocationOutcome } from '../../../targets/index.js';
import { recordInvocationAttempt, type AttemptTracer } from '../../invocation-attempts.js';
import type { SourceWarningContext } from '../../source-warnings.js';
import type { BatchProgress, SavedBatch } from '../checkpoints/batch-progress.js';
import { LeaseLostError } from '../leases/lease-lost-error.js';
import type { Lease } from '../leases/shard-leases.js';
import { createBatchState, hasEnded, runStreamBatch, settledUpTo, type DiscardGroup, type StreamBatchConfig, type StreamBatchState } from '../policy/index.js';
import { batchResponseReading } from '../policy/response-reading.js';
import { payloadOf } from '../stream-record.js';
import type { StreamRecord, StreamTraits } from '../stream-source.js';
import type { ShardWindows } from '../windows/shard-windows.js';
import type { ShardCheckpointer } from './shard-checkpointer.js';
import type { ShardMetrics } from './shard-metrics.js';

export type SubmitBatch = (data: BatchJobData) => Promise<BatchJobResult>;

/**
 * Submits batch jobs fenced by the lease: a job that waited, or was run again after its
 * worker stalled, is refused once the lease has moved (pipeline/job-fence.ts), so it never
 * reaches the target after the next holder replayed it and moved on (§6). A refused job
 * means the lease is lost: LeaseLostError, and the shard stops.
 */
export function fencedSubmit(submit: SubmitBatch, fence: (lease: Lease) => JobFence, lease: () => Lease): SubmitBatch {
  return async (data) => {
    const result = await submit({ ...data, fence: fence(lease()) });
    if (result.fenced) throw new LeaseLostError();
    return result;
  };
}

/** What of the shard's tumbling window (§15) an attempt uses: the window's payload and state. */
export type RunnerWindows = Pick<ShardWindows, 'payload' | 'policyOutcome' | 'afterAttempt'>;

export interface BatchRunnerOptions {
  mappingId: string;
  functionArn: string;
  /** What the mapping's settings are: saved with a retrying batch (batch-progress.ts). */
  settingsFingerprint: string;
  policy: StreamBatchConfig;
  traits: Pick<StreamTraits, 'type'>;
  /** The lease as it is now (renewals give new objects). */
  lease: () => Lease;
  /** Whether the lease is still this processor's (asked before each invocation). */
  leaseHeld: (lease: Lease) => Promise<boolean>;
  /** Submits one attempt, fenced (fencedSubmit). */
  submit: SubmitBatch;
  batches: Pick<BatchProgress, 'save' | 'remove'>;
  checkpointer: Pick<ShardCheckpointer, 'progress' | 'flush'>;
  /** Sends (or drops) one discarded part of a batch (policy/shard-discards.ts). */
  discard: (discard: DiscardGroup, records: readonly StreamRecord[]) => Promise<void>;
  metrics: ShardMetrics;
  warnings: SourceWarningContext;
  /** LastProcessingResult after each attempt (api.md §6.2). */
  report: (result: { invocation: string }) => Promise<void>;
  windows?: RunnerWindows;
  /** Aborted when the lease is lost: nothing more may be written. */
  leaseLost: AbortSignal;
  /** Aborted on any stop: no further retry of a failing batch starts. */
  stopping: AbortSignal;
  /** The mapping's invocation trace, and the trace id of a record (StreamSource.traceId). */
  trace?: AttemptTracer;
  traceId?: (record: StreamRecord) => string;
}

/** The attempt in flight as the target answered it, recorded once the policy judged it. */
interface AttemptInFlight {
  received: InvocationOutcome;
  records: number;
  payloadBytes: number;
  startedAt: number;
  /** The records' invocation count, this one included (the trace's `attempt`). */
  attempt: number;
  indices: number[];
}

export class BatchRunner {
  constructor(private readonly options: BatchRunnerOptions) {}

  /** Runs `records` (lane `lane`'s batch) until it ends or the processor stops; `resumed`: its saved state. */
  async run(lane: number, records: StreamRecord[], resumed?: StreamBatchState): Promise<void> {
    const { options } = this;
    if (options.leaseLost.aborted) throw new LeaseLostError();
    const { progress } = options.checkpointer;
    let saved = resumed !== undefined;
    let doneUpTo = -1;
    let attempt: AttemptInFlight | undefined;
    const result = await runStreamBatch({
      state: resumed ?? createBatchState(records.map((r) => ({ sequenceNumber: r.sequenceNumber, arrivalTime: r.arrivalTime, sizeBytes: r.sizeBytes })), Date.now()),
      config: options.policy,
      signal: options.stopping,
      save: async (state) => {
        // Records before the lowest failed one of a partial failure are done (§11): the
        // checkpoint moves before the retry, unless a discard inside them still waits for
        // its on-failure delivery at the end of the batch.
        const upTo = settledUpTo(state);
        if (upTo !== undefined && state.discards.length === 0) {
          const end = records.findIndex((r) => r.sequenceNumber === upTo);
          if (end > doneUpTo) {
            progress.markDone(records.slice(doneUpTo + 1, end + 1).map((r) => r.sequenceNumber));
            doneUpTo = end;
            await options.checkpointer.flush();
          }
        }
        if (!hasEnded(state)) {
          // The records are stored with the first save only; later ones rewrite the progress.
          await this.save(lane, { settings: options.settingsFingerprint, records, state }, !saved);
          saved = true;
        }
      },
      invoke: async (action) => {
        // A stolen lease is noticed at the next renewal; until then, invoke nothing more (§2).
        if (options.leaseLost.aborted || !(await options.leaseHeld(options.lease()))) throw new LeaseLostError();
        options.metrics.iteratorAge(Date.now() - records[action.indices.at(-1)!]!.arrivalTime);
        try {
          const payload = options.windows ? options.windows.payload(action.indices.map((i) => records[i]!)) : payloadOf(records, action.indices);
          const startedAt = Date.now();
          const { outcome } = await options.submit({
            mappingId: options.mappingId,
            source: options.traits.type,
            functionArn: options.functionArn,
            payload,
            recordCount: action.indices.length,
          });
          attempt = { received: outcome, records: action.indices.length, payloadBytes: Buffer.byteLength(payload), startedAt, attempt: action.attempt, indices: action.indices };
          return options.windows ? options.windows.policyOutcome(outcome) : outcome;
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          return { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 } satisfies InvocationOutcome;
        }
      },
      onAttempt: (report, outcome) => {
        if (attempt) {
          const { startedAt, indices, received } = attempt;
          const traceId = options.traceId ?? ((record: StreamRecord) => record.sequenceNumber);
          recordInvocationAttempt(
            options.metrics,
            options.warnings,
            {
              records: attempt.records,
              payloadBytes: attempt.payloadBytes,
              outcome: received,
              reading: batchResponseReading(report.result, received, outcome, report.failedIds),
              trace: {
                startedAt,
                attempt: attempt.attempt,
                ids: () => indices.map((i) => traceId(records[i]!)),
                // Streams' batchItemFailures name records by sequence number (§11).
                idOfItem: (sequenceNumber) => {
                  const record = records.find((r) => r.sequenceNumber === sequenceNumber);
                  return record ? traceId(record) : undefined;
                },
              },
            },
            options.trace,
          );
        }
        attempt = undefined;
        options.windows?.afterAttempt(report.result, outcome);
        // api.md §6.2's fixed strings, which clients and tests compare: why an attempt failed
        // is in its warning (pipeline/invoke-job.ts) and in sluice_invocation_errors_total{cause}.
        const notConfigured = outcome.kind === 'invocation-error' && outcome.errorCode === FUNCTION_NOT_CONFIGURED;
        void options.report({ invocation: notConfigured ? 'PROBLEM: Function not found' : report.result === 'success' ? 'OK' : 'PROBLEM: Function call failed' }).catch(() => undefined);
      },
    });
    if (result.kind === 'stopped') {
      // A graceful stop reads the batch again afresh (batch-progress.ts); a lost lease leaves it to the next holder.
      if (saved && !options.leaseLost.aborted) await this.forget(lane);
      return;
    }
    for (const discard of result.discards) await options.discard(discard, records);
    progress.markDone(records.slice(doneUpTo + 1).map((r) => r.sequenceNumber));
    await options.checkpointer.flush();
    if (saved) await this.forget(lane);
  }

  /** Removes the lane's saved batch (it ended, is abandoned, or is stale). */
  async forget(lane: number): Promise<void> {
    if (!(await this.options.batches.remove(this.options.lease(), lane))) throw new LeaseLostError();
  }

  /** Saves the lane's retrying batch (its records too with `withRecords`). */
  private async save(lane: number, batch: Omit<SavedBatch, 'lane'>, withRecords: boolean): Promise<void> {
    if (!(await this.options.batches.save(this.options.lease(), lane, batch, withRecords))) throw new LeaseLostError();
  }
}
