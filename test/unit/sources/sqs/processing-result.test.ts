/** LastProcessingResult of an SQS mapping (api.md §6.2): the spec's fixed strings, written when they change. */
import { describe, expect, it } from 'vitest';
import { functionNotFound } from '../../../../src/pipeline/index.js';
import { processingResult, ProcessingResultReporter, REPORT_REFRESH_MS } from '../../../../src/sources/sqs/processing-result.js';
import type { InvocationOutcome } from '../../../../src/targets/index.js';

const lambdaNotFound: InvocationOutcome = { kind: 'invocation-error', reason: 'not-found', errorCode: 'ResourceNotFoundException', errorMessage: 'x', durationMs: 0 };
const success: InvocationOutcome = { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 };

describe('processingResult', () => {
  it('uses the fixed strings only', () => {
    expect(processingResult(success, false)).toBe('OK');
    expect(processingResult(success, true)).toBe('PROBLEM: Function call failed');
    expect(processingResult(functionNotFound(), true)).toBe('PROBLEM: Function not found');
    // A Lambda target's own ResourceNotFound is a failed call, not a function missing from Sluice.
    expect(processingResult(lambdaNotFound, true)).toBe('PROBLEM: Function call failed');
  });
});

describe('ProcessingResultReporter', () => {
  it('writes a change at once, an unchanged value only after the refresh interval', async () => {
    let now = 0;
    const written: string[] = [];
    const reporter = new ProcessingResultReporter(async ({ invocation }) => void written.push(invocation), () => now);
    await reporter.reported('OK');
    await reporter.reported('OK');
    now = REPORT_REFRESH_MS;
    await reporter.reported('OK');
    expect(written).toEqual(['OK']);
    await reporter.reported('PROBLEM: Function call failed');
    now = 2 * REPORT_REFRESH_MS + 1;
    await reporter.reported('PROBLEM: Function call failed');
    expect(written).toEqual(['OK', 'PROBLEM: Function call failed', 'PROBLEM: Function call failed']);
  });
});
