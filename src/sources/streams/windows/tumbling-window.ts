/**
 * Tumbling windows (streams.md §15): the pure building blocks. Storage of a shard's open
 * window, saved together with its checkpoint, is window-states.ts.
 *
 * How the shard processor uses them (TumblingWindowInSeconds W > 0; api.md V33 keeps
 * ParallelizationFactor at 1, so a shard is one lane):
 *
 * 1. Start of a shard: `WindowStates.get()` gives the open window (range, state, instance,
 *    terminatedEarly) saved with the checkpoint it goes with, or none. Resume after the
 *    checkpoint with that state (a window saved while W was different, or with W now 0, is
 *    stale: give it its final invocation, or drop it, as you prefer; §15 is silent).
 * 2. Each kept record belongs to `windowForRecord(arrivalTime, W, floor)`, where `floor` is
 *    the open window's start, else the end of the last closed window (its start when it
 *    was terminated early, so records of that range start a new instance). A record
 *    arriving after its window closed joins the next window (chosen; arrival times in a
 *    shard are nearly, not strictly, in sequence order).
 * 3. Batches never span windows (§8, §15): `fill()` stops before a record whose window
 *    differs from the batch's first record's (`sameWindow`); BatchSize, the batching
 *    window and 6 MB apply as usual. For 6 MB, the envelope around the records is
 *    `windowPayloadBaseBytes(...)` instead of PAYLOAD_ENVELOPE_BYTES; the state of an
 *    invocation that carries records is at most 1 MB (a larger one ends the window before
 *    more records join it), so `windowPayloadBaseBytes` with a 1 MB state is a safe bound
 *    for a batch built before its state is known (read-ahead).
 * 4. Invoking a batch of window w: if another window is open (an earlier one: records of a
 *    later window prove every record of it was read), give that one its final invocation
 *    first (6.). The state is the open window's (`{}` for a new window, instance 1, or
 *    previous instance + 1 after an early termination of the same range). Build the event
 *    with `buildWindowPayload` and read the state at each invoke: a bisected half or a
 *    retry gets the state of the last successful invocation of the window.
 *    Give the policy `policyOutcomeForWindow(outcome)`: a success without an object
 *    `state` becomes a function error (§15: retried like one; bisect, MaximumRetryAttempts,
 *    MaximumRecordAgeInSeconds and on-failure destinations apply as usual). In
 *    `onAttempt(report, outcome)`, `stateAfterAttempt(report.result, outcome)` is the new
 *    state, if any (a success, or a partial failure whose state is kept, §15 chosen).
 * 5. Saving: the checkpoint and the state move together (`WindowStates.save(lease,
 *    window, checkpoint)`), so the saved state folds in exactly the records up to the saved
 *    checkpoint: after a success or partial failure mid-batch, with `settledUpTo(state)`;
 *    when a discard still waits for its destination and the checkpoint cannot move yet,
 *    keep the state in memory and save both when the batch ends (a crash in between
 *    re-delivers those records with the older state, which is consistent). `fenced` means
 *    the lease moved: stop the shard, as for `Checkpoints.write`.
 *    If `stateTooLarge(state)` (> 1,048,576 bytes of JSON), save the window with
 *    `terminatedEarly: true`: its next invocation is the final one, at once, even before
 *    the window's end (a part of the batch still to invoke, e.g. the second half of a
 *    bisection, then goes to the new instance with `{}`).
 * 6. Final invocation: once the window's end has passed by the wall clock
 *    (`windowHasEnded`) and every record of it has been delivered: no record of it is
 *    buffered or in a batch, and either a record of a later window was read, or a read
 *    started after the end returned no record of this window (an empty page, Kinesis
 *    MillisBehindLatest 0), so the shard is caught up past the end. Also at once for a
 *    terminatedEarly window, and when the shard ends (its open window; then
 *    `WindowStates.close(lease, SHARD_END)` closes it and ends the shard in one step; child
 *    shards start with no window). The event is `buildWindowPayload` with no records,
 *    `isFinalInvokeForWindow: true` and `isWindowTerminatedEarly` from the window; the
 *    response must carry an object state like any other (§15 makes no exception); the
 *    state it returns is not kept. It is not a policy batch (no records): drive it with
 *    `afterFinalInvoke` (retries and delays as §10, MaximumRetryAttempts counts function
 *    errors and stateless responses, not invocation errors), the shard waiting meanwhile.
 *    `closed` or `exhausted`: `WindowStates.close(lease)` deletes the state (exhausted:
 *    log it; nothing goes to the on-failure destination, there are no records). No
 *    IteratorAge for it (§16).
 * 7. Stops (§17): disable, update and lease moves leave the saved window with its
 *    checkpoint; delete removes both (`deleteStreamState`).
 */
import type { AttemptReport } from '../policy/index.js';
import { retryDelayMs } from '../policy/index.js';
import type { FunctionErrorOutcome, InvocationOutcome, SuccessOutcome } from '../../../targets/target.js';

/** TumblingWindowInSeconds range when on (api.md: 0 = off, at most 900). */
export const MAX_WINDOW_SECONDS = 900;

/** A window state larger than this many bytes of JSON ends the window early (§15). */
export const MAX_WINDOW_STATE_BYTES = 1_048_576;

/** A window's time range: [startMs, endMs), ms since the epoch, aligned to the epoch. */
export interface WindowRange {
  startMs: number;
  endMs: number;
}

/** The aggregate a function carries across a window's invocations: a JSON object (§15). */
export type WindowState = { [key: string]: unknown };

function assertWindowSeconds(windowSeconds: number): void {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    throw new RangeError(`TumblingWindowInSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS} (got ${windowSeconds})`);
  }
}

/** The window of a record that arrived at `arrivalTimeMs`: start = floor(arrival / W) × W, end = start + W (§15). */
export function windowOf(arrivalTimeMs: number, windowSeconds: number): WindowRange {
  assertWindowSeconds(windowSeconds);
  if (!Number.isFinite(arrivalTimeMs)) throw new RangeError(`Not an arrival time: ${arrivalTimeMs}`);
  const lengthMs = windowSeconds * 1000;
  const startMs = Math.floor(arrivalTimeMs / lengthMs) * lengthMs;
  return { startMs, endMs: startMs + lengthMs };
}

/**
 * The window a record joins, never one starting before `notBeforeMs` (the open window's
 * start, else where the last closed window ended): a record that arrives after its own
 * window closed joins the next window (chosen: a closed window's state is gone).
 */
export function windowForRecord(arrivalTimeMs: number, windowSeconds: number, notBeforeMs?: number): WindowRange {
  return windowOf(notBeforeMs === undefined ? arrivalTimeMs : Math.max(arrivalTimeMs, notBeforeMs), windowSeconds);
}

export function sameWindow(a: WindowRange, b: WindowRange): boolean {
  return a.startMs === b.startMs && a.endMs === b.endMs;
}

/** The window's end has passed by the wall clock (one condition of its final invocation). */
export function windowHasEnded(window: WindowRange, nowMs: number): boolean {
  return nowMs >= window.endMs;
}

/** `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds), as `window.start` / `window.end` (§15). */
export function formatWindowTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface WindowPayloadInput {
  /** Each record's event JSON (JSON.stringify(record.event)), in sequence order; none for a final invocation. */
  recordEventsJson: readonly string[];
  window: WindowRange;
  state: WindowState;
  shardId: string;
  /** The stream ARN (not a Kinesis consumer ARN): `eventSourceARN` of the envelope. */
  streamArn: string;
  isFinalInvokeForWindow: boolean;
  /** Only with isFinalInvokeForWindow: the window ended because its state grew over 1 MB. */
  isWindowTerminatedEarly: boolean;
}

/** The envelope after the records, keys in the order of AWS's example (§15). */
function envelopeTail(input: Omit<WindowPayloadInput, 'recordEventsJson'>): string {
  if (input.isWindowTerminatedEarly && !input.isFinalInvokeForWindow) {
    throw new TypeError('A window terminated early is only reported in its final invocation');
  }
  return JSON.stringify({
    window: { start: formatWindowTime(input.window.startMs), end: formatWindowTime(input.window.endMs) },
    state: input.state,
    shardId: input.shardId,
    eventSourceARN: input.streamArn,
    isFinalInvokeForWindow: input.isFinalInvokeForWindow,
    isWindowTerminatedEarly: input.isWindowTerminatedEarly,
  }).slice(1);
}

/**
 * The event of a tumbling-window invocation: `{"Records":[...],"window":{...},"state":...,
 * "shardId":...,"eventSourceARN":...,"isFinalInvokeForWindow":...,"isWindowTerminatedEarly":...}`.
 * The final invocation carries no records (§15, chosen form).
 */
export function buildWindowPayload(input: WindowPayloadInput): string {
  if (input.isFinalInvokeForWindow && input.recordEventsJson.length > 0) {
    throw new TypeError('The final invocation of a window carries no records');
  }
  return `{"Records":[${input.recordEventsJson.join(',')}],${envelopeTail(input)}`;
}

/**
 * UTF-8 bytes of a window event with no records: what the 6 MB limit leaves for the
 * records is MAX_PAYLOAD_BYTES minus this, minus one comma between records.
 */
export function windowPayloadBaseBytes(input: Omit<WindowPayloadInput, 'recordEventsJson'>): number {
  return Buffer.byteLength(buildWindowPayload({ ...input, recordEventsJson: [] }), 'utf8');
}

/** UTF-8 bytes of the state's JSON. */
export function windowStateBytes(state: WindowState): number {
  return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

/** The state is over 1 MB (1,048,576 bytes of JSON): the window ends early (§15). */
export function stateTooLarge(state: WindowState): boolean {
  return windowStateBytes(state) > MAX_WINDOW_STATE_BYTES;
}

export function isWindowState(value: unknown): value is WindowState {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What a tumbling-window invocation's outcome means for the window:
 * - `state`: the target succeeded and returned a JSON object with an object `state`;
 *   `batchItemFailures` in the same response is the batch policy's business (§11);
 * - `invalid`: the target succeeded but the response has no usable state: a failed
 *   invocation, retried like a function error (§15; AWS for a missing state, chosen for
 *   the rest);
 * - `not-success`: a function or invocation error, which the policy handles as it is.
 */
export type WindowResponse =
  | { kind: 'state'; state: WindowState }
  | { kind: 'invalid'; reason: string }
  | { kind: 'not-success' };

export function readWindowResponse(outcome: InvocationOutcome): WindowResponse {
  if (outcome.kind !== 'success') return { kind: 'not-success' };
  if (!outcome.responseIsJson) return { kind: 'invalid', reason: 'the response is not valid JSON' };
  const response = outcome.response;
  if (!isWindowState(response)) return { kind: 'invalid', reason: 'the response is not a JSON object' };
  if (!Object.hasOwn(response, 'state')) return { kind: 'invalid', reason: 'the response has no state' };
  if (!isWindowState(response.state)) return { kind: 'invalid', reason: 'the state is not a JSON object' };
  return { kind: 'state', state: response.state };
}

/** errorType of a success turned into a function error because its response had no state. */
export const INVALID_WINDOW_RESPONSE = 'Sluice.InvalidWindowResponse';

/**
 * A success whose response has no usable state, as the function error the batch policy
 * (applyOutcome) counts, retries and bisects. A function error rather than the policy's
 * RBIF "complete failure" (a malformed batchItemFailures): that one is only read with
 * ReportBatchItemFailures on, and a missing state fails with it off as well. Its on-failure
 * record says `functionError: "Unhandled"` (chosen: §15 says "retried like a function error").
 */
export function asFunctionError(outcome: SuccessOutcome, reason: string): FunctionErrorOutcome {
  return {
    kind: 'function-error',
    functionError: 'Unhandled',
    errorType: INVALID_WINDOW_RESPONSE,
    errorMessage: `Tumbling window response without a state object: ${reason}`,
    requestId: outcome.requestId,
    executedVersion: outcome.executedVersion,
    durationMs: outcome.durationMs,
  };
}

/** The outcome to hand to the batch policy for a window invocation: a stateless success becomes a function error. */
export function policyOutcomeForWindow(outcome: InvocationOutcome): InvocationOutcome {
  const read = readWindowResponse(outcome);
  return read.kind === 'invalid' && outcome.kind === 'success' ? asFunctionError(outcome, read.reason) : outcome;
}

/**
 * The window's new state after an attempt the policy judged `result` (AttemptReport):
 * the returned state of a success or of a partial failure (kept, §15 chosen); undefined
 * otherwise (the window keeps its state).
 */
export function stateAfterAttempt(result: AttemptReport['result'], outcome: InvocationOutcome): WindowState | undefined {
  if (result !== 'success' && result !== 'partial-failure') return undefined;
  const read = readWindowResponse(outcome);
  return read.kind === 'state' ? read.state : undefined;
}

/** Progress of a window's final invocation through its retries. */
export interface FinalInvokeProgress {
  /** Failed attempts that count toward MaximumRetryAttempts (function errors, stateless responses). */
  countedAttempts: number;
  /** Retries so far, counted or not: drives the delay (§10). */
  retries: number;
}

export type FinalInvokeStep =
  /** It succeeded with a state: delete the window's state. */
  | { kind: 'closed' }
  /** Invoke again after `delayMs`, with this progress. */
  | { kind: 'retry'; delayMs: number; progress: FinalInvokeProgress }
  /** MaximumRetryAttempts is used up: drop the state and close the window (§15, chosen for the limit). */
  | { kind: 'exhausted'; progress: FinalInvokeProgress };

/**
 * What follows an attempt of a window's final invocation (§15, retries as §10): invocation
 * errors are retried without counting; function errors and responses without a state
 * count; after N counted retries failed (N = maximumRetryAttempts, −1 = no limit) the
 * window is closed anyway.
 */
export function afterFinalInvoke(
  outcome: InvocationOutcome,
  progress: FinalInvokeProgress,
  maximumRetryAttempts: number,
  random: () => number = Math.random,
): FinalInvokeStep {
  if (readWindowResponse(outcome).kind === 'state') return { kind: 'closed' };
  const counted = outcome.kind !== 'invocation-error';
  const next = { countedAttempts: progress.countedAttempts + (counted ? 1 : 0), retries: progress.retries + 1 };
  if (counted && maximumRetryAttempts >= 0 && next.countedAttempts > maximumRetryAttempts) return { kind: 'exhausted', progress: next };
  return { kind: 'retry', delayMs: retryDelayMs(next.retries, random), progress: next };
}
