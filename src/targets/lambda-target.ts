/**
 * `lambda` target: a real Lambda function, called with Invoke (RequestResponse) through
 * @aws-sdk/client-lambda, and its answer classified (sqs.md §2, Lambda column).
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws/clients.js';
import type { InvocationContext, InvocationOutcome, Target } from './target.js';
import { decodeResponseBody, lambdaErrorOf } from './response-body.js';
import { classifyInvokeError } from './lambda-errors.js';
import { elapsedMs } from './elapsed.js';
import { targetClosedOutcome } from './target-closed.js';
import { LATEST, TIMED_OUT_ERROR_TYPE, UNHANDLED, taskTimedOutMessage } from './lambda-wording.js';

/**
 * Time Lambda gets beyond the configured timeout before Sluice stops waiting: a cold start
 * may spend up to 10 s initialising before the function's own timeout starts, and Lambda's
 * own timeout answer should win over ours when both timeouts are the same.
 */
export const LAMBDA_ANSWER_GRACE_MS = 10_000;

export interface LambdaTargetOptions {
  /** Milliseconds Lambda may take beyond the function's timeout before Sluice stops waiting. Default 10000. */
  answerGraceMs?: number;
}

export interface LambdaFunctionRef {
  /** As configured: a name, partial ARN or ARN, possibly qualified. */
  functionName: string;
  /** Region named by an ARN, for the client. */
  region?: string;
  /** The qualifier written in the configured value itself, if any. */
  qualifier?: string;
}

/** Read `name`, `name:qualifier`, `account:function:name[:qualifier]`, `arn:...:function:name[:qualifier]`. */
export function parseLambdaFunctionRef(value: string): LambdaFunctionRef {
  const parts = value.split(':');
  if (parts[0] === 'arn') return { functionName: value, ...opt('region', parts[3]), ...opt('qualifier', parts[7]) };
  if (parts[1] === 'function') return { functionName: value, ...opt('qualifier', parts[3]) };
  return { functionName: value, ...opt('qualifier', parts[1]) };
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

export class LambdaTarget implements Target {
  private readonly ref: LambdaFunctionRef;
  private readonly client: LambdaClient;
  private readonly inFlight = new Set<AbortController>();
  private readonly answerGraceMs: number;
  private closed = false;

  constructor(lambda: string, clients: AwsClients, options: LambdaTargetOptions = {}) {
    this.answerGraceMs = options.answerGraceMs ?? LAMBDA_ANSWER_GRACE_MS;
    this.ref = parseLambdaFunctionRef(lambda);
    // The shared client retries (SDK default: 3 attempts); retries belong to the pipeline,
    // which must see every failed attempt. So: a client of our own with maxAttempts 1, on
    // the shared client's HTTP handler (keep-alive pool, http1/http2 as configured) and
    // credentials. It is not destroyed on close(): the handler belongs to AwsClients.
    const shared = clients.get('lambda', this.ref.region);
    const endpoint = clients.endpointOf('lambda');
    this.client = new LambdaClient({
      region: clients.regionFor(this.ref.region),
      ...(endpoint ? { endpoint } : {}),
      requestHandler: shared.config.requestHandler,
      credentials: shared.config.credentials,
      maxAttempts: 1,
    });
  }

  async invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome> {
    const start = performance.now();
    if (this.closed) return targetClosedOutcome(start);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), context.timeoutMs + this.answerGraceMs);
    this.inFlight.add(abort);
    try {
      // Decision: a qualifier written in the configured `lambda` value wins; otherwise the
      // mapping's FunctionArn qualifier is passed (Lambda refuses both at once if they differ).
      const qualifier = this.ref.qualifier === undefined ? context.qualifier : undefined;
      const output = await this.client.send(
        new InvokeCommand({
          FunctionName: this.ref.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(payload, 'utf8'),
          ...(qualifier !== undefined ? { Qualifier: qualifier } : {}),
        }),
        { abortSignal: abort.signal },
      );
      const requestId = output.$metadata.requestId ?? '';
      const executedVersion = output.ExecutedVersion ?? LATEST;
      const decoded = decodeResponseBody(output.Payload ? Buffer.from(output.Payload).toString('utf8') : '');
      if (output.FunctionError !== undefined && output.FunctionError !== '') {
        const fromPayload = decoded.responseIsJson ? lambdaErrorOf(decoded.response) : {};
        return {
          kind: 'function-error',
          functionError: output.FunctionError,
          errorMessage: fromPayload.errorMessage ?? (typeof decoded.response === 'string' ? decoded.response : JSON.stringify(decoded.response)),
          ...(fromPayload.errorType !== undefined ? { errorType: fromPayload.errorType } : {}),
          requestId,
          executedVersion,
          durationMs: elapsedMs(start),
        };
      }
      return { kind: 'success', ...decoded, requestId, executedVersion, durationMs: elapsedMs(start) };
    } catch (error) {
      if (this.closed) return targetClosedOutcome(start);
      if (abort.signal.aborted) {
        // Decision: the function was invoked and did not answer in time, like an http target
        // that stays silent after the request was sent: a function error. Lambda's request id
        // never arrived, so the attempt gets one of its own.
        return {
          kind: 'function-error',
          functionError: UNHANDLED,
          errorType: TIMED_OUT_ERROR_TYPE,
          errorMessage: taskTimedOutMessage(context.timeoutMs),
          requestId: randomUUID(),
          executedVersion: LATEST,
          durationMs: elapsedMs(start),
        };
      }
      const classified = classifyInvokeError(error);
      return { kind: 'invocation-error', ...classified, durationMs: elapsedMs(start) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const abort of this.inFlight) abort.abort();
  }
}
