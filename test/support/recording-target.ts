/**
 * A recording HTTP target: a tiny node:http server on a free loopback port that records
 * every request and answers as the test programs it.
 *
 *   const target = await startRecordingTarget();
 *   onTestFinished(() => target.close());
 *   target.respondWith({ json: { batchItemFailures: [] } });            // 200 + JSON
 *   target.respondWith({ status: 500, json: { errorMessage: 'boom' } }); // error
 *   target.respondWith({ delayMs: 2000 });                               // slow 200, empty body
 *   target.respondWith((req, i) => (i === 0 ? { status: 500 } : {}));    // sequences
 *   target.respondWith(sequence({ status: 500 }, {}));                   // same, declaratively
 *   const [first] = await target.waitForRequests(1, 5000);
 *
 * Emulator-free: safe in unit tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw request target (path + query). */
  url: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  /** Date.now() when the request (headers and body) had fully arrived. */
  receivedAt: number;
  /** Date.now() when the answer was sent; undefined while pending or if never answered. */
  respondedAt?: number;
  /** The client went away before the answer was sent (e.g. it timed out during a delay). */
  clientAborted: boolean;
}

export interface TargetResponse {
  /** Default 200. */
  status?: number;
  /** Serialised as JSON with content-type application/json. */
  json?: unknown;
  /** Raw body (wins over `json`); no body at all when both are absent. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the socket instead of answering (connection reset). */
  destroySocket?: boolean;
}

export type ResponseFn = (request: RecordedRequest, index: number) => TargetResponse | Promise<TargetResponse>;
export type Behaviour = TargetResponse | ResponseFn;

/** Answer the i-th request with responses[i]; the last one repeats. */
export function sequence(...responses: TargetResponse[]): ResponseFn {
  if (responses.length === 0) throw new Error('sequence() needs at least one response');
  return (_request, index) => responses[Math.min(index, responses.length - 1)]!;
}

export interface RecordingTarget {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Everything received so far, in arrival order (live array). */
  readonly requests: readonly RecordedRequest[];
  /** Program the answers from now on. Default: 200 with an empty body. */
  respondWith(behaviour: Behaviour): void;
  /** Resolves with the first n requests once n have arrived; rejects after timeoutMs (default 10 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Forget recorded requests (indices restart at 0); behaviour is kept. */
  clearRequests(): void;
  close(): Promise<void>;
}

export async function startRecordingTarget(initial: Behaviour = {}): Promise<RecordingTarget> {
  const requests: RecordedRequest[] = [];
  let behaviour: Behaviour = initial;
  let closed = false;
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 5_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const rawBody = raw.toString('utf8');
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const url = new URL(req.url ?? '/', 'http://target.invalid');
    const record: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: url.pathname,
      url: req.url ?? '/',
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body,
      receivedAt: Date.now(),
      clientAborted: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientAborted = true;
    });
    notify();

    let response: TargetResponse;
    try {
      response = typeof behaviour === 'function' ? await behaviour(record, record.index) : behaviour;
    } catch (error) {
      response = { status: 500, json: { recordingTargetError: error instanceof Error ? error.message : String(error) } };
    }

    if (response.delayMs !== undefined && response.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, response.delayMs);
        timers.add(timer);
        // close() clears timers; make sure we do not wait forever then.
        res.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        });
      });
    }
    if (res.destroyed || res.writableEnded) return;
    if (response.destroySocket) {
      req.socket.destroy();
      return;
    }

    const headers: Record<string, string> = {};
    let payload: string | Buffer | undefined;
    if (response.body !== undefined) {
      payload = response.body;
    } else if (response.json !== undefined) {
      payload = JSON.stringify(response.json);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, response.headers);
    headers['content-length'] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
    res.writeHead(response.status ?? 200, headers);
    res.end(payload, () => {
      record.respondedAt = Date.now();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respondWith(next: Behaviour) {
      behaviour = next;
    },
    waitForRequests(n: number, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests.slice(0, n));
      return new Promise<RecordedRequest[]>((resolve, reject) => {
        const check = (): void => {
          if (requests.length >= n) {
            cleanup();
            resolve(requests.slice(0, n));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = requests
            .map((r) => `  #${r.index} ${r.method} ${r.url} ${r.rawBody.slice(0, 200)}`)
            .join('\n');
          reject(
            new Error(
              `recording target: expected ${n} request(s) within ${timeoutMs}ms, got ${requests.length}` +
                (seen ? `:\n${seen}` : ''),
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    clearRequests() {
      requests.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Most intervals [receivedAt, respondedAt] open at one moment (requests still pending count as open). */
export function maxOverlap(requests: readonly RecordedRequest[]): number {
  const events = requests.flatMap((r) => [
    { at: r.receivedAt, delta: 1 },
    { at: r.respondedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // At equal times, a close comes before an open: touching intervals do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const event of events) {
    open += event.delta;
    max = Math.max(max, open);
  }
  return max;
}
