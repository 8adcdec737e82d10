/**
 * A batch job is one invocation attempt (design.md): the target is invoked once, whatever
 * the outcome; the pipeline counts the cause of a refused or failed attempt and warns with
 * the target, and leaves the response and the outcome label to the source's policy.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { SluiceMetrics } from '../../../src/observability/metrics.js';
import { RateLimitedWarnings } from '../../../src/observability/rate-limited-warnings.js';
import { invokeJob, type BatchJobData, type FunctionTargets } from '../../../src/pipeline/index.js';
import type { InvocationOutcome } from '../../../src/targets/index.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const data: BatchJobData = { mappingId: 'm-uuid', source: 'sqs', functionArn: FUNCTION_ARN, payload: '{"Records":[{"messageId":"a"}]}', recordCount: 1 };
const refused: InvocationOutcome = { kind: 'invocation-error', reason: 'unreachable', errorCode: 'ECONNREFUSED', errorMessage: 'connect ECONNREFUSED', durationMs: 0 };

function targetsAnswering(outcome: InvocationOutcome | undefined) {
  const payloads: string[] = [];
  const targets = {
    resolve: () =>
      outcome === undefined
        ? undefined
        : {
            target: { invoke: async (payload: string) => (payloads.push(payload), outcome) },
            context: { functionArn: FUNCTION_ARN, functionName: 'f', timeoutMs: 3000 },
            description: { kind: 'http', endpoint: 'http://127.0.0.1:1/' },
          },
  } as unknown as FunctionTargets;
  return { targets, payloads };
}

function observed() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { lines, logger, metrics: new SluiceMetrics(), warnings: new RateLimitedWarnings(logger) };
}

async function value(metrics: SluiceMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

describe('invokeJob', () => {
  it('an invocation error is one attempt: no retry in the job, the cause counted and warned with the target', async () => {
    const { targets, payloads } = targetsAnswering(refused);
    const { lines, logger, metrics, warnings } = observed();
    const result = await invokeJob(data, targets, { logger, metrics, warnings });
    expect(result).toEqual({ outcome: refused });
    expect(payloads).toEqual([data.payload]);
    expect(await value(metrics, 'sluice_invocation_errors_total', { mapping: 'm-uuid', cause: 'connection_refused' })).toBe(1);
    // The outcome label is the source policy's to record.
    expect(await value(metrics, 'sluice_invocations_total', { mapping: 'm-uuid' })).toBe(0);
    const warning = lines.find((l) => l.level === 40)!;
    expect(warning).toMatchObject({ cause: 'connection_refused', errorCode: 'ECONNREFUSED', target: 'http://127.0.0.1:1/', function: 'f' });
    expect(warning.msg).toBe('invocation of f failed (http target http://127.0.0.1:1/, mapping m-uuid): connection_refused: ECONNREFUSED: connect ECONNREFUSED; left to the source');
  });

  it('a success is returned with its parsed response as is, and nothing is counted as an error', async () => {
    const success: InvocationOutcome = { kind: 'success', response: { batchItemFailures: 'not a list' }, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 4 };
    const { targets } = targetsAnswering(success);
    const { lines, logger, metrics, warnings } = observed();
    expect(await invokeJob(data, targets, { logger, metrics, warnings })).toEqual({ outcome: success });
    expect(await value(metrics, 'sluice_invocation_errors_total', { mapping: 'm-uuid' })).toBe(0);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('a function missing from the configuration is a function_not_configured attempt, without a target', async () => {
    const { targets } = targetsAnswering(undefined);
    const { lines, logger, metrics, warnings } = observed();
    const { outcome } = await invokeJob(data, targets, { logger, metrics, warnings });
    expect(outcome).toMatchObject({ kind: 'invocation-error', errorCode: 'FunctionNotConfigured' });
    expect(await value(metrics, 'sluice_invocation_errors_total', { mapping: 'm-uuid', cause: 'function_not_configured' })).toBe(1);
    expect(lines.find((l) => l.level === 40)!.msg).toContain('no target configured');
  });
});
