/**
 * A tiny node:http server speaking Lambda's Invoke wire protocol (REST-JSON):
 *   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=q]
 * answering with X-Amz-Function-Error, X-Amz-Executed-Version, x-amzn-RequestId, or an
 * error with x-amzn-errortype, as each test programs it. Emulator-free.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface InvokeRequest {
  functionName: string;
  qualifier: string | undefined;
  invocationType: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request had fully arrived. */
  receivedAt: number;
}

export interface InvokeAnswer {
  status?: number;
  /** Raw payload / error body. */
  body?: string;
  functionError?: string;
  executedVersion?: string;
  /** x-amzn-errortype, for errors. */
  errorType?: string;
  requestId?: string;
  delayMs?: number;
}

export interface FakeLambda {
  endpoint: string;
  requests: InvokeRequest[];
  answer(fn: (request: InvokeRequest) => InvokeAnswer): void;
  close(): Promise<void>;
}

export const invocationsPath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startFakeLambda(): Promise<FakeLambda> {
  const requests: InvokeRequest[] = [];
  let answer: (request: InvokeRequest) => InvokeAnswer = (request) => ({ body: request.body });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://lambda.invalid');
      const match = invocationsPath.exec(url.pathname);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'x-amzn-errortype': 'UnknownOperationException' }).end('{}');
        return;
      }
      const request: InvokeRequest = {
        functionName: decodeURIComponent(match[1]!),
        qualifier: url.searchParams.get('Qualifier') ?? undefined,
        invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(request);
      const a = answer(request);
      const send = () => {
        if (res.destroyed) return;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-amzn-RequestId': a.requestId ?? randomUUID(),
        };
        if (a.functionError !== undefined) headers['X-Amz-Function-Error'] = a.functionError;
        if (a.executedVersion !== undefined) headers['X-Amz-Executed-Version'] = a.executedVersion;
        if (a.errorType !== undefined) headers['x-amzn-errortype'] = a.errorType;
        res.writeHead(a.status ?? 200, headers).end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer(fn) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
