/**
 * `module` target: a handler file run in worker threads (sqs.md §2, module column).
 *
 * Worker threads, not the main thread: a handler that blocks, loops, leaks or crashes takes
 * down only its own worker, and the worker can be terminated at the timeout. Not child
 * processes: threads start in tens of milliseconds and share the process's memory budget.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import type { InvocationContext, InvocationOutcome, Target } from './target.js';
import { HandlerWorker, type HandlerWorkerSpec, type LoadResult, type RunResult } from './handler-worker.js';
import { WorkerPool, type Lease } from './worker-pool.js';
import { resolveHandlerRef, type HandlerRef } from './handler-ref.js';
import { elapsedMs } from './elapsed.js';
import { unhandledFunctionError } from './function-error.js';
import { targetClosedOutcome } from './target-closed.js';
import {
  LATEST,
  MAX_RESPONSE_BYTES,
  RESPONSE_TOO_LARGE_ERROR_TYPE,
  TIMED_OUT_ERROR_TYPE,
  responseTooLargeMessage,
  taskTimedOutMessage,
} from './lambda-wording.js';

export interface ModuleTargetOptions {
  /** Most workers (concurrent invocations) per function. Default 64. */
  maxWorkers?: number;
  /** Milliseconds an idle worker is kept warm before it is stopped. Default 300000 (5 min). */
  idleTimeoutMs?: number;
  /**
   * The function's `memorySize`: MB of JavaScript heap per worker (heap-limits.ts), also
   * `context.memoryLimitInMB`. Default 128, Lambda's.
   */
  memoryLimitMb?: number;
  /** The function's `environment`: variables of the handler, over inherited ones. Default none. */
  environment?: Readonly<Record<string, string>>;
  /** The function's `inheritEnv`: the handler also sees Sluice's own environment. Default true. */
  inheritEnv?: boolean;
  /** Milliseconds a module may take to load (Lambda's init limit). Default 10000. */
  initTimeoutMs?: number;
}

export const MODULE_TARGET_DEFAULTS = {
  maxWorkers: 64,
  idleTimeoutMs: 300_000,
  memoryLimitMb: 128,
  environment: {},
  inheritEnv: true,
  initTimeoutMs: 10_000,
} as const satisfies Required<ModuleTargetOptions>;

/** The function settings a module target takes; absent ones keep the defaults above. */
export type HandlerSettings = Partial<Pick<FunctionConfig, 'memorySize' | 'environment' | 'inheritEnv'>>;

/** The options a configured function sets for its module target (memory, environment). */
export function moduleOptionsOf(fn: HandlerSettings): ModuleTargetOptions {
  return {
    ...(fn.memorySize !== undefined ? { memoryLimitMb: fn.memorySize } : {}),
    ...(fn.environment !== undefined ? { environment: fn.environment } : {}),
    ...(fn.inheritEnv !== undefined ? { inheritEnv: fn.inheritEnv } : {}),
  };
}

/** What reload() was asked for: why (logs), and the function name the handler's workers run as. */
export interface ReloadRequest {
  reason: string;
  functionName: string;
}

/**
 * The handler as the new workers load it: `ok`, or the load error every invocation now
 * gets (an invocation error, retried by the mapping's rules) until the file is fixed.
 */
export type ReloadResult = LoadResult;

export class ModuleTarget implements Target {
  private readonly handler: HandlerRef;
  private readonly options: Required<ModuleTargetOptions>;
  private pool: WorkerPool;
  /** Pools replaced by reload() whose invocations still run; close() stops them too. */
  private readonly retired = new Set<WorkerPool>();
  private closed = false;

  /** `module` is the configured `path#export`, resolved against `baseDir`. */
  constructor(
    module: string,
    private readonly deps: { baseDir: string; logger: Logger; options?: ModuleTargetOptions },
  ) {
    this.handler = resolveHandlerRef(module, deps.baseDir);
    this.options = { ...MODULE_TARGET_DEFAULTS, ...deps.options };
    this.pool = this.newPool();
  }

  /** Workers alive and idle right now (for tests and metrics). */
  get workers(): { alive: number; idle: number } {
    return { alive: this.pool.size, idle: this.pool.idleCount };
  }

  /** Workers of replaced pools (old code) still finishing an invocation (reload). */
  get retiringWorkers(): number {
    this.forgetEmptyRetiredPools();
    let retiring = 0;
    for (const pool of this.retired) retiring += pool.size;
    return retiring;
  }

  /**
   * Load the handler again (`sluice dev --watch`, after its file changed): the worker pool
   * is replaced. Invocations already running finish on the old workers, which then stop;
   * every invocation that has not started yet, waiting ones included, runs on new workers,
   * which import the file as it is now (modules are cached per worker thread, so only a
   * new thread sees new code). Nothing is cut short or run twice.
   *
   * Resolves once one new worker has loaded the handler (it stays warm for the next
   * invocation), with the load error if it could not: a reload is reported as it happens,
   * not at the next record.
   *
   * (chosen) The new pool gets the whole worker cap at once, so while old invocations
   * finish up to twice `maxWorkers` threads may live: holding new invocations back until
   * the old ones end would stall a reload behind one slow batch, and this only happens in
   * development (`--watch`).
   */
  async reload(request: ReloadRequest): Promise<ReloadResult> {
    if (this.closed) return { ok: false, errorCode: 'TargetClosed', errorMessage: 'target closed' };
    const old = this.pool;
    this.pool = this.newPool();
    old.retire();
    this.retired.add(old);
    this.forgetEmptyRetiredPools();
    const pool = this.pool;
    const lease = await pool.acquire(() => this.startWorker(request.functionName));
    switch (lease.kind) {
      case 'worker':
        pool.release(lease.worker);
        this.deps.logger.info({ reason: request.reason, module: this.handler.ref }, 'module target reloaded');
        return { ok: true };
      case 'load-failed':
        this.deps.logger.error(
          { reason: request.reason, module: this.handler.ref, errorCode: lease.errorCode, errorMessage: lease.errorMessage },
          `module target reloaded but its handler does not load (${lease.errorCode}); invocations fail until it is fixed`,
        );
        return { ok: false, errorCode: lease.errorCode, errorMessage: lease.errorMessage };
      case 'retired':
        // Another reload came while this one loaded: that one reports.
        return { ok: true };
      case 'closed':
        return { ok: false, errorCode: 'TargetClosed', errorMessage: 'target closed' };
    }
  }

  async invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome> {
    const start = performance.now();
    const requestId = randomUUID();
    try {
      // The pool the worker came from: a reload may replace this.pool before it is given back.
      let pool: WorkerPool;
      let lease: Lease;
      do {
        pool = this.pool;
        lease = await pool.acquire(() => this.startWorker(context.functionName));
      } while (lease.kind === 'retired');
      if (lease.kind === 'closed') return targetClosedOutcome(start);
      if (lease.kind === 'load-failed') {
        return {
          kind: 'invocation-error',
          reason: 'load-failed',
          errorMessage: lease.errorMessage,
          errorCode: lease.errorCode,
          durationMs: elapsedMs(start),
        };
      }
      const result = await lease.worker.run(
        {
          payload,
          awsRequestId: requestId,
          functionName: context.functionName,
          invokedFunctionArn: context.functionArn,
          deadlineMs: Date.now() + context.timeoutMs,
        },
        context.timeoutMs,
      );
      pool.release(lease.worker);
      return toOutcome(result, requestId, context, start);
    } catch (error) {
      // Starting a thread can fail (e.g. resources exhausted): the handler did not run.
      this.deps.logger.error({ err: error }, 'module target failed to invoke');
      return {
        kind: 'invocation-error',
        reason: 'load-failed',
        errorMessage: error instanceof Error ? error.message : String(error),
        errorCode: 'Sluice.WorkerStartFailed',
        durationMs: elapsedMs(start),
      };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
    for (const pool of this.retired) pool.close();
    this.retired.clear();
  }

  private newPool(): WorkerPool {
    return new WorkerPool({ maxWorkers: this.options.maxWorkers, idleTimeoutMs: this.options.idleTimeoutMs });
  }

  private startWorker(functionName: string): HandlerWorker {
    return new HandlerWorker(handlerWorkerSpec(this.handler, functionName, this.options, this.deps.logger));
  }

  /** A retired pool whose last invocation ended has no worker left: nothing to close later. */
  private forgetEmptyRetiredPools(): void {
    for (const pool of this.retired) if (pool.size === 0) this.retired.delete(pool);
  }
}

/** How a handler worker of `functionName` is started: by invocations, and by the start-up check. */
export function handlerWorkerSpec(
  handler: HandlerRef,
  functionName: string,
  options: Pick<Required<ModuleTargetOptions>, 'memoryLimitMb' | 'initTimeoutMs' | 'environment' | 'inheritEnv'>,
  logger: Logger,
): HandlerWorkerSpec {
  const { memoryLimitMb, initTimeoutMs } = options;
  return {
    moduleUrl: handler.moduleUrl,
    exportName: handler.exportName,
    handlerRef: handler.ref,
    memoryLimitMb,
    initTimeoutMs,
    env: handlerEnvironment(functionName, options),
    logger,
  };
}

/**
 * The handler's environment: Sluice's own (unless `inheritEnv: false`), then the
 * function's `environment`, then what Lambda's runtime sets and handlers (and tools such
 * as Powertools) read; those last are reserved, as in Lambda (the config refuses them in
 * `environment`). A copy: the worker gets it through the Worker `env` option, so nothing
 * a handler does to process.env reaches Sluice or other functions, and with
 * `inheritEnv: false` Sluice's secrets (AWS keys, Redis URL) are not in the thread at all.
 */
export function handlerEnvironment(
  functionName: string,
  options: Pick<Required<ModuleTargetOptions>, 'memoryLimitMb' | 'environment' | 'inheritEnv'>,
): Record<string, string | undefined> {
  return {
    ...(options.inheritEnv ? process.env : {}),
    ...options.environment,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: LATEST,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryLimitMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
  };
}

function toOutcome(result: RunResult, requestId: string, context: InvocationContext, start: number): InvocationOutcome {
  const failed = (errorType: string, errorMessage: string): InvocationOutcome => unhandledFunctionError(start, requestId, errorMessage, errorType);
  switch (result.kind) {
    case 'returned':
      // Same limit as Lambda's synchronous response, so a handler that works here works there.
      if (Buffer.byteLength(result.body) > MAX_RESPONSE_BYTES) return failed(RESPONSE_TOO_LARGE_ERROR_TYPE, responseTooLargeMessage());
      // The worker serialised the value with JSON.stringify: always valid JSON.
      return {
        kind: 'success',
        response: JSON.parse(result.body) as unknown,
        responseIsJson: true,
        requestId,
        executedVersion: LATEST,
        durationMs: elapsedMs(start),
      };
    case 'threw':
    case 'crashed':
      return failed(result.errorType, result.errorMessage);
    case 'timed-out':
      return failed(TIMED_OUT_ERROR_TYPE, taskTimedOutMessage(context.timeoutMs));
    case 'closed':
      return targetClosedOutcome(start);
  }
}
