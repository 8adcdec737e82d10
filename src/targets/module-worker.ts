/**
 * Entry of a handler worker thread (started by handler-worker.ts): load one handler module,
 * then run the handler for each `invoke` message, one at a time, with a Lambda-like context.
 *
 * The worker never decides about timeouts or crashes: the main thread times each invocation
 * and terminates the whole worker when it overruns, which also stops synchronous loops.
 * Keep this file free of runtime imports from the rest of Sluice: it is what every worker
 * loads before the handler, and it must start fast.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HandlerWorkerData, InvokeMessage, LoadFailedMessage, OutputMessage, ResultMessage } from './worker-protocol.js';

type Callback = (error?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: LambdaContext, callback: Callback) => unknown;

/** The context object of Lambda's Node.js runtime, as far as it means something here. */
interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /**
   * Accepted and ignored: an invocation ends when the handler's promise settles or its
   * callback is called. Work left on the event loop keeps running in the worker, which
   * is reused (Lambda would freeze it until the next invocation instead).
   */
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  /** Legacy completion methods some older handlers still call. */
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
}

/**
 * Errors meaning "this file, or one it imports, does not exist" (ESM, CommonJS, a
 * directory). Up here: the top-level await below loads the handler before later lines run.
 */
const MODULE_NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

const port = parentPort;
if (!port) throw new Error('module-worker runs only as a worker thread');
const data = workerData as HandlerWorkerData;

/** The invocation running, or the last one: what the handler prints is attributed to it. */
let currentRequestId: string | undefined;
captureOutput('stdout');
captureOutput('stderr');

const loaded = await loadHandler();
if (typeof loaded === 'function') {
  port.on('message', (message: InvokeMessage) => void invoke(loaded, message));
  port.postMessage({ type: 'ready' });
} else {
  port.postMessage(loaded);
}

async function loadHandler(): Promise<Handler | LoadFailedMessage> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(data.moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    const { errorType, errorMessage } = describeError(error);
    return { type: 'load-failed', errorCode: loadErrorCode(error, errorType), errorMessage: `${data.handlerRef}: ${errorType}: ${errorMessage}` };
  }
  // CommonJS modules whose exports Node cannot detect statically (module.exports built at
  // run time) show them only on `default`, which is module.exports.
  let handler = namespace[data.exportName];
  const fallback = namespace.default;
  if (handler === undefined && typeof fallback === 'object' && fallback !== null) {
    handler = (fallback as Record<string, unknown>)[data.exportName];
  }
  if (typeof handler !== 'function') {
    return {
      type: 'load-failed',
      errorCode: 'Runtime.HandlerNotFound',
      errorMessage:
        handler === undefined ? `${data.handlerRef} is undefined or not exported` : `${data.handlerRef} is not a function (${typeof handler})`,
    };
  }
  return handler as Handler;
}

/**
 * The errorCode of a module that failed to load, as Lambda's Node.js runtime names it: a
 * syntax error, a module not found, or else the error the module's top level threw (its
 * type, e.g. `Error`). Logs and the `cause` of sluice_invocation_errors_total tell a
 * missing file from a failing one by it.
 */
function loadErrorCode(error: unknown, errorType: string): string {
  if (error instanceof SyntaxError) return 'Runtime.UserCodeSyntaxError';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && MODULE_NOT_FOUND_CODES.has(code)) return 'Runtime.ImportModuleError';
  return errorType;
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  currentRequestId = message.awsRequestId;
  let result: ResultMessage;
  try {
    const value = await runHandler(handler, JSON.parse(message.payload) as unknown, message);
    result = { type: 'result', id: message.id, ok: true, body: marshal(value) };
  } catch (error) {
    result = { type: 'result', id: message.id, ok: false, ...describeError(error) };
  }
  port!.postMessage(result);
}

/**
 * Run a handler the ways Lambda's Node.js runtime does: a returned promise (async handler),
 * the callback (handlers declaring three parameters), the legacy context methods, or a
 * plain returned value from a two-parameter handler. The first of them to answer wins.
 */
function runHandler(handler: Handler, event: unknown, message: InvokeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const callback: Callback = (error, result) => {
      if (answered) return;
      answered = true;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as the handler gave it: Lambda reports a callback('text') error as well as an Error
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const context = createContext(message, callback);
    let returned: unknown;
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      callback(error ?? new Error('handler threw a nullish value'));
      return;
    }
    if (isThenable(returned)) {
      returned.then(
        (value) => callback(null, value),
        (error: unknown) => callback(error ?? new Error('handler rejected with a nullish value')),
      );
    } else if (handler.length < 3) {
      callback(null, returned);
    }
    // A callback-style handler that returned a plain value answers through its callback.
  });
}

function createContext(message: InvokeMessage, callback: Callback): LambdaContext {
  return {
    awsRequestId: message.awsRequestId,
    functionName: message.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: String(data.memoryLimitMb),
    logGroupName: `/aws/lambda/${message.functionName}`,
    logStreamName: data.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
    done: (error, result) => callback(error, result),
    succeed: (result) => callback(null, result),
    fail: (error) => callback(error ?? new Error('context.fail() without an error')),
  };
}

/** The handler's value as Lambda serialises it: JSON, with undefined (and functions) as null. */
function marshal(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    // e.g. a BigInt or a circular structure: the handler ran but its answer cannot be sent.
    throw Object.assign(new Error(`Unable to stringify response body: ${describeError(error).errorMessage}`), {
      name: 'Runtime.MarshalError',
    });
  }
}

/**
 * Send what the handler writes to stdout / stderr to the main thread as messages, which
 * logs it line by line with the request id (as Lambda's runtime prefixes console lines).
 * Not the Worker `stdout: true` option: reading those streams holds a reference that keeps
 * the process alive as long as any worker lives, idle ones included.
 */
function captureOutput(stream: 'stdout' | 'stderr'): void {
  const target = process[stream];
  target.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const message: OutputMessage = { type: 'output', stream, text, ...(currentRequestId ? { requestId: currentRequestId } : {}) };
    port!.postMessage(message);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Lambda's `{errorType, errorMessage}` for anything a handler may throw. */
function describeError(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name || 'Error', errorMessage: error.message };
  if (typeof error === 'string') return { errorType: 'string', errorMessage: error };
  let text: string | undefined;
  try {
    text = JSON.stringify(error);
  } catch {
    text = undefined;
  }
  return { errorType: typeof error, errorMessage: text ?? String(error) };
}
