/** The pool's bookkeeping with stand-in workers (real workers: test/integration/targets). */
import { describe, expect, it } from 'vitest';
import type { HandlerWorker, LoadResult } from '../../../src/targets/handler-worker.js';
import { WorkerPool } from '../../../src/targets/worker-pool.js';

/** Stands in for HandlerWorker: what the pool uses of it (ready, alive, terminate, onGone). */
class FakeWorker {
  alive = true;
  onGone: (worker: HandlerWorker) => void = () => {};
  readonly ready: Promise<LoadResult>;
  constructor(load: LoadResult = { ok: true }) {
    // Like the real one, a worker that fails to load is gone by the time `ready` settles.
    this.ready = Promise.resolve().then(() => {
      if (!load.ok) this.die();
      return load;
    });
  }
  terminate(): void {
    this.die();
  }
  die(): void {
    if (!this.alive) return;
    this.alive = false;
    this.onGone(this as unknown as HandlerWorker);
  }
}

function pool(maxWorkers = 2, idleTimeoutMs = 60_000) {
  const started: FakeWorker[] = [];
  const p = new WorkerPool({ maxWorkers, idleTimeoutMs });
  const spawn = (load?: LoadResult) => () => {
    const worker = new FakeWorker(load);
    started.push(worker);
    return worker as unknown as HandlerWorker;
  };
  return { p, started, spawn };
}

const workerOf = (lease: Awaited<ReturnType<WorkerPool['acquire']>>) => {
  if (lease.kind !== 'worker') throw new Error(`expected a worker, got ${lease.kind}`);
  return lease.worker;
};

describe('WorkerPool', () => {
  it('starts workers up to the cap, then reuses released ones (most recent first)', async () => {
    const { p, started, spawn } = pool(2);
    const a = workerOf(await p.acquire(spawn()));
    const b = workerOf(await p.acquire(spawn()));
    expect(started).toHaveLength(2);
    p.release(a);
    p.release(b);
    expect(p.idleCount).toBe(2);
    expect(workerOf(await p.acquire(spawn()))).toBe(b);
    expect(started).toHaveLength(2);
  });

  it('at the cap, hands a released worker to the first waiter', async () => {
    const { p, spawn } = pool(1);
    const a = workerOf(await p.acquire(spawn()));
    const waiting = p.acquire(spawn());
    let resolved = false;
    void waiting.then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    p.release(a);
    expect(workerOf(await waiting)).toBe(a);
  });

  it('a dead worker frees its slot: a waiter gets a new one', async () => {
    const { p, started, spawn } = pool(1);
    workerOf(await p.acquire(spawn()));
    const waiting = p.acquire(spawn());
    started[0]!.die();
    const next = workerOf(await waiting);
    expect(next).toBe(started[1]);
    expect(p.size).toBe(1);
  });

  it('a worker dying while idle leaves the idle list', async () => {
    const { p, started, spawn } = pool(2);
    p.release(workerOf(await p.acquire(spawn())));
    started[0]!.die();
    expect(p.idleCount).toBe(0);
    expect(p.size).toBe(0);
    expect(workerOf(await p.acquire(spawn()))).toBe(started[1]);
  });

  it('a load failure is the lease, and the slot is free again', async () => {
    const { p, spawn } = pool(1);
    const lease = await p.acquire(spawn({ ok: false, errorCode: 'Runtime.HandlerNotFound', errorMessage: 'nope' }));
    expect(lease).toEqual({ kind: 'load-failed', errorCode: 'Runtime.HandlerNotFound', errorMessage: 'nope' });
    expect(p.size).toBe(0);
    workerOf(await p.acquire(spawn()));
  });

  it('close() stops all workers and answers waiters and later calls with closed', async () => {
    const { p, started, spawn } = pool(1);
    workerOf(await p.acquire(spawn()));
    const waiting = p.acquire(spawn());
    p.close();
    expect(await waiting).toEqual({ kind: 'closed' });
    expect(await p.acquire(spawn())).toEqual({ kind: 'closed' });
    expect(started.every((w) => !w.alive)).toBe(true);
  });

  it('retire() stops idle workers at once, lets a busy one finish and stops it when given back', async () => {
    const { p, started, spawn } = pool(2);
    const busy = workerOf(await p.acquire(spawn()));
    p.release(workerOf(await p.acquire(spawn())));
    expect(p.idleCount).toBe(1);
    p.retire();
    expect(started[1]!.alive).toBe(false);
    expect(started[0]!.alive).toBe(true); // its invocation is not cut short
    expect(p.size).toBe(1);
    p.release(busy);
    expect(started[0]!.alive).toBe(false);
    expect(p.size).toBe(0);
  });

  it('retire() answers waiters and later calls with retired (they go to the new pool), not closed', async () => {
    const { p, started, spawn } = pool(1);
    workerOf(await p.acquire(spawn()));
    const waiting = p.acquire(spawn());
    p.retire();
    expect(await waiting).toEqual({ kind: 'retired' });
    expect(await p.acquire(spawn())).toEqual({ kind: 'retired' });
    expect(started).toHaveLength(1); // nothing started for them here
  });

  it('a worker that finishes loading after retire() is stopped, and its invocation answered retired', async () => {
    const { p, started, spawn } = pool(1);
    const loading = p.acquire(spawn());
    p.retire();
    expect(await loading).toEqual({ kind: 'retired' });
    expect(started[0]!.alive).toBe(false);
    expect(p.size).toBe(0);
  });

  it('close() after retire() stops the workers still busy', async () => {
    const { p, started, spawn } = pool(1);
    workerOf(await p.acquire(spawn()));
    p.retire();
    p.close();
    expect(started[0]!.alive).toBe(false);
    expect(await p.acquire(spawn())).toEqual({ kind: 'closed' });
  });

  it('stops a worker idle for longer than the idle timeout', async () => {
    const { p, started, spawn } = pool(1, 20);
    p.release(workerOf(await p.acquire(spawn())));
    await expect.poll(() => started[0]!.alive).toBe(false);
    expect(p.size).toBe(0);
  });
});
