/**
 * Messages between a module target (main thread) and its handler workers
 * (module-worker.ts). Types only: both sides import them, nothing runs here.
 */

/** What a handler worker is started with (`workerData`). */
export interface HandlerWorkerData {
  /** file: URL of the handler module. */
  moduleUrl: string;
  /** The export to call. */
  exportName: string;
  /** The handler as configured (`path#export`), for messages. */
  handlerRef: string;
  /** `context.memoryLimitInMB`. */
  memoryLimitMb: number;
  /** `context.logStreamName` of this worker (one stream per execution environment, as in Lambda). */
  logStreamName: string;
}

/** Main -> worker: run the handler once. */
export interface InvokeMessage {
  type: 'invoke';
  /** Correlates the answer; unique per worker. */
  id: number;
  /** Event JSON text; the worker parses it, off the main thread. */
  payload: string;
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  /** Epoch milliseconds at which the invocation times out (`getRemainingTimeInMillis()`). */
  deadlineMs: number;
}

/** Worker -> main: the handler module loaded and the export is a function. */
export interface ReadyMessage {
  type: 'ready';
}

/** Worker -> main: the module or export could not be loaded. */
export interface LoadFailedMessage {
  type: 'load-failed';
  /**
   * `Runtime.ImportModuleError` (the module, or one it imports, does not exist),
   * `Runtime.UserCodeSyntaxError`, `Runtime.HandlerNotFound` (no such export, or not a
   * function), or the name of what the module's top level threw (`Error`...).
   */
  errorCode: string;
  errorMessage: string;
}

/** Worker -> main: the handler returned (body = its value as JSON text) or failed. */
export type ResultMessage =
  | { type: 'result'; id: number; ok: true; body: string }
  | { type: 'result'; id: number; ok: false; errorType: string; errorMessage: string };

/** Worker -> main: something the handler wrote to stdout or stderr (console.log...). */
export interface OutputMessage {
  type: 'output';
  stream: 'stdout' | 'stderr';
  text: string;
  /** The invocation running (or last run) when it was written; none while loading. */
  requestId?: string;
}

export type FromWorkerMessage = ReadyMessage | LoadFailedMessage | ResultMessage | OutputMessage;
