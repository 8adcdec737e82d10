/**
 * `builtin` targets: functions that need no handler, for load tests and trying a mapping
 * (issue #14). They run in Sluice's process and answer like a function would:
 * - `noop`: succeeds at once with a null response;
 * - `echo`: succeeds, answering with the event it was given (to see what a mapping sends);
 * - `sleep:<ms>`: succeeds after `ms` milliseconds; past the function's `timeout` it ends as
 *   a Lambda timeout does (Sandbox.Timedout function error), so slow consumers can be tried;
 * - `fail:<ratio>`: each invocation fails (an Unhandled function error) with probability
 *   `ratio` (0..1) and otherwise succeeds. Chosen per invocation, not per record: a target
 *   cannot know whether the mapping reports batch item failures, and a whole-batch failure
 *   is what drives Lambda's retries, bisection and on-failure destinations.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { elapsedMs } from './elapsed.js';
import { unhandledFunctionError } from './function-error.js';
import { LATEST, TIMED_OUT_ERROR_TYPE, taskTimedOutMessage } from './lambda-wording.js';
import type { InvocationContext, InvocationOutcome, Target } from './target.js';
import { targetClosedOutcome } from './target-closed.js';

/** The forms a `builtin` value takes; the config schema checks values against it. */
export const BUILTIN_TARGET_PATTERN = /^(noop|echo|sleep:\d+|fail:(0(\.\d+)?|1(\.0+)?))$/;

export type BuiltinBehaviour =
  | { kind: 'noop' }
  | { kind: 'echo' }
  | { kind: 'sleep'; ms: number }
  | { kind: 'fail'; ratio: number };

export function parseBuiltin(spec: string): BuiltinBehaviour {
  if (!BUILTIN_TARGET_PATTERN.test(spec)) {
    throw new Error(`builtin target must be noop, echo, sleep:<ms> or fail:<ratio 0..1>, not ${JSON.stringify(spec)}`);
  }
  const [kind, argument = ''] = spec.split(':');
  if (kind === 'sleep') return { kind, ms: Number(argument) };
  if (kind === 'fail') return { kind, ratio: Number(argument) };
  return { kind: kind as 'noop' | 'echo' };
}

export class BuiltinTarget implements Target {
  private readonly behaviour: BuiltinBehaviour;
  /** Aborted by close(): sleeping invocations end as closed. */
  private readonly closing = new AbortController();

  /** `random` is injectable so tests of `fail:` can be exact. */
  constructor(
    spec: string,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviour = parseBuiltin(spec);
  }

  async invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome> {
    const start = performance.now();
    if (this.closing.signal.aborted) return targetClosedOutcome(start);
    const requestId = randomUUID();
    const succeeded = (response: unknown): InvocationOutcome => ({
      kind: 'success',
      response,
      responseIsJson: true,
      requestId,
      executedVersion: LATEST,
      durationMs: elapsedMs(start),
    });
    const failed = (errorType: string, errorMessage: string): InvocationOutcome => unhandledFunctionError(start, requestId, errorMessage, errorType);
    const behaviour = this.behaviour;
    switch (behaviour.kind) {
      case 'noop':
        return succeeded(null);
      case 'echo':
        return succeeded(JSON.parse(payload) as unknown);
      case 'fail':
        return this.random() < behaviour.ratio ? failed('Error', `builtin fail:${behaviour.ratio}: this invocation failed on purpose`) : succeeded(null);
      case 'sleep': {
        const timedOut = behaviour.ms > context.timeoutMs;
        try {
          await sleep(timedOut ? context.timeoutMs : behaviour.ms, undefined, { signal: this.closing.signal });
        } catch {
          return targetClosedOutcome(start);
        }
        return timedOut ? failed(TIMED_OUT_ERROR_TYPE, taskTimedOutMessage(context.timeoutMs)) : succeeded(null);
      }
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return Promise.resolve();
  }
}
