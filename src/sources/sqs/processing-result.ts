/**
 * LastProcessingResult of an SQS mapping after each applied batch (api.md §6.2).
 */
import { FUNCTION_NOT_CONFIGURED } from '../../pipeline/index.js';
import type { InvocationOutcome } from '../../targets/index.js';

/** How often an unchanged LastProcessingResult is written again. */
export const REPORT_REFRESH_MS = 2000;

/**
 * LastProcessingResult for an applied outcome. These are the spec's fixed strings, which
 * clients and tests compare: the reason of a failure is not appended here; it is in the
 * attempt's warning and in the `cause` of sluice_invocation_errors_total.
 */
export function processingResult(outcome: InvocationOutcome, failed: boolean): string {
  // Only a function missing from Sluice's configuration; a Lambda target's own
  // ResourceNotFound is an invocation that failed (api.md §6.2).
  if (outcome.kind === 'invocation-error' && outcome.errorCode === FUNCTION_NOT_CONFIGURED) return 'PROBLEM: Function not found';
  return failed ? 'PROBLEM: Function call failed' : 'OK';
}

/**
 * Writes the result when it changed, and an unchanged one now and then only: with several
 * processes on one mapping, the latest invocation anywhere must win without a Redis write
 * per batch.
 */
export class ProcessingResultReporter {
  private last?: { value: string; at: number };

  constructor(
    private readonly report: (result: { invocation: string }) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async reported(value: string): Promise<void> {
    const last = this.last;
    if (last && last.value === value && this.now() - last.at <= REPORT_REFRESH_MS) return;
    this.last = { value, at: this.now() };
    await this.report({ invocation: value });
  }
}
