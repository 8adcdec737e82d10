/**
 * The process-wide read budget (issue #13 §1, BufferAccountant.reserveRead): a read
 * reserves what its response may cost before it starts; a read that would pass
 * `streams.maxBufferedBytes` together with the buffers and the reads in flight waits until
 * bytes are freed, in the order the reads asked; one read may always be in flight.
 */
import { describe, expect, it } from 'vitest';
import { BufferAccountant, type ReleaseRead } from '../../../../../src/sources/streams/shard/buffer-accountant.js';

const MB = 1024 * 1024;

/** A reservation's promise, with whether it has been granted yet (checked after the microtasks ran). */
function pending(promise: Promise<ReleaseRead>) {
  const state: { release?: ReleaseRead } = {};
  void promise.then((release) => (state.release = release));
  return state;
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BufferAccountant read budget', () => {
  it('blocks a read that would pass the cap and releases it when a read in flight gives its reservation back', async () => {
    const accountant = new BufferAccountant(100 * MB);
    const signal = new AbortController().signal;
    const first = await accountant.reserveRead(40 * MB, signal);
    const second = await accountant.reserveRead(40 * MB, signal);
    expect(accountant.reservedBytes).toBe(80 * MB);

    const third = pending(accountant.reserveRead(40 * MB, signal));
    await settle();
    expect(third.release).toBeUndefined();
    expect(accountant.reservedBytes).toBe(80 * MB);

    first();
    first(); // idempotent: gives back once
    await settle();
    expect(third.release).toBeDefined();
    expect(accountant.reservedBytes).toBe(80 * MB);
    second();
    third.release!();
    expect(accountant.reservedBytes).toBe(0);
  });

  it('counts buffered bytes: a read waits while buffers and reads would pass the cap, and goes once the buffers drain', async () => {
    const accountant = new BufferAccountant(100 * MB);
    const signal = new AbortController().signal;
    const inFlight = await accountant.reserveRead(30 * MB, signal);
    accountant.add(50 * MB); // records another shard read, not yet in a batch

    const waiting = pending(accountant.reserveRead(30 * MB, signal));
    await settle();
    expect(waiting.release).toBeUndefined();

    accountant.remove(20 * MB); // batches cut: 30 held + 30 reserved + 30 asked = 90 MB
    await settle();
    expect(waiting.release).toBeDefined();
    inFlight();
    waiting.release!();
  });

  it('lets one read through whatever the buffers hold, so a stuck shard or a small cap slows reading without stopping it', async () => {
    const accountant = new BufferAccountant(10 * MB);
    const signal = new AbortController().signal;
    accountant.add(9 * MB);
    const only = pending(accountant.reserveRead(80 * MB, signal));
    await settle();
    expect(only.release).toBeDefined();
    const next = pending(accountant.reserveRead(80 * MB, signal));
    await settle();
    expect(next.release).toBeUndefined();
    only.release!();
    await settle();
    expect(next.release).toBeDefined();
  });

  it('grants waiting reads in the order they asked, and an aborted wait leaves the line', async () => {
    const accountant = new BufferAccountant(100 * MB);
    const signal = new AbortController().signal;
    const first = await accountant.reserveRead(60 * MB, signal);
    const stop = new AbortController();
    const aborted = pending(accountant.reserveRead(60 * MB, stop.signal));
    const big = pending(accountant.reserveRead(60 * MB, signal));
    const small = pending(accountant.reserveRead(10 * MB, signal));
    await settle();
    // The small one would fit (70 MB), but waits its turn behind the big one.
    expect([aborted.release, big.release, small.release]).toEqual([undefined, undefined, undefined]);

    stop.abort();
    await settle();
    expect(aborted.release).toBeDefined(); // a no-op release: the reader is stopping
    expect(accountant.reservedBytes).toBe(60 * MB);

    first();
    await settle();
    expect(big.release).toBeDefined();
    expect(small.release).toBeDefined();
    expect(accountant.reservedBytes).toBe(70 * MB);
  });
});
