/**
 * The handler workers of one module target: grows with concurrent invocations up to a cap,
 * reuses idle workers (warm, like Lambda execution environments), drops dead ones, and
 * retires workers left idle for a while.
 *
 * Decision (sqs.md leaves it open): at the cap, an invocation waits for a worker instead of
 * being throttled; the function's timeout starts when the handler starts, not while waiting.
 * The pipeline already bounds concurrency per mapping, so the wait is short in practice.
 */
import type { HandlerWorker, LoadResult } from './handler-worker.js';

export interface WorkerPoolOptions {
  /** Most workers alive at once (busy, idle or starting). */
  maxWorkers: number;
  /** An idle worker is stopped after this many milliseconds without work. */
  idleTimeoutMs: number;
}

export type Lease =
  | { kind: 'worker'; worker: HandlerWorker }
  | { kind: 'load-failed'; errorCode: string; errorMessage: string }
  | { kind: 'closed' }
  /** The pool was retired (a reload): nothing ran; ask the pool that replaced it. */
  | { kind: 'retired' };

export class WorkerPool {
  private readonly all = new Set<HandlerWorker>();
  /** Idle, loaded workers; the most recently used last (reused first: warmest). */
  private readonly idle: HandlerWorker[] = [];
  private readonly idleTimers = new Map<HandlerWorker, NodeJS.Timeout>();
  /** Invocations waiting at the cap: handed a worker, or null to try again (a slot freed). */
  private readonly waiting: Array<(worker: HandlerWorker | null) => void> = [];
  /**
   * open: hands out workers. retired: replaced by another pool (module-target.ts, reload):
   * hands out nothing more, its running invocations finish and their workers stop when
   * given back. closed: every worker stopped, running invocations included.
   */
  private state: 'open' | 'retired' | 'closed' = 'open';

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Live workers (busy, idle or starting). */
  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** A loaded worker for one invocation (`spawn` starts one if needed); give it back with release(). */
  async acquire(spawn: () => HandlerWorker): Promise<Lease> {
    if (this.state !== 'open') return { kind: this.state };
    const reused = this.idle.pop();
    if (reused) {
      this.stopIdleTimer(reused);
      return { kind: 'worker', worker: reused };
    }
    if (this.all.size < this.options.maxWorkers) return this.startWorker(spawn);
    const handedOver = await new Promise<HandlerWorker | null>((resolve) => this.waiting.push(resolve));
    return handedOver ? { kind: 'worker', worker: handedOver } : this.acquire(spawn);
  }

  /** Give a worker back after an invocation; dead workers are already accounted for. */
  release(worker: HandlerWorker): void {
    if (!worker.alive) return;
    if (this.state !== 'open') {
      worker.terminate();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next(worker);
      return;
    }
    this.idle.push(worker);
    const timer = setTimeout(() => worker.terminate(), this.options.idleTimeoutMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }

  /**
   * Hand out no more workers: idle ones stop now, busy ones when their invocation is over
   * (release), waiting invocations are answered `retired` and one that is loading a worker
   * gets `retired` instead of it. Running invocations are left alone: a reload never cuts
   * a batch short, and nothing that ran is run again.
   */
  retire(): void {
    if (this.state !== 'open') return;
    this.state = 'retired';
    for (const wake of this.waiting.splice(0)) wake(null);
    for (const worker of this.idle.splice(0)) worker.terminate();
  }

  /** Stop every worker; waiting and running invocations end as closed. */
  close(): void {
    this.state = 'closed';
    for (const wake of this.waiting.splice(0)) wake(null);
    for (const worker of [...this.all]) worker.terminate();
  }

  private async startWorker(spawn: () => HandlerWorker): Promise<Lease> {
    const worker = spawn();
    worker.onGone = (gone) => this.forget(gone);
    this.all.add(worker);
    const loaded: LoadResult = await worker.ready;
    if (this.state === 'closed') return { kind: 'closed' };
    if (this.state === 'retired') {
      // Loaded from the file as it was before the change (or while it was being written):
      // the invocation has not started, so it starts on the pool that replaced this one.
      worker.terminate();
      return { kind: 'retired' };
    }
    if (loaded.ok) return { kind: 'worker', worker };
    // The load failure is the answer to this invocation; the worker is already gone.
    return { kind: 'load-failed', errorCode: loaded.errorCode, errorMessage: loaded.errorMessage };
  }

  /** A worker died or was stopped: free its slot for someone waiting. */
  private forget(worker: HandlerWorker): void {
    if (!this.all.delete(worker)) return;
    this.stopIdleTimer(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    this.waiting.shift()?.(null);
  }

  private stopIdleTimer(worker: HandlerWorker): void {
    const timer = this.idleTimers.get(worker);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(worker);
  }
}
