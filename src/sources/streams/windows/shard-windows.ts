/**
 * The tumbling window of one shard in the process holding its lease (streams.md §15): which
 * window each batch belongs to, the state passed from one invocation of a window to the
 * next, the window's final invocation, and the checkpoint saved together with the state.
 * The ShardProcessor calls it at each of those points when TumblingWindowInSeconds > 0 (a
 * tumbling mapping has ParallelizationFactor 1, api.md V33, so the shard is one lane).
 * The building blocks are tumbling-window.ts (pure) and window-states.ts (Redis).
 *
 * Choices where §15 is silent, made here:
 * - A record belongs to the window of its arrival time, but never to one before the open
 *   window (or before the end of the last window closed): a late record joins the next
 *   window, since a closed window's state is gone.
 * - A window's end has "every record delivered" once a record of a later window was read,
 *   or a read that started after the end came back empty (the shard is caught up).
 * - A state over 1 MB ends the window when the batch that produced it ends: the rest of
 *   that batch (a bisected half, a retry after a partial failure) still gets it; then comes
 *   the final invocation with `isWindowTerminatedEarly: true`.
 * - A saved window whose length no longer matches the mapping's (an update changed
 *   TumblingWindowInSeconds) gets its final invocation before any new record.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchJobData, BatchJobResult } from '../../../pipeline/index.js';
import type { AttemptReport } from '../policy/index.js';
import { finalInvokeReading } from '../policy/response-reading.js';
import type { JudgedAttempt } from '../../invocation-attempts.js';
import type { InvocationOutcome } from '../../../targets/index.js';
import type { Logger } from '../../../observability/logger.js';
import { LeaseLostError } from '../leases/lease-lost-error.js';
import type { Lease } from '../leases/shard-leases.js';
import type { StreamRecord } from '../stream-source.js';
import {
  afterFinalInvoke,
  buildWindowPayload,
  policyOutcomeForWindow,
  sameWindow,
  stateAfterAttempt,
  stateTooLarge,
  windowForRecord,
  type FinalInvokeProgress,
  type WindowRange,
} from './tumbling-window.js';
import type { OpenWindow, WindowStates, WindowWriteResult } from './window-states.js';

export interface ShardWindowsOptions {
  mappingId: string;
  functionArn: string;
  shardId: string;
  streamArn: string;
  source: BatchJobData['source'];
  windowSeconds: number;
  maximumRetryAttempts: number;
  states: WindowStates;
  /** Submits a batch job fenced by the lease; throws LeaseLostError when the job was refused for it. */
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  /** Records a final invocation's attempt, as judged here (sources/invocation-attempts.ts). */
  recordAttempt?: (attempt: JudgedAttempt) => void;
  /** The lease as it is now (renewals give new objects). */
  lease: () => Lease;
  /** Aborted on any stop: a final invocation's retry waits end. */
  stopping: AbortSignal;
  logger: Logger;
}

export class ShardWindows {
  private open?: OpenWindow;
  /**
   * The last window closed. The next window starts at its end, or at its start when it
   * ended early (records of that range then open its next instance).
   */
  private lastClosed?: OpenWindow;

  constructor(private readonly options: ShardWindowsOptions) {}

  /** Loads the shard's open window saved with its checkpoint (§15: a restart resumes mid-window). */
  async load(): Promise<void> {
    this.open = await this.options.states.get(this.options.mappingId, this.options.shardId);
  }

  /** The window a record belongs to, given the windows opened and closed so far. */
  windowOf(record: StreamRecord): WindowRange {
    return windowForRecord(record.arrivalTime, this.options.windowSeconds, this.open?.startMs ?? this.nextWindowFloor());
  }

  private nextWindowFloor(): number | undefined {
    const closed = this.lastClosed;
    return closed && (closed.terminatedEarly ? closed.startMs : closed.endMs);
  }

  sameWindow(a: WindowRange, b: WindowRange): boolean {
    return sameWindow(a, b);
  }

  /**
   * Before a batch of window `window`: the open window gets its final invocation first when
   * the batch is of a later window, when it ended early, or when its length is no longer
   * the mapping's; then `window` is the open one (state `{}` when new). False when the
   * processor stopped during the final invocation (the batch must not run).
   */
  async beforeBatch(window: WindowRange): Promise<boolean> {
    const open = this.open;
    if (open && (open.terminatedEarly || !sameWindow(open, window) || open.endMs - open.startMs !== this.options.windowSeconds * 1000)) {
      if (!(await this.finalInvoke())) return false;
    }
    if (!this.open) {
      const instance = this.lastClosed && sameWindow(this.lastClosed, window) ? this.lastClosed.instance + 1 : 1;
      this.open = { ...window, state: {}, instance, terminatedEarly: false };
    }
    return true;
  }

  /** The event of an invocation of the open window carrying these records. */
  payload(records: readonly StreamRecord[]): string {
    const open = this.open!;
    return buildWindowPayload({
      recordEventsJson: records.map((r) => JSON.stringify(r.event)),
      window: open,
      state: open.state,
      shardId: this.options.shardId,
      streamArn: this.options.streamArn,
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    });
  }

  /** What the batch policy sees: a success without a state object is a failed invocation (§15). */
  policyOutcome(outcome: InvocationOutcome): InvocationOutcome {
    return policyOutcomeForWindow(outcome);
  }

  /** After an attempt the policy judged: keep the state a success (or partial failure) returned. */
  afterAttempt(result: AttemptReport['result'], outcome: InvocationOutcome): void {
    const state = stateAfterAttempt(result, outcome);
    if (!state || !this.open) return;
    this.open.state = state;
    if (stateTooLarge(state)) this.open.terminatedEarly = true;
  }

  /** Saves the checkpoint with the open window's state in one step; without an open window, the checkpoint only. */
  save(checkpoint: string): Promise<WindowWriteResult> {
    if (!this.open) return this.options.states.close(this.options.lease(), checkpoint);
    return this.options.states.save(this.options.lease(), this.open, checkpoint);
  }

  /**
   * Whether the open window's final invocation is due with no record waiting (§15): its end
   * has passed and a read started after it came back empty (`caughtUpAt`), or it ended early.
   * Returns how long to wait before asking again otherwise (undefined: nothing to wait for).
   */
  finalDue(now: number, caughtUpAt: number | undefined): { due: boolean; recheckInMs?: number } {
    const open = this.open;
    if (!open) return { due: false };
    if (open.terminatedEarly) return { due: true };
    if (now < open.endMs) return { due: false, recheckInMs: open.endMs - now };
    return { due: caughtUpAt !== undefined && caughtUpAt >= open.endMs };
  }

  get hasOpenWindow(): boolean {
    return this.open !== undefined;
  }

  /**
   * The open window's final invocation (`Records: []`, `isFinalInvokeForWindow: true`),
   * retried as §10 until it succeeds or MaximumRetryAttempts is used up; then the window's
   * state is deleted (with `checkpoint`, e.g. SHARD_END, in the same step). False when the
   * processor stopped first: the window stays saved and the next holder invokes it again.
   */
  async finalInvoke(checkpoint?: string): Promise<boolean> {
    const open = this.open;
    if (!open) {
      if (checkpoint !== undefined) this.expectWritten(await this.options.states.close(this.options.lease(), checkpoint));
      return true;
    }
    const { options } = this;
    const payload = buildWindowPayload({
      recordEventsJson: [],
      window: open,
      state: open.state,
      shardId: options.shardId,
      streamArn: options.streamArn,
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: open.terminatedEarly,
    });
    let progress: FinalInvokeProgress = { countedAttempts: 0, retries: 0 };
    for (;;) {
      if (options.stopping.aborted) return false;
      let outcome: InvocationOutcome;
      try {
        ({ outcome } = await options.submit({ mappingId: options.mappingId, source: options.source, functionArn: options.functionArn, payload, recordCount: 0 }));
      } catch (error) {
        if (error instanceof LeaseLostError) throw error; // the job was fenced: the lease moved
        outcome = { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 };
      }
      const step = afterFinalInvoke(outcome, progress, options.maximumRetryAttempts);
      options.recordAttempt?.({ outcome, reading: finalInvokeReading(step.kind === 'closed', outcome), records: 0, payloadBytes: Buffer.byteLength(payload) });
      if (step.kind === 'exhausted') options.logger.warn({ window: open }, 'final invocation of a tumbling window failed; its state is dropped');
      if (step.kind !== 'retry') break;
      progress = step.progress;
      await sleep(step.delayMs, undefined, { signal: options.stopping }).catch(() => undefined);
    }
    this.expectWritten(await options.states.close(options.lease(), checkpoint));
    this.lastClosed = open;
    this.open = undefined;
    return true;
  }

  private expectWritten(result: WindowWriteResult): void {
    if (result === 'fenced') throw new LeaseLostError();
  }
}
