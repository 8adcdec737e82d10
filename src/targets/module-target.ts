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
import { HandlerWorker, type HandlerWorkerSpec, type RunResult } from './handler-worker.js';
import { WorkerPool } from './worker-pool.js';
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

export class ModuleTarget implements Target {
  private readonly handler: HandlerRef;
  private readonly options: Required<ModuleTargetOptions>;
  private readonly pool: WorkerPool;

  /** `module` is the configured `path#export`, resolved against `baseDir`. */
  constructor(
    module: string,
    private readonly deps: { baseDir: string; logger: Logger; options?: ModuleTargetOptions },
  ) {
    this.handler = resolveHandlerRef(module, deps.baseDir);
    this.options = { ...MODULE_TARGET_DEFAULTS, ...deps.options };
    this.pool = new WorkerPool({ maxWorkers: this.options.maxWorkers, idleTimeoutMs: this.options.idleTimeoutMs });
  }

  /** Workers alive and idle right now (for tests and metrics). */
  get workers(): { alive: number; idle: number } {
    return { alive: this.pool.size, idle: this.pool.idleCount };
  }

  async invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome> {
    const start = performance.now();
    const requestId = randomUUID();
    try {
      const lease = await this.pool.acquire(() => this.startWorker(context));
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
      this.pool.release(lease.worker);
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
    this.pool.close();
  }

  private startWorker(context: InvocationContext): HandlerWorker {
    return new HandlerWorker(handlerWorkerSpec(this.handler, context.functionName, this.options, this.deps.logger));
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
