/**
 * `http` target: POST the event JSON to a URL and classify the answer (sqs.md §2).
 *
 * node:http rather than fetch: Node 20 ships no undici Agent to hand to fetch without an
 * extra dependency, and node:http tells the phases apart (connecting, sent, answering),
 * which the classification needs: a failure before the request was sent means the target
 * did not run, a silence after it means the target ran too long.
 */
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { InvocationContext, InvocationOutcome, Target } from './target.js';
import { decodeResponseBody, lambdaErrorOf } from './response-body.js';
import { elapsedMs } from './elapsed.js';
import { unhandledFunctionError } from './function-error.js';
import { targetClosedOutcome } from './target-closed.js';
import {
  LATEST,
  MAX_RESPONSE_BYTES,
  RESPONSE_TOO_LARGE_ERROR_TYPE,
  TIMED_OUT_ERROR_TYPE,
  UNHANDLED,
  responseTooLargeMessage,
  taskTimedOutMessage,
} from './lambda-wording.js';

export interface HttpTargetOptions {
  /** Idle keep-alive connections kept open for reuse. Default 256. */
  maxFreeSockets?: number;
}

/**
 * errorType of a function error whose response began but never ended (the connection
 * closed mid-body): the target ran, but its answer was lost on the way.
 */
export const RESPONSE_INCOMPLETE_ERROR_TYPE = 'Sluice.ResponseIncomplete';

/** Node error codes a stale keep-alive connection produces when the server already closed it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** An attempt that hit a stale pooled connection and should go again on a fresh one. */
const RETRY_ON_FRESH_CONNECTION = Symbol('retry');

export class HttpTarget implements Target {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  /** Requests in flight, each with what ends it as closed (used by close()). */
  private readonly inFlight = new Map<http.ClientRequest, () => void>();
  private closed = false;

  constructor(url: string, options: HttpTargetOptions = {}) {
    this.url = new URL(url);
    const secure = this.url.protocol === 'https:';
    this.request = secure ? https.request : http.request;
    // Keep-alive pooling is what makes a no-op target fast (no TCP/TLS handshake per
    // message). No maxSockets: the pipeline bounds concurrency, and a socket queue here
    // would hide waiting time before "sent". LIFO reuses the warmest connection, so idle
    // ones age out at the server instead of being picked just as it closes them.
    const agentOptions = { keepAlive: true, maxFreeSockets: options.maxFreeSockets ?? 256, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  async invoke(payload: string, context: InvocationContext): Promise<InvocationOutcome> {
    const start = performance.now();
    const requestId = randomUUID();
    try {
      const first = await this.attempt(payload, context, requestId, start, true);
      // A pooled connection the server had already closed fails before the request reached
      // it; going again once on a fresh connection is Node's documented remedy, not a retry
      // of the invocation (the target never saw the first try).
      if (first !== RETRY_ON_FRESH_CONNECTION) return first;
      const second = await this.attempt(payload, context, requestId, start, false);
      return second === RETRY_ON_FRESH_CONNECTION ? unreachable(start, 'connection reset before a response', 'ECONNRESET') : second;
    } catch (error) {
      // Nothing above should throw (e.g. an invalid header value would); never let it escape.
      return { kind: 'invocation-error', reason: 'unreachable', errorMessage: messageOf(error), durationMs: elapsedMs(start) };
    }
  }

  private attempt(
    payload: string,
    context: InvocationContext,
    requestId: string,
    start: number,
    pooled: boolean,
  ): Promise<InvocationOutcome | typeof RETRY_ON_FRESH_CONNECTION> {
    if (this.closed) return Promise.resolve(targetClosedOutcome(start));
    return new Promise((resolve) => {
      const body = Buffer.from(payload, 'utf8');
      const req = this.request(this.url, {
        method: 'POST',
        agent: pooled ? this.agent : false,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          // What a Lambda runtime would know about the invocation, for targets that care.
          'x-amzn-RequestId': requestId,
          'Lambda-Runtime-Aws-Request-Id': requestId,
          'Lambda-Runtime-Invoked-Function-Arn': context.functionArn,
          'Lambda-Runtime-Deadline-Ms': String(Date.now() + context.timeoutMs),
        },
      });
      let settled = false;
      let responded = false;
      const settle = (outcome: InvocationOutcome | typeof RETRY_ON_FRESH_CONNECTION): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        resolve(outcome);
      };

      // Phase 1, connecting and sending: not done within the timeout = could not connect.
      let timer = setTimeout(() => {
        settle(unreachable(start, `could not connect to ${this.url.origin} within ${context.timeoutMs} ms`, 'ETIMEDOUT'));
        req.destroy();
      }, context.timeoutMs);

      // Phase 2, from the moment the request was handed to the connection: the whole
      // response must arrive within the function's timeout, else the target ran too long.
      req.once('finish', () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          settle({
            kind: 'function-error',
            functionError: UNHANDLED,
            errorType: TIMED_OUT_ERROR_TYPE,
            errorMessage: taskTimedOutMessage(context.timeoutMs),
            requestId,
            executedVersion: LATEST,
            durationMs: elapsedMs(start),
          });
          req.destroy();
        }, context.timeoutMs);
      });

      req.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        if (this.closed) return settle(targetClosedOutcome(start));
        if (responded) return; // the response handlers below classify it
        if (pooled && req.reusedSocket && error.code !== undefined && STALE_SOCKET_CODES.has(error.code)) {
          return settle(RETRY_ON_FRESH_CONNECTION);
        }
        // Refused, DNS, TLS, or a reset before any response (also after the request was
        // sent): the target is taken not to have run (brief; sqs.md §2 "could not connect").
        // For streams this means retries that do not count against MaximumRetryAttempts.
        settle(unreachable(start, error.message, error.code));
      });

      req.on('response', (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            settle(unhandledFunctionError(start, requestId, responseTooLargeMessage(), RESPONSE_TOO_LARGE_ERROR_TYPE, res.statusCode));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => settle(classifyResponse(res, Buffer.concat(chunks).toString('utf8'), requestId, start)));
        // The target answered but the connection died mid-body: it ran, so a function error.
        const cutShort = (): void => {
          if (settled) return;
          if (this.closed) return settle(targetClosedOutcome(start));
          settle(unhandledFunctionError(start, requestId, 'connection closed before the response ended', RESPONSE_INCOMPLETE_ERROR_TYPE, res.statusCode));
        };
        res.on('error', cutShort);
        res.on('close', () => {
          if (!res.complete) cutShort();
        });
      });

      this.inFlight.set(req, () => {
        settle(targetClosedOutcome(start));
        req.destroy();
      });
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const endAsClosed of [...this.inFlight.values()]) endAsClosed();
    this.agent.destroy();
  }
}

/** sqs.md §2, HTTP column: 2xx success, 429 throttled, any other status a function error. */
function classifyResponse(res: http.IncomingMessage, text: string, requestId: string, start: number): InvocationOutcome {
  const status = res.statusCode ?? 0;
  const decoded = decodeResponseBody(text);
  if (status >= 200 && status < 300) {
    return { kind: 'success', ...decoded, requestId, executedVersion: LATEST, durationMs: elapsedMs(start) };
  }
  const fromBody = decoded.responseIsJson ? lambdaErrorOf(decoded.response) : {};
  const statusText = `HTTP ${status} ${res.statusMessage || http.STATUS_CODES[status] || ''}`.trim();
  if (status === 429) {
    return {
      kind: 'invocation-error',
      reason: 'throttled',
      errorMessage: fromBody.errorMessage ?? statusText,
      errorCode: fromBody.errorType ?? 'TooManyRequests',
      statusCode: status,
      durationMs: elapsedMs(start),
    };
  }
  // Redirects are not followed: a target URL that redirects is misconfigured.
  return unhandledFunctionError(start, requestId, fromBody.errorMessage ?? statusText, fromBody.errorType, status);
}

function unreachable(start: number, errorMessage: string, errorCode?: string): InvocationOutcome {
  return {
    kind: 'invocation-error',
    reason: 'unreachable',
    errorMessage,
    ...(errorCode !== undefined ? { errorCode } : {}),
    durationMs: elapsedMs(start),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
