/**
 * Drives one stream batch through the policy (stream-batch-policy.ts) until it ends:
 * invoke, apply the outcome, wait out retry delays, save the progress after every step.
 * It runs in the process holding the shard's lease (shard/batch-runner.ts); each invocation
 * is one attempt, one BullMQ job. I/O is injected, so tests drive it with a fake clock and
 * target.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { InvocationOutcome } from '../../../targets/target.js';
import {
  applyOutcome,
  nextAction,
  type AttemptReport,
  type BatchAction,
  type DiscardGroup,
  type StreamBatchConfig,
  type StreamBatchState,
} from './stream-batch-policy.js';

type InvokeAction = Extract<BatchAction, { kind: 'invoke' }>;

export interface RunStreamBatchOptions {
  /** From createBatchState, or the state saved in a resumed job. */
  state: StreamBatchState;
  config: StreamBatchConfig;
  /**
   * Invokes the records at `action.indices` (payload `{"Records":[...]}` of those records,
   * in order). An attempt is one job, so the batch runner returns the outcome alone; a
   * caller whose one call stands for several invocations may return how many.
   */
  invoke(action: InvokeAction): Promise<InvocationOutcome | { outcome: InvocationOutcome; invocations: number }>;
  /** Persists the progress (batch-progress.ts, beside the checkpoint); called after every change of state. */
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
    const answer = await options.invoke(action);
    const { outcome, invocations } = 'kind' in answer ? { outcome: answer, invocations: 1 } : answer;
    const applied = applyOutcome(state, outcome, options.config, now(), {
      invocations,
      ...(options.random ? { random: options.random } : {}),
    });
    state = applied.state;
    // Told first, so what it learns (a tumbling window's new state) is saved with the progress.
    options.onAttempt?.(applied.report, outcome, action);
    await options.save?.(state);
  }
}
