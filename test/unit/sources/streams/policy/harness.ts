/**
 * A fake shard for the stream batch policy: records with big sequence numbers, a fake
 * clock that only moves when the policy waits or a target runs, and outcome builders.
 */
import type { InvocationOutcome } from '../../../../../src/targets/target.js';
import { expect } from 'vitest';
import {
  applyOutcome,
  createBatchState,
  nextAction,
  type AttemptReport,
  type DiscardGroup,
  type PolicyRecordInput,
  type StreamBatchConfig,
  type StreamBatchState,
} from '../../../../../src/sources/streams/policy/index.js';

export const T0 = Date.parse('2025-11-25T19:00:00.000Z');
const PREFIX = '4965812345678901234567890123456789012345678901234567';

/** Sequence number of record n (1-based): 56 digits, beyond 2^53. */
export const seq = (n: number): string => `${PREFIX}${String(n).padStart(4, '0')}`;
/** n → the record's label in call logs. */
export const label = (sequenceNumber: string): number => Number(sequenceNumber.slice(PREFIX.length));

/** Records 1..count, arriving 10 ms apart from `firstArrival`. */
export function records(count: number, firstArrival = T0): PolicyRecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ sequenceNumber: seq(i + 1), arrivalTime: firstArrival + i * 10 }));
}

export const config = (overrides: Partial<StreamBatchConfig> = {}): StreamBatchConfig => ({
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  ...overrides,
});

let requestCounter = 0;
export const success = (response: unknown = null, responseIsJson = true): InvocationOutcome => ({
  kind: 'success',
  response,
  responseIsJson,
  requestId: `req-${++requestCounter}`,
  executedVersion: '$LATEST',
  durationMs: 5,
});
export const functionError = (functionErrorValue = 'Unhandled'): InvocationOutcome => ({
  kind: 'function-error',
  functionError: functionErrorValue,
  errorMessage: 'boom',
  errorType: 'Error',
  requestId: `req-${++requestCounter}`,
  executedVersion: '$LATEST',
  durationMs: 5,
});
export const invocationError = (): InvocationOutcome => ({
  kind: 'invocation-error',
  reason: 'throttled',
  errorMessage: 'Rate exceeded',
  errorCode: 'TooManyRequestsException',
  statusCode: 429,
  durationMs: 5,
});
/** An RBIF response naming these record numbers. */
export const failures = (...ns: number[]): InvocationOutcome => success({ batchItemFailures: ns.map((n) => ({ itemIdentifier: seq(n) })) });

export interface Call {
  /** Record numbers invoked, in order. */
  records: number[];
  at: number;
  retry: number;
  outcome: InvocationOutcome;
  report?: AttemptReport;
}

export interface Simulation {
  calls: Call[];
  /** Record numbers of each invocation. */
  invoked: number[][];
  /** Every sleep the policy asked for, in ms. */
  sleeps: number[];
  checkpoint?: string;
  discards: DiscardGroup[];
  state: StreamBatchState;
  clock: number;
}

export interface SimulateOptions {
  start?: number;
  /** How long each invocation takes on the fake clock. Default 100 ms. */
  invokeMs?: number;
  /** Round-trip the state through JSON after every step (it must survive a job store). */
  viaJson?: boolean;
  /** Stop after this many invocations (the test fails if the batch has not ended). Default 500. */
  maxCalls?: number;
}

/** Runs one batch against `target`, which sees the record numbers of each invocation and the call number (1-based). */
export async function simulate(
  input: PolicyRecordInput[],
  cfg: StreamBatchConfig,
  target: (recordNumbers: number[], call: number) => InvocationOutcome,
  options: SimulateOptions = {},
): Promise<Simulation> {
  let clock = options.start ?? T0;
  const calls: Call[] = [];
  const sleeps: number[] = [];
  const roundTrip = (state: StreamBatchState): StreamBatchState =>
    options.viaJson ? (JSON.parse(JSON.stringify(state)) as StreamBatchState) : state;
  let state = roundTrip(createBatchState(input, clock));
  for (;;) {
    const step = nextAction(state, cfg, clock);
    state = roundTrip(step.state);
    const action = step.action;
    if (action.kind === 'end') {
      return { calls, invoked: calls.map((c) => c.records), sleeps, checkpoint: action.checkpoint, discards: action.discards, state, clock };
    }
    if (action.kind === 'wait') {
      expect(action.until).toBeGreaterThan(clock);
      sleeps.push(action.until - clock);
      clock = action.until;
      continue;
    }
    if (calls.length >= (options.maxCalls ?? 500)) throw new Error(`simulate: more than ${options.maxCalls ?? 500} invocations`);
    const numbers = action.indices.map((i) => label(input[i]!.sequenceNumber));
    const outcome = target(numbers, calls.length + 1);
    const call: Call = { records: numbers, at: clock, retry: action.retry, outcome };
    calls.push(call);
    clock += options.invokeMs ?? 100;
    const applied = applyOutcome(state, outcome, cfg, clock, { random: () => 0 });
    call.report = applied.report;
    state = roundTrip(applied.state);
  }
}

/** A target that fails every invocation containing one of `poison`, else succeeds. */
export const poisoned =
  (...poison: number[]) =>
  (numbers: number[]): InvocationOutcome =>
    numbers.some((n) => poison.includes(n)) ? functionError() : success();
