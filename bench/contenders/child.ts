/**
 * What every contender script shares: its settings from the environment, the start
 * handshake with bench/support/contender.ts, and one keep-alive HTTP client posting
 * batches to the sink (as Sluice's http target does: node:http, JSON body).
 */
import http from 'node:http';
import { createInterface } from 'node:readline';

export function setting(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`contender: ${name} is not set`);
  return value;
}

/** Prints `ready` and resolves when the parent writes `go`. */
export function readyThenGo(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line === 'go') resolve();
    });
    process.stdout.write('ready\n');
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs `event` as JSON to `url`; resolves when the answer has been read. Throws on a non-2xx. */
export function postJson(url: URL, event: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`sink answered ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
