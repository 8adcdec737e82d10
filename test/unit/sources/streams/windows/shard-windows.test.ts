/**
 * ShardWindows' choice of window instance (streams.md §15): consecutive windows each start
 * as instance 1; only a window ended early (state over 1 MB) is followed by a new instance
 * of the same range. The store is an in-memory stand-in for WindowStates (Redis is covered
 * by test/integration/streams-leases/window-states.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../../src/observability/logger.js';
import { ShardWindows } from '../../../../../src/sources/streams/windows/shard-windows.js';
import type { OpenWindow, WindowStates } from '../../../../../src/sources/streams/windows/window-states.js';
import { LeaseLostError } from '../../../../../src/sources/streams/leases/lease-lost-error.js';
import type { BatchJobData, BatchJobResult } from '../../../../../src/pipeline/batch-job.js';

const succeed = async (): Promise<BatchJobResult> => ({
  outcome: { kind: 'success', response: { state: {} }, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 },
});

function windowsWithMemory(submit: (data: BatchJobData) => Promise<BatchJobResult> = succeed) {
  const saved: OpenWindow[] = [];
  const states = {
    get: async () => undefined,
    save: async (_lease: unknown, window: OpenWindow) => {
      saved.push(structuredClone(window));
      return 'written' as const;
    },
    close: async () => 'written' as const,
  } as unknown as WindowStates;
  const windows = new ShardWindows({
    mappingId: 'm',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    shardId: 'shardId-000000000000',
    streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    source: 'kinesis',
    windowSeconds: 2,
    maximumRetryAttempts: 0,
    states,
    submit,
    lease: () => ({ mappingId: 'm', shardId: 'shardId-000000000000', workerId: 'w', token: 1, expiresAt: 0 }),
    stopping: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
  });
  return { windows, saved };
}

const success = (state: unknown) => ({ kind: 'success' as const, response: { state }, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 1 });

describe('ShardWindows instances', () => {
  it('consecutive windows are each instance 1', async () => {
    const { windows, saved } = windowsWithMemory();
    expect(await windows.beforeBatch({ startMs: 2000, endMs: 4000 })).toBe(true);
    await windows.save('1');
    expect(await windows.beforeBatch({ startMs: 4000, endMs: 6000 })).toBe(true); // closes the first with its final invocation
    await windows.save('2');
    expect(saved.map((w) => [w.startMs, w.instance])).toEqual([
      [2000, 1],
      [4000, 1],
    ]);
  });

  it('a window ended early by a state over 1 MB is followed by instance 2 of the same range, with {}', async () => {
    const { windows, saved } = windowsWithMemory();
    await windows.beforeBatch({ startMs: 2000, endMs: 4000 });
    windows.afterAttempt('success', success({ big: 'x'.repeat(1_048_577) }));
    await windows.save('1');
    expect(saved.at(-1)!.terminatedEarly).toBe(true);
    expect(windows.finalDue(0, undefined).due).toBe(true);
    await windows.beforeBatch({ startMs: 2000, endMs: 4000 });
    await windows.save('2');
    expect(saved.at(-1)).toMatchObject({ startMs: 2000, instance: 2, terminatedEarly: false, state: {} });
  });

  it('a final invocation refused because the lease moved stops the shard: not retried, the window not closed', async () => {
    const { windows } = windowsWithMemory(async () => {
      throw new LeaseLostError();
    });
    await windows.beforeBatch({ startMs: 2000, endMs: 4000 });
    await windows.save('1');
    await expect(windows.finalInvoke()).rejects.toBeInstanceOf(LeaseLostError);
  });
});
