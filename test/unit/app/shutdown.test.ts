import { describe, expect, it } from 'vitest';
import { closeWithin, ShutdownTimeoutError, type CloseStep } from '../../../src/shutdown.js';

const never = () => new Promise<never>(() => undefined);

describe('closeWithin: close steps under one deadline', () => {
  it('runs the steps in order, a failing one not stopping the others', async () => {
    const ran: string[] = [];
    const step = (name: string, fail = false): CloseStep => ({
      name,
      run: async () => {
        ran.push(name);
        if (fail) throw new Error(name);
      },
    });
    await closeWithin([step('a'), step('b', true), step('c')], 1000);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('at the deadline forces the step running and those not run, and names them with what they wait for', async () => {
    const forced: string[] = [];
    const ran: string[] = [];
    const steps: CloseStep[] = [
      { name: 'quick', run: async () => ran.push('quick'), force: () => forced.push('quick') },
      { name: 'stuck', run: never, pending: () => '2 batch jobs running', force: () => forced.push('stuck') },
      { name: 'after', run: async () => ran.push('after'), force: () => forced.push('after') },
    ];
    const started = Date.now();
    const error = await closeWithin(steps, 200).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(ShutdownTimeoutError);
    expect((error as Error).message).toBe('shutdown did not finish within 200 ms: stuck (2 batch jobs running); after');
    expect(forced).toEqual(['stuck', 'after']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toEqual(['quick']);
  });
});
