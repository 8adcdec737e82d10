/**
 * HTTP/1.1 over a raw `node:net` socket, for requests fetch/undici refuse to send (bad
 * Content-Length, invalid header bytes, unknown methods, bodies that stop half-way) and a
 * just-enough parser of the answer.
 *
 *   const answer = await sendRaw(port, Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\n\r\n'));
 *   // { kind: 'response', status: 404, headers: {...}, body: '...', elapsedMs }
 *
 * Emulator-free: safe in unit tests.
 */
import net from 'node:net';

export interface RawResponse {
  kind: 'response';
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  elapsedMs: number;
}

/**
 * `closed`: the server closed (or reset) the connection before a whole answer arrived;
 * `timeout`: nothing complete within the deadline, the request hung.
 */
export type RawOutcome = RawResponse | { kind: 'closed'; partial: string; elapsedMs: number } | { kind: 'timeout'; partial: string; elapsedMs: number };

export interface RawRequestOptions {
  host?: string;
  /** Give up (outcome `timeout`) after this long. Default 5 000 ms. */
  timeoutMs?: number;
  /** A HEAD answer has headers only, whatever its Content-Length says. */
  head?: boolean;
}

/** Sends `request` as is on a fresh connection and reads the first answer. */
export function sendRaw(port: number, request: Buffer, options: RawRequestOptions = {}): Promise<RawOutcome> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ kind: 'timeout', partial: received.toString('latin1').slice(0, 500), elapsedMs: Date.now() - started }),
      timeoutMs,
    );
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const response = parseResponse(received, options.head ?? false, false);
      if (response) finish({ ...response, elapsedMs: Date.now() - started });
    });
    const onEnd = () => {
      const response = parseResponse(received, options.head ?? false, true);
      finish(response ? { ...response, elapsedMs: Date.now() - started } : { kind: 'closed', partial: received.toString('latin1').slice(0, 500), elapsedMs: Date.now() - started });
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    // EPIPE / ECONNRESET while writing a body the server no longer reads: what it answered
    // before that (if anything) is still read by `close`.
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

/** The answer in `bytes` once it is complete; `ended` means the server closed the stream. */
function parseResponse(bytes: Buffer, head: boolean, ended: boolean): Omit<RawResponse, 'elapsedMs'> | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  // 1xx answers (100 Continue) precede the real one.
  if (status >= 100 && status < 200) return parseResponse(bytes.subarray(headEnd + 4), head, ended);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(headEnd + 4);
  const complete = (body: Buffer) => ({ kind: 'response' as const, status, headers, body: body.toString('utf8') });
  if (head || status === 204 || status === 304) return complete(Buffer.alloc(0));
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const body = dechunk(rest);
    return body ? complete(body) : undefined;
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return rest.length >= length ? complete(rest.subarray(0, length)) : undefined;
  }
  return ended ? complete(rest) : undefined;
}

/** The body of a complete chunked message, or undefined while chunks are missing. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (bytes.length < start + size + 2) return undefined;
    parts.push(bytes.subarray(start, start + size));
    offset = start + size + 2;
  }
}
