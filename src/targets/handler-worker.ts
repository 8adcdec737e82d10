/**
 * One handler worker seen from the main thread: start it, wait for its handler to load,
 * run one invocation at a time under the function's timeout, and notice when it dies.
 *
 * Every way a worker can go wrong ends a pending promise here, exactly once: the handler's
 * answer, the timeout (the worker is terminated, which also stops a synchronous loop), an
 * uncaught exception or unhandled rejection ('error', then 'exit'), process.exit() inside
 * the handler ('exit'), running out of heap (ERR_WORKER_OUT_OF_MEMORY). A dead worker is
 * never reused; the pool learns about it through `onGone`. What the handler prints arrives
 * as messages and is logged here, a line per line, with its request id.
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import type { FromWorkerMessage, HandlerWorkerData, InvokeMessage, OutputMessage } from './worker-protocol.js';
import { startModuleWorker } from './worker-entry.js';
import { LineSplitter } from './line-splitter.js';
import { heapLimitsFor } from './heap-limits.js';
import { EXIT_ERROR_TYPE, runtimeExitedMessage } from './lambda-wording.js';

export interface HandlerWorkerSpec {
  /** file: URL of the handler module. */
  moduleUrl: string;
  exportName: string;
  /** `path#export` as configured, for messages. */
  handlerRef: string;
  /** JS heap limit of the worker (heap-limits.ts), also `context.memoryLimitInMB`. */
  memoryLimitMb: number;
  /** How long loading the module may take (Lambda's init phase limit is 10 s). */
  initTimeoutMs: number;
  /** Environment of the worker (process.env plus Lambda's AWS_LAMBDA_* variables). */
  env: Record<string, string | undefined>;
  logger: Logger;
}

export type LoadResult = { ok: true } | { ok: false; errorCode: string; errorMessage: string };

export type RunResult =
  | { kind: 'returned'; body: string }
  | { kind: 'threw'; errorType: string; errorMessage: string }
  | { kind: 'timed-out' }
  | { kind: 'crashed'; errorType: string; errorMessage: string }
  /** The target was closed while the invocation ran. */
  | { kind: 'closed' };

export type InvokeRequest = Omit<InvokeMessage, 'type' | 'id'>;

interface Pending {
  id: number;
  resolve(result: RunResult): void;
  timer: NodeJS.Timeout;
}

export class HandlerWorker {
  /** Settles once the handler is loaded (or could not be). */
  readonly ready: Promise<LoadResult>;
  private readonly worker: Worker;
  private readonly logger: Logger;
  private gone = false;
  private loaded = false;
  private resolveReady!: (result: LoadResult) => void;
  private initTimer: NodeJS.Timeout | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  /** Unfinished output lines, by stream and request id. */
  private readonly splitters = new Map<string, LineSplitter>();
  /** Set by the pool: called once, as soon as this worker is known to be unusable. */
  onGone: (worker: HandlerWorker) => void = () => {};

  constructor(spec: HandlerWorkerSpec) {
    this.logger = spec.logger;
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    const workerData: HandlerWorkerData = {
      moduleUrl: spec.moduleUrl,
      exportName: spec.exportName,
      handlerRef: spec.handlerRef,
      memoryLimitMb: spec.memoryLimitMb,
      logStreamName: logStreamName(),
    };
    this.worker = startModuleWorker({
      workerData,
      env: { ...spec.env, AWS_LAMBDA_LOG_STREAM_NAME: workerData.logStreamName },
      resourceLimits: heapLimitsFor(spec.memoryLimitMb),
    });

    this.initTimer = setTimeout(() => {
      this.failLoad('Runtime.InitTimeout', `${spec.handlerRef} did not finish loading within ${spec.initTimeoutMs} ms`);
    }, spec.initTimeoutMs);
    this.initTimer.unref();

    this.worker.on('message', (message: FromWorkerMessage) => this.onMessage(message));
    this.worker.on('error', (error: Error & { code?: string }) => this.onError(error));
    this.worker.on('exit', (code) => this.onExit(code));
    // Referenced while loading and while running (an invocation waiting on it must keep the
    // process alive), unreferenced while idle (an idle pool must not block a clean exit).
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** Run the handler once; the worker is terminated if it does not answer within `timeoutMs`. */
  run(request: InvokeRequest, timeoutMs: number): Promise<RunResult> {
    if (this.gone || !this.loaded || this.pending) {
      // The pool only hands out loaded, idle, live workers; this is a bug, not an outcome.
      return Promise.resolve({ kind: 'crashed', errorType: 'Sluice.WorkerState', errorMessage: 'worker not available' });
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.settle({ kind: 'timed-out' });
        // debug: the pipeline warns about the timeout (rate-limited, with mapping and cause).
        this.logger.debug({ requestId: request.awsRequestId, timeoutMs }, 'handler timed out; worker terminated');
        this.markGone();
      }, timeoutMs);
      this.pending = { id, resolve, timer };
      this.worker.ref();
      this.worker.postMessage({ type: 'invoke', id, ...request } satisfies InvokeMessage);
    });
  }

  /** Stop this worker; an invocation still running ends as `closed`. */
  terminate(): void {
    this.settle({ kind: 'closed' });
    this.failLoad('TargetClosed', 'target closed');
    this.markGone();
  }

  private onMessage(message: FromWorkerMessage): void {
    // A handler can post to its parent port too; anything not ours is ignored.
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'output':
        this.output(message);
        return;
      case 'ready':
        if (this.gone) return; // too late: the init timeout already ended it
        if (this.initTimer) clearTimeout(this.initTimer);
        this.loaded = true;
        this.resolveReady({ ok: true });
        return;
      case 'load-failed':
        this.failLoad(message.errorCode, message.errorMessage);
        return;
      case 'result':
        if (this.pending?.id !== message.id) return; // an answer after its timeout
        this.settle(
          message.ok
            ? { kind: 'returned', body: message.body }
            : { kind: 'threw', errorType: message.errorType, errorMessage: message.errorMessage },
        );
        return;
    }
  }

  /** An uncaught exception or unhandled rejection (the thread is ending), or running out of heap. */
  private onError(error: Error & { code?: string }): void {
    const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const errorType = outOfMemory ? 'Runtime.OutOfMemory' : error.name || 'Error';
    this.logger.warn({ err: error, loaded: this.loaded }, 'handler worker crashed');
    // Thrown while loading: named after the error, as Lambda names an init failure that is
    // neither a syntax error nor a missing module (module-worker.ts, loadErrorCode).
    if (!this.loaded) this.failLoad(errorType, `${errorType}: ${error.message}`);
    this.settle({ kind: 'crashed', errorType, errorMessage: error.message });
    this.markGone();
  }

  /** Handler output: one log line per line, with the request id it belongs to. */
  private output(message: OutputMessage): void {
    const key = `${message.stream}|${message.requestId ?? ''}`;
    let splitter = this.splitters.get(key);
    if (!splitter) {
      const fields = { stream: message.stream, ...(message.requestId ? { requestId: message.requestId } : {}) };
      const level = message.stream === 'stderr' ? 'warn' : 'info';
      splitter = new LineSplitter((line) => this.logger[level](fields, line));
      // A new request id means the previous invocation's output is complete.
      for (const [otherKey, other] of this.splitters) {
        if (otherKey.startsWith(`${message.stream}|`)) {
          other.flush();
          this.splitters.delete(otherKey);
        }
      }
      this.splitters.set(key, splitter);
    }
    splitter.push(message.text);
  }

  private onExit(code: number): void {
    for (const splitter of this.splitters.values()) splitter.flush();
    if (!this.loaded) this.failLoad(EXIT_ERROR_TYPE, `${runtimeExitedMessage(code)} while loading`);
    this.settle({ kind: 'crashed', errorType: EXIT_ERROR_TYPE, errorMessage: runtimeExitedMessage(code) });
    this.markGone();
  }

  private failLoad(errorCode: string, errorMessage: string): void {
    if (this.loaded) return;
    if (this.initTimer) clearTimeout(this.initTimer);
    this.resolveReady({ ok: false, errorCode, errorMessage }); // no-op once settled
    this.markGone();
  }

  private settle(result: RunResult): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.worker.unref();
    pending.resolve(result);
  }

  private markGone(): void {
    if (this.gone) return;
    this.gone = true;
    // terminate() is idempotent and resolves once the thread has stopped; nobody waits.
    void this.worker.terminate();
    this.onGone(this);
  }
}

/** A log stream name shaped like Lambda's: `2024/05/01/[$LATEST]<32 hex>`, one per worker. */
function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}
