/**
 * Drives one stream batch through the policy (stream-batch-policy.ts) until it ends:
 * invoke, apply the outcome, wait out retry delays, save the progress after every step.
 * It runs in the process holding the shard's lease (design.md: the invocation attempt is
 * the BullMQ job, the batch's fate belongs to its owner); `save` writes the progress to
 * Redis beside the checkpoint, fenced by the lease (checkpoints/batch-progress.ts);
 * shard/batch-runner.ts calls it. I/O is injected, so tests drive the same loop with a
 * fake clock and target.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { InvocationOutcome } from '../../../targets/target.js';
import type { DiscardGroup, StreamBatchConfig, StreamBatchState } from './batch-state.js';
import { applyOutcome, type AttemptReport } from './retry-decision.js';
import { nextAction, type BatchAction } from './stream-batch-policy.js';

type InvokeAction = Extract<BatchAction, { kind: 'invoke' }>;

export interface RunStreamBatchOptions {
  /** From createBatchState, or the state saved in a resumed job. */
  state: StreamBatchState;
  config: StreamBatchConfig;
  /**
   * Invokes the records at `action.indices` (payload `{"Records":[...]}` of those records,
   * in order): one attempt, one outcome.
   */
  invoke(action: InvokeAction): Promise<InvocationOutcome>;
  /** Persists the progress (checkpoints/batch-progress.ts); called after every change of state. */
  save?(state: StreamBatchState): Promise<void>;
  /** Told after every outcome: LastProcessingResult, logs, metrics. */
  onAttempt?(report: AttemptReport, outcome: InvocationOutcome, action: InvokeAction): void;
  /** Stops the loop between steps (disable, shutdown, lease lost); an invocation in flight is applied first. */
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export type RunStreamBatchResult =
  | {
      kind: 'ended';
      /** Move the checkpoint here once `discards` have been sent (or dropped). */
      checkpoint: string;
      discards: DiscardGroup[];
      state: StreamBatchState;
    }
  /** Stopped by the signal: the batch has not ended; abandon(state) or resume later from `state`. */
  | { kind: 'stopped'; state: StreamBatchState };

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, { signal }).then(
    () => undefined,
    () => undefined,
  );

export async function runStreamBatch(options: RunStreamBatchOptions): Promise<RunStreamBatchResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  let state = options.state;
  for (;;) {
    const step = nextAction(state, options.config, now());
    if (step.state.status !== state.status) await options.save?.(step.state);
    state = step.state;
    const action = step.action;
    if (action.kind === 'end') return { kind: 'ended', checkpoint: action.checkpoint, discards: action.discards, state };
    if (options.signal?.aborted) return { kind: 'stopped', state };
    if (action.kind === 'wait') {
      await sleep(Math.max(0, action.until - now()), options.signal);
      continue;
    }
    const outcome = await options.invoke(action);
    const applied = applyOutcome(state, outcome, options.config, now(), options.random ? { random: options.random } : {});
    state = applied.state;
    // Told first, so what it learns (a tumbling window's new state) is saved with the progress.
    options.onAttempt?.(applied.report, outcome, action);
    await options.save?.(state);
  }
}
