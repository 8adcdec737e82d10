/**
 * The contract between the batch pipeline and the invokers (sqs.md §2): one call, one
 * attempt, exactly one outcome. Targets never retry and never throw; retries, backoff and
 * what an outcome means for a batch belong to the pipeline.
 */

/** Who is being invoked, per attempt. */
export interface InvocationContext {
  /** The mapping's FunctionArn, qualifier included; a module handler sees it as `context.invokedFunctionArn`. */
  functionArn: string;
  /** Bare function name (no qualifier). */
  functionName: string;
  /** The FunctionArn's qualifier, if any; a lambda target passes it as Invoke's `Qualifier`. */
  qualifier?: string;
  /** The function's timeout in milliseconds (config `timeout` × 1000). */
  timeoutMs: number;
}

/** Why the target did not run (sqs.md §2, "Invocation error"). */
export type InvocationErrorReason =
  /** 429 from an HTTP target, TooManyRequestsException from Lambda. */
  | 'throttled'
  /** Could not connect or no answer before a response (refused, DNS, TLS, reset); also a closed target. */
  | 'unreachable'
  /** Lambda's ResourceNotFoundException. */
  | 'not-found'
  /** A module target's file or export could not be loaded. */
  | 'load-failed'
  /** Any other refusal by the Lambda service: 5xx, access denied, KMS, invalid request. */
  | 'service-error';

/** The target ran and returned (sqs.md §2, "Success"). */
export interface SuccessOutcome {
  kind: 'success';
  /**
   * The JSON-decoded response: HTTP body (empty = null), Invoke payload, or the module
   * handler's value after a JSON round trip (undefined = null). When the body is not valid
   * JSON this is the raw text and `responseIsJson` is false (sqs.md §7 "not valid JSON").
   */
  response: unknown;
  responseIsJson: boolean;
  /** Invoke's x-amzn-RequestId for lambda targets, a fresh UUID per attempt otherwise. */
  requestId: string;
  /** X-Amz-Executed-Version for lambda targets, `$LATEST` otherwise. */
  executedVersion: string;
  /** Wall-clock milliseconds of the attempt, from invoke() to the outcome. */
  durationMs: number;
}

/** The target ran and failed (sqs.md §2, "Function error"). */
export interface FunctionErrorOutcome {
  kind: 'function-error';
  /** X-Amz-Function-Error for lambda targets (`Unhandled`, `Handled`), `Unhandled` otherwise. */
  functionError: string;
  errorMessage: string;
  /** Lambda-style error type when one is known (`Error`, `TypeError`, `Sandbox.Timedout`, `Runtime.ExitError`...). */
  errorType?: string;
  /** HTTP targets: the response status, when there was a response. */
  statusCode?: number;
  requestId: string;
  executedVersion: string;
  durationMs: number;
}

/** The target did not run (sqs.md §2, "Invocation error"). */
export interface InvocationErrorOutcome {
  kind: 'invocation-error';
  reason: InvocationErrorReason;
  errorMessage: string;
  /** Machine-readable cause: SDK error name, node error code (`ECONNREFUSED`), `Runtime.ImportModuleError`... */
  errorCode?: string;
  /** HTTP status of the refusal, when there was one (429 from an HTTP target, Lambda's status). */
  statusCode?: number;
  durationMs: number;
}

export type InvocationOutcome = SuccessOutcome | FunctionErrorOutcome | InvocationErrorOutcome;

export interface Target {
  /**
   * Invoke once. `payload` is the event JSON text (already serialised by the caller, which
   * measured its size). Never throws: every failure is an outcome.
   */
  invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome>;
  /** Release connections and workers. Invocations still running end as `unreachable`. */
  close(): Promise<void>;
}
