/**
 * The open tumbling window of each shard (streams.md §15), per mapping and shard: its
 * range, the state the function returned last, its instance and whether it was
 * terminated early. How the shard processor uses it: tumbling-window.ts.
 *
 * "The checkpoint and the window's state are saved together after every successful
 * invocation" (§15, chosen): save() and close() move the checkpoint and write (or delete)
 * the window in one Lua script (redis-scripts.ts), fenced by the shard's lease like
 * Checkpoints.write and with the same rules for the checkpoint (never backwards, SHARD_END
 * final). Both or neither: when the checkpoint is refused, the window is left alone too,
 * so a stored window always goes with the checkpoint saved with it and a restart resumes
 * mid-window with the right state. Keys: stream-keys.ts (`windowStates`, removed with the
 * mapping by deleteStreamState).
 */
import type { Redis } from 'ioredis';
import { checkpointResultOf, type CheckpointWriteResult } from '../checkpoints/checkpoints.js';
import { writeWindowCheckpointScript } from '../redis-scripts.js';
import { assertSequenceNumber, SHARD_END } from '../checkpoints/sequence-numbers.js';
import type { Lease } from '../leases/shard-leases.js';
import { streamKeys } from '../stream-keys.js';
import { isWindowState, type WindowRange, type WindowState } from './tumbling-window.js';

/** A shard's open window, as stored. */
export interface OpenWindow extends WindowRange {
  /** What the last successful invocation of the window returned; `{}` before the first. */
  state: WindowState;
  /**
   * 1 for the first window of a range; one more for each new window of the same range
   * started after an early termination (§15: later records of the range start a new
   * window instance with `{}`).
   */
  instance: number;
  /** The state grew over 1 MB: the window's next invocation is its final one (§15). */
  terminatedEarly: boolean;
}

/**
 * As for Checkpoints.write, about the checkpoint: `written` (moved) and `unchanged` (no
 * need to move) mean the window was saved or deleted with it; `fenced` (the lease moved:
 * stop the shard at once), `behind` and `ended` mean nothing at all was written.
 */
export type WindowWriteResult = CheckpointWriteResult;

type WriterLease = Pick<Lease, 'mappingId' | 'shardId' | 'workerId' | 'token'>;

/** Written in this key order, read back by `parseWindow`. */
function serialise(window: OpenWindow): string {
  const { startMs, endMs, instance, terminatedEarly, state } = window;
  if (!Number.isSafeInteger(startMs) || !Number.isSafeInteger(endMs) || startMs >= endMs) {
    throw new RangeError(`Not a window range: ${startMs}..${endMs}`);
  }
  if (!Number.isSafeInteger(instance) || instance < 1) throw new RangeError(`Not a window instance: ${instance}`);
  if (!isWindowState(state)) throw new TypeError('A window state is a JSON object');
  return JSON.stringify({ startMs, endMs, instance, terminatedEarly, state });
}

function parseWindow(json: string, where: string): OpenWindow {
  const value = JSON.parse(json) as Partial<OpenWindow>;
  const { startMs, endMs, instance, terminatedEarly, state } = value;
  if (
    typeof startMs !== 'number' ||
    typeof endMs !== 'number' ||
    typeof instance !== 'number' ||
    typeof terminatedEarly !== 'boolean' ||
    !isWindowState(state)
  ) {
    throw new Error(`Stored tumbling window of ${where} is malformed`);
  }
  return { startMs, endMs, state, instance, terminatedEarly };
}

export class WindowStates {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Saves the shard's open window and moves its checkpoint to `checkpoint` (a sequence
   * number or SHARD_END) in one step; without `checkpoint`, saves the window only (fenced
   * all the same). Throws InvalidSequenceNumberError for a checkpoint that is neither. A
   * shard read to its end has no open window: with SHARD_END use close(); a save after
   * the checkpoint became SHARD_END is `ended`.
   */
  async save(lease: WriterLease, window: OpenWindow, checkpoint?: string): Promise<WindowWriteResult> {
    if (checkpoint === SHARD_END) throw new TypeError('A shard read to its end has no open window: close it with SHARD_END instead');
    return this.write(lease, checkpoint, serialise(window));
  }

  /**
   * Deletes the shard's window (it closed: its final invocation succeeded or used up its
   * retries), moving the checkpoint to `checkpoint` in the same step when given (e.g.
   * SHARD_END when the shard ended with that final invocation).
   */
  async close(lease: WriterLease, checkpoint?: string): Promise<WindowWriteResult> {
    return this.write(lease, checkpoint, '');
  }

  /** The shard's open window, or undefined when it has none. */
  async get(mappingId: string, shardId: string): Promise<OpenWindow | undefined> {
    const json = await this.redis.hget(streamKeys(this.prefix, mappingId).windowStates, shardId);
    return json === null ? undefined : parseWindow(json, `${mappingId}/${shardId}`);
  }

  private async write(lease: WriterLease, checkpoint: string | undefined, window: string): Promise<WindowWriteResult> {
    if (checkpoint !== undefined && checkpoint !== SHARD_END) assertSequenceNumber(checkpoint);
    const keys = streamKeys(this.prefix, lease.mappingId);
    const code = (await this.redis.eval(
      writeWindowCheckpointScript,
      3,
      keys.leases,
      keys.checkpoints,
      keys.windowStates,
      lease.shardId,
      lease.workerId,
      String(lease.token),
      checkpoint ?? '',
      window,
    )) as number;
    return checkpointResultOf(code, `${lease.mappingId}/${lease.shardId} (window) at ${checkpoint ?? 'the same checkpoint'}`);
  }
}
